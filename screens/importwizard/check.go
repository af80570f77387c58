package importwizard

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/importer"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// runCheck checks every row under the current settings, off the UI goroutine; the
// plan replaces the last one unless a newer check started in between.
func (w *importWizard) runCheck() {
	if w.src == nil || w.settings.Mapping == nil {
		return
	}
	if w.checkCancel != nil {
		w.checkCancel()
	}
	w.checkLoad.Next()
	w.checking, w.stale, w.checkErr = true, false, nil
	if !w.catalogDone { // the presets need the catalog: check when it is read
		w.pendingCheck = true
		w.afterCheckStarted()
		return
	}
	w.applyPresets()
	ctx, cancel := context.WithCancel(context.Background())
	w.checkCancel = cancel
	src, s, now := w.src, cloneSettings(w.settings), w.svc.Now()
	w.afterCheckStarted()
	w.checkLoad.Go(func() func() {
		defer cancel()
		plan, err := importer.Check(ctx, w.store, src, s, now)
		return func() {
			w.checking = false
			switch {
			case errors.Is(err, context.Canceled):
				return
			case err != nil:
				w.checkErr, w.plan = err, nil
			default:
				w.plan = plan
			}
			w.checked()
		}
	})
}

// afterCheckStarted shows that a check runs.
func (w *importWizard) afterCheckStarted() {
	w.check.showChecking(len(w.src.Rows))
	w.options.showChecking()
	w.updateButtons()
}

// checked shows a new plan on every step.
func (w *importWizard) checked() {
	w.check.refresh()
	w.conflicts.refresh()
	w.options.refresh()
	if w.step == stepImport {
		w.commit.showConfirm()
	}
	w.updateIndicator()
	w.updateButtons()
}

// applyPresets chooses, once per file, the only role for a file without a Role
// column and the only unit for a file without a Units column, and the default
// validity.
func (w *importWizard) applyPresets() {
	if w.presetDone {
		return
	}
	w.presetDone = true
	w.applySavedOptions()
	if w.settings.RoleID == "" && len(w.roles) == 1 && len(w.settings.Mapping.Columns(importer.Role)) == 0 {
		w.settings.RoleID = w.roles[0].ID
	}
	if len(w.settings.UnitIDs) == 0 && len(w.units) == 1 && len(w.settings.Mapping.Columns(importer.Units)) == 0 {
		w.settings.UnitIDs = []string{w.units[0].ID}
	}
	if w.settings.ValidDays == 0 {
		w.settings.ValidDays = w.defaultDays
	}
}

// cloneSettings copies s, so that a check in the background reads its own maps.
func cloneSettings(s importer.Settings) importer.Settings {
	s.Mapping = slices.Clone(s.Mapping)
	s.UnitIDs = slices.Clone(s.UnitIDs)
	s.GroupIDs = slices.Clone(s.GroupIDs)
	s.AbsentUnitIDs = slices.Clone(s.AbsentUnitIDs)
	s.PerRow = maps.Clone(s.PerRow)
	if s.Edits != nil {
		edits := make(map[int]map[importer.Field]string, len(s.Edits))
		for row, e := range s.Edits {
			edits[row] = maps.Clone(e)
		}
		s.Edits = edits
	}
	return s
}

// applyEdit puts a value the admin typed into a row and checks again.
func (w *importWizard) applyEdit(row int, f importer.Field, value string) {
	if w.settings.Edits == nil {
		w.settings.Edits = map[int]map[importer.Field]string{}
	}
	if w.settings.Edits[row] == nil {
		w.settings.Edits[row] = map[importer.Field]string{}
	}
	w.settings.Edits[row][f] = value
	w.runCheck()
}

// The kinds of columns of the check table.
const (
	checkLine = iota
	checkField
	checkUsername
	checkResult
)

// checkColumn is a column of the check table.
type checkColumn struct {
	title string
	width float32
	kind  int
	field importer.Field
}

