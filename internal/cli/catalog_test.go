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
	"onboard/internal/syncapi"
)

// mustRun runs args and fails the test unless it exits 0; it returns stdout.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != ExitOK {
		t.Fatalf("%v: exit %d\nstdout %q\nstderr %q", args, code, out, errOut)
	}
	return out
}

// wantFail runs args and checks that it exits 1 with exactly the one line want on
// stderr (no usage).
func wantFail(t *testing.T, want string, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != ExitFail || errOut != want+"\n" {
		t.Errorf("%v: exit %d, stderr %q; want 1 and %q", args, code, errOut, want+"\n")
	}
	return out
}

// freshDB is the path of a database that does not exist yet.
func freshDB(t *testing.T) string { return filepath.Join(t.TempDir(), "o.db") }

// listRows runs a list command with --format csv and returns its records without
// the header.
func listRows(t *testing.T, db string, what ...string) [][]string {
	t.Helper()
	out := mustRun(t, append(append([]string{"--db", db}, what...), "--format", "csv")...)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[1:]
}

func TestFreshDatabaseImportNeedsRoleThenCreatesUnit(t *testing.T) {
	db := freshDB(t)
	file := writeFile(t, t.TempDir(), "list.csv", []byte("First name,Last name,Email\nAnna,Muster,anna@example.org\n"))
	wantFail(t, `onboard import: there is no role "Student" and no roles yet — create it with: onboard roles add Student, `+
		`or run: onboard setup --org NAME --preset school`, "--db", db, "import", file, "--role", "Student", "--unit", "5a")
	if rows := listRows(t, db, "units", "list"); len(rows) != 0 {
		t.Fatalf("the refused import created units: %v", rows)
	}
	if out := mustRun(t, "--db", db, "roles", "add", "Student"); !strings.Contains(out, "Created role Student") {
		t.Fatalf("roles add: %q", out)
	}
	// A dry run names the new unit but creates nothing.
	out := mustRun(t, "--db", db, "import", file, "--role", "Student", "--unit", "5a", "--dry-run")
	if !strings.Contains(out, "New units: 5a\n") || !strings.Contains(out, "Dry run, nothing written: 1 created") {
		t.Fatalf("dry run: %s", out)
	}
	if rows := listRows(t, db, "units", "list"); len(rows) != 0 {
		t.Fatalf("the dry run created units: %v", rows)
	}
	out = mustRun(t, "--db", db, "import", file, "--role", "student", "--unit", "5a")
	if !strings.Contains(out, "New units: 5a\n") || !strings.Contains(out, "1 created, 0 updated, 0 skipped, 0 failed") {
		t.Fatalf("import: %s", out)
	}
	if rows := listRows(t, db, "units", "list"); len(rows) != 1 || rows[0][0] != "5a" || rows[0][1] != "1" {
		t.Fatalf("units after the import: %v", rows)
	}
	users := listCSV(t, db)
	if len(users) != 1 || users[0][6] != "Student" || users[0][7] != "5a" {
		t.Fatalf("users: %v", users)
	}
	// Another role is refused with the roles there are.
	wantFail(t, `onboard import: there is no role "Teacher"; roles: Student — create it with: onboard roles add Teacher`,
		"--db", db, "import", file, "--role", "Teacher", "--unit", "5a")
}

func TestImportUnitNamedByFlagAndFileIsCreatedOnce(t *testing.T) {
	db := freshDB(t)
	mustRun(t, "--db", db, "roles", "add", "Student")
	file := writeFile(t, t.TempDir(), "list.csv", []byte("First name,Last name,Email,Class\n"+
		"Anna,Muster,anna@example.org,6B\nBen,Berg,ben@example.org,6c\n"))
	out := mustRun(t, "--db", db, "import", file, "--role", "Student", "--unit", "6b", "--unit", "6B")
	if !strings.Contains(out, "New units: 6b, 6c\n") {
		t.Fatalf("import: %s", out)
	}
	rows := listRows(t, db, "units", "list")
	if len(rows) != 2 || rows[0][0] != "6b" || rows[0][1] != "2" || rows[1][0] != "6c" || rows[1][1] != "1" {
		t.Fatalf("units: %v", rows)
	}
	// An import that writes nobody creates no unit.
	out = mustRun(t, "--db", db, "import", file, "--role", "Student", "--unit", "7a")
	if strings.Contains(out, "New units") || !strings.Contains(out, "0 created, 0 updated, 2 skipped") {
		t.Fatalf("second import: %s", out)
	}
	if rows := listRows(t, db, "units", "list"); len(rows) != 2 {
		t.Fatalf("units after an import that wrote nobody: %v", rows)
	}
}

