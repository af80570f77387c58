package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// onUI runs f on the UI goroutine; background work applies its results through it.
// Tests replace it: Fyne's test driver runs fyne.Do on the calling goroutine, so
// results of two background loads would otherwise touch widgets at the same time.
var onUI = fyne.Do

// heading is a screen's title.
func heading(text string) *widget.Label {
	return &widget.Label{Text: text, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameHeadingText}
}

// showError shows err as a dialog an admin can read.
func showError(err error, win fyne.Window) {
	if win != nil {
		dialog.ShowError(err, win)
	}
}

// copyText puts text on the clipboard.
func copyText(text string) { fyne.CurrentApp().Clipboard().SetContent(text) }

// SetOnUI replaces how background work hands its results to the UI goroutine
// (fyne.Do). Tests of the window use it to run those results on the test goroutine.
func SetOnUI(f func(func())) { onUI = f }

// tableColumn is the header of one column of a table: its title, its width, and
// whether it holds numbers (aligned right).
type tableColumn struct {
	title   string
	width   float32
	numeric bool
}

// setHeader gives t a bold header row with the titles of cols and their widths,
// and hides the row header.
func setHeader(t *widget.Table, cols []tableColumn) {
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject { return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}} }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 {
			l := o.(*widget.Label)
			l.Alignment = fyne.TextAlignLeading
			if cols[id.Col].numeric {
				l.Alignment = fyne.TextAlignTrailing
			}
			l.SetText(cols[id.Col].title)
		}
	}
	for i, c := range cols {
		t.SetColumnWidth(i, c.width)
	}
}
