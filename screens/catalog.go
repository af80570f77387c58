package screens

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/syncapi"
	"onboard/screens/internal/uikit"
)

// CatalogSource is what the units and groups screen reads.
type CatalogSource interface {
	UnitCounts(ctx context.Context) ([]data.CatalogCount, error)
	GroupCounts(ctx context.Context) ([]data.CatalogCount, error)
	UsersOnlyInUnit(ctx context.Context, unitID string) (int, error)
}

// CatalogService is what the units and groups screen changes.
type CatalogService interface {
	CreateUnit(ctx context.Context, name string) (*data.Unit, error)
	RenameUnit(ctx context.Context, id, name string) error
	DeleteUnit(ctx context.Context, id, moveTo string) error
	CreateGroup(ctx context.Context, name string) (*data.Group, error)
	RenameGroup(ctx context.Context, id, name string) error
	DeleteGroup(ctx context.Context, id string) error
}

// CatalogScreen lists the units and the groups with their user counts and creates,
// renames and deletes them.
type CatalogScreen struct {
	src CatalogSource
	svc CatalogService
	win fyne.Window
	bg  sync.WaitGroup

	units, groups       []data.CatalogCount
	unitList, groupList *widget.List
	unitSel, groupSel   int
	content             fyne.CanvasObject
	lastEntry           *widget.Entry // the name field of the open dialog (tests type into it)
	lastMsg             *widget.Label

	// OnShowUsers shows the users of a unit (the users screen, filtered).
	OnShowUsers func(unitID string)
	// OnNewUserInUnit opens the new-user dialog with the unit preset.
	OnNewUserInUnit func(unitID string)
	// OnClassSheet, if set, saves the class sheet of a unit (asking where).
	OnClassSheet func(unitID, unitName string)
	// OnChanged, if set, is called after units or groups were created, renamed or
	// deleted (the window syncs them soon).
	OnChanged func()

	newUser *uikit.Permitted // "New user in this unit": add-users
	// unitEdits are New unit, Rename… and Delete… of units (manage-units);
	// groupEdits those of groups (manage-groups).
	unitEdits, groupEdits []*uikit.Permitted

	noUnits, noGroups *widget.Label // what to do while a list is empty
}

