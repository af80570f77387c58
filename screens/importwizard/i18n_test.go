package importwizard

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/importer"
	"onboard/screens/internal/uitest"
)

// The wizard's own tables of the field and resolution names say what importer
// says, in English, for every field and resolution.
func TestFieldAndResolutionNamesMatchTheImporter(t *testing.T) {
	if len(fieldLabels) != len(importer.Fields) {
		t.Errorf("fieldLabels has %d fields, importer %d", len(fieldLabels), len(importer.Fields))
	}
	for _, f := range importer.Fields {
		if got := fieldLabels[f.Field]; got != f.Label {
			t.Errorf("field %s: the wizard names it %q, importer %q", f.Field, got, f.Label)
		}
	}
	if len(resolutionNames) != len(importer.Resolutions) {
		t.Errorf("resolutionNames has %d resolutions, importer %d", len(resolutionNames), len(importer.Resolutions))
	}
	for _, r := range importer.Resolutions {
		if got := resolutionNames[r]; got != r.Label() {
			t.Errorf("resolution %s: the wizard names it %q, importer %q", r, got, r.Label())
		}
	}
}

// weiter taps Next, in German, and lets the background work finish.
func weiter(t *testing.T, s *ImportsScreen, w fyne.Window) {
	t.Helper()
	test.Tap(uitest.Button(t, w, "Weiter"))
	uitest.Settle(s.Wait)
}

func TestImportsAndWizardInGerman(t *testing.T) {
	uitest.German(t)
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	uitest.CreateUser(t, svc, base, "Anna", "Müller", "anna@example.org")
	s, w := showImports(t, 1400, 900, st, svc)
	mustShowMain(t, w, "Importe", "Aus Datei importieren…", "Per E-Mail einladen…", "Beispieldatei speichern…",
		"Bisherige Importe", "Noch keine Importe. „Aus Datei importieren“ liest eine Benutzerliste im Format CSV, TSV oder Excel.")

	test.Tap(uitest.Button(t, w, "Aus Datei importieren…"))
	uitest.Settle(s.Wait)
	wz := s.wizard
	if wz == nil {
		t.Fatal("Aus Datei importieren… opened no wizard")
	}
	uitest.MustShow(t, w, "Wählen Sie die Datei mit Ihren Benutzern", "1 Datei", "4 Prüfen", "7 Importieren", "Datei auswählen…", "Abbrechen")
	wz.open(uitest.WriteCP1252(t, "klasse5a.csv", classList...))
	uitest.Settle(s.Wait)
	uitest.MustShow(t, w, "klasse5a.csv: 5 Zeilen mit Personen unter einer Titelzeile (4 Spaltentitel).", "Zeichenkodierung", "Weiter", "Zurück")
	if got := wz.read.encoding.Selected; got != "Windows-1252 (westeuropäisch) (erkannt)" {
		t.Errorf("encoding shows %q", got)
	}
	if got := wz.read.delimiter.Selected; got != "Semikolon  ; (erkannt)" {
		t.Errorf("delimiter shows %q", got)
	}

	weiter(t, s, w) // Columns: the fields by their German names
	uitest.MustShow(t, w, "Welches Feld steht in welcher Spalte?", "Spalte in der Datei", "Importieren als")
	var mapped []string
	for _, sel := range uitest.Visible[*widget.Select](w) {
		if slices.Contains(sel.Options, "Diese Spalte ignorieren") {
			mapped = append(mapped, sel.Selected)
		}
	}
	slices.Sort(mapped)
	if want := []string{"E-Mail", "Mobilnummer", "Nachname *", "Vorname *"}; !slices.Equal(mapped, want) {
		t.Errorf("mapping selects show %v, want %v", mapped, want)
	}

	weiter(t, s, w) // Check: counts, the filter by its German names
	uitest.MustShow(t, w, "Jede Zeile prüfen", "4 gültig · 1 Fehler · 1 Konflikt · 0 Duplikate in der Datei",
		"Stand jetzt: 3 angelegt, 0 aktualisiert, 1 übersprungen, 1 nicht importiert.", "Ergebnis", "wird angelegt")
	wz.check.show.SetSelected("Zeilen mit Fehlern")
	uitest.Settle(s.Wait)
	if wz.check.rows() != 1 {
		t.Fatalf("the filter „Zeilen mit Fehlern“ shows %d rows", wz.check.rows())
	}
	wz.check.table.Select(widget.TableCellID{Row: 0, Col: 1})
	uitest.MustShow(t, w, "Zeile 5 · Zoë Weiß · kann nicht importiert werden")
	if wz.check.editor.field.Selected != "E-Mail" {
		t.Errorf("the editor corrects %q", wz.check.editor.field.Selected)
	}

	weiter(t, s, w) // Conflicts: the resolutions by their German names
	uitest.MustShow(t, w, "Einige Zeilen passen zu vorhandenen Benutzern oder zueinander", "Überspringen",
		"1 Zeile hat die E-Mail-Adresse, den Benutzernamen oder die externe ID eines vorhandenen Benutzers; 0 Zeilen wiederholen eine frühere Zeile der Datei.")
	wz.conflicts.forAll.SetSelected("Vorhandenen Benutzer aktualisieren")
	uitest.Settle(s.Wait)
	if wz.plan.Counts.Update != 1 {
		t.Fatalf("update chosen in German: counts %+v", wz.plan.Counts)
	}

	weiter(t, s, w) // Options
	uitest.MustShow(t, w, "Rolle, Einheiten und Einladungen", "Einladungs-E-Mails jetzt senden", "Schlüssel gültig für")
	weiter(t, s, w) // Import
	uitest.MustShow(t, w, "Bereit zum Import", "3 Benutzer anlegen, 1 aktualisieren, 1 Zeile mit Fehlern wird ausgelassen.",
		"Schlüssel gültig für 7 Tage", "Importieren")
}
