package screens

import (
	"context"
	"fmt"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/syncapi"
	"onboard/screens/internal/uikit"
)

// RolesSource is what the roles screen reads.
type RolesSource interface {
	RoleCounts(ctx context.Context) ([]data.RoleCount, error)
}

// RolesService is what the roles screen changes.
type RolesService interface {
	CreateRole(ctx context.Context, name string, permissions []string) (*data.Role, error)
	RenameRole(ctx context.Context, id, name string) error
	SetRolePermissions(ctx context.Context, id string, permissions []string) error
	DeleteRole(ctx context.Context, id, moveTo string) error
}

// RolesScreen lists the roles with their numbers of users, creates, renames and
// deletes them, and shows the permissions of the chosen role as check boxes.
type RolesScreen struct {
	src RolesSource
	svc RolesService
	win fyne.Window
	bg  sync.WaitGroup

	roles   []data.RoleCount
	list    *widget.List
	sel     int
	title   *widget.Label
	empty   *widget.Label
	checks  map[syncapi.Permission]*widget.Check
	perms   fyne.CanvasObject
	saved   *widget.Label
	hint    *widget.Label
	top     *fyne.Container
	content fyne.CanvasObject
	gates   []*uikit.Permitted // every change needs manage-roles
	mayEdit bool

	lastEntry *widget.Entry // the name field of the open dialog (tests type into it)
	lastMsg   *widget.Label

	// OnChanged, if set, is called after roles changed (the window syncs them soon).
	OnChanged func()
	// OnSetup opens the first-run setup (offered while there are no roles).
	OnSetup func()
}

// NewRolesScreen builds the roles screen; call Reload to fill it.
func NewRolesScreen(src RolesSource, svc RolesService, win fyne.Window) *RolesScreen {
	s := &RolesScreen{src: src, svc: svc, win: win, sel: -1, mayEdit: true, checks: map[syncapi.Permission]*widget.Check{}}
	s.list = widget.NewList(func() int { return len(s.roles) },
		func() fyne.CanvasObject { return widget.NewLabel("Administration — 1,000 users, 10 invite keys") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(roleLine(s.roles[i])) })
	s.list.OnSelected = func(i widget.ListItemID) { s.sel = i; s.showRole() }
	s.list.OnUnselected = func(widget.ListItemID) { s.sel = -1; s.showRole() }

	for _, b := range []*widget.Button{
		{Text: lang.L("New role"), OnTapped: s.askNew},
		{Text: lang.L("Rename…"), OnTapped: s.rename},
		{Text: lang.L("Delete…"), OnTapped: s.askDelete},
	} {
		s.gates = append(s.gates, uikit.NewPermitted(syncapi.PermManageRoles, b))
	}
	buttons := container.NewHBox()
	for _, g := range s.gates {
		buttons.Add(g.Tip)
	}
	s.hint = uikit.HintLabel()
	left := container.NewBorder(container.NewVBox(uikit.BoldLabel(lang.L("Roles")), buttons), nil, nil, nil, s.list)

	s.title = uikit.BoldLabel("")
	s.empty = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.saved = &widget.Label{Importance: widget.SuccessImportance}
	s.perms = s.buildChecks()
	right := container.NewVBox(s.title, s.empty, s.perms, s.saved)

	note := &widget.Label{
		Text: lang.L("Every user has one role; it says what they may do. " +
			"Give one person more in their user form (Additional permissions)."),
		Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance,
	}
	s.top = container.NewVBox(uikit.Heading(lang.L("Roles and permissions")), note, s.hint)
	s.content = container.NewBorder(s.top, nil, nil, nil,
		container.NewGridWithColumns(2, left, container.NewVScroll(right)))
	s.showRole()
	return s
}

// roleLine is a role's entry in the list: "Teacher — 12 users, 1 invite key".
func roleLine(r data.RoleCount) string {
	users := display.PluralOf(r.Users, lang.L("user"), lang.L("users"))
	if r.InviteKeys > 0 {
		return fmt.Sprintf(lang.L("%s — %s, %s"), r.Name, users,
			display.PluralOf(r.InviteKeys, lang.L("invite key"), lang.L("invite keys")))
	}
	return fmt.Sprintf("%s — %s", r.Name, users)
}

