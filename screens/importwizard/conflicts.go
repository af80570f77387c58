package importwizard

import (
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/display"
	"onboard/internal/importer"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// resolutionNames are the resolutions as the wizard shows them: importer's labels
// (English; a test compares), translated where they are shown (resolutionLabel).
var resolutionNames = map[importer.Resolution]string{
	importer.Skip:   resources.Mark("Skip"),
	importer.Update: resources.Mark("Update the existing user"),
	importer.Rename: resources.Mark("Create with a new username"),
	importer.Fail:   resources.Mark("Do not import (count as failed)"),
}

// resolutionLabel is resolution r in the window's language.
func resolutionLabel(r importer.Resolution) string {
	if l, ok := resolutionNames[r]; ok {
		return lang.L(l)
	}
	if r.Label() == importer.Skip.Label() { // importer's label for none chosen
		return lang.L(resolutionNames[importer.Skip])
	}
	return r.Label()
}

// resolutionLabels are the resolutions as the Conflicts step offers them.
func resolutionLabels() []string {
	out := make([]string, len(importer.Resolutions))
	for i, r := range importer.Resolutions {
		out[i] = resolutionLabel(r)
	}
	return out
}

// resolutionByLabel reads a resolution back from its label.
func resolutionByLabel(label string) (importer.Resolution, bool) {
	for _, r := range importer.Resolutions {
		if resolutionLabel(r) == label {
			return r, true
		}
	}
	return "", false
}

// The columns of the conflicts table; the titles are translated where they are shown.
var conflictColumns = []struct {
	title string
	width float32
}{
	{resources.Mark("Line"), 60},
	{resources.Mark("Name"), 180},
	{resources.Mark("Collides with"), 340},
	{resources.Mark("What to do"), 290},
	{resources.Mark("Result"), 210},
}

const conflictColChoice = 3

// conflictsStep is step 5: what happens to rows that hold the email, username or
// external ID of an existing user or of an earlier row, for all at once and row by row.
type conflictsStep struct {
	w        *importWizard
	rows     []int // plan rows with a conflict or duplicate
	selected int   // plan row chosen; -1 for none

	summary *widget.Label
	forAll  *widget.RadioGroup
	table   *widget.Table
	detail  *widget.Label
	editor  *rowEditor
	content fyne.CanvasObject
}

func newConflictsStep(w *importWizard) *conflictsStep {
	c := &conflictsStep{w: w, selected: -1}
	c.summary = &widget.Label{Wrapping: fyne.TextWrapWord}
	c.forAll = widget.NewRadioGroup(resolutionLabels(), func(label string) {
		if r, ok := resolutionByLabel(label); ok && r != w.onConflict() {
			w.settings.OnConflict = r
			w.runCheck()
		}
	})
	c.forAll.Required = true
	c.forAll.Horizontal = true
	c.forAll.Selected = resolutionLabel(importer.Skip)
	c.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(c.rows), len(conflictColumns) },
		func() fyne.CanvasObject {
			return container.NewStack(&widget.Label{Truncation: fyne.TextTruncateEllipsis}, widget.NewSelect(resolutionLabels(), nil))
		},
		c.updateCell,
	)
	c.table.ShowHeaderColumn = false
	c.table.CreateHeader = func() fyne.CanvasObject { return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}} }
	c.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 {
			o.(*widget.Label).SetText(lang.L(conflictColumns[id.Col].title))
		}
	}
	for i, col := range conflictColumns {
		c.table.SetColumnWidth(i, col.width)
	}
	c.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(c.rows) {
			c.selected = c.rows[id.Row]
			c.showDetail()
		}
	}
	c.detail = &widget.Label{Wrapping: fyne.TextWrapWord}
	c.editor = newRowEditor(w)
	c.editor.content.Hide()
	top := container.NewVBox(
		uikit.Heading(lang.L("Some rows match existing users or each other")),
		c.summary,
		uikit.BoldLabel(lang.L("For all conflicts:")),
		c.forAll,
		&widget.Label{
			Text:     lang.L("Or choose for each row below. To change the row itself (e.g. correct a mistyped email), choose it and correct the value."),
			Wrapping: fyne.TextWrapWord,
		},
	)
	bottom := container.NewVBox(widget.NewSeparator(), c.detail, c.editor.content)
	c.content = container.NewBorder(top, bottom, nil, nil, c.table)
	return c
}

// onConflict is the resolution in force for all conflicts.
func (w *importWizard) onConflict() importer.Resolution {
	if w.settings.OnConflict == "" {
		return importer.Skip
	}
	return w.settings.OnConflict
}

// setPerRow sets the resolution of one row and checks again.
func (w *importWizard) setPerRow(row int, r importer.Resolution) {
	if w.settings.PerRow == nil {
		w.settings.PerRow = map[int]importer.Resolution{}
	}
	if cur, ok := w.settings.PerRow[row]; ok && cur == r {
		return
	}
	w.settings.PerRow[row] = r
	w.runCheck()
}

// refresh lists the conflicting rows of the current plan.
func (c *conflictsStep) refresh() {
	p := c.w.plan
	c.rows = c.rows[:0]
	if p == nil {
		c.table.Refresh()
		return
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		if len(r.Problems) == 0 && (r.Conflict != nil || r.DuplicateOf >= 0) {
			c.rows = append(c.rows, i)
		}
	}
	c.summary.SetText(fmt.Sprintf(lang.L("%s the email, username or external ID of an existing user; %s an earlier row of the file."),
		display.PluralOf(p.Counts.Conflicts, lang.L("row has"), lang.L("rows have")),
		display.PluralOf(p.Counts.Duplicates, lang.L("row repeats"), lang.L("rows repeat"))))
	on := c.forAll.OnChanged
	c.forAll.OnChanged = nil
	c.forAll.SetSelected(resolutionLabel(c.w.onConflict()))
	c.forAll.OnChanged = on
	c.table.Refresh()
	c.showDetail()
}

func (c *conflictsStep) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	objs := o.(*fyne.Container).Objects
	label, sel := objs[0].(*widget.Label), objs[1].(*widget.Select)
	p := c.w.plan
	if p == nil || id.Row >= len(c.rows) {
		return
	}
	i := c.rows[id.Row]
	r := &p.Rows[i]
	if id.Col == conflictColChoice {
		label.Hide()
		sel.Show()
		sel.OnChanged = nil
		sel.SetSelected(resolutionLabel(r.Resolution))
		sel.OnChanged = func(label string) {
			if res, ok := resolutionByLabel(label); ok {
				c.w.setPerRow(i, res)
			}
		}
		return
	}
	sel.Hide()
	label.Show()
	label.Importance = widget.MediumImportance
	switch id.Col {
	case 0:
		label.SetText(strconv.Itoa(r.Line))
	case 1:
		label.SetText(r.Name())
	case 2:
		label.SetText(p.Collision(r))
	default:
		text, imp := resultText(r)
		label.Importance = imp
		label.SetText(text)
	}
}

// showDetail shows the chosen row with the editor.
func (c *conflictsStep) showDetail() {
	p := c.w.plan
	if p == nil || c.selected < 0 || c.selected >= len(p.Rows) {
		c.detail.SetText(lang.L("Choose a row to see it in full and to correct a value."))
		c.editor.content.Hide()
		return
	}
	r := &p.Rows[c.selected]
	text := rowSummary(r)
	if coll := p.Collision(r); coll != "" && r.Reason == "" {
		text += "\n" + uikit.Capitalize(coll) + "."
	}
	c.detail.SetText(text)
	c.editor.show(c.selected)
}
