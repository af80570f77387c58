package screens

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/syncapi"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// KeySource is what the invite keys screen reads.
type KeySource interface {
	Catalog
	InviteKeys(ctx context.Context) ([]data.InviteKey, error)
	InviteKeyUsers(ctx context.Context, keyID string, now time.Time) ([]data.UserRow, error)
	InviteKeyLinks(ctx context.Context, keyID string) (units, groups []string, err error)
}

// KeyService is what the invite keys screen changes.
type KeyService interface {
	Now() time.Time
	CreateInviteKey(ctx context.Context, in lifecycle.InviteKeyInput) (*data.InviteKey, error)
	RevokeInviteKey(ctx context.Context, id string) (*data.InviteKey, error)
}

// keyColumns are the columns of the invite key list, their titles in English
// (keyHeaders translates them).
var keyColumns = []uikit.TableColumn{
	uikit.Col(resources.Mark("Label"), 200),
	uikit.Col(resources.Mark("Key"), 130),
	uikit.Col(resources.Mark("Uses"), 80),
	uikit.Col(resources.Mark("Valid until"), 150),
	uikit.Col(resources.Mark("State"), 100),
}

// keyHeaders are keyColumns with their titles in the window's language.
func keyHeaders() []uikit.TableColumn {
	out := make([]uikit.TableColumn, len(keyColumns))
	for i, c := range keyColumns {
		c.Title = lang.L(c.Title)
		out[i] = c
	}
	return out
}

// KeysScreen lists the invite keys (revoked and expired ones too), shows who
// registered with the chosen key, and creates and revokes keys.
type KeysScreen struct {
	src  KeySource
	svc  KeyService
	win  fyne.Window
	bg   sync.WaitGroup
	keys []data.InviteKey
	now  time.Time
	cur  string // the chosen key's ID

	table   *widget.Table
	empty   *widget.Label
	title   *widget.Label
	key     *widget.Label
	info    *widget.Label
	users   *widget.Label
	copyBtn *widget.Button
	revoke  *widget.Button
	detail  *fyne.Container
	content fyne.CanvasObject

	// OnChanged, if set, is called after a key was created or revoked (the window
	// syncs it soon).
	OnChanged func()

	perms    Permissions
	newKey   *uikit.Permitted // "New invite key": add-users-by-link
	permNote *widget.Label
	frame    *fyne.Container // the screen; laid out again when the note shows

	// Last is the key created last (tests read it).
	Last     *data.InviteKey
	lastForm *keyForm
}