// checkFilters are the choices of the Show filter, translated where they are shown.
var checkFilters = []string{
	resources.Mark("All rows"), resources.Mark("Rows with errors"), resources.Mark("Conflicts and duplicates"),
	resources.Mark("New and changed"),
}

// checkStep is step 4: every row as it will be imported, with its problems.
type checkStep struct {
	w        *importWizard
	cols     []checkColumn
	view     []int // plan rows shown, by table row; nil shows all
	filter   int
	selected int // plan row chosen; -1 for none
	selPos   int // its table row when chosen

	counts                     *widget.Label
	outcome                    *widget.Label
	batch                      *widget.Label
	batchBox                   *fyne.Container
	quickRole                  *widget.Select
	quickUnit                  *widget.Select
	quickRoleBox, quickUnitBox *fyne.Container
	status                     *widget.Label
	progress                   *widget.ProgressBarInfinite
	checking                   *fyne.Container
	err                        *widget.Label
	dateOrder                  *dateOrderQuestion
	show                       *widget.RadioGroup
	table                      *widget.Table
	empty                      *widget.Label
	detail                     *widget.Label
	editor                     *rowEditor
	content                    fyne.CanvasObject
}

func newCheckStep(w *importWizard) *checkStep {
	c := &checkStep{w: w, selected: -1}
	c.counts = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}}
	c.outcome = widget.NewLabel("")
	c.batch = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance}
	c.quickRole = widget.NewSelect(nil, func(name string) {
		if id := uikit.IDByName(w.roles, name, func(r data.Role) (string, string) { return r.ID, r.Name }); id != "" && id != w.settings.RoleID {
			w.settings.RoleID = id
			w.runCheck()
		}
	})
	c.quickRole.PlaceHolder = lang.L("Choose a role")
	c.quickUnit = widget.NewSelect(nil, func(name string) {
		if id := uikit.IDByName(w.units, name, func(u data.Unit) (string, string) { return u.ID, u.Name }); id != "" {
			w.settings.UnitIDs = []string{id}
			w.runCheck()
		}
	})
	c.quickUnit.PlaceHolder = lang.L("Choose a unit")
	c.quickRoleBox = container.NewGridWrap(fyne.NewSize(220, 36), c.quickRole)
	c.quickUnitBox = container.NewGridWrap(fyne.NewSize(220, 36), c.quickUnit)
	c.batchBox = container.NewBorder(nil, nil, nil, container.NewHBox(c.quickRoleBox, c.quickUnitBox), c.batch)
	c.batchBox.Hide()
	c.status = widget.NewLabel("")
	c.progress = widget.NewProgressBarInfinite()
	c.progress.Stop()
	c.checking = container.NewHBox(container.NewGridWrap(fyne.NewSize(200, 20), c.progress), c.status)
	c.checking.Hide()
	c.err = uikit.DangerLabel()
	c.err.Hide()
	c.dateOrder = newDateOrderQuestion(w)
	filters := make([]string, len(checkFilters))
	for i, f := range checkFilters {
		filters[i] = lang.L(f)
	}
	c.show = widget.NewRadioGroup(filters, func(s string) {
		if i := slices.Index(filters, s); i >= 0 && i != c.filter {
			c.filter = i
			c.selected = -1
			c.table.UnselectAll()
			c.refresh()
		}
	})
	c.show.Horizontal = true
	c.show.Required = true
	c.show.Selected = filters[0]
	c.table = widget.NewTableWithHeaders(
		func() (int, int) { return c.rows(), len(c.cols) },
		func() fyne.CanvasObject {
			icon := widget.NewIcon(theme.NewErrorThemedResource(theme.ErrorIcon()))
			return container.NewBorder(nil, nil, icon, nil, &widget.Label{Truncation: fyne.TextTruncateEllipsis})
		},
		c.updateCell,
	)
	c.table.ShowHeaderColumn = false
	c.table.CreateHeader = func() fyne.CanvasObject {
		return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	}
	c.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 && id.Col < len(c.cols) {
			o.(*widget.Label).SetText(c.cols[id.Col].title)
		}
	}
	c.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < c.rows() {
			c.selected, c.selPos = c.rowAt(id.Row), id.Row
			c.showDetail()
		}
	}
	c.empty = &widget.Label{Alignment: fyne.TextAlignCenter}
	c.empty.Hide()
	c.detail = &widget.Label{Wrapping: fyne.TextWrapWord}
	c.editor = newRowEditor(w)
	c.editor.content.Hide()
	top := container.NewVBox(
		uikit.Heading(lang.L("Check every row")),
		c.counts, c.outcome, c.batchBox,
		c.checking,
		c.err,
		c.dateOrder.box,
		container.NewHBox(widget.NewLabel(lang.L("Show:")), c.show),
	)
	bottom := container.NewVBox(widget.NewSeparator(), c.detail, c.editor.content)
	c.content = container.NewBorder(top, bottom, nil, nil, container.NewStack(c.table, container.NewCenter(c.empty)))
	return c
}

