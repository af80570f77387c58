package lifecycle

import (
	"onboard/data"
	"onboard/internal/uitext"
	"onboard/internal/userrules"
)

// Action names one step of the user lifecycle, as the audit log records it.
type Action string

// The actions of the lifecycle.
const (
	ActionCreate     Action = "user.create"
	ActionEdit       Action = "user.edit"
	ActionInvite            = Action(userrules.ActionInvite)
	ActionResend            = Action(userrules.ActionResend)
	ActionCancel            = Action(userrules.ActionCancel)
	ActionNewKey            = Action(userrules.ActionNewKey)
	ActionExtend            = Action(userrules.ActionExtend)
	ActionDeactivate        = Action(userrules.ActionDeactivate)
	ActionReactivate        = Action(userrules.ActionReactivate)
	ActionDelete     Action = "user.delete"
	ActionRegister          = Action(userrules.ActionRegister)
	ActionChangeRole Action = "user.change-role"
	ActionAddToGroup Action = "user.add-to-group"
	ActionLetter     Action = "user.letter"
	ActionHandOut           = Action(userrules.ActionHandOut)
)

// Label is the action as a sentence fragment: "cannot <label> for Anna".
func (a Action) Label() string {
	switch a {
	case ActionCreate:
		return uitext.L("create the user")
	case ActionEdit:
		return uitext.L("edit the user")
	case ActionInvite:
		return uitext.L("send the invitation")
	case ActionResend:
		return uitext.L("resend the invitation")
	case ActionCancel:
		return uitext.L("cancel the invitation")
	case ActionDeactivate:
		return uitext.L("deactivate")
	case ActionReactivate:
		return uitext.L("reactivate")
	case ActionDelete:
		return uitext.L("delete")
	case ActionRegister:
		return uitext.L("mark as registered")
	case ActionChangeRole:
		return uitext.L("change the role")
	case ActionAddToGroup:
		return uitext.L("add to the group")
	}
	return keyLabel(a)
}

// keyLabel is Label of the actions on a user's key and letter.
func keyLabel(a Action) string {
	switch a {
	case ActionNewKey:
		return uitext.L("issue a new key")
	case ActionExtend:
		return uitext.L("extend the key's validity")
	case ActionLetter:
		return uitext.L("print a registration letter")
	case ActionHandOut:
		return uitext.L("mark the letter handed out")
	}
	return string(a)
}

// Allowed reports whether action a is possible for a user of status st. Screens use
// it to disable what a status does not allow; the service checks it again. The
// rules are userrules.Steps, which onboard-server reads too.
func Allowed(a Action, st data.Status) bool {
	return userrules.Allowed(userrules.Action(a), userrules.Status(st))
}
