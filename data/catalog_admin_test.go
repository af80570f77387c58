package data

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// unitFixture is three units and four users: solo has only unit X, both has X and
// Y, gone had only X and is deleted, other has only Y.
type unitFixture struct {
	s                       *Store
	x, y, z                 *Unit
	choir                   *Group
	solo, both, gone, other *User
}

func newUnitFixture(t *testing.T) *unitFixture {
	t.Helper()
	s := openTemp(t)
	ctx := context.Background()
	roleID, _ := seedCatalog(t, s)
	f := &unitFixture{s: s, x: &Unit{Name: "X"}, y: &Unit{Name: "Y"}, z: &Unit{Name: "Z"}, choir: &Group{Name: "Choir"}}
	for _, u := range []*Unit{f.x, f.y, f.z} {
		if err := s.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateGroup(ctx, f.choir); err != nil {
		t.Fatal(err)
	}
	f.solo = addUser(t, s, &User{FirstName: "Solo", Username: "solo", RoleID: roleID}, []string{f.x.ID}, []string{f.choir.ID})
	f.both = addUser(t, s, &User{FirstName: "Both", Username: "both", RoleID: roleID}, []string{f.x.ID, f.y.ID}, []string{f.choir.ID})
	f.gone = addUser(t, s, &User{FirstName: "Gone", Username: "gone", RoleID: roleID}, []string{f.x.ID}, []string{f.choir.ID})
	f.other = addUser(t, s, &User{FirstName: "Other", Username: "other", RoleID: roleID}, []string{f.y.ID}, nil)
	gone, err := s.UserByID(ctx, f.gone.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.TombstoneUser(ctx, gone, time.Now()); err != nil {
		t.Fatal(err)
	}
	return f
}

// wantUnique fails the test unless err is a violation of the unique index on column
// (table.column).
func wantUnique(t *testing.T, err error, column string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed: "+column) {
		t.Fatalf("err = %v, want a unique violation of %s", err, column)
	}
}

// counts maps the names of cs to their numbers of users.
func counts(cs []CatalogCount) map[string]int {
	out := map[string]int{}
	for _, c := range cs {
		out[c.Name] = c.Users
	}
	return out
}

func TestUnitAndGroupCountsLeaveOutDeletedUsers(t *testing.T) {
	f := newUnitFixture(t)
	ctx := context.Background()
	units, err := f.s.UnitCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"Class 5a": 0, "X": 2, "Y": 2, "Z": 0}
	if got := counts(units); len(got) != len(want) || got["X"] != 2 || got["Y"] != 2 || got["Z"] != 0 || got["Class 5a"] != 0 {
		t.Fatalf("unit counts %v, want %v", got, want)
	}
	for _, c := range units {
		if c.Name == "X" && c.ID != f.x.ID {
			t.Fatalf("unit X counted under ID %s, want %s", c.ID, f.x.ID)
		}
	}
	groups, err := f.s.GroupCounts(ctx)
	if err != nil || len(groups) != 1 || groups[0].Name != "Choir" || groups[0].Users != 2 {
		t.Fatalf("group counts %+v, %v; want Choir with 2", groups, err)
	}
}