// rows is the number of table rows.
func (c *checkStep) rows() int {
	switch {
	case c.w.plan == nil:
		return 0
	case c.view == nil:
		return len(c.w.plan.Rows)
	}
	return len(c.view)
}

// rowAt is the plan row at table row i.
func (c *checkStep) rowAt(i int) int {
	if c.view == nil {
		return i
	}
	return c.view[i]
}

// showChecking tells that the rows are being checked.
func (c *checkStep) showChecking(rows int) {
	c.status.SetText(fmt.Sprintf(lang.L("Checking %s…"), rowCount(rows)))
	c.checking.Show()
	c.progress.Start()
}

// refresh shows the current plan.
func (c *checkStep) refresh() {
	w := c.w
	if !w.checking {
		c.progress.Stop()
		c.checking.Hide()
	}
	if w.checkErr != nil {
		c.err.SetText(fmt.Sprintf(lang.L("The rows could not be checked: %s"), w.checkErr.Error()))
		c.err.Show()
	} else {
		c.err.Hide()
	}
	if c.dateOrder.refresh() {
		c.content.Refresh() // lay out again: the question came or went
	}
	p := w.plan
	if p == nil {
		c.counts.SetText("")
		c.outcome.SetText("")
		c.batchBox.Hide()
		c.view = nil
		c.table.Refresh()
		return
	}
	c.counts.SetText(countsText(p.Counts))
	if p.Settings.UpdateList {
		c.outcome.SetText(listOutcome(p.Counts))
	} else {
		c.outcome.SetText(outcomeLine(p.Counts))
	}
	c.showBatchNote()
	c.setColumns()
	c.computeView()
	if c.selected >= len(p.Rows) {
		c.selected = -1
	}
	if pos := c.position(c.selected); pos != c.selPos || c.selected < 0 {
		c.table.UnselectAll()
		c.selPos = pos
	}
	switch {
	case c.rows() > 0:
		c.empty.Hide()
	case c.filter == 1:
		c.empty.SetText(lang.L("No row has an error."))
		c.empty.Show()
	case c.filter == 2:
		c.empty.SetText(lang.L("No row collides with an existing user or another row."))
		c.empty.Show()
	case c.filter == 3:
		c.empty.SetText(lang.L("No row adds or changes a user."))
		c.empty.Show()
	default:
		c.empty.SetText(lang.L("The file has no rows."))
		c.empty.Show()
	}
	c.table.Refresh()
	c.showDetail()
}

// position is the table row of plan row i; -1 when it is not shown.
func (c *checkStep) position(i int) int {
	if i < 0 {
		return -1
	}
	if c.view == nil {
		return i
	}
	if pos, ok := slices.BinarySearch(c.view, i); ok {
		return pos
	}
	return -1
}

