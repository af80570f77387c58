package importwizard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/display"
	"onboard/internal/importer"
	"onboard/screens/internal/uikit"
)

// progressEvery is how often, at most, the import progress is drawn.
const progressEvery = 50 * time.Millisecond

// commitStep is step 7: the summary, the import with its progress bar, and the
// result report.
type commitStep struct {
	w *importWizard

	confirm  *fyne.Container
	summary  *widget.Label
	details  *widget.Label
	nothing  *widget.Label
	progress *fyne.Container
	bar      *widget.ProgressBar
	barText  *widget.Label
	failed   *fyne.Container
	failText *widget.Label
	result   fyne.CanvasObject
	title    *widget.Label
	counts   [4]*widget.Label
	left     []int // report rows not imported
	table    *widget.Table
	allIn    *widget.Label
	saved    *widget.Label
	extra    *widget.Label // an update from a list: unchanged, deactivated, deleted
	undoNote *widget.Label
	letters  *widget.Button
	content  fyne.CanvasObject
}

func newCommitStep(w *importWizard) *commitStep {
	c := &commitStep{w: w}
	c.summary = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameSubHeadingText}
	c.details = &widget.Label{Wrapping: fyne.TextWrapWord}
	c.nothing = uikit.DangerLabel()
	c.nothing.Hide()
	c.confirm = container.NewVBox(
		uikit.Heading(lang.L("Ready to import")),
		c.summary, c.details, c.nothing,
		&widget.Label{
			Text:     lang.L("Everything is written in one step: if something goes wrong or you cancel, nothing is changed."),
			Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance,
		},
	)
	c.bar = widget.NewProgressBar()
	c.barText = widget.NewLabel("")
	c.progress = container.NewVBox(
		uikit.Heading(lang.L("Importing…")),
		c.bar, c.barText,
		&widget.Label{
			Text: lang.L("Cancel import stops it; the database then stays exactly as it was."), Wrapping: fyne.TextWrapWord,
			Importance: widget.LowImportance,
		},
	)
	c.failText = uikit.DangerLabel()
	c.failed = container.NewVBox(uikit.Heading(lang.L("Nothing was imported")), c.failText)
	c.title = uikit.Heading(lang.L("Import finished"))
	countBox := container.NewGridWithColumns(4)
	for i, what := range []string{lang.L("created"), lang.L("updated"), lang.L("skipped"), lang.L("failed")} {
		c.counts[i] = &widget.Label{SizeName: theme.SizeNameHeadingText, TextStyle: fyne.TextStyle{Bold: true}, Alignment: fyne.TextAlignCenter}
		countBox.Add(container.NewVBox(c.counts[i], &widget.Label{Text: what, Alignment: fyne.TextAlignCenter}))
	}
	c.table = uikit.NewTextTable(
		func() []string {
			return []string{lang.L("Line"), lang.L("Name"), lang.L("Email"), lang.L("Result"), lang.L("Reason")}
		},
		func() int { return len(c.left) },
		c.reportCell)
	for i, width := range []float32{60, 180, 220, 90, 480} {
		c.table.SetColumnWidth(i, width)
	}
	c.allIn = &widget.Label{Text: lang.L("Every row was imported."), Alignment: fyne.TextAlignCenter}
	c.allIn.Hide()
	c.extra = &widget.Label{Wrapping: fyne.TextWrapWord}
	c.undoNote = &widget.Label{
		Text:     lang.L("Imported by mistake? Undo last import on the Imports screen puts everything back as it was, until something else changes."),
		Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance,
	}
	c.saved = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	c.saved.Hide()
	c.letters = &widget.Button{Text: lang.L("Print letters for these users"), Icon: theme.DocumentPrintIcon(), OnTapped: func() {
		if w.report != nil && w.onPrintLetters != nil {
			w.onPrintLetters(w.report.UserIDs())
		}
	}}
	done := &widget.Button{Text: lang.L("Done"), Importance: widget.HighImportance, OnTapped: w.close}
	save := &widget.Button{Text: lang.L("Save report as CSV…"), Icon: theme.DocumentSaveIcon(), OnTapped: c.askSaveReport}
	c.result = container.NewBorder(
		container.NewVBox(c.title, countBox, c.extra, c.undoNote, uikit.BoldLabel(lang.L("Rows not imported"))),
		container.NewVBox(c.saved, container.NewBorder(nil, nil, container.NewHBox(save, c.letters), done)),
		nil, nil,
		container.NewStack(c.table, container.NewCenter(c.allIn)))
	c.content = container.NewStack(c.confirm, c.progress, c.failed, c.result)
	c.showOnly(c.confirm)
	return c
}

