package screens

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/screens/internal/uitest"
)

func TestUsersScreenOpensLetterPrinting(t *testing.T) {
	test.NewTempApp(t)
	st, svc, ids := uitest.LetterUsers(t)
	s, w := newScreen(t, st, svc)
	var got [][]string
	s.OnPrintLetters = func(ids []string) { got = append(got, ids) }
	s.SelectAllMatching()
	uitest.Settle(s.wait)
	test.Tap(uitest.Button(t, w, "Print letters…"))
	if len(got) != 1 || len(got[0]) != len(ids) {
		t.Fatalf("bulk print for %v", got)
	}
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	for row := range len(ids) {
		r := s.row(row)
		var item *fyne.MenuItem
		for _, it := range s.rowMenuItems(r) {
			if it.Label == "Print letter…" {
				item = it
			}
		}
		if item == nil {
			t.Fatal("no Print letter… in the row menu")
		}
		if want := r.Status == data.StatusActive; item.Disabled != want {
			t.Errorf("%s (%s): Print letter disabled %v", r.FullName(), r.Status, item.Disabled)
		}
		if !item.Disabled {
			item.Action()
			if last := got[len(got)-1]; len(last) != 1 || last[0] != r.ID {
				t.Errorf("row print for %v, want %s", last, r.ID)
			}
		}
	}
}

func TestNewUserDialogPrintsTheLetter(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	s, w := newScreen(t, st, svc)
	var got []string
	s.OnPrintLetters = func(ids []string) { got = ids }
	f := typeNewUser(s, "Zoë", "Brontë", "")
	test.Tap(uitest.Button(t, w, "Create user"))
	uitest.Settle(f.wait, s.wait)
	if f.Created == nil {
		t.Fatal("nothing created")
	}
	test.Tap(uitest.Button(t, w, "Print registration letter…"))
	if len(got) != 1 || got[0] != f.Created.User.ID {
		t.Fatalf("letter for %v, want %s", got, f.Created.User.ID)
	}
}
