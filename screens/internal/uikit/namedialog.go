package uikit

import (
	"context"
	"errors"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/lifecycle"
)

// AskName asks for a name (of a unit, group or role). save runs off the UI
// goroutine on bg; its validation message shows under the field and keeps the
// dialog open; after a save that worked the dialog closes and done runs. It returns
// the field and the message label (tests type into them).
func AskName(win fyne.Window, bg *sync.WaitGroup, title, current string, save func(context.Context, string) error, done func()) (*widget.Entry, *widget.Label) {
	entry := widget.NewEntry()
	entry.SetText(current)
	msg := DangerLabel()
	var d *dialog.CustomDialog
	ok := &widget.Button{Text: "Save", Importance: widget.HighImportance}
	ok.OnTapped = func() {
		name := entry.Text
		bg.Go(func() {
			err := save(context.Background(), name)
			OnUI(func() {
				var ve *lifecycle.ValidationError
				switch {
				case errors.As(err, &ve):
					msg.SetText(ve.Field("name"))
				case err != nil:
					ShowError(err, win)
				default:
					d.Hide()
					done()
				}
			})
		})
	}
	entry.OnSubmitted = func(string) { ok.OnTapped() }
	d = dialog.NewCustomWithoutButtons(title, container.NewVBox(widget.NewLabel("Name"), entry, msg), win)
	d.SetButtons([]fyne.CanvasObject{&widget.Button{Text: "Cancel", OnTapped: func() { d.Hide() }}, ok})
	d.Resize(fyne.NewSize(420, 200))
	d.Show()
	win.Canvas().Focus(entry)
	return entry, msg
}
