package screens

import (
	"context"
	"testing"

	"onboard/screens/internal/uitest"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestUnitsScreenCreateRenameDeleteWithMove(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	in := base
	in.FirstName, in.LastName = "Anna", "Müller"
	if _, err := svc.CreateUser(ctx, in, 0); err != nil {
		t.Fatal(err)
	}
	s, w := showScreen(t, 1100, 600, func(w fyne.Window) *CatalogScreen { return NewCatalogScreen(st, svc, w) })
	if !uitest.Texts(w)["Werk Süd — 1 user"] {
		t.Fatalf("unit list: %v", uitest.Texts(w))
	}
	test.Tap(uitest.Button(t, w, "New unit"))
	test.Type(s.lastEntry, "Class 6b")
	test.Tap(uitest.Button(t, w, "Save"))
	uitest.Settle(s.wait)
	if !uitest.Texts(w)["Class 6b — 0 users"] {
		t.Fatalf("new unit not listed: %v", uitest.Texts(w))
	}
	// Renaming to a taken name (other case) shows the message and changes nothing.
	s.unitList.Select(0) // Class 6b
	test.Tap(uitest.ButtonAt(t, w, "Rename…", 0))
	s.lastEntry.SetText("werk süd")
	test.Tap(uitest.Button(t, w, "Save"))
	uitest.Settle(s.wait)
	if s.lastMsg.Text != "a unit named “Werk Süd” already exists" {
		t.Fatalf("rename message %q", s.lastMsg.Text)
	}
	if _, err := st.UnitByName(ctx, "Class 6b"); err != nil {
		t.Fatalf("refused rename changed the unit: %v", err)
	}
	test.Tap(uitest.Button(t, w, "Cancel"))
	// Deleting Werk Süd asks where Anna goes, then moves her.
	s.unitList.Select(1)
	test.Tap(uitest.ButtonAt(t, w, "Delete…", 0))
	uitest.Settle(s.wait)
	if !uitest.Texts(w)["Move them to"] {
		t.Fatalf("no move question: %v", uitest.Texts(w))
	}
	test.Tap(uitest.Button(t, w, "Move and delete"))
	uitest.Settle(s.wait)
	counts, _ := st.UnitCounts(ctx)
	if len(counts) != 1 || counts[0].Name != "Class 6b" || counts[0].Users != 1 {
		t.Fatalf("after delete: %+v", counts)
	}
}

func TestUnitsScreenEmptyListsSayHowToFillThem(t *testing.T) {
	test.NewTempApp(t)
	st, svc := uitest.EmptyStore(t)
	s, w := showScreen(t, 1100, 600, func(w fyne.Window) *CatalogScreen { return NewCatalogScreen(st, svc, w) })
	if !s.noUnits.Visible() || !s.noGroups.Visible() || !uitest.Texts(w)["No groups yet. Groups are optional contact groups, e.g. a choir or a project team."] {
		t.Fatalf("empty lists say nothing: %v", uitest.Texts(w))
	}
	test.Tap(uitest.Button(t, w, "New unit"))
	test.Type(s.lastEntry, "5a")
	test.Tap(uitest.Button(t, w, "Save"))
	uitest.Settle(s.wait)
	if s.noUnits.Visible() || !s.noGroups.Visible() {
		t.Fatal("the units note stays over the list, or the groups note went")
	}
}

func TestUnitsScreenClassSheetOfTheChosenUnit(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	s, w := showScreen(t, 1100, 600, func(w fyne.Window) *CatalogScreen { return NewCatalogScreen(st, svc, w) })
	var asked []string
	s.OnClassSheet = func(unitID, name string) { asked = append(asked, unitID, name) }
	test.Tap(uitest.Button(t, w, "Class sheet…"))
	if len(asked) != 0 || !uitest.Texts(w)["Click a unit in the list first."] {
		t.Fatalf("without a chosen unit: asked %v", asked)
	}
	unit, err := st.UnitByName(context.Background(), "Werk Süd")
	if err != nil {
		t.Fatal(err)
	}
	s.unitList.Select(0)
	test.Tap(uitest.Button(t, w, "Class sheet…"))
	if len(asked) != 2 || asked[0] != unit.ID || asked[1] != "Werk Süd" {
		t.Fatalf("asked for %v, want the sheet of Werk Süd (%s)", asked, unit.ID)
	}
}
