package importwizard

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/importer"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// ignoreLabel is the mapping choice that leaves a column out.
func ignoreLabel() string { return lang.L("Ignore this column") }

// fieldLabels are the fields' names as the wizard shows them: importer's labels
// (English; a test compares), translated where they are shown (fieldLabel).
var fieldLabels = map[importer.Field]string{
	importer.FirstName:      resources.Mark("First name"),
	importer.LastName:       resources.Mark("Last name"),
	importer.FullName:       resources.Mark("Full name"),
	importer.Email:          resources.Mark("Email"),
	importer.Username:       resources.Mark("Username"),
	importer.Mobile:         resources.Mark("Mobile"),
	importer.ExternalID:     resources.Mark("External ID"),
	importer.Role:           resources.Mark("Role"),
	importer.Units:          resources.Mark("Units"),
	importer.Groups:         resources.Mark("Groups"),
	importer.ValidUntil:     resources.Mark("Valid until"),
	importer.InvitationText: resources.Mark("Invitation text"),
	importer.Notes:          resources.Mark("Notes"),
}

// fieldLabel is the name of field f in the window's language.
func fieldLabel(f importer.Field) string {
	if f == importer.Ignore {
		return ignoreLabel()
	}
	if l, ok := fieldLabels[f]; ok {
		return lang.L(l)
	}
	return f.Label()
}

// fieldChoice is how the mapping select names a field; required ones are marked.
func fieldChoice(f importer.Field) string {
	if f == importer.Ignore {
		return ignoreLabel()
	}
	if f.Info().Required {
		return fieldLabel(f) + " *"
	}
	return fieldLabel(f)
}

// fieldChoices are the options of the mapping selects.
func fieldChoices() []string {
	out := []string{ignoreLabel()}
	for _, f := range importer.Fields {
		out = append(out, fieldChoice(f.Field))
	}
	return out
}

// fieldByChoice reads a mapping select's option back.
func fieldByChoice(label string) importer.Field {
	for _, f := range importer.Fields {
		if fieldChoice(f.Field) == label {
			return f.Field
		}
	}
	return importer.Ignore
}

// columnSamples is how many values the Columns step shows of each column.
const columnSamples = 3

// columnsStep is step 3: which field each column of the file goes to.
type columnsStep struct {
	w        *importWizard
	samples  []string
	table    *widget.Table
	problems *widget.Label
	content  fyne.CanvasObject
	saved    *widget.Label // says that the choices saved for these columns are used
}

// The columns of the mapping table.
const (
	mapColTitle = iota
	mapColSamples
	mapColField
)

func newColumnsStep(w *importWizard) *columnsStep {
	c := &columnsStep{w: w}
	titles := []string{lang.L("Column in the file"), lang.L("Sample values"), lang.L("Import as")}
	c.table = widget.NewTableWithHeaders(
		func() (int, int) {
			if w.src == nil {
				return 0, len(titles)
			}
			return len(w.src.Header), len(titles)
		},
		func() fyne.CanvasObject {
			return container.NewStack(&widget.Label{Truncation: fyne.TextTruncateEllipsis}, widget.NewSelect(fieldChoices(), nil))
		},
		c.updateCell,
	)
	c.table.ShowHeaderColumn = false
	c.table.CreateHeader = func() fyne.CanvasObject { return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}} }
	c.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 {
			o.(*widget.Label).SetText(titles[id.Col])
		}
	}
	c.table.SetColumnWidth(mapColTitle, 240)
	c.table.SetColumnWidth(mapColSamples, 380)
	c.table.SetColumnWidth(mapColField, 260)
	c.problems = uikit.DangerLabel()
	c.saved = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.SuccessImportance}
	c.saved.Hide()
	top := container.NewVBox(
		uikit.Heading(lang.L("Which field is in which column?")),
		c.saved,
		&widget.Label{Text: fmt.Sprintf(lang.L("Onboard guessed from the column titles. Change what is wrong; "+
			"choose “%s” for columns you do not need. Fields marked * are required."), ignoreLabel()), Wrapping: fyne.TextWrapWord},
	)
	c.content = container.NewBorder(top, c.problems, nil, nil, c.table)
	return c
}

func (c *columnsStep) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	w := c.w
	objs := o.(*fyne.Container).Objects
	label, sel := objs[0].(*widget.Label), objs[1].(*widget.Select)
	if w.src == nil || id.Row >= len(w.src.Header) {
		return
	}
	if id.Col != mapColField {
		sel.Hide()
		label.Show()
		text := ""
		switch id.Col {
		case mapColTitle:
			text = strings.TrimSpace(w.src.Header[id.Row])
		case mapColSamples:
			if id.Row < len(c.samples) {
				text = c.samples[id.Row]
			}
		}
		label.SetText(text)
		return
	}
	label.Hide()
	sel.Show()
	col := id.Row
	sel.OnChanged = nil
	if col < len(w.mapping) {
		sel.SetSelected(fieldChoice(w.mapping[col]))
	}
	sel.OnChanged = func(choice string) { c.set(col, fieldByChoice(choice)) }
}

// set maps column col to field f.
func (c *columnsStep) set(col int, f importer.Field) {
	w := c.w
	if col >= len(w.mapping) || w.mapping[col] == f {
		return
	}
	w.mapping[col] = f
	c.showProblems()
	w.updateButtons()
}

// refresh shows the columns of the file read last.
func (c *columnsStep) refresh() {
	w := c.w
	c.samples = nil
	if w.src != nil {
		c.samples = make([]string, len(w.src.Header))
		for col := range w.src.Header {
			var vals []string
			for _, r := range w.src.Rows {
				if col < len(r.Cells) {
					if v := strings.TrimSpace(r.Cells[col]); v != "" {
						vals = append(vals, v)
					}
				}
				if len(vals) == columnSamples {
					break
				}
			}
			c.samples[col] = strings.Join(vals, " · ")
		}
	}
	c.table.Refresh()
	c.showProblems()
}

// showProblems lists what keeps the mapping from being used.
func (c *columnsStep) showProblems() {
	w := c.w
	if w.src == nil {
		c.problems.Hide()
		return
	}
	probs := w.mapping.Problems(w.src.Header)
	if len(probs) == 0 {
		c.problems.Hide()
		return
	}
	for i, p := range probs {
		probs[i] = uikit.Capitalize(p) + "."
	}
	c.problems.SetText(strings.Join(probs, "\n"))
	c.problems.Show()
}
