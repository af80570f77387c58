package store

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"onboard/server/internal/testdb"
	"onboard/syncapi"
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
	ps, err := ParsePermissions(" add-users, bulk-invite,add-users,")
	if err != nil || len(ps) != 2 || ps[0] != "add-users" || ps[1] != "bulk-invite" {
		t.Errorf("ParsePermissions: %v, %v", ps, err)
	}
	if _, err := ParsePermissions("add-users,fly"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "fly") {
		t.Errorf("unknown permission: %v", err)
	}
}

func TestSettingsAndOrganization(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		org, err := s.Organization(ctx)
		if err != nil || org.PasswordMinLength != 12 || org.RequireTwoFactor || org.PasswordClasses || org.Name != "" {
			t.Fatalf("defaults: %+v, %v", org, err)
		}
		for k, v := range map[string]string{SettingOrgName: " Example School ", SettingTerms: "Be kind.",
			SettingRequire2FA: "yes", SettingPasswordMinLength: "7", "colour": "red"} {
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
