package importwizard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/importer"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/internal/tabular"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// The wizard's steps, in order.
const (
	stepFile = iota
	stepRead
	stepColumns
	stepCheck
	stepConflicts
	stepOptions
	stepImport
	numSteps
)

// stepNames are the titles of the steps in the step indicator, translated where
// they are shown.
var stepNames = [numSteps]string{
	resources.Mark("File"), resources.Mark("Read"), resources.Mark("Columns"), resources.Mark("Check"),
	resources.Mark("Conflicts"), resources.Mark("Options"), resources.Mark("Import"),
}

// importWizard is the import dialog: choose a file, see how it is read, map its
// columns, check every row, resolve conflicts, choose the batch options, import.
// Its state is touched on the UI goroutine only; reading, checking and importing
// run in goroutines that hand their results back through uikit.OnUI, and a newer run
// makes the result of an older one void (the uikit.Loaders).
type importWizard struct {
	store ImportStore
	svc   ImportService
	win   fyne.Window
	perms uikit.Permissions // what the operator may do (the Imports screen's)
	bg    sync.WaitGroup

	// catalog, read when the wizard opens
	roles       []data.Role
	units       []data.Unit
	groups      []data.Group
	defaultDays int
	catalogErr  error
	catalogDone bool

	// the file
	path       string
	opt        tabular.Options
	hasHeader  bool
	detected   tabular.Info // what was detected with no overrides
	src        *importer.Source
	loading    bool
	fileLoad   *uikit.Loader // reads the file; a newer read makes an older one stale
	loadCancel context.CancelFunc
	advance    bool // go on to the Read step once the file is read

	// the mapping and the check
	mapping      importer.Mapping
	settings     importer.Settings
	profile      *importer.Profile // saved for the file's column titles; nil when none
	modeChosen   bool              // the operator chose what the import does: a saved profile does not change it
	plan         *importer.Plan
	stale        bool // settings changed since plan was made
	checking     bool
	checkLoad    *uikit.Loader // checks the rows; a newer check makes an older one stale
	checkCancel  context.CancelFunc
	checkErr     error
	pendingCheck bool // a check waits for the catalog
	presetDone   bool // role and unit presets were applied
	validDaysOK  bool

	// the import
	importing    bool
	importCancel context.CancelFunc
	report       *importer.Report
	imported     bool

	step int
	dlg  *dialog.CustomDialog

	indicator *widget.RichText
	pages     [numSteps]fyne.CanvasObject
	body      *fyne.Container
	backBtn   *widget.Button
	nextBtn   *widget.Button
	cancelBtn *widget.Button
	bottom    *fyne.Container

	file      *fileStep
	read      *readStep
	columns   *columnsStep
	check     *checkStep
	conflicts *conflictsStep
	options   *optionsStep
	commit    *commitStep

	onClosed        func(imported bool)
	onImported      func(invited bool) // after the import is stored; invited: invitations were queued
	onPrintLetters  func(userIDs []string)
	canPrintLetters func() bool
	onSample        func()
}

// newImportWizard builds the wizard; show opens it.
func newImportWizard(store ImportStore, svc ImportService, win fyne.Window) *importWizard {
	w := &importWizard{
		store: store, svc: svc, win: win, hasHeader: true, validDaysOK: true,
		defaultDays: settings.DefaultValidDays,
	}
	w.fileLoad, w.checkLoad = uikit.NewLoader(&w.bg), uikit.NewLoader(&w.bg)
	w.indicator = widget.NewRichText()
	w.file = newFileStep(w)
	w.read = newReadStep(w)
	w.columns = newColumnsStep(w)
	w.check = newCheckStep(w)
	w.conflicts = newConflictsStep(w)
	w.options = newOptionsStep(w)
	w.commit = newCommitStep(w)
	w.pages = [numSteps]fyne.CanvasObject{
		w.file.content, w.read.content, w.columns.content, w.check.content,
		w.conflicts.content, w.options.content, w.commit.content,
	}
	w.body = container.NewStack(w.pages[:]...)
	w.backBtn = &widget.Button{Text: lang.L("Back"), Icon: theme.NavigateBackIcon(), OnTapped: w.back}
	w.nextBtn = &widget.Button{
		Text: lang.L("Next"), Icon: theme.NavigateNextIcon(), IconPlacement: widget.ButtonIconTrailingText,
		Importance: widget.HighImportance, OnTapped: w.next,
	}
	w.cancelBtn = &widget.Button{Text: lang.L("Cancel"), OnTapped: w.cancel}
	bar := container.NewBorder(nil, nil, w.cancelBtn, container.NewHBox(w.backBtn, w.nextBtn))
	w.bottom = container.NewVBox(widget.NewSeparator(), bar)
	content := container.NewBorder(container.NewVBox(w.indicator, widget.NewSeparator()), w.bottom, nil, nil, w.body)
	w.dlg = dialog.NewCustomWithoutButtons(lang.L("Import users"), content, win)
	w.loadCatalog()
	w.goTo(stepFile)
	return w
}

