package cli

import (
	"strings"
	"testing"
)

func TestSetupIsIdempotentAndNeedsForceForAnotherOrganization(t *testing.T) {
	db := freshDB(t)
	out := mustRun(t, "--db", db, "setup", "--org", "Schule am See", "--preset", "school", "--language", "de",
		"--registration-url", "https://onboard.example.org/", "--units", "5a, 5b; 6a")
	want := "Organization: Schule am See\n" +
		"Letters and mails in: German (de)\n" +
		"Registration address: https://onboard.example.org\n" +
		"Roles: Student, Teacher, Staff, Parent (new)\n" +
		"Units: 5a, 5b, 6a (new)\n" +
		`Next: onboard import FILE --role Student --unit 5a (onboard import --template csv FILE writes a sample), ` +
		`or: onboard invite --emails "a@example.org, b@example.org" --role Student --unit 5a; then: onboard users list` + "\n"
	if out != want {
		t.Fatalf("first setup:\n%s\nwant:\n%s", out, want)
	}
	for key, want := range map[string]string{"org.name": "Schule am See", "org.language": "de", "registration.url": "https://onboard.example.org"} {
		if got := mustRun(t, "--db", db, "config", "get", key); got != want+"\n" {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	roles := listRows(t, db, "roles", "list")
	if len(roles) != 4 || roles[3][0] != "Teacher" || roles[3][1] != "add-users,bulk-invite,chat,directory" {
		t.Fatalf("roles: %v", roles)
	}

	// Again, with one more unit (names ignore case): only the missing one is added.
	out = mustRun(t, "--db", db, "setup", "--org", "Schule am See", "--preset", "SCHOOL", "--units", "5A, 7a")
	for _, want := range []string{
		"Roles: Student, Teacher, Staff, Parent (already there)\n", "Units: 7a (new); 5A (already there)\n",
		"Letters and mails in: German (de)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("second setup lacks %q:\n%s", want, out)
		}
	}
	if n := len(listRows(t, db, "roles", "list")); n != 4 {
		t.Fatalf("%d roles after the second setup, want 4", n)
	}
	if units := listRows(t, db, "units", "list"); len(units) != 4 {
		t.Fatalf("units after the second setup: %v", units)
	}

	// Another organization: refused in one line naming --force; nothing changes.
	code, out, errOut := run(t, "--db", db, "setup", "--org", "Firma GmbH", "--preset", "company")
	if code != ExitFail || out != "" ||
		errOut != "onboard setup: the organization is already set up as \"Schule am See\"; to set it up as \"Firma GmbH\" instead, add --force\n" {
		t.Fatalf("another organization: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got := mustRun(t, "--db", db, "config", "get", "org.name"); got != "Schule am See\n" {
		t.Fatalf("org.name after the refusal: %q", got)
	}
	if n := len(listRows(t, db, "roles", "list")); n != 4 {
		t.Fatalf("the refused setup created roles: %d", n)
	}

	// With --force: the new name, the company roles next to the school's.
	out = mustRun(t, "--db", db, "setup", "--org", "Firma GmbH", "--preset", "company", "--force", "--language", "en")
	if !strings.Contains(out, "Organization: Firma GmbH\nLetters and mails in: English (en)\n") ||
		!strings.Contains(out, "Roles: Employee, Manager, External (new)\n") ||
		!strings.Contains(out, "Units: none given; there are 4 units (onboard units list)\n") {
		t.Fatalf("setup --force:\n%s", out)
	}
	if got := mustRun(t, "--db", db, "config", "get", "org.name"); got != "Firma GmbH\n" {
		t.Fatalf("org.name after --force: %q", got)
	}
	if n := len(listRows(t, db, "roles", "list")); n != 7 {
		t.Fatalf("%d roles after --force, want 7", n)
	}
}

func TestSetupWithoutPresetThenImport(t *testing.T) {
	db := freshDB(t)
	out := mustRun(t, "--db", db, "setup", "--org", "Verein")
	for _, want := range []string{
		"Letters and mails in: English (en)\n",
		"Registration address: not set yet — set it with: onboard config set registration.url URL\n",
		"Roles: none yet — create them with: onboard roles add NAME --permissions P,…\n",
		"Units: none given — create them with: onboard units add NAME, or give them to an import with --unit NAME\n",
		"Next: onboard import FILE --role ROLE --unit UNIT ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("setup lacks %q:\n%s", want, out)
		}
	}
	// A unit name the setup cannot use is one line, exit 1, and nothing is stored.
	long := strings.Repeat("x", 300)
	code, _, errOut := run(t, "--db", db, "setup", "--org", "Verein", "--units", "ok, "+long)
	if code != ExitFail || strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "Usage:") || !strings.Contains(errOut, "units: unit") {
		t.Fatalf("long unit: exit %d, stderr %q", code, errOut)
	}
	if out := mustRun(t, "--db", db, "units", "list"); !strings.HasPrefix(out, "No units yet.") {
		t.Fatalf("the refused setup created units: %q", out)
	}
}
