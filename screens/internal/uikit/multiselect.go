package uikit

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/natsort"
	"onboard/resources"
)

// pickerRows is how many rows of options a MultiSelect shows before it scrolls;
// the half row shows that there are more.
const pickerRows = 5.5

// MultiSelect picks any number of names from a list that may be long (the 120
// classes of a school): a Search box narrows a scrolling list of check boxes, and
// the chosen names are shown above it as chips, each removing its name when
// tapped. Options and choice are kept in natural order ("Klasse 5a" before
// "Klasse 10a"). It is the one picker for units and groups everywhere.
type MultiSelect struct {
	widget.BaseWidget

	// OnChanged, if set, is called with the new choice whenever it changes: by the
	// admin, by SetSelected or because SetOptions dropped a chosen name.
	OnChanged func(chosen []string)

	noun    string          // "unit", for "No unit matches …"
	rows    float32         // rows of options shown before the list scrolls
	options []string        // in natural order, no repeats
	chosen  map[string]bool // names of options
	shown   []string        // the options the Search matches, in order

	Search  *widget.Entry
	list    *widget.List
	sizer   *canvas.Rectangle // gives the list the height of a few rows
	listBox *fyne.Container
	chips   *fyne.Container
	empty   *widget.Label // no options at all
	noMatch *widget.Label // the Search matches nothing
	content *fyne.Container
}

// NewMultiSelect builds a picker for things called noun ("unit"), with the Search
// placeholder ("Search units…") and the text shown while there are no options
// ("No units yet — create them in Units and groups."), all three in the window's
// language (lang.L).
func NewMultiSelect(noun, placeholder, empty string, onChanged func([]string)) *MultiSelect {
	m := &MultiSelect{noun: noun, OnChanged: onChanged, chosen: map[string]bool{}, rows: pickerRows}
	m.ExtendBaseWidget(m)
	m.Search = &widget.Entry{PlaceHolder: placeholder}
	m.Search.ExtendBaseWidget(m.Search)
	m.Search.OnChanged = func(string) { m.filter() }
	m.Search.OnSubmitted = func(string) { m.toggleFirstMatch() }
	m.list = widget.NewList(
		func() int { return len(m.shown) },
		func() fyne.CanvasObject { return widget.NewCheck("Klasse 10a", nil) },
		m.updateRow)
	m.list.OnSelected = func(id widget.ListItemID) { // a tap beside the box, or Space on a focused row
		m.list.Unselect(id)
		if id < len(m.shown) {
			m.toggle(m.shown[id])
		}
	}
	m.sizer = canvas.NewRectangle(color.Transparent)
	m.listBox = container.NewStack(m.sizer, m.list)
	m.chips = container.New(layout.NewRowWrapLayout())
	m.empty = &widget.Label{Text: empty, Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	m.noMatch = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	m.content = container.NewVBox(m.chips, m.Search, m.listBox, m.noMatch, m.empty)
	m.filter()
	return m
}

// CreateRenderer is part of fyne.Widget.
func (m *MultiSelect) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(m.content)
}

// SetOptions replaces the options, keeping the choice of names that are still
// offered.
func (m *MultiSelect) SetOptions(options []string) {
	before := m.Selected()
	m.options = slices.Clone(options)
	natsort.Strings(m.options)
	m.options = slices.Compact(m.options)
	kept := map[string]bool{}
	for _, o := range m.options {
		if m.chosen[o] {
			kept[o] = true
		}
	}
	m.chosen = kept
	m.changed(before)
}

// Options returns the options in natural order.
func (m *MultiSelect) Options() []string { return slices.Clone(m.options) }

// Selected returns the chosen names in natural order.
func (m *MultiSelect) Selected() []string {
	out := []string{}
	for _, o := range m.options {
		if m.chosen[o] {
			out = append(out, o)
		}
	}
	return out
}

// SetSelected chooses exactly the given names; names that are not options are
// ignored.
func (m *MultiSelect) SetSelected(names []string) {
	before := m.Selected()
	m.chosen = map[string]bool{}
	for _, n := range names {
		if slices.Contains(m.options, n) {
			m.chosen[n] = true
		}
	}
	m.changed(before)
}

