// Package lifecycle is the user lifecycle: one function per action an operator takes
// on a user (create, edit, invite, resend, cancel, new key, deactivate, reactivate,
// delete, mark registered) and on invite keys. Each action checks that the user's
// status allows it, runs as one transaction and writes an audit event.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"onboard/data"
	"onboard/internal/keys"
	"onboard/internal/settings"
	"onboard/internal/uitext"
	"onboard/internal/userrules"
)

// Service runs lifecycle actions against a store.
type Service struct {
	store *data.Store
	now   func() time.Time
	actor string
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that decides expiry (tests move it).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithActor sets the operator name recorded in the audit log.
func WithActor(name string) Option { return func(s *Service) { s.actor = name } }

// New returns a service on store. The actor defaults to the OS user name.
func New(store *data.Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, actor: osUser()}
	for _, o := range opts {
		o(s)
	}
	return s
}

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if n := os.Getenv("USER"); n != "" {
		return n
	}
	return "operator"
}

// Now is the service's clock, in UTC.
func (s *Service) Now() time.Time { return s.now().UTC() }

// Actor is the operator name the service records.
func (s *Service) Actor() string { return s.actor }

// ValidDays returns days when it is within the limits, or the organization's
// default when days is 0.
func (s *Service) ValidDays(ctx context.Context, days int) (int, error) {
	if days == 0 {
		v, err := settings.Get(ctx, s.store, settings.InviteValidDays)
		if err != nil {
			return 0, err
		}
		if days, err = strconv.Atoi(v); err != nil {
			return settings.DefaultValidDays, nil
		}
	}
	if days < settings.MinValidDays || days > settings.MaxValidDays {
		return 0, &ValidationError{Problems: []FieldError{{
			Field:   "valid_days",
			Message: uitext.F("validity must be between %d and %d days, not %d", settings.MinValidDays, settings.MaxValidDays, days),
		}}}
	}
	return days, nil
}

// Created is the result of CreateUser: the stored user and the personal key to hand out.
type Created struct {
	User *data.User
	Key  string
}

// CreateUser validates in, derives the username when it is blank, and stores a new
// "not activated" user with a personal key valid for validDays (0: the default).
func (s *Service) CreateUser(ctx context.Context, in UserInput, validDays int) (*Created, error) {
	in.normalize()
	days, err := s.ValidDays(ctx, validDays)
	if err != nil {
		return nil, err
	}
	var out *Created
	err = s.store.Write(ctx, func(tx *data.Store) error {
		ts := s.within(tx)
		if in.Username == "" {
			if in.Username, err = ts.SuggestUsername(ctx, in.Email, in.FirstName, in.LastName); err != nil {
				return err
			}
		}
		if err := ts.validate(ctx, in, nil); err != nil {
			return err
		}
		now := s.Now()
		u := &data.User{Phase: data.PhaseNotActivated, CreatedBy: s.actor, UpdatedBy: s.actor}
		in.applyTo(u)
		if err := tx.CreateUser(ctx, u, in.UnitIDs, in.GroupIDs); err != nil {
			return uniqueToValidation(err)
		}
		key, err := issueKey(ctx, tx, u, now, days)
		if err != nil {
			return err
		}
		if err := tx.SaveUser(ctx, u); err != nil {
			return err
		}
		out = &Created{User: u, Key: key}
		return ts.audit(ctx, u, ActionCreate, now, "Created", nil)
	})
	return out, err
}

// within returns the service bound to a transaction.
func (s *Service) within(tx *data.Store) *Service {
	return &Service{store: tx, now: s.now, actor: s.actor}
}

func (s *Service) validate(ctx context.Context, in UserInput, current *data.User) error {
	probs, err := s.checkAgainst(ctx, in, current)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return &ValidationError{Problems: probs}
	}
	return nil
}

func (in *UserInput) applyTo(u *data.User) {
	u.FirstName, u.LastName, u.NamesLocked = in.FirstName, in.LastName, in.NamesLocked
	u.Email, u.Username, u.Mobile, u.ExternalID = in.Email, in.Username, in.Mobile, in.ExternalID
	u.RoleID, u.InvitationText, u.Notes = in.RoleID, in.InvitationText, in.Notes
	u.ExtraPermissions = strings.Join(in.ExtraPermissions, ",")
}

// uniqueToValidation turns a unique-index violation that slipped past Check (two
// operators at once) into the same message Check gives.
func uniqueToValidation(err error) error {
	if f, ok := data.UniqueViolation(err); ok {
		return &ValidationError{Problems: []FieldError{{Field: string(f), Message: uitext.L("already used by another user")}}}
	}
	return err
}

