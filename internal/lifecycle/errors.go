package lifecycle

import (
	"errors"
	"strings"

	"onboard/data"
	"onboard/internal/uitext"
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
	reason := reasonText(e.Reason)
	if e.Reason == "" {
		reason = uitext.F("the user is %s", strings.ToLower(uitext.L(e.Status.Label())))
	}
	return uitext.F("cannot %s for %s: %s", e.Action.Label(), e.User, reason)
}

// reasonText is a TransitionError's Reason in the window's language. The Reason
// itself stays English: bulk actions hand it on as Skip.Reason, which the window
// translates by its English text.
func reasonText(reason string) string {
	switch reason {
	case "already in that role":
		return uitext.L("already in that role")
	case "already in that group":
		return uitext.L("already in that group")
	case "the user has no email address":
		return uitext.L("the user has no email address")
	case "there is no open invitation":
		return uitext.L("there is no open invitation")
	case "the user has no key":
		return uitext.L("the user has no key")
	case "it is already revoked":
		return uitext.L("it is already revoked")
	}
	return keyReasonText(reason)
}

// keyReasonText is reasonText of the reasons a letter is not marked handed out.
func keyReasonText(reason string) string {
	switch reason {
	case skipHandedOut:
		return uitext.L("already handed out")
	case skipNoLetter:
		return uitext.L("no registration key")
	}
	return reason
}

// Unwrap lets errors.Is(err, ErrForbidden) match.
func (e *TransitionError) Unwrap() error { return ErrForbidden }

// FieldError is one problem with one input field.
type FieldError struct {
	Field   string // "first_name", "email", "username", …
	Message string // e.g. "already used by Anna Müller", in the window's language (see uitext)
	// Missing says the field is required and was left empty (Message is then
	// "first name is required" or the like), so that a form can wait to point it out.
	Missing bool
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
