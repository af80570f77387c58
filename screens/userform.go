package screens

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
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

// UserEditor is what the new-user and edit dialog uses.
type UserEditor interface {
	Check(ctx context.Context, in lifecycle.UserInput, exceptID string) ([]lifecycle.FieldError, error)
	SuggestUsername(ctx context.Context, email, first, last string) (string, error)
	CreateUser(ctx context.Context, in lifecycle.UserInput, validDays int) (*lifecycle.Created, error)
	EditUser(ctx context.Context, id string, in lifecycle.UserInput) (*data.User, error)
}

// Catalog lists the roles, units and groups a form offers.
type Catalog interface {
	Roles(ctx context.Context) ([]data.Role, error)
	Units(ctx context.Context) ([]data.Unit, error)
	Groups(ctx context.Context) ([]data.Group, error)
}

// checkDelay is how long the form waits after typing before it checks the store.
const checkDelay = 300 * time.Millisecond

// UserForm is the new-user dialog; with an existing user it edits that user.
type UserForm struct {
	ed      UserEditor
	win     fyne.Window
	editing *data.User // nil for a new user
	roles   []data.Role
	units   []data.Unit
	groups  []data.Group

	first, last, email, username, mobile, external *escEntry
	text, notes                                    *escEntry
	locked                                         *widget.Check
	role                                           *widget.Select
	unitBox, groupBox                              *uikit.MultiSelect
	roleArea                                       *uikit.RoleChoice
	why                                            *uikit.WhyOff                        // why Save is disabled
	extra                                          map[syncapi.Permission]*widget.Check // additional permissions
	extraGiven                                     map[syncapi.Permission]bool          // ticked by the admin
	extraLocked                                    bool                                 // the operator may not change them
	extraNote                                      *widget.Label                        // why they are locked
	messages                                       map[string]*widget.Label
	save                                           *widget.Button
	dlg                                            *dialog.CustomDialog

	usernameTouched bool
	touched         map[string]bool     // fields the admin changed: only these show "required"
	submitChecked   bool                // Enter was pressed while a check ran: save once it passes
	opened          lifecycle.UserInput // the form as it opened: Cancel asks only when it changed
	checks          *uikit.Loader       // the check once typing pauses; a check of an older form is dropped
	bg              sync.WaitGroup

	// OnSaved is called after a successful save with the stored user.
	OnSaved func(u *data.User)
	// OnPrintLetter, if set, prints the registration letter of a new user.
	OnPrintLetter func(userID string)
	// Created is set after a new user was created (for tests and the confirmation).
	Created *lifecycle.Created
}

// ShowUserForm opens the dialog. For a new user, presetUnit (may be "") is ticked;
// for an edit, pass the user with its unit and group IDs. cat should answer from
// memory (see staticCatalog): it is read on the UI goroutine.
func ShowUserForm(ed UserEditor, cat Catalog, win fyne.Window, editing *data.User, unitIDs, groupIDs []string,
	presetUnit string, onSaved func(u *data.User),
) *UserForm {
	f := &UserForm{
		ed: ed, win: win, editing: editing, OnSaved: onSaved, messages: map[string]*widget.Label{},
		touched: map[string]bool{},
	}
	f.checks = uikit.NewLoader(&f.bg)
	ctx := context.Background()
	var err error
	if f.roles, err = cat.Roles(ctx); err == nil {
		if f.units, err = cat.Units(ctx); err == nil {
			f.groups, err = cat.Groups(ctx)
		}
	}
	if err != nil {
		dialog.ShowError(err, win)
		return nil
	}
	f.build()
	if editing != nil {
		f.fill(editing, unitIDs, groupIDs)
	} else if presetUnit != "" {
		f.unitBox.SetSelected([]string{uikit.NameOf(f.units, presetUnit)})
	}
	if len(f.roles) == 1 && f.role.Selected == "" {
		f.role.SetSelected(f.roles[0].Name)
	}
	f.opened = f.input()
	f.dlg.Show()
	f.win.Canvas().Focus(f.first)
	f.scheduleCheck()
	return f
}