func TestFreshDatabaseInviteCreatesUnit(t *testing.T) {
	db := freshDB(t)
	wantFail(t, `onboard invite: there is no role "Student" and no roles yet — create it with: onboard roles add Student, `+
		`or run: onboard setup --org NAME --preset school`, "--db", db, "invite", "--emails", "a@x.org", "--role", "Student", "--unit", "7c")
	mustRun(t, "--db", db, "roles", "add", "Student")
	out := mustRun(t, "--db", db, "invite", "--emails", "a@x.org", "--role", "Student", "--unit", "7c")
	if !strings.HasPrefix(out, "New units: 7c\nInvited 1 person.") {
		t.Fatalf("invite: %q", out)
	}
	u, units, _ := invitedUser(t, db, "a@x.org")
	if u.Phase != data.PhaseInvited || len(units) != 1 {
		t.Fatalf("a@x.org: %+v in %v", u, units)
	}
	if rows := listRows(t, db, "units", "list"); len(rows) != 1 || rows[0][0] != "7c" || rows[0][1] != "1" {
		t.Fatalf("units: %v", rows)
	}
	// Nobody invited (already a member): the new unit is not kept.
	out = mustRun(t, "--db", db, "invite", "--emails", "A@x.org", "--role", "Student", "--unit", "8d", "--unit", "7C")
	if strings.Contains(out, "New units") || !strings.Contains(out, "Invited 0 people.") {
		t.Fatalf("second invite: %q", out)
	}
	if rows := listRows(t, db, "units", "list"); len(rows) != 1 {
		t.Fatalf("units after inviting nobody: %v", rows)
	}
	// An unknown group is still refused, and nothing is written.
	wantFail(t, `onboard invite: there is no group "Chor" and no groups yet — create it with: onboard groups add Chor`,
		"--db", db, "invite", "--emails", "b@x.org", "--role", "Student", "--unit", "9e", "--group", "Chor")
	if rows := listRows(t, db, "units", "list"); len(rows) != 1 {
		t.Fatalf("units after a refused invite: %v", rows)
	}
}

