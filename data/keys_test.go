package data

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPersonalKeyIsLiveUntilRevokedOrRedeemed(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	u := addUser(t, s, &User{FirstName: "Anna", Username: "anna", RoleID: roleID}, []string{unitID}, nil)
	other := addUser(t, s, &User{FirstName: "Ben", Username: "ben", RoleID: roleID}, []string{unitID}, nil)
	berlin := time.FixedZone("CEST", 2*60*60)
	issued := time.Date(2025, 6, 1, 10, 0, 0, 0, berlin)

	if _, err := s.LiveKey(ctx, u.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("live key before any: %v, want ErrNotFound", err)
	}
	if ended, err := s.EndLiveKey(ctx, u.ID, issued, false); err != nil || ended {
		t.Fatalf("ending a key that does not exist: %v, %v; want false, nil", ended, err)
	}
	first := &PersonalKey{UserID: u.ID, Key: "AAAAA-11111", IssuedAt: issued, ExpiresAt: issued.AddDate(0, 0, 14)}
	if err := s.AddPersonalKey(ctx, first); err != nil {
		t.Fatal(err)
	}
	if first.IssuedAt.Location() != time.UTC || first.ExpiresAt.Location() != time.UTC {
		t.Errorf("the key's times are stored in %v and %v, want UTC", first.IssuedAt.Location(), first.ExpiresAt.Location())
	}
	live, err := s.LiveKey(ctx, u.ID)
	if err != nil || live.ID != first.ID || live.Key != "AAAAA-11111" || !live.ExpiresAt.Equal(issued.AddDate(0, 0, 14)) {
		t.Fatalf("live key %+v, %v", live, err)
	}
	// At most one live key per user; another user may have one.
	wantUnique(t, s.AddPersonalKey(ctx, &PersonalKey{UserID: u.ID, Key: "BBBBB-22222", IssuedAt: issued, ExpiresAt: issued}), "personal_keys.user_id")
	if err := s.AddPersonalKey(ctx, &PersonalKey{UserID: other.ID, Key: "CCCCC-33333", IssuedAt: issued, ExpiresAt: issued}); err != nil {
		t.Fatal(err)
	}

	revoked := issued.Add(time.Hour)
	if ended, err := s.EndLiveKey(ctx, u.ID, revoked, false); err != nil || !ended {
		t.Fatalf("revoking the live key: %v, %v; want true, nil", ended, err)
	}
	if _, err := s.LiveKey(ctx, u.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("live key after revoking: %v, want ErrNotFound", err)
	}
	k, err := s.PersonalKeyByKey(ctx, "AAAAA-11111")
	if err != nil || k.RevokedAt == nil || !k.RevokedAt.Equal(revoked) || k.RedeemedAt != nil || k.Version != 2 {
		t.Fatalf("revoked key %+v, %v; want revoked at %v, not redeemed, version 2", k, err, revoked)
	}
	if _, err := s.LiveKey(ctx, other.ID); err != nil {
		t.Fatalf("revoking one user's key ended another's: %v", err)
	}

	// A new key may follow; redeeming it ends it the other way.
	second := &PersonalKey{UserID: u.ID, Key: "DDDDD-44444", IssuedAt: revoked, ExpiresAt: revoked.AddDate(0, 0, 14)}
	if err := s.AddPersonalKey(ctx, second); err != nil {
		t.Fatal(err)
	}
	redeemed := revoked.Add(time.Hour)
	if ended, err := s.EndLiveKey(ctx, u.ID, redeemed, true); err != nil || !ended {
		t.Fatalf("redeeming: %v, %v", ended, err)
	}
	k, err = s.PersonalKeyByKey(ctx, "DDDDD-44444")
	if err != nil || k.RedeemedAt == nil || !k.RedeemedAt.Equal(redeemed) || k.RevokedAt != nil {
		t.Fatalf("redeemed key %+v, %v", k, err)
	}
	if _, err := s.PersonalKeyByKey(ctx, "ddddd-44444"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a key in other case: %v, want ErrNotFound (keys are looked up canonical)", err)
	}
}

func TestInviteKeysAreStoredListedAndSaved(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	g := &Group{Name: "Parents"}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	older := &InviteKey{Row: Row{CreatedAt: base}, Label: "Old", Key: "OLDKEY0001", RoleID: roleID, ValidUntil: base.AddDate(0, 1, 0), MaxUses: 3}
	newer := &InviteKey{Row: Row{CreatedAt: base.Add(time.Hour)}, Label: "New", Key: "NEWKEY0002", RoleID: roleID, ValidUntil: base.In(time.FixedZone("X", 3600)), MaxUses: 10}
	if err := s.CreateInviteKey(ctx, older, []string{unitID}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateInviteKey(ctx, newer, []string{unitID}, []string{g.ID}); err != nil {
		t.Fatal(err)
	}
	if newer.ValidUntil.Location() != time.UTC {
		t.Errorf("valid until stored in %v, want UTC", newer.ValidUntil.Location())
	}
	list, err := s.InviteKeys(ctx)
	if err != nil || len(list) != 2 || list[0].ID != newer.ID || list[1].ID != older.ID {
		t.Fatalf("invite keys %+v, %v; want newest first", list, err)
	}
	units, groups, err := s.InviteKeyLinks(ctx, newer.ID)
	if err != nil || len(units) != 1 || units[0] != "Class 5a" || len(groups) != 1 || groups[0] != "Parents" {
		t.Fatalf("links of the new key: %v %v %v", units, groups, err)
	}
	if units, groups, _ := s.InviteKeyLinks(ctx, older.ID); len(units) != 1 || len(groups) != 0 {
		t.Fatalf("links of the old key: %v %v", units, groups)
	}

	// The key text is unique.
	err = s.CreateInviteKey(ctx, &InviteKey{Label: "Copy", Key: "OLDKEY0001", RoleID: roleID, ValidUntil: base, MaxUses: 1}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed: invite_keys.key") {
		t.Fatalf("a second invite key with the same text: %v, want a unique violation", err)
	}
	// A link to a unit that does not exist fails.
	err = s.CreateInviteKey(ctx, &InviteKey{Label: "Bad", Key: "BADKEY0003", RoleID: roleID, ValidUntil: base, MaxUses: 1}, []string{NewID()}, nil)
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		t.Fatalf("an invite key with an unknown unit: %v, want a foreign key error", err)
	}

	k, err := s.InviteKeyByID(ctx, older.ID)
	if err != nil || k.Label != "Old" || k.MaxUses != 3 || k.Uses != 0 || k.RevokedAt != nil {
		t.Fatalf("old key by ID %+v, %v", k, err)
	}
	revoked := base.Add(48 * time.Hour)
	k.Uses, k.RevokedAt = 2, &revoked
	if err := s.SaveInviteKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	k, err = s.InviteKeyByID(ctx, older.ID)
	if err != nil || k.Uses != 2 || k.RevokedAt == nil || !k.RevokedAt.Equal(revoked) || k.Version != 2 {
		t.Fatalf("saved key %+v, %v; want 2 uses, revoked, version 2", k, err)
	}
	if _, err := s.InviteKeyByID(ctx, NewID()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown invite key: %v, want ErrNotFound", err)
	}
}
