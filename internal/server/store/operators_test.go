package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

func TestOperatorTokensAreHashedAndRevocable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		tok, err := s.AddOperator(ctx, "Front Office", []syncapi.Permission{"add-users", "bulk-invite"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, TokenPrefix) {
			t.Fatalf("token %q lacks the prefix", tok)
		}
		if b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, TokenPrefix)); err != nil || len(b) != 32 {
			t.Errorf("token body: %d bytes, %v; want 32 bytes of base64url", len(b), err)
		}
		tok2, _ := s.AddOperator(ctx, "Second", nil)
		if tok2 == tok {
			t.Error("two operators got the same token")
		}
		var stored []string
		s.rdb.Model(&Operator{}).Pluck("token_hash", &stored)
		for _, h := range stored {
			if h == tok || h == tok2 || len(h) != 64 {
				t.Errorf("stored %q, want a hex SHA-256 of the token", h)
			}
		}
		op, err := s.Authenticate(ctx, tok)
		if err != nil || op.Name != "Front Office" || !op.Has("bulk-invite") || op.Has("add-users-by-link") {
			t.Fatalf("Authenticate: %+v, %v", op, err)
		}
		for _, bad := range []string{"", "obs_", tok + "x", strings.TrimPrefix(tok, TokenPrefix), stored[0]} {
			if _, err := s.Authenticate(ctx, bad); !errors.Is(err, ErrUnauthorized) {
				t.Errorf("Authenticate(%q): %v, want ErrUnauthorized", bad, err)
			}
		}
		if _, err := s.AddOperator(ctx, "front office", nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("second operator of the same name: %v", err)
		}
		if err := s.RevokeOperator(ctx, "FRONT OFFICE"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("revoked token: %v, want ErrUnauthorized", err)
		}
		if err := s.RevokeOperator(ctx, "Front Office"); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoking twice: %v", err)
		}
		// The name is free again for a new token.
		tok3, err := s.AddOperator(ctx, "Front Office", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tok3); err != nil {
			t.Error(err)
		}
		ops, err := s.Operators(ctx)
		if err != nil || len(ops) != 3 || ops[0].RevokedAt == nil || ops[2].RevokedAt != nil {
			t.Errorf("Operators: %+v, %v", ops, err)
		}
	})
}

