package screens

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"onboard/internal/addrlist"
	"onboard/internal/lifecycle"
	"onboard/internal/syncapi"
	"onboard/screens/internal/uitest"
)

// TestAdminScreensSpeakGerman builds the units, roles and invite keys screens and
// the bulk invite in German: buttons, headings, counts and the texts
// the code composes.
func TestAdminScreensSpeakGerman(t *testing.T) {
	test.NewTempApp(t)
	keyring.MockInit()
	uitest.German(t)
	st, svc, base := uitest.OpenStore(t)
	uitest.CreateUser(t, svc, base, "Anna", "Müller", "anna@example.org")

	_, cw := uitest.ShowScreen(t, 1100, 600, func(w fyne.Window) *CatalogScreen { return NewCatalogScreen(st, svc, w) },
		func(s *CatalogScreen) { s.wait() })
	uitest.MustShowWhole(t, cw, "Einheiten und Gruppen", "Einheiten", "Gruppen", "Werk Süd — 1 Benutzer",
		"Neue Einheit", "Neue Gruppe", "Umbenennen…", "Löschen…", "Neuer Benutzer in dieser Einheit",
		"Noch keine Gruppen. Gruppen sind freiwillige Kontaktgruppen, z. B. ein Chor oder ein Projektteam.")

	_, rw := uitest.ShowScreen(t, 1100, 700, func(w fyne.Window) *RolesScreen { return NewRolesScreen(st, svc, w) },
		func(s *RolesScreen) { s.wait() })
	uitest.MustShowWhole(t, rw, "Rollen und Rechte", "Neue Rolle", "Teacher — 1 Benutzer", "Rechte von Teacher",
		"Arbeit in Onboard", "Benutzer anlegen")

	ks, kw := uitest.ShowScreen(t, 1200, 500, func(w fyne.Window) *KeysScreen { return NewKeysScreen(st, svc, w) },
		func(s *KeysScreen) { s.wait() })
	uitest.MustShowWhole(t, kw, "Einladungsschlüssel", "Neuer Einladungsschlüssel",
		"Noch keine Einladungsschlüssel. Erstellen Sie einen, damit sich Personen selbst registrieren können.")
	if got := keyHeaders()[0].Title; got != "Bezeichnung" {
		t.Errorf("first column of the keys %q", got)
	}
	test.Tap(uitest.Button(t, kw, "Neuer Einladungsschlüssel"))
	uitest.Settle(ks.wait)
	uitest.MustShowWhole(t, kw, "Rolle *", "Einheiten *", "Gültig bis *", "Schlüssel erstellen", "Abbrechen")
	ks.lastForm.maxUses.SetText("viele")
	if _, probs := ks.lastForm.input(nil, nil, nil); len(probs) != 1 || probs[0].Message != "ganze Zahl eingeben, z. B. 30" {
		t.Errorf("problems %+v", probs)
	}

	b, bw := showBulkInvite(t, st, svc)
	uitest.MustShowWhole(t, bw, "Per E-Mail einladen", "0 Personen einladen", "0 Adressen erkannt", "Rolle *", "Schlüssel gültig für (Tage) *")
	if got := recognisedLine(addrlist.Result{Addresses: make([]addrlist.Address, 1500), Duplicates: []string{"a@example.org"}}); got != "1.500 Adressen erkannt · 1 doppelt aufgeführt (einmal eingeladen)" {
		t.Errorf("recognised line %q", got)
	}
	if b.whyNot() != "Fügen Sie mindestens eine E-Mail-Adresse ein oder tippen Sie sie ein." {
		t.Errorf("why the button is off: %q", b.whyNot())
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
	uitest.MustShowWhole(t, w, "Willkommen bei Onboard", "Einrichten", "Vorerst überspringen", "Organisation *",
		"Schule: Student, Teacher, Staff, Parent", "Keine — ich lege die Rollen selbst an")
	if d.language.Selected != "Deutsch" { // not chosen yet: the window's language
		t.Errorf("letters and mails in %q", d.language.Selected)
	}
	if d.preset.SetSelected(d.preset.Options[1]); d.chosenPreset().Name != "company" {
		t.Errorf("the German option %q chose %q", d.preset.Selected, d.chosenPreset().Name)
	}
	if got := lang.L("Cancel"); got != "Abbrechen" { // Fyne's own, for its dialogs
		t.Errorf("lang.L(Cancel) = %q", got)
	}
}

// TestWindowTextsOfPermissionsAndSettingsMatchTheirEnglish: the window's own
// tables of the permissions' and presets' texts say in English what syncapi and
// lifecycle say, so a text changed there is noticed here.
func TestWindowTextsOfPermissionsAndSettingsMatchTheirEnglish(t *testing.T) {
	for _, info := range syncapi.AllPermissions {
		if got := permissionTexts[info.Name]; got != [2]string{info.Label, info.Help} {
			t.Errorf("permission %s: the window says %q, syncapi %q", info.Name, got, [2]string{info.Label, info.Help})
		}
	}
	for _, p := range lifecycle.Presets {
		if l, ok := presetLabels[p.Name]; (ok && l != p.Label) || (!ok && len(p.Roles) > 0) {
			t.Errorf("preset %s: the window says %q, lifecycle %q", p.Name, l, p.Label)
		}
	}
}