// show opens the dialog, almost as large as the window.
func (w *importWizard) show() {
	size := w.win.Canvas().Size()
	w.dlg.Resize(fyne.NewSize(max(size.Width-60, 900), max(size.Height-40, 640)))
	w.dlg.Show()
}

// close shuts the dialog and stops what still runs.
func (w *importWizard) close() {
	if w.loadCancel != nil {
		w.loadCancel()
	}
	if w.checkCancel != nil {
		w.checkCancel()
	}
	w.fileLoad.Next()
	w.checkLoad.Next()
	w.dlg.Hide()
	if w.onClosed != nil {
		w.onClosed(w.imported)
		w.onClosed = nil
	}
}

// cancel is the Cancel button: it stops a running import (which leaves the
// database unchanged), or closes the wizard.
func (w *importWizard) cancel() {
	if w.importing {
		w.importCancel()
		return
	}
	w.close()
}

// wait blocks until background work started so far has finished.
func (w *importWizard) wait() { w.bg.Wait() }

// loadCatalog reads the roles, units, groups and the default validity.
func (w *importWizard) loadCatalog() {
	var roles []data.Role
	var units []data.Unit
	var groups []data.Group
	days := settings.DefaultValidDays
	w.bg.Go(func() {
		ctx := context.Background()
		var err error
		if roles, err = w.store.Roles(ctx); err == nil {
			if units, err = w.store.Units(ctx); err == nil {
				if groups, err = w.store.Groups(ctx); err == nil {
					days, err = w.svc.ValidDays(ctx, 0)
				}
			}
		}
		uikit.OnUI(func() {
			w.roles, w.units, w.groups, w.catalogErr, w.catalogDone = roles, units, groups, err, true
			if err == nil {
				w.defaultDays = days
			}
			w.options.fillCatalog()
			if w.pendingCheck {
				w.pendingCheck = false
				w.runCheck()
			}
		})
	})
}

// goTo shows step s.
func (w *importWizard) goTo(s int) {
	w.step = s
	for i, p := range w.pages {
		if i == s {
			p.Show()
		} else {
			p.Hide()
		}
	}
	switch s {
	case stepRead:
		w.read.refresh()
	case stepColumns:
		w.columns.refresh()
	case stepCheck:
		if w.stale || w.plan == nil {
			w.runCheck()
		}
		w.check.refresh()
	case stepConflicts:
		w.conflicts.refresh()
	case stepOptions:
		w.options.refresh()
	case stepImport:
		w.commit.showConfirm()
	}
	w.updateIndicator()
	w.updateButtons()
}

// hasConflicts reports whether the checked rows collide with users or each other.
func (w *importWizard) hasConflicts() bool {
	return w.plan != nil && w.plan.Counts.Conflicts+w.plan.Counts.Duplicates > 0
}

// next is the Next (or Import) button.
func (w *importWizard) next() {
	switch w.step {
	case stepColumns:
		if !slices.Equal(w.settings.Mapping, w.mapping) {
			w.settings.Mapping = append(importer.Mapping(nil), w.mapping...)
			w.stale = true
		}
		w.goTo(stepCheck)
	case stepCheck:
		if w.hasConflicts() {
			w.goTo(stepConflicts)
		} else {
			w.goTo(stepOptions)
		}
	case stepImport:
		w.confirmDelete(func() {
			if w.settings.Invite { // the mails need the organization's name and a mail server
				uikit.CheckBeforeSending(w.win, &w.bg, w.store, true, w.commit.start, nil)
			} else {
				w.commit.start()
			}
		})
	default:
		w.goTo(w.step + 1)
	}
}