// emptyNote is the text an empty list shows in its place.
func emptyNote(text string) *widget.Label {
	l := &widget.Label{Text: text, Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	l.Hide()
	return l
}

// showWhen shows o when on holds, else hides it.
func showWhen(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// NewCatalogScreen builds the units and groups screen; call Reload to fill it.
func NewCatalogScreen(src CatalogSource, svc CatalogService, win fyne.Window) *CatalogScreen {
	s := &CatalogScreen{src: src, svc: svc, win: win, unitSel: -1, groupSel: -1}
	s.unitList = s.list(&s.units, &s.unitSel)
	s.groupList = s.list(&s.groups, &s.groupSel)
	s.newUser = uikit.NewPermitted(syncapi.PermAddUsers, &widget.Button{
		Text:     lang.L("New user in this unit"),
		OnTapped: func() { s.withUnit(s.OnNewUserInUnit) },
	})
	s.unitEdits = permitted(syncapi.PermManageUnits,
		&widget.Button{Text: lang.L("New unit"), OnTapped: func() { s.askName(lang.L("New unit"), "", s.createUnit) }},
		&widget.Button{Text: lang.L("Rename…"), OnTapped: func() { s.rename(s.units, s.unitSel, s.svc.RenameUnit) }},
		&widget.Button{Text: lang.L("Delete…"), OnTapped: s.askDeleteUnit},
	)
	s.groupEdits = permitted(syncapi.PermManageGroups,
		&widget.Button{Text: lang.L("New group"), OnTapped: func() { s.askName(lang.L("New group"), "", s.createGroup) }},
		&widget.Button{Text: lang.L("Rename…"), OnTapped: func() { s.rename(s.groups, s.groupSel, s.svc.RenameGroup) }},
		&widget.Button{Text: lang.L("Delete…"), OnTapped: s.askDeleteGroup},
	)
	// Two lines of buttons, so that both columns fit a window 1024 px wide.
	unitButtons := container.NewVBox(
		container.NewHBox(tips(s.unitEdits)...),
		container.NewHBox(
			&widget.Button{Text: lang.L("Show users"), OnTapped: func() { s.withUnit(s.OnShowUsers) }},
			s.newUser.Tip,
			&widget.Button{Text: lang.L("Class sheet…"), OnTapped: func() { s.withUnit(s.classSheet) }},
		),
	)
	groupButtons := container.NewHBox(tips(s.groupEdits)...)
	s.noUnits = emptyNote(lang.L("No units yet. A unit is a class, a department or a site: create one with New unit, " +
		"paste a list in Settings → Set up the organization, or import a file that names them."))
	s.noGroups = emptyNote(lang.L("No groups yet. Groups are optional contact groups, e.g. a choir or a project team."))
	units := container.NewBorder(container.NewVBox(uikit.BoldLabel(lang.L("Units")), unitButtons), nil, nil, nil,
		container.NewStack(s.unitList, container.NewVBox(s.noUnits)))
	groups := container.NewBorder(container.NewVBox(uikit.BoldLabel(lang.L("Groups")), groupButtons), nil, nil, nil,
		container.NewStack(s.groupList, container.NewVBox(s.noGroups)))
	note := &widget.Label{
		Text:     lang.L("Every user belongs to at least one unit (a class, company or site). Groups are contact groups."),
		Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance,
	}
	s.content = container.NewBorder(container.NewVBox(uikit.Heading(lang.L("Units and groups")), note), nil, nil, nil,
		container.NewGridWithColumns(2, units, groups))
	return s
}

// list shows entries as "Name — N users".
func (s *CatalogScreen) list(entries *[]data.CatalogCount, sel *int) *widget.List {
	l := widget.NewList(func() int { return len(*entries) },
		func() fyne.CanvasObject { return widget.NewLabel("Kundenservice — 1,000 users") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			e := (*entries)[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s — %s", e.Name, display.PluralOf(e.Users, lang.L("user"), lang.L("users"))))
		})
	l.OnSelected = func(i widget.ListItemID) { *sel = i }
	l.OnUnselected = func(widget.ListItemID) { *sel = -1 }
	return l
}

// Content is the screen's root object.
func (s *CatalogScreen) Content() fyne.CanvasObject { return s.content }

// SetPermissions enables "New user in this unit" when the operator may add users,
// and creating, renaming and deleting units and groups when it may change them
// (the server would refuse the change); a button that is off says why in its
// tooltip.
func (s *CatalogScreen) SetPermissions(p Permissions) {
	s.newUser.Apply(p)
	for _, b := range slices.Concat(s.unitEdits, s.groupEdits) {
		b.Apply(p)
	}
}

// permitted wraps each of buttons for the actions needing perm.
func permitted(perm syncapi.Permission, buttons ...*widget.Button) []*uikit.Permitted {
	out := make([]*uikit.Permitted, len(buttons))
	for i, b := range buttons {
		out[i] = uikit.NewPermitted(perm, b)
	}
	return out
}

// tips are the tooltip wrappers of bs, to lay out.
func tips(bs []*uikit.Permitted) []fyne.CanvasObject {
	out := make([]fyne.CanvasObject, len(bs))
	for i, b := range bs {
		out[i] = b.Tip
	}
	return out
}

// changedThenReload tells the window that units or groups changed and reloads.
func (s *CatalogScreen) changedThenReload() {
	if s.OnChanged != nil {
		s.OnChanged()
	}
	s.Reload()
}

// Reload reads the units and groups again.
func (s *CatalogScreen) Reload() {
	var units, groups []data.CatalogCount
	s.run(func(ctx context.Context) (err error) {
		if units, err = s.src.UnitCounts(ctx); err != nil {
			return err
		}
		groups, err = s.src.GroupCounts(ctx)
		return err
	}, func() {
		s.units, s.groups = units, groups
		s.unitSel, s.groupSel = -1, -1
		s.unitList.UnselectAll()
		s.groupList.UnselectAll()
		s.unitList.Refresh()
		s.groupList.Refresh()
		showWhen(s.noUnits, len(units) == 0)
		showWhen(s.noGroups, len(groups) == 0)
	})
}

// run does work off the UI goroutine and apply on it; errors become dialogs.
func (s *CatalogScreen) run(work func(context.Context) error, apply func()) {
	s.bg.Go(func() {
		err := work(context.Background())
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, s.win)
				return
			}
			apply()
		})
	})
}

// withUnit calls f with the chosen unit, or says to choose one.
func (s *CatalogScreen) withUnit(f func(string)) {
	if s.unitSel < 0 || s.unitSel >= len(s.units) {
		dialog.ShowInformation(lang.L("Choose a unit"), lang.L("Click a unit in the list first."), s.win)
		return
	}
	if f != nil {
		f(s.units[s.unitSel].ID)
	}
}

// classSheet saves the class sheet of the unit unitID, the one chosen.
func (s *CatalogScreen) classSheet(unitID string) {
	if s.OnClassSheet != nil {
		s.OnClassSheet(unitID, s.units[s.unitSel].Name)
	}
}

