package lifecycle

import (
	"context"
	"errors"
	"strings"

	"onboard/data"
	"onboard/internal/syncapi"
	"onboard/internal/uitext"
	"onboard/internal/userrules"
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

// Limits of the input fields (see package userrules).
const (
	maxNameLen     = userrules.MaxNameLen
	maxUsernameLen = userrules.MaxUsernameLen
)

// Check validates in for a user with ID exceptID ("" for a new user) without writing
// anything, against the fields' formats and what the store holds. The username must
// already be filled in (see SuggestUsername). It returns every problem found. A
// value an existing user already has is not checked again: a username stored
// before today's rules keeps working when the user's other fields are edited.
func (s *Service) Check(ctx context.Context, in UserInput, exceptID string) ([]FieldError, error) {
	var current *data.User
	if exceptID != "" {
		u, err := s.store.UserByID(ctx, exceptID)
		switch {
		case err == nil:
			current = u
		case !errors.Is(err, data.ErrNotFound):
			return nil, err
		}
	}
	return s.checkAgainst(ctx, in, current)
}

// checkAgainst is Check with the user as stored (nil for a new user).
func (s *Service) checkAgainst(ctx context.Context, in UserInput, current *data.User) ([]FieldError, error) {
	in.normalize()
	var probs []FieldError
	exceptID := ""
	if current != nil {
		exceptID = current.ID
	}
	kept := keptValues(in, current)
	// The required values left empty: their problem is only that they are missing.
	missing := map[string]bool{
		"first_name": in.FirstName == "", "last_name": in.LastName == "", "username": in.Username == "",
		"role": in.RoleID == "", "units": len(in.UnitIDs) == 0,
	}
	add := func(field, msg string) {
		if !kept[field] {
			probs = append(probs, FieldError{Field: field, Message: msg, Missing: missing[field]})
		}
	}

	fieldProblems := userrules.Check(in.ruleFields())
	bad := map[string]bool{}
	for _, p := range fieldProblems {
		add(p.Field, p.Message)
		bad[p.Field] = true
	}
	// Whether a usable value is taken by another user.
	for _, u := range []struct {
		field data.UniqueField
		name  string
		value string
	}{
		{data.FieldEmail, "email", in.Email},
		{data.FieldUsername, "username", in.Username},
		{data.FieldExternalID, "external_id", in.ExternalID},
	} {
		// An unchanged value needs no lookup: its problem would not be shown.
		if u.value == "" || bad[u.name] || kept[u.name] {
			continue
		}
		if err := s.taken(ctx, u.field, u.value, exceptID, add, u.name); err != nil {
			return nil, err
		}
	}
	if _, err := syncapi.CheckPermissions(in.ExtraPermissions); err != nil {
		add("extra_permissions", err.Error())
	}
	if err := s.checkRefs(ctx, in, add); err != nil {
		return nil, err
	}
	return probs, nil
}

// keptValues names the fields of in that hold the stored value of the user u (nil
// for a new user); see userrules.Kept.
func keptValues(in UserInput, u *data.User) map[string]bool {
	if u == nil {
		return nil
	}
	return userrules.Kept(in.ruleFields(), userrules.Fields{
		FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Username: u.Username,
		Mobile: u.Mobile, ExternalID: u.ExternalID, InvitationText: u.InvitationText, Notes: u.Notes,
	})
}

// ruleFields are the values of in that userrules checks.
func (in *UserInput) ruleFields() userrules.Fields {
	return userrules.Fields{
		FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Username: in.Username,
		Mobile: in.Mobile, ExternalID: in.ExternalID, InvitationText: in.InvitationText, Notes: in.Notes,
	}
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
	found, err := s.store.FindRefs(ctx, data.Refs{RoleID: in.RoleID, UnitIDs: in.UnitIDs, GroupIDs: in.GroupIDs})
	if err != nil {
		return err
	}
	if in.RoleID == "" {
		add("role", uitext.L("role is required"))
	} else if !found.Role {
		add("role", uitext.L("the role does not exist (any more)"))
	}
	if len(in.UnitIDs) == 0 {
		add("units", uitext.L("at least one unit is required"))
	} else if !found.Units {
		add("units", uitext.L("a chosen unit does not exist (any more)"))
	}
	if !found.Groups {
		add("groups", uitext.L("a chosen group does not exist (any more)"))
	}
	return nil
}
