package userrules

import "slices"

// Phase is the stored step of a user's lifecycle, as the desktop (data.Phase) and
// the protocol (syncapi.User.Phase) hold it. It changes only by actions.
type Phase string

// The phases.
const (
	PhaseNotActivated Phase = "not_activated"
	PhaseInvited      Phase = "invited"
	PhaseActive       Phase = "active"
	PhaseDeactivated  Phase = "deactivated"
)

// Phases lists every phase.
var Phases = []Phase{PhaseNotActivated, PhaseInvited, PhaseActive, PhaseDeactivated}

// Status is what an operator sees of a user's lifecycle (data.Status): the phase,
// and for a pending user whether the key ran out.
type Status string

// The statuses.
const (
	StatusNotActivated Status = "not-activated"
	StatusInvited      Status = "invited"
	StatusExpired      Status = "expired"
	StatusActive       Status = "active"
	StatusDeactivated  Status = "deactivated"
)

// StatusesOf returns the statuses a user in phase p can have.
func StatusesOf(p Phase) []Status {
	switch p {
	case PhaseNotActivated:
		return []Status{StatusNotActivated, StatusExpired}
	case PhaseInvited:
		return []Status{StatusInvited, StatusExpired}
	case PhaseActive:
		return []Status{StatusActive}
	case PhaseDeactivated:
		return []Status{StatusDeactivated}
	}
	return nil
}

// Pending reports whether p is a phase in which a personal key can be redeemed.
func Pending(p Phase) bool { return p == PhaseNotActivated || p == PhaseInvited }

// Action names a step of the user lifecycle (lifecycle.Action, as the audit log
// records it). Only the actions that some statuses refuse are named here.
type Action string

// The actions that some statuses refuse.
const (
	ActionInvite     Action = "user.invite"
	ActionResend     Action = "user.resend"
	ActionCancel     Action = "user.cancel-invitation"
	ActionNewKey     Action = "user.new-key"
	ActionExtend     Action = "user.extend-validity"
	ActionDeactivate Action = "user.deactivate"
	ActionReactivate Action = "user.reactivate"
	ActionRegister   Action = "user.register"
	ActionHandOut    Action = "user.handed-out"
)

// Step is what one action does: the statuses it accepts and the phases it may
// leave the user in (none: the phase stays).
type Step struct {
	From []Status
	To   []Phase
}

var pendingStatuses = []Status{StatusNotActivated, StatusInvited, StatusExpired}

// Steps is the lifecycle: the one table the desktop's actions (lifecycle.Allowed)
// and the server's check of pushed phase changes (PhaseChangeAllowed) both read.
// Actions not listed (edit, delete, change the role, …) accept every status and
// keep the phase.
var Steps = map[Action]Step{
	ActionInvite:     {From: []Status{StatusNotActivated}, To: []Phase{PhaseInvited}},
	ActionResend:     {From: pendingStatuses, To: []Phase{PhaseInvited}},
	ActionCancel:     {From: pendingStatuses, To: []Phase{PhaseNotActivated}},
	ActionNewKey:     {From: pendingStatuses},
	ActionExtend:     {From: pendingStatuses},
	ActionDeactivate: {From: append(slices.Clone(pendingStatuses), StatusActive), To: []Phase{PhaseDeactivated}},
	// Back to active when the user had registered, else to a pending phase.
	ActionReactivate: {From: []Status{StatusDeactivated}, To: []Phase{PhaseActive, PhaseInvited, PhaseNotActivated}},
	ActionRegister:   {From: pendingStatuses, To: []Phase{PhaseActive}},
	// A letter is handed out while its key can still be redeemed.
	ActionHandOut: {From: pendingStatuses},
}

// Allowed reports whether action a is possible for a user of status st.
func Allowed(a Action, st Status) bool {
	s, ok := Steps[a]
	return !ok || slices.Contains(s.From, st)
}

// lands reports whether an action may leave a user (registered: the user has
// registered once) in phase to: a registered user never gets back to a pending
// phase (no resend, no new key, no reactivation into an invitation: the person
// has credentials already), and only registering makes an unregistered user
// active.
func lands(a Action, to Phase, registered bool) bool {
	if registered {
		return !Pending(to)
	}
	return to != PhaseActive || a == ActionRegister
}

// phaseState is a user's place in the lifecycle as far as the rules care.
type phaseState struct {
	phase      Phase
	registered bool
}

// PhaseChangeAllowed reports whether a user in phase from (registered: the user
// has registered once) may be found in phase to after some actions of Steps: what
// one push of a desktop that worked offline can bring. Keeping the phase is
// always allowed. A registered user is never allowed back into a pending phase,
// where a new personal key would let someone register over the account.
func PhaseChangeAllowed(from, to Phase, registered bool) bool {
	if from == to {
		return true
	}
	start := phaseState{from, registered || from == PhaseActive}
	seen := map[phaseState]bool{start: true}
	queue := []phaseState{start}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		if st.phase == to {
			return true
		}
		for a, s := range Steps {
			if !slices.ContainsFunc(StatusesOf(st.phase), func(x Status) bool { return slices.Contains(s.From, x) }) {
				continue
			}
			for _, p := range s.To {
				next := phaseState{p, st.registered || p == PhaseActive}
				if lands(a, p, st.registered) && !seen[next] {
					seen[next] = true
					queue = append(queue, next)
				}
			}
		}
	}
	return false
}

// MayGetKey reports whether a user in phase p (registered: the user has
// registered once) may be given a usable personal key. A registered user may not:
// redeeming it would set a new password over the account.
func MayGetKey(p Phase, registered bool) bool { return !registered && p != PhaseActive }
