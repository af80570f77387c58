package importwizard

import (
	"fmt"
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
	"onboard/internal/settings"
	"onboard/screens/internal/uikit"
)

// optionsStep is step 6: role, units and groups for the batch, invitations and
// validity, and how many rows are left out for their errors.
type optionsStep struct {
	w         *importWizard
	role      *widget.Select
	roleArea  *uikit.RoleChoice
	roleNote  *widget.Label
	why       *uikit.WhyOff // above Next: why it is off
	units     *uikit.MultiSelect
	unitsNote *widget.Label
	groups    *uikit.MultiSelect
	invite    *widget.Check
	days      *widget.Entry
	daysMsg   *widget.Label
	status    *widget.Label
	errors    *widget.Label
	absent    *absentBox
	content   fyne.CanvasObject
}

func newOptionsStep(w *importWizard) *optionsStep {
	o := &optionsStep{w: w}
	o.role = widget.NewSelect(nil, nil)
	o.role.PlaceHolder = lang.L("Choose a role")
	o.role.OnChanged = o.onRole
	o.roleArea = uikit.NewRoleChoice(o.role, container.NewGridWrap(fyne.NewSize(320, 36), o.role))
	o.roleNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	o.units = uikit.NewMultiSelect(lang.L("unit"), lang.L("Search units…"),
		lang.L("No units yet: the file can name them, or create them in Units and groups."), o.onUnits)
	o.unitsNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	o.groups = uikit.NewMultiSelect(lang.L("group"), lang.L("Search groups…"),
		lang.L("No groups yet (they are optional): the file can name them."), o.onGroups)
	o.invite = widget.NewCheck(lang.L("Send invitation emails now"), func(on bool) { w.settings.Invite = on })
	inviteNote := &widget.Label{
		Text: lang.L("Each new user with an email address is invited: the invitation emails are queued " +
			"and sent through the mail server set in Settings. " +
			"Without this, the users are created “not activated”, e.g. to hand out printed letters."),
		Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText,
	}
	o.days = widget.NewEntry()
	o.days.OnChanged = o.onDays
	o.daysMsg = uikit.DangerLabel()
	o.daysMsg.Hide()
	o.status = widget.NewLabel("")
	o.status.Hide()
	o.errors = &widget.Label{Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}, Importance: widget.DangerImportance}
	o.errors.Hide()
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Role"), container.NewVBox(o.roleArea.Box, o.roleNote)),
		widget.NewFormItem(lang.L("Units"), container.NewVBox(o.units, o.unitsNote)),
		widget.NewFormItem(lang.L("Groups"), container.NewVBox(o.groups,
			&widget.Label{Text: lang.L("Added to every row, beside the groups named in the file."), Importance: widget.LowImportance})),
		widget.NewFormItem(lang.L("Invitations"), container.NewVBox(o.invite, inviteNote)),
		widget.NewFormItem(lang.L("Keys valid for"), container.NewVBox(
			container.NewHBox(container.NewGridWrap(fyne.NewSize(90, 36), o.days),
				widget.NewLabel(fmt.Sprintf(lang.L("days (%d–%d)"), settings.MinValidDays, settings.MaxValidDays))),
			o.daysMsg)),
	)
	o.absent = newAbsentBox(w)
	o.why = uikit.NewWhyOff()
	// The reason stays in view right above the wizard's Next button.
	o.content = o.why.Below(container.NewVScroll(container.NewVBox(
		uikit.Heading(lang.L("Role, units and invitations")),
		o.absent.box, form, o.status, o.errors,
	)))
	return o
}

// fillCatalog offers the roles, units and groups once they are read.
func (o *optionsStep) fillCatalog() {
	w := o.w
	if w.catalogErr != nil {
		o.status.SetText(fmt.Sprintf(lang.L("Could not read the roles, units and groups: %s"), w.catalogErr.Error()))
		o.status.Show()
		return
	}
	o.roleArea.SetRoles(uikit.Names(w.roles, func(r data.Role) string { return r.Name }))
	o.units.SetOptions(uikit.Names(w.units, func(u data.Unit) string { return u.Name }))
	o.groups.SetOptions(uikit.Names(w.groups, func(g data.Group) string { return g.Name }))
	o.refresh()
}

// showChecking tells that the rows are checked again.
func (o *optionsStep) showChecking() {
	o.status.SetText(lang.L("Checking the rows with these choices…"))
	o.status.Show()
}

// refresh shows the settings in force and what the last check found.
func (o *optionsStep) refresh() {
	w := o.w
	s := &w.settings
	on := o.role.OnChanged
	o.role.OnChanged = nil
	if name := uikit.NameOf(w.roles, s.RoleID); name != "" {
		o.role.SetSelected(name)
	} else {
		o.role.ClearSelected()
	}
	o.role.OnChanged = on
	o.units.OnChanged = nil
	o.units.SetSelected(uikit.NamesOf(w.units, s.UnitIDs))
	o.units.OnChanged = o.onUnits
	o.groups.OnChanged = nil
	o.groups.SetSelected(uikit.NamesOf(w.groups, s.GroupIDs))
	o.groups.OnChanged = o.onGroups
	o.invite.OnChanged = nil
	o.invite.SetChecked(s.Invite)
	o.invite.OnChanged = func(on bool) { w.settings.Invite = on }
	if s.ValidDays == 0 {
		s.ValidDays = w.defaultDays
	}
	if o.days.Text == "" || w.validDaysOK {
		o.days.OnChanged = nil
		o.days.SetText(strconv.Itoa(s.ValidDays))
		o.days.OnChanged = o.onDays
	}
	if !w.checking {
		o.status.Hide()
	}
	o.showNotes()
}