// issueKey revokes the user's live key, if any, and gives the user a new one valid
// for days from now. The caller saves the user.
func issueKey(ctx context.Context, tx *data.Store, u *data.User, now time.Time, days int) (string, error) {
	if _, err := tx.EndLiveKey(ctx, u.ID, now, false); err != nil {
		return "", err
	}
	key, err := keys.NewPersonal()
	if err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	expires := now.AddDate(0, 0, days).Truncate(time.Second)
	if err := tx.AddPersonalKey(ctx, &data.PersonalKey{UserID: u.ID, Key: key, IssuedAt: now, ExpiresAt: expires}); err != nil {
		return "", err
	}
	u.KeyExpiresAt = &expires
	return key, nil
}

func (s *Service) audit(ctx context.Context, u *data.User, a Action, now time.Time, summary string, changes map[string]data.Change) error {
	return s.store.AddAudit(ctx, &data.AuditEvent{
		At: now, Actor: s.actor, Action: string(a), EntityType: "user", EntityID: u.ID, Summary: summary,
	}, changes)
}

// step is the body of an action on one existing user: it changes u (which the caller
// then saves) and returns the audit summary and changes.
type step func(tx *data.Store, u *data.User, now time.Time) (summary string, changes map[string]data.Change, err error)

// act runs one action on user id as a transaction: load, check the status allows
// the action, run the step, save, audit.
func (s *Service) act(ctx context.Context, id string, a Action, fn step) (*data.User, error) {
	var out *data.User
	err := s.store.Write(ctx, func(tx *data.Store) error {
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		now := s.Now()
		if st := u.Status(now); !Allowed(a, st) {
			return &TransitionError{Action: a, User: u.FullName(), Status: st}
		}
		summary, changes, err := fn(tx, u, now)
		if err != nil {
			return err
		}
		u.UpdatedBy = s.actor
		if a == ActionDelete {
			err = tx.TombstoneUser(ctx, u, now)
		} else {
			err = tx.SaveUser(ctx, u)
		}
		if err != nil {
			return uniqueToValidation(err)
		}
		out = u
		ts := s.within(tx)
		return ts.audit(ctx, u, a, now, summary, changes)
	})
	return out, err
}

// EditUser changes the fields of a user. An empty username keeps the current one.
func (s *Service) EditUser(ctx context.Context, id string, in UserInput) (*data.User, error) {
	return s.edit(ctx, id, func(*data.User, []string, []string) UserInput { return in })
}

// edit is EditUser with the input made by input from the user as stored, with its
// units and groups.
func (s *Service) edit(ctx context.Context, id string, input func(u *data.User, units, groups []string) UserInput) (*data.User, error) {
	return s.act(ctx, id, ActionEdit, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		oldUnits, err := tx.UserUnitIDs(ctx, u.ID)
		if err != nil {
			return "", nil, err
		}
		oldGroups, err := tx.UserGroupIDs(ctx, u.ID)
		if err != nil {
			return "", nil, err
		}
		in := input(u, oldUnits, oldGroups)
		in.normalize()
		if in.Username == "" {
			in.Username = u.Username
		}
		ts := s.within(tx)
		if err := ts.validate(ctx, in, u); err != nil {
			return "", nil, err
		}
		before := *u
		in.applyTo(u)
		changes := diffUser(&before, u)
		for _, links := range []struct {
			field    string
			old, new []string
			set      func(context.Context, string, []string) error
			read     func(context.Context, string) ([]string, error)
		}{
			{"units", oldUnits, in.UnitIDs, tx.SetUserUnits, tx.UserUnitIDs},
			{"groups", oldGroups, in.GroupIDs, tx.SetUserGroups, tx.UserGroupIDs},
		} {
			if sameSet(links.old, links.new) {
				continue // nothing to write (an update from a list touches most users' groups not at all)
			}
			if err := links.set(ctx, u.ID, links.new); err != nil {
				return "", nil, err
			}
			stored, err := links.read(ctx, u.ID)
			if err != nil {
				return "", nil, err
			}
			changes[links.field] = data.Change{Old: links.old, New: stored}
		}
		return "Edited", changes, nil
	})
}

// sameSet says whether a and b hold the same IDs, in any order and repetition.
func sameSet(a, b []string) bool {
	x, y := distinctSorted(a), distinctSorted(b)
	return slices.Equal(x, y)
}

// distinctSorted is ids sorted, without repetitions.
func distinctSorted(ids []string) []string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return slices.Compact(s)
}