func (f *UserForm) build() {
	cancel := f.cancel
	entry := func(field, placeholder string) *escEntry {
		e := newEscEntry(false, cancel)
		e.PlaceHolder = placeholder
		e.OnChanged = func(string) { f.touch(field) }
		e.OnSubmitted = func(string) { f.submit() }
		f.messages[field] = uikit.DangerLabel()
		return e
	}
	f.first = entry("first_name", "")
	f.last = entry("last_name", "")
	f.email = entry("email", "name@example.org")
	f.username = entry("username", lang.L("from the email"))
	f.mobile = entry("mobile", "+49 151 2345678")
	f.external = entry("external_id", lang.L("e.g. a student number"))
	for field, e := range map[string]*escEntry{"email": f.email, "first_name": f.first, "last_name": f.last} {
		e.OnChanged = func(string) { f.suggestUsername(); f.touch(field) }
	}
	f.username.OnChanged = f.onUsername
	f.text = newEscEntry(true, cancel)
	f.text.SetPlaceHolder(lang.L("Optional text for the invitation"))
	f.text.SetMinRowsVisible(2)
	f.notes = newEscEntry(true, cancel)
	f.notes.SetMinRowsVisible(2)
	for _, k := range []string{"invitation_text", "notes", "role", "units", "groups", "valid_days"} {
		f.messages[k] = uikit.DangerLabel()
	}
	f.locked = widget.NewCheck(lang.L("The user cannot change first and last name"), nil)
	roleNames := make([]string, len(f.roles))
	for i, r := range f.roles {
		roleNames[i] = r.Name
	}
	f.role = widget.NewSelect(roleNames, func(string) { f.showRolePermissions(); f.touch("role") })
	f.role.PlaceHolder = lang.L("Choose a role")
	f.roleArea = uikit.NewRoleChoice(f.role, nil)
	f.roleArea.SetRoles(roleNames)
	f.unitBox = uikit.UnitPicker(func([]string) { f.touch("units") })
	f.unitBox.SetOptions(uikit.Names(f.units, func(u data.Unit) string { return u.Name }))
	f.groupBox = uikit.GroupPicker(nil)
	f.groupBox.SetOptions(uikit.Names(f.groups, func(g data.Group) string { return g.Name }))

	item := func(label string, obj fyne.CanvasObject, field string) *widget.FormItem {
		return widget.NewFormItem(label, container.NewVBox(obj, f.messages[field]))
	}
	form := widget.NewForm(
		item(lang.L("First name *"), f.first, "first_name"),
		item(lang.L("Last name *"), f.last, "last_name"),
		widget.NewFormItem("", f.locked),
		item(lang.L("Email"), f.email, "email"),
		item(lang.L("Username *"), f.username, "username"),
		item(lang.L("Mobile"), f.mobile, "mobile"),
		item(lang.L("External ID"), f.external, "external_id"),
		item(lang.L("Role *"), f.roleArea.Box, "role"),
		item(lang.L("Units *"), f.unitBox, "units"),
		item(lang.L("Groups"), f.groupBox, "groups"),
		widget.NewFormItem("", f.extraPermissions()),
		item(lang.L("Invitation text"), f.text, "invitation_text"),
		item(lang.L("Notes"), f.notes, "notes"),
	)
	title, action := lang.L("New user"), lang.L("Create user")
	if f.editing != nil {
		title, action = fmt.Sprintf(lang.L("Edit %s"), f.editing.FullName()), lang.L("Save changes")
	}
	f.save = &widget.Button{Text: action, Importance: widget.HighImportance, OnTapped: f.submit}
	f.save.Disable()
	cancelBtn := &widget.Button{Text: lang.L("Cancel"), OnTapped: cancel}
	note := &widget.Label{Text: lang.L("Fields marked * are required. Without an email, hand out the key on a letter."), Wrapping: fyne.TextWrapWord}
	f.why = uikit.NewWhyOff()
	f.showWhy(nil, 0)
	scroll := container.NewVScroll(container.NewVBox(form, note))
	scroll.SetMinSize(fyne.NewSize(620, 520))
	// The reason stays in view right above the buttons, wherever the form is scrolled.
	f.dlg = dialog.NewCustomWithoutButtons(title, f.why.Below(scroll), f.win)
	f.dlg.SetButtons([]fyne.CanvasObject{cancelBtn, f.save})
}

