package uikit

import (
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/syncapi"
	"onboard/screens/internal/uitest"
)

// german shows the window's texts in German until the test ends.
func german(t *testing.T) {
	uitest.German(t)
}

func TestTheSharedWidgetsSpeakGerman(t *testing.T) {
	test.NewTempApp(t)
	german(t)

	// The pickers: nothing to choose from yet, then a search that finds nothing.
	units := UnitPicker(nil)
	if !units.empty.Visible() || units.empty.Text != "Noch keine Einheiten – legen Sie sie unter „Einheiten und Gruppen“ an." {
		t.Errorf("empty unit picker: %q", units.empty.Text)
	}
	units.SetOptions([]string{"Klasse 5a", "Klasse 10a"})
	if units.Search.PlaceHolder != "Einheiten suchen…" {
		t.Errorf("search placeholder %q", units.Search.PlaceHolder)
	}
	units.Search.SetText("7c")
	if got := units.noMatch.Text; !units.noMatch.Visible() || got != "Keine Einheit passt zu „7c“." {
		t.Errorf("no match: %q", got)
	}
	if got := GroupPicker(nil).empty.Text; got != "Noch keine Gruppen (sie sind optional) – legen Sie sie unter „Einheiten und Gruppen“ an." {
		t.Errorf("empty group picker: %q", got)
	}

	// The role choice without roles, and why a form cannot create anyone yet.
	roles := NewRoleChoice(widget.NewSelect(nil, nil), nil)
	roles.SetRoles(nil)
	if !roles.none.Visible() || roles.none.Text != "Noch keine Rollen – legen Sie eine unter „Rollen und Rechte“ an." {
		t.Errorf("no roles: %q", roles.none.Text)
	}
	if got := CatalogWhy("Jeder Benutzer", 1, 0, true); got != "Jeder Benutzer braucht eine Einheit: Legen Sie zuerst eine unter „Einheiten und Gruppen“ an." {
		t.Errorf("catalog why %q", got)
	}

	// The operator's permissions, and a count in a filter option.
	me := &syncapi.Me{Operator: "bob", Organization: "Gymnasium", Permissions: []syncapi.Permission{syncapi.PermAddUsers, syncapi.PermAddUsersByLink}}
	p := NewPermissions(true, me)
	if got := p.Why(syncapi.PermBulkInvite); got != "Ihr Operator-Konto „bob“ auf dem Server darf nicht: viele Benutzer auf einmal einladen oder importieren (ihm fehlt das Recht bulk-invite)." {
		t.Errorf("why %q", got)
	}
	gates := []*Permitted{
		NewPermitted(syncapi.PermBulkInvite, widget.NewButton("Importieren…", nil)),
		NewPermitted(syncapi.PermBulkInvite, widget.NewButton("Per E-Mail einladen…", nil)),
		NewPermitted(syncapi.PermManageRoles, widget.NewButton("Neue Rolle", nil)),
	}
	if got := PermissionHint(p, gates...); got != "Importieren…, Per E-Mail einladen… und Neue Rolle sind nicht verfügbar: "+
		"Ihrem Operator-Konto „bob“ auf dem Server fehlen die Rechte bulk-invite und manage-roles." {
		t.Errorf("hint %q", got)
	}
	if got := DescribeMe(me); got != "Operator bob von Gymnasium: darf Benutzer anlegen und Einladungsschlüssel erstellen." {
		t.Errorf("describe me %q", got)
	}
	if got := CountOption("Eingeladen", 1500); got != "Eingeladen (1.500)" {
		t.Errorf("count option %q", got)
	}
}

func TestCheckBeforeSendingInGerman(t *testing.T) {
	test.NewTempApp(t)
	german(t)
	st, _, _ := uitest.OpenStore(t)
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1000, 700))
	t.Cleanup(w.Close)
	var bg sync.WaitGroup
	went := 0
	CheckBeforeSending(w, &bg, st, true, func() { went++ }, func() {})
	uitest.Settle(bg.Wait)

	uitest.MustShow(t, w, "Name der Organisation fehlt", "Briefe und Mails nennen Ihre Organisation")
	uitest.Button(t, w, "Abbrechen")
	entries := uitest.Visible[*widget.Entry](w)
	if len(entries) != 1 {
		t.Fatalf("%d fields", len(entries))
	}
	test.Tap(uitest.Button(t, w, "Speichern"))
	uitest.Settle(bg.Wait)
	uitest.MustShow(t, w, "Name der Organisation darf nicht leer sein.")
	entries[0].SetText("Gymnasium am Stadtpark")
	test.Tap(uitest.Button(t, w, "Speichern"))
	uitest.Settle(bg.Wait)
	uitest.MustShow(t, w, "Noch kein Mailserver", "Es ist noch kein Mailserver eingerichtet.")
	test.Tap(uitest.Button(t, w, "Mails trotzdem in den Postausgang"))
	if went != 1 {
		t.Fatalf("went on %d times", went)
	}
}