func diffUser(a, b *data.User) map[string]data.Change {
	ch := map[string]data.Change{}
	pairs := []struct {
		name string
		x, y any
	}{
		{"first_name", a.FirstName, b.FirstName},
		{"last_name", a.LastName, b.LastName},
		{"names_locked", a.NamesLocked, b.NamesLocked},
		{"email", a.Email, b.Email},
		{"username", a.Username, b.Username},
		{"mobile", a.Mobile, b.Mobile},
		{"external_id", a.ExternalID, b.ExternalID},
		{"role_id", a.RoleID, b.RoleID},
		{"extra_permissions", a.ExtraPermissions, b.ExtraPermissions},
		{"invitation_text", a.InvitationText, b.InvitationText},
		{"notes", a.Notes, b.Notes},
	}
	for _, p := range pairs {
		if p.x != p.y {
			ch[p.name] = data.Change{Old: p.x, New: p.y}
		}
	}
	return ch
}

// Invitation is the result of an action that hands out a key.
type Invitation struct {
	User *data.User
	Key  string
}

// SendInvitation marks a not-activated user with an email as invited, keeping a live
// key or issuing one valid for validDays (0: the default) when there is none.
func (s *Service) SendInvitation(ctx context.Context, id string, validDays int) (*Invitation, error) {
	days, err := s.ValidDays(ctx, validDays)
	if err != nil {
		return nil, err
	}
	var key string
	u, err := s.act(ctx, id, ActionInvite, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		if u.Email == "" {
			return "", nil, &TransitionError{Action: ActionInvite, User: u.FullName(), Reason: "the user has no email address"}
		}
		live, err := tx.LiveKey(ctx, u.ID)
		switch {
		case err == nil && live.Key != "":
			key = live.Key
		case err == nil:
			// Issued on another computer: only its hash is here, so the invitation
			// gets a new key.
			if key, err = issueKey(ctx, tx, u, now, days); err != nil {
				return "", nil, err
			}
		case errors.Is(err, data.ErrNotFound):
			if key, err = issueKey(ctx, tx, u, now, days); err != nil {
				return "", nil, err
			}
		default:
			return "", nil, err
		}
		u.Phase, u.InvitedAt = data.PhaseInvited, &now
		c, err := s.composer(ctx, tx)
		if err != nil {
			return "", nil, err
		}
		if err := s.queueInvitation(ctx, tx, c, u, key, now); err != nil {
			return "", nil, err
		}
		return "Invitation queued for " + u.Email, nil, nil
	})
	if err != nil {
		return nil, err
	}
	return &Invitation{User: u, Key: key}, nil
}

// ResendOptions adjusts a resend.
type ResendOptions struct {
	Email     string // a corrected address; "" keeps the current one
	ValidDays int    // 0: the default
}

// ResendInvitation issues a new key and expiry (the old key stops working) and marks
// the user invited. It is refused for active and deactivated users.
func (s *Service) ResendInvitation(ctx context.Context, id string, opt ResendOptions) (*Invitation, error) {
	days, err := s.ValidDays(ctx, opt.ValidDays)
	if err != nil {
		return nil, err
	}
	var key string
	u, err := s.act(ctx, id, ActionResend, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		changes := map[string]data.Change{}
		if opt.Email != "" && opt.Email != u.Email {
			if msg := userrules.EmailProblem(opt.Email); msg != "" {
				return "", nil, &ValidationError{Problems: []FieldError{{Field: "email", Message: msg}}}
			}
			ts := s.within(tx)
			var probs []FieldError
			add := func(f, m string) { probs = append(probs, FieldError{Field: f, Message: m}) }
			if err := ts.taken(ctx, data.FieldEmail, opt.Email, u.ID, add, "email"); err != nil {
				return "", nil, err
			}
			if len(probs) > 0 {
				return "", nil, &ValidationError{Problems: probs}
			}
			changes["email"] = data.Change{Old: u.Email, New: opt.Email}
			u.Email = opt.Email
		}
		if u.Email == "" {
			return "", nil, &TransitionError{Action: ActionResend, User: u.FullName(), Reason: "the user has no email address"}
		}
		var err error
		if key, err = issueKey(ctx, tx, u, now, days); err != nil {
			return "", nil, err
		}
		u.Phase, u.InvitedAt = data.PhaseInvited, &now
		c, err := s.composer(ctx, tx)
		if err != nil {
			return "", nil, err
		}
		if err := s.queueInvitation(ctx, tx, c, u, key, now); err != nil {
			return "", nil, err
		}
		return "Invitation queued again for " + u.Email + " with a new key", changes, nil
	})
	if err != nil {
		return nil, err
	}
	return &Invitation{User: u, Key: key}, nil
}

