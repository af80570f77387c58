package data

import (
	"context"
	"testing"
	"time"
)

func TestInviteKeyUsersAndLinks(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	g := &Group{Name: "Choir"}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	k := &InviteKey{Label: "Parents", Key: "HMSEDQZAEX", RoleID: roleID, ValidUntil: time.Now().Add(time.Hour), MaxUses: 5}
	if err := s.CreateInviteKey(ctx, k, []string{unitID}, []string{g.ID}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"zoe", "anna"} {
		u := &User{FirstName: n, LastName: "X", Username: n, RoleID: roleID, Phase: PhaseActive, InviteKeyID: &k.ID}
		if err := s.CreateUser(ctx, u, []string{unitID}, nil); err != nil {
			t.Fatal(err)
		}
	}
	other := &User{FirstName: "ben", Username: "ben", RoleID: roleID, Phase: PhaseActive}
	if err := s.CreateUser(ctx, other, []string{unitID}, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := s.InviteKeyUsers(ctx, k.ID, time.Now())
	if err != nil || len(rows) != 2 || rows[0].Username != "anna" || rows[0].Status != StatusActive || rows[0].Role != "Student" {
		t.Fatalf("users of the key: %+v, %v", rows, err)
	}
	units, groups, err := s.InviteKeyLinks(ctx, k.ID)
	if err != nil || len(units) != 1 || units[0] != "Class 5a" || len(groups) != 1 || groups[0] != "Choir" {
		t.Fatalf("links: %v %v %v", units, groups, err)
	}
}
