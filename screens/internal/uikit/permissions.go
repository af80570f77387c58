package uikit

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/syncapi"
	"onboard/resources"
)

// Permissions are the actions the operator may take, as onboard-server last
// described the operator (syncclient.SavedMe). Without sync set up, or before the
// server was reached for the first time, every action is allowed: this computer
// then works alone.
type Permissions struct {
	me *syncapi.Me // nil: no limits
}

// NewPermissions returns the permissions of the operator me when sync is set up;
// otherwise everything is allowed.
func NewPermissions(syncSetUp bool, me *syncapi.Me) Permissions {
	if !syncSetUp || me == nil {
		return Permissions{}
	}
	return Permissions{me: me}
}

// Allows reports whether the operator may take the actions that need perm.
func (p Permissions) Allows(perm syncapi.Permission) bool { return p.me == nil || p.me.Has(perm) }

// permissionWords say what each permission allows, for "may not …" and lists;
// translated where shown (permissionWord).
var permissionWords = map[syncapi.Permission]string{
	syncapi.PermAddUsers:         resources.Mark("add users"),
	syncapi.PermAddUsersByLink:   resources.Mark("create invite keys"),
	syncapi.PermBulkInvite:       resources.Mark("invite or import many users at once"),
	syncapi.PermManageUsers:      resources.Mark("change users other operators created"),
	syncapi.PermManageRoles:      resources.Mark("change roles and their permissions"),
	syncapi.PermManageUnits:      resources.Mark("change units"),
	syncapi.PermManageGroups:     resources.Mark("change groups"),
	syncapi.PermManageInviteKeys: resources.Mark("change invite keys other operators created"),
}

// permissionWord says what perm allows, in the window's language.
func permissionWord(perm syncapi.Permission) string {
	if w, ok := permissionWords[perm]; ok {
		return lang.L(w)
	}
	return string(perm)
}

// Why says why the actions that need perm are off, "" when they are allowed.
func (p Permissions) Why(perm syncapi.Permission) string {
	if p.Allows(perm) {
		return ""
	}
	if p.me.Operator != "" {
		return fmt.Sprintf(lang.L("Your operator account “%s” on the server may not %s (it lacks the permission %s)."),
			p.me.Operator, permissionWord(perm), perm)
	}
	return fmt.Sprintf(lang.L("Your operator account on the server may not %s (it lacks the permission %s)."),
		permissionWord(perm), perm)
}

// DescribeMe is the operator and what it may do, for the settings.
func DescribeMe(me *syncapi.Me) string {
	var may []string
	for _, perm := range syncapi.OperatorPermissions() {
		if me.Has(perm) {
			may = append(may, permissionWord(perm))
		}
	}
	switch {
	case len(may) == 0 && me.Organization != "":
		return fmt.Sprintf(lang.L("Operator %s of %s: may not change anything on the server (no permissions)."),
			me.Operator, me.Organization)
	case len(may) == 0:
		return fmt.Sprintf(lang.L("Operator %s: may not change anything on the server (no permissions)."), me.Operator)
	case me.Organization != "":
		return fmt.Sprintf(lang.L("Operator %s of %s: may %s."), me.Operator, me.Organization, JoinAnd(may))
	}
	return fmt.Sprintf(lang.L("Operator %s: may %s."), me.Operator, JoinAnd(may))
}

// JoinAnd joins "a", "b" and "c" as "a, b and c" (in the window's language).
func JoinAnd(parts []string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return fmt.Sprintf(lang.L("%s and %s"), strings.Join(parts[:len(parts)-1], ", "), parts[len(parts)-1])
}

// Permitted gates an action: with the permission the Button is enabled and has no
// tooltip; without it the Button is disabled and its tooltip says why.
type Permitted struct {
	perm   syncapi.Permission
	Button *widget.Button
	Tip    *Tip
}

// NewPermitted wraps Button in a tooltip for the actions needing perm.
func NewPermitted(perm syncapi.Permission, Button *widget.Button) *Permitted {
	return &Permitted{perm: perm, Button: Button, Tip: NewTip(Button)}
}

func (g *Permitted) Apply(p Permissions) {
	why := p.Why(g.perm)
	g.Tip.SetText(why)
	SetEnabled(g.Button, why == "")
}

// Refused shows why an action is off, for the ways to it that have no Button to
// disable (a shortcut, a dropped file), and reports whether it is.
func Refused(p Permissions, perm syncapi.Permission, title string, win fyne.Window) bool {
	why := p.Why(perm)
	if why == "" {
		return false
	}
	if win != nil {
		dialog.ShowInformation(title, why, win)
	}
	return true
}

// PermissionHint is the visible note beside actions that are off: "New user is
// off: your operator account “bob” on the server lacks the permission add-users."
// It is "" when every action is allowed.
func PermissionHint(p Permissions, gates ...*Permitted) string {
	var off []string
	var perms []string
	for _, g := range gates {
		if p.Allows(g.perm) {
			continue
		}
		off = append(off, g.Button.Text)
		if !slices.Contains(perms, string(g.perm)) {
			perms = append(perms, string(g.perm))
		}
	}
	if len(off) == 0 {
		return ""
	}
	who := lang.L("your operator account on the server")
	if p.me.Operator != "" {
		who = fmt.Sprintf(lang.L("your operator account “%s” on the server"), p.me.Operator)
	}
	var format string
	switch {
	case len(off) == 1 && len(perms) == 1:
		format = lang.L("%s is off: %s lacks the permission %s.")
	case len(off) == 1:
		format = lang.L("%s is off: %s lacks the permissions %s.")
	case len(perms) == 1:
		format = lang.L("%s are off: %s lacks the permission %s.")
	default:
		format = lang.L("%s are off: %s lacks the permissions %s.")
	}
	return fmt.Sprintf(format, JoinAnd(off), who, JoinAnd(perms))
}

// HintLabel is the label of a permission hint, hidden while it is empty.
func HintLabel() *widget.Label {
	l := &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord}
	l.Hide()
	return l
}

// SetHint shows text in a hint label, or hides it when text is "", and lays out
// frame again (the container whose layout depends on the label's height: a
// border's top does not grow by itself when a label in it shows); frame may be
// nil while the label is not placed yet.
func SetHint(l *widget.Label, text string, frame *fyne.Container) {
	if text == l.Text && (text != "") == l.Visible() {
		return
	}
	l.SetText(text)
	SetVisible(l, text != "")
	if frame != nil {
		frame.Refresh()
	}
}
