package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"onboard/internal/pdfcheck"
)

// TestSheetsCommandPrintsAUnitPerPage: lettersDB has Anna in Werk Süd and Ben, Clara
// and Dora in Werk Nord; every unit gets its own page, each with its people, and
// --unit keeps to one unit, in German with --language de.
func TestSheetsCommandPrintsAUnitPerPage(t *testing.T) {
	db, _ := lettersDB(t)
	pdf := filepath.Join(t.TempDir(), "sheets.pdf")
	code, out, errOut := run(t, "--db", db, "sheets", "-o", pdf)
	if code != ExitOK || !strings.Contains(out, "Wrote the class sheets of 2 units (4 users, 2 pages) to "+pdf) {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	pdfcheck.Need(t, "pdfinfo", "pdftotext")
	if n := pdfcheck.Pages(t, pdf); n != 2 {
		t.Fatalf("%d pages, want one per unit", n)
	}
	pages := map[string]string{}
	for p := 1; p <= 2; p++ {
		text := pdfcheck.Text(t, pdf, p)
		for _, unit := range []string{"Werk Nord", "Werk Süd"} {
			if strings.Contains(text, "Class sheet: "+unit) {
				pages[unit] = text
			}
		}
	}
	for unit, names := range map[string][]string{"Werk Nord": {"Ben Weber", "Clara Active", "Dora Expired", "Active", "Expired"}, "Werk Süd": {"Anna Müller"}} {
		for _, n := range names {
			if !strings.Contains(pages[unit], n) {
				t.Errorf("the sheet of %s lacks %q:\n%s", unit, n, pages[unit])
			}
		}
	}
	if strings.Contains(pages["Werk Süd"], "Ben Weber") {
		t.Error("Ben Weber is on the sheet of Werk Süd")
	}

	one := filepath.Join(t.TempDir(), "nord.pdf")
	if code, out, errOut := run(t, "--db", db, "sheets", "--unit", "werk nord", "--language", "de", "-o", one); code != ExitOK {
		t.Fatalf("--unit: exit %d: %s%s", code, out, errOut)
	}
	if text := pdfcheck.Text(t, one, 1); !strings.Contains(text, "Klassenliste: Werk Nord") || strings.Contains(text, "Anna") {
		t.Errorf("the sheet of Werk Nord alone:\n%s", text)
	}
}

func TestSheetsCommandRefusesWhatItCannotPrint(t *testing.T) {
	db, _ := lettersDB(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"sheets"}, ExitUsage, "give the PDF file to write with -o FILE.pdf"},
		{[]string{"sheets", "--language", "fr", "-o", filepath.Join(dir, "a.pdf")}, ExitUsage, "--language must be en or de"},
		{[]string{"sheets", "--unit", "Mars", "-o", filepath.Join(dir, "b.pdf")}, ExitFail, `there is no unit "Mars"`},
		{[]string{"sheets", "--status", "deactivated", "-o", filepath.Join(dir, "c.pdf")}, ExitFail, "no unit has users to list"},
	} {
		code, out, errOut := run(t, append([]string{"--db", db}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.say) {
			t.Errorf("%v: exit %d, %q%q; want %d saying %q", c.args, code, out, errOut, c.code, c.say)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused commands left files: %v", entries)
	}
}
