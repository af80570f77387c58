package data

import (
	"context"
	"testing"
	"time"
)

// TestFindRefs: the role, every unit and every group must exist and not be deleted;
// a repeated ID counts once, and no units or groups at all are found.
func TestFindRefs(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	role, a, b, gone, grp := &Role{Name: "Student"}, &Unit{Name: "5a"}, &Unit{Name: "5b"}, &Unit{Name: "old"}, &Group{Name: "Choir"}
	for _, err := range []error{
		s.CreateRole(ctx, role), s.CreateUnit(ctx, a), s.CreateUnit(ctx, b), s.CreateUnit(ctx, gone), s.CreateGroup(ctx, grp),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.TombstoneUnit(ctx, gone, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		refs Refs
		want RefsFound
	}{
		{"all there", Refs{role.ID, []string{a.ID, b.ID, a.ID}, []string{grp.ID}}, RefsFound{true, true, true}},
		{"no units or groups", Refs{RoleID: role.ID}, RefsFound{true, true, true}},
		{"deleted unit", Refs{role.ID, []string{a.ID, gone.ID}, nil}, RefsFound{true, false, true}},
		{"unknown group and role", Refs{"nope", []string{a.ID}, []string{grp.ID, "nope"}}, RefsFound{false, true, false}},
	} {
		got, err := s.FindRefs(ctx, c.refs)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
