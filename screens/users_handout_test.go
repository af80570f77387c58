package screens

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/internal/letters"
	"onboard/internal/lifecycle"
	"onboard/screens/internal/uitest"
)

// handedOut reports whether the live key of user id is marked handed out.
func handedOut(t *testing.T, st *data.Store, id string) bool {
	t.Helper()
	h, err := st.LiveKeyHandOuts(context.Background(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	return h[id].HandedOutAt != nil
}

// scan types text into the scanning dialog's entry, presses Enter and waits.
func scan(s *UsersScreen, text string) {
	h := s.lastHandOut
	test.Type(h.entry, text)
	h.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	uitest.Settle(s.wait)
}

func TestHandOutDialogMarksTheScannedLetter(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	anna := uitest.CreateUser(t, svc, base, "Anna", "Müller", "")
	ben := uitest.CreateUser(t, svc, base, "Ben", "Weber", "")
	s, w := newScreen(t, st, svc)
	test.Tap(uitest.Button(t, w, "Hand out…"))
	h := s.lastHandOut
	if h == nil || w.Canvas().Focused() != h.entry {
		t.Fatal("the scanning dialog's entry does not have the focus")
	}
	scan(s, " "+letters.Link("https://onboard.example.org", anna.Key)+" ")
	if h.entry.Text != "" || w.Canvas().Focused() != h.entry {
		t.Fatalf("after a scan the entry holds %q, focus %v", h.entry.Text, w.Canvas().Focused())
	}
	if len(h.lines) != 1 || h.lines[0] != "Anna Müller (Werk Süd) — handed out" {
		t.Fatalf("lines %q", h.lines)
	}
	if !handedOut(t, st, anna.User.ID) || handedOut(t, st, ben.User.ID) {
		t.Fatal("the scan marked the wrong letter")
	}
	scan(s, strings.ToLower(anna.Key))
	scan(s, "ABCD-EFGH-JKMN")
	if len(h.lines) != 3 || !strings.HasPrefix(h.lines[1], "Anna Müller (Werk Süd) — already handed out on ") ||
		h.lines[0] != "No letter has this key" || h.count.Text != "Handed out here: 1" {
		t.Fatalf("lines %q, count %q", h.lines, h.count.Text)
	}
	s.detail.show(anna.User.ID)
	uitest.Settle(s.wait)
	if want := "Letter handed out today by " + svc.Actor(); !s.detail.handOut.Visible() || s.detail.handOut.Text != want {
		t.Fatalf("detail pane: %q (shown %v), want %q", s.detail.handOut.Text, s.detail.handOut.Visible(), want)
	}
	s.detail.show(ben.User.ID)
	uitest.Settle(s.wait)
	if s.detail.handOut.Visible() {
		t.Fatalf("detail pane of Ben says %q", s.detail.handOut.Text)
	}
}

func TestHandOutTextCountsCalendarDays(t *testing.T) {
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.Local)
	for at, want := range map[time.Time]string{
		now.Add(-time.Hour):                             "Letter handed out today by admin",
		time.Date(2026, 12, 7, 23, 0, 0, 0, time.Local): "Letter handed out yesterday by admin",
		now.AddDate(0, 0, -3):                           "Letter handed out 3 days ago by admin",
	} {
		if got := handOutText(at, now, "admin"); got != want {
			t.Errorf("handed out %v: %q, want %q", at, got, want)
		}
	}
}

func TestLetterFilterAndBulkHandOut(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	anna := uitest.CreateUser(t, svc, base, "Anna", "Müller", "")
	ben := uitest.CreateUser(t, svc, base, "Ben", "Weber", "")
	cem := uitest.CreateUser(t, svc, base, "Cem", "Aktiv", "")
	if _, err := svc.HandOutByScan(ctx, anna.Key); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.MarkRegistered(ctx, cem.User.ID); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	s.letterSelect.SetSelected("Handed out, not registered")
	uitest.Settle(s.wait)
	if s.Total() != 1 || !strings.Contains(s.filterNote.Text, "letter handed out, not registered") {
		t.Fatalf("filter: %d users, note %q", s.Total(), s.filterNote.Text)
	}
	test.Tap(uitest.Button(t, w, "Clear filters"))
	uitest.Settle(s.wait)
	if s.Total() != 3 || s.letterSelect.Selected != "All letters" || s.filterNote.Text != "" {
		t.Fatalf("after clearing: %d users, select %q, note %q", s.Total(), s.letterSelect.Selected, s.filterNote.Text)
	}

	s.CellText(0, 1)
	uitest.Settle(s.wait)
	for row := range 3 {
		r := s.row(row)
		for _, it := range s.rowMenuItems(r) {
			if it.Label == "Mark handed out" && it.Disabled != (r.ID != ben.User.ID) {
				t.Errorf("Mark handed out for %s disabled: %v", r.FirstName, it.Disabled)
			}
		}
	}
	s.SelectAllMatching()
	uitest.Settle(s.wait)
	s.Bulk(lifecycle.ActionHandOut)
	uitest.Settle(s.wait)
	if !anyTextContains(w, "2 users will be skipped: 1 active, 1 already handed out.") {
		t.Fatalf("no skip notice: %v", uitest.Keys(uitest.Texts(w)))
	}
	test.Tap(uitest.Button(t, w, "Mark handed out (1)"))
	uitest.Settle(s.wait)
	if s.LastResult == nil || s.LastResult.Done != 1 || len(s.LastResult.Skipped) != 0 {
		t.Fatalf("result %+v", s.LastResult)
	}
	if !handedOut(t, st, ben.User.ID) {
		t.Fatal("Ben's letter is not marked handed out")
	}
}