// NewKeysScreen builds the invite keys screen for window win; call Reload to fill it.
func NewKeysScreen(src KeySource, svc KeyService, win fyne.Window) *KeysScreen {
	s := &KeysScreen{src: src, svc: svc, win: win}
	s.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(s.keys), len(keyColumns) },
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(s.cell(id.Row, id.Col)) },
	)
	uikit.SetHeader(s.table, keyHeaders())
	s.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(s.keys) {
			s.choose(s.keys[id.Row].ID)
		}
	}
	s.empty = &widget.Label{Text: lang.L("No invite keys yet. Create one to let people register themselves."), Alignment: fyne.TextAlignCenter}
	s.title = uikit.Heading("")
	s.key = &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, SizeName: theme.SizeNameHeadingText, Selectable: true}
	s.info = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.users = &widget.Label{Wrapping: fyne.TextWrapWord}
	s.copyBtn = &widget.Button{Text: lang.L("Copy key"), Icon: theme.ContentCopyIcon(), OnTapped: func() { uikit.CopyText(s.key.Text) }}
	s.revoke = &widget.Button{Text: lang.L("Revoke…"), Importance: widget.DangerImportance, OnTapped: s.askRevoke}
	s.detail = container.NewVBox(s.title, container.NewHBox(s.key, s.copyBtn), s.info,
		widget.NewLabelWithStyle(lang.L("Registered with this key"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.users, container.NewHBox(s.revoke))
	s.detail.Hide()
	s.newKey = uikit.NewPermitted(syncapi.PermAddUsersByLink,
		&widget.Button{Text: lang.L("New invite key"), Importance: widget.HighImportance, OnTapped: s.NewKey})
	s.permNote = uikit.HintLabel()
	top := container.NewVBox(container.NewBorder(nil, nil, uikit.Heading(lang.L("Invite keys")), s.newKey.Tip), s.permNote)
	note := &widget.Label{Text: lang.L("Anyone with an invite key can register in its role, units and groups until it expires, " +
		"is used up or is revoked."), Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	split := container.NewHSplit(container.NewStack(s.table, container.NewCenter(s.empty)), container.NewVScroll(s.detail))
	split.Offset = 0.6
	s.frame = container.NewBorder(container.NewVBox(top, note), nil, nil, nil, split)
	s.content = s.frame
	return s
}

// Content is the screen's root object.
func (s *KeysScreen) Content() fyne.CanvasObject { return s.content }

// SetPermissions enables "New invite key" when the operator may create invite
// keys; otherwise a tooltip and a note say why it is off.
func (s *KeysScreen) SetPermissions(p Permissions) {
	s.perms = p
	s.newKey.Apply(p)
	uikit.SetHint(s.permNote, uikit.PermissionHint(p, s.newKey), s.frame)
}

func (s *KeysScreen) changed() {
	if s.OnChanged != nil {
		s.OnChanged()
	}
}

// cell is the text of a list cell.
func (s *KeysScreen) cell(row, col int) string {
	if row >= len(s.keys) {
		return ""
	}
	k := &s.keys[row]
	switch col {
	case 0:
		return k.Label
	case 1:
		return k.Key
	case 2:
		return fmt.Sprintf("%d / %d", k.Uses, k.MaxUses)
	case 3:
		return display.Time(&k.ValidUntil)
	}
	return stateLabel(lifecycle.InviteKeyState(k, s.now))
}

// stateLabel is an invite key's state (lifecycle.InviteKeyState) as the window
// shows it: "Active", "Used up", "Expired", "Revoked".
func stateLabel(state string) string {
	switch state {
	case lifecycle.InviteKeyActive:
		return lang.L("Active")
	case lifecycle.InviteKeyUsedUp:
		return lang.L("Used up")
	case lifecycle.InviteKeyExpired:
		return lang.L("Expired")
	case lifecycle.InviteKeyRevoked:
		return lang.L("Revoked")
	}
	return strings.ToUpper(state[:1]) + state[1:]
}

// Reload reads the keys again, keeping the chosen one.
func (s *KeysScreen) Reload() {
	now := s.svc.Now()
	var keys []data.InviteKey
	s.run(func(ctx context.Context) (err error) {
		keys, err = s.src.InviteKeys(ctx)
		return err
	}, func() {
		s.keys, s.now = keys, now
		if len(keys) == 0 {
			s.table.Hide()
			s.empty.Show()
		} else {
			s.empty.Hide()
			s.table.Show()
		}
		s.table.Refresh()
		switch {
		case s.cur != "":
			s.choose(s.cur)
		case len(keys) > 0:
			s.table.Select(widget.TableCellID{Row: 0, Col: 0})
		}
	})
}

// run does load off the UI goroutine and apply on it; errors become dialogs.
func (s *KeysScreen) run(load func(context.Context) error, apply func()) {
	s.bg.Go(func() {
		err := load(context.Background())
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, s.win)
				return
			}
			apply()
		})
	})
}

// choose shows a key's details and who registered with it.
func (s *KeysScreen) choose(id string) {
	s.cur = id
	var k *data.InviteKey
	for i := range s.keys {
		if s.keys[i].ID == id {
			k = &s.keys[i]
		}
	}
	if k == nil {
		s.detail.Hide()
		return
	}
	now := s.now
	var users []data.UserRow
	var units, groups []string
	var roles []data.Role
	s.run(func(ctx context.Context) (err error) {
		if users, err = s.src.InviteKeyUsers(ctx, id, now); err != nil {
			return err
		}
		if roles, err = s.src.Roles(ctx); err != nil {
			return err
		}
		units, groups, err = s.src.InviteKeyLinks(ctx, id)
		return err
	}, func() {
		if s.cur != id {
			return
		}
		role := uikit.NameOf(roles, k.RoleID)
		state := lifecycle.InviteKeyState(k, now)
		s.title.SetText(k.Label)
		s.key.SetText(k.Key)
		s.info.SetText(fmt.Sprintf(lang.L("%s · used %d of %d times · valid until %s\nRole %s · units %s · groups %s"),
			stateLabel(state), k.Uses, k.MaxUses, display.Time(&k.ValidUntil), role,
			orNone(strings.Join(units, ", ")), orNone(strings.Join(groups, ", "))))
		lines := make([]string, 0, len(users))
		for _, u := range users {
			lines = append(lines, fmt.Sprintf("%s · %s · %s", u.FullName(), orNone(u.Email), u.Status.Label()))
		}
		if len(lines) == 0 {
			lines = append(lines, lang.L("Nobody has registered with this key yet."))
		}
		s.users.SetText(strings.Join(lines, "\n"))
		if state == lifecycle.InviteKeyRevoked {
			s.revoke.Disable()
		} else {
			s.revoke.Enable()
		}
		s.detail.Show()
	})
}