// back is the Back button.
func (w *importWizard) back() {
	switch w.step {
	case stepOptions:
		if w.hasConflicts() {
			w.goTo(stepConflicts)
		} else {
			w.goTo(stepCheck)
		}
	case stepFile:
	default:
		w.goTo(w.step - 1)
	}
}

// updateButtons enables and labels Back, Next and Cancel for the step and state.
func (w *importWizard) updateButtons() {
	w.nextBtn.SetText(lang.L("Next"))
	w.nextBtn.SetIcon(theme.NavigateNextIcon())
	if w.step == stepImport {
		w.nextBtn.SetText(lang.L("Import"))
		w.nextBtn.SetIcon(theme.UploadIcon())
	}
	uikit.SetEnabled(w.nextBtn, w.canGoOn())
	uikit.SetEnabled(w.backBtn, w.step > stepFile && !w.importing)
	w.cancelBtn.SetText(lang.L("Cancel"))
	switch {
	case w.importing:
		w.cancelBtn.SetText(lang.L("Cancel import"))
	case w.report != nil:
		w.cancelBtn.SetText(lang.L("Close"))
	}
	// After the import only Done (on the report) and Close remain.
	done := w.report != nil || w.importing
	uikit.SetVisible(w.nextBtn, !done)
	uikit.SetVisible(w.backBtn, !done)
	uikit.SetVisible(w.bottom, w.report == nil) // the report has its own buttons
}

// canGoOn reports whether the current step is complete, so Next (or Import) may run.
func (w *importWizard) canGoOn() bool {
	ready := w.plan != nil && !w.checking && !w.stale
	switch w.step {
	case stepFile, stepRead:
		return w.src != nil && !w.loading && len(w.src.Rows) > 0
	case stepColumns:
		return w.src != nil && !w.loading && len(w.mapping.Problems(w.src.Header)) == 0
	case stepCheck, stepConflicts:
		return ready
	case stepOptions:
		return ready && w.validDaysOK && w.plan.Missing() == "" && w.refusedNew() == ""
	case stepImport:
		return ready && w.plan.Counts.Create+w.plan.Counts.Update > 0 && !w.importing && w.report == nil
	}
	return false
}

// setPermissions takes what the operator may do now (sync learned it anew):
// whether the file's new units and groups may be imported.
func (w *importWizard) setPermissions(p uikit.Permissions) {
	w.perms = p
	w.options.showWhy()
	w.updateButtons()
}

// refusedNew says why the operator may not import the plan's new units or groups
// (the file names some that do not exist, and the operator may not create them:
// the server would refuse them at the next sync), "" when nothing stands in the way.
func (w *importWizard) refusedNew() string {
	if w.plan == nil {
		return ""
	}
	for _, c := range []struct {
		perm  syncapi.Permission
		names []string
		text  string
	}{
		{syncapi.PermManageUnits, unitNames(w.plan.NewUnits), lang.L("The file names units that do not exist yet: %s.")},
		{syncapi.PermManageGroups, groupNames(w.plan.NewGroups), lang.L("The file names groups that do not exist yet: %s.")},
	} {
		if len(c.names) > 0 && !w.perms.Allows(c.perm) {
			return fmt.Sprintf(c.text, strings.Join(c.names, ", ")) + " " + w.perms.Why(c.perm)
		}
	}
	return ""
}

// updateIndicator draws "1 File · 2 Read · …" with the current step in bold, the
// steps still to come greyed, and Conflicts greyed when there are none.
func (w *importWizard) updateIndicator() {
	var segs []widget.RichTextSegment
	for i, name := range stepNames {
		style := widget.RichTextStyleInline
		switch {
		case i == w.step:
			style = widget.RichTextStyleStrong
			style.ColorName = theme.ColorNamePrimary
		case i == stepConflicts && w.plan != nil && !w.hasConflicts():
			style.ColorName = theme.ColorNameDisabled
		case i > w.step:
			style.ColorName = theme.ColorNamePlaceHolder
		}
		segs = append(segs, &widget.TextSegment{Text: fmt.Sprintf("%d %s", i+1, lang.L(name)), Style: style})
		if i < len(stepNames)-1 {
			sep := widget.RichTextStyleInline
			sep.ColorName = theme.ColorNameDisabled
			segs = append(segs, &widget.TextSegment{Text: "  ·  ", Style: sep})
		}
	}
	w.indicator.Segments = segs
	w.indicator.Refresh()
}

