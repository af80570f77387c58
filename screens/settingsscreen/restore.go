package settingsscreen

import (
	"context"
	"fmt"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/screens/internal/uikit"
)

// Restorer is the store a restore replaces.
type Restorer interface {
	Restore(ctx context.Context, src string) (savedAs string, err error)
	Path() string
}

// RestoreDialog restores the open database from a backup file, as `onboard restore`
// does: the file is checked first, the admin is asked with what it holds, and the
// current content is kept in a file beside the database.
type RestoreDialog struct {
	db  Restorer
	win fyne.Window
	bg  sync.WaitGroup

	// OnRestored, if set, runs on the UI goroutine after a restore (the screens
	// read the new content).
	OnRestored func()

	// SavedAs is where the content before the last restore was kept.
	SavedAs string
}

// NewRestoreDialog prepares restores of db in window win.
func NewRestoreDialog(db Restorer, win fyne.Window) *RestoreDialog {
	return &RestoreDialog{db: db, win: win}
}

// Ask lets the admin choose the backup file, then restores from it.
func (r *RestoreDialog) Ask() {
	uikit.AskOpenPath(r.win, []string{".db"}, r.From)
}

// From checks the backup at path off the UI goroutine and asks before restoring it.
func (r *RestoreDialog) From(path string) {
	r.bg.Go(func() {
		info, err := data.CheckBackup(path)
		uikit.OnUI(func() {
			if err != nil {
				dialog.ShowError(fmt.Errorf(lang.L("Cannot restore from this file: %w"), err), r.win)
				return
			}
			r.confirm(path, info)
		})
	})
}

// confirm asks before replacing the content with the backup's.
func (r *RestoreDialog) confirm(path string, info data.BackupInfo) {
	msg := fmt.Sprintf(lang.L("Replace everything in this database with the backup?\n\nBackup: %s\n%s, saved %s.\n\nThe current content is kept in a file beside the database first."),
		path, display.PluralOf(info.Users, lang.L("user"), lang.L("users")), display.Time(&info.Modified))
	d := dialog.NewConfirm(lang.L("Restore from backup"), msg, func(ok bool) {
		if ok {
			r.restore(path)
		}
	}, r.win)
	d.SetConfirmText(lang.L("Restore"))
	d.SetConfirmImportance(widget.DangerImportance)
	d.SetDismissText(lang.L("Cancel"))
	d.Show()
}

// restore replaces the content off the UI goroutine with a progress dialog.
func (r *RestoreDialog) restore(path string) {
	bar := widget.NewProgressBarInfinite()
	prog := dialog.NewCustomWithoutButtons(lang.L("Restoring…"), bar, r.win)
	prog.Show()
	r.bg.Go(func() {
		saved, err := r.db.Restore(context.Background(), path)
		uikit.OnUI(func() {
			bar.Stop()
			prog.Hide()
			if err != nil {
				dialog.ShowError(err, r.win)
				return
			}
			r.SavedAs = saved
			dialog.ShowInformation(lang.L("Restored"),
				fmt.Sprintf(lang.L("Restored from %s.\nThe previous content is kept in %s."), path, saved), r.win)
			if r.OnRestored != nil {
				r.OnRestored()
			}
		})
	})
}

// wait blocks until the background work has finished.
func (r *RestoreDialog) wait() { r.bg.Wait() }

// BackUp asks where to save a backup of the database, then saves it.
func (s *Screen) BackUp() { s.onBackup() }
