package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// running lists the work in progress that quitting would cut short, in words.
func (m *Main) running() []string {
	var jobs []string
	if m.printing != nil && m.printing.Saving() {
		jobs = append(jobs, lang.L("Letters are being written."))
	}
	if m.imports.Importing() {
		jobs = append(jobs, lang.L("An import is being written."))
	}
	if m.sendingNow.Load() {
		jobs = append(jobs, lang.L("Mails are being sent."))
	}
	if m.syncLine.syncing {
		jobs = append(jobs, lang.L("The sync with the server is running."))
	}
	return jobs
}

// Quit closes Onboard (the File menu, Ctrl+Q and the window's close button). While
// work runs it asks first; quitting then cancels that work and waits until it has
// stopped, so that no partial file and no half import is left.
func (m *Main) Quit() {
	jobs := m.running()
	if len(jobs) == 0 {
		quitApp()
		return
	}
	msg := strings.Join(jobs, "\n") + "\n\n" + lang.L("Quit anyway? Unfinished letters and imports are cancelled and leave nothing behind; mails and sync go on at the next start.")
	askQuit(m.win, msg, m.stopAndQuit)
}

// stopAndQuit cancels the letters and the import being written, waits until they
// have stopped (their files and transactions are cleaned up), then quits.
func (m *Main) stopAndQuit() {
	p := m.printing
	if p != nil {
		p.Cancel()
	}
	m.imports.StopImport()
	go func() {
		if p != nil {
			p.Wait()
		}
		m.imports.Wait()
		onUI(quitApp)
	}()
}

// askQuit asks whether to quit while work runs (msg says which) and calls quit if
// so; tests replace it.
var askQuit = func(win fyne.Window, msg string, quit func()) {
	d := dialog.NewConfirm(lang.L("Quit while work is running?"), msg, func(ok bool) {
		if ok {
			quit()
		}
	}, win)
	d.SetConfirmText(lang.L("Quit anyway"))
	d.SetConfirmImportance(widget.DangerImportance)
	d.SetDismissText(lang.L("Keep working"))
	d.Show()
}

// quitApp ends the application; tests replace it.
var quitApp = func() { fyne.CurrentApp().Quit() }
