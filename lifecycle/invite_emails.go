package lifecycle

import (
	"context"
	"errors"
	"strings"
	"time"

	"onboard/addrlist"
	"onboard/data"
)

// ParseAddresses reads a pasted list of email addresses (see addrlist.Parse) with the
// rules of EmailProblem, so that the list accepts exactly what the new-user form does.
func ParseAddresses(text string) addrlist.Result { return addrlist.Parse(text, EmailProblem) }

// InviteEmailsInput is a list of people to invite by email, and where they go.
type InviteEmailsInput struct {
	Addresses []addrlist.Address // the email with an optional display name, e.g. from ParseAddresses
	RoleID    string
	UnitIDs   []string
	GroupIDs  []string
	ValidDays int // validity of the keys; 0 is the organization's default
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
// in the role, units and groups of in. The first and last name come from the display
// name when there is one ("Anna Maria Müller", "Müller, Anna"); names are optional
// and not locked, since the person enters them at registration. The username is
// suggested from the email as for a new user. An address a user already holds
// (ignoring case), one repeated in the list, or one that is not usable is left out
// with the reason.
//
// "Invited" means the key is issued, the status is invited and the invitation mail
// is queued in the outbox in the same transaction.
//
// A missing or unknown role or unit, a group that does not exist, an invalid
// validity or an empty list is a ValidationError, and nothing is written.
func (s *Service) InviteEmails(ctx context.Context, in InviteEmailsInput) (*InviteEmailsResult, error) {
	days, err := s.ValidDays(ctx, in.ValidDays)
	if err != nil {
		return nil, err
	}
	if len(in.Addresses) == 0 {
		return nil, &ValidationError{Problems: []FieldError{{"addresses", "there are no email addresses to invite"}}}
	}
	var out *InviteEmailsResult
	err = s.store.Write(ctx, func(tx *data.Store) error {
		ts := s.within(tx)
		var probs []FieldError
		err := ts.checkRefs(ctx, UserInput{RoleID: in.RoleID, UnitIDs: in.UnitIDs, GroupIDs: in.GroupIDs},
			func(f, m string) { probs = append(probs, FieldError{f, m}) })
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
		for _, a := range in.Addresses {
			if err := ctx.Err(); err != nil {
				return err
			}
			email := strings.TrimSpace(a.Email)
			skip := func(kind NotInvitedKind, reason string) {
				res.NotInvited = append(res.NotInvited, NotInvited{Email: email, Reason: reason, Kind: kind})
			}
			if msg := EmailProblem(email); msg != "" {
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
			inv, err := ts.inviteOne(ctx, tx, c, a.Name, email, in, now, days)
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
func (s *Service) inviteOne(ctx context.Context, tx *data.Store, c *mailComposer, name, email string, in InviteEmailsInput,
	now time.Time, days int) (*Invited, error) {
	first, last := splitName(name)
	ui := UserInput{FirstName: first, LastName: last, Email: email, RoleID: in.RoleID, UnitIDs: in.UnitIDs,
		GroupIDs: in.GroupIDs}
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
	usable := func(v string) string {
		if v != "" && NameProblem("name", v) != "" {
			return ""
		}
		return v
	}
	return usable(first), usable(last)
}
