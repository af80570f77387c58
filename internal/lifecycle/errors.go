package lifecycle

import (
	"errors"
	"fmt"
	"strings"

	"onboard/data"
)

// ErrForbidden is wrapped by every TransitionError.
var ErrForbidden = errors.New("not allowed for this status")

// ErrInvalid is wrapped by every ValidationError.
var ErrInvalid = errors.New("invalid input")

// TransitionError says an action is not allowed for a user in the user's status.
type TransitionError struct {
	Action Action
	User   string // the user's full name
	Status data.Status
	Reason string // optional, replaces the status in the message
}

func (e *TransitionError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = "the user is " + strings.ToLower(e.Status.Label())
	}
	return fmt.Sprintf("cannot %s for %s: %s", e.Action.Label(), e.User, reason)
}

// Unwrap lets errors.Is(err, ErrForbidden) match.
func (e *TransitionError) Unwrap() error { return ErrForbidden }

// FieldError is one problem with one input field.
type FieldError struct {
	Field   string // "first_name", "email", "username", …
	Message string // e.g. "already used by Anna Müller"
}

func (f FieldError) String() string { return f.Field + ": " + f.Message }

// ValidationError lists every problem found with an input.
type ValidationError struct {
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Field returns the message for one field, "" when it has none.
func (e *ValidationError) Field(name string) string {
	for _, p := range e.Problems {
		if p.Field == name {
			return p.Message
		}
	}
	return ""
}
