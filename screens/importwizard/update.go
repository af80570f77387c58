package importwizard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/importer"
	"onboard/internal/lifecycle"
	"onboard/internal/syncapi"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// importModes are the choices of what an import does, translated where shown.
var importModes = []string{
	resources.Mark("Add the users in the file"),
	resources.Mark("Update from a list: match the users already here, show what changes, and apply it"),
}

// newModeChoice is the File step's choice between adding users and updating from
// a list; a change checks the rows again.
func newModeChoice(w *importWizard) *widget.RadioGroup {
	labels := []string{lang.L(importModes[0]), lang.L(importModes[1])}
	r := widget.NewRadioGroup(labels, func(s string) {
		on := s == labels[1]
		w.modeChosen = true
		if on == w.settings.UpdateList {
			return
		}
		w.settings.UpdateList = on
		if w.plan != nil {
			w.runCheck()
		}
	})
	r.Required = true
	r.Selected = labels[0]
	return r
}

// showMode shows on the File step what the import does, as the settings say.
func (f *fileStep) showMode() {
	mode := f.mode.Options[0]
	if f.w.settings.UpdateList {
		mode = f.mode.Options[1]
	}
	uikit.SetRadioQuietly(f.mode, mode)
}

// absentRuleNames are the choices for the users not in the file, in the order of
// lifecycle.AbsentRules.
var absentRuleNames = []string{
	resources.Mark("Keep them as they are"),
	resources.Mark("Deactivate them (their keys stop working; they can be reactivated)"),
	resources.Mark("Delete them"),
}

// absentBox is the Options step's part about the users an update from a list
// does not find in the file.
type absentBox struct {
	w     *importWizard
	text  *widget.Label
	names *widget.Label
	rule  *widget.RadioGroup
	also  *uikit.MultiSelect // more units to look in
	box   *fyne.Container
}

func newAbsentBox(w *importWizard) *absentBox {
	a := &absentBox{w: w}
	a.text = &widget.Label{Wrapping: fyne.TextWrapWord}
	a.names = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	labels := make([]string, len(absentRuleNames))
	for i, n := range absentRuleNames {
		labels[i] = lang.L(n)
	}
	a.rule = widget.NewRadioGroup(labels, func(s string) {
		for i, l := range labels {
			if l == s {
				a.setRule(lifecycle.AbsentRules[i])
			}
		}
	})
	a.rule.Required = true
	a.rule.Selected = labels[0]
	a.also = uikit.NewMultiSelect(lang.L("unit"), lang.L("Search units…"), lang.L("No other units."), a.onAlso)
	a.box = container.NewVBox(uikit.BoldLabel(lang.L("Users not in the file")), a.text, a.names, a.rule,
		widget.NewLabel(lang.L("Also look for users not in the file in these units (e.g. a class that left the school):")), a.also,
		widget.NewSeparator())
	a.box.Hide()
	return a
}

// onAlso takes the further units to look for absent users in, and checks again.
func (a *absentBox) onAlso(chosen []string) {
	ids := uikit.IDsOf(a.w.units, chosen)
	if !slices.Equal(ids, a.w.settings.AbsentUnitIDs) {
		a.w.settings.AbsentUnitIDs = ids
		a.w.runCheck()
	}
}

// setRule takes the operator's rule into the settings and the plan (it does not
// change what the plan found, so nothing is checked again).
func (a *absentBox) setRule(rule lifecycle.AbsentRule) {
	a.w.settings.Absent = rule
	if a.w.plan != nil {
		a.w.plan.Settings.Absent = rule
	}
}

// maxAbsentNames is how many absent users the Options step names.
const maxAbsentNames = 12

