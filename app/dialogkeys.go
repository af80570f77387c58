package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// dialogButtons returns the buttons of the dialog on top of the window, or nil
// when no dialog is open. Fyne's dialogs are pop-ups whose content holds the
// buttons in a row of their own; the buttons are found through the containers.
func dialogButtons(c fyne.Canvas) []*widget.Button {
	top, ok := c.Overlays().Top().(*widget.PopUp)
	if !ok {
		return nil
	}
	var out []*widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Visible() && !x.Disabled() {
				out = append(out, x)
			}
		case *fyne.Container:
			for _, child := range x.Objects {
				walk(child)
			}
		}
	}
	if content, ok := top.Content.(*fyne.Container); ok && len(content.Objects) > 3 {
		walk(content.Objects[3]) // the dialog's button row (see fyne's dialog.create)
	}
	return out
}

// dialogKey answers Escape and Enter in a dialog when no field has the focus:
// Escape taps the dialog's first, dismissing button (Cancel, No, Close), Enter its
// main one (the one drawn as important, or the only one). It reports whether the
// key was used.
func dialogKey(c fyne.Canvas, key fyne.KeyName) bool {
	buttons := dialogButtons(c)
	if len(buttons) == 0 {
		return false
	}
	var tap *widget.Button
	switch key {
	case fyne.KeyEscape:
		tap = buttons[0]
	case fyne.KeyReturn, fyne.KeyEnter:
		if len(buttons) == 1 {
			tap = buttons[0]
		}
		for _, b := range buttons {
			if b.Importance == widget.HighImportance || b.Importance == widget.DangerImportance {
				tap = b
			}
		}
	}
	if tap == nil || tap.OnTapped == nil {
		return false
	}
	tap.OnTapped()
	return true
}
