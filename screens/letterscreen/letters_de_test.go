package letterscreen

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"onboard/internal/settings"
	"onboard/screens/internal/uitest"
)

// german makes lang.L answer in German for the test.
func german(t *testing.T) {
	t.Helper()
	uitest.German(t)
}

func TestLettersScreenInGerman(t *testing.T) {
	german(t)
	s, w, _ := openLetters(t)
	shown := uitest.Texts(w)
	for _, want := range []string{
		"Briefe", "Briefe drucken…", "Vorlage", "Briefeinstellungen", "Vorschau mit einer Beispielperson",
		"Neu beginnen mit", "Standardvorlage Englisch", "Standardvorlage Deutsch", "Sprache", "Englisch", "Titel",
		"Vorlage speichern", "Verwerfen",
	} {
		if !shown[want] {
			t.Errorf("%q is not shown; texts: %q", want, uitest.Keys(shown))
		}
	}
	// The template's language is chosen by its place in the list, whatever its name.
	s.Lang.SetSelected("Deutsch")
	uitest.Settle(s.wait)
	if s.Template().Lang != "de" {
		t.Errorf("template language %q after choosing Deutsch", s.Template().Lang)
	}

	s.tabs.SelectIndex(1)
	test.Type(s.urlEntry, "onboard.example.org")
	uitest.Settle(s.wait)
	shown = uitest.Texts(w)
	for _, want := range []string{"Name der Organisation", "Logo", "Registrierungsadresse", "Papierformat", "Kein Logo", "Auswählen…", "Entfernen"} {
		if !shown[want] {
			t.Errorf("%q is not shown", want)
		}
	}
	if got := strings.Join(s.paperSelect.Options, "|"); got != "A4|US-Letter" {
		t.Errorf("paper choices %q", got)
	}
	if msg := s.FieldError(settings.RegistrationURL); !strings.HasPrefix(msg, "Registrierungsadresse: ") || !strings.HasSuffix(msg, ". Nicht gespeichert.") {
		t.Errorf("error under the address: %q", msg)
	}
	s.paperSelect.SetSelected("US-Letter")
	uitest.Settle(s.wait)
	if p := s.Preview().Page(); p.Width != 612 {
		t.Errorf("the preview is %v points wide on US-Letter", p.Width)
	}
}

func TestPrintDialogInGerman(t *testing.T) {
	german(t)
	test.NewTempApp(t)
	st, svc, ids := uitest.LetterUsers(t)
	p, w := openPrint(t, st, svc, ids)
	if got := p.CountsText(); !strings.HasPrefix(got, "3 Briefe zu drucken, 2 übersprungen: ") {
		t.Errorf("counts %q", got)
	}
	shown := uitest.Texts(w)
	for _, want := range []string{
		"Registrierungsbriefe drucken", "Gespeicherte Vorlage", "Vorlage", "Papier", "Leere Rückseiten für beidseitigen Druck",
		"Abgelaufene Schlüssel erneuern", "Übersprungene Benutzer (2)", "Speichern…", "Schließen",
	} {
		if !shown[want] {
			t.Errorf("%q is not shown; texts: %q", want, uitest.Keys(shown))
		}
	}
	if !strings.HasPrefix(p.caption.Text, "Vorschau des ersten Briefs: ") {
		t.Errorf("caption %q", p.caption.Text)
	}
	p.template.SetSelected("Englisch")
	uitest.Settle(p.Wait)
	if got := pageText(p.preview.Page()); !strings.Contains(got, "Your account at") {
		t.Errorf("the English default is not previewed:\n%s", got)
	}
	p.renew.SetChecked(true)
	if got := p.CountsText(); !strings.HasPrefix(got, "4 Briefe zu drucken (1 mit neuem Schlüssel), 1 übersprungen: ") {
		t.Errorf("counts with renewing %q", got)
	}
}