// askName asks for a name and reloads after it was saved.
func (s *CatalogScreen) askName(title, current string, save func(context.Context, string) error) {
	s.lastEntry, s.lastMsg = uikit.AskName(s.win, &s.bg, title, current, save, s.changedThenReload)
}

func (s *CatalogScreen) createUnit(ctx context.Context, name string) error {
	_, err := s.svc.CreateUnit(ctx, name)
	return err
}

func (s *CatalogScreen) createGroup(ctx context.Context, name string) error {
	_, err := s.svc.CreateGroup(ctx, name)
	return err
}

// rename asks for a new name of the chosen entry.
func (s *CatalogScreen) rename(list []data.CatalogCount, sel int, save func(context.Context, string, string) error) {
	if sel < 0 || sel >= len(list) {
		dialog.ShowInformation(lang.L("Choose an entry"), lang.L("Click an entry in the list first."), s.win)
		return
	}
	e := list[sel]
	s.askName(fmt.Sprintf(lang.L("Rename %s"), e.Name), e.Name, func(ctx context.Context, name string) error { return save(ctx, e.ID, name) })
}

// askDeleteUnit explains what deleting the chosen unit does and asks; users whose
// only unit it is must move to another unit.
func (s *CatalogScreen) askDeleteUnit() {
	s.withUnit(func(id string) {
		u := s.units[s.unitSel]
		var sole int
		s.run(func(ctx context.Context) (err error) {
			sole, err = s.src.UsersOnlyInUnit(ctx, id)
			return err
		}, func() {
			if sole == 0 {
				text := fmt.Sprintf(lang.L("Delete the unit “%s”?"), u.Name)
				if u.Users > 0 {
					text = fmt.Sprintf(lang.L("Delete the unit “%s”? Its %s stay in their other units."),
						u.Name, display.PluralOf(u.Users, lang.L("user"), lang.L("users")))
				}
				s.confirm(lang.L("Delete unit"), text, func() {
					s.run(func(ctx context.Context) error { return s.svc.DeleteUnit(ctx, id, "") }, s.changedThenReload)
				})
				return
			}
			var others []data.CatalogCount
			for _, o := range s.units {
				if o.ID != id {
					others = append(others, o)
				}
			}
			if len(others) == 0 {
				dialog.ShowInformation(lang.L("Delete unit"), fmt.Sprintf(lang.L("“%s” is the only unit and %s belong to it. "+
					"Create another unit for them first."), u.Name, display.PluralOf(sole, lang.L("user"), lang.L("users"))), s.win)
				return
			}
			target := widget.NewSelect(uikit.Names(others, func(c data.CatalogCount) string { return c.Name }), nil)
			target.SetSelected(others[0].Name)
			explain := &widget.Label{Text: fmt.Sprintf(lang.L("%s have no unit but “%s”. Choose where they move; then the unit is deleted."),
				display.PluralOf(sole, lang.L("user"), lang.L("users")), u.Name), Wrapping: fyne.TextWrapWord}
			form := []*widget.FormItem{widget.NewFormItem("", explain), widget.NewFormItem(lang.L("Move them to"), target)}
			d := dialog.NewForm(lang.L("Delete unit"), lang.L("Move and delete"), lang.L("Cancel"), form, func(ok bool) {
				if !ok {
					return
				}
				to := uikit.IDByName(others, target.Selected, func(c data.CatalogCount) (string, string) { return c.ID, c.Name })
				s.run(func(ctx context.Context) error { return s.svc.DeleteUnit(ctx, id, to) }, s.changedThenReload)
			}, s.win)
			d.Resize(fyne.NewSize(480, 260))
			d.Show()
		})
	})
}

// askDeleteGroup asks before the chosen group is deleted.
func (s *CatalogScreen) askDeleteGroup() {
	if s.groupSel < 0 || s.groupSel >= len(s.groups) {
		dialog.ShowInformation(lang.L("Choose a group"), lang.L("Click a group in the list first."), s.win)
		return
	}
	g := s.groups[s.groupSel]
	s.confirm(lang.L("Delete group"), fmt.Sprintf(lang.L("Remove the group “%s” from its %s and delete it? The users stay."),
		g.Name, display.PluralOf(g.Users, lang.L("user"), lang.L("users"))), func() {
		s.run(func(ctx context.Context) error { return s.svc.DeleteGroup(ctx, g.ID) }, s.changedThenReload)
	})
}

func (s *CatalogScreen) confirm(title, text string, then func()) {
	dialog.ShowConfirm(title, text, func(ok bool) {
		if ok {
			then()
		}
	}, s.win)
}

// wait blocks until background work has finished.
func (s *CatalogScreen) wait() { s.bg.Wait() }