// refresh shows the absent users of the plan, or hides the box when the import
// adds users.
func (a *absentBox) refresh() {
	p := a.w.plan
	if !a.w.settings.UpdateList || p == nil {
		a.box.Hide()
		return
	}
	a.box.Show()
	if i := slices.Index(lifecycle.AbsentRules, a.w.settings.Absent); i >= 0 {
		uikit.SetRadioQuietly(a.rule, a.rule.Options[i])
	}
	a.also.OnChanged = nil
	a.also.SetOptions(uikit.Names(a.w.units, func(u data.Unit) string { return u.Name }))
	a.also.SetSelected(uikit.NamesOf(a.w.units, a.w.settings.AbsentUnitIDs))
	a.also.OnChanged = a.onAlso
	if len(p.Absent) == 0 {
		a.text.SetText(fmt.Sprintf(lang.L("Every user of the file's units (%s) is in the file."), strings.Join(p.Covered, ", ")))
		a.names.Hide()
		a.rule.Hide()
		return
	}
	a.text.SetText(fmt.Sprintf(lang.L("Not in the file: %s of the units it covers (%s). Users of other units are not touched."),
		display.PluralOf(len(p.Absent), lang.L("user"), lang.L("users")), strings.Join(p.Covered, ", ")))
	names := make([]string, 0, maxAbsentNames)
	for i, u := range p.Absent {
		if i == maxAbsentNames {
			names = append(names, fmt.Sprintf(lang.L("and %s more"), display.Count(len(p.Absent)-i)))
			break
		}
		names = append(names, u.Name+" ("+u.Units+")")
	}
	a.names.SetText(strings.Join(names, ", "))
	a.names.Show()
	a.rule.Show()
}

// absentCell is the Imports list's "Not in the file" of im: what an update from a
// list did with the users it did not list ("" for an import that added users).
func absentCell(im *data.Import) string {
	switch {
	case im.Mode != data.ImportUpdateList:
		return ""
	case im.Deleted > 0:
		return fmt.Sprintf(lang.L("%s deleted"), display.Count(im.Deleted))
	case im.Deactivated > 0:
		return fmt.Sprintf(lang.L("%s deactivated"), display.Count(im.Deactivated))
	}
	return lang.L("kept")
}

// listOutcome is what an update from a list would do now.
func listOutcome(n importer.Counts) string {
	return fmt.Sprintf(lang.L("As things stand: %s new, %s changed, %s unchanged, %s not in the file, %s not imported."),
		display.Count(n.Create), display.Count(n.Update), display.Count(n.Unchanged), display.Count(n.Absent), display.Count(n.Fail))
}

// changesText is what a row of an update from a list changes: "Units: 5a → 6a".
func changesText(r *importer.RowPlan) string {
	parts := make([]string, len(r.Changes))
	for i, c := range r.Changes {
		parts[i] = c.String()
	}
	return strings.Join(parts, "; ")
}

// absentLine says in the confirmation what becomes of the users not in the file.
func absentLine(p *importer.Plan) string {
	if !p.Settings.UpdateList || len(p.Absent) == 0 {
		return ""
	}
	n := display.PluralOf(len(p.Absent), lang.L("user"), lang.L("users"))
	switch p.Settings.Absent {
	case lifecycle.DeactivateAbsent:
		return fmt.Sprintf(lang.L("Not in the file: %s, deactivated"), n)
	case lifecycle.DeleteAbsent:
		return fmt.Sprintf(lang.L("Not in the file: %s, deleted"), n)
	}
	return fmt.Sprintf(lang.L("Not in the file: %s, kept"), n)
}

// confirmDelete asks before an update from a list deletes the users not in the
// file, then runs start; without such deletions it runs start at once.
func (w *importWizard) confirmDelete(start func()) {
	p := w.plan
	if p == nil || !p.Settings.UpdateList || p.Settings.Absent != lifecycle.DeleteAbsent || len(p.Absent) == 0 {
		start()
		return
	}
	n := display.PluralOf(len(p.Absent), lang.L("user"), lang.L("users"))
	d := dialog.NewConfirm(fmt.Sprintf(lang.L("Delete %s not in the file?"), n),
		lang.L("They disappear from every list and their keys stop working. Undo last import on the Imports screen brings them back, until something else changes."),
		func(ok bool) {
			if ok {
				start()
			}
		}, w.win)
	d.SetConfirmText(lang.L("Delete and import"))
	d.SetDismissText(lang.L("Cancel"))
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}