// showOnly shows one of the step's views.
func (c *commitStep) showOnly(o fyne.CanvasObject) {
	for _, x := range []fyne.CanvasObject{c.confirm, c.progress, c.failed, c.result} {
		if x == o {
			x.Show()
		} else {
			x.Hide()
		}
	}
}

// showConfirm sums up what the import will do.
func (c *commitStep) showConfirm() {
	w := c.w
	if w.report != nil || w.importing {
		return
	}
	c.showOnly(c.confirm)
	p := w.plan
	if p == nil {
		c.summary.SetText(lang.L("Checking the rows…"))
		c.details.SetText("")
		return
	}
	c.summary.SetText(importSummary(p.Counts))
	c.details.SetText(c.settingsText())
	if p.Counts.Create+p.Counts.Update == 0 {
		c.nothing.SetText(lang.L("No row can be created or updated. Go back to correct the rows or choose what happens to conflicts."))
		c.nothing.Show()
	} else {
		c.nothing.Hide()
	}
}

// importSummary is "Create 1,200 users, update 3, skip 30, 4 rows with errors are left out."
func importSummary(n importer.Counts) string {
	var parts []string
	// add adds "Create 3 users" as the first part, "update 3" after it.
	add := func(first, later string, k int) {
		switch {
		case k == 0:
		case len(parts) == 0:
			parts = append(parts, fmt.Sprintf(first, display.PluralOf(k, lang.L("user"), lang.L("users"))))
		default:
			parts = append(parts, fmt.Sprintf(later, display.Count(k)))
		}
	}
	add(lang.L("Create %s"), "", n.Create)
	add(lang.L("Update %s"), lang.L("update %s"), n.Update)
	add(lang.L("Skip %s"), lang.L("skip %s"), n.Skip)
	if n.Fail > 0 {
		var left string
		switch {
		case n.Fail != n.Errors && n.Fail == 1:
			left = lang.L("%s with errors or unresolved conflicts is left out")
		case n.Fail != n.Errors:
			left = lang.L("%s with errors or unresolved conflicts are left out")
		case n.Fail == 1:
			left = lang.L("%s with errors is left out")
		default:
			left = lang.L("%s with errors are left out")
		}
		parts = append(parts, fmt.Sprintf(left, rowCount(n.Fail)))
	}
	if len(parts) == 0 {
		return lang.L("Nothing to import.")
	}
	return strings.Join(parts, ", ") + "."
}

// settingsText lists the choices the import applies.
func (c *commitStep) settingsText() string {
	w := c.w
	s := w.settings
	p := w.plan
	var lines []string
	if info := p.Source.Info; info.Sheet != "" {
		lines = append(lines, fmt.Sprintf(lang.L("From %s, sheet “%s”"), info.Name, info.Sheet))
	} else {
		lines = append(lines, fmt.Sprintf(lang.L("From %s"), info.Name))
	}
	if role := uikit.NameOf(w.roles, s.RoleID); role != "" {
		lines = append(lines, fmt.Sprintf(lang.L("Role for rows without one: %s"), role))
	}
	if units := uikit.NamesOf(w.units, s.UnitIDs); len(units) > 0 {
		lines = append(lines, fmt.Sprintf(lang.L("Units for everyone: %s"), strings.Join(units, ", ")))
	}
	if groups := uikit.NamesOf(w.groups, s.GroupIDs); len(groups) > 0 {
		lines = append(lines, fmt.Sprintf(lang.L("Groups for everyone: %s"), strings.Join(groups, ", ")))
	}
	if names := append(unitNames(p.NewUnits), groupNames(p.NewGroups)...); len(names) > 0 {
		lines = append(lines, fmt.Sprintf(lang.L("New units and groups: %s"), strings.Join(names, ", ")))
	}
	days := display.PluralOf(s.ValidDays, lang.L("day"), lang.L("days"))
	lines = append(lines, fmt.Sprintf(lang.L("Keys valid for %s"), days))
	if line := absentLine(p); line != "" {
		lines = append(lines, line)
	}
	if s.Invite {
		lines = append(lines, lang.L("Invitations: emails queued for new users with an address, sent through the mail server set in Settings"))
	} else {
		lines = append(lines, lang.L("Invitations: not sent; the users start “not activated”"))
	}
	return strings.Join(lines, "\n")
}

