package uikit

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// fileDialogSize is the size of the file dialogs: room for long names.
var fileDialogSize = fyne.NewSize(800, 560)

// AskSavePath asks where to save a file, suggesting name, and calls save with the
// chosen path on the UI goroutine; nothing happens when the admin cancels. The
// dialog's writer is closed without writing, which leaves an existing file as it
// is (the window's file repository replaces files only when written); save writes
// the file itself, whole or not at all.
func AskSavePath(win fyne.Window, name string, extensions []string, save func(path string)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			ShowError(err, win)
			return
		}
		if w == nil {
			return // cancelled
		}
		path := w.URI().Path()
		w.Close()
		save(path)
	}, win)
	d.SetFileName(name)
	if len(extensions) > 0 {
		d.SetFilter(storage.NewExtensionFileFilter(extensions))
	}
	d.Resize(fileDialogSize)
	d.Show()
}

// AskOpenPath asks for a file to open with one of extensions and calls open with
// its path on the UI goroutine; nothing happens when the admin cancels.
func AskOpenPath(win fyne.Window, extensions []string, open func(path string)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			ShowError(err, win)
			return
		}
		if r == nil {
			return // cancelled
		}
		path := r.URI().Path()
		r.Close()
		open(path)
	}, win)
	d.SetFilter(storage.NewExtensionFileFilter(extensions))
	d.Resize(fileDialogSize)
	d.Show()
}
