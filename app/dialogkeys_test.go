package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
)

func TestEscapeAndEnterAnswerTheDialog(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(800, 600))
	t.Cleanup(w.Close)
	c := w.Canvas()
	if dialogKey(c, fyne.KeyEscape) {
		t.Error("Escape without a dialog was used")
	}
	var answers []bool
	ask := func() {
		d := dialog.NewConfirm("Delete 3 users?", "They are removed.", func(ok bool) { answers = append(answers, ok) }, w)
		d.SetConfirmText("Delete (3)")
		d.Show()
	}
	ask()
	if !dialogKey(c, fyne.KeyEscape) || len(answers) != 1 || answers[0] {
		t.Fatalf("Escape: %v", answers)
	}
	if c.Overlays().Top() != nil {
		t.Error("Escape left the dialog open")
	}
	ask()
	if !dialogKey(c, fyne.KeyReturn) || len(answers) != 2 || !answers[1] {
		t.Fatalf("Enter: %v", answers)
	}
	// An information has one button: Enter and Escape both close it.
	dialog.ShowInformation("Saved", "3 letters saved.", w)
	if !dialogKey(c, fyne.KeyEnter) || c.Overlays().Top() != nil {
		t.Error("Enter did not close the information")
	}
	if dialogKey(c, fyne.KeyA) {
		t.Error("another key was used")
	}
}