func TestRolesCommands(t *testing.T) {
	db := freshDB(t)
	if out := mustRun(t, "--db", db, "roles", "list"); !strings.HasPrefix(out, "No roles yet.") {
		t.Fatalf("empty list: %q", out)
	}
	out := mustRun(t, "--db", db, "roles", "add", "Teacher", "--permissions", "Directory, chat,add-users")
	if out != "Created role Teacher with add-users, chat, directory.\n" {
		t.Fatalf("roles add: %q", out)
	}
	mustRun(t, "--db", db, "roles", "add", "Class Teacher")
	mustRun(t, "--db", db, "roles", "add", "Student", "--permissions", "chat")
	wantFail(t, "onboard roles add: name: a role named “Teacher” already exists", "--db", db, "roles", "add", "teacher")

	// Users and an invite key in Teacher.
	mustRun(t, "--db", db, "invite", "--emails", "a@x.org, b@x.org", "--role", "teacher", "--unit", "Staff room")
	addInviteKey(t, db, "Teacher")

	out = mustRun(t, "--db", db, "roles", "list")
	want := "NAME           PERMISSIONS                 USERS  INVITE KEYS\n" +
		"Class Teacher  none                        0      0\n" +
		"Student        chat                        0      0\n" +
		"Teacher        add-users, chat, directory  2      1\n" +
		"3 roles\n"
	if out != want {
		t.Fatalf("roles list:\n%s\nwant:\n%s", out, want)
	}
	rows := listRows(t, db, "roles", "list")
	if len(rows) != 3 || strings.Join(rows[2], "|") != "Teacher|add-users,chat,directory|2|1" {
		t.Fatalf("csv: %v", rows)
	}

	// Rename: unique ignoring case, looked up ignoring case.
	wantFail(t, "onboard roles rename: name: a role named “Student” already exists", "--db", db, "roles", "rename", "class teacher", "STUDENT")
	wantFail(t, `onboard roles rename: there is no role "Tutor"; roles: Class Teacher, Student, Teacher`, "--db", db, "roles", "rename", "Tutor", "Mentor")
	if out := mustRun(t, "--db", db, "roles", "rename", "class teacher", "Form Tutor"); out != "Renamed role Class Teacher to Form Tutor.\n" {
		t.Fatalf("rename: %q", out)
	}

	// Permissions: replaced; "" clears them.
	if out := mustRun(t, "--db", db, "roles", "set-permissions", "form tutor", "chat,manage-users"); out != "Permissions of role Form Tutor: manage-users, chat\n" {
		t.Fatalf("set-permissions: %q", out)
	}
	if out := mustRun(t, "--db", db, "roles", "set-permissions", "Student", ""); out != "Role Student has no permissions now.\n" {
		t.Fatalf("clear: %q", out)
	}
	rows = listRows(t, db, "roles", "list")
	if rows[0][0] != "Form Tutor" || rows[0][1] != "manage-users,chat" || rows[1][0] != "Student" || rows[1][1] != "" {
		t.Fatalf("after set-permissions: %v", rows)
	}

	// Delete: a role with users and invite keys needs --move-to.
	wantFail(t, "onboard roles delete: role Teacher still has 2 users and 1 invite key — move them with: "+
		"onboard roles delete Teacher --move-to ROLE (roles: Form Tutor, Student)", "--db", db, "roles", "delete", "teacher")
	wantFail(t, `onboard roles delete: --move-to: there is no role "Parent"; roles: Form Tutor, Student, Teacher`,
		"--db", db, "roles", "delete", "Teacher", "--move-to", "Parent")
	wantFail(t, "onboard roles delete: --move-to must name another role than Teacher, the one to delete",
		"--db", db, "roles", "delete", "Teacher", "--move-to", "TEACHER")
	if out := mustRun(t, "--db", db, "roles", "delete", "Teacher", "--move-to", "form tutor"); out != "Deleted role Teacher; 2 users and 1 invite key moved to Form Tutor.\n" {
		t.Fatalf("delete with --move-to: %q", out)
	}
	if out := mustRun(t, "--db", db, "roles", "delete", "student"); out != "Deleted role Student.\n" {
		t.Fatalf("delete of an unused role: %q", out)
	}
	rows = listRows(t, db, "roles", "list")
	if len(rows) != 1 || strings.Join(rows[0], "|") != "Form Tutor|manage-users,chat|2|1" {
		t.Fatalf("after delete: %v", rows)
	}
	for _, u := range listCSV(t, db) {
		if u[6] != "Form Tutor" {
			t.Fatalf("user not moved: %v", u)
		}
	}
	// The last role cannot be deleted while it has users: there is nowhere to move them.
	wantFail(t, "onboard roles delete: role Form Tutor still has 2 users and 1 invite key and there is no other role to move them to"+
		` — create one with: onboard roles add NAME, then: onboard roles delete "Form Tutor" --move-to NAME`,
		"--db", db, "roles", "delete", "Form Tutor")
}