func orNone(s string) string {
	if s == "" {
		return lang.L("none")
	}
	return s
}

// askRevoke asks before the chosen key is revoked.
func (s *KeysScreen) askRevoke() {
	id, label := s.cur, s.title.Text
	dialog.ShowConfirm(lang.L("Revoke invite key"), fmt.Sprintf(lang.L("Revoke the invite key “%s”? Nobody can register with it "+
		"afterwards. People who already registered keep their accounts."), label), func(ok bool) {
		if !ok {
			return
		}
		s.run(func(ctx context.Context) error {
			_, err := s.svc.RevokeInviteKey(ctx, id)
			return err
		}, func() {
			s.changed()
			s.Reload()
		})
	}, s.win)
}

// keyForm is the new invite key wizard.
type keyForm struct {
	label, validUntil, maxUses *widget.Entry
	role                       *widget.Select
	roleArea                   *uikit.RoleChoice
	units, groups              *uikit.MultiSelect
	why                        *uikit.WhyOff // why Create key is off
	msgs                       map[string]*widget.Label
}

// NewKey reads the roles, units and groups off the UI goroutine, then opens the
// dialog that creates an invite key.
func (s *KeysScreen) NewKey() {
	if uikit.Refused(s.perms, syncapi.PermAddUsersByLink, lang.L("New invite key"), s.win) {
		return
	}
	var cat staticCatalog
	s.run(func(ctx context.Context) (err error) {
		if cat.roles, err = s.src.Roles(ctx); err != nil {
			return err
		}
		if cat.units, err = s.src.Units(ctx); err != nil {
			return err
		}
		cat.groups, err = s.src.Groups(ctx)
		return err
	}, func() { s.showKeyForm(cat.roles, cat.units, cat.groups) })
}

// showKeyForm is the new invite key dialog.
func (s *KeysScreen) showKeyForm(roles []data.Role, units []data.Unit, groups []data.Group) {
	f := &keyForm{msgs: map[string]*widget.Label{}}
	f.label = widget.NewEntry()
	f.label.SetPlaceHolder(lang.L("e.g. Parents of class 5a"))
	f.validUntil = widget.NewEntry()
	f.validUntil.SetText(s.svc.Now().AddDate(0, 0, 14).Local().Format("2006-01-02"))
	f.maxUses = widget.NewEntry()
	f.maxUses.SetText("30")
	f.role = widget.NewSelect(nil, nil)
	f.roleArea = uikit.NewRoleChoice(f.role, nil)
	f.roleArea.SetRoles(uikit.Names(roles, func(r data.Role) string { return r.Name }))
	if len(roles) > 0 {
		f.role.SetSelected(roles[0].Name)
	}
	f.units = uikit.UnitPicker(nil)
	f.units.SetOptions(uikit.Names(units, func(u data.Unit) string { return u.Name }))
	f.groups = uikit.GroupPicker(nil)
	f.groups.SetOptions(uikit.Names(groups, func(g data.Group) string { return g.Name }))
	item := func(label, field string, obj fyne.CanvasObject) *widget.FormItem {
		f.msgs[field] = uikit.DangerLabel()
		return widget.NewFormItem(label, container.NewVBox(obj, f.msgs[field]))
	}
	items := []*widget.FormItem{
		item(lang.L("Label"), "label", f.label),
		item(lang.L("Role *"), "role", f.roleArea.Box),
		item(lang.L("Units *"), "units", f.units),
		item(lang.L("Groups"), "groups", f.groups),
		item(lang.L("Valid until *"), "valid_until", f.validUntil),
		item(lang.L("Maximum uses *"), "max_uses", f.maxUses),
	}
	var d *dialog.CustomDialog
	create := &widget.Button{Text: lang.L("Create key"), Importance: widget.HighImportance}
	create.OnTapped = func() {
		in, probs := f.input(roles, units, groups)
		if len(probs) > 0 {
			f.show(probs)
			return
		}
		var k *data.InviteKey
		create.Disable()
		s.bg.Go(func() {
			var err error
			k, err = s.svc.CreateInviteKey(context.Background(), in)
			uikit.OnUI(func() {
				create.Enable()
				var ve *lifecycle.ValidationError
				switch {
				case errors.As(err, &ve):
					f.show(ve.Problems)
				case err != nil:
					uikit.ShowError(err, s.win)
				default:
					d.Hide()
					s.Last, s.cur = k, k.ID
					s.changed()
					s.Reload()
					s.showNewKey(k)
				}
			})
		})
	}
	f.why = uikit.NewWhyOff()
	if why := uikit.CatalogWhy(lang.L("An invite key"), len(roles), len(units), true); why != "" {
		f.why.Set(why)
		create.Disable()
	}
	form := widget.NewForm(items...)
	d = dialog.NewCustomWithoutButtons(lang.L("New invite key"), f.why.Below(form), s.win)
	d.SetButtons([]fyne.CanvasObject{&widget.Button{Text: lang.L("Cancel"), OnTapped: func() { d.Hide() }}, create})
	d.Resize(fyne.NewSize(640, 460))
	d.Show()
	s.lastForm = f
}

