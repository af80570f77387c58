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