// countsText is "98 valid · 2 errors · 1 conflict · 0 duplicates in the file".
func countsText(n importer.Counts) string {
	return fmt.Sprintf(lang.L("%s valid · %s · %s · %s in the file"), display.Count(n.Valid),
		display.PluralOf(n.Errors, lang.L("error"), lang.L("errors")),
		display.PluralOf(n.Conflicts, lang.L("conflict"), lang.L("conflicts")),
		display.PluralOf(n.Duplicates, lang.L("duplicate"), lang.L("duplicates")))
}

// outcomeLine is what the import would do now.
func outcomeLine(n importer.Counts) string {
	return fmt.Sprintf(lang.L("As things stand: %s created, %s updated, %s skipped, %s not imported."),
		display.Count(n.Create), display.Count(n.Update), display.Count(n.Skip), display.Count(n.Fail))
}

// showBatchNote points to the Options step when rows lack a role or unit that the
// import could give them.
func (c *checkStep) showBatchNote() {
	w := c.w
	noRole, noUnit := w.plan.Counts.NeedRole, w.plan.Counts.NeedUnit
	var parts []string
	if noRole > 0 {
		parts = append(parts, display.PluralOf(noRole, lang.L("row names no role"), lang.L("rows name no role")))
	}
	if noUnit > 0 {
		parts = append(parts, display.PluralOf(noUnit, lang.L("row names no unit"), lang.L("rows name no unit")))
	}
	if len(parts) == 0 {
		c.batchBox.Hide()
		return
	}
	missing := parts[0]
	if len(parts) == 2 {
		missing = fmt.Sprintf(lang.L("%s and %s"), parts[0], parts[1])
	}
	c.batch.SetText(fmt.Sprintf(lang.L("%s. Choose for them here or in step 6 (Options), which offers more units and groups."), missing))
	uikit.SetSelectQuietly(c.quickRole, uikit.Names(w.roles, func(r data.Role) string { return r.Name }), "")
	uikit.SetSelectQuietly(c.quickUnit, uikit.Names(w.units, func(u data.Unit) string { return u.Name }), "")
	uikit.SetVisible(c.quickRoleBox, noRole > 0)
	uikit.SetVisible(c.quickUnitBox, noUnit > 0)
	c.batchBox.Show()
}

// setColumns makes a column for the line, each mapped field, the username when no
// column holds it, and the result.
func (c *checkStep) setColumns() {
	cols := []checkColumn{{title: lang.L("Line"), width: 64, kind: checkLine}}
	m := c.w.plan.Settings.Mapping
	for _, f := range shownFields(m) {
		width := float32(130)
		switch f.Field {
		case importer.Email:
			width = 230
		case importer.Units, importer.Groups, importer.Notes, importer.InvitationText, importer.FullName:
			width = 150
		}
		title := fieldLabel(f.Field)
		if split := len(m.Columns(importer.FullName)) > 0; split && len(m.Columns(f.Field)) == 0 {
			title = fmt.Sprintf(lang.L("%s (from full name)"), title)
			width = 215
		}
		cols = append(cols, checkColumn{title: title, width: width, kind: checkField, field: f.Field})
	}
	if len(m.Columns(importer.Username)) == 0 {
		cols = append(cols, checkColumn{title: lang.L("Username (new)"), width: 140, kind: checkUsername})
	}
	cols = append(cols, checkColumn{title: lang.L("Result"), width: 200, kind: checkResult})
	c.cols = cols
	for i, col := range cols {
		c.table.SetColumnWidth(i, col.width)
	}
}

// shownFields are the fields the Check step has a column for: those mapped and,
// when a full-name column is split, the first and last name it gives, after it.
func shownFields(m importer.Mapping) []importer.FieldInfo {
	split := len(m.Columns(importer.FullName)) > 0
	var out []importer.FieldInfo
	for _, f := range importer.Fields {
		switch {
		case f.Field == importer.FullName && split:
			out = append([]importer.FieldInfo{f}, out...) // first: the names split from it follow
		case len(m.Columns(f.Field)) > 0:
			out = append(out, f)
		case split && (f.Field == importer.FirstName || f.Field == importer.LastName):
			out = append(out, f)
		}
	}
	return out
}