func TestParsePermissions(t *testing.T) {
	ps, err := ParsePermissions(" bulk-invite, Add-Users,add-users,manage-roles,")
	if err != nil || syncapi.JoinPermissions(ps) != "add-users,bulk-invite,manage-roles" {
		t.Errorf("ParsePermissions: %v, %v", ps, err)
	}
	if _, err := ParsePermissions("add-users,fly"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "fly") {
		t.Errorf("unknown permission: %v", err)
	}
	// chat is a permission of roles, not of operators.
	if _, err := ParsePermissions("add-users,chat"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"chat" is not an operator permission`) {
		t.Errorf("a role's permission for an operator: %v", err)
	}
	// The operator permissions are the catalogue's.
	all, err := ParsePermissions(syncapi.JoinPermissions(syncapi.OperatorPermissions()))
	if err != nil || len(all) != len(syncapi.OperatorPermissions()) || !slices.Contains(all, syncapi.PermManageRoles) {
		t.Errorf("every operator permission: %v, %v", all, err)
	}
}

func TestAddOperatorRefusesPermissionsOutsideTheCatalogue(t *testing.T) {
	s := open(t, testdb.SQLite(t))
	for _, perms := range [][]syncapi.Permission{{"fly"}, {syncapi.PermChat}} {
		if _, err := s.AddOperator(context.Background(), "X", perms); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddOperator(%v): %v, want ErrInvalid", perms, err)
		}
	}
}

// TestUpgradeKeepsFullOperatorsManagingRoles opens a database as the first release
// left it (schema 1: no users.extra_permissions, no manage-roles): operators who held
// every operator right of then keep changing roles, the others no longer may, and
// operators added after the upgrade get exactly what they are given.
func TestUpgradeKeepsFullOperatorsManagingRoles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		full := []syncapi.Permission{syncapi.PermAddUsers, syncapi.PermAddUsersByLink, syncapi.PermBulkInvite}
		operator(t, s, "Admin", full...)
		users := operator(t, s, "Users", syncapi.PermAddUsers)
		operator(t, s, "Old admin", full...)
		if err := s.RevokeOperator(ctx, "Old admin"); err != nil {
			t.Fatal(err)
		}
		uid := newID()
		wantStatus(t, push(t, s, users, change(t, syncapi.EntityUser, uid, 0, user("anna"))), syncapi.StatusApplied)
		// Back to schema 1.
		if err := s.db.Migrator().DropColumn(&User{}, "extra_permissions"); err != nil {
			t.Fatal(err)
		}
		if err := upsertSetting(s.db, settingSchema, "1"); err != nil {
			t.Fatal(err)
		}
		s.Close()

		s = open(t, dsn)
		perms := map[string]string{}
		ops, err := s.Operators(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			perms[op.Name] = op.Permissions
		}
		want := map[string]string{
			"Admin": "add-users,add-users-by-link,bulk-invite,manage-users,manage-roles,manage-units,manage-groups,manage-invite-keys",
			"Users": "add-users", "Old admin": "add-users,add-users-by-link,bulk-invite",
		}
		if fmt.Sprint(perms) != fmt.Sprint(want) {
			t.Errorf("after the upgrade: %v, want %v", perms, want)
		}
		var v string
		s.rdb.Raw("SELECT value FROM settings WHERE name = ?", settingSchema).Scan(&v)
		if v != strconv.Itoa(schemaVersion) {
			t.Errorf("schema %q after the upgrade, want %d", v, schemaVersion)
		}
		// Operators added from now on get what they are given, and reopening does
		// not upgrade again.
		newOp := operator(t, s, "New office", full...)
		s.Close()
		s = open(t, dsn)
		ops, _ = s.Operators(ctx)
		for _, op := range ops {
			if op.Name == "New office" && op.Has(syncapi.PermManageRoles) {
				t.Errorf("an operator added after the upgrade got manage-roles: %s", op.Permissions)
			}
		}

		var admin *Operator
		for i := range ops {
			if ops[i].Name == "Admin" {
				admin = &ops[i]
			}
		}
		role := change(t, syncapi.EntityRole, newID(), 0, &syncapi.Role{Name: "Pupil", Permissions: []string{"chat"}})
		wantStatus(t, push(t, s, admin, role), syncapi.StatusApplied)
		for _, op := range []*Operator{users, newOp} {
			res := push(t, s, op, change(t, syncapi.EntityRole, newID(), 0, &syncapi.Role{Name: "Teacher"}))
			wantStatus(t, res, syncapi.StatusRefused)
			if !strings.Contains(res[0].Reason, "you may not manage roles") {
				t.Errorf("%s: reason %q", op.Name, res[0].Reason)
			}
		}
		// The user written before the upgrade reads back without extra permissions
		// and can be edited.
		recs, _ := pullAll(t, s, 0, 0)
		for _, r := range recs {
			if r.ID == uid && strings.Contains(string(r.Data), "extra_permissions") {
				t.Errorf("old user pulled with extra permissions: %s", r.Data)
			}
		}
		edit := user("anna")
		edit.Mobile = "+49 151 1234567"
		wantStatus(t, push(t, s, users, change(t, syncapi.EntityUser, uid, 1, edit)), syncapi.StatusApplied)
	})
}

func TestSettingsAndOrganization(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		org, err := s.Organization(ctx)
		if err != nil || org.PasswordMinLength != 12 || org.RequireTwoFactor || org.PasswordClasses || org.Name != "" {
			t.Fatalf("defaults: %+v, %v", org, err)
		}
		for k, v := range map[string]string{
			SettingOrgName: " Example School ", SettingTerms: "Be kind.",
			SettingRequire2FA: "yes", SettingPasswordMinLength: "7", "colour": "red",
		} {
			err := s.SetSetting(ctx, k, v)
			bad := k == SettingRequire2FA || k == SettingPasswordMinLength || k == "colour"
			if bad != errors.Is(err, ErrInvalid) {
				t.Errorf("SetSetting(%s, %q): %v", k, v, err)
			}
		}
		for k, v := range map[string]string{SettingRequire2FA: "true", SettingPasswordMinLength: "16", SettingPasswordClasses: "1"} {
			if err := s.SetSetting(ctx, k, v); err != nil {
				t.Fatal(err)
			}
		}
		// The name is the sender name of the mails: one line.
		if err := s.SetSetting(ctx, SettingOrgName, "Example\r\nBcc: all@example.org"); !errors.Is(err, ErrInvalid) {
			t.Errorf("a name with a line break: %v", err)
		}
		org, err = s.Organization(ctx)
		if err != nil || org.Name != "Example School" || org.Terms != "Be kind." || !org.RequireTwoFactor ||
			org.PasswordMinLength != 16 || !org.PasswordClasses {
			t.Errorf("Organization: %+v, %v", org, err)
		}
		// A second server on the same database shares the invite-key secret.
		s2 := open(t, dsn)
		if string(s2.secret) != string(s.secret) || len(s.secret) != 32 {
			t.Error("the two servers have different secrets")
		}
	})
}

func TestChangeLogSequenceIsNeverReused(t *testing.T) {
	// SQLite would hand out max(seq)+1 again after the last entry is deleted, unless
	// the table is AUTOINCREMENT; a reused number would hide the change from a client
	// whose cursor is already there.
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		id := newID()
		push(t, s, op, change(t, syncapi.EntityUnit, id, 0, &syncapi.Unit{Name: "a"}))
		_, cursor := pullAll(t, s, 0, 0)
		push(t, s, op, change(t, syncapi.EntityUnit, id, 1, &syncapi.Unit{Name: "b"}))
		recs, next := pullAll(t, s, cursor, 0)
		if len(recs) != 1 || next <= cursor {
			t.Errorf("after changing the last row: %d records, cursor %d → %d", len(recs), cursor, next)
		}
	})
}