// cancel closes the form; when the admin typed something, it asks first.
func (f *UserForm) cancel() {
	if f.Created != nil || reflect.DeepEqual(f.input(), f.opened) {
		f.dlg.Hide()
		return
	}
	d := dialog.NewConfirm(lang.L("Discard your changes?"), lang.L("What you typed in this form is lost."), func(ok bool) {
		if ok {
			f.dlg.Hide()
		}
	}, f.win)
	d.SetConfirmText(lang.L("Discard"))
	d.SetDismissText(lang.L("Keep editing"))
	d.Show()
}

// escEntry is an entry that calls onEsc when Escape is pressed in it: Escape
// cancels the dialog the entry is in, or leaves the users screen's search box.
type escEntry struct {
	widget.Entry
	onEsc func()
}

func newEscEntry(multiLine bool, onEsc func()) *escEntry {
	e := &escEntry{onEsc: onEsc}
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
	}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey handles Escape and leaves every other key to the entry.
func (e *escEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEsc != nil {
		e.onEsc()
		return
	}
	e.Entry.TypedKey(k)
}

func (f *UserForm) fill(u *data.User, unitIDs, groupIDs []string) {
	f.first.SetText(u.FirstName)
	f.last.SetText(u.LastName)
	f.locked.SetChecked(u.NamesLocked)
	f.email.SetText(u.Email)
	f.username.SetText(u.Username)
	f.usernameTouched = true
	f.mobile.SetText(u.Mobile)
	f.external.SetText(u.ExternalID)
	f.text.SetText(u.InvitationText)
	f.notes.SetText(u.Notes)
	for _, p := range u.ExtraPermissionList() {
		if c := f.extra[p]; c != nil {
			f.extraGiven[p] = true
			c.SetChecked(true)
		}
	}
	f.role.SetSelected(uikit.NameOf(f.roles, u.RoleID))
	var units, groups []string
	for _, id := range unitIDs {
		units = append(units, uikit.NameOf(f.units, id))
	}
	for _, id := range groupIDs {
		groups = append(groups, uikit.NameOf(f.groups, id))
	}
	f.unitBox.SetSelected(units)
	f.groupBox.SetSelected(groups)
}

// input reads the form.
func (f *UserForm) input() lifecycle.UserInput {
	in := lifecycle.UserInput{
		FirstName: f.first.Text, LastName: f.last.Text, NamesLocked: f.locked.Checked,
		Email: f.email.Text, Username: f.username.Text, Mobile: f.mobile.Text, ExternalID: f.external.Text,
		InvitationText: f.text.Text, Notes: f.notes.Text,
	}
	for _, r := range f.roles {
		if r.Name == f.role.Selected {
			in.RoleID = r.ID
		}
	}
	for _, info := range syncapi.AllPermissions {
		if f.extraGiven[info.Name] && !f.roleGrants(info.Name) {
			in.ExtraPermissions = append(in.ExtraPermissions, string(info.Name))
		}
	}
	for _, name := range f.unitBox.Selected() {
		for _, u := range f.units {
			if u.Name == name {
				in.UnitIDs = append(in.UnitIDs, u.ID)
			}
		}
	}
	for _, name := range f.groupBox.Selected() {
		for _, g := range f.groups {
			if g.Name == name {
				in.GroupIDs = append(in.GroupIDs, g.ID)
			}
		}
	}
	return in
}

// suggestUsername fills the username from the email or names until the admin types one.
func (f *UserForm) suggestUsername() {
	if f.usernameTouched || f.editing != nil {
		return
	}
	email, first, last := f.email.Text, f.first.Text, f.last.Text
	f.bg.Go(func() {
		name, err := f.ed.SuggestUsername(context.Background(), email, first, last)
		uikit.OnUI(func() {
			if err != nil || f.usernameTouched || email != f.email.Text || first != f.first.Text || last != f.last.Text {
				return
			}
			f.username.OnChanged = nil
			f.username.SetText(name)
			f.username.OnChanged = f.onUsername
			f.scheduleCheck()
		})
	})
}

// onUsername notes that the admin typed a username: it is no longer suggested.
func (f *UserForm) onUsername(s string) {
	f.usernameTouched = s != ""
	f.touch("username")
}

// touch marks a field as changed and checks the form soon.
func (f *UserForm) touch(field string) {
	f.touched[field] = true
	f.scheduleCheck()
}

// scheduleCheck checks the form against the store once typing pauses.
func (f *UserForm) scheduleCheck() {
	f.save.Disable()
	f.checks.After(checkDelay, func() func() { return f.check })
}