// buildChecks makes one check box per permission, with its explanation under it:
// the operator rights first, then what a person may do once active.
func (s *RolesScreen) buildChecks() fyne.CanvasObject {
	box := container.NewVBox()
	section := func(title string, operator bool) {
		box.Add(&widget.Label{Text: title, TextStyle: fyne.TextStyle{Italic: true}})
		// One row per permission: its check box, and beside it what it allows.
		rows := container.New(layout.NewFormLayout())
		for _, info := range syncapi.AllPermissions {
			if info.Operator != operator {
				continue
			}
			c := widget.NewCheck(permissionLabel(info), func(bool) { s.savePermissions() })
			s.checks[info.Name] = c
			rows.Add(c)
			rows.Add(&widget.Label{Text: permissionHelp(info), Wrapping: fyne.TextWrapWord})
		}
		box.Add(rows)
	}
	section(lang.L("Working in Onboard"), true)
	section(lang.L("Once their account is active"), false)
	return box
}

// Content is the screen's root object.
func (s *RolesScreen) Content() fyne.CanvasObject { return s.content }

// SetPermissions enables the changes when the operator may manage roles; otherwise
// the buttons' tooltips and a note say why they are off.
func (s *RolesScreen) SetPermissions(p Permissions) {
	for _, g := range s.gates {
		g.Apply(p)
	}
	s.mayEdit = p.Allows(syncapi.PermManageRoles)
	uikit.SetHint(s.hint, uikit.PermissionHint(p, s.gates[0]), s.top)
	s.showRole()
}

// Reload reads the roles again, keeping the chosen one.
func (s *RolesScreen) Reload() {
	keep := ""
	if s.sel >= 0 && s.sel < len(s.roles) {
		keep = s.roles[s.sel].ID
	}
	s.reloadChoosing(keep)
}

// reloadChoosing reads the roles and chooses the one with ID id, if any.
func (s *RolesScreen) reloadChoosing(id string) {
	var roles []data.RoleCount
	s.run(func(ctx context.Context) (err error) {
		roles, err = s.src.RoleCounts(ctx)
		return err
	}, func() {
		s.roles = roles
		s.sel = -1
		s.list.UnselectAll()
		s.list.Refresh()
		for i, r := range roles {
			if r.ID == id {
				s.list.Select(i)
			}
		}
		if s.sel < 0 && len(roles) > 0 {
			s.list.Select(0)
		}
		s.showRole()
	})
}

// showRole fills the right side with the chosen role's permissions, or says what
// to do when there is none.
func (s *RolesScreen) showRole() {
	s.saved.SetText("")
	if s.sel < 0 || s.sel >= len(s.roles) {
		s.title.SetText(lang.L("Permissions"))
		if len(s.roles) == 0 {
			s.empty.SetText(lang.L("No roles yet. Create one with New role, or start with the roles of a school or a company: Settings → First-run setup."))
		} else {
			s.empty.SetText(lang.L("Click a role to see its permissions."))
		}
		s.empty.Show()
		s.perms.Hide()
		return
	}
	r := s.roles[s.sel]
	s.title.SetText(fmt.Sprintf(lang.L("Permissions of %s"), r.Name))
	s.empty.Hide()
	have := map[syncapi.Permission]bool{}
	for _, p := range r.PermissionList() {
		have[p] = true
	}
	for name, c := range s.checks {
		on := c.OnChanged
		c.OnChanged = nil
		c.SetChecked(have[name])
		c.OnChanged = on
		uikit.SetEnabled(c, s.mayEdit)
	}
	s.perms.Show()
}

// checkedPermissions are the names of the ticked check boxes, in catalogue order.
func (s *RolesScreen) checkedPermissions() []string {
	var out []string
	for _, info := range syncapi.AllPermissions {
		if s.checks[info.Name].Checked {
			out = append(out, string(info.Name))
		}
	}
	return out
}

// savePermissions stores the ticked permissions for the chosen role at once.
func (s *RolesScreen) savePermissions() {
	if s.sel < 0 || s.sel >= len(s.roles) {
		return
	}
	r := s.roles[s.sel]
	perms := s.checkedPermissions()
	s.run(func(ctx context.Context) error { return s.svc.SetRolePermissions(ctx, r.ID, perms) }, func() {
		s.roles[s.sel].Permissions = syncapi.JoinPermissions(toPermissions(perms))
		s.saved.SetText(fmt.Sprintf(lang.L("Saved. The permissions of %s are changed."), r.Name))
		if s.OnChanged != nil {
			s.OnChanged()
		}
	})
}

// roleUseText is who uses a role: "12 users and 1 invite key".
func roleUseText(users, keys int) string {
	u := display.PluralOf(users, lang.L("user"), lang.L("users"))
	k := display.PluralOf(keys, lang.L("invite key"), lang.L("invite keys"))
	switch {
	case users > 0 && keys > 0:
		return fmt.Sprintf(lang.L("%s and %s"), u, k)
	case keys > 0:
		return k
	}
	return u
}

