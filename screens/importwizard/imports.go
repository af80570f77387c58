// Package importwizard is the Imports screen: the list of past imports and the wizard
// that brings a user list in (file, read, columns, check, conflicts, options, import).
package importwizard

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/importer"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// ImportStore is what the imports screen and the import wizard read: the catalog,
// the users a file may collide with, the settings and the past imports.
type ImportStore interface {
	importer.Users
	settings.Store // the organization name and mail server, checked before inviting
	Imports(ctx context.Context) ([]data.Import, error)
	// AuditEventUsers finds the users a past import created (its batch event).
	AuditEventUsers(ctx context.Context, events []data.AuditEvent, limit int) (map[string]data.AuditUsers, error)
}

// ImportService is what the import wizard writes through.
type ImportService interface {
	importer.Writer
	Now() time.Time
	ValidDays(ctx context.Context, days int) (int, error)
}

// importColumns are the columns of the list of past imports; their titles are
// translated where they are shown (importHeaders).
var importColumns = []uikit.TableColumn{
	uikit.Col(resources.Mark("File"), 240),
	uikit.Col(resources.Mark("When"), 150),
	uikit.Col(resources.Mark("By"), 120),
	uikit.NumCol(resources.Mark("Rows"), 80),
	uikit.NumCol(resources.Mark("Created"), 80),
	uikit.NumCol(resources.Mark("Updated"), 110), // "Aktualisiert"
	uikit.NumCol(resources.Mark("Skipped"), 110), // "Übersprungen"
	uikit.NumCol(resources.Mark("Failed"), 120),  // "Fehlgeschlagen"
	uikit.Col(resources.Mark("Not in the file"), 150),
}

// importHeaders are importColumns with their titles in the window's language.
func importHeaders() []uikit.TableColumn {
	out := make([]uikit.TableColumn, len(importColumns))
	for i, c := range importColumns {
		c.Title = lang.L(c.Title)
		out[i] = c
	}
	return out
}

// ImportsScreen lists the past imports and starts the import wizard, the bulk
// invite and the saving of a sample file.
type ImportsScreen struct {
	store   ImportStore
	svc     ImportService
	win     fyne.Window
	bg      sync.WaitGroup
	imports []data.Import

	table   *widget.Table
	empty   *widget.Label
	status  *widget.Label
	content fyne.CanvasObject

	wizard *importWizard // the open wizard; nil when none is open

	perms     uikit.Permissions
	importBtn *uikit.Permitted // "Import from file…": bulk-invite
	inviteBtn *uikit.Permitted // "Invite by email…": bulk-invite
	undoBtn   *uikit.Permitted // "Undo last import…": bulk-invite
	permNote  *widget.Label
	frame     *fyne.Container // the screen; laid out again when the note shows

	// OnBulkInvite opens the invite-by-email dialog.
	OnBulkInvite func()
	// OnPrintLetters prints registration letters for users an import created or updated.
	OnPrintLetters func(userIDs []string)
	// OnImported, if set, is called after an import was stored; invited says that
	// invitation mails were queued (the window wakes the sender).
	OnImported func(invited bool)
	// OnUndone, if set, is called after the last import was undone (every screen
	// reads its data again).
	OnUndone func()
}