// computeView picks the rows the filter shows.
func (c *checkStep) computeView() {
	p := c.w.plan
	if c.filter == 0 {
		c.view = nil
		return
	}
	view := make([]int, 0)
	for i := range p.Rows {
		r := &p.Rows[i]
		switch {
		case c.filter == 1 && len(r.Problems) > 0:
			view = append(view, i)
		case c.filter == 2 && len(r.Problems) == 0 && (r.Conflict != nil || r.DuplicateOf >= 0):
			view = append(view, i)
		case c.filter == 3 && (r.Action == importer.Create || r.Action == importer.Updates):
			view = append(view, i)
		}
	}
	c.view = view
}

func (c *checkStep) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	box := o.(*fyne.Container)
	label, icon := box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Icon)
	p := c.w.plan
	if p == nil || id.Row >= c.rows() || id.Col >= len(c.cols) {
		label.SetText("")
		icon.Hide()
		return
	}
	r := &p.Rows[c.rowAt(id.Row)]
	col := c.cols[id.Col]
	text, imp, bad := "", widget.MediumImportance, false
	switch col.kind {
	case checkLine:
		text = strconv.Itoa(r.Line)
	case checkField:
		text = r.Value(col.field)
		if fieldProblem(r, col.field) != "" {
			imp, bad = widget.DangerImportance, true
			if text == "" {
				text = lang.L("(empty)")
			}
		}
	case checkUsername:
		text = r.Username
	case checkResult:
		text, imp = resultText(r)
		bad = imp == widget.DangerImportance
	}
	label.Importance = imp
	label.SetText(text)
	if bad {
		icon.Show()
	} else {
		icon.Hide()
	}
}

// fieldProblem joins the messages about field f of a row.
func fieldProblem(r *importer.RowPlan, f importer.Field) string {
	var msgs []string
	for _, p := range r.Problems {
		if p.Field == f {
			msgs = append(msgs, p.Message)
		}
	}
	return strings.Join(msgs, "; ")
}

// resultText is what becomes of a row, in a word or two, and how it is drawn.
func resultText(r *importer.RowPlan) (string, widget.Importance) {
	switch r.Action {
	case importer.Create:
		return lang.L("will be created"), widget.MediumImportance
	case importer.Unchanged:
		return lang.L("unchanged"), widget.LowImportance
	case importer.Updates:
		if len(r.Changes) > 0 {
			return changesText(r), widget.MediumImportance
		}
		if r.Conflict != nil {
			return fmt.Sprintf(lang.L("will update %s"), r.Conflict.Name), widget.MediumImportance
		}
		return lang.L("will update the existing user"), widget.MediumImportance
	case importer.Skips:
		return lang.L("will be skipped"), widget.WarningImportance
	}
	if len(r.Problems) > 0 {
		return lang.L("error"), widget.DangerImportance
	}
	return lang.L("left out"), widget.DangerImportance
}

// resultSentence is what becomes of a row, in a few words more.
func resultSentence(r *importer.RowPlan) string {
	switch {
	case r.Action == importer.Create && r.Username != "":
		return fmt.Sprintf(lang.L("will be created as %s"), r.Username)
	case r.Action == importer.Fails && len(r.Problems) > 0:
		return lang.L("cannot be imported")
	case r.Action == importer.Fails:
		return lang.L("will not be imported")
	}
	text, _ := resultText(r)
	return text
}

