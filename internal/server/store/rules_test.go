package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"onboard/internal/keys"
	"onboard/internal/server/web"
	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

// The tests of issue 15, items 2 to 4: what a push may change (permissions,
// owners, the bulk limit), what it may hold (the desktop's rules, references)
// and which lifecycle steps it may take.

// rowVersion is the server's version of row id of entity e.
func rowVersion(t *testing.T, s *Store, e syncapi.Entity, id string) int64 {
	t.Helper()
	var v int64
	if err := s.rdb.Table(specs[e].table).Where("id = ?", id).Select("version").Scan(&v).Error; err != nil {
		t.Fatal(err)
	}
	return v
}

func deletion(e syncapi.Entity, id string, base int64) syncapi.Change {
	return syncapi.Change{MutationID: "del-" + id + "-" + newID()[24:], Entity: e, ID: id, BaseVersion: base, Deleted: true}
}

func personalKey(t *testing.T, uid string) (string, *syncapi.PersonalKey) {
	t.Helper()
	key, err := keys.NewPersonal()
	if err != nil {
		t.Fatal(err)
	}
	return key, &syncapi.PersonalKey{UserID: uid, KeyHash: syncapi.HashKey(key), IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
}

func wantReason(t *testing.T, r syncapi.Result, parts ...string) {
	t.Helper()
	if r.Status != syncapi.StatusRefused {
		t.Errorf("%s (%s), want refused for %q", r.Status, r.Reason, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(r.Reason, p) {
			t.Errorf("reason %q does not say %q", r.Reason, p)
		}
	}
}

// TestRegisteredAccountCannotBeTakenOverThroughAPush: an operator who may add users
// (even the one who created the user) pushes a registered user back to invited
// with a new personal key, directly or by way of deactivated; every step back is
// refused, the new key never works, and the password stays the person's.
func TestRegisteredAccountCannotBeTakenOverThroughAPush(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		op := operator(t, s, "Office", syncapi.PermAddUsers)
		uid, key := invitee(t, s, op, "anna", time.Now().Add(time.Hour))
		if err := s.RedeemPersonalKey(ctx, key, registration("anna")); err != nil {
			t.Fatal(err)
		}
		var before User
		s.rdb.Where("id = ?", uid).Take(&before)

		again := user("anna")
		again.Email = "anna@example.net"
		newKey, pk := personalKey(t, uid)
		res := push(t, s, op,
			change(t, syncapi.EntityUser, uid, before.Version, again),
			change(t, syncapi.EntityPersonalKey, newID(), 0, pk))
		wantReason(t, res[0], `"anna" cannot go from active to invited`, "registered already")
		wantReason(t, res[1], `"anna" cannot get a new personal key`)

		// By way of deactivated: deactivating is fine, coming back invited is not.
		off := user("anna")
		off.Email, off.Phase = "anna@example.net", "deactivated"
		wantStatus(t, push(t, s, op, change(t, syncapi.EntityUser, uid, before.Version, off)), syncapi.StatusApplied)
		wantReason(t, push(t, s, op, change(t, syncapi.EntityUser, uid, before.Version+1, again))[0], "from deactivated to invited")
		wantReason(t, push(t, s, op, change(t, syncapi.EntityPersonalKey, newID(), 0, pk))[0], "cannot get a new personal key")
		back := user("anna")
		back.Email, back.Phase = "anna@example.net", "active"
		wantStatus(t, push(t, s, op, change(t, syncapi.EntityUser, uid, before.Version+1, back)), syncapi.StatusApplied)

		if err := s.RedeemPersonalKey(ctx, newKey, registration("mallory")); !errors.Is(err, web.ErrBadKey) {
			t.Errorf("registering with the pushed key: %v, want ErrBadKey", err)
		}
		var after User
		s.rdb.Where("id = ?", uid).Take(&after)
		if after.PasswordHash != before.PasswordHash || after.Username != "anna" || after.Phase != phaseActive {
			t.Errorf("the account changed: %q %q %q", after.PasswordHash, after.Username, after.Phase)
		}
	})
}

