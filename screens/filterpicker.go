package screens

import (
	"fmt"

	"onboard/screens/internal/uikit"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// filterPicker is a filter of the users screen that may hold several units or
// groups: a button that says what it filters by ("All units", "Klasse 5a",
// "3 units") and opens the searchable multi-select below it.
type filterPicker struct {
	button   *widget.Button
	pick     *uikit.MultiSelect
	none     string // "All units"
	plural   string // "units"
	win      fyne.Window
	popup    *widget.PopUp
	onChange func(names []string)
}

// newFilterPicker builds a filter over pick; onChange gets the chosen names
// whenever the admin changes them.
func newFilterPicker(win fyne.Window, pick *uikit.MultiSelect, none, plural string, onChange func([]string)) *filterPicker {
	f := &filterPicker{pick: pick, none: none, plural: plural, win: win, onChange: onChange}
	f.button = &widget.Button{
		Text: none, Icon: theme.MenuDropDownIcon(), IconPlacement: widget.ButtonIconTrailingText,
		Alignment: widget.ButtonAlignLeading, OnTapped: f.open,
	}
	pick.OnChanged = func(names []string) {
		f.showLabel()
		if f.onChange != nil {
			f.onChange(names)
		}
	}
	return f
}

// set replaces the options and the choice without calling onChange.
func (f *filterPicker) set(options, chosen []string) {
	on := f.pick.OnChanged
	f.pick.OnChanged = nil
	f.pick.SetOptions(options)
	f.pick.SetSelected(chosen)
	f.pick.OnChanged = on
	f.showLabel()
}

// showLabel says on the button what the filter holds.
func (f *filterPicker) showLabel() {
	switch chosen := f.pick.Selected(); len(chosen) {
	case 0:
		f.button.SetText(f.none)
	case 1:
		f.button.SetText(chosen[0])
	default:
		f.button.SetText(fmt.Sprintf("%d %s", len(chosen), f.plural))
	}
}

// describe is the filter for "filtered by …": "" when it holds nothing, prefix and
// the name when one ("unit Klasse 5a"), else the count ("3 units").
func (f *filterPicker) describe(prefix string) string {
	switch chosen := f.pick.Selected(); len(chosen) {
	case 0:
		return ""
	case 1:
		return prefix + chosen[0]
	default:
		return f.button.Text
	}
}

// open shows the multi-select under the button.
func (f *filterPicker) open() {
	if f.popup == nil {
		clear := &widget.Button{Text: lang.L("Show all"), OnTapped: func() { f.pick.SetSelected(nil) }}
		done := &widget.Button{Text: lang.L("Done"), Importance: widget.HighImportance, OnTapped: func() { f.popup.Hide() }}
		f.popup = widget.NewPopUp(container.NewPadded(container.NewBorder(nil,
			container.NewHBox(clear, done), nil, nil, f.pick)), f.win.Canvas())
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(f.button)
	f.popup.ShowAtPosition(pos.Add(fyne.NewPos(0, f.button.Size().Height)))
	f.popup.Resize(fyne.NewSize(max(320, f.button.Size().Width), f.popup.MinSize().Height))
	f.win.Canvas().Focus(f.pick.Search)
}
