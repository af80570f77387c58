package data

import (
	"context"
	"slices"
	"testing"
)

func TestCatalogListsAreInNaturalOrder(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	names := []string{"Klasse 10a", "klasse 5b", "Klasse 5a", "Klasse 9c", "Klasse 11a"}
	want := []string{"Klasse 5a", "klasse 5b", "Klasse 9c", "Klasse 10a", "Klasse 11a"}
	for _, n := range names {
		if err := s.CreateUnit(ctx, &Unit{Name: n}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateGroup(ctx, &Group{Name: n}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateRole(ctx, &Role{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	units, _ := s.Units(ctx)
	groups, _ := s.Groups(ctx)
	roles, _ := s.Roles(ctx)
	unitCounts, _ := s.UnitCounts(ctx)
	groupCounts, _ := s.GroupCounts(ctx)
	roleCounts, _ := s.RoleCounts(ctx)
	lists := map[string][]string{}
	for _, u := range units {
		lists["Units"] = append(lists["Units"], u.Name)
	}
	for _, g := range groups {
		lists["Groups"] = append(lists["Groups"], g.Name)
	}
	for _, r := range roles {
		lists["Roles"] = append(lists["Roles"], r.Name)
	}
	for _, c := range unitCounts {
		lists["UnitCounts"] = append(lists["UnitCounts"], c.Name)
	}
	for _, c := range groupCounts {
		lists["GroupCounts"] = append(lists["GroupCounts"], c.Name)
	}
	for _, c := range roleCounts {
		lists["RoleCounts"] = append(lists["RoleCounts"], c.Name)
	}
	for _, list := range []string{"Units", "Groups", "Roles", "UnitCounts", "GroupCounts", "RoleCounts"} {
		if !slices.Equal(lists[list], want) {
			t.Errorf("%s: %v, want %v", list, lists[list], want)
		}
	}
}
