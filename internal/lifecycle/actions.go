package lifecycle

import (
	"onboard/data"
	"onboard/internal/uitext"
)

// Action names one step of the user lifecycle, as the audit log records it.
type Action string

// The actions of the lifecycle.
const (
	ActionCreate     Action = "user.create"
	ActionEdit       Action = "user.edit"
	ActionInvite     Action = "user.invite"
	ActionResend     Action = "user.resend"
	ActionCancel     Action = "user.cancel-invitation"
	ActionNewKey     Action = "user.new-key"
	ActionDeactivate Action = "user.deactivate"
	ActionReactivate Action = "user.reactivate"
	ActionDelete     Action = "user.delete"
	ActionRegister   Action = "user.register"
	ActionChangeRole Action = "user.change-role"
	ActionAddToGroup Action = "user.add-to-group"
	ActionLetter     Action = "user.letter"
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
	case ActionNewKey:
		return uitext.L("issue a new key")
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
	case ActionLetter:
		return uitext.L("print a registration letter")
	}
	return string(a)
}

// allowed lists the statuses each action accepts. Actions not listed accept every
// status.
var allowed = map[Action][]data.Status{
	ActionInvite:     {data.StatusNotActivated},
	ActionResend:     {data.StatusNotActivated, data.StatusInvited, data.StatusExpired},
	ActionCancel:     {data.StatusNotActivated, data.StatusInvited, data.StatusExpired},
	ActionNewKey:     {data.StatusNotActivated, data.StatusInvited, data.StatusExpired},
	ActionDeactivate: {data.StatusNotActivated, data.StatusInvited, data.StatusExpired, data.StatusActive},
	ActionReactivate: {data.StatusDeactivated},
	ActionRegister:   {data.StatusNotActivated, data.StatusInvited, data.StatusExpired},
}

// Allowed reports whether action a is possible for a user of status st. Screens use
// it to disable what a status does not allow; the service checks it again.
func Allowed(a Action, st data.Status) bool {
	list, ok := allowed[a]
	if !ok {
		return true
	}
	for _, s := range list {
		if s == st {
			return true
		}
	}
	return false
}
