package screens

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/export"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// ExportScope is what an export of the users screen writes: its filter and sort,
// how many users it shows, and the selected ones.
type ExportScope struct {
	Query    data.UserQuery
	Shown    int
	Selected []string
}

// ExportScope is the users screen's current list and selection.
func (s *UsersScreen) ExportScope() ExportScope {
	return ExportScope{Query: s.query, Shown: s.total, Selected: s.selectedIDs()}
}

// UserExport writes the users list, or its selection, to a CSV or Excel file that
// imports back unchanged (package export), with progress and cancel.
type UserExport struct {
	st  export.Store
	now func() time.Time
	win fyne.Window
	bg  sync.WaitGroup

	// Exported is how many users the last export wrote, to Path.
	Exported int
	Path     string
}

// NewUserExport prepares exports from st in window win; now is the time that
// decides the users' status.
func NewUserExport(st export.Store, now func() time.Time, win fyne.Window) *UserExport {
	return &UserExport{st: st, now: now, win: win}
}

// The format choices, in the dialog's order.
var exportFormats = []struct {
	label  string
	format export.Format
}{
	{resources.Mark("CSV (Excel, UTF-8)"), export.CSV},
	{resources.Mark("Excel workbook (.xlsx)"), export.XLSX},
}

// Ask shows the export options for scope: which users, the format, the keys.
func (e *UserExport) Ask(scope ExportScope) {
	which := widget.NewRadioGroup(nil, nil)
	shown := fmt.Sprintf(lang.L("The %s in the list"), display.PluralOf(scope.Shown, lang.L("user"), lang.L("users")))
	selected := fmt.Sprintf(lang.L("The %s selected"), display.PluralOf(len(scope.Selected), lang.L("user"), lang.L("users")))
	which.Options = []string{shown}
	which.Selected = shown
	if len(scope.Selected) > 0 {
		which.Options = append(which.Options, selected)
		which.Selected = selected
	}
	var labels []string
	for _, f := range exportFormats {
		labels = append(labels, lang.L(f.label))
	}
	format := widget.NewSelect(labels, nil)
	format.SetSelectedIndex(0)
	keys := widget.NewCheck(lang.L("Include the personal keys"), nil)
	keysHint := uikit.Note(lang.L("Anyone with the file can register as these users: keep it safe."))
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Users"), which),
		widget.NewFormItem(lang.L("Format"), format),
		widget.NewFormItem(lang.L("Keys"), container.NewVBox(keys, keysHint)),
	)
	d := dialog.NewCustomConfirm(lang.L("Export users"), lang.L("Export…"), lang.L("Cancel"), form, func(ok bool) {
		if !ok {
			return
		}
		var ids []string
		if which.Selected == selected {
			ids = scope.Selected
		}
		e.askFile(scope.Query, ids, exportFormats[format.SelectedIndex()].format, keys.Checked)
	}, e.win)
	d.Resize(fyne.NewSize(560, 320))
	d.Show()
}

// askFile asks where to save, then exports.
func (e *UserExport) askFile(q data.UserQuery, ids []string, f export.Format, keys bool) {
	uikit.AskSavePath(e.win, "users-"+e.now().Local().Format(time.DateOnly)+"."+string(f), []string{"." + string(f)}, func(path string) {
		e.ExportTo(q, ids, f, keys, path)
	})
}

// ExportTo writes the users of q (only ids, when not nil) to path off the UI
// goroutine, with a progress dialog whose Cancel leaves no file.
func (e *UserExport) ExportTo(q data.UserQuery, ids []string, f export.Format, keys bool, path string) {
	ctx, cancel := context.WithCancel(context.Background())
	bar := widget.NewProgressBar()
	prog := dialog.NewCustomWithoutButtons(lang.L("Exporting users…"), container.NewVBox(bar), e.win)
	prog.SetButtons([]fyne.CanvasObject{&widget.Button{Text: lang.L("Cancel"), OnTapped: cancel}})
	prog.Resize(fyne.NewSize(420, 140))
	prog.Show()
	now := e.now()
	e.bg.Go(func() {
		defer cancel()
		n, err := export.Users(ctx, e.st, q, ids, now, path, f, func(done, total int) {
			uikit.OnUI(func() {
				bar.Max = float64(max(total, 1))
				bar.SetValue(float64(done))
			})
		}, export.WithKeys(keys))
		uikit.OnUI(func() {
			prog.Hide()
			switch {
			case errors.Is(err, context.Canceled):
				dialog.ShowInformation(lang.L("Export users"), lang.L("Cancelled; no file was written."), e.win)
			case err != nil:
				uikit.ShowError(fmt.Errorf(lang.L("No file was written: %w"), err), e.win)
			default:
				e.Exported, e.Path = n, path
				dialog.ShowInformation(lang.L("Export users"), fmt.Sprintf(lang.L("Exported %s to %s."),
					display.PluralOf(n, lang.L("user"), lang.L("users")), path), e.win)
			}
		})
	})
}

// wait blocks until the background work has finished.
func (e *UserExport) wait() { e.bg.Wait() }
