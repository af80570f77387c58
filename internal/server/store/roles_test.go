package store

import (
	"encoding/json"
	"strings"
	"testing"

	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

// pulled returns the data of row id from the records, decoded into v, and the
// record; it fails when the row is not there.
func pulled(t *testing.T, recs []syncapi.Record, id string, v any) syncapi.Record {
	t.Helper()
	for _, r := range recs {
		if r.ID == id {
			if v != nil && r.Data != nil {
				if err := json.Unmarshal(r.Data, v); err != nil {
					t.Fatal(err)
				}
			}
			return r
		}
	}
	t.Fatalf("row %s was not pulled", id)
	return syncapi.Record{}
}

func TestRolePermissionsAreStoredAndPulled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Admin", allPerms()...)
		id := newID()
		wantStatus(t, push(t, s, op, change(t, syncapi.EntityRole, id, 0, &syncapi.Role{
			Name:        "Teacher",
			Permissions: []string{"chat"},
		})), syncapi.StatusApplied)
		_, cursor := pullAll(t, s, 0, 0)

		// Change the permissions (typed as the CLI allows: any case, repeats, in any
		// order): the row comes again in the catalogue's order, at version 2.
		res := push(t, s, op, change(t, syncapi.EntityRole, id, 1, &syncapi.Role{
			Name:        "Teacher",
			Permissions: []string{"Directory", "manage-roles", " chat", "directory"},
		}))
		wantStatus(t, res, syncapi.StatusApplied)
		recs, _ := pullAll(t, s, cursor, 0)
		var r syncapi.Role
		rec := pulled(t, recs, id, &r)
		if rec.Version != 2 || r.Name != "Teacher" || strings.Join(r.Permissions, ",") != "manage-roles,chat,directory" {
			t.Errorf("pulled role v%d %+v", rec.Version, r)
		}
		// No permissions at all is a valid role too.
		wantStatus(t, push(t, s, op, change(t, syncapi.EntityRole, id, 2, &syncapi.Role{Name: "Guest"})), syncapi.StatusApplied)
		recs, _ = pullAll(t, s, cursor, 0)
		r = syncapi.Role{}
		if rec := pulled(t, recs, id, &r); rec.Version != 3 || r.Name != "Guest" || len(r.Permissions) != 0 {
			t.Errorf("pulled role v%d %+v", rec.Version, r)
		}
	})
}

// TestRoleChangesNeedManageRolesPerItem pushes, as an operator without manage-roles,
// a batch that creates, renames, re-permissions and deletes roles among other
// changes: every role change is refused with a reason the desktop can show, the
// other changes of the same push apply.
func TestRoleChangesNeedManageRolesPerItem(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		admin := operator(t, s, "Admin", allPerms()...)
		office := operator(t, s, "Office", syncapi.PermAddUsers, syncapi.PermAddUsersByLink, syncapi.PermBulkInvite, syncapi.PermManageUnits)
		role := newID()
		wantStatus(t, push(t, s, admin, change(t, syncapi.EntityRole, role, 0, &syncapi.Role{
			Name:        "Pupil",
			Permissions: []string{"chat"},
		})), syncapi.StatusApplied)
		_, cursor := pullAll(t, s, 0, 0)

		unit, uid := newID(), newID()
		res := push(t, s, office,
			change(t, syncapi.EntityRole, newID(), 0, &syncapi.Role{Name: "Teacher"}),                                        // create
			change(t, syncapi.EntityUnit, unit, 0, &syncapi.Unit{Name: "5a"}),                                                // applies
			change(t, syncapi.EntityRole, role, 1, &syncapi.Role{Name: "Student"}),                                           // rename
			change(t, syncapi.EntityUser, uid, 0, user("anna")),                                                              // applies
			change(t, syncapi.EntityRole, role, 1, &syncapi.Role{Name: "Pupil", Permissions: []string{"chat", "directory"}}), // permissions
			syncapi.Change{MutationID: "del-" + role, Entity: syncapi.EntityRole, ID: role, BaseVersion: 1, Deleted: true},   // delete
		)
		wantStatus(t, res, syncapi.StatusRefused, syncapi.StatusApplied, syncapi.StatusRefused,
			syncapi.StatusApplied, syncapi.StatusRefused, syncapi.StatusRefused)
		for _, i := range []int{0, 2, 4, 5} {
			if !strings.HasPrefix(res[i].Reason, "you may not manage roles") || !strings.Contains(res[i].Reason, "manage-roles") {
				t.Errorf("result %d: reason %q", i, res[i].Reason)
			}
		}
		recs, _ := pullAll(t, s, cursor, 0)
		if len(recs) != 2 || recs[0].ID != unit || recs[1].ID != uid {
			t.Errorf("pulled %+v, want the unit and the user only", recs)
		}
		// The role is as the admin left it, and the admin may still change it.
		wantStatus(t, push(t, s, admin, change(t, syncapi.EntityRole, role, 1, &syncapi.Role{
			Name:        "Student",
			Permissions: []string{"chat"},
		})), syncapi.StatusApplied)
	})
}