// TestEveryEntityNeedsItsPermission: an operator without permissions can change
// nothing, units and groups need their own permissions, and a role's permissions
// must be known ones.
func TestEveryEntityNeedsItsPermission(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		admin := operator(t, s, "Admin", allPerms()...)
		none := operator(t, s, "Nobody")
		uid, unit, group := newID(), newID(), newID()
		wantStatus(t, push(t, s, admin,
			change(t, syncapi.EntityUnit, unit, 0, &syncapi.Unit{Name: "5b"}),
			change(t, syncapi.EntityGroup, group, 0, &syncapi.Unit{Name: "Choir"}),
			change(t, syncapi.EntityUser, uid, 0, user("anna"))),
			syncapi.StatusApplied, syncapi.StatusApplied, syncapi.StatusApplied)
		res := push(t, s, none,
			change(t, syncapi.EntityUnit, unit, 1, &syncapi.Unit{Name: "renamed"}),
			deletion(syncapi.EntityUnit, unit, 1),
			change(t, syncapi.EntityGroup, newID(), 0, &syncapi.Unit{Name: "Parents"}),
			deletion(syncapi.EntityGroup, group, 1),
			change(t, syncapi.EntityRole, newID(), 0, &syncapi.Role{Name: "God", Permissions: []string{"everything"}}),
			change(t, syncapi.EntityUser, uid, 1, user("anna.m")),
			deletion(syncapi.EntityUser, uid, 1),
			change(t, syncapi.EntityUser, newID(), 0, user("ben")),
		)
		for i, want := range []string{"manage-units", "manage-units", "manage-groups", "manage-groups", "manage-roles", "manage-users", "manage-users", "add-users"} {
			wantReason(t, res[i], want)
		}
		if v := rowVersion(t, s, syncapi.EntityUnit, unit); v != 1 {
			t.Errorf("the unit is at version %d, want 1 (unchanged)", v)
		}
		units := operator(t, s, "Units", syncapi.PermManageUnits, syncapi.PermManageGroups, syncapi.PermManageRoles)
		res = push(t, s, units,
			change(t, syncapi.EntityUnit, unit, 1, &syncapi.Unit{Name: "renamed"}),
			change(t, syncapi.EntityGroup, newID(), 0, &syncapi.Unit{Name: "Parents"}),
			change(t, syncapi.EntityRole, newID(), 0, &syncapi.Role{Name: "God", Permissions: []string{"everything"}}),
			change(t, syncapi.EntityRole, newID(), 0, &syncapi.Role{Name: "  "}))
		wantStatus(t, res[:2], syncapi.StatusApplied, syncapi.StatusApplied)
		wantReason(t, res[2], `unknown permission "everything"`)
		wantReason(t, res[3], "name is required")
	})
}

// TestBulkLimitCountsEveryPushOfTheLastHour: without bulk-invite, 20 new users in
// one push pass, and so do 20 spread over pushes, but not one more within the
// window; users created before the window do not count.
func TestBulkLimitCountsEveryPushOfTheLastHour(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Office", syncapi.PermAddUsers)
		batch := func(round, n int) []syncapi.Change {
			var out []syncapi.Change
			for i := range n {
				out = append(out, change(t, syncapi.EntityUser, newID(), 0, user(fmt.Sprintf("r%d.u%d", round, i))))
			}
			return out
		}
		for i, r := range push(t, s, op, batch(0, 15)...) {
			if r.Status != syncapi.StatusApplied {
				t.Fatalf("first push, user %d: %+v", i, r)
			}
		}
		wantStatus(t, push(t, s, op, batch(1, 5)...), syncapi.StatusApplied, syncapi.StatusApplied,
			syncapi.StatusApplied, syncapi.StatusApplied, syncapi.StatusApplied)
		for round := 2; round < 6; round++ {
			for _, r := range push(t, s, op, batch(round, 20)...) {
				wantReason(t, r, "more than 20 users within 1h0m0s", "bulk-invite", "you created 20")
			}
		}
		// Another operator has its own count; an hour later the count starts again.
		other := operator(t, s, "Front desk", syncapi.PermAddUsers)
		wantStatus(t, push(t, s, other, batch(7, 1)...), syncapi.StatusApplied)
		err := s.db.Model(&User{}).Where("created_by = ?", op.ID).
			UpdateColumn("created_at", now().Add(-syncapi.BulkWindow-time.Minute)).Error
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, push(t, s, op, batch(8, 1)...), syncapi.StatusApplied)
		bulk := operator(t, s, "Bulk", syncapi.PermAddUsers, syncapi.PermBulkInvite)
		for _, r := range push(t, s, bulk, batch(9, 60)...) {
			if r.Status != syncapi.StatusApplied {
				t.Fatalf("with bulk-invite: %+v", r)
			}
		}
	})
}

