package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestImportUpdateFromAListAndUndo(t *testing.T) {
	db := freshDB(t)
	mustRun(t, "--db", db, "demo", "--users", "0")
	dir := t.TempDir()
	term1 := writeFile(t, dir, "term1.csv", []byte("Schüler-ID,Vorname,Nachname,Klasse\n1,Anna,Müller,5a\n2,Ben,Schulz,5a\n3,Cem,Yılmaz,5b\n"))
	term2 := writeFile(t, dir, "term2.csv", []byte("Schüler-ID,Vorname,Nachname,Klasse\n1,Anna,Müller,6a\n4,Dana,Roth,5a\n"))
	mustRun(t, "--db", db, "import", term1, "--role", "Student")
	out := mustRun(t, "--db", db, "import", term2, "--role", "Student", "--update", "--absent", "deactivate", "--dry-run")
	for _, want := range []string{
		"Update from a list: 1 new, 1 changed, 0 unchanged, 1 not in the file.",
		"  line 3: Dana Roth (5a)",
		"  line 2: Anna Müller — Units: 5a → 6a",
		"Not in the file (looked for in 5a, 6a): they are deactivated",
		"  Ben Schulz (5a)",
		"Dry run, nothing written: 1 created, 1 updated, 0 skipped, 0 failed, 1 deactivated.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	before := listCSV(t, db)
	out = mustRun(t, "--db", db, "import", term2, "--role", "Student", "--update", "--absent", "deactivate")
	if !strings.Contains(out, "Imported term2.csv: 1 created, 1 updated, 0 skipped, 0 failed, 1 deactivated.") {
		t.Fatalf("import: %s", out)
	}
	statuses := map[string]string{}
	for _, r := range listCSV(t, db) {
		statuses[r[0]+" "+r[1]] = r[len(r)-1]
	}
	out = mustRun(t, "--db", db, "import", "--undo")
	if !strings.Contains(out, "Undid the import of term2.csv") {
		t.Fatalf("undo: %s", out)
	}
	if after := listCSV(t, db); len(after) != len(before) || strings.Join(after[0], ",") != strings.Join(before[0], ",") {
		t.Errorf("after the undo: %v, before the import: %v (between: %v)", after, before, statuses)
	}
	// A change after an import makes its undo refuse, naming the backup.
	mustRun(t, "--db", db, "import", term2, "--role", "Student", "--update")
	mustRun(t, "--db", db, "units", "rename", "5a", "5A-neu")
	code, _, e := run(t, "--db", db, "import", "--undo")
	if code != ExitFail || !strings.Contains(e, "cannot undo the import of term2.csv: the data changed after it") ||
		!strings.Contains(e, "onboard restore ") {
		t.Errorf("undo after a change: %d %q", code, e)
	}
}

func TestImportUpdateUsage(t *testing.T) {
	db := importDB(t)
	good := writeFile(t, t.TempDir(), "g.csv", []byte("First name,Last name\nA,B\n"))
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"import", good, "--absent", "deactivate"}, ExitUsage, "--absent and --absent-in need --update"},
		{[]string{"import", good, "--update", "--absent", "archive"}, ExitUsage, `unknown rule "archive"`},
		{[]string{"import", good, "--update", "--absent-in", "Mars"}, ExitFail, `there is no unit "Mars"`},
		{[]string{"import", good, "--undo"}, ExitUsage, "--undo takes no file"},
	} {
		code, out, e := run(t, append([]string{"--db", db}, tc.args...)...)
		if code != tc.code || !strings.Contains(e, tc.msg) {
			t.Errorf("%v: %d %q %q, want %d and %q", tc.args, code, out, e, tc.code, tc.msg)
		}
	}
	fresh := freshDB(t)
	mustRun(t, "--db", fresh, "demo", "--users", "0")
	wantFail(t, "onboard import: nothing to undo: there is no import", "--db", fresh, "import", "--undo")
}

func TestImportRemembersTheChoicesForTheSameColumns(t *testing.T) {
	db := freshDB(t)
	mustRun(t, "--db", db, "demo", "--users", "0")
	dir := t.TempDir()
	first := writeFile(t, dir, "term1.csv", []byte("ID,Vorname,Nachname,Notiz\n1,Anna,Müller,secret\n"))
	second := writeFile(t, dir, "term2.csv", []byte("id,vorname,nachname,notiz\n1,Anna,Müller,secret\n2,Ben,Schulz,x\n"))
	mustRun(t, "--db", db, "import", first, "--role", "Student", "--unit", "Class 5a", "--map", "Notiz=ignore")
	out := mustRun(t, "--db", db, "import", second, "--saved-choices", "--update", "--dry-run")
	for _, want := range []string{
		"Columns: id → External ID, vorname → First name, nachname → Last name, notiz → ignored",
		"Columns as chosen for term1.csv on ",
		"Options as chosen for term1.csv on ",
		"Update from a list: 1 new, 0 changed, 1 unchanged, 0 not in the file.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Without --saved-choices the role is not taken: the new row names none.
	code, _, e := run(t, "--db", db, "import", second, "--dry-run")
	if code != ExitFail || !strings.Contains(e, "1 row names no role") {
		t.Errorf("without --saved-choices: %d %q", code, e)
	}
	// --map wins over the saved columns.
	out = mustRun(t, "--db", db, "import", second, "--saved-choices", "--map", "notiz=notes", "--dry-run")
	if !strings.Contains(out, "notiz → Notes") || strings.Contains(out, "Columns as chosen") {
		t.Errorf("--map did not win:\n%s", out)
	}
}

func TestUpdateFromItsOwnExportChangesNothing(t *testing.T) {
	db := freshDB(t)
	mustRun(t, "--db", db, "demo", "--users", "300", "--seed", "3")
	for _, format := range []string{"csv", "xlsx"} {
		file := filepath.Join(t.TempDir(), "all."+format)
		mustRun(t, "--db", db, "users", "export", "--format", format, "-o", file)
		out := mustRun(t, "--db", db, "import", file, "--update", "--absent", "delete", "--dry-run")
		if !strings.Contains(out, "Update from a list: 0 new, 0 changed, 300 unchanged, 0 not in the file.") {
			t.Errorf("%s: %s", format, out)
		}
	}
}

func TestUpdateReportListsChangesAndUsersNotInTheFile(t *testing.T) {
	db := freshDB(t)
	mustRun(t, "--db", db, "demo", "--users", "0")
	dir := t.TempDir()
	mustRun(t, "--db", db, "import", writeFile(t, dir, "t1.csv", []byte("ID,Vorname,Nachname,Klasse\n1,Anna,Müller,5a\n2,Ben,Schulz,5a\n")), "--role", "Student")
	report := filepath.Join(dir, "report.csv")
	mustRun(t, "--db", db, "import", writeFile(t, dir, "t2.csv", []byte("ID,Vorname,Nachname,Klasse\n1,Anna,Müller,6a\n3,Dana,Roth,5a\n")),
		"--update", "--absent", "deactivate", "--report", report, "--role", "Student")
	got, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	want := "line,result,name,email,username,key,reason,changes\n" +
		"2,updated,Anna Müller,,,,,Units: 5a → 6a\n" +
		"3,created,Dana Roth,,dana.roth,KEY,,\n" +
		",deactivated,Ben Schulz,,ben.schulz,,not in the file (5a),\n"
	key := regexp.MustCompile(`[A-Z0-9]{5}(-[A-Z0-9]{5}){4}`)
	if text := key.ReplaceAllString(string(got), "KEY"); text != want {
		t.Errorf("report:\n%s\nwant:\n%s", text, want)
	}
}
