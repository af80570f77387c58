package screens

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/internal/syncclient"
	"onboard/screens/internal/uitest"
)

// mustShowAll fails unless every text is shown in w, whole.
func mustShowAll(t *testing.T, w fyne.Window, texts ...string) {
	t.Helper()
	shown := uitest.Texts(w)
	for _, text := range texts {
		if !shown[text] {
			t.Errorf("%q is not shown; shown: %q", text, uitest.Keys(shown))
		}
	}
}

// TestAdminScreensSpeakGerman builds the units, roles, invite keys and settings
// screens and the bulk invite in German: buttons, headings, counts and the texts
// the code composes.
func TestAdminScreensSpeakGerman(t *testing.T) {
	test.NewTempApp(t)
	keyring.MockInit()
	uitest.German(t)
	st, svc, base := uitest.OpenStore(t)
	uitest.CreateUser(t, svc, base, "Anna", "Müller", "anna@example.org")

	_, cw := uitest.ShowScreen(t, 1100, 600, func(w fyne.Window) *CatalogScreen { return NewCatalogScreen(st, svc, w) },
		func(s *CatalogScreen) { s.wait() })
	mustShowAll(t, cw, "Einheiten und Gruppen", "Einheiten", "Gruppen", "Werk Süd — 1 Benutzer",
		"Neue Einheit", "Neue Gruppe", "Umbenennen…", "Löschen…", "Neuer Benutzer in dieser Einheit",
		"Noch keine Gruppen. Gruppen sind freiwillige Kontaktgruppen, z. B. ein Chor oder ein Projektteam.")

	_, rw := uitest.ShowScreen(t, 1100, 700, func(w fyne.Window) *RolesScreen { return NewRolesScreen(st, svc, w) },
		func(s *RolesScreen) { s.wait() })
	mustShowAll(t, rw, "Rollen und Rechte", "Neue Rolle", "Teacher — 1 Benutzer", "Rechte von Teacher",
		"Arbeit in Onboard", "Benutzer anlegen")

	ks, kw := uitest.ShowScreen(t, 1200, 500, func(w fyne.Window) *KeysScreen { return NewKeysScreen(st, svc, w) },
		func(s *KeysScreen) { s.wait() })
	mustShowAll(t, kw, "Einladungsschlüssel", "Neuer Einladungsschlüssel",
		"Noch keine Einladungsschlüssel. Erstellen Sie einen, damit sich Personen selbst registrieren können.")
	if got := keyHeaders()[0].Title; got != "Bezeichnung" {
		t.Errorf("first column of the keys %q", got)
	}
	test.Tap(uitest.Button(t, kw, "Neuer Einladungsschlüssel"))
	uitest.Settle(ks.wait)
	mustShowAll(t, kw, "Rolle *", "Einheiten *", "Gültig bis *", "Schlüssel erstellen", "Abbrechen")
	ks.lastForm.maxUses.SetText("viele")
	if _, probs := ks.lastForm.input(nil, nil, nil); len(probs) != 1 || probs[0].Message != "ganze Zahl eingeben, z. B. 30" {
		t.Errorf("problems %+v", probs)
	}

	b, bw := showBulkInvite(t, st, svc)
	mustShowAll(t, bw, "Per E-Mail einladen", "0 Personen einladen", "0 Adressen erkannt", "Rolle *", "Schlüssel gültig für (Tage) *")
	if got := recognisedLine(addrlist.Result{Addresses: make([]addrlist.Address, 1500), Duplicates: []string{"a@example.org"}}); got != "1.500 Adressen erkannt · 1 doppelt aufgeführt (einmal eingeladen)" {
		t.Errorf("recognised line %q", got)
	}
	if b.whyNot() != "Fügen Sie mindestens eine E-Mail-Adresse ein oder tippen Sie sie ein." {
		t.Errorf("why the button is off: %q", b.whyNot())
	}

	s, sw := uitest.ShowScreen(t, 1200, 1000, func(w fyne.Window) *SettingsScreen { return NewSettingsScreen(st, w) },
		func(s *SettingsScreen) { s.wait() })
	mustShowAll(t, sw, "Einstellungen", "Organisation einrichten…", "Mailserver", "SMTP-Server", "Absender",
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
	if got := roleUseText(12, 1); got != "12 Benutzer und 1 Einladungsschlüssel" {
		t.Errorf("role use %q", got)
	}

	// The first-run setup, over an empty window.
	w := test.NewWindow(widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 800))
	t.Cleanup(w.Close)
	d := ShowSetupDialog(st, svc, w, false)
	uitest.Settle(d.wait)
	mustShowAll(t, w, "Willkommen bei Onboard", "Einrichten", "Vorerst überspringen", "Organisation *",
		"Schule: Student, Teacher, Staff, Parent", "Keine — ich lege die Rollen selbst an")
	if d.preset.SetSelected(d.preset.Options[1]); d.chosenPreset().Name != "company" {
		t.Errorf("the German option %q chose %q", d.preset.Selected, d.chosenPreset().Name)
	}
	if got := lang.L("Cancel"); got != "Abbrechen" { // Fyne's own, for its dialogs
		t.Errorf("lang.L(Cancel) = %q", got)
	}
}

// TestWindowTextsOfPermissionsAndSettingsMatchTheirEnglish: the window's own
// tables of the permissions' and settings' texts say in English what syncapi and
// settings say, so a text changed there is noticed here.
func TestWindowTextsOfPermissionsAndSettingsMatchTheirEnglish(t *testing.T) {
	for _, info := range syncapi.AllPermissions {
		if got := permissionTexts[info.Name]; got != [2]string{info.Label, info.Help} {
			t.Errorf("permission %s: the window says %q, syncapi %q", info.Name, got, [2]string{info.Label, info.Help})
		}
	}
	for _, k := range append([]settings.Key{settings.SMTPPassword, settings.SyncURL, settings.SyncToken}, mailKeys...) {
		if got := settingLabels[k.Name]; got != k.Label {
			t.Errorf("setting %s: the window says %q, settings %q", k.Name, got, k.Label)
		}
	}
	for _, p := range lifecycle.Presets {
		if l, ok := presetLabels[p.Name]; (ok && l != p.Label) || (!ok && len(p.Roles) > 0) {
			t.Errorf("preset %s: the window says %q, lifecycle %q", p.Name, l, p.Label)
		}
	}
}