// TestOperatorsChangeOnlyTheirOwnUsersWithoutManageUsers: an operator with
// add-users changes and deletes the users it created (and those who registered
// through its invite keys), not another operator's; manage-users changes every
// user. Invite keys are the same with manage-invite-keys.
func TestOperatorsChangeOnlyTheirOwnUsersWithoutManageUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		a := operator(t, s, "A", syncapi.PermAddUsers, syncapi.PermAddUsersByLink)
		b := operator(t, s, "B", syncapi.PermAddUsers, syncapi.PermAddUsersByLink)
		m := operator(t, s, "Manager", syncapi.PermManageUsers, syncapi.PermManageInviteKeys)
		uid := newID()
		wantStatus(t, push(t, s, a, change(t, syncapi.EntityUser, uid, 0, user("anna"))), syncapi.StatusApplied)
		edit := user("anna")
		edit.Notes = "B was here"
		_, pk := personalKey(t, uid)
		res := push(t, s, b,
			change(t, syncapi.EntityUser, uid, 1, edit),
			deletion(syncapi.EntityUser, uid, 1),
			change(t, syncapi.EntityPersonalKey, newID(), 0, pk))
		for _, r := range res {
			wantReason(t, r, `the user "anna" was created by another operator`, "manage-users")
		}
		wantStatus(t, push(t, s, a, change(t, syncapi.EntityUser, uid, 1, edit)), syncapi.StatusApplied)
		wantStatus(t, push(t, s, m, change(t, syncapi.EntityUser, uid, 2, user("anna"))), syncapi.StatusApplied)

		// Who registered through A's invite key is A's.
		kid, key := inviteKey(t, s, a, 5, time.Now().Add(time.Hour))
		if err := s.JoinWithInviteKey(ctx, key, registration("ben")); err != nil {
			t.Fatal(err)
		}
		var ben User
		if err := s.rdb.Where("username = ?", "ben").Take(&ben).Error; err != nil {
			t.Fatal(err)
		}
		joined := user("ben")
		joined.Email, joined.Phase, joined.InviteKeyID = "ben@example.net", "deactivated", &kid
		wantReason(t, push(t, s, b, change(t, syncapi.EntityUser, ben.ID, ben.Version, joined))[0], "manage-users")
		wantStatus(t, push(t, s, a, change(t, syncapi.EntityUser, ben.ID, ben.Version, joined)), syncapi.StatusApplied)

		revoked := &syncapi.InviteKey{
			Label: "Class 5a", RoleID: "r1", UnitIDs: []string{"u1"}, MaxUses: 5,
			ValidUntil: time.Now().Add(time.Hour), RevokedAt: new(time.Now()),
		}
		v := rowVersion(t, s, syncapi.EntityInviteKey, kid)
		wantReason(t, push(t, s, b, change(t, syncapi.EntityInviteKey, kid, v, revoked))[0], "manage-invite-keys")
		wantStatus(t, push(t, s, m, change(t, syncapi.EntityInviteKey, kid, v, revoked)), syncapi.StatusApplied)
	})
}

