package lifecycle

import (
	"context"
	"errors"
	"strings"
	"testing"

	"onboard/data"
)

func TestUnitsAndGroupsAdmin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.svc.CreateUnit(ctx, "  Class 6b ")
	if err != nil || u.Name != "Class 6b" {
		t.Fatalf("create: %+v %v", u, err)
	}
	var ve *ValidationError
	if _, err := f.svc.CreateUnit(ctx, "class 5A"); !errors.As(err, &ve) || !strings.Contains(ve.Field("name"), "already exists") {
		t.Fatalf("duplicate name: %v", err)
	}
	if err := f.svc.RenameUnit(ctx, u.ID, "CLASS 5a"); !errors.As(err, &ve) {
		t.Fatalf("rename to a taken name: %v", err)
	}
	if err := f.svc.RenameUnit(ctx, u.ID, "Class 6B"); err != nil {
		t.Fatalf("rename to its own name in other case: %v", err)
	}
	// Anna has only unit 5a; Ben has 5a and 5b.
	anna := f.create(t, "Anna", "A", "")
	in := f.input("Ben", "B", "")
	in.UnitIDs = f.units
	ben, err := f.svc.CreateUser(ctx, in, 0)
	if err != nil {
		t.Fatal(err)
	}
	counts, _ := f.store.UnitCounts(ctx)
	if len(counts) != 3 || counts[0].Name != "Class 5a" || counts[0].Users != 2 || counts[1].Users != 1 {
		t.Fatalf("counts %+v", counts)
	}
	if err := f.svc.DeleteUnit(ctx, f.units[0], ""); !errors.Is(err, ErrUnitHasUsers) || !strings.Contains(err.Error(), "1 users have no other unit") {
		t.Fatalf("delete without target: %v", err)
	}
	if n, _ := f.store.UsersOnlyInUnit(ctx, f.units[0]); n != 1 {
		t.Fatalf("refused delete changed links: %d sole users", n)
	}
	if err := f.svc.DeleteUnit(ctx, f.units[0], u.ID); err != nil {
		t.Fatal(err)
	}
	aUnits, _ := f.store.UserUnitIDs(ctx, anna.User.ID)
	bUnits, _ := f.store.UserUnitIDs(ctx, ben.User.ID)
	if len(aUnits) != 1 || aUnits[0] != u.ID || len(bUnits) != 1 || bUnits[0] != f.units[1] {
		t.Fatalf("after delete: anna %v, ben %v", aUnits, bUnits)
	}
	if _, err := f.store.UnitByID(ctx, f.units[0]); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("deleted unit still found: %v", err)
	}
	// Groups: delete removes the group from its users.
	if _, err := f.svc.AddToGroup(ctx, anna.User.ID, f.group); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteGroup(ctx, f.group); err != nil {
		t.Fatal(err)
	}
	if g, _ := f.store.UserGroupIDs(ctx, anna.User.ID); len(g) != 0 {
		t.Fatalf("groups after delete: %v", g)
	}
	if g, err := f.svc.CreateGroup(ctx, "Choir"); err != nil || g.Name != "Choir" {
		t.Fatalf("re-create a deleted group's name: %v", err)
	}
}