// NewImportsScreen builds the imports screen for window win; call Reload to fill it.
func NewImportsScreen(store ImportStore, svc ImportService, win fyne.Window) *ImportsScreen {
	s := &ImportsScreen{store: store, svc: svc, win: win}
	s.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(s.imports), len(importColumns) },
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			l.Alignment = fyne.TextAlignLeading
			if importColumns[id.Col].Numeric {
				l.Alignment = fyne.TextAlignTrailing
			}
			l.SetText(s.cell(id.Row, id.Col))
		},
	)
	uikit.SetHeader(s.table, importHeaders())
	s.table.OnSelected = func(id widget.TableCellID) {
		s.table.UnselectAll()
		if id.Row >= 0 && id.Row < len(s.imports) {
			s.ShowImport(s.imports[id.Row])
		}
	}
	s.empty = &widget.Label{
		Text:      lang.L("No imports yet. Import from file reads a CSV, TSV or Excel list of users."),
		Alignment: fyne.TextAlignCenter,
	}
	s.empty.Hide()
	s.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.status.Hide()
	s.importBtn = uikit.NewPermitted(syncapi.PermBulkInvite,
		&widget.Button{Text: lang.L("Import from file…"), Importance: widget.HighImportance, OnTapped: s.OpenWizard})
	s.inviteBtn = uikit.NewPermitted(syncapi.PermBulkInvite, &widget.Button{Text: lang.L("Invite by email…"), OnTapped: func() {
		if s.OnBulkInvite != nil && !uikit.Refused(s.perms, syncapi.PermBulkInvite, lang.L("Invite by email"), s.win) {
			s.OnBulkInvite()
		}
	}})
	s.undoBtn = uikit.NewPermitted(syncapi.PermBulkInvite, s.undoButton())
	s.permNote = uikit.HintLabel()
	sample := &widget.Button{Text: lang.L("Save sample file…"), OnTapped: s.askSampleFile}
	top := container.NewVBox(
		container.NewBorder(nil, nil, uikit.Heading(lang.L("Imports")), container.NewHBox(sample, s.undoBtn.Tip, s.inviteBtn.Tip, s.importBtn.Tip)),
		s.permNote,
		&widget.Label{
			Text: lang.L("Import users from a CSV, TSV or Excel (.xlsx) file, or drop the file on this window. " +
				"Every import is listed here. The sample file shows the columns Onboard understands."),
			Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance,
		},
		s.status,
		uikit.BoldLabel(lang.L("Past imports")),
	)
	s.frame = container.NewBorder(top, nil, nil, nil, container.NewStack(s.table, container.NewCenter(s.empty)))
	s.content = s.frame
	return s
}

// Content is the screen's root object.
func (s *ImportsScreen) Content() fyne.CanvasObject { return s.content }

// SetPermissions enables importing and inviting by email when the operator may
// invite many users at once; otherwise a tooltip and a note say why they are off.
func (s *ImportsScreen) SetPermissions(p uikit.Permissions) {
	s.perms = p
	if s.wizard != nil {
		s.wizard.setPermissions(p)
	}
	s.importBtn.Apply(p)
	s.inviteBtn.Apply(p)
	s.undoBtn.Apply(p)
	uikit.SetHint(s.permNote, uikit.PermissionHint(p, s.inviteBtn, s.importBtn), s.frame)
}

// cell is the text of a cell of the list.
func (s *ImportsScreen) cell(row, col int) string {
	if row >= len(s.imports) {
		return ""
	}
	im := &s.imports[row]
	switch col {
	case 0:
		return im.FileName
	case 1:
		return display.Time(&im.At)
	case 2:
		return im.Actor
	case 3:
		return display.Count(im.Rows)
	case 4:
		return display.Count(im.Created)
	case 5:
		return display.Count(im.Updated)
	case 6:
		return display.Count(im.Skipped)
	case 7:
		return display.Count(im.Failed)
	}
	return absentCell(im)
}

// Reload reads the past imports again, newest first.
func (s *ImportsScreen) Reload() {
	var list []data.Import
	s.bg.Go(func() {
		var err error
		list, err = s.store.Imports(context.Background())
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, s.win)
				return
			}
			s.imports = list
			if len(list) == 0 {
				s.table.Hide()
				s.empty.Show()
			} else {
				s.empty.Hide()
				s.table.Show()
			}
			s.table.Refresh()
		})
	})
}