// TestUsedUnitsGroupsAndRolesAreNotDeleted: deleting a unit, group or role that
// live users (or invite keys) still use is refused, naming it and how many use it;
// once the users moved on, in the same push or before, the delete applies.
func TestUsedUnitsGroupsAndRolesAreNotDeleted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Admin", allPerms()...)
		unit, group, role := newID(), newID(), newID()
		res := push(t, s, op,
			change(t, syncapi.EntityUnit, unit, 0, &syncapi.Unit{Name: "5b"}),
			change(t, syncapi.EntityGroup, group, 0, &syncapi.Unit{Name: "Choir"}),
			change(t, syncapi.EntityRole, role, 0, &syncapi.Role{Name: "Teacher"}))
		wantStatus(t, res, syncapi.StatusApplied, syncapi.StatusApplied, syncapi.StatusApplied)
		var ids []string
		for i := range 3 {
			u := user(fmt.Sprintf("member%d", i))
			u.RoleID, u.UnitIDs, u.GroupIDs = role, []string{"u1", unit}, []string{group}
			ids = append(ids, newID())
			wantStatus(t, push(t, s, op, change(t, syncapi.EntityUser, ids[i], 0, u)), syncapi.StatusApplied)
		}
		key := &syncapi.InviteKey{Label: "Teachers", Key: mustInvite(t), RoleID: role, UnitIDs: []string{"u1"}, MaxUses: 3, ValidUntil: time.Now().Add(time.Hour)}
		wantStatus(t, push(t, s, op, change(t, syncapi.EntityInviteKey, newID(), 0, key)), syncapi.StatusApplied)
		// A deleted user does not count.
		wantStatus(t, push(t, s, op, deletion(syncapi.EntityUser, ids[2], 1)), syncapi.StatusApplied)

		res = push(t, s, op,
			deletion(syncapi.EntityUnit, unit, 1), deletion(syncapi.EntityGroup, group, 1), deletion(syncapi.EntityRole, role, 1))
		wantReason(t, res[0], `the unit "5b" is still used by 2 users`)
		wantReason(t, res[1], `the group "Choir" is still used by 2 users`)
		wantReason(t, res[2], `the role "Teacher" is still used by 2 users and 1 invite key`)

		// The desktop moves the users first, then deletes: in one push, too.
		var moves []syncapi.Change
		for i := range 2 {
			u := user(fmt.Sprintf("member%d", i))
			moves = append(moves, change(t, syncapi.EntityUser, ids[i], 1, u))
		}
		res = push(t, s, op, append(moves, deletion(syncapi.EntityUnit, unit, 1), deletion(syncapi.EntityGroup, group, 1))...)
		wantStatus(t, res, syncapi.StatusApplied, syncapi.StatusApplied, syncapi.StatusApplied, syncapi.StatusApplied)
		// Nothing may point to them now.
		u := user("late")
		u.UnitIDs = []string{unit}
		wantReason(t, push(t, s, op, change(t, syncapi.EntityUser, newID(), 0, u))[0], `unit_ids: the unit "5b" was deleted`)
	})
}

func mustInvite(t *testing.T) string {
	t.Helper()
	k, err := keys.NewInvite()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestPushedRowsKeepTheDesktopsRules: rows a desktop could not apply are refused
// with the desktop's own messages: bad fields, references to nothing, personal
// keys of users the server refused or does not have.
func TestPushedRowsKeepTheDesktopsRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		bad := func(edit func(u *syncapi.User)) *syncapi.User {
			u := user(fmt.Sprintf("u%s", newID()[30:]))
			edit(u)
			return u
		}
		refused := newID()
		_, pk := personalKey(t, refused)
		_, ghostKey := personalKey(t, newID())
		res := push(t, s, op,
			change(t, syncapi.EntityUser, refused, 0, bad(func(u *syncapi.User) { u.Username = "" })),
			change(t, syncapi.EntityPersonalKey, newID(), 0, pk),
			change(t, syncapi.EntityPersonalKey, newID(), 0, ghostKey),
			change(t, syncapi.EntityUser, newID(), 0, bad(func(u *syncapi.User) { u.Username = "a b" })),
			change(t, syncapi.EntityUser, newID(), 0, bad(func(u *syncapi.User) { u.Email = "Anna <a@example.org>" })),
			change(t, syncapi.EntityUser, newID(), 0, bad(func(u *syncapi.User) { u.FirstName = "Anna\nMaria" })),
			change(t, syncapi.EntityUser, newID(), 0, bad(func(u *syncapi.User) { u.Mobile = "call me" })),
			change(t, syncapi.EntityUser, newID(), 0, bad(func(u *syncapi.User) { u.RoleID = newID() })),
			change(t, syncapi.EntityUser, newID(), 0, bad(func(u *syncapi.User) { u.UnitIDs = []string{"u1", "nowhere"} })),
			change(t, syncapi.EntityUser, newID(), 0, bad(func(u *syncapi.User) { u.UnitIDs = nil })),
			change(t, syncapi.EntityUser, newID(), 0, bad(func(u *syncapi.User) { u.GroupIDs = []string{"nowhere"} })),
			change(t, syncapi.EntityInviteKey, newID(), 0, &syncapi.InviteKey{
				Label: "x", Key: mustInvite(t), RoleID: "nobody", UnitIDs: []string{"u1"}, MaxUses: 1, ValidUntil: time.Now().Add(time.Hour),
			}),
			change(t, syncapi.EntityUnit, newID(), 0, &syncapi.Unit{Name: ""}),
			change(t, syncapi.EntityUser, newID(), 0, bad(func(u *syncapi.User) { u.FirstName, u.LastName = "", "" })),
		)
		for i, want := range []string{
			"username: username is required", "the server has no user " + refused, "the server has no user",
			"username may contain letters", "is not a valid email address", "first name contains a line break",
			"mobile number may contain", "role_id: the server has no role", "unit_ids: the server has no unit nowhere",
			"at least one unit is required", "group_ids: the server has no group nowhere", "role_id: the server has no role nobody",
			"name is required",
		} {
			wantReason(t, res[i], want)
		}
		// Invited from a list of addresses: the person gives the names at registration.
		wantStatus(t, res[len(res)-1:], syncapi.StatusApplied)
	})
}

