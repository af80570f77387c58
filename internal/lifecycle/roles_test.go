package lifecycle

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/syncapi"
)

func TestRolesAdmin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	teacher, err := f.svc.CreateRole(ctx, " Teacher ", []string{"directory", "Add-Users", "chat"})
	if err != nil || teacher.Name != "Teacher" {
		t.Fatalf("create: %+v %v", teacher, err)
	}
	// Stored in the catalogue's order, whatever the order typed.
	if teacher.Permissions != "add-users,chat,directory" {
		t.Fatalf("permissions stored as %q", teacher.Permissions)
	}
	var ve *ValidationError
	if _, err := f.svc.CreateRole(ctx, "STUDENT", nil); !errors.As(err, &ve) || ve.Field("name") != "a role named “Student” already exists" {
		t.Fatalf("duplicate name ignoring case: %v", err)
	}
	if _, err := f.svc.CreateRole(ctx, "Parent", []string{"fly"}); !errors.As(err, &ve) || !strings.Contains(ve.Field("permissions"), `unknown permission "fly"`) {
		t.Fatalf("unknown permission: %v", err)
	}
	if _, err := f.store.RoleByName(ctx, "Parent"); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("a refused role was stored: %v", err)
	}
	if err := f.svc.RenameRole(ctx, teacher.ID, "student"); !errors.As(err, &ve) {
		t.Fatalf("rename to a taken name: %v", err)
	}
	if err := f.svc.RenameRole(ctx, teacher.ID, "Teachers"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetRolePermissions(ctx, teacher.ID, []string{"manage-roles"}); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.store.RoleByID(ctx, teacher.ID); r.Name != "Teachers" || r.Permissions != "manage-roles" {
		t.Fatalf("after rename and permissions: %+v", r)
	}
	if rows, _ := f.store.PendingRows(ctx, syncapi.EntityRole, "", 10); len(rows) != 2 || !strings.Contains(string(rows[0].Data)+string(rows[1].Data), `"manage-roles"`) {
		t.Fatalf("the permission change is not pending for sync: %v", rows)
	}

	// Student has a user and an invite key: deleting it needs a role to move them to.
	anna := f.create(t, "Anna", "A", "")
	ik := &data.InviteKey{Label: "Parents", Key: "HMSEDQZAEX", RoleID: f.roleID, ValidUntil: f.now.Add(time.Hour), MaxUses: 5}
	if err := f.store.CreateInviteKey(ctx, ik, f.units[:1], nil); err != nil {
		t.Fatal(err)
	}
	counts, _ := f.store.RoleCounts(ctx)
	if len(counts) != 2 || counts[0].Name != "Student" || counts[0].Users != 1 || counts[0].InviteKeys != 1 || counts[1].Users != 0 {
		t.Fatalf("counts %+v", counts)
	}
	err = f.svc.DeleteRole(ctx, f.roleID, "")
	if !errors.Is(err, ErrRoleInUse) || !strings.Contains(err.Error(), "1 user and 1 invite key") {
		t.Fatalf("delete without target: %v", err)
	}
	if err := f.svc.DeleteRole(ctx, f.roleID, teacher.ID); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.store.UserByID(ctx, anna.User.ID); u.RoleID != teacher.ID {
		t.Fatalf("user kept the deleted role: %s", u.RoleID)
	}
	if k, _ := f.store.InviteKeyByID(ctx, ik.ID); k.RoleID != teacher.ID {
		t.Fatalf("invite key kept the deleted role: %s", k.RoleID)
	}
	if _, err := f.store.RoleByID(ctx, f.roleID); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("deleted role still found: %v", err)
	}
	// An unused role goes without a target.
	if err := f.svc.DeleteRole(ctx, teacher.ID, ""); !errors.Is(err, ErrRoleInUse) {
		t.Fatalf("the role now has the users: %v", err)
	}
	spare, _ := f.svc.CreateRole(ctx, "Spare", nil)
	if err := f.svc.DeleteRole(ctx, spare.ID, ""); err != nil {
		t.Fatal(err)
	}
}

func TestExtraPermissionsOfAUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := f.input("Anna", "A", "")
	in.ExtraPermissions = []string{"directory", "bulk-invite"}
	c, err := f.svc.CreateUser(ctx, in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.User.ExtraPermissions != "bulk-invite,directory" {
		t.Fatalf("extra permissions stored as %q", c.User.ExtraPermissions)
	}
	in = f.input("Ben", "B", "")
	in.ExtraPermissions = []string{"root"}
	var ve *ValidationError
	if _, err := f.svc.CreateUser(ctx, in, 0); !errors.As(err, &ve) || !strings.Contains(ve.Field("extra_permissions"), `unknown permission "root"`) {
		t.Fatalf("unknown extra permission: %v", err)
	}
}