// addInviteKey adds an invite key in role to db.
func addInviteKey(t *testing.T, db, role string) {
	t.Helper()
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	r, err := st.RoleByName(ctx, role)
	if err != nil {
		t.Fatal(err)
	}
	units, err := st.Units(ctx)
	if err != nil || len(units) == 0 {
		t.Fatalf("units: %v %v", units, err)
	}
	_, err = lifecycle.New(st).CreateInviteKey(ctx, lifecycle.InviteKeyInput{
		Label: "Open day", RoleID: r.ID,
		UnitIDs: []string{units[0].ID}, ValidUntil: time.Now().AddDate(0, 0, 10), MaxUses: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRolesPermissionsListsTheCatalogue(t *testing.T) {
	never := freshDB(t)
	out := mustRun(t, "--db", never, "roles", "permissions")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(syncapi.AllPermissions)+1 {
		t.Fatalf("%d lines for %d permissions:\n%s", len(lines), len(syncapi.AllPermissions), out)
	}
	for i, p := range syncapi.AllPermissions {
		f := strings.Fields(lines[i])
		if f[0] != string(p.Name) || !strings.HasSuffix(lines[i], "  "+p.Help) || (f[1] == "*") != p.Operator {
			t.Errorf("line %q for %+v", lines[i], p)
		}
	}
	if _, err := os.Stat(never); !os.IsNotExist(err) {
		t.Fatal("roles permissions created a database")
	}
}

func TestUnitsAndGroupsCommands(t *testing.T) {
	db := freshDB(t)
	if out := mustRun(t, "--db", db, "units", "list"); !strings.HasPrefix(out, "No units yet.") {
		t.Fatalf("empty: %q", out)
	}
	if out := mustRun(t, "--db", db, "units", "add", " 5a "); out != "Created unit 5a.\n" {
		t.Fatalf("units add: %q", out)
	}
	mustRun(t, "--db", db, "units", "add", "5b")
	mustRun(t, "--db", db, "units", "add", "Lehrerzimmer")
	wantFail(t, "onboard units add: name: a unit named “5a” already exists", "--db", db, "units", "add", "5A")
	wantFail(t, "onboard units rename: name: a unit named “5b” already exists", "--db", db, "units", "rename", "5a", "5B")
	wantFail(t, `onboard units rename: there is no unit "6a"; units: 5a, 5b, Lehrerzimmer`, "--db", db, "units", "rename", "6a", "6b")
	mustRun(t, "--db", db, "roles", "add", "Student")
	// Anna is only in 5a; Ben is in 5a and Lehrerzimmer; Cem only in 5b.
	mustRun(t, "--db", db, "invite", "--emails", "anna@x.org", "--role", "Student", "--unit", "5A")
	mustRun(t, "--db", db, "invite", "--emails", "ben@x.org", "--role", "Student", "--unit", "5a", "--unit", "lehrerzimmer")
	mustRun(t, "--db", db, "invite", "--emails", "cem@x.org", "--role", "Student", "--unit", "5b")
	out := mustRun(t, "--db", db, "units", "list")
	if want := "NAME          USERS\n5a            2\n5b            1\nLehrerzimmer  1\n3 units\n"; out != want {
		t.Fatalf("units list:\n%s\nwant:\n%s", out, want)
	}
	wantFail(t, "onboard units delete: unit 5a is the only unit of 1 user — move them with: onboard units delete 5a --move-to UNIT (units: 5b, Lehrerzimmer)",
		"--db", db, "units", "delete", "5a")
	wantFail(t, `onboard units delete: --move-to: there is no unit "6a"; units: 5a, 5b, Lehrerzimmer`,
		"--db", db, "units", "delete", "5a", "--move-to", "6a")
	if out := mustRun(t, "--db", db, "units", "rename", "5A", "Class 5a"); out != "Renamed unit 5a to Class 5a.\n" {
		t.Fatalf("rename: %q", out)
	}
	if out := mustRun(t, "--db", db, "units", "delete", "class 5A", "--move-to", "5b"); out != "Deleted unit Class 5a; 1 user moved to 5b.\n" {
		t.Fatalf("delete with --move-to: %q", out)
	}
	// Ben keeps Lehrerzimmer, Anna moved to 5b.
	rows := listRows(t, db, "units", "list")
	if len(rows) != 2 || strings.Join(rows[0], "|") != "5b|2" || strings.Join(rows[1], "|") != "Lehrerzimmer|1" {
		t.Fatalf("units: %v", rows)
	}
	// Deleting a unit whose users all have another unit needs no --move-to.
	mustRun(t, "--db", db, "units", "add", "AG Robotik")
	mustRun(t, "--db", db, "invite", "--emails", "dora@x.org", "--role", "Student", "--unit", "5b", "--unit", "ag robotik")
	if out := mustRun(t, "--db", db, "units", "delete", "AG Robotik"); out != "Deleted unit AG Robotik; 1 user is still in other units.\n" {
		t.Fatalf("delete: %q", out)
	}
	if rows := listRows(t, db, "units", "list"); len(rows) != 2 {
		t.Fatalf("units: %v", rows)
	}

	// Groups.
	if out := mustRun(t, "--db", db, "groups", "add", "Big Band"); out != "Created group Big Band.\n" {
		t.Fatalf("groups add: %q", out)
	}
	wantFail(t, "onboard groups add: name: a group named “Big Band” already exists", "--db", db, "groups", "add", "big band")
	mustRun(t, "--db", db, "invite", "--emails", "eve@x.org", "--role", "Student", "--unit", "5b", "--group", "BIG BAND")
	mustRun(t, "--db", db, "groups", "rename", "big band", "Bigband")
	if rows := listRows(t, db, "groups", "list"); len(rows) != 1 || strings.Join(rows[0], "|") != "Bigband|1" {
		t.Fatalf("groups: %v", rows)
	}
	wantFail(t, `onboard groups delete: there is no group "Chor"; groups: Bigband`, "--db", db, "groups", "delete", "Chor")
	if out := mustRun(t, "--db", db, "groups", "delete", "bigband"); out != "Deleted group Bigband; 1 user is no longer in it (no user was deleted).\n" {
		t.Fatalf("groups delete: %q", out)
	}
	if out := mustRun(t, "--db", db, "groups", "list"); !strings.HasPrefix(out, "No groups yet.") {
		t.Fatalf("groups after delete: %q", out)
	}
	if n := len(listCSV(t, db)); n != 5 {
		t.Fatalf("%d users, want 5: deleting a group or unit deletes no user", n)
	}
}

func TestCatalogUsageErrorsExit2AndCreateNothing(t *testing.T) {
	never := freshDB(t)
	for _, args := range [][]string{
		{"roles"},
		{"roles", "frob"},
		{"roles", "add"},
		{"roles", "add", "A", "B"},
		{"roles", "rename", "A"},
		{"roles", "set-permissions", "A"},
		{"roles", "delete"},
		{"roles", "delete", "A", "--move"},
		{"roles", "list", "--format", "xml"},
		{"roles", "permissions", "extra"},
		{"units"},
		{"units", "add"},
		{"units", "list", "--format", "json"},
		{"units", "delete", "A", "--force"},
		{"groups"},
		{"groups", "rename", "A"},
		{"groups", "delete", "A", "--move-to", "B"},
		{"setup"},
		{"setup", "--org", " "},
		{"setup", "--org", "X", "--preset", "club"},
		{"setup", "--org", "X", "--language", "fr"},
		{"setup", "--org", "X", "--registration-url", "ftp://x"},
		{"setup", "--org", "X", "--force=maybe"},
	} {
		code, out, errOut := run(t, append([]string{"--db", never}, args...)...)
		if code != ExitUsage || out != "" || strings.Count(errOut, "Usage: onboard") != 1 ||
			!strings.HasPrefix(errOut, "onboard "+args[0]) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 with the usage once", args, code, out, errOut)
		}
	}
	// An unknown permission is one line naming the known ones, before the database opens.
	for _, args := range [][]string{{"roles", "add", "A", "--permissions", "chat,flying"}, {"roles", "set-permissions", "A", "fly"}} {
		code, out, errOut := run(t, append([]string{"--db", never}, args...)...)
		if code != ExitFail || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "unknown permission") ||
			!strings.Contains(errOut, "known: add-users,") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want one line and exit 1", args, code, out, errOut)
		}
	}
	if _, err := os.Stat(never); !os.IsNotExist(err) {
		t.Fatal("a usage error created the database file")
	}
	for _, want := range []string{
		"setup --org NAME", "roles list", "roles add NAME", "roles rename OLD NEW",
		"roles set-permissions NAME", "roles delete NAME [--move-to ROLE]", "roles permissions", "units delete NAME [--move-to UNIT]",
		"groups list", "org.language",
	} {
		if !strings.Contains(Usage, want) {
			t.Errorf("the usage does not mention %q", want)
		}
	}
}