// input reads the form; problems the form itself can see come back at once.
func (f *keyForm) input(roles []data.Role, units []data.Unit, groups []data.Group) (lifecycle.InviteKeyInput, []lifecycle.FieldError) {
	var probs []lifecycle.FieldError
	in := lifecycle.InviteKeyInput{Label: f.label.Text}
	in.RoleID = uikit.IDByName(roles, f.role.Selected, func(r data.Role) (string, string) { return r.ID, r.Name })
	for _, n := range f.units.Selected() {
		in.UnitIDs = append(in.UnitIDs, uikit.IDByName(units, n, func(u data.Unit) (string, string) { return u.ID, u.Name }))
	}
	for _, n := range f.groups.Selected() {
		in.GroupIDs = append(in.GroupIDs, uikit.IDByName(groups, n, func(g data.Group) (string, string) { return g.ID, g.Name }))
	}
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(f.validUntil.Text), time.Local)
	if err != nil {
		probs = append(probs, lifecycle.FieldError{Field: "valid_until", Message: lang.L("enter a date as YYYY-MM-DD, e.g. 2026-12-31")})
	} else {
		in.ValidUntil = day.Add(24*time.Hour - time.Second) // to the end of that day
	}
	if in.MaxUses, err = strconv.Atoi(strings.TrimSpace(f.maxUses.Text)); err != nil {
		probs = append(probs, lifecycle.FieldError{Field: "max_uses", Message: lang.L("enter a whole number, e.g. 30")})
	}
	return in, probs
}

func (f *keyForm) show(probs []lifecycle.FieldError) {
	for _, l := range f.msgs {
		l.SetText("")
		l.Hide()
	}
	for _, p := range probs {
		if l, ok := f.msgs[p.Field]; ok {
			l.SetText(p.Message)
			l.Show()
		}
	}
}

// showNewKey shows a created key large, with Copy.
func (s *KeysScreen) showNewKey(k *data.InviteKey) {
	key := &widget.Label{Text: k.Key, TextStyle: fyne.TextStyle{Monospace: true}, SizeName: theme.SizeNameHeadingText}
	dialog.ShowCustom(lang.L("Invite key created"), lang.L("Close"), container.NewVBox(
		widget.NewLabel(fmt.Sprintf(lang.L("“%s” works until %s for up to %d people:"), k.Label, display.Time(&k.ValidUntil), k.MaxUses)),
		container.NewCenter(key),
		container.NewCenter(&widget.Button{Text: lang.L("Copy key"), Icon: theme.ContentCopyIcon(), OnTapped: func() { uikit.CopyText(k.Key) }}),
	), s.win)
}

// wait blocks until background work has finished.
func (s *KeysScreen) wait() { s.bg.Wait() }
