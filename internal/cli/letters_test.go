package cli

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/pdfcheck"
)

// lettersDB adds to inviteDB's database (Anna Müller, not activated, in Werk Süd):
// Ben Weber in Werk Nord and the group Chor, Clara Active (registered) and Dora
// Expired (her key ran out yesterday). It returns the path and the users' IDs.
func lettersDB(t *testing.T) (string, map[string]string) {
	t.Helper()
	db := inviteDB(t)
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	ids := map[string]string{}
	anna, err := st.UserHolding(ctx, data.FieldEmail, "anna@example.org", "")
	if err != nil {
		t.Fatal(err)
	}
	ids["anna"] = anna.ID
	role, _ := st.RoleByName(ctx, "Teacher")
	nord, _ := st.UnitByName(ctx, "Werk Nord")
	chor, _ := st.GroupByName(ctx, "Chor")
	add := func(svc *lifecycle.Service, first, last string, days int) string {
		c, err := svc.CreateUser(ctx, lifecycle.UserInput{
			FirstName: first, LastName: last, RoleID: role.ID,
			UnitIDs: []string{nord.ID}, GroupIDs: []string{chor.ID},
		}, days)
		if err != nil {
			t.Fatal(err)
		}
		return c.User.ID
	}
	svc := lifecycle.New(st)
	ids["ben"] = add(svc, "Ben", "Weber", 0)
	ids["clara"] = add(svc, "Clara", "Active", 0)
	if _, err := svc.MarkRegistered(ctx, ids["clara"]); err != nil {
		t.Fatal(err)
	}
	ids["dora"] = add(lifecycle.New(st, lifecycle.WithClock(func() time.Time { return time.Now().AddDate(0, 0, -3) })), "Dora", "Expired", 2)
	return db, ids
}

