package uikit

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// Empty states of the forms that create people (new user, invite by email, invite
// key, import): a role select with no roles says where to create one, and a button
// that is off says why in one line beside it — never a silently disabled button.

// WhyOff is the one line beside an action button that says why it is off; hidden
// while there is nothing to say.
type WhyOff struct {
	label  *widget.Label
	holder *fyne.Container // laid out again when the line comes or goes
}

func NewWhyOff() *WhyOff { return &WhyOff{label: HintLabel()} }

// set shows reason, or hides the line when reason is "".
func (w *WhyOff) Set(reason string) { SetHint(w.label, reason, w.holder) }

// text is the reason shown, "" when none is.
func (w *WhyOff) Text() string {
	if !w.label.Visible() {
		return ""
	}
	return w.label.Text
}

// beside lays the line out to the left of the buttons, which keep their size.
func (w *WhyOff) Beside(buttons ...fyne.CanvasObject) fyne.CanvasObject {
	w.holder = container.NewBorder(nil, nil, nil, container.NewHBox(buttons...), w.label)
	return w.holder
}

// below lays the line out under content, right above a dialog's buttons.
func (w *WhyOff) Below(content fyne.CanvasObject) fyne.CanvasObject {
	w.holder = container.NewBorder(nil, w.label, nil, nil, content)
	return w.holder
}

// CatalogWhy says why what (“Every user”, in the window's language) cannot be
// created yet: the database has no roles, or no units when they are needed; ""
// when nothing is missing.
func CatalogWhy(what string, roles, units int, needUnits bool) string {
	switch {
	case roles == 0:
		return fmt.Sprintf(lang.L("%s needs a role: create one in Roles and permissions first."), what)
	case needUnits && units == 0:
		return fmt.Sprintf(lang.L("%s needs a unit: create one in Units and groups first."), what)
	}
	return ""
}

// RoleChoice is a role select that, once setRoles found no roles, shows
// NoRolesYet in its place instead of an empty list.
type RoleChoice struct {
	sel  *widget.Select
	view fyne.CanvasObject // sel, or what holds it
	none *widget.Label
	Box  *fyne.Container
}

// NewRoleChoice shows sel, or view when given (sel in a container that sizes it).
func NewRoleChoice(sel *widget.Select, view fyne.CanvasObject) *RoleChoice {
	if view == nil {
		view = sel
	}
	r := &RoleChoice{sel: sel, view: view, none: &widget.Label{
		Text: lang.L(NoRolesYet), Importance: widget.WarningImportance,
		Wrapping: fyne.TextWrapWord,
	}}
	r.none.Hide()
	r.Box = container.NewStack(view, r.none)
	return r
}

// setRoles offers the role names, or says that there are none.
func (r *RoleChoice) SetRoles(names []string) {
	r.sel.SetOptions(names)
	SetVisible(r.view, len(names) > 0)
	SetVisible(r.none, len(names) == 0)
	r.Box.Refresh()
}
