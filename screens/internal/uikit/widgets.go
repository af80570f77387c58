package uikit

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"onboard/data"
	"onboard/internal/display"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// SetEnabled enables or disables a widget.
func SetEnabled(d fyne.Disableable, on bool) {
	if on {
		d.Enable()
	} else {
		d.Disable()
	}
}

// SetVisible shows or hides o.
func SetVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// NameOf is the name of the unit, group or role with ID id in list, "" when none has it.
func NameOf[T data.Unit | data.Group | data.Role](list []T, id string) string {
	for _, x := range list {
		switch v := any(x).(type) {
		case data.Unit:
			if v.ID == id {
				return v.Name
			}
		case data.Group:
			if v.ID == id {
				return v.Name
			}
		case data.Role:
			if v.ID == id {
				return v.Name
			}
		}
	}
	return ""
}

// DangerLabel is an empty, wrapping label in the danger colour (for messages).
func DangerLabel() *widget.Label {
	return &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
}

// SetSelectQuietly sets a select's options and choice without calling OnChanged.
func SetSelectQuietly(s *widget.Select, options []string, selected string) {
	on := s.OnChanged
	s.OnChanged = nil
	s.SetOptions(options)
	if selected == "" {
		s.ClearSelected()
	} else {
		s.SetSelected(selected)
	}
	s.OnChanged = on
}

// SetRadioQuietly chooses an option of a radio group without calling OnChanged.
func SetRadioQuietly(r *widget.RadioGroup, selected string) {
	on := r.OnChanged
	r.OnChanged = nil
	r.SetSelected(selected)
	r.OnChanged = on
}

// NewTextTable is a read-only table of labels with a header row of titles.
func NewTextTable(header func() []string, rows func() int, cell func(row, col int) string) *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return rows(), len(header()) },
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(cell(id.Row, id.Col)) },
	)
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if h := header(); id.Row < 0 && id.Col >= 0 && id.Col < len(h) {
			o.(*widget.Label).SetText(h[id.Col])
		}
	}
	return t
}

// Capitalize writes the first letter of s in upper case.
func Capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// BoldLabel is a label in bold.
func BoldLabel(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// Names maps list to the names name gives its entries.
func Names[T any](list []T, name func(T) string) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = name(x)
	}
	return out
}

// IDByName finds the ID of the entry named name, "" when there is none (the "All …"
// option).
func IDByName[T any](list []T, name string, idAndName func(T) (string, string)) string {
	for _, x := range list {
		if id, n := idAndName(x); n == name {
			return id
		}
	}
	return ""
}

// NamesOf returns the names of the entries with the given IDs.
func NamesOf[T data.Unit | data.Group | data.Role](list []T, ids []string) []string {
	var out []string
	for _, id := range ids {
		if n := NameOf(list, id); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// IDsOf returns the IDs of the units or groups with the given names.
func IDsOf[T data.Unit | data.Group](list []T, chosen []string) []string {
	var out []string
	for _, x := range list {
		var id, name string
		switch v := any(x).(type) {
		case data.Unit:
			id, name = v.ID, v.Name
		case data.Group:
			id, name = v.ID, v.Name
		}
		if slices.Contains(chosen, name) {
			out = append(out, id)
		}
	}
	return out
}

// CountOption is a filter option with its live count: "Invited (402)".
func CountOption(label string, n int) string { return fmt.Sprintf("%s (%s)", label, display.Count(n)) }

// SetCountOptions offers "All … (n)" (allLabel) and each state with its count in
// sel, choosing chosen (or All when chosen is none of them), without calling
// OnChanged. It returns the count of all states.
func SetCountOptions[T comparable](sel *widget.Select, allLabel string, states []T, label func(T) string, counts map[T]int, chosen T) int {
	all, opts, current := 0, []string{""}, ""
	for _, st := range states {
		all += counts[st]
		o := CountOption(label(st), counts[st])
		opts = append(opts, o)
		if st == chosen {
			current = o
		}
	}
	opts[0] = CountOption(allLabel, all)
	if current == "" {
		current = opts[0]
	}
	SetSelectQuietly(sel, opts, current)
	return all
}

// WithMinHeight stacks o on a transparent box h high, so it is never shorter.
func WithMinHeight(o fyne.CanvasObject, h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, h))
	return container.NewStack(r, o)
}

// ShowMenuBelow opens a pop-up menu of items just below anchor (a row's ⋯ button).
func ShowMenuBelow(win fyne.Window, anchor fyne.CanvasObject, items []*fyne.MenuItem) {
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(anchor)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), win.Canvas(), pos.Add(fyne.NewPos(0, anchor.Size().Height)))
}

// Note is a helper text: low importance, wrapped at word boundaries, so that a long
// explanation never widens its form.
func Note(text string) *widget.Label {
	return &widget.Label{Text: text, Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
}