// reportExtra is the result's line about an update from a list: users unchanged,
// deactivated or deleted.
func reportExtra(rep *importer.Report) string {
	var parts []string
	for _, c := range []struct {
		n          int
		one, other string
	}{
		{rep.Unchanged, lang.L("%s user was unchanged"), lang.L("%s users were unchanged")},
		{rep.Deactivated, lang.L("%s user not in the file was deactivated"), lang.L("%s users not in the file were deactivated")},
		{rep.Deleted, lang.L("%s user not in the file was deleted"), lang.L("%s users not in the file were deleted")},
	} {
		switch {
		case c.n == 1:
			parts = append(parts, fmt.Sprintf(c.one, "1"))
		case c.n > 1:
			parts = append(parts, fmt.Sprintf(c.other, display.Count(c.n)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return uikit.Capitalize(strings.Join(parts, "; ")) + "."
}

// Undoer undoes the newest import (lifecycle.Service.UndoLastImport).
type Undoer interface {
	LastImport(ctx context.Context) (*data.Import, error)
	UndoLastImport(ctx context.Context) (*data.Import, error)
}

// undoButton is "Undo last import…" on the Imports screen.
func (s *ImportsScreen) undoButton() *widget.Button {
	return &widget.Button{Text: lang.L("Undo last import…"), Icon: theme.ContentUndoIcon(), OnTapped: s.AskUndo}
}

// AskUndo names the newest import and asks before undoing it.
func (s *ImportsScreen) AskUndo() {
	undo, ok := s.svc.(Undoer)
	if !ok || uikit.Refused(s.perms, syncapi.PermBulkInvite, lang.L("Undo last import"), s.win) {
		return
	}
	s.bg.Go(func() {
		im, err := undo.LastImport(context.Background())
		uikit.OnUI(func() {
			switch {
			case err != nil:
				uikit.ShowError(err, s.win)
			case im == nil || im.BackupPath == "":
				dialog.ShowInformation(lang.L("Undo last import"), lang.L("There is no import to undo."), s.win)
			default:
				s.confirmUndo(undo, im)
			}
		})
	})
}

// confirmUndo asks before undoing im.
func (s *ImportsScreen) confirmUndo(undo Undoer, im *data.Import) {
	msg := fmt.Sprintf(lang.L("The data goes back to how it was just before the import of %s (%s): "+
		"the users it created are removed and the users it changed, deactivated or deleted are as they were."),
		im.FileName, display.Time(&im.At))
	d := dialog.NewConfirm(lang.L("Undo last import?"), msg, func(ok bool) {
		if ok {
			s.undo(undo)
		}
	}, s.win)
	d.SetConfirmText(lang.L("Undo import"))
	d.SetDismissText(lang.L("Cancel"))
	d.Show()
}

// undo undoes the newest import in the background and reloads every screen.
func (s *ImportsScreen) undo(undo Undoer) {
	s.status.SetText(lang.L("Undoing the last import…"))
	s.status.Show()
	s.bg.Go(func() {
		im, err := undo.UndoLastImport(context.Background())
		uikit.OnUI(func() {
			s.status.Hide()
			switch {
			case errors.Is(err, data.ErrUndoStale):
				dialog.ShowInformation(lang.L("The import cannot be undone"),
					fmt.Sprintf(lang.L("The data changed after the import of %s (edits, mails sent or a sync), and undoing it would lose that. "+
						"To go back anyway, restore the backup taken before it in Settings: %s"), im.FileName, im.BackupPath), s.win)
			case err != nil:
				uikit.ShowError(err, s.win)
			default:
				s.status.SetText(fmt.Sprintf(lang.L("Undid the import of %s: the data is as it was before it."), im.FileName))
				s.status.Show()
				if s.OnUndone != nil {
					s.OnUndone()
				}
				s.Reload()
			}
		})
	})
}
