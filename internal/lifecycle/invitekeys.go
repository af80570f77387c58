package lifecycle

import (
	"context"
	"fmt"
	"strings"
	"time"

	"onboard/data"
	"onboard/internal/keys"
	"onboard/internal/settings"
	"onboard/internal/uitext"
	"onboard/internal/userrules"
)

// InviteKeyInput is what an operator enters for a new invite key.
type InviteKeyInput struct {
	Label      string
	RoleID     string
	UnitIDs    []string
	GroupIDs   []string
	ValidUntil time.Time
	MaxUses    int
}

// Invite-key states, derived like user statuses.
const (
	InviteKeyActive  = "active"
	InviteKeyUsedUp  = "used up"
	InviteKeyExpired = "expired"
	InviteKeyRevoked = "revoked"
)

// InviteKeyState derives the state of an invite key at time now.
func InviteKeyState(k *data.InviteKey, now time.Time) string {
	switch {
	case k.RevokedAt != nil:
		return InviteKeyRevoked
	case k.Uses >= k.MaxUses:
		return InviteKeyUsedUp
	case now.After(k.ValidUntil):
		return InviteKeyExpired
	}
	return InviteKeyActive
}

// CreateInviteKey validates in and stores a new invite key.
func (s *Service) CreateInviteKey(ctx context.Context, in InviteKeyInput) (*data.InviteKey, error) {
	in.Label = strings.TrimSpace(in.Label)
	now := s.Now()
	var probs []FieldError
	add := func(f, m string) { probs = append(probs, FieldError{Field: f, Message: m}) }
	if userrules.HasControl(in.Label) || len(in.Label) > maxNameLen {
		add("label", uitext.F("label must be one line of at most %d characters", maxNameLen))
	}
	if in.MaxUses < 1 || in.MaxUses > 100000 {
		add("max_uses", uitext.L("maximum uses must be between 1 and 100000"))
	}
	if !in.ValidUntil.After(now) {
		add("valid_until", uitext.L("valid until must be in the future"))
	} else if in.ValidUntil.After(now.AddDate(0, 0, settings.MaxValidDays)) {
		add("valid_until", uitext.F("valid until must be within %d days", settings.MaxValidDays))
	}
	if err := s.checkRefs(ctx, UserInput{RoleID: in.RoleID, UnitIDs: in.UnitIDs, GroupIDs: in.GroupIDs}, add); err != nil {
		return nil, err
	}
	if len(probs) > 0 {
		return nil, &ValidationError{Problems: probs}
	}
	key, err := keys.NewInvite()
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	k := &data.InviteKey{
		Label: in.Label, Key: key, RoleID: in.RoleID, ValidUntil: in.ValidUntil.UTC(),
		MaxUses: in.MaxUses, CreatedBy: s.actor,
	}
	err = s.store.Write(ctx, func(tx *data.Store) error {
		if err := tx.CreateInviteKey(ctx, k, in.UnitIDs, in.GroupIDs); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &data.AuditEvent{
			At: now, Actor: s.actor, Action: "invite-key.create",
			EntityType: "invite_key", EntityID: k.ID, Summary: "Created invite key " + k.Label,
		}, nil)
	})
	return k, err
}

// RevokeInviteKey stops an invite key from working; it stays listed.
func (s *Service) RevokeInviteKey(ctx context.Context, id string) (*data.InviteKey, error) {
	now := s.Now()
	var out *data.InviteKey
	err := s.store.Write(ctx, func(tx *data.Store) error {
		k, err := tx.InviteKeyByID(ctx, id)
		if err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return &TransitionError{Action: "revoke the invite key", User: k.Label, Reason: "it is already revoked"}
		}
		k.RevokedAt = &now
		if err := tx.SaveInviteKey(ctx, k); err != nil {
			return err
		}
		out = k
		return tx.AddAudit(ctx, &data.AuditEvent{
			At: now, Actor: s.actor, Action: "invite-key.revoke",
			EntityType: "invite_key", EntityID: k.ID, Summary: "Revoked invite key " + k.Label,
		}, nil)
	})
	return out, err
}
