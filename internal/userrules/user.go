package userrules

import "onboard/internal/uitext"

// Fields are the values of a user that the field rules check, trimmed as the
// forms trim them.
type Fields struct {
	FirstName, LastName       string // required, unless NamesMayBeEmpty
	Email, Mobile, ExternalID string // optional: "" has no problem
	Username                  string // required
	InvitationText, Notes     string // optional, multi-line
	// NamesMayBeEmpty accepts empty names (a name given must still be usable):
	// people invited from a list of addresses fill theirs in at registration, so
	// such rows exist, although the user form requires both names.
	NamesMayBeEmpty bool
}

// Problem is what is wrong with one field. Field is the field's name in the
// protocol and the forms: first_name, last_name, email, username, mobile,
// external_id, invitation_text or notes.
type Problem struct {
	Field   string
	Message string
}

// Check returns the problems of f's fields, in the order the user form shows the
// fields; none when every field is usable. It checks the values only: whether a
// username, email or external ID is taken is for the caller, who knows the other
// users.
func Check(f Fields) []Problem {
	var out []Problem
	add := func(field, msg string) {
		if msg != "" {
			out = append(out, Problem{Field: field, Message: msg})
		}
	}
	if f.FirstName != "" || !f.NamesMayBeEmpty {
		add("first_name", NameProblem(uitext.L("first name"), f.FirstName))
	}
	if f.LastName != "" || !f.NamesMayBeEmpty {
		add("last_name", NameProblem(uitext.L("last name"), f.LastName))
	}
	if f.Email != "" {
		add("email", EmailProblem(f.Email))
	}
	add("username", UsernameProblem(f.Username))
	if f.Mobile != "" {
		add("mobile", MobileProblem(f.Mobile))
	}
	if f.ExternalID != "" {
		add("external_id", ExternalIDProblem(f.ExternalID))
	}
	add("invitation_text", TextProblem(uitext.L("personal invitation text is"), f.InvitationText))
	add("notes", TextProblem(uitext.L("notes are"), f.Notes))
	return out
}

// Kept names the fields of f that hold the same value as stored, a user's values
// as they are, by the field names of Check's problems. A value the user already has
// is not checked again, on the desktop and on the server alike: a username valid
// under earlier rules keeps working when the user's other fields change. An empty
// value is never kept, so a required field left empty is still a problem.
func Kept(f, stored Fields) map[string]bool {
	same := func(a, b string) bool { return a != "" && a == b }
	return map[string]bool{
		"first_name": same(f.FirstName, stored.FirstName), "last_name": same(f.LastName, stored.LastName),
		"email": same(f.Email, stored.Email), "username": same(f.Username, stored.Username),
		"mobile": same(f.Mobile, stored.Mobile), "external_id": same(f.ExternalID, stored.ExternalID),
		"invitation_text": same(f.InvitationText, stored.InvitationText), "notes": same(f.Notes, stored.Notes),
	}
}
