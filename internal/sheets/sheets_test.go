package sheets

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/letters"
	"onboard/internal/pdfcheck"
)

// writeSheets writes units to a PDF file and returns its path.
func writeSheets(t *testing.T, units []Unit, o Options) (string, Result) {
	t.Helper()
	var buf bytes.Buffer
	res, err := Write(&buf, units, o)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sheets.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, res
}

// people makes n people of unit prefix with names that differ.
func people(prefix string, n int) []Person {
	out := make([]Person, n)
	for i := range out {
		out[i] = Person{Name: fmt.Sprintf("%s Schüler%02d Groß", prefix, i+1), Username: fmt.Sprintf("%s.s%02d", strings.ToLower(prefix), i+1), Status: data.StatusInvited}
	}
	return out
}

// TestEachUnitStartsOnItsOwnPagesWithEveryName: a short unit takes one page, a long
// one as many as its people need with the column titles on each; an empty unit is
// left out; pdftotext finds every name, username and status on the unit's pages,
// the unit's name in each page's title, and the page numbers of the unit.
func TestEachUnitStartsOnItsOwnPagesWithEveryName(t *testing.T) {
	pdfcheck.Need(t, "pdfinfo", "pdftotext")
	short := people("Fünf", 3)
	handed := time.Date(2026, 9, 3, 8, 0, 0, 0, time.Local)
	short[1].Status, short[2].Name, short[0].HandedOutAt = data.StatusActive, "", &handed
	long := people("Sechs", 70)
	units := []Unit{{Name: "Klasse 5a", People: short}, {Name: "Leer"}, {Name: "Klasse 6b", People: long}}
	o := Options{Paper: letters.A4, Language: "de", Organization: "Schule am See", Printed: time.Date(2026, 8, 31, 9, 0, 0, 0, time.Local)}
	path, res := writeSheets(t, units, o)

	height := 842.0
	perPage := int((height - tableTop - headerRowH - footerH - margin) / rowH)
	longPages := (70 + perPage - 1) / perPage
	if longPages < 2 {
		t.Fatalf("the long unit fits one page (%d rows a page); the test needs more people", perPage)
	}
	if pages := pdfcheck.Pages(t, path); pages != 1+longPages || res.Pages != pages || res.Units != 2 || res.People != 73 {
		t.Fatalf("%d pages, result %+v; want %d pages for 2 units", pages, res, 1+longPages)
	}
	first := pdfcheck.Text(t, path, 1)
	for _, want := range []string{
		"Klassenliste: Klasse 5a", "Schule am See · 3 Personen · gedruckt am 31. August 2026", "Nr.", "Benutzername", "Ausgegeben", "Unterschrift",
		short[0].Name, short[0].Username, "Eingeladen", "Aktiv", "(bei Registrierung)", "Klasse 5a · Seite 1 von 1",
		"3.9.", // the day Fünf Schüler01 got the letter, beside the ticked box
	} {
		if !strings.Contains(first, want) {
			t.Errorf("page 1 does not show %q:\n%s", want, first)
		}
	}
	if strings.Contains(first, "Sechs") {
		t.Error("the second unit begins on the first unit's page")
	}
	var rest strings.Builder
	for p := 2; p <= 1+longPages; p++ {
		text := pdfcheck.Text(t, path, p)
		for _, want := range []string{"Klassenliste: Klasse 6b", "Benutzername", fmt.Sprintf("Klasse 6b · Seite %d von %d", p-1, longPages)} {
			if !strings.Contains(text, want) {
				t.Errorf("page %d does not show %q", p, want)
			}
		}
		rest.WriteString(text)
	}
	for _, p := range long {
		if !strings.Contains(rest.String(), p.Name) || !strings.Contains(rest.String(), p.Username) {
			t.Errorf("the pages of Klasse 6b miss %s (%s)", p.Name, p.Username)
		}
	}
}

// TestLongNamesAreCutToTheirColumn: a name wider than its column ends in "…"
// instead of running into the next column.
func TestLongNamesAreCutToTheirColumn(t *testing.T) {
	pdfcheck.Need(t, "pdftotext")
	long := strings.Repeat("Maximilian-Alexander ", 8) + "von Hohenberg"
	path, _ := writeSheets(t, []Unit{{Name: "7c", People: []Person{{Name: long, Username: "max", Status: data.StatusExpired}}}},
		Options{Paper: letters.Letter, Printed: time.Now()})
	text := pdfcheck.Text(t, path, 1)
	if strings.Contains(text, "Hohenberg") || !strings.Contains(text, "Maximilian-Alexander") || !strings.Contains(text, "…") {
		t.Errorf("the long name is not cut:\n%s", text)
	}
	if !strings.Contains(text, "Class sheet: 7c") || !strings.Contains(text, "Expired") || !strings.Contains(text, "1 person") {
		t.Errorf("the English sheet:\n%s", text)
	}
}

func TestNoPeopleNoSheet(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Write(&buf, []Unit{{Name: "Leer"}}, Options{Paper: letters.A4}); !errors.Is(err, ErrNothing) || buf.Len() != 0 {
		t.Fatalf("err %v, %d bytes written", err, buf.Len())
	}
}
