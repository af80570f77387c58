package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/keys"
	"onboard/internal/lifecycle"
)

// inviteDB makes a database with the role Teacher, the units Werk Süd and Werk Nord,
// the group Chor and the user Anna Müller <anna@example.org>.
func inviteDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "o.db")
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	r, u1, u2, g := &data.Role{Name: "Teacher"}, &data.Unit{Name: "Werk Süd"}, &data.Unit{Name: "Werk Nord"}, &data.Group{Name: "Chor"}
	for _, err := range []error{st.CreateRole(ctx, r), st.CreateUnit(ctx, u1), st.CreateUnit(ctx, u2), st.CreateGroup(ctx, g)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = lifecycle.New(st).CreateUser(ctx, lifecycle.UserInput{
		FirstName: "Anna", LastName: "Müller",
		Email: "anna@example.org", RoleID: r.ID, UnitIDs: []string{u1.ID},
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// invitedUser reads the user with the email from db.
func invitedUser(t *testing.T, db, email string) (*data.User, []string, []string) {
	t.Helper()
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	u, err := st.UserHolding(ctx, data.FieldEmail, email, "")
	if err != nil {
		t.Fatalf("%s: %v", email, err)
	}
	units, _ := st.UserUnitIDs(ctx, u.ID)
	groups, _ := st.UserGroupIDs(ctx, u.ID)
	if k, err := st.LiveKey(ctx, u.ID); err != nil || !keys.Valid(keys.Personal, k.Key) {
		t.Fatalf("%s has no live key: %v", email, err)
	}
	return u, units, groups
}

func TestInviteCommand(t *testing.T) {
	db := inviteDB(t)
	code, out, errOut := run(t, "--db", db, "invite", "--emails", `ANNA@example.org, "Weber, Ben" <ben@example.org>; cem@example.org`,
		"--role", "teacher", "--unit", "werk süd", "--unit", "Werk Nord", "--group", "CHOR", "--valid-days", "10")
	if want := "Invited 2 people. The invitation mails are queued; onboard mail send sends them.\nNot invited:\n  ANNA@example.org: already a member (Anna Müller)\n"; code != ExitOK || out != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, want)
	}
	u, units, groups := invitedUser(t, db, "ben@example.org")
	if u.FirstName != "Ben" || u.LastName != "Weber" || u.Phase != data.PhaseInvited || len(units) != 2 || len(groups) != 1 {
		t.Fatalf("ben: %+v, units %v, groups %v", u, units, groups)
	}
	if days := time.Until(*u.KeyExpiresAt).Hours() / 24; days < 9.9 || days > 10.1 {
		t.Fatalf("key valid for %.1f days, want 10", days)
	}

	// A file with parts that cannot be read: the rest is invited, exit 1.
	list := filepath.Join(t.TempDir(), "list.txt")
	os.WriteFile(list, []byte("Email\ndora@example.org\neve@example\n"), 0o644)
	code, out, errOut = run(t, "--db", db, "invite", "--emails-file", list, "--role", "Teacher", "--unit", "Werk Süd")
	want := "Invited 1 person. The invitation mails are queued; onboard mail send sends them.\nCould not be read:\n  Email: not an email address\n" +
		"  eve@example: \"eve@example\" is not a valid email address\n"
	if code != ExitFail || out != want || errOut != "onboard invite: 2 parts of the list could not be read or invited; see above\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 1 and %q", code, out, errOut, want)
	}
	invitedUser(t, db, "dora@example.org")

	// Standard input; everyone is already a member: exit 0.
	inviteStdin = strings.NewReader("fatma@example.org\nben@example.org\nFatma@Example.org\n")
	t.Cleanup(func() { inviteStdin = os.Stdin })
	code, out, errOut = run(t, "--db", db, "invite", "--emails-file", "-", "--role", "Teacher", "--unit", "Werk Süd")
	want = "Invited 1 person. The invitation mails are queued; onboard mail send sends them.\nNot invited:\n  ben@example.org: already a member (Ben Weber)\n" +
		"Listed more than once (counted once):\n  fatma@example.org\n"
	if code != ExitOK || out != want {
		t.Fatalf("stdin: exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, want)
	}
	invitedUser(t, db, "fatma@example.org")
}

func TestInviteUsageErrors(t *testing.T) {
	dir := t.TempDir()
	never := filepath.Join(dir, "never.db")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--role", "Teacher", "--unit", "Werk Süd"}, "give the addresses with --emails or --emails-file"},
		{[]string{"--emails", "a@x.de", "--emails-file", "f", "--role", "Teacher", "--unit", "Werk Süd"}, "not both"},
		{[]string{"--emails", "a@x.de", "--unit", "Werk Süd"}, "--role is required"},
		{[]string{"--emails", "a@x.de", "--role", "Teacher"}, "at least one --unit is required"},
		{
			[]string{"--emails", "a@x.de", "--role", "Teacher", "--unit", "Werk Süd", "--valid-days", "500"},
			"--valid-days must be between 1 and 180, not 500",
		},
		{[]string{"--emails", " ,; \n", "--role", "Teacher", "--unit", "Werk Süd"}, "there are no email addresses in --emails"},
		{[]string{"--emails", "a@x.de", "--role", "Teacher", "--unit", "Werk Süd", "--valid-days", "ten"}, "invalid value"},
	} {
		code, _, errOut := run(t, append([]string{"--db", never, "invite"}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.msg) || !strings.Contains(errOut, "Usage: onboard") {
			t.Errorf("%v: exit %d, stderr %q; want 2 with %q and the usage", tc.args, code, errOut, tc.msg)
		}
	}
	code, _, errOut := run(t, "--db", never, "invite", "--emails-file", filepath.Join(dir, "missing.txt"),
		"--role", "Teacher", "--unit", "Werk Süd")
	if code != ExitFail || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "missing.txt") {
		t.Errorf("missing file: exit %d, stderr %q; want 1 and one line naming the file", code, errOut)
	}
	if _, err := os.Stat(never); !os.IsNotExist(err) {
		t.Fatal("a usage error created the database file")
	}

	// Unknown names are named, with the names there are.
	db := inviteDB(t)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{
			[]string{"--role", "Boss", "--unit", "Werk Süd"},
			"onboard invite: there is no role \"Boss\"; roles: Teacher — create it with: onboard roles add Boss\n",
		},
		{
			[]string{"--role", "Teacher", "--unit", "Werk Ost", "--group", "Band"},
			"onboard invite: there is no group \"Band\"; groups: Chor — create it with: onboard groups add Band\n",
		},
	} {
		code, _, errOut := run(t, append([]string{"--db", db, "invite", "--emails", "zoe@example.org"}, tc.args...)...)
		if code != ExitFail || errOut != tc.msg {
			t.Errorf("%v: exit %d, stderr %q; want 1 with %q", tc.args, code, errOut, tc.msg)
		}
	}
	// A file without addresses is not a usage error.
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("\n ;\n"), 0o644)
	code, _, errOut = run(t, "--db", db, "invite", "--emails-file", empty, "--role", "Teacher", "--unit", "Werk Süd")
	if code != ExitFail || errOut != "onboard invite: there are no email addresses in "+empty+"\n" {
		t.Errorf("empty file: exit %d, stderr %q", code, errOut)
	}
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.UserHolding(context.Background(), data.FieldEmail, "zoe@example.org", ""); err == nil {
		t.Fatal("a user was invited despite an unknown name")
	}
}