// showNotes explains role and units for this file and how many rows are left out.
func (o *optionsStep) showNotes() {
	w := o.w
	p := w.plan
	m := w.settings.Mapping
	noRoleColumn := len(m.Columns(importer.Role)) == 0
	noUnitColumn := len(m.Columns(importer.Units)) == 0
	switch {
	case len(w.roles) == 0:
		o.roleNote.SetText("") // the role area says it
	case w.settings.UpdateList:
		o.roleNote.SetText(lang.L("For the new users in the file without a role; the users already here keep theirs."))
	case noRoleColumn:
		o.roleNote.SetText(lang.L("Required: the file has no Role column, so every user gets this role."))
	case p != nil:
		without := 0
		for i := range p.Rows {
			if p.Rows[i].Value(importer.Role) == "" {
				without++
			}
		}
		if without > 0 {
			o.roleNote.SetText(fmt.Sprintf(lang.L("Required for the %s without a role in the file."), rowCount(without)))
		} else {
			o.roleNote.SetText(lang.L("Every row names its role; this one is used for rows without one."))
		}
	default:
		o.roleNote.SetText(lang.L("For rows without a role in the file."))
	}
	units := lang.L("Added to every row, beside the units named in the file.")
	if noUnitColumn {
		units = lang.L("Required: the file has no Units column, so every user joins the units ticked here.")
	}
	if p != nil && len(p.NewUnits) > 0 {
		units += " " + fmt.Sprintf(lang.L("New units from the file are created: %s."), strings.Join(unitNames(p.NewUnits), ", "))
	}
	o.unitsNote.SetText(units)
	o.absent.refresh()
	o.showWhy()
	if p == nil || p.Counts.Fail == 0 {
		o.errors.Hide()
		return
	}
	text := fmt.Sprintf(lang.L("%s rows with errors will not be imported. Correct them in step 4 (Check), or import the other rows without them."),
		display.Count(p.Counts.Fail))
	if p.Counts.Fail == 1 {
		text = lang.L("1 row with errors will not be imported. Correct it in step 4 (Check), or import the other rows without it.")
	}
	o.errors.SetText(text)
	o.errors.Show()
}

// showWhy says above Next why it is off on this step: roles or units missing
// from the database, choices the rows still need, or a wrong validity.
func (o *optionsStep) showWhy() {
	w := o.w
	p := w.plan
	why := ""
	switch {
	case w.checking || p == nil:
	case p.Counts.NeedRole > 0 && len(w.roles) == 0:
		why = uikit.CatalogWhy(lang.L("Every row without a role in the file"), 0, 0, false)
	case p.Counts.NeedUnit > 0 && len(w.units) == 0:
		why = uikit.CatalogWhy(lang.L("Every row without a unit in the file"), 1, 0, true)
	case p.Missing() != "":
		why = fmt.Sprintf(lang.L("Next is off: %s"), p.Missing()+".")
	case !w.validDaysOK:
		why = fmt.Sprintf(lang.L("Next is off: %s"), o.daysMsg.Text)
	case w.refusedNew() != "":
		why = fmt.Sprintf(lang.L("Next is off: %s"), w.refusedNew())
	}
	o.why.Set(why)
}

func (o *optionsStep) onRole(name string) {
	w := o.w
	id := uikit.IDByName(w.roles, name, func(r data.Role) (string, string) { return r.ID, r.Name })
	if id == w.settings.RoleID {
		return
	}
	w.settings.RoleID = id
	w.runCheck()
}

func (o *optionsStep) onUnits(chosen []string) {
	w := o.w
	ids := uikit.IDsOf(w.units, chosen)
	if slices.Equal(ids, w.settings.UnitIDs) {
		return
	}
	w.settings.UnitIDs = ids
	w.runCheck()
}

func (o *optionsStep) onGroups(chosen []string) {
	w := o.w
	ids := uikit.IDsOf(w.groups, chosen)
	if slices.Equal(ids, w.settings.GroupIDs) {
		return
	}
	w.settings.GroupIDs = ids
	w.runCheck()
}

// onDays reads the validity.
func (o *optionsStep) onDays(text string) {
	w := o.w
	n, err := strconv.Atoi(strings.TrimSpace(text))
	switch {
	case err != nil:
		o.daysMsg.SetText(fmt.Sprintf(lang.L("Enter a whole number of days, e.g. %d."), w.defaultDays))
	case n < settings.MinValidDays || n > settings.MaxValidDays:
		o.daysMsg.SetText(fmt.Sprintf(lang.L("Keys can be valid for %d to %d days."), settings.MinValidDays, settings.MaxValidDays))
	default:
		o.daysMsg.Hide()
		w.validDaysOK = true
		w.settings.ValidDays = n
		w.updateButtons()
		o.showWhy()
		return
	}
	o.daysMsg.Show()
	w.validDaysOK = false
	w.updateButtons()
	o.showWhy()
}