// rowSummary describes a row: its line, name, result, problems and the reason.
func rowSummary(r *importer.RowPlan) string {
	name := r.Name()
	if name == "" {
		name = lang.L("(no name)")
	}
	lines := []string{fmt.Sprintf(lang.L("Line %d · %s · %s"), r.Line, name, resultSentence(r))}
	for _, p := range r.Problems {
		if p.Field != importer.Ignore {
			lines = append(lines, "• "+fieldLabel(p.Field)+": "+p.Message)
		} else {
			lines = append(lines, "• "+uikit.Capitalize(p.Message))
		}
	}
	for _, c := range r.Changes {
		lines = append(lines, "• "+c.String())
	}
	if len(r.Problems) == 0 && r.Reason != "" {
		lines = append(lines, fmt.Sprintf(lang.L("Why: %s"), r.Reason))
	}
	return strings.Join(lines, "\n")
}

// showDetail shows the chosen row below the table, with the editor.
func (c *checkStep) showDetail() {
	p := c.w.plan
	if p == nil || c.selected < 0 || c.selected >= len(p.Rows) {
		c.detail.SetText(lang.L("Choose a row to see its problems and to correct a value."))
		c.editor.content.Hide()
		return
	}
	c.detail.SetText(rowSummary(&p.Rows[c.selected]))
	c.editor.show(c.selected)
}

// rowEditor corrects one value of a row in place: the admin picks the field, types
// the value and applies it; the rows are checked again.
type rowEditor struct {
	w       *importWizard
	row     int
	field   *widget.Select
	value   *widget.Entry
	apply   *widget.Button
	content *fyne.Container
}

func newRowEditor(w *importWizard) *rowEditor {
	e := &rowEditor{w: w, row: -1}
	var labels []string
	for _, f := range importer.Fields {
		labels = append(labels, fieldLabel(f.Field))
	}
	e.value = widget.NewEntry()
	e.value.OnSubmitted = func(string) { e.doApply() }
	e.field = widget.NewSelect(labels, func(string) { e.fillValue() })
	e.apply = &widget.Button{Text: lang.L("Apply"), Icon: theme.ConfirmIcon(), OnTapped: e.doApply}
	e.content = container.NewBorder(nil, nil,
		container.NewHBox(widget.NewLabel(lang.L("Correct the value of")), container.NewGridWrap(fyne.NewSize(180, 36), e.field)),
		e.apply, e.value)
	return e
}

// show edits plan row i, starting with the field that has a problem.
func (e *rowEditor) show(i int) {
	p := e.w.plan
	r := &p.Rows[i]
	f := importer.Ignore
	for _, pr := range r.Problems {
		if pr.Field != importer.Ignore {
			f = pr.Field
			break
		}
	}
	switch {
	case f != importer.Ignore:
	case r.Conflict != nil && len(r.Conflict.On) > 0:
		f = r.Conflict.On[0]
	case r.DuplicateOf >= 0 && len(r.DuplicateOn) > 0:
		f = r.DuplicateOn[0]
	default:
		f = importer.FirstName
	}
	if i != e.row || e.field.Selected == "" {
		e.row = i
		on := e.field.OnChanged
		e.field.OnChanged = nil
		e.field.SetSelected(fieldLabel(f))
		e.field.OnChanged = on
	}
	e.fillValue()
	e.content.Show()
}

// field is the field chosen.
func (e *rowEditor) chosen() importer.Field {
	for _, f := range importer.Fields {
		if fieldLabel(f.Field) == e.field.Selected {
			return f.Field
		}
	}
	return importer.Ignore
}

// fillValue puts the row's value of the chosen field into the entry.
func (e *rowEditor) fillValue() {
	p := e.w.plan
	if p == nil || e.row < 0 || e.row >= len(p.Rows) {
		return
	}
	e.value.SetText(p.Rows[e.row].Value(e.chosen()))
}

// doApply is the Apply button.
func (e *rowEditor) doApply() {
	f := e.chosen()
	if e.row < 0 || f == importer.Ignore {
		return
	}
	e.w.applyEdit(e.row, f, e.value.Text)
}
