// Package uikit holds the small pieces every screen of Onboard uses: labels, table
// headers, the searchable multi-select, tooltips, the "why is this off" line, the
// operator's permissions, and OnUI, through which background work hands its results
// to the UI goroutine.
package uikit

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// OnUI runs f on the UI goroutine; background work applies its results through it.
// Tests replace it: Fyne's test driver runs fyne.Do on the calling goroutine, so
// results of two background loads would otherwise touch widgets at the same time.
var OnUI = fyne.Do

// Heading is a screen's title.
func Heading(text string) *widget.Label {
	return &widget.Label{Text: text, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameHeadingText}
}

// ShowError shows err as a dialog an admin can read.
func ShowError(err error, win fyne.Window) {
	if win != nil {
		dialog.ShowError(err, win)
	}
}

// CopyText puts text on the clipboard.
func CopyText(text string) { fyne.CurrentApp().Clipboard().SetContent(text) }

// TableColumn is the header of one column of a table: its title, its width, and
// whether it holds numbers (aligned right).
type TableColumn struct {
	Title   string
	Width   float32
	Numeric bool
}

// Col is a column of text titled title, width wide.
func Col(title string, width float32) TableColumn { return TableColumn{Title: title, Width: width} }

// NumCol is a column of numbers (aligned right) titled title, width wide.
func NumCol(title string, width float32) TableColumn {
	return TableColumn{Title: title, Width: width, Numeric: true}
}

// SetHeader gives t a bold header row with the titles of cols and their widths,
// and hides the row header.
func SetHeader(t *widget.Table, cols []TableColumn) {
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject { return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}} }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 {
			l := o.(*widget.Label)
			l.Alignment = fyne.TextAlignLeading
			if cols[id.Col].Numeric {
				l.Alignment = fyne.TextAlignTrailing
			}
			l.SetText(cols[id.Col].Title)
		}
	}
	for i, c := range cols {
		t.SetColumnWidth(i, c.Width)
	}
}