func toPermissions(names []string) []syncapi.Permission {
	out := make([]syncapi.Permission, len(names))
	for i, n := range names {
		out[i] = syncapi.Permission(n)
	}
	return out
}

// askNew asks for the name of a new role, created without permissions and chosen
// at once so they can be ticked.
func (s *RolesScreen) askNew() {
	var id string
	s.lastEntry, s.lastMsg = uikit.AskName(s.win, &s.bg, lang.L("New role"), "", func(ctx context.Context, name string) error {
		r, err := s.svc.CreateRole(ctx, name, nil)
		if err == nil {
			id = r.ID // read by the closing step, which runs after this
		}
		return err
	}, func() { s.changedChoosing(id) })
}

// changedChoosing tells the window that roles changed and reads them again,
// choosing the role with ID id ("" keeps the chosen one).
func (s *RolesScreen) changedChoosing(id string) {
	if s.OnChanged != nil {
		s.OnChanged()
	}
	if id == "" {
		s.Reload()
		return
	}
	s.reloadChoosing(id)
}

// chosen returns the chosen role, or says to choose one.
func (s *RolesScreen) chosen() (data.RoleCount, bool) {
	if s.sel < 0 || s.sel >= len(s.roles) {
		dialog.ShowInformation(lang.L("Choose a role"), lang.L("Click a role in the list first."), s.win)
		return data.RoleCount{}, false
	}
	return s.roles[s.sel], true
}

func (s *RolesScreen) rename() {
	if r, ok := s.chosen(); ok {
		s.lastEntry, s.lastMsg = uikit.AskName(s.win, &s.bg, fmt.Sprintf(lang.L("Rename %s"), r.Name), r.Name, func(ctx context.Context, name string) error {
			return s.svc.RenameRole(ctx, r.ID, name)
		}, func() { s.changedChoosing("") })
	}
}

// askDelete asks before the chosen role is deleted; a role with users or invite
// keys asks which role they move to.
func (s *RolesScreen) askDelete() {
	r, ok := s.chosen()
	if !ok {
		return
	}
	del := func(moveTo string) {
		s.run(func(ctx context.Context) error { return s.svc.DeleteRole(ctx, r.ID, moveTo) }, func() {
			s.sel = -1
			s.changedChoosing("")
		})
	}
	if r.Users+r.InviteKeys == 0 {
		dialog.ShowConfirm(lang.L("Delete role"), fmt.Sprintf(lang.L("Delete the role “%s”? No user has it."), r.Name), func(ok bool) {
			if ok {
				del("")
			}
		}, s.win)
		return
	}
	members := roleUseText(r.Users, r.InviteKeys)
	var others []data.RoleCount
	for _, o := range s.roles {
		if o.ID != r.ID {
			others = append(others, o)
		}
	}
	if len(others) == 0 {
		dialog.ShowInformation(lang.L("Delete role"), fmt.Sprintf(lang.L("“%s” is the only role and %s have it. "+
			"Create another role for them first."), r.Name, members), s.win)
		return
	}
	target := widget.NewSelect(uikit.Names(others, func(c data.RoleCount) string { return c.Name }), nil)
	target.SetSelected(others[0].Name)
	explain := &widget.Label{Text: fmt.Sprintf(lang.L("%s have the role “%s”. Choose the role they get instead; then “%s” is deleted."),
		members, r.Name, r.Name), Wrapping: fyne.TextWrapWord}
	form := []*widget.FormItem{widget.NewFormItem("", explain), widget.NewFormItem(lang.L("Move them to"), target)}
	d := dialog.NewForm(lang.L("Delete role"), lang.L("Move and delete"), lang.L("Cancel"), form, func(ok bool) {
		if ok {
			del(uikit.IDByName(others, target.Selected, func(c data.RoleCount) (string, string) { return c.ID, c.Name }))
		}
	}, s.win)
	d.Resize(fyne.NewSize(480, 260))
	d.Show()
}

// run does work off the UI goroutine and apply on it; errors become dialogs and
// the roles are read again (a refused change shows what is stored).
func (s *RolesScreen) run(work func(context.Context) error, apply func()) {
	s.bg.Go(func() {
		err := work(context.Background())
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, s.win)
				s.Reload()
				return
			}
			apply()
		})
	})
}

// wait blocks until background work has finished.
func (s *RolesScreen) wait() { s.bg.Wait() }
