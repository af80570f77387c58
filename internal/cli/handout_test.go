package cli

import (
	"context"
	"strings"
	"testing"

	"onboard/data"
	"onboard/internal/letters"
)

// liveKeyIn reads the live key of user id from the file db.
func liveKeyIn(t *testing.T, db, id string) string {
	t.Helper()
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k, err := st.LiveKey(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return k.Key
}

func TestLettersHandedOutAndListByLetter(t *testing.T) {
	db, ids := lettersDB(t)
	link := " " + letters.Link("https://onboard.example.org", strings.ToLower(liveKeyIn(t, db, ids["ben"]))) + " "
	code, out, errOut := run(t, "--db", db, "letters", "handed-out", "--key", link)
	if code != ExitOK || out != "Ben Weber (Werk Nord) — handed out\n" {
		t.Fatalf("by key: exit %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, "--db", db, "letters", "handed-out", "--key", link, "--key", "AAAA-BBBB")
	if code != ExitFail || !strings.Contains(out, "Ben Weber (Werk Nord) — already handed out on ") ||
		!strings.Contains(out, "AAAA-BBBB: no letter has this key") {
		t.Fatalf("again and unknown: exit %d %q", code, out)
	}
	code, out, errOut = run(t, "--db", db, "letters", "handed-out", "--user", ids["anna"], "--user", ids["clara"], "--user", ids["ben"])
	if code != ExitOK || !strings.Contains(out, "Marked 1 letter handed out.") ||
		!strings.Contains(out, "Skipped 2 users: 1 active, 1 already handed out.") {
		t.Fatalf("by user: exit %d %q %q", code, out, errOut)
	}
	if h := history(t, db, ids["anna"]); h[len(h)-1] != "user.handed-out" {
		t.Fatalf("Anna's history: %v", h)
	}
	code, out, errOut = run(t, "--db", db, "users", "list", "--letter", "handed-out-not-registered", "--format", "csv")
	if code != ExitOK {
		t.Fatalf("list: exit %d %s", code, errOut)
	}
	for name, want := range map[string]bool{"Anna": true, "Ben": true, "Clara": false, "Dora": false} {
		if strings.Contains(out, name) != want {
			t.Errorf("%s listed: %v, want %v\n%s", name, !want, want, out)
		}
	}
	if _, out, _ = run(t, "--db", db, "users", "list", "--letter", "printed-not-handed-out"); !strings.HasSuffix(out, "0 users\n") {
		t.Errorf("printed, not handed out: %s", out)
	}
	for _, args := range [][]string{
		{"users", "list", "--letter", "lost"},
		{"letters", "handed-out"},
		{"letters", "handed-out", "--user", ids["anna"], "--key", link},
	} {
		if code, _, _ := run(t, append([]string{"--db", db}, args...)...); code != ExitUsage {
			t.Errorf("%v: exit %d, want a usage error", args, code)
		}
	}
}
