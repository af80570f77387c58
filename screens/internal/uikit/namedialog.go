package uikit

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/lifecycle"
	"onboard/internal/settings"
)

// AskName asks for a name (of a unit, group or role). save runs off the UI
// goroutine on bg; its validation message shows under the field and keeps the
// dialog open; after a save that worked the dialog closes and done runs. It returns
// the field and the message label (tests type into them).
func AskName(win fyne.Window, bg *sync.WaitGroup, title, current string, save func(context.Context, string) error, done func()) (*widget.Entry, *widget.Label) {
	return AskText(win, bg, title, lang.L("Name"), "", current, save, done)
}

// ErrEmpty is what AskText's save returns for a value that must not be empty: the
// dialog then says "<label> must not be empty." under the field.
var ErrEmpty = errors.New("must not be empty")

// AskText is AskName for any one-line value: label names the field, note (if not
// "") explains above it why it is asked. ErrEmpty and a refusal of the settings (a
// *settings.Error) show under the field like a validation message; the settings'
// reason is English (it comes from internal/settings, which the command line shares).
func AskText(win fyne.Window, bg *sync.WaitGroup, title, label, note, current string, save func(context.Context, string) error, done func()) (*widget.Entry, *widget.Label) {
	entry := widget.NewEntry()
	entry.SetText(current)
	msg := DangerLabel()
	var d *dialog.CustomDialog
	ok := &widget.Button{Text: lang.L("Save"), Importance: widget.HighImportance}
	ok.OnTapped = func() {
		text := entry.Text
		bg.Go(func() {
			err := save(context.Background(), text)
			OnUI(func() {
				var ve *lifecycle.ValidationError
				var se *settings.Error
				switch {
				case errors.Is(err, ErrEmpty):
					msg.SetText(fmt.Sprintf(lang.L("%s must not be empty."), label))
				case errors.As(err, &ve):
					msg.SetText(ve.Field("name"))
				case errors.As(err, &se):
					msg.SetText(fmt.Sprintf("%s %s.", label, se.Err))
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
	box := container.NewVBox(widget.NewLabel(label), entry, msg)
	if note != "" {
		box.Objects = append([]fyne.CanvasObject{&widget.Label{Text: note, Wrapping: fyne.TextWrapWord}}, box.Objects...)
	}
	d = dialog.NewCustomWithoutButtons(title, box, win)
	d.SetButtons([]fyne.CanvasObject{&widget.Button{Text: lang.L("Cancel"), OnTapped: func() { d.Hide() }}, ok})
	d.Resize(fyne.NewSize(460, 200))
	d.Show()
	win.Canvas().Focus(entry)
	return entry, msg
}
