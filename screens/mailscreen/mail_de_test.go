package mailscreen

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/screens/internal/uitest"
)

func TestMailScreenInGerman(t *testing.T) {
	uitest.German(t)
	test.NewTempApp(t)
	f := uitest.NewOutbox(t)
	s, w, _ := openMail(t, f)
	shown := uitest.Texts(w)
	for _, want := range []string{
		"Mail", "Jetzt senden", "Postausgang", "Einladungsvorlage", "An", "Betreff", "Status", "Versuche",
		"6 Mails: 2 in der Warteschlange, 1 gesendet, 2 fehlgeschlagen, 1 abgebrochen",
		"Klicken Sie auf eine Mail, um die vollständige Antwort des Servers zu sehen.",
	} {
		if !shown[want] {
			t.Errorf("%q is not shown; texts: %q", want, uitest.Keys(shown))
		}
	}
	opts := strings.Join(s.stateSelect.Options, "|")
	if opts != "Alle Mails (6)|In Warteschlange (2)|Gesendet (1)|Fehlgeschlagen (2)|Abgebrochen (1)" {
		t.Errorf("filter %q", opts)
	}
	// The filter goes by the option's place, whatever its text.
	s.stateSelect.SetSelected("Fehlgeschlagen (2)")
	uitest.Settle(s.wait)
	if s.Total() != 2 || s.state != data.MailFailed {
		t.Fatalf("failed: total %d, state %q", s.Total(), s.state)
	}
	if got := s.CellText(0, 3); got != "Fehlgeschlagen" {
		t.Errorf("state cell %q", got)
	}

	s.ShowTemplate()
	uitest.Settle(s.wait)
	if got := s.template.prevSubject.Text; !strings.HasPrefix(got, "Betreff: ") {
		t.Errorf("preview subject %q", got)
	}
	shown = uitest.Texts(w)
	for _, want := range []string{"Vorschau mit einer Beispielperson", "Standardvorlage Englisch", "Vorlage speichern"} {
		if !shown[want] {
			t.Errorf("%q is not shown", want)
		}
	}
}
