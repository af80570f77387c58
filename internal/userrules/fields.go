// Package userrules holds the rules a user's row must follow wherever it is
// written: the desktop's forms, importer and command line (through package
// lifecycle) and onboard-server's push. It is pure: no database, no window; its
// messages go through uitext, so the window shows them translated and the server
// and the command line in English.
package userrules

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"onboard/internal/uitext"
	"onboard/internal/username"
)

// Limits of the fields.
const (
	MaxNameLen     = 100             // a first or last name, an external ID, a unit's, group's or role's name
	MaxUsernameLen = username.MaxLen // a username
	MaxTextLen     = 4000            // a multi-line text: notes, a personal invitation text
	MaxEmailLen    = 254             // an email address (RFC 5321)
)

// EmailProblem returns what is wrong with an email address, "" when it is usable.
// Only a bare address is accepted: no display name, no line breaks, a domain with a dot.
func EmailProblem(email string) string {
	if HasControl(email) {
		return uitext.L("email contains a line break or control character")
	}
	if len(email) > MaxEmailLen {
		return uitext.L("email is longer than 254 characters")
	}
	if strings.IndexFunc(email, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
		// Mail servers rarely accept such addresses (SMTPUTF8).
		return uitext.F("%q is not a valid email address (letters such as é or ü cannot be sent to; write an international domain in its xn-- form)", email)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return uitext.F("%q is not a valid email address", email)
	}
	at := strings.LastIndexByte(email, '@')
	domain := email[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") || strings.ContainsAny(email, " \"()<>[]\\,;:") {
		return uitext.F("%q is not a valid email address", email)
	}
	return ""
}

// NameProblem returns what is wrong with a required one-line name (label is e.g.
// "first name"), "" when it is usable.
func NameProblem(label, v string) string {
	switch {
	case v == "":
		return uitext.F("%s is required", label)
	case utf8.RuneCountInString(v) > MaxNameLen:
		return uitext.F("%s is longer than %d characters", label, MaxNameLen)
	case HasControl(v):
		return uitext.F("%s contains a line break or control character", label)
	}
	return ""
}

// CatalogNameProblem returns what is wrong with the name of a unit, group or role
// (surrounding spaces do not count), "" when it is usable.
func CatalogNameProblem(name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return uitext.L("name is required")
	case utf8.RuneCountInString(name) > MaxNameLen || HasControl(name):
		return uitext.F("name must be one line of at most %d characters", MaxNameLen)
	}
	return ""
}

// ExternalIDProblem returns what is wrong with an external ID, "" when it is usable.
func ExternalIDProblem(id string) string {
	if HasControl(id) || utf8.RuneCountInString(id) > MaxNameLen {
		return uitext.F("external ID must be one line of at most %d characters", MaxNameLen)
	}
	return ""
}

// TextProblem returns what is wrong with a multi-line text (subject is e.g. "notes
// are"), "" when it is usable.
func TextProblem(subject, v string) string {
	if utf8.RuneCountInString(v) > MaxTextLen {
		return uitext.F("%s longer than %d characters", subject, MaxTextLen)
	}
	return ""
}

// UsernameProblem returns what is wrong with a username, "" when it is usable.
func UsernameProblem(u string) string {
	return username.Problem(u)
}

// MobileProblem returns what is wrong with a mobile number, "" when it is usable.
func MobileProblem(m string) string {
	digits := 0
	for _, r := range m {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+ -()/.", r):
		default:
			return uitext.F("mobile number may contain digits, spaces and + - ( ) / only, not %q", r)
		}
	}
	if digits < 5 || digits > 20 {
		return uitext.L("mobile number needs between 5 and 20 digits")
	}
	return ""
}

// HasControl reports whether s holds a control character or a line or paragraph
// separator: what a one-line value must not.
func HasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}