// NewKey issues a new personal key (the old one stops working) without sending mail.
func (s *Service) NewKey(ctx context.Context, id string, validDays int) (*Invitation, error) {
	days, err := s.ValidDays(ctx, validDays)
	if err != nil {
		return nil, err
	}
	var key string
	u, err := s.act(ctx, id, ActionNewKey, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		var err error
		key, err = issueKey(ctx, tx, u, now, days)
		return "New key issued", nil, err
	})
	if err != nil {
		return nil, err
	}
	return &Invitation{User: u, Key: key}, nil
}

// ExtendValidity keeps the user's key (a printed letter stays good) and moves its
// end to validDays days from now (0: the default). It is refused for users without
// a key, and for active and deactivated users.
func (s *Service) ExtendValidity(ctx context.Context, id string, validDays int) (*data.User, error) {
	days, err := s.ValidDays(ctx, validDays)
	if err != nil {
		return nil, err
	}
	return s.act(ctx, id, ActionExtend, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		k, err := tx.LiveKey(ctx, u.ID)
		if errors.Is(err, data.ErrNotFound) {
			return "", nil, &TransitionError{Action: ActionExtend, User: u.FullName(), Reason: "the user has no key"}
		}
		if err != nil {
			return "", nil, err
		}
		until := now.AddDate(0, 0, days).Truncate(time.Second)
		if err := tx.SetKeyExpiry(ctx, k.ID, until); err != nil {
			return "", nil, err
		}
		changes := map[string]data.Change{"key_expires_at": {Old: u.KeyExpiresAt, New: &until}}
		u.KeyExpiresAt = &until
		return "Validity extended; the key stays the same", changes, nil
	})
}

// CancelInvitation invalidates the user's key at once; the user is not activated
// and can be invited again later.
func (s *Service) CancelInvitation(ctx context.Context, id string) (*data.User, error) {
	return s.act(ctx, id, ActionCancel, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		had, err := tx.EndLiveKey(ctx, u.ID, now, false)
		if err != nil {
			return "", nil, err
		}
		if !had {
			return "", nil, &TransitionError{Action: ActionCancel, User: u.FullName(), Reason: "there is no open invitation"}
		}
		u.Phase, u.KeyExpiresAt = data.PhaseNotActivated, nil
		return "Invitation cancelled; the key no longer works", nil, nil
	})
}

// Deactivate pauses a user; a pending user's key does not work while deactivated.
func (s *Service) Deactivate(ctx context.Context, id string) (*data.User, error) {
	return s.act(ctx, id, ActionDeactivate, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		u.Phase, u.DeactivatedAt = data.PhaseDeactivated, &now
		return "Deactivated", nil, nil
	})
}

// Reactivate returns a deactivated user to the phase the user's history implies:
// active when registered, invited when invited with a live key, else not activated.
func (s *Service) Reactivate(ctx context.Context, id string) (*data.User, error) {
	return s.act(ctx, id, ActionReactivate, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		_, err := tx.LiveKey(ctx, u.ID)
		hasKey := err == nil
		if err != nil && !errors.Is(err, data.ErrNotFound) {
			return "", nil, err
		}
		switch {
		case u.ActivatedAt != nil:
			u.Phase = data.PhaseActive
		case u.InvitedAt != nil && hasKey:
			u.Phase = data.PhaseInvited
		default:
			u.Phase = data.PhaseNotActivated
		}
		u.DeactivatedAt = nil
		return "Reactivated", nil, nil
	})
}

// Delete tombstones a user (kept for sync, gone from every list) and revokes the
// user's key.
func (s *Service) Delete(ctx context.Context, id string) error {
	_, err := s.act(ctx, id, ActionDelete, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		_, err := tx.EndLiveKey(ctx, u.ID, now, false)
		return "Deleted", nil, err
	})
	return err
}

// MarkRegistered records that the user redeemed the personal key: the key is used up
// and the user is active.
func (s *Service) MarkRegistered(ctx context.Context, id string) (*data.User, error) {
	return s.act(ctx, id, ActionRegister, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		if _, err := tx.EndLiveKey(ctx, u.ID, now, true); err != nil {
			return "", nil, err
		}
		u.Phase, u.ActivatedAt, u.KeyExpiresAt = data.PhaseActive, &now, nil
		return "Registered", nil, nil
	})
}