// check runs the validation off the UI goroutine and shows every message. It
// reads the form on the UI goroutine when the pause is over, so a change that
// does not schedule a check of its own (the notes, say) is still checked.
func (f *UserForm) check() {
	in := f.input()
	except := ""
	if f.editing != nil {
		except = f.editing.ID
	}
	f.checks.Go(func() func() {
		probs, err := f.ed.Check(context.Background(), in, except)
		return func() {
			if err != nil {
				f.messages["first_name"].SetText(fmt.Sprintf(lang.L("Could not check: %s"), err.Error()))
				return
			}
			f.show(probs)
			if len(probs) > 0 {
				f.submitChecked = false
				return
			}
			f.save.Enable()
			if f.submitChecked {
				f.submit()
			}
		}
	})
}

// show puts each problem under its field and clears the others. A missing required
// value is only pointed out once the admin has been in that field or tried to save.
func (f *UserForm) show(probs []lifecycle.FieldError) {
	for _, l := range f.messages {
		l.SetText("")
		l.Hide()
	}
	var missing []string
	shown := 0
	for _, p := range probs {
		if p.Missing && !f.touched[p.Field] && !f.touched["*"] {
			if l, ok := requiredLabels[p.Field]; ok && !slices.Contains(missing, lang.L(l)) {
				missing = append(missing, lang.L(l))
			}
			continue
		}
		if l, ok := f.messages[p.Field]; ok && l.Text == "" {
			l.SetText(p.Message)
			l.Show()
			shown++
		}
	}
	f.showWhy(missing, shown)
}

// extraPermissions builds the folded section "Additional permissions": one check
// per permission, for what this person may do beyond the role.
func (f *UserForm) extraPermissions() fyne.CanvasObject {
	f.extra, f.extraGiven = map[syncapi.Permission]*widget.Check{}, map[syncapi.Permission]bool{}
	f.extraNote = uikit.HintLabel()
	rows := []fyne.CanvasObject{&widget.Label{Text: lang.L("What this person may do beyond the role."), Importance: widget.LowImportance}, f.extraNote}
	for _, info := range syncapi.AllPermissions {
		c := widget.NewCheck(permissionLabel(info), func(on bool) { f.extraGiven[info.Name] = on })
		f.extra[info.Name] = c
		rows = append(rows, container.NewHBox(c, &widget.Label{Text: permissionHelp(info), Importance: widget.LowImportance}))
	}
	return widget.NewAccordion(widget.NewAccordionItem(lang.L("Additional permissions"), container.NewVBox(rows...)))
}

// showRolePermissions ticks and locks the permissions the chosen role grants, so
// that only the others can be given on top (and none while the operator may not
// manage roles).
func (f *UserForm) showRolePermissions() {
	for _, info := range syncapi.AllPermissions {
		c := f.extra[info.Name]
		on := c.OnChanged
		c.OnChanged = nil
		if f.roleGrants(info.Name) {
			c.SetText(fmt.Sprintf(lang.L("%s (from the role)"), permissionLabel(info)))
			c.SetChecked(true)
			c.Disable()
		} else {
			c.SetText(permissionLabel(info))
			c.SetChecked(f.extraGiven[info.Name])
			uikit.SetEnabled(c, !f.extraLocked)
		}
		c.OnChanged = on
	}
}

// roleGrants reports whether the chosen role grants perm.
func (f *UserForm) roleGrants(perm syncapi.Permission) bool {
	for _, r := range f.roles {
		if r.Name == f.role.Selected {
			return slices.Contains(r.PermissionList(), perm)
		}
	}
	return false
}

// LimitAdditionalPermissions keeps the additional permissions as they are when why
// (the operator's lack of the right to manage roles) is not "", and shows why.
func (f *UserForm) LimitAdditionalPermissions(why string) {
	f.extraLocked = why != ""
	uikit.SetHint(f.extraNote, why, nil)
	f.showRolePermissions()
}

// requiredLabels name the required fields of the form as its labels do,
// translated where shown.
var requiredLabels = map[string]string{
	"first_name": resources.Mark("First name"), "last_name": resources.Mark("Last name"),
	"username": resources.Mark("Username"), "role": resources.Mark("Role"), "units": resources.Mark("Units"),
}

