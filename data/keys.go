package data

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// LiveKey returns the user's personal key that is neither revoked nor redeemed.
func (s *Store) LiveKey(ctx context.Context, userID string) (*PersonalKey, error) {
	var k PersonalKey
	err := s.rdb.WithContext(ctx).
		Where("user_id = ? AND revoked_at IS NULL AND redeemed_at IS NULL", userID).First(&k).Error
	return &k, notFound(err, "live key of user "+userID)
}

// PersonalKeyByKey finds a personal key by its canonical text, whatever its state.
func (s *Store) PersonalKeyByKey(ctx context.Context, key string) (*PersonalKey, error) {
	var k PersonalKey
	err := s.rdb.WithContext(ctx).Where("key = ?", key).First(&k).Error
	return &k, notFound(err, "personal key")
}

// AddPersonalKey stores a new live key for a user. The user must have no live key.
func (s *Store) AddPersonalKey(ctx context.Context, k *PersonalKey) error {
	k.IssuedAt, k.ExpiresAt = k.IssuedAt.UTC(), k.ExpiresAt.UTC()
	return wrap(s.db.WithContext(ctx).Create(k).Error, "store personal key")
}

// SetKeyExpiry moves the end of the personal key with ID id to until (a change
// that sync sends).
func (s *Store) SetKeyExpiry(ctx context.Context, id string, until time.Time) error {
	return wrap(countChanges(s.db.WithContext(ctx), "personal_keys", "expires_at = ?", []any{until.UTC()}, "id = ?", id),
		"extend personal key")
}

// EndLiveKey ends the user's live key, if any: revoked (redeemed false) or redeemed.
// It reports whether there was one.
func (s *Store) EndLiveKey(ctx context.Context, userID string, at time.Time, redeemed bool) (bool, error) {
	k, err := s.LiveKey(ctx, userID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	at = at.UTC()
	if redeemed {
		k.RedeemedAt = &at
	} else {
		k.RevokedAt = &at
	}
	return true, wrap(s.db.WithContext(ctx).Save(k).Error, "end personal key")
}

// CreateInviteKey stores an invite key with its units and groups.
func (s *Store) CreateInviteKey(ctx context.Context, k *InviteKey, unitIDs, groupIDs []string) error {
	k.ValidUntil = k.ValidUntil.UTC()
	db := s.db.WithContext(ctx)
	if err := db.Create(k).Error; err != nil {
		return fmt.Errorf("create invite key: %w", err)
	}
	for _, id := range unitIDs {
		if err := db.Exec(`INSERT INTO invite_key_units (invite_key_id, unit_id) VALUES (?, ?)`, k.ID, id).Error; err != nil {
			return fmt.Errorf("create invite key: unit: %w", err)
		}
	}
	for _, id := range groupIDs {
		if err := db.Exec(`INSERT INTO invite_key_groups (invite_key_id, group_id) VALUES (?, ?)`, k.ID, id).Error; err != nil {
			return fmt.Errorf("create invite key: group: %w", err)
		}
	}
	return nil
}

// InviteKeyByID returns an invite key.
func (s *Store) InviteKeyByID(ctx context.Context, id string) (*InviteKey, error) {
	var k InviteKey
	err := s.rdb.WithContext(ctx).Where("id = ?", id).First(&k).Error
	return &k, notFound(err, "invite key "+id)
}

// InviteKeys returns every invite key, newest first, revoked and expired ones included.
func (s *Store) InviteKeys(ctx context.Context) ([]InviteKey, error) {
	var out []InviteKey
	err := s.rdb.WithContext(ctx).Order("created_at DESC").Find(&out).Error
	return out, wrap(err, "list invite keys")
}

// SaveInviteKey writes every field of an invite key and counts the change.
func (s *Store) SaveInviteKey(ctx context.Context, k *InviteKey) error {
	return wrap(s.db.WithContext(ctx).Save(k).Error, "save invite key")
}
