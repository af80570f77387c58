package cli

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"onboard/internal/tabular"
)

// importDB is a database with the demo roles, units and groups and one user,
// Anna Müller <anna@example.org>.
func importDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "o.db")
	if code, _, e := run(t, "--db", db, "demo", "--users", "0"); code != ExitOK {
		t.Fatalf("demo: %s", e)
	}
	dir := t.TempDir()
	first := writeFile(t, dir, "first.csv", []byte("First name,Last name,Email\nAnna,Müller,anna@example.org\n"))
	if code, out, e := run(t, "--db", db, "import", first, "--role", "student", "--unit", "Class 5a"); code != ExitOK {
		t.Fatalf("first import: %d %s %s", code, out, e)
	}
	return db
}

func writeFile(t *testing.T, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func listCSV(t *testing.T, db string) [][]string {
	t.Helper()
	code, out, e := run(t, "--db", db, "users", "list", "--format", "csv")
	if code != ExitOK {
		t.Fatalf("list: %s", e)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[1:]
}

func TestImportCommandWindows1252Semicolon(t *testing.T) {
	db := importDB(t)
	content, _ := charmap.Windows1252.NewEncoder().String("sep=;\r\nVorname;Nachname;E-Mail;Klasse;Rolle\r\n" +
		"Jürgen;Groß;juergen@example.org;Class 5b;Teacher\r\n" +
		"Zoë;Weiß;ANNA@example.org;Class 5b;Teacher\r\n" + // conflicts with Anna
		"Ömer;Öz;oemer@example.org;Klase 9;Teacher\r\n") // a unit that does not exist yet
	file := writeFile(t, t.TempDir(), "liste.csv", []byte(content))
	report := filepath.Join(t.TempDir(), "report.csv")
	code, out, e := run(t, "--db", db, "import", file, "--report", report)
	if code != ExitOK {
		t.Fatalf("import: %d\n%s\n%s", code, out, e)
	}
	for _, want := range []string{
		"windows-1252, delimiter semicolon", "Vorname → First name", "Klasse → Units",
		"line 4 (skipped): email already used by Anna Müller", "New units: Klase 9\n", "2 created, 0 updated, 1 skipped, 0 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	rows := listCSV(t, db)
	if len(rows) != 3 || rows[0][0] != "Jürgen" || rows[0][1] != "Groß" || rows[0][6] != "Teacher" || rows[0][7] != "Class 5b" ||
		rows[2][1] != "Öz" || rows[2][7] != "Klase 9" {
		t.Fatalf("users: %v", rows)
	}
	rep, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(rep), "3,created,Jürgen Groß,juergen@example.org,juergen,") {
		t.Fatalf("report: %v\n%s", err, rep)
	}
}

func TestImportCommandFailsWholeFileOnBadRows(t *testing.T) {
	db := importDB(t)
	file := writeFile(t, t.TempDir(), "bad.csv", []byte("First name,Last name,Email\nBen,Weber,ben@example.org\n,Cruz,cara@example\n"))
	code, out, _ := run(t, "--db", db, "import", file, "--role", "Student", "--unit", "Class 5a")
	if code != ExitFail || !strings.Contains(out, "line 3 (error): \"First name\": first name is required; \"Email\": \"cara@example\" is not a valid email address") ||
		!strings.Contains(out, "Nothing imported") {
		t.Fatalf("bad rows: %d\n%s", code, out)
	}
	if n := len(listCSV(t, db)); n != 1 {
		t.Fatalf("%d users after a refused import, want 1", n)
	}
	code, out, _ = run(t, "--db", db, "import", file, "--role", "Student", "--unit", "Class 5a", "--skip-invalid")
	if code != ExitFail || !strings.Contains(out, "1 created, 0 updated, 0 skipped, 1 failed") {
		t.Fatalf("--skip-invalid: %d\n%s", code, out)
	}
	if n := len(listCSV(t, db)); n != 2 {
		t.Fatalf("%d users after --skip-invalid, want 2", n)
	}
}

func TestImportCommandOptions(t *testing.T) {
	db := importDB(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "plain.txt", []byte("Anna|Neu|anna@example.org|0049 151 1234567\nBen|Berg|ben@example.org|\n"))
	code, out, e := run(t, "--db", db, "import", file, "--no-header", "--delimiter", "pipe",
		"--map", "1=first_name,2=last_name,3=email,4=mobile", "--role", "Student", "--unit", "class 5A",
		"--group", "choir", "--on-conflict", "update", "--invite", "--valid-days", "30", "--dry-run")
	if code != ExitOK || !strings.Contains(out, "Dry run, nothing written: 1 created, 1 updated") {
		t.Fatalf("dry run: %d\n%s%s", code, out, e)
	}
	if n := len(listCSV(t, db)); n != 1 {
		t.Fatalf("dry run wrote: %d users", n)
	}
	code, out, _ = run(t, "--db", db, "import", file, "--no-header", "--delimiter", "pipe",
		"--map", "1=first_name,2=last_name,3=email,4=mobile", "--role", "Student", "--unit", "class 5A",
		"--group", "choir", "--on-conflict", "update", "--invite", "--valid-days", "30")
	if code != ExitOK {
		t.Fatalf("import: %d\n%s", code, out)
	}
	rows := listCSV(t, db)
	if len(rows) != 2 || rows[0][1] != "Berg" || rows[0][9] != "invited" || rows[0][8] != "Choir" ||
		rows[1][1] != "Neu" || rows[1][4] != "0049 151 1234567" {
		t.Fatalf("users: %v", rows)
	}
}

func TestImportCommandUsageAndBadFiles(t *testing.T) {
	db := importDB(t)
	dir := t.TempDir()
	good := writeFile(t, dir, "g.csv", []byte("First name,Last name\nA,B\n"))
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"import"}, ExitUsage, "missing FILE"},
		{[]string{"import", good}, ExitFail, "onboard import: 1 row names no role: give them one with --role ROLE (roles: Administrator, Staff, Student, Teacher); " +
			"1 row names no unit: give them one with --unit UNIT (a unit that does not exist yet is created); nothing was imported\n"},
		{[]string{"import", good, "--on-conflict", "merge"}, ExitUsage, `unknown conflict rule "merge"`},
		{[]string{"import", good, "--encoding", "latin2"}, ExitUsage, "--encoding must be auto or one of utf-8, utf-16, utf-16le, utf-16be, windows-1252, iso-8859-15, macintosh, ibm850, ibm437"},
		{
			[]string{"import", good, "--role", "Chef"},
			ExitFail,
			"onboard import: there is no role \"Chef\"; roles: Administrator, Staff, Student, Teacher — create it with: onboard roles add Chef\n",
		},
		{
			[]string{"import", good, "--unit", "Mars", "--role", "Student", "--group", "Big Band"},
			ExitFail,
			"onboard import: there is no group \"Big Band\"; groups: Chess club, Choir, First aid, Football, Newsletter, Parents' council — create it with: onboard groups add \"Big Band\"\n",
		},
		{[]string{"import", good, "--unit", "Mars"}, ExitFail, "1 row names no role"},
		{[]string{"import", good, "--map", "Nope=email"}, ExitUsage, `no column "Nope"`},
		{[]string{"import", "--template", "pdf", filepath.Join(dir, "t.pdf")}, ExitUsage, "--template must be csv or xlsx"},
		{[]string{"import", writeFile(t, dir, "x.csv", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"))}, ExitFail, "x.csv"},
		{[]string{"import", filepath.Join(dir, "missing.csv")}, ExitFail, "missing.csv"},
	} {
		code, out, e := run(t, append([]string{"--db", db}, tc.args...)...)
		if code != tc.code || !strings.Contains(e, tc.msg) {
			t.Errorf("%v: %d %q %q, want %d and %q", tc.args, code, out, e, tc.code, tc.msg)
		}
		if tc.code == ExitFail && (strings.Count(e, "\n") != 1 || strings.Contains(e, "Usage:")) {
			t.Errorf("%v: stderr %q, want one line without the usage", tc.args, e)
		}
	}
	if n := len(listCSV(t, db)); n != 1 {
		t.Fatalf("failed commands wrote users: %d", n)
	}
	if code, out, _ := run(t, "--db", db, "units", "list"); code != ExitOK || strings.Contains(out, "Mars") {
		t.Fatalf("a failed import created its unit: %s", out)
	}
}

func TestImportTemplates(t *testing.T) {
	db := importDB(t)
	dir := t.TempDir()
	for _, format := range []string{"csv", "xlsx"} {
		path := filepath.Join(dir, "sample."+format)
		code, out, e := run(t, "import", "--template", format, path)
		if code != ExitOK || !strings.Contains(out, "Sample file written to "+path) {
			t.Fatalf("template %s: %d %s %s", format, code, out, e)
		}
		code, out, e = run(t, "--db", db, "import", path, "--role", "Student", "--dry-run")
		if code != ExitOK || !strings.Contains(out, "3 created, 0 updated, 0 skipped, 0 failed") {
			t.Fatalf("importing the %s template: %d\n%s%s", format, code, out, e)
		}
	}
}

// realFile is the path of a file in testdata/imports, written by real software
// (see scripts/make-import-testdata.sh).
func realFile(name string) string {
	return filepath.Join("..", "..", "testdata", "imports", name)
}

// The import command says which sheet it read when it passed over a chart sheet.
func TestImportCommandNamesTheSheetRead(t *testing.T) {
	db := importDB(t)
	code, out, e := run(t, "--db", db, "import", realFile("chartfirst.xlsx"), "--role", "Student", "--dry-run")
	if code != ExitOK || !strings.Contains(out, `Read chartfirst.xlsx (XLSX, sheet "Liste"; passed over "Diagramm" without data): 2 rows.`) ||
		!strings.Contains(out, "2 created") {
		t.Fatalf("%d\n%s\n%s", code, out, e)
	}
	// A web page saved as .xls is read as the table it is (its markup was CSV lines).
	code, out, e = run(t, "--db", db, "import", realFile("html-table.xls"), "--role", "Student", "--dry-run")
	if code != ExitOK || !strings.Contains(out, `Read html-table.xls (an HTML table saved as .xls, sheet "Table 1"): 5 rows.`) ||
		!strings.Contains(out, "5 created") {
		t.Fatalf("%d\n%s\n%s", code, out, e)
	}
}

// Dates that can be read day first or month first stop the import with a line
// naming the column and --date-order; with it they are read so.
func TestImportCommandDateOrder(t *testing.T) {
	db := importDB(t)
	file := writeFile(t, t.TempDir(), "us.csv", []byte("First name,Last name,Email,Valid until\nAnn,Lee,ann@example.org,3/1/2027\nBob,Kim,bob@example.org,4/2/2027\n"))
	code, _, e := run(t, "--db", db, "import", file, "--role", "Student", "--unit", "Class 5a")
	if code != ExitFail || e != "onboard import: us.csv: column \"Valid until\": dates such as 3/1/2027 can be read day first or month first, "+
		"and no date in the column tells which; add --date-order dmy (day first) or --date-order mdy (month first); nothing was imported\n" {
		t.Fatalf("%d %q", code, e)
	}
	if code, out, e := run(t, "--db", db, "import", file, "--role", "Student", "--unit", "Class 5a", "--date-order", "mdy"); code != ExitOK {
		t.Fatalf("--date-order mdy: %d\n%s\n%s", code, out, e)
	}
	if len(listCSV(t, db)) != 3 {
		t.Fatal("not imported")
	}
	if code, _, e := run(t, "--db", db, "import", file, "--date-order", "ymd"); code != ExitUsage || !strings.Contains(e, "--date-order") {
		t.Fatalf("bad --date-order: %d %q", code, e)
	}
}

// An export imported back into the same database updates every user to what it
// already is: the formula guard is taken off, and the key validity column, even
// mapped to "valid until" with dates of keys that ran out, fails no row.
func TestExportImportsBackIntoTheSameDatabase(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir, 120)
	before := listCSV(t, db)
	for _, format := range []string{"csv", "xlsx"} {
		file := filepath.Join(dir, "back."+format)
		if code, out, e := run(t, "--db", db, "users", "export", "--format", format, "-o", file); code != ExitOK {
			t.Fatalf("export: %s %s", out, e)
		}
		code, out, e := run(t, "--db", db, "import", file, "--on-conflict", "update", "--map", "key_valid_until=valid_until")
		if code != ExitOK || !strings.Contains(out, "0 created, 120 updated, 0 skipped, 0 failed") {
			t.Fatalf("%s: %d\n%s\n%s", format, code, out, e)
		}
		after := listCSV(t, db)
		if len(after) != len(before) {
			t.Fatalf("%s: %d users, want %d", format, len(after), len(before))
		}
		guarded := 0
		for i := range before {
			if !slices.Equal(after[i][:7], before[i][:7]) || sortedList(after[i][7]) != sortedList(before[i][7]) {
				t.Fatalf("%s: user changed:\n got %q\nwant %q", format, after[i], before[i])
			}
			if tabular.SafeCell(before[i][4]) != before[i][4] {
				guarded++
			}
		}
		if guarded == 0 {
			t.Fatal("no exported value was guarded; the test proves nothing about the guard")
		}
	}
}