func TestUnknownPermissionsAreRefusedNamingThem(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Admin", allPerms()...)
		bad := user("ben")
		bad.ExtraPermissions = []string{"chat", "teleport"}
		res := push(t, s, op,
			change(t, syncapi.EntityRole, newID(), 0, &syncapi.Role{Name: "Pilot", Permissions: []string{"chat", "fly"}}),
			change(t, syncapi.EntityRole, newID(), 0, &syncapi.Role{Name: "Teacher", Permissions: []string{"chat"}}),
			change(t, syncapi.EntityUser, newID(), 0, bad),
			change(t, syncapi.EntityUser, newID(), 0, user("anna")),
			change(t, syncapi.EntityRole, newID(), 0, &syncapi.Role{Name: "Long", Permissions: []string{strings.Repeat("x", 300)}}),
		)
		wantStatus(t, res, syncapi.StatusRefused, syncapi.StatusApplied, syncapi.StatusRefused,
			syncapi.StatusApplied, syncapi.StatusRefused)
		if !strings.Contains(res[0].Reason, `unknown permission "fly"`) || !strings.HasPrefix(res[0].Reason, "permissions: ") {
			t.Errorf("role reason %q", res[0].Reason)
		}
		if !strings.Contains(res[2].Reason, `unknown permission "teleport"`) || !strings.HasPrefix(res[2].Reason, "extra_permissions: ") {
			t.Errorf("user reason %q", res[2].Reason)
		}
		if len(res[4].Reason) > 200 {
			t.Errorf("the reason repeats a long value: %d bytes", len(res[4].Reason))
		}
	})
}

func TestExtraPermissionsAreStoredAndPulled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		// Users need add-users; giving one permissions beyond the role needs manage-roles.
		clerk := operator(t, s, "Clerk", syncapi.PermAddUsers, syncapi.PermManageUsers)
		op := operator(t, s, "Office", syncapi.PermAddUsers, syncapi.PermManageRoles)
		id := newID()
		u := user("anna")
		u.ExtraPermissions = []string{"directory", "Chat", "directory"}
		res := push(t, s, clerk, change(t, syncapi.EntityUser, id, 0, u))
		wantStatus(t, res, syncapi.StatusRefused)
		if !strings.Contains(res[0].Reason, "additional permissions") {
			t.Errorf("clerk refused with %q", res[0].Reason)
		}
		wantStatus(t, push(t, s, op, change(t, syncapi.EntityUser, id, 0, u)), syncapi.StatusApplied)
		// The clerk may still edit her other fields, keeping the permissions.
		u.Mobile = "+49 151 1234567"
		wantStatus(t, push(t, s, clerk, change(t, syncapi.EntityUser, id, 1, u)), syncapi.StatusApplied)
		u.Mobile = ""
		recs, cursor := pullAll(t, s, 0, 0)
		var got syncapi.User
		pulled(t, recs, id, &got)
		if strings.Join(got.ExtraPermissions, ",") != "chat,directory" {
			t.Errorf("pulled extra permissions %q", got.ExtraPermissions)
		}
		var stored User
		if err := s.rdb.Where("id = ?", id).Take(&stored).Error; err != nil || stored.ExtraPermissions != `["chat","directory"]` {
			t.Errorf("stored %q, %v", stored.ExtraPermissions, err)
		}
		// Taking them away is a change the desktop learns too.
		u.ExtraPermissions = nil
		wantStatus(t, push(t, s, clerk, change(t, syncapi.EntityUser, id, 2, u)), syncapi.StatusRefused)
		wantStatus(t, push(t, s, op, change(t, syncapi.EntityUser, id, 2, u)), syncapi.StatusApplied)
		recs, _ = pullAll(t, s, cursor, 0)
		got = syncapi.User{}
		rec := pulled(t, recs, id, &got)
		if rec.Version != 3 || len(got.ExtraPermissions) != 0 || strings.Contains(string(rec.Data), "extra_permissions") {
			t.Errorf("pulled v%d %s", rec.Version, rec.Data)
		}
	})
}
