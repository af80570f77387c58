package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/uitext"
	"onboard/internal/userrules"
)

// ParseAddresses reads a pasted list of email addresses (see addrlist.Parse) with the
// rules of EmailProblem, so that the list accepts exactly what the new-user form does.
func ParseAddresses(text string) addrlist.Result { return addrlist.Parse(text, userrules.EmailProblem) }

// InviteEmailsInput is a list of people to invite by email, and where they go.
type InviteEmailsInput struct {
	Addresses []addrlist.Address // the email with optional names, e.g. from ParseAddresses
	// Names are names the dialog gives or corrects, by address (see NameKey). A name
	// given here replaces what came with the address, also to leave it blank
	// (PersonName{}); addresses not in Addresses are ignored.
	Names     map[string]PersonName
	RoleID    string
	UnitIDs   []string
	GroupIDs  []string
	ValidDays int // validity of the keys; 0 is the organization's default
}

// PersonName is the first and last name of a person; either or both may be empty.
type PersonName struct {
	First, Last string
}

// NameKey is the key of email in InviteEmailsInput.Names: the address trimmed,
// folded to lower case. Keys written otherwise are found too.
func NameKey(email string) string { return data.Fold(email) }

// NameField is the field of the FieldError with which InviteEmails refuses the name
// given for email in InviteEmailsInput.Names, e.g. "name:anna@example.org".
func NameField(email string) string { return "name:" + NameKey(email) }

// InviteName is the name InviteEmails stores for one address of a list.
type InviteName struct {
	Email string // as listed, trimmed
	PersonName
	Given bool // the name comes from InviteEmailsInput.Names, not from the list
	// Problem is what is wrong with the given name, "" when it is usable.
	// InviteEmails refuses the whole list while an address has one.
	Problem string
}

// InviteNames returns, in the order of addrs, the first and last name each address
// gets from InviteEmails with the given names (see InviteEmailsInput.Names): the
// name given for it; else the name cells of a spreadsheet row (First, Last); else
// the display name split (see InviteEmails); else none. A part of a name from the
// list that cannot be used is left blank, for the person to fill in at
// registration; a given name that cannot be used has a Problem. It is what the
// invite dialog shows before inviting.
func InviteNames(addrs []addrlist.Address, names map[string]PersonName) []InviteName {
	book := newNameBook(names)
	out := make([]InviteName, len(addrs))
	for i, a := range addrs {
		out[i] = book.name(a)
	}
	return out
}

// nameBook holds the given names by folded address.
type nameBook struct {
	given map[string]PersonName
	twice map[string]bool // keys that fold to the same address with different names
}

func newNameBook(names map[string]PersonName) nameBook {
	b := nameBook{given: make(map[string]PersonName, len(names))}
	for k, n := range names {
		key := NameKey(k)
		n = PersonName{First: strings.TrimSpace(n.First), Last: strings.TrimSpace(n.Last)}
		if had, ok := b.given[key]; ok && had != n {
			if b.twice == nil {
				b.twice = map[string]bool{}
			}
			b.twice[key] = true
		}
		b.given[key] = n
	}
	return b
}

// name is the name address a gets.
func (b nameBook) name(a addrlist.Address) InviteName {
	n := InviteName{Email: strings.TrimSpace(a.Email)}
	key := NameKey(a.Email)
	if given, ok := b.given[key]; ok {
		n.PersonName, n.Given = given, true
		if b.twice[key] {
			n.PersonName = PersonName{}
			n.Problem = uitext.L("different names are given for this address")
			return n
		}
		var probs []string
		for _, part := range []struct{ label, v string }{{uitext.L("first name"), given.First}, {uitext.L("last name"), given.Last}} {
			if part.v != "" {
				if msg := userrules.NameProblem(part.label, part.v); msg != "" {
					probs = append(probs, msg)
				}
			}
		}
		n.Problem = strings.Join(probs, "; ")
		return n
	}
	if a.First != "" || a.Last != "" {
		n.First, n.Last = usableName(strings.TrimSpace(a.First)), usableName(strings.TrimSpace(a.Last))
		return n
	}
	n.First, n.Last = splitName(a.Name)
	return n
}

// Invited is a user InviteEmails created, with the personal key to hand out.
type Invited struct {
	User *data.User
	Key  string
}

// NotInvitedKind says why an address was not invited.
type NotInvitedKind int

// The reasons an address is not invited.
const (
	// NotInvitedMember: a user already has the address.
	NotInvitedMember NotInvitedKind = iota + 1
	// NotInvitedRepeated: the address came earlier in the same list.
	NotInvitedRepeated
	// NotInvitedInvalid: the address is not a usable email address.
	NotInvitedInvalid
)

// NotInvited is an address InviteEmails left out, and why.
type NotInvited struct {
	Email  string
	Reason string // "already a member (Anna Müller)"
	Kind   NotInvitedKind
}

// InviteEmailsResult is what InviteEmails did, each list in the order of the input.
type InviteEmailsResult struct {
	Invited    []Invited
	NotInvited []NotInvited
}