// showWhy says beside the buttons why the user cannot be saved yet: what the
// database lacks (roles, units), the required fields still empty or the
// problems pointed out under the fields.
func (f *UserForm) showWhy(missing []string, shown int) {
	why := uikit.CatalogWhy(lang.L("Every user"), len(f.roles), len(f.units), true)
	switch {
	case why != "":
	case len(missing) > 0:
		why = fmt.Sprintf(lang.L("Still needed: %s."), strings.Join(missing, ", "))
	case shown == 1:
		why = lang.L("Correct the field marked in red.")
	case shown > 1:
		why = lang.L("Correct the fields marked in red.")
	}
	f.why.Set(why)
}

// submit saves the form when it has no problems; otherwise it points them all out.
func (f *UserForm) submit() {
	if f.save.Disabled() {
		// Typed, then Enter at once: the check of what was typed is still running.
		// Save when it passes rather than dropping the Enter.
		f.touched["*"] = true
		f.submitChecked = true
		f.scheduleCheck()
		return
	}
	f.submitChecked = false
	f.save.Disable()
	in := f.input()
	f.bg.Go(func() {
		var u *data.User
		var created *lifecycle.Created
		var err error
		if f.editing != nil {
			u, err = f.ed.EditUser(context.Background(), f.editing.ID, in)
		} else if created, err = f.ed.CreateUser(context.Background(), in, 0); err == nil {
			u = created.User
		}
		uikit.OnUI(func() {
			var ve *lifecycle.ValidationError
			switch {
			case errors.As(err, &ve):
				f.show(ve.Problems)
			case err != nil:
				f.save.Enable()
				dialog.ShowError(err, f.win)
			default:
				f.dlg.Hide()
				f.Created = created
				if f.OnSaved != nil {
					f.OnSaved(u)
				}
				if created != nil {
					f.confirm(created)
				}
			}
		})
	})
}

// confirm shows the new user's key, large and copyable.
func (f *UserForm) confirm(c *lifecycle.Created) {
	key := canvas.NewText(c.Key, theme.Color(theme.ColorNameForeground))
	key.TextSize = 26
	key.TextStyle = fyne.TextStyle{Monospace: true}
	valid := ""
	if c.User.KeyExpiresAt != nil {
		valid = fmt.Sprintf(lang.L("Valid until %s"), display.Time(c.User.KeyExpiresAt))
	}
	var d *dialog.CustomDialog
	copyBtn := &widget.Button{Text: lang.L("Copy key"), Icon: theme.ContentCopyIcon(), OnTapped: func() {
		uikit.CopyText(c.Key)
	}}
	letter := &widget.Button{Text: lang.L("Print registration letter…"), Icon: theme.DocumentPrintIcon(), OnTapped: func() {
		d.Hide()
		f.OnPrintLetter(c.User.ID)
	}}
	if f.OnPrintLetter == nil {
		letter.Hide()
	}
	another := &widget.Button{Text: lang.L("Create another"), OnTapped: func() {
		d.Hide()
		next := ShowUserForm(f.ed, staticCatalog{f.roles, f.units, f.groups}, f.win, nil, nil, nil, "", f.OnSaved)
		if next != nil {
			next.OnPrintLetter = f.OnPrintLetter
			next.LimitAdditionalPermissions(f.extraNote.Text)
		}
	}}
	closeBtn := &widget.Button{Text: lang.L("Close"), Importance: widget.HighImportance, OnTapped: func() { d.Hide() }}
	content := container.NewVBox(
		widget.NewLabel(fmt.Sprintf(lang.L("%s was created. Personal key:"), c.User.FullName())),
		container.NewCenter(key),
		widget.NewLabel(valid),
	)
	d = dialog.NewCustomWithoutButtons(lang.L("User created"), content, f.win)
	d.SetButtons([]fyne.CanvasObject{copyBtn, letter, another, closeBtn})
	d.Show()
}

// staticCatalog serves lists already read.
type staticCatalog struct {
	roles  []data.Role
	units  []data.Unit
	groups []data.Group
}

func (c staticCatalog) Roles(context.Context) ([]data.Role, error)   { return c.roles, nil }
func (c staticCatalog) Units(context.Context) ([]data.Unit, error)   { return c.units, nil }
func (c staticCatalog) Groups(context.Context) ([]data.Group, error) { return c.groups, nil }

// wait blocks until the form's background work has finished.
func (f *UserForm) wait() { f.bg.Wait() }
