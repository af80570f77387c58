package data

import (
	"context"
	"slices"
	"testing"
	"time"
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

func TestUserQueryInAnyOfSeveralUnitsAndGroups(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	role, _ := seedCatalog(t, s)
	units, groups := map[string]string{}, map[string]string{}
	for _, n := range []string{"5a", "5b", "6a"} {
		u, g := &Unit{Name: n}, &Group{Name: "G" + n}
		if err := s.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		units[n], groups[n] = u.ID, g.ID
	}
	for _, n := range []string{"5a", "5b", "6a"} {
		u := &User{FirstName: "In", LastName: n, Username: "in" + n, RoleID: role, Phase: PhaseNotActivated}
		if err := s.CreateUser(ctx, u, []string{units[n]}, []string{groups[n]}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(q UserQuery) []string {
		rows, err := s.ListUsers(ctx, q, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.LastName)
		}
		slices.Sort(out)
		return out
	}
	if got := names(UserQuery{UnitIDs: []string{units["5a"], units["6a"]}}); !slices.Equal(got, []string{"5a", "6a"}) {
		t.Errorf("two units: %v", got)
	}
	if got := names(UserQuery{GroupIDs: []string{groups["5b"]}}); !slices.Equal(got, []string{"5b"}) {
		t.Errorf("one group: %v", got)
	}
	if got := names(UserQuery{UnitIDs: []string{units["5a"], units["5b"]}, GroupIDs: []string{groups["5b"], groups["6a"]}}); !slices.Equal(got, []string{"5b"}) {
		t.Errorf("units and groups together: %v", got)
	}
	if got := names(UserQuery{}); len(got) != 3 {
		t.Errorf("no filter: %v", got)
	}
}
