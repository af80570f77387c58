package data

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// handOutFixture is three pending users with live keys and one active user.
func handOutFixture(t *testing.T) (s *Store, ids []string) {
	t.Helper()
	s = openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	now := time.Now().UTC()
	for i, name := range []string{"Adler", "Bauer", "Czech", "Dorn"} {
		phase := PhaseInvited
		if i == 3 {
			phase = PhaseActive
		}
		u := addUser(t, s, &User{FirstName: "A", LastName: name, Username: "u" + name, RoleID: roleID, Phase: phase}, []string{unitID}, nil)
		k := &PersonalKey{UserID: u.ID, Key: "KEY-" + name, IssuedAt: now, ExpiresAt: now.AddDate(0, 0, 30)}
		if err := s.AddPersonalKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	return s, ids
}

// letterNames lists the last names of the users of filter f.
func letterNames(t *testing.T, s *Store, f LetterFilter) []string {
	t.Helper()
	rows, err := s.ListUsers(context.Background(), UserQuery{Letter: f}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return lastNames(rows)
}

func TestHandOutFiltersAndNoVersionChange(t *testing.T) {
	s, ids := handOutFixture(t)
	ctx := context.Background()
	k, err := s.LiveKey(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	before := rowVersion(t, s, "personal_keys", k.ID)
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	if err := s.MarkLettersPrinted(ctx, ids, at); err != nil {
		t.Fatal(err)
	}
	already, err := s.MarkLettersHandedOut(ctx, []string{ids[0], ids[3]}, at, "admin")
	if err != nil || len(already) != 0 {
		t.Fatalf("first hand-out: %v already, %v", already, err)
	}
	already, err = s.MarkLettersHandedOut(ctx, []string{ids[0], ids[1]}, at.Add(time.Hour), "other")
	if err != nil || len(already) != 1 || already[0].UserID != ids[0] || already[0].HandedOutBy != "admin" ||
		!already[0].HandedOutAt.Equal(at) {
		t.Fatalf("second hand-out: already %+v, %v", already, err)
	}
	if v := rowVersion(t, s, "personal_keys", k.ID); v != before {
		t.Fatalf("key version %d after printing and handing out, want %d", v, before)
	}
	if got := letterNames(t, s, LetterPrintedNotHandedOut); !slices.Equal(got, []string{"Czech"}) {
		t.Fatalf("printed, not handed out: %v", got)
	}
	if got := letterNames(t, s, LetterHandedOutNotRegistered); !slices.Equal(got, []string{"Adler", "Bauer"}) {
		t.Fatalf("handed out, not registered: %v", got)
	}
	if got := letterNames(t, s, ""); len(got) != 4 {
		t.Fatalf("no letter filter: %v", got)
	}
	rows, err := s.ListUsers(ctx, UserQuery{ID: ids[0]}, time.Now())
	if err != nil || len(rows) != 1 || rows[0].HandedOutAt == nil || !rows[0].HandedOutAt.Equal(at) {
		t.Fatalf("row of a handed-out user: %+v, %v", rows, err)
	}
	h, err := s.LiveKeyHandOut(ctx, "KEY-Adler")
	if err != nil || h.UserID != ids[0] || h.HandedOutBy != "admin" || h.PrintedAt == nil {
		t.Fatalf("hand-out by key: %+v, %v", h, err)
	}
	// A new key starts unprinted and not handed out.
	if _, err := s.EndLiveKey(ctx, ids[0], at, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LiveKeyHandOut(ctx, "KEY-Adler"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoked key found: %v", err)
	}
	if err := s.AddPersonalKey(ctx, &PersonalKey{UserID: ids[0], Key: "KEY-Adler2", IssuedAt: at, ExpiresAt: at.AddDate(0, 0, 9)}); err != nil {
		t.Fatal(err)
	}
	h, err = s.LiveKeyHandOut(ctx, "KEY-Adler2")
	if err != nil || h.PrintedAt != nil || h.HandedOutAt != nil || h.HandedOutBy != "" {
		t.Fatalf("new key: %+v, %v", h, err)
	}
	if got := letterNames(t, s, LetterHandedOutNotRegistered); !slices.Equal(got, []string{"Bauer"}) {
		t.Fatalf("handed out, not registered, after a new key: %v", got)
	}
}

func TestUpgradeTo14LeavesLettersUnmarked(t *testing.T) {
	path, old := openOldSchema(t, 13)
	ctx := context.Background()
	roleID, _ := seedCatalog(t, old)
	u := addUser(t, old, &User{FirstName: "A", LastName: "Old", Username: "old", RoleID: roleID}, nil, nil)
	now := time.Now().UTC()
	if err := old.AddPersonalKey(ctx, &PersonalKey{UserID: u.ID, Key: "KEY-OLD", IssuedAt: now, ExpiresAt: now.AddDate(0, 0, 3)}); err != nil {
		t.Fatal(err)
	}
	old.Close()
	cur, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	var got []struct {
		PrintedAt, HandedOutAt *time.Time
		HandedOutBy            *string
	}
	if err := cur.db.Raw(`SELECT printed_at, handed_out_at, handed_out_by FROM personal_keys`).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PrintedAt != nil || got[0].HandedOutAt != nil || got[0].HandedOutBy == nil || *got[0].HandedOutBy != "" {
		t.Fatalf("upgraded key: %+v", got)
	}
}
