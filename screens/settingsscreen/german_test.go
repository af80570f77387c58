package settingsscreen

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/zalando/go-keyring"

	"onboard/data"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/internal/syncclient"
	"onboard/screens/internal/uitest"
)

// TestSettingsSpeakGerman builds the settings screen in German: sections, buttons,
// choices and the texts the code composes.
func TestSettingsSpeakGerman(t *testing.T) {
	test.NewTempApp(t)
	keyring.MockInit()
	uitest.German(t)
	st, _, _ := uitest.OpenStore(t)
	s, sw := uitest.ShowScreen(t, 1200, 1000, func(w fyne.Window) *Screen { return New(st, w) },
		func(s *Screen) { s.wait() })
	uitest.MustShowWhole(t, sw, "Einstellungen", "Organisation einrichten…", "Mailserver", "SMTP-Server", "Absender",
		"Mail-Einstellungen speichern", "Server-Einstellungen speichern", "Jetzt synchronisieren", "Datenbank sichern…",
		"Kein Passwort gespeichert.", "STARTTLS (meist Port 587)")
	s.mail.security.SetSelected("TLS (meist Port 465)")
	if got := s.mail.typed()["smtp.security"]; got != "tls" || s.mail.port.Text != "465" {
		t.Errorf("German security choice: %q, port %q", got, s.mail.port.Text)
	}
	// What a sync did, in German words and numbers.
	if got := syncCountsText(syncclient.Outcome{Result: syncclient.Result{Pushed: 1200, Conflicts: 2}}); got != "1.200 Änderungen gesendet, keine empfangen, 2 Konflikte, keine abgelehnt." {
		t.Errorf("sync counts %q", got)
	}
	if got := problemLines([]data.SyncProblem{{Entity: syncapi.EntityInviteKey, Name: "Eltern 5a", Reason: "x"}}); got !=
		"Nicht synchronisiert (der Server hat diese Änderungen abgelehnt; ändern Sie sie, um sie erneut zu senden):\n• Einladungsschlüssel Eltern 5a: x" {
		t.Errorf("problem lines %q", got)
	}
}

// TestWindowTextsOfSettingsMatchTheirEnglish: the window's own table of the
// settings' labels says in English what settings says.
func TestWindowTextsOfSettingsMatchTheirEnglish(t *testing.T) {
	for _, k := range append([]settings.Key{settings.SMTPPassword, settings.SyncURL, settings.SyncToken}, mailKeys...) {
		if got := settingLabels[k.Name]; got != k.Label {
			t.Errorf("setting %s: the window says %q, settings %q", k.Name, got, k.Label)
		}
	}
}