func history(t *testing.T, db, id string) []string {
	t.Helper()
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

func TestLettersCommandPrintsUsableKeysAndListsTheRest(t *testing.T) {
	db, ids := lettersDB(t)
	pdf := filepath.Join(t.TempDir(), "letters.pdf")
	code, out, errOut := run(t, "--db", db, "letters", "-o", pdf)
	if code != ExitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{
		"Wrote 2 letters (2 pages) to " + pdf, "Skipped 2 users",
		"Clara Active: already active", "Dora Expired: key expired",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if h := history(t, db, ids["anna"]); !strings.Contains(strings.Join(h, " "), "user.letter") {
		t.Errorf("Anna's history %v has no letter", h)
	}
	if h := history(t, db, ids["clara"]); strings.Contains(strings.Join(h, " "), "user.letter") {
		t.Errorf("Clara got a letter: %v", h)
	}
	pdfcheck.Need(t, "pdftotext")
	text := pdfcheck.Text(t, pdf, 1) + pdfcheck.Text(t, pdf, 2)
	if !strings.Contains(text, "Anna Müller") || !strings.Contains(text, "Ben Weber") {
		t.Errorf("the PDF lacks the names:\n%s", text)
	}
}

func TestLettersCommandFiltersAndRenews(t *testing.T) {
	db, ids := lettersDB(t)
	pdf := filepath.Join(t.TempDir(), "nord.pdf")
	code, out, errOut := run(t, "--db", db, "letters", "--unit", "werk nord", "--group", "Chor", "--renew-expired",
		"--duplex", "--paper", "letter", "-o", pdf)
	if code != ExitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"Wrote 2 letters (4 pages)", "Issued new keys for 1 user", "Clara Active: already active"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Anna") {
		t.Errorf("Anna is not in Werk Nord:\n%s", out)
	}
	if h := strings.Join(history(t, db, ids["dora"]), " "); !strings.Contains(h, "user.new-key") || !strings.Contains(h, "user.letter") {
		t.Errorf("Dora's history %s lacks the new key or the letter", h)
	}
	code, out, _ = run(t, "--db", db, "letters", "--user", "ben.weber", "--user", ids["anna"], "-o", pdf)
	if code != ExitOK || !strings.Contains(out, "Wrote 2 letters") {
		t.Errorf("--user: exit %d:\n%s", code, out)
	}
}

func TestLettersCommandErrorsWriteNoFile(t *testing.T) {
	db, _ := lettersDB(t)
	dir := t.TempDir()
	pdf := filepath.Join(dir, "out.pdf")
	logo := writeFile(t, dir, "logo.png", tinyPNG(t))
	if code, _, errOut := run(t, "--db", db, "config", "set", "org.logo", logo); code != ExitOK {
		t.Fatalf("config set org.logo: %s", errOut)
	}
	os.Remove(logo)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"letters"}, ExitUsage, "-o FILE.pdf"},
		{[]string{"letters", "-o", pdf, "--paper", "a3"}, ExitUsage, "paper must be a4 or letter"},
		{[]string{"letters", "-o", pdf, "--unit", "Werk Ost"}, ExitFail, `there is no unit "Werk Ost"; units: Werk Nord, Werk Süd` + "\n"},
		{[]string{"letters", "-o", pdf, "--status", "active"}, ExitFail, "none of the 1 user can get a letter"},
		{[]string{"letters", "-o", pdf}, ExitFail, "logo.png"},
	}
	for _, c := range cases {
		code, _, errOut := run(t, append([]string{"--db", db}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", c.args, code, errOut, c.code, c.want)
		}
		if _, err := os.Stat(pdf); !os.IsNotExist(err) {
			t.Fatalf("%v left a file: %v", c.args, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestLettersForDemoUsers prints the letters of demo users and checks each page
// against `users list`: page N holds the Nth printable user's name and key, and its
// QR code (checked on three pages) decodes to that user's registration link.
func TestLettersForDemoUsers(t *testing.T) {
	pdfcheck.Need(t, "pdfinfo", "pdftotext", "pdftoppm", "zbarimg")
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	if code, _, e := run(t, "--db", db, "demo", "--users", "60", "--seed", "11"); code != ExitOK {
		t.Fatal(e)
	}
	run(t, "--db", db, "config", "set", "registration.url", "https://onboard.example.org")
	pdf := filepath.Join(dir, "demo.pdf")
	if code, out, e := run(t, "--db", db, "letters", "-o", pdf); code != ExitOK {
		t.Fatalf("exit %d: %s%s", code, out, e)
	}
	var printable [][]string // first, last, key
	for _, st := range []string{"not-activated", "invited"} {
		_, out, _ := run(t, "--db", db, "users", "list", "--status", st, "--format", "csv")
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[1:] {
			printable = append(printable, []string{r[0], r[1], r[11]})
		}
	}
	if n := pdfcheck.Pages(t, pdf); n != len(printable) {
		t.Fatalf("%d pages, want %d", n, len(printable))
	}
	pages := map[string]int{} // key -> page
	for n := 1; n <= len(printable); n++ {
		text := pdfcheck.Text(t, pdf, n)
		for _, p := range printable {
			if strings.Contains(text, p[2]) {
				pages[p[2]] = n
				if !strings.Contains(text, p[0]+" "+p[1]) {
					t.Errorf("page %d has the key of %s %s but not the name", n, p[0], p[1])
				}
			}
		}
	}
	if len(pages) != len(printable) {
		t.Fatalf("%d of %d keys found on the pages", len(pages), len(printable))
	}
	for _, p := range printable[:3] {
		got := pdfcheck.QR(t, pdfcheck.Render(t, pdf, pages[p[2]], 150, true))
		if want := "https://onboard.example.org/register?key=" + p[2]; got != want {
			t.Errorf("page %d QR = %q, want %q", pages[p[2]], got, want)
		}
	}
}

// TestUsersExtendKeepsTheKeys: Dora's expired key works again, the same key, and
// Clara (registered) is listed as skipped; without a filter nothing is extended.
func TestUsersExtendKeepsTheKeys(t *testing.T) {
	db, ids := lettersDB(t)
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	before, err := st.LiveKey(context.Background(), ids["dora"])
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--db", db, "users", "extend", "--unit", "Werk Nord", "--days", "30")
	if code != ExitOK || !strings.Contains(out, "Extended the keys of 2 users until") || !strings.Contains(out, "Clara Active: active") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	st, err = data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	after, err := st.LiveKey(context.Background(), ids["dora"])
	if err != nil || after.Key != before.Key || !after.ExpiresAt.After(time.Now().AddDate(0, 0, 29)) {
		t.Fatalf("Dora's key after extending: %+v, %v (before %s)", after, err, before.Key)
	}
	if code, _, errOut := run(t, "--db", db, "users", "extend"); code != ExitUsage || !strings.Contains(errOut, "say whose keys to extend") {
		t.Errorf("without a filter: exit %d, %s", code, errOut)
	}
	if code, _, errOut := run(t, "--db", db, "users", "extend", "--user", ids["clara"]); code != ExitFail || !strings.Contains(errOut, "the user has no key that can be extended") {
		t.Errorf("only Clara: exit %d, %s", code, errOut)
	}
}

func TestUsersListExpiringWithin(t *testing.T) {
	db, _ := lettersDB(t)
	code, out, errOut := run(t, "--db", db, "users", "list", "--expiring-within", "30", "--format", "csv")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for name, want := range map[string]bool{"Anna": true, "Ben": true, "Clara": false, "Dora": false} {
		if strings.Contains(out, name) != want {
			t.Errorf("%s listed: %v, want %v\n%s", name, !want, want, out)
		}
	}
	if code, _, _ := run(t, "--db", db, "users", "list", "--expiring-within", "999"); code != ExitUsage {
		t.Errorf("999 days: exit %d, want a usage error", code)
	}
}
