package screens

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestUnitsScreenCreateRenameDeleteWithMove(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := openStore(t)
	ctx := context.Background()
	in := base
	in.FirstName, in.LastName = "Anna", "Müller"
	if _, err := svc.CreateUser(ctx, in, 0); err != nil {
		t.Fatal(err)
	}
	s, w := showScreen(t, 1100, 600, func(w fyne.Window) *CatalogScreen { return NewCatalogScreen(st, svc, w) })
	if !texts(w)["Werk Süd — 1 user"] {
		t.Fatalf("unit list: %v", texts(w))
	}
	test.Tap(button(t, w, "New unit"))
	test.Type(s.lastEntry, "Class 6b")
	test.Tap(button(t, w, "Save"))
	settle(s.wait)
	if !texts(w)["Class 6b — 0 users"] {
		t.Fatalf("new unit not listed: %v", texts(w))
	}
	// Renaming to a taken name (other case) shows the message and changes nothing.
	s.unitList.Select(0) // Class 6b
	test.Tap(buttonAt(t, w, "Rename…", 0))
	s.lastEntry.SetText("werk süd")
	test.Tap(button(t, w, "Save"))
	settle(s.wait)
	if s.lastMsg.Text != "a unit named “Werk Süd” already exists" {
		t.Fatalf("rename message %q", s.lastMsg.Text)
	}
	if _, err := st.UnitByName(ctx, "Class 6b"); err != nil {
		t.Fatalf("refused rename changed the unit: %v", err)
	}
	test.Tap(button(t, w, "Cancel"))
	// Deleting Werk Süd asks where Anna goes, then moves her.
	s.unitList.Select(1)
	test.Tap(buttonAt(t, w, "Delete…", 0))
	settle(s.wait)
	if !texts(w)["Move them to"] {
		t.Fatalf("no move question: %v", texts(w))
	}
	test.Tap(button(t, w, "Move and delete"))
	settle(s.wait)
	counts, _ := st.UnitCounts(ctx)
	if len(counts) != 1 || counts[0].Name != "Class 6b" || counts[0].Users != 1 {
		t.Fatalf("after delete: %+v", counts)
	}
}

// buttonAt finds the n-th visible button with a text (0 is the first found).
func buttonAt(t *testing.T, w fyne.Window, text string, n int) *widget.Button {
	t.Helper()
	var found []*widget.Button
	walk(w.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			found = append(found, b)
		}
	})
	if n >= len(found) {
		t.Fatalf("only %d buttons %q", len(found), text)
	}
	return found[n]
}

func TestUnitsScreenEmptyListsSayHowToFillThem(t *testing.T) {
	test.NewTempApp(t)
	st, svc := emptyStore(t)
	s, w := showScreen(t, 1100, 600, func(w fyne.Window) *CatalogScreen { return NewCatalogScreen(st, svc, w) })
	if !s.noUnits.Visible() || !s.noGroups.Visible() || !texts(w)["No groups yet. Groups are optional contact groups, e.g. a choir or a project team."] {
		t.Fatalf("empty lists say nothing: %v", texts(w))
	}
	test.Tap(button(t, w, "New unit"))
	test.Type(s.lastEntry, "5a")
	test.Tap(button(t, w, "Save"))
	settle(s.wait)
	if s.noUnits.Visible() || !s.noGroups.Visible() {
		t.Fatal("the units note stays over the list, or the groups note went")
	}
}