func TestRenamingAUnitOrGroupKeepsNamesUniqueIgnoringCase(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	a, b := &Unit{Name: "  Class 5a "}, &Unit{Name: "Class 5b"}
	ga, gb := &Group{Name: "Choir"}, &Group{Name: "Chess"}
	for _, u := range []*Unit{a, b} {
		if err := s.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []*Group{ga, gb} {
		if err := s.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	if a.Name != "Class 5a" {
		t.Fatalf("created unit named %q, want the name trimmed", a.Name)
	}
	wantUnique(t, s.CreateUnit(ctx, &Unit{Name: "CLASS 5A"}), "units.name_fold")

	// Taking another's name in other case fails; a unit may change the case of its own.
	b.Name = "class 5A"
	wantUnique(t, s.SaveUnit(ctx, b), "units.name_fold")
	b.Name = "CLASS 5B"
	if err := s.SaveUnit(ctx, b); err != nil {
		t.Fatalf("changing the case of a unit's own name: %v", err)
	}
	got, err := s.UnitByName(ctx, "class 5b")
	if err != nil || got.ID != b.ID || got.Name != "CLASS 5B" {
		t.Fatalf("unit by its new name %+v, %v", got, err)
	}
	if got, err := s.UnitByID(ctx, b.ID); err != nil || got.Name != "CLASS 5B" || got.Version < 2 {
		t.Fatalf("renamed unit %+v, %v; want the new name and a counted change", got, err)
	}

	gb.Name = "CHOIR"
	wantUnique(t, s.SaveGroup(ctx, gb), "groups.name_fold")
	gb.Name = "Chess club"
	if err := s.SaveGroup(ctx, gb); err != nil {
		t.Fatal(err)
	}
	if g, err := s.GroupByName(ctx, "CHESS CLUB"); err != nil || g.ID != gb.ID {
		t.Fatalf("group by its new name %+v, %v", g, err)
	}
	if _, err := s.GroupByName(ctx, "chess"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("group by its old name: %v, want ErrNotFound", err)
	}

	// A deleted unit's name is free again.
	if err := s.TombstoneUnit(ctx, a, time.Now()); err != nil {
		t.Fatal(err)
	}
	b.Name = "Class 5a"
	if err := s.SaveUnit(ctx, b); err != nil {
		t.Fatalf("taking a deleted unit's name: %v", err)
	}
}

func TestTombstoningAUnitOrGroupRemovesItFromItsUsers(t *testing.T) {
	f := newUnitFixture(t)
	ctx := context.Background()
	at := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	soloBefore := rowVersion(t, f.s, "users", f.solo.ID)
	otherBefore := rowVersion(t, f.s, "users", f.other.ID)
	if err := f.s.TombstoneUnit(ctx, f.x, at); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UnitByID(ctx, f.x.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted unit by ID: %v, want ErrNotFound", err)
	}
	if _, err := f.s.UnitByName(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted unit by name: %v, want ErrNotFound", err)
	}
	units, _ := f.s.Units(ctx)
	for _, u := range units {
		if u.ID == f.x.ID {
			t.Fatal("the deleted unit is still listed")
		}
	}
	if c := counts(mustCounts(t)(f.s.UnitCounts(ctx))); len(c) != 3 {
		t.Fatalf("unit counts after delete %v, want the 3 others", c)
	}
	if got, _ := f.s.UserUnitIDs(ctx, f.solo.ID); len(got) != 0 {
		t.Fatalf("solo keeps units %v", got)
	}
	if got, _ := f.s.UserUnitIDs(ctx, f.both.ID); !slices.Equal(got, []string{f.y.ID}) {
		t.Fatalf("both has units %v, want only Y", got)
	}
	if v := rowVersion(t, f.s, "users", f.solo.ID); v != soloBefore+1 {
		t.Fatalf("version of a user who lost the unit %d, want %d", v, soloBefore+1)
	}
	if v := rowVersion(t, f.s, "users", f.other.ID); v != otherBefore {
		t.Fatalf("version of a user outside the unit moved from %d to %d", otherBefore, v)
	}
	var deletedAt time.Time
	f.s.db.Raw("SELECT deleted_at FROM units WHERE id = ?", f.x.ID).Scan(&deletedAt)
	if !deletedAt.Equal(at) {
		t.Fatalf("tombstone at %v, want %v", deletedAt, at)
	}

	if err := f.s.TombstoneGroup(ctx, f.choir, at); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GroupByID(ctx, f.choir.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted group by ID: %v, want ErrNotFound", err)
	}
	if got, _ := f.s.UserGroupIDs(ctx, f.both.ID); len(got) != 0 {
		t.Fatalf("both keeps groups %v", got)
	}
	if c, _ := f.s.GroupCounts(ctx); len(c) != 0 {
		t.Fatalf("group counts after delete %+v", c)
	}
}

// mustCounts fails the test on an error of a count query.
func mustCounts(t *testing.T) func([]CatalogCount, error) []CatalogCount {
	return func(cs []CatalogCount, err error) []CatalogCount {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
}

func TestMoveSoleUnitUsersMovesOnlyThoseWithNoOtherUnit(t *testing.T) {
	f := newUnitFixture(t)
	ctx := context.Background()
	if n, err := f.s.UsersOnlyInUnit(ctx, f.x.ID); err != nil || n != 1 {
		t.Fatalf("users only in X: %d, %v; want 1 (solo; both has Y, gone is deleted)", n, err)
	}
	if n, _ := f.s.UsersOnlyInUnit(ctx, f.y.ID); n != 1 {
		t.Fatalf("users only in Y: %d, want 1 (other)", n)
	}
	if n, _ := f.s.UsersOnlyInUnit(ctx, f.z.ID); n != 0 {
		t.Fatalf("users only in Z: %d, want 0", n)
	}
	soloBefore := rowVersion(t, f.s, "users", f.solo.ID)
	bothBefore := rowVersion(t, f.s, "users", f.both.ID)
	if err := f.s.MoveSoleUnitUsers(ctx, f.x.ID, f.z.ID); err != nil {
		t.Fatal(err)
	}
	want := []string{f.x.ID, f.z.ID}
	slices.Sort(want)
	if got, _ := f.s.UserUnitIDs(ctx, f.solo.ID); !slices.Equal(got, want) {
		t.Fatalf("solo has units %v, want X and Z", got)
	}
	wantBoth := []string{f.x.ID, f.y.ID}
	slices.Sort(wantBoth)
	if got, _ := f.s.UserUnitIDs(ctx, f.both.ID); !slices.Equal(got, wantBoth) {
		t.Fatalf("both has units %v, want X and Y unchanged", got)
	}
	if got, _ := f.s.UserUnitIDs(ctx, f.gone.ID); !slices.Equal(got, []string{f.x.ID}) {
		t.Fatalf("the deleted user has units %v, want X unchanged", got)
	}
	if v := rowVersion(t, f.s, "users", f.solo.ID); v != soloBefore+1 {
		t.Fatalf("version of the moved user %d, want %d", v, soloBefore+1)
	}
	if v := rowVersion(t, f.s, "users", f.both.ID); v != bothBefore {
		t.Fatalf("version of a user not moved went from %d to %d", bothBefore, v)
	}
	// Now no user has X as the only unit, and deleting X leaves everyone a unit.
	if n, _ := f.s.UsersOnlyInUnit(ctx, f.x.ID); n != 0 {
		t.Fatalf("users only in X after the move: %d", n)
	}
}