// start runs the import in the background with a progress bar.
func (c *commitStep) start() {
	w := c.w
	p := w.plan
	if p == nil || w.importing || w.report != nil {
		return
	}
	p.Settings.Invite, p.Settings.ValidDays = w.settings.Invite, w.settings.ValidDays
	ctx, cancel := context.WithCancel(context.Background())
	w.importing, w.importCancel = true, cancel
	total := p.Counts.Create + p.Counts.Update
	c.setProgress(0, total)
	c.showOnly(c.progress)
	w.updateButtons()
	w.bg.Go(func() {
		defer cancel()
		var last time.Time
		rep, err := importer.Commit(ctx, w.svc, p, true, func(done, total int) {
			if done < total && time.Since(last) < progressEvery {
				return
			}
			last = time.Now()
			uikit.OnUI(func() {
				if w.importing {
					c.setProgress(done, total)
				}
			})
		})
		cancelled := ctx.Err() != nil
		uikit.OnUI(func() {
			w.importing, w.importCancel = false, nil
			switch {
			case err != nil && (cancelled || errors.Is(err, context.Canceled)):
				c.failText.SetText(lang.L("You cancelled the import. Nothing was imported; the database is unchanged."))
				c.showOnly(c.failed)
			case err != nil:
				c.failText.SetText(lang.L("The import failed, so nothing was imported; the database is unchanged.") + "\n" + err.Error())
				c.showOnly(c.failed)
			default:
				w.report, w.imported = rep, true
				w.saveProfile(p)
				c.showReport()
				if w.onImported != nil {
					w.onImported(p.Settings.Invite)
				}
			}
			w.updateIndicator()
			w.updateButtons()
		})
	})
}

// setProgress shows how far the import is.
func (c *commitStep) setProgress(done, total int) {
	if total > 0 {
		c.bar.SetValue(float64(done) / float64(total))
	}
	c.barText.SetText(fmt.Sprintf(lang.L("%s of %s written"), display.Count(done), display.PluralOf(total, lang.L("user"), lang.L("users"))))
}

// showReport shows the result of the import.
func (c *commitStep) showReport() {
	rep := c.w.report
	c.title.SetText(fmt.Sprintf(lang.L("Import finished: %s"), rep.File))
	c.extra.SetText(reportExtra(rep))
	c.extra.Hidden = c.extra.Text == ""
	for i, n := range []int{rep.Created, rep.Updated, rep.Skipped, rep.Failed} {
		c.counts[i].SetText(display.Count(n))
	}
	c.left = c.left[:0]
	for i, r := range rep.Rows {
		if r.Result == importer.Skips || r.Result == importer.Fails {
			c.left = append(c.left, i)
		}
	}
	if len(c.left) == 0 {
		c.table.Hide()
		c.allIn.Show()
	} else {
		c.allIn.Hide()
		c.table.Show()
	}
	c.table.Refresh()
	uikit.SetEnabled(c.letters, c.w.canPrintLetters != nil && c.w.canPrintLetters() && len(rep.UserIDs()) > 0)
	c.showOnly(c.result)
}

// reportCell is a cell of the table of rows not imported.
func (c *commitStep) reportCell(row, col int) string {
	rep := c.w.report
	if rep == nil || row >= len(c.left) {
		return ""
	}
	r := rep.Rows[c.left[row]]
	switch col {
	case 0:
		return strconv.Itoa(r.Line)
	case 1:
		return r.Name
	case 2:
		return r.Email
	case 3:
		if r.Result == importer.Skips {
			return lang.L("skipped")
		}
		return lang.L("failed")
	}
	return r.Reason
}

// askSaveReport asks where to save the report.
func (c *commitStep) askSaveReport() {
	rep := c.w.report
	if rep == nil {
		return
	}
	d := dialog.NewFileSave(c.saveReport, c.w.win)
	d.SetFileName(strings.TrimSuffix(rep.File, filepath.Ext(rep.File)) + "-report.csv")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	d.Show()
}

// saveReport writes the report as CSV to the file chosen.
func (c *commitStep) saveReport(out fyne.URIWriteCloser, err error) {
	w := c.w
	if err != nil {
		uikit.ShowError(err, w.win)
		return
	}
	if out == nil || w.report == nil {
		return
	}
	rep := w.report
	path := out.URI().Path()
	w.bg.Go(func() {
		err := rep.WriteCSV(out)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(fmt.Errorf(lang.L("could not save the report: %w"), err), w.win)
				return
			}
			c.saved.SetText(fmt.Sprintf(lang.L("Report saved as %s"), path))
			c.saved.Show()
		})
	})
}
