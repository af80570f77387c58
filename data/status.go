package data

import (
	"fmt"
	"time"
)

// Status is what an operator sees of a user's lifecycle.
type Status string

// The statuses, in the order screens list them.
const (
	StatusNotActivated Status = "not-activated"
	StatusInvited      Status = "invited"
	StatusExpired      Status = "expired"
	StatusActive       Status = "active"
	StatusDeactivated  Status = "deactivated"
)

// Statuses lists every status in display order.
var Statuses = []Status{StatusNotActivated, StatusInvited, StatusExpired, StatusActive, StatusDeactivated}

// Label is the status as an admin reads it.
func (s Status) Label() string {
	switch s {
	case StatusNotActivated:
		return "Not activated"
	case StatusInvited:
		return "Invited"
	case StatusExpired:
		return "Expired"
	case StatusActive:
		return "Active"
	case StatusDeactivated:
		return "Deactivated"
	}
	return string(s)
}

// ParseStatus reads a status name as the CLI accepts it.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown status %q (use not-activated, invited, expired, active or deactivated)", s)
}

// StatusOf derives a status from the stored phase, the current key's expiry and the
// clock. "Expired" is never stored: a pending user whose key ran out is expired.
// statusCondition below is the same rule in SQL; a test keeps the two in step.
func StatusOf(phase Phase, keyExpiresAt *time.Time, now time.Time) Status {
	switch phase {
	case PhaseActive:
		return StatusActive
	case PhaseDeactivated:
		return StatusDeactivated
	}
	if keyExpiresAt != nil && keyExpiresAt.Before(now) {
		return StatusExpired
	}
	if phase == PhaseInvited {
		return StatusInvited
	}
	return StatusNotActivated
}

// statusCondition returns the SQL condition on users aliased u that selects status st
// at time now, with its arguments.
func statusCondition(st Status, now time.Time) (string, []any) {
	now = now.UTC()
	switch st {
	case StatusActive:
		return "u.phase = 'active'", nil
	case StatusDeactivated:
		return "u.phase = 'deactivated'", nil
	case StatusExpired:
		return "u.phase IN ('not_activated','invited') AND u.key_expires_at < ?", []any{now}
	case StatusInvited:
		return "u.phase = 'invited' AND (u.key_expires_at IS NULL OR u.key_expires_at >= ?)", []any{now}
	case StatusNotActivated:
		return "u.phase = 'not_activated' AND (u.key_expires_at IS NULL OR u.key_expires_at >= ?)", []any{now}
	}
	return "0", nil
}