// OpenWizard opens the import wizard (one at a time).
func (s *ImportsScreen) OpenWizard() {
	if s.wizard != nil || uikit.Refused(s.perms, syncapi.PermBulkInvite, lang.L("Import"), s.win) {
		return
	}
	s.wizard = newImportWizard(s.store, s.svc, s.win)
	s.wizard.perms = s.perms
	s.wizard.onPrintLetters = func(ids []string) {
		if s.OnPrintLetters != nil {
			s.OnPrintLetters(ids)
		}
	}
	s.wizard.canPrintLetters = func() bool { return s.OnPrintLetters != nil }
	s.wizard.onSample = s.askSampleFile
	s.wizard.onImported = func(invited bool) {
		if s.OnImported != nil {
			s.OnImported(invited)
		}
	}
	s.wizard.onClosed = func(imported bool) {
		s.wizard = nil
		if imported {
			s.Reload()
		}
	}
	s.wizard.show()
}

// ImportFile opens the import wizard on the file at path (from the command line).
func (s *ImportsScreen) ImportFile(path string) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	s.Dropped([]fyne.URI{storage.NewFileURI(path)})
}

// Dropped takes files dropped on the window: the first one goes into the import
// wizard, which opens when it is not open yet. It reports whether it took a file.
func (s *ImportsScreen) Dropped(uris []fyne.URI) bool {
	for _, u := range uris {
		if u == nil || u.Scheme() != "file" {
			continue
		}
		if s.wizard == nil {
			if s.OpenWizard(); s.wizard == nil {
				return false // the operator may not import
			}
		}
		return s.wizard.dropped(u.Path())
	}
	return false
}

// WizardOpen reports whether the import wizard is open.
func (s *ImportsScreen) WizardOpen() bool { return s.wizard != nil }

// askSampleFile asks where to save the sample file; the extension the admin types
// (.csv or .xlsx) decides its format.
func (s *ImportsScreen) askSampleFile() {
	d := dialog.NewFileSave(s.saveSample, s.win)
	d.SetFileName("onboard-sample.xlsx")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".xlsx", ".csv"}))
	d.Show()
}

// saveSample writes the sample file to w (from the save dialog): Excel for a name
// ending in .xlsx, else CSV.
func (s *ImportsScreen) saveSample(w fyne.URIWriteCloser, err error) {
	if err != nil {
		uikit.ShowError(err, s.win)
		return
	}
	if w == nil {
		return // cancelled
	}
	name := w.URI().Name()
	xlsx := strings.EqualFold(filepath.Ext(name), ".xlsx")
	s.status.SetText(lang.L("Saving the sample file…"))
	s.status.Show()
	s.bg.Go(func() {
		err := writeSample(w, xlsx)
		uikit.OnUI(func() {
			if err != nil {
				s.status.Hide()
				uikit.ShowError(fmt.Errorf(lang.L("could not save the sample file %s: %w"), name, err), s.win)
				return
			}
			saved := lang.L("Saved the sample CSV file as %s. Fill it in and import it with Import from file.")
			if xlsx {
				saved = lang.L("Saved the sample Excel file with an explanation sheet as %s. Fill it in and import it with Import from file.")
			}
			s.status.SetText(fmt.Sprintf(saved, w.URI().Path()))
		})
	})
}

// writeSample writes the template and closes w.
func writeSample(w io.WriteCloser, xlsx bool) error {
	var err error
	if xlsx {
		err = importer.WriteTemplateXLSX(w)
	} else {
		err = importer.WriteTemplateCSV(w)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// Wait blocks until the screen's and the open wizard's background work has finished.
func (s *ImportsScreen) Wait() {
	s.bg.Wait()
	if s.wizard != nil {
		s.wizard.wait()
	}
}

// Importing reports whether an import is being written.
func (s *ImportsScreen) Importing() bool { return s.wizard != nil && s.wizard.importing }

// StopImport cancels the import being written (nothing of it is kept); Wait
// returns once it has stopped.
func (s *ImportsScreen) StopImport() {
	if s.wizard != nil && s.wizard.importCancel != nil {
		s.wizard.importCancel()
	}
}