// InviteEmails invites everyone in in.Addresses in one transaction: for each address
// no user holds yet, it creates a user in phase invited with a fresh personal key,
// in the role, units and groups of in. The first and last name are those of
// InviteNames: given in in.Names, or from the list, the name cells of a spreadsheet
// row or the display name ("Anna Maria Müller", "Müller, Anna"). Names are optional
// and not locked, since the person enters or corrects them at registration; a
// person without a name is greeted neutrally. The username is
// suggested from the email as for a new user. An address a user already holds
// (ignoring case), one repeated in the list, or one that is not usable is left out
// with the reason.
//
// "Invited" means the key is issued, the status is invited and the invitation mail
// is queued in the outbox in the same transaction.
//
// A missing or unknown role or unit, a group that does not exist, an invalid
// validity, an empty list or a given name that cannot be used (a FieldError of
// NameField(email) for each such address) is a ValidationError, and nothing is
// written.
func (s *Service) InviteEmails(ctx context.Context, in InviteEmailsInput) (*InviteEmailsResult, error) {
	days, err := s.ValidDays(ctx, in.ValidDays)
	if err != nil {
		return nil, err
	}
	if len(in.Addresses) == 0 {
		return nil, &ValidationError{Problems: []FieldError{{Field: "addresses", Message: uitext.L("there are no email addresses to invite")}}}
	}
	names := make([]InviteName, len(in.Addresses))
	var nameProbs []FieldError
	book := newNameBook(in.Names)
	reported := map[string]bool{}
	for i, a := range in.Addresses {
		names[i] = book.name(a)
		if key := NameKey(a.Email); names[i].Problem != "" && !reported[key] && userrules.EmailProblem(names[i].Email) == "" {
			reported[key] = true
			nameProbs = append(nameProbs, FieldError{Field: NameField(a.Email), Message: names[i].Problem})
		}
	}
	var out *InviteEmailsResult
	err = s.store.Write(ctx, func(tx *data.Store) error {
		ts := s.within(tx)
		probs := slices.Clone(nameProbs)
		err := ts.checkRefs(ctx, UserInput{RoleID: in.RoleID, UnitIDs: in.UnitIDs, GroupIDs: in.GroupIDs},
			func(f, m string) { probs = append(probs, FieldError{Field: f, Message: m}) })
		if err != nil {
			return err
		}
		if len(probs) > 0 {
			return &ValidationError{Problems: probs}
		}
		c, err := s.composer(ctx, tx)
		if err != nil {
			return err
		}
		res := &InviteEmailsResult{}
		listed := make(map[string]bool, len(in.Addresses))
		now := s.Now()
		for i, a := range in.Addresses {
			if err := ctx.Err(); err != nil {
				return err
			}
			email := strings.TrimSpace(a.Email)
			skip := func(kind NotInvitedKind, reason string) {
				res.NotInvited = append(res.NotInvited, NotInvited{Email: email, Reason: reason, Kind: kind})
			}
			if msg := userrules.EmailProblem(email); msg != "" {
				skip(NotInvitedInvalid, msg)
				continue
			}
			if listed[data.Fold(email)] {
				skip(NotInvitedRepeated, "listed more than once; invited once")
				continue
			}
			listed[data.Fold(email)] = true
			holder, err := tx.UserHolding(ctx, data.FieldEmail, email, "")
			switch {
			case err == nil:
				skip(NotInvitedMember, "already a member ("+holder.FullName()+")")
				continue
			case !errors.Is(err, data.ErrNotFound):
				return err
			}
			inv, err := ts.inviteOne(ctx, tx, c, names[i].PersonName, email, in, now, days)
			if err != nil {
				return err
			}
			res.Invited = append(res.Invited, *inv)
		}
		out = res
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// inviteOne creates one user invited at now with a key valid for days; s is bound
// to tx.
func (s *Service) inviteOne(ctx context.Context, tx *data.Store, c *mailComposer, name PersonName, email string, in InviteEmailsInput,
	now time.Time, days int,
) (*Invited, error) {
	first, last := name.First, name.Last
	ui := UserInput{
		FirstName: first, LastName: last, Email: email, RoleID: in.RoleID, UnitIDs: in.UnitIDs,
		GroupIDs: in.GroupIDs,
	}
	var err error
	if ui.Username, err = s.SuggestUsername(ctx, email, first, last); err != nil {
		return nil, err
	}
	u := &data.User{Phase: data.PhaseInvited, InvitedAt: &now, CreatedBy: s.actor, UpdatedBy: s.actor}
	ui.applyTo(u)
	if err := tx.CreateUser(ctx, u, ui.UnitIDs, ui.GroupIDs); err != nil {
		return nil, uniqueToValidation(err)
	}
	key, err := issueKey(ctx, tx, u, now, days)
	if err != nil {
		return nil, err
	}
	if err := tx.SaveUser(ctx, u); err != nil {
		return nil, err
	}
	if err := s.queueInvitation(ctx, tx, c, u, key, now); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, u, ActionCreate, now, "Created and invited from a list of email addresses", nil); err != nil {
		return nil, err
	}
	return &Invited{User: u, Key: key}, nil
}

// splitName makes first and last name of a display name: "Müller, Anna" is last name
// Müller, first name Anna; otherwise the last word is the last name ("Anna Maria
// Müller"). A part that is too long or not one line is left blank for the person to
// fill in at registration.
func splitName(name string) (first, last string) {
	name = strings.Join(strings.Fields(name), " ")
	if l, f, ok := strings.Cut(name, ","); ok {
		first, last = strings.TrimSpace(f), strings.TrimSpace(l)
	} else if i := strings.LastIndexByte(name, ' '); i >= 0 {
		first, last = name[:i], name[i+1:]
	} else {
		first = name
	}
	return usableName(first), usableName(last)
}

// usableName is v, or "" when v is not a usable name.
func usableName(v string) string {
	if v != "" && userrules.NameProblem("name", v) != "" {
		return ""
	}
	return v
}