// open reads the file at path from the start: detection without overrides, the
// first row taken as column titles. The wizard goes on to the Read step when the
// file is read.
func (w *importWizard) open(path string) {
	if w.importing || w.report != nil {
		return
	}
	w.path = path
	w.opt = tabular.Options{}
	w.hasHeader = true
	w.detected = tabular.Info{}
	w.src = nil
	w.mapping = nil
	// A new file starts from fresh settings; what the import does stays as chosen.
	w.settings = importer.Settings{UpdateList: w.settings.UpdateList, Absent: w.settings.Absent}
	w.plan, w.stale, w.presetDone = nil, true, false
	w.advance = true
	w.file.name.Hide()
	w.file.sheets.Hide()
	if w.step != stepFile {
		w.goTo(stepFile)
	}
	w.reload()
}

// dropped takes a file dropped on the window; it reports whether it was taken.
func (w *importWizard) dropped(path string) bool {
	if w.importing || w.report != nil {
		return false
	}
	w.open(path)
	return true
}

// reload reads the file again with the current options, off the UI goroutine.
func (w *importWizard) reload() {
	if w.path == "" {
		return
	}
	if w.loadCancel != nil {
		w.loadCancel()
	}
	w.fileLoad.Next()
	fresh := w.fileLoad.Fresh()
	ctx, cancel := context.WithCancel(context.Background())
	w.loadCancel = cancel
	path, opt, hasHeader := w.path, w.opt, w.hasHeader
	name := filepath.Base(path)
	w.loading = true
	w.setLoadStatus(fmt.Sprintf(lang.L("Reading %s…"), name), nil)
	w.updateButtons()
	w.fileLoad.Go(func() func() {
		defer cancel()
		src, err := importer.Load(ctx, path, opt, hasHeader, func(rows int) {
			uikit.OnUI(func() {
				if fresh() && w.loading {
					w.setLoadStatus(fmt.Sprintf(lang.L("Reading %s… %s rows"), name, display.Count(rows)), nil)
				}
			})
		})
		var prof *importer.Profile
		if err == nil {
			prof, err = importer.LoadProfile(ctx, w.store, src.Header)
		}
		return func() {
			w.loading = false
			if err != nil {
				if errors.Is(err, context.Canceled) {
					return
				}
				w.src = nil
				w.setLoadStatus("", err)
				w.updateButtons()
				return
			}
			w.loaded(src, opt, prof)
		}
	})
}

// loaded takes a freshly read file, with the choices saved for its column
// titles (nil when none).
func (w *importWizard) loaded(src *importer.Source, opt tabular.Options, prof *importer.Profile) {
	if opt.Encoding == "" && opt.Delimiter == "" && opt.Sheet == "" {
		w.detected = src.Info
	}
	if w.src == nil || !slices.Equal(w.src.Header, src.Header) {
		w.useProfile(src, prof)
	}
	// Row numbers change with the file: edits, per-row choices and chosen rows go.
	w.settings.Edits, w.settings.PerRow = nil, nil
	w.check.selected, w.check.editor.row = -1, -1
	w.conflicts.selected, w.conflicts.editor.row = -1, -1
	w.check.table.UnselectAll()
	w.conflicts.table.UnselectAll()
	w.src = src
	w.plan, w.stale = nil, true
	w.setLoadStatus("", nil)
	w.file.showLoaded()
	w.read.refresh()
	w.columns.refresh()
	if w.advance && w.step == stepFile && len(src.Info.Sheets) <= 1 {
		w.goTo(stepRead)
	}
	w.advance = false
	w.updateIndicator()
	w.updateButtons()
}

// setLoadStatus shows reading progress or a reading error on the File and Read steps.
func (w *importWizard) setLoadStatus(progress string, err error) {
	w.file.setStatus(progress, err)
	w.read.setStatus(progress, err)
}

// unitNames are the names of units, in their order.
func unitNames(units []data.Unit) []string {
	names := make([]string, len(units))
	for i, u := range units {
		names[i] = u.Name
	}
	return names
}

// groupNames are the names of groups, in their order.
func groupNames(groups []data.Group) []string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
	}
	return names
}
