package lifecycle

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"onboard/data"
	"onboard/internal/syncapi"
	"onboard/internal/uitext"
	"onboard/internal/username"
)

// UserInput is what an operator enters for a new or edited user.
type UserInput struct {
	FirstName   string
	LastName    string
	NamesLocked bool // the user cannot change the names at registration
	Email       string
	Username    string // derived from the email (or the names) when blank
	Mobile      string
	ExternalID  string
	RoleID      string
	// ExtraPermissions are granted beyond the role's (from syncapi.AllPermissions).
	ExtraPermissions []string
	UnitIDs          []string
	GroupIDs         []string
	InvitationText   string
	Notes            string
}

// normalize trims every single-line field.
func (in *UserInput) normalize() {
	for _, p := range []*string{&in.FirstName, &in.LastName, &in.Email, &in.Username, &in.Mobile, &in.ExternalID} {
		*p = strings.TrimSpace(*p)
	}
	in.InvitationText = strings.TrimSpace(in.InvitationText)
	in.Notes = strings.TrimSpace(in.Notes)
	if ps, err := syncapi.CheckPermissions(in.ExtraPermissions); err == nil {
		in.ExtraPermissions = in.ExtraPermissions[:0]
		for _, p := range ps {
			in.ExtraPermissions = append(in.ExtraPermissions, string(p))
		}
	}
}

// Limits of the input fields.
const (
	maxNameLen     = 100
	maxUsernameLen = 64
	maxTextLen     = 4000
)

// Check validates in for a user with ID exceptID ("" for a new user) without writing
// anything, against the fields' formats and what the store holds. The username must
// already be filled in (see SuggestUsername). It returns every problem found.
func (s *Service) Check(ctx context.Context, in UserInput, exceptID string) ([]FieldError, error) {
	in.normalize()
	var probs []FieldError
	// The required values left empty: their problem is only that they are missing.
	missing := map[string]bool{
		"first_name": in.FirstName == "", "last_name": in.LastName == "", "username": in.Username == "",
		"role": in.RoleID == "", "units": len(in.UnitIDs) == 0,
	}
	add := func(field, msg string) {
		probs = append(probs, FieldError{Field: field, Message: msg, Missing: missing[field]})
	}

	if msg := NameProblem(uitext.L("first name"), in.FirstName); msg != "" {
		add("first_name", msg)
	}
	if msg := NameProblem(uitext.L("last name"), in.LastName); msg != "" {
		add("last_name", msg)
	}
	if in.Email != "" {
		if msg := EmailProblem(in.Email); msg != "" {
			add("email", msg)
		} else if err := s.taken(ctx, data.FieldEmail, in.Email, exceptID, add, "email"); err != nil {
			return nil, err
		}
	}
	if msg := UsernameProblem(in.Username); msg != "" {
		add("username", msg)
	} else if err := s.taken(ctx, data.FieldUsername, in.Username, exceptID, add, "username"); err != nil {
		return nil, err
	}
	if in.Mobile != "" {
		if msg := MobileProblem(in.Mobile); msg != "" {
			add("mobile", msg)
		}
	}
	if in.ExternalID != "" {
		if msg := ExternalIDProblem(in.ExternalID); msg != "" {
			add("external_id", msg)
		} else if err := s.taken(ctx, data.FieldExternalID, in.ExternalID, exceptID, add, "external_id"); err != nil {
			return nil, err
		}
	}
	if msg := TextProblem(uitext.L("personal invitation text is"), in.InvitationText); msg != "" {
		add("invitation_text", msg)
	}
	if msg := TextProblem(uitext.L("notes are"), in.Notes); msg != "" {
		add("notes", msg)
	}
	if _, err := syncapi.CheckPermissions(in.ExtraPermissions); err != nil {
		add("extra_permissions", err.Error())
	}
	if err := s.checkRefs(ctx, in, add); err != nil {
		return nil, err
	}
	return probs, nil
}

// taken adds a problem when another user holds value in field.
func (s *Service) taken(ctx context.Context, field data.UniqueField, value, exceptID string, add func(string, string), name string) error {
	other, err := s.store.UserHolding(ctx, field, value, exceptID)
	if errors.Is(err, data.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	add(name, uitext.F("already used by %s", other.FullName()))
	return nil
}

// checkRefs checks that the role, units and groups exist.
func (s *Service) checkRefs(ctx context.Context, in UserInput, add func(string, string)) error {
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return err
	}
	units, err := s.store.Units(ctx)
	if err != nil {
		return err
	}
	groups, err := s.store.Groups(ctx)
	if err != nil {
		return err
	}
	if in.RoleID == "" {
		add("role", uitext.L("role is required"))
	} else if !containsID(roles, in.RoleID, func(r data.Role) string { return r.ID }) {
		add("role", uitext.L("the role does not exist (any more)"))
	}
	if len(in.UnitIDs) == 0 {
		add("units", uitext.L("at least one unit is required"))
	}
	for _, id := range in.UnitIDs {
		if !containsID(units, id, func(u data.Unit) string { return u.ID }) {
			add("units", uitext.L("a chosen unit does not exist (any more)"))
			break
		}
	}
	for _, id := range in.GroupIDs {
		if !containsID(groups, id, func(g data.Group) string { return g.ID }) {
			add("groups", uitext.L("a chosen group does not exist (any more)"))
			break
		}
	}
	return nil
}

func containsID[T any](list []T, id string, idOf func(T) string) bool {
	for _, x := range list {
		if idOf(x) == id {
			return true
		}
	}
	return false
}

// EmailProblem returns what is wrong with an email address, "" when it is usable.
// Only a bare address is accepted: no display name, no line breaks, a domain with a dot.
func EmailProblem(email string) string {
	if hasControl(email) {
		return uitext.L("email contains a line break or control character")
	}
	if len(email) > 254 {
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
	case utf8.RuneCountInString(v) > maxNameLen:
		return uitext.F("%s is longer than %d characters", label, maxNameLen)
	case hasControl(v):
		return uitext.F("%s contains a line break or control character", label)
	}
	return ""
}

// ExternalIDProblem returns what is wrong with an external ID, "" when it is usable.
func ExternalIDProblem(id string) string {
	if hasControl(id) || utf8.RuneCountInString(id) > maxNameLen {
		return uitext.F("external ID must be one line of at most %d characters", maxNameLen)
	}
	return ""
}

// TextProblem returns what is wrong with a multi-line text (subject is e.g. "notes
// are"), "" when it is usable.
func TextProblem(subject, v string) string {
	if utf8.RuneCountInString(v) > maxTextLen {
		return uitext.F("%s longer than %d characters", subject, maxTextLen)
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

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}
