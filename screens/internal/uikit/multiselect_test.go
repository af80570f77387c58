package uikit

import (
	"fmt"
	"slices"
	"testing"

	"onboard/screens/internal/uitest"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// shownChecks returns the texts of the check boxes the picker's list draws.
func shownChecks(m *MultiSelect) []string {
	var out []string
	uitest.Walk(m.list, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok {
			out = append(out, c.Text)
		}
	})
	return out
}

// rowCheck returns the check box the picker's list draws for name.
func rowCheck(t *testing.T, m *MultiSelect, name string) *widget.Check {
	t.Helper()
	var found *widget.Check
	uitest.Walk(m.list, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok && c.Text == name {
			found = c
		}
	})
	if found == nil {
		t.Fatalf("no row %q drawn; rows %v", name, shownChecks(m))
	}
	return found
}

// chipButtons returns the chips above the search box.
func chipButtons(m *MultiSelect) []*widget.Button {
	var out []*widget.Button
	for _, o := range m.chips.Objects {
		out = append(out, o.(*widget.Button))
	}
	return out
}

func TestPickerWith120Units(t *testing.T) {
	test.NewTempApp(t)
	var units []string
	for grade := 12; grade >= 1; grade-- { // given out of order, as a database may
		for _, c := range "jihgfedcba" {
			units = append(units, fmt.Sprintf("Klasse %d%c", grade, c))
		}
	}
	var changes [][]string
	m := UnitPicker(func(c []string) { changes = append(changes, c) })
	m.SetOptions(units)
	w := test.NewWindow(m)
	w.Resize(fyne.NewSize(500, 400))
	t.Cleanup(w.Close)

	// Natural order, and only a few rows drawn: the list scrolls.
	if opts := m.Options(); len(opts) != 120 || opts[0] != "Klasse 1a" || opts[9] != "Klasse 1j" || opts[10] != "Klasse 2a" || opts[119] != "Klasse 12j" {
		t.Fatalf("order %v", m.Options()[:12])
	}
	shown := shownChecks(m)
	if len(shown) == 0 || len(shown) > 10 || shown[0] != "Klasse 1a" {
		t.Fatalf("rows drawn %v", shown)
	}

	// The search narrows the list, ignoring case.
	test.Type(m.Search, "KLASSE 10")
	if !slices.Equal(m.shown, []string{
		"Klasse 10a", "Klasse 10b", "Klasse 10c", "Klasse 10d", "Klasse 10e",
		"Klasse 10f", "Klasse 10g", "Klasse 10h", "Klasse 10i", "Klasse 10j",
	}) {
		t.Fatalf("search shows %v", m.shown)
	}
	if got := shownChecks(m); len(got) < 5 || got[0] != "Klasse 10a" || got[2] != "Klasse 10c" {
		t.Fatalf("rows drawn after the search: %v", got)
	}
	// Ticking a row chooses it and shows a chip; Enter takes the first match.
	test.Tap(rowCheck(t, m, "Klasse 10c"))
	m.Search.SetText("11b")
	m.Search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got := m.Selected(); !slices.Equal(got, []string{"Klasse 10c", "Klasse 11b"}) {
		t.Fatalf("selected %v", got)
	}
	if m.Search.Text != "" {
		t.Errorf("the search keeps %q after Enter", m.Search.Text)
	}
	chips := chipButtons(m)
	if len(chips) != 2 || chips[0].Text != "Klasse 10c" || chips[1].Text != "Klasse 11b" || !m.chips.Visible() {
		t.Fatalf("chips %v", chips)
	}

	// Nothing matches: said so.
	test.Type(m.Search, "Klasse 13")
	if !m.noMatch.Visible() || m.noMatch.Text != "No unit matches “Klasse 13”." || m.listBox.Visible() {
		t.Fatalf("no match: %q visible %v", m.noMatch.Text, m.noMatch.Visible())
	}
	m.Search.SetText("")

	// Tapping a chip removes the unit, and its row is unticked.
	test.Tap(chips[0])
	if got := m.Selected(); !slices.Equal(got, []string{"Klasse 11b"}) {
		t.Fatalf("after removing a chip: %v", got)
	}
	if len(changes) != 3 || !slices.Equal(changes[2], []string{"Klasse 11b"}) {
		t.Fatalf("OnChanged calls %v", changes)
	}
	if len(chipButtons(m)) != 1 {
		t.Fatalf("chips after removing one: %d", len(chipButtons(m)))
	}
	test.Type(m.Search, "10c")
	if rowCheck(t, m, "Klasse 10c").Checked {
		t.Fatal("the row of a removed chip stays ticked")
	}
	m.Search.SetText("")

	// New options keep the choice where the unit still exists.
	m.SetOptions(append(units, "Klasse 5z"))
	if got := m.Selected(); !slices.Equal(got, []string{"Klasse 11b"}) {
		t.Fatalf("after new options: %v", got)
	}
	m.SetOptions([]string{"Klasse 5a"})
	if got := m.Selected(); len(got) != 0 || m.chips.Visible() {
		t.Fatalf("a unit that is gone stays chosen: %v", got)
	}
	m.SetOptions(nil)
	if !m.empty.Visible() || m.empty.Text != NoUnitsYet || m.Search.Visible() {
		t.Fatal("no units: the empty text is not shown")
	}
}
