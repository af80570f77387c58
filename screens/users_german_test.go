package screens

import (
	"context"
	"slices"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/demo"
	"onboard/internal/lifecycle"
	"onboard/screens/internal/uitest"
)

// TestStatusLabelsSayWhatDataSays: the window's table of statuses holds, in
// English, the labels data gives them (the command line's and the log's).
func TestStatusLabelsSayWhatDataSays(t *testing.T) {
	if len(statusLabels) != len(data.Statuses) {
		t.Errorf("%d status labels for %d statuses", len(statusLabels), len(data.Statuses))
	}
	for _, st := range data.Statuses {
		if got := statusLabels[st]; got != st.Label() {
			t.Errorf("status %s: the window says %q, data %q", st, got, st.Label())
		}
	}
}

// TestUsersScreenSpeaksGerman walks the users screen in German: heading, buttons,
// filters with German counts, column headers, the new-user dialog, the details and
// a bulk Delete whose question and buttons (Fyne's too) are all German.
func TestUsersScreenSpeaksGerman(t *testing.T) {
	test.NewTempApp(t)
	uitest.German(t)
	st, svc, _ := uitest.OpenStore(t)
	if _, err := demo.Fill(context.Background(), st, demo.Options{Users: 1500, Seed: 3, Now: svc.Now(), Mix: []int{100, 0, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	uitest.MustShowWhole(t, w, "Benutzer", "Neuer Benutzer", "Importieren…", "Per E-Mail einladen…", "Filter zurücksetzen",
		"Alle Status (1.500)", "Alle Einheiten", "Alle Gruppen", "Alle Rollen", "1.500 Benutzer",
		"Name ▲", "E-Mail", "Einheiten", "Rolle", "Status", "Keine Benutzer ausgewählt", "Alle 1.500 Treffer auswählen")
	if got := s.statusSelect.Options[1]; got != "Nicht aktiviert (1.500)" {
		t.Errorf("status option %q", got)
	}
	if got := s.CellText(0, colStatus); got != "Nicht aktiviert" {
		t.Errorf("status cell %q", got)
	}
	if s.search.PlaceHolder != "Name, E-Mail, Benutzername, ID suchen" {
		t.Errorf("search placeholder %q", s.search.PlaceHolder)
	}
	// The status filter still filters when its options are German.
	s.statusSelect.SetSelected("Nicht aktiviert (1.500)")
	uitest.Settle(s.wait)
	if s.query.Status != data.StatusNotActivated || !uitest.Texts(w)["· gefiltert nach Status Nicht aktiviert"] {
		t.Errorf("status filter %q, texts %v", s.query.Status, uitest.Keys(uitest.Texts(w)))
	}

	// The details of a user.
	r := s.row(0)
	if r == nil {
		t.Fatal("no first row")
	}
	s.detail.show(r.ID)
	uitest.Settle(s.wait)
	uitest.MustShowWhole(t, w, "Einladung", "Benutzername", "Externe ID", "Darf außerdem", "Gültig bis", "Angelegt",
		"Persönlicher Schlüssel", "Verlauf", "Kopieren")
	if got := s.detail.values["Status"].Text; got != "Nicht aktiviert" {
		t.Errorf("detail status %q", got)
	}
	if got := s.detail.values["Also may"].Text; got != "Nichts über die Rolle hinaus" {
		t.Errorf("detail also may %q", got)
	}

	// The new-user dialog.
	s.NewUser("")
	uitest.Settle(s.wait)
	uitest.MustShowWhole(t, w, "Neuer Benutzer", "Vorname *", "Nachname *", "E-Mail", "Benutzername *", "Mobilnummer",
		"Rolle *", "Einheiten *", "Gruppen", "Zusätzliche Rechte", "Einladungstext", "Notizen",
		"Benutzer anlegen", "Abbrechen")
	if !uitest.LabelShown(w, "Mit * markierte Felder sind Pflichtfelder. Ohne E-Mail-Adresse geben Sie den Schlüssel auf einem Brief aus.") {
		t.Error("the form's note is not German")
	}
	if s.lastForm.username.PlaceHolder != "aus der E-Mail-Adresse" {
		t.Errorf("username placeholder %q", s.lastForm.username.PlaceHolder)
	}
	test.Tap(uitest.Button(t, w, "Abbrechen"))
	uitest.Settle(s.lastForm.wait, s.wait)

	// A bulk Delete of three users asks in German, with German buttons only.
	s.SelectRows(0, 2)
	uitest.Settle(s.wait)
	uitest.MustShowWhole(t, w, "3 ausgewählt", "Auswahl aufheben", "Briefe drucken…", "Einladung erneut senden", "⋯ Mehr")
	var more []string
	for _, it := range s.bulk.moreItems() {
		more = append(more, it.Label)
		if it.Label == "Löschen" {
			it.Action()
		}
	}
	if !slices.Contains(more, "Deaktivieren") || !slices.Contains(more, "Löschen") {
		t.Fatalf("the More menu holds %q", more)
	}
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "3 Benutzer löschen?\nGelöschte Benutzer verschwinden aus allen Listen, und ihre Schlüssel funktionieren nicht mehr.") {
		t.Fatalf("no German question; shown %v", uitest.Keys(uitest.Texts(w)))
	}
	uitest.MustShowWhole(t, w, "Löschen (3)", "Abbrechen")
	for _, x := range uitest.Visible[*widget.Button](w) {
		switch x.Text {
		case "No", "Yes", "Cancel", "Delete (3)", "Nein", "Ja":
			t.Errorf("the German question offers %q", x.Text)
		}
	}
	test.Tap(uitest.Button(t, w, "Abbrechen"))
	uitest.Settle(s.wait)
	if s.Total() != 1500 {
		t.Fatalf("Abbrechen deleted: %d users left", s.Total())
	}

	// A bulk action that would change nobody says why, in German.
	s.Bulk(lifecycle.ActionReactivate)
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "Keiner der 3 ausgewählten Benutzer kann reaktiviert werden: 3 nicht deaktiviert.") {
		t.Errorf("no German nobody-to-change message; shown %v", uitest.Keys(uitest.Texts(w)))
	}
	uitest.CloseDialogs(w)

	// Deleting them reports in German.
	s.Bulk(lifecycle.ActionDelete)
	uitest.Settle(s.wait)
	test.Tap(uitest.Button(t, w, "Löschen (3)"))
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "Löschen: 3 Benutzer erledigt.") || s.Total() != 1497 {
		t.Errorf("after the delete: %d users; shown %v", s.Total(), uitest.Keys(uitest.Texts(w)))
	}
}