// toggle chooses name, or unchooses it when it was chosen.
func (m *MultiSelect) toggle(name string) {
	before := m.Selected()
	if m.chosen[name] {
		delete(m.chosen, name)
	} else {
		m.chosen[name] = true
	}
	m.changed(before)
}

// toggleFirstMatch is Enter in the Search box: it toggles the first option the
// Search matches and empties the box for the next name.
func (m *MultiSelect) toggleFirstMatch() {
	if strings.TrimSpace(m.Search.Text) == "" || len(m.shown) == 0 {
		return
	}
	m.toggle(m.shown[0])
	m.Search.SetText("")
}

// changed shows the choice and tells OnChanged when it differs from before.
func (m *MultiSelect) changed(before []string) {
	m.showChips()
	m.filter()
	if now := m.Selected(); !slices.Equal(now, before) && m.OnChanged != nil {
		m.OnChanged(now)
	}
}

// showChips puts a removable chip above the Search box for each chosen name.
func (m *MultiSelect) showChips() {
	chosen := m.Selected()
	objs := make([]fyne.CanvasObject, len(chosen))
	for i, name := range chosen {
		objs[i] = &widget.Button{
			Text: name, Icon: theme.CancelIcon(), IconPlacement: widget.ButtonIconTrailingText,
			OnTapped: func() { m.toggle(name) },
		}
	}
	m.chips.Objects = objs
	SetVisible(m.chips, len(objs) > 0)
	// Lay the chips out at the width they have, so that the wrap layout knows
	// how many rows they take before the picker's height is asked for.
	if w := m.chips.Size().Width; w > 0 {
		m.chips.Layout.Layout(objs, fyne.NewSize(w, m.chips.MinSize().Height))
	}
	m.chips.Refresh()
	m.Refresh()
}

// filter shows the options the Search matches, ignoring case, or says that
// there are none.
func (m *MultiSelect) filter() {
	q := data.Fold(m.Search.Text)
	m.shown = m.shown[:0]
	for _, o := range m.options {
		if q == "" || strings.Contains(data.Fold(o), q) {
			m.shown = append(m.shown, o)
		}
	}
	none, noMatch := len(m.options) == 0, len(m.options) > 0 && len(m.shown) == 0
	if noMatch {
		m.noMatch.SetText(fmt.Sprintf(lang.L("No %s matches “%s”."), m.noun, strings.TrimSpace(m.Search.Text)))
	}
	SetVisible(m.empty, none)
	SetVisible(m.Search, !none)
	SetVisible(m.noMatch, noMatch)
	SetVisible(m.listBox, len(m.shown) > 0)
	rowH := widget.NewCheck("Klasse 10a", nil).MinSize().Height
	rows := min(float32(len(m.shown)), m.rows)
	m.sizer.SetMinSize(fyne.NewSize(0, rows*(rowH+theme.Padding())-theme.Padding()))
	m.list.Refresh()
	m.listBox.Refresh()
	m.content.Refresh()
}

// updateRow shows option id of the matching ones as a check box.
func (m *MultiSelect) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	c := o.(*widget.Check)
	if id >= len(m.shown) {
		return
	}
	name := m.shown[id]
	c.OnChanged = nil
	c.Text = name
	c.SetChecked(m.chosen[name])
	c.Refresh()
	c.OnChanged = func(on bool) {
		if on != m.chosen[name] {
			m.toggle(name)
		}
	}
}

// What the pickers and the role lists say while there is nothing to choose from,
// in English (tests compare with them); they are shown through lang.L.
var (
	NoRolesYet  = resources.Mark("No roles yet — create one in Roles and permissions.")
	NoUnitsYet  = resources.Mark("No units yet — create them in Units and groups.")
	NoGroupsYet = resources.Mark("No groups yet (they are optional) — create them in Units and groups.")
)

// UnitPicker is the multi-select for units.
func UnitPicker(onChanged func([]string)) *MultiSelect {
	return NewMultiSelect(lang.L("unit"), lang.L("Search units…"), lang.L(NoUnitsYet), onChanged)
}

// GroupPicker is the multi-select for groups.
func GroupPicker(onChanged func([]string)) *MultiSelect {
	m := NewMultiSelect(lang.L("group"), lang.L("Search groups…"), lang.L(NoGroupsYet), onChanged)
	m.rows = 3.5 // groups are optional and fewer: they take less room
	m.filter()
	return m
}
