package activityscreen

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/screens/internal/uitest"
)

// german makes the screen speak German for the test, its words and its numbers
// and dates, as the app does when German is chosen.
func german(t *testing.T) {
	t.Helper()
	uitest.German(t)
}

func TestActivityScreenInGerman(t *testing.T) {
	german(t)
	test.NewTempApp(t)
	l := newActivityLog(t)
	s, w := openActivity(t, l.st)

	uitest.MustShow(t, w, "Aktivität", "Exportieren…", "6 Ereignisse", "Wann", "Bearbeiter", "Aktion", "Zusammenfassung", "Benutzer",
		"Klicken Sie auf ein Ereignis, um zu sehen, was sich geändert hat und welche Benutzer es betrifft.")
	if got := strings.Join(s.actorSelect.Options, "|"); got != "Alle Bearbeiter|anna.admin|bernd" || s.actorSelect.Selected != "Alle Bearbeiter" {
		t.Errorf("operators %q, chosen %q", got, s.actorSelect.Selected)
	}
	// The actions are sorted by their German labels.
	want := "Alle Aktionen|Benutzer angelegt|Benutzer bearbeitet|Benutzer deaktiviert|Einheit angelegt|Rolle geändert"
	if got := strings.Join(s.actionSelect.Options, "|"); got != want || s.actionSelect.Selected != "Alle Aktionen" {
		t.Errorf("actions %q, chosen %q", got, s.actionSelect.Selected)
	}
	if s.users.entry.PlaceHolder != "Alle Benutzer (Name eingeben)" || s.dates.from.PlaceHolder != "Von JJJJ-MM-TT" || s.dates.to.PlaceHolder != "Bis JJJJ-MM-TT" {
		t.Errorf("placeholders %q, %q, %q", s.users.entry.PlaceHolder, s.dates.from.PlaceHolder, s.dates.to.PlaceHolder)
	}
	// Dates and counts are written the German way; the summaries are recorded data.
	got := rows(s)
	wantRows := []string{
		"08.03.2025 14:00 | bernd | Rolle geändert | Role changed | Max Muster",
		"07.03.2025 13:00 | anna.admin | Einheit angelegt | Created unit Werk Nord | ",
		"06.03.2025 12:00 | bernd | Benutzer deaktiviert | Deactivated | Carla Import",
		"05.03.2025 11:00 | anna.admin | Benutzer bearbeitet | Edited | Max Muster",
		"04.03.2025 10:00 | bernd | Benutzer angelegt | Imported from staff.csv, 3 users at once | Carla Import und 2 weitere",
		"03.03.2025 09:00 | anna.admin | Benutzer angelegt | Created | Max Muster",
	}
	if !slices.Equal(got, wantRows) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
	}
	if got := eventsText(1234); got != "1.234 Ereignisse" {
		t.Errorf("count %q", got)
	}
	if got := eventsText(1); got != "1 Ereignis" {
		t.Errorf("count of one %q", got)
	}

	// The details.
	d := s.detailPane
	s.table.Select(widget.TableCellID{Row: 3, Col: 1})
	uitest.Settle(s.wait)
	if d.title.Text != "05.03.2025 11:00:00 · anna.admin · Benutzer bearbeitet" {
		t.Errorf("title %q", d.title.Text)
	}
	if d.changes.Text != "E-Mail: max@old.example.org → max@new.example.org" || d.usersTitle.Text != "Benutzer (1)" {
		t.Errorf("changes %q, users %q", d.changes.Text, d.usersTitle.Text)
	}
	s.table.Select(widget.TableCellID{Row: 0, Col: 1})
	uitest.Settle(s.wait)
	if d.changes.Text != "Rolle: Teacher → Coach" {
		t.Errorf("a role change: %q", d.changes.Text)
	}

	// A filter goes by the option's place, whatever its text.
	s.actionSelect.SetSelected("Benutzer angelegt")
	uitest.Settle(s.wait)
	if s.q.Action != "user.create" || s.Total() != 2 || s.count.Text != "2 Ereignisse" {
		t.Errorf("created: action %q, %d events, count %q", s.q.Action, s.Total(), s.count.Text)
	}
	s.actionSelect.SetSelected("Alle Aktionen")

	// The user search and a bad date say so in German.
	s.users.entry.SetText("carla")
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "1 Benutzer gefunden: Drücken Sie die Eingabetaste, um ihn zu wählen, oder öffnen Sie die Liste.") {
		t.Errorf("search hint %q", s.users.hint.Text)
	}
	s.users.entry.SetText("")
	s.dates.to.SetText("6.3.2025")
	uitest.Settle(s.wait)
	msg := "Bis: „6.3.2025“ ist kein Datum. Schreiben Sie es als JJJJ-MM-TT, z. B. " + time.Now().Format(time.DateOnly) + "."
	if !uitest.LabelShown(w, msg) {
		t.Errorf("date message %q, want %q", s.dates.message.Text, msg)
	}
	s.dates.to.SetText("")
	uitest.Settle(s.wait)

	// The export's message and its column titles.
	path := filepath.Join(t.TempDir(), "aktivitaet.csv")
	s.ExportTo(path)
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "6 Ereignisse in "+path+" gespeichert.") {
		t.Errorf("export message %q", s.exportMsg.Text)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(strings.TrimPrefix(string(b), "\uFEFF"), "\n")
	if want := "Wann,Bearbeiter,Aktion,Zusammenfassung,Benutzer,Änderungen"; head != want {
		t.Errorf("CSV header %q, want %q", head, want)
	}
}

// TestActivityNamesEveryActionInGerman: every action the log records has a
// German label, and so has every field its changes name.
func TestActivityNamesEveryActionInGerman(t *testing.T) {
	german(t)
	for action := range actionLabels {
		if got := actionLabel(action); got == actionLabels[action] {
			t.Errorf("%s: %q is not German", action, got)
		}
	}
	if got := actionLabel(data.ActionSyncConflict); got != "Synchronisationskonflikt" {
		t.Errorf("sync conflict %q", got)
	}
	if got := actorLabel(data.SyncActor); got != "Synchronisation mit dem Server" {
		t.Errorf("sync actor %q", got)
	}
	e := &data.AuditEvent{Action: data.ActionSyncConflict, Changes: `{"email":{"old":"a@x.org","new":"b@x.org"},"names_locked":{"old":false,"new":true}}`}
	want := []string{
		"E-Mail: hier eingetragen a@x.org; vom Server übernommen b@x.org",
		"Namen gesperrt: hier eingetragen nein; vom Server übernommen ja",
	}
	if got := changeLines(e, nil); !slices.Equal(got, want) {
		t.Errorf("conflict lines %q, want %q", got, want)
	}
}
