package data

import (
	"context"
	"errors"
	"testing"
	"time"
)

// roleCount returns the count of the role named name in cs.
func roleCount(t *testing.T, cs []RoleCount, name string) RoleCount {
	t.Helper()
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no role %q in %+v", name, cs)
	return RoleCount{}
}

func TestRoleCountsMoveAndTombstone(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	studentID, unitID := seedCatalog(t, s)
	teacher := &Role{Name: " Teacher ", Permissions: "users.read, users.write"}
	if err := s.CreateRole(ctx, teacher); err != nil {
		t.Fatal(err)
	}
	if teacher.Name != "Teacher" || len(teacher.PermissionList()) != 2 {
		t.Fatalf("created role %+v", teacher)
	}
	a := addUser(t, s, &User{FirstName: "A", Username: "a", RoleID: studentID}, []string{unitID}, nil)
	b := addUser(t, s, &User{FirstName: "B", Username: "b", RoleID: studentID}, []string{unitID}, nil)
	gone := addUser(t, s, &User{FirstName: "C", Username: "c", RoleID: studentID}, []string{unitID}, nil)
	addUser(t, s, &User{FirstName: "T", Username: "t", RoleID: teacher.ID}, []string{unitID}, nil)
	if g, err := s.UserByID(ctx, gone.ID); err != nil {
		t.Fatal(err)
	} else if err := s.TombstoneUser(ctx, g, time.Now()); err != nil {
		t.Fatal(err)
	}
	key := &InviteKey{Label: "Parents", Key: "ROLEKEY001", RoleID: studentID, ValidUntil: time.Now().Add(time.Hour), MaxUses: 5}
	if err := s.CreateInviteKey(ctx, key, nil, nil); err != nil {
		t.Fatal(err)
	}

	rc, err := s.RoleCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st := roleCount(t, rc, "Student"); st.Users != 2 || st.InviteKeys != 1 || st.ID != studentID {
		t.Fatalf("student counts %+v, want 2 users (the deleted left out) and 1 key", st)
	}
	if tc := roleCount(t, rc, "Teacher"); tc.Users != 1 || tc.InviteKeys != 0 || tc.Permissions != "users.read, users.write" {
		t.Fatalf("teacher counts %+v", tc)
	}

	aBefore, keyBefore := rowVersion(t, s, "users", a.ID), rowVersion(t, s, "invite_keys", key.ID)
	goneBefore := rowVersion(t, s, "users", gone.ID)
	if err := s.MoveRoleMembers(ctx, studentID, teacher.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a.ID, b.ID} {
		if u, _ := s.UserByID(ctx, id); u.RoleID != teacher.ID {
			t.Fatalf("user %s has role %s after the move, want Teacher", u.Username, u.RoleID)
		}
	}
	if k, _ := s.InviteKeyByID(ctx, key.ID); k.RoleID != teacher.ID {
		t.Fatalf("invite key has role %s after the move, want Teacher", k.RoleID)
	}
	if v := rowVersion(t, s, "users", a.ID); v != aBefore+1 {
		t.Fatalf("version of a moved user %d, want %d", v, aBefore+1)
	}
	if v := rowVersion(t, s, "invite_keys", key.ID); v != keyBefore+1 {
		t.Fatalf("version of a moved key %d, want %d", v, keyBefore+1)
	}
	var goneRole string
	s.db.Raw("SELECT role_id FROM users WHERE id = ?", gone.ID).Scan(&goneRole)
	if goneRole != studentID || rowVersion(t, s, "users", gone.ID) != goneBefore {
		t.Fatalf("the deleted user was moved too (role %s)", goneRole)
	}
	rc, _ = s.RoleCounts(ctx)
	if st := roleCount(t, rc, "Student"); st.Users != 0 || st.InviteKeys != 0 {
		t.Fatalf("student counts after the move %+v", st)
	}
	if tc := roleCount(t, rc, "Teacher"); tc.Users != 3 || tc.InviteKeys != 1 {
		t.Fatalf("teacher counts after the move %+v", tc)
	}

	student, err := s.RoleByID(ctx, studentID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.TombstoneRole(ctx, student, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RoleByID(ctx, studentID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted role by ID: %v, want ErrNotFound", err)
	}
	if _, err := s.RoleByName(ctx, "student"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted role by name: %v, want ErrNotFound", err)
	}
	if roles, _ := s.Roles(ctx); len(roles) != 1 || roles[0].ID != teacher.ID {
		t.Fatalf("roles after delete %+v", roles)
	}
	if rc, _ := s.RoleCounts(ctx); len(rc) != 1 {
		t.Fatalf("role counts after delete %+v", rc)
	}
	// The row stays for sync, and its name is free again.
	var rows int
	s.db.Raw("SELECT count(*) FROM roles WHERE id = ? AND deleted_at IS NOT NULL", studentID).Scan(&rows)
	if rows != 1 {
		t.Fatal("the deleted role's row is gone")
	}
	if err := s.CreateRole(ctx, &Role{Name: "STUDENT"}); err != nil {
		t.Fatalf("a new role with a deleted role's name: %v", err)
	}
}

func TestRenamingARoleKeepsNamesUniqueIgnoringCase(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	studentID, _ := seedCatalog(t, s)
	teacher := &Role{Name: "Teacher"}
	if err := s.CreateRole(ctx, teacher); err != nil {
		t.Fatal(err)
	}
	teacher.Name = "sTuDeNt"
	wantUnique(t, s.SaveRole(ctx, teacher), "roles.name_fold")
	teacher.Name = "Teachers"
	if err := s.SaveRole(ctx, teacher); err != nil {
		t.Fatal(err)
	}
	r, err := s.RoleByName(ctx, "TEACHERS")
	if err != nil || r.ID != teacher.ID || r.Name != "Teachers" {
		t.Fatalf("role by its new name %+v, %v", r, err)
	}
	if r, err := s.RoleByName(ctx, "student"); err != nil || r.ID != studentID {
		t.Fatalf("the other role %+v, %v", r, err)
	}
}