// TestUpgradeTo3KeepsFullOperatorsAndFindsCreators opens a database of schema 2
// (no created_by columns): operators with every right of then get the new ones,
// others do not, and users and invite keys get their creators from the mutations,
// so their operators keep changing them.
func TestUpgradeTo3KeepsFullOperatorsAndFindsCreators(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		v2 := []syncapi.Permission{syncapi.PermAddUsers, syncapi.PermAddUsersByLink, syncapi.PermBulkInvite, syncapi.PermManageRoles}
		operator(t, s, "Admin", v2...)
		users := operator(t, s, "Users", syncapi.PermAddUsers, syncapi.PermAddUsersByLink)
		other := operator(t, s, "Other", syncapi.PermAddUsers)
		uid := newID()
		wantStatus(t, push(t, s, users, change(t, syncapi.EntityUser, uid, 0, user("anna"))), syncapi.StatusApplied)
		kid, _ := inviteKey(t, s, users, 5, time.Now().Add(time.Hour))
		for _, m := range []any{&User{}, &InviteKey{}} {
			if err := s.db.Migrator().DropColumn(m, "created_by"); err != nil {
				t.Fatal(err)
			}
		}
		if err := upsertSetting(s.db, settingSchema, "2"); err != nil {
			t.Fatal(err)
		}
		s.Close()

		s = open(t, dsn)
		ops, err := s.Operators(ctx)
		if err != nil {
			t.Fatal(err)
		}
		perms := map[string]string{}
		for _, op := range ops {
			perms[op.Name] = op.Permissions
		}
		want := map[string]string{
			"Admin": "add-users,add-users-by-link,bulk-invite,manage-users,manage-roles,manage-units,manage-groups,manage-invite-keys",
			"Users": "add-users,add-users-by-link", "Other": "add-users",
		}
		if fmt.Sprint(perms) != fmt.Sprint(want) {
			t.Errorf("after the upgrade: %v, want %v", perms, want)
		}
		edit := user("anna")
		edit.Notes = "after the upgrade"
		wantReason(t, push(t, s, other, change(t, syncapi.EntityUser, uid, 1, edit))[0], "manage-users")
		wantStatus(t, push(t, s, users, change(t, syncapi.EntityUser, uid, 1, edit)), syncapi.StatusApplied)
		var k InviteKey
		if err := s.rdb.Where("id = ?", kid).Take(&k).Error; err != nil || k.CreatedBy != users.ID {
			t.Errorf("invite key creator %q (%v), want %s", k.CreatedBy, err, users.ID)
		}
	})
}

// TestAStoredUsernameIsNotCheckedAgain: a username that keeps earlier rules but not
// today's (Greek and Latin letters mixed) does not stop its user's other changes from
// syncing, as the desktop does not check it again on edit; a changed username is
// checked.
func TestAStoredUsernameIsNotCheckedAgain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		id := newID()
		res := push(t, s, op, change(t, syncapi.EntityUser, id, 0, user("omega")))
		wantStatus(t, res, syncapi.StatusApplied)
		if err := s.db.Exec(`UPDATE users SET username = ? WHERE id = ?`, "Ωmega", id).Error; err != nil {
			t.Fatal(err)
		}
		u := user("omega")
		u.Username, u.Notes = "Ωmega", "moved to 6a"
		res = push(t, s, op, change(t, syncapi.EntityUser, id, res[0].Version, u))
		wantStatus(t, res, syncapi.StatusApplied)
		u.Username = "Ωmegb"
		wantReason(t, push(t, s, op, change(t, syncapi.EntityUser, id, res[0].Version, u))[0], "username")
	})
}
