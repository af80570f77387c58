package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"onboard/internal/keys"
	"onboard/internal/mail"
	"onboard/internal/server/web"
	"onboard/internal/testdb"
)

func TestTwoFactorAndMailSettings(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		m, err := s.Settings(ctx)
		if err != nil || m[SettingTwoFactorMethod] != "app" || m[SettingSMTPPort] != "587" || m[SettingSMTPSecurity] != "starttls" ||
			m[SettingRateCodeSends] != "5" {
			t.Fatalf("defaults: %v, %v", m, err)
		}
		org, _ := s.Organization(ctx)
		if org.TwoFactorMethod != web.TwoFactorApp || org.Mail != nil || org.Limits.CodeSends != 5 {
			t.Errorf("default organization: %+v", org)
		}

		// Codes by email need the server's mail first.
		for _, method := range []string{"email", "choice"} {
			err := s.SetSetting(ctx, SettingTwoFactorMethod, method)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "set smtp.host, smtp.from") {
				t.Errorf("%s without mail: %v", method, err)
			}
		}
		for _, kv := range [][2]string{
			{SettingTwoFactorMethod, "sms"},
			{SettingSMTPPort, "0"},
			{SettingSMTPPort, "smtp"},
			{SettingSMTPSecurity, "ssl"},
			{SettingSMTPHost, "mail server"},
			{SettingSMTPFrom, "Office <office@example.org>"},
			{SettingSMTPFrom, "office"},
			{SettingSMTPUser, "office\r\nBcc: x@example.org"},
			{SettingRateCodeSends, "0"},
		} {
			if err := s.SetSetting(ctx, kv[0], kv[1]); !errors.Is(err, ErrInvalid) {
				t.Errorf("SetSetting(%s, %q): %v, want ErrInvalid", kv[0], kv[1], err)
			}
		}
		for _, kv := range [][2]string{
			{SettingSMTPHost, " mail.example.org "},
			{SettingSMTPPort, "465"},
			{SettingSMTPSecurity, "TLS"},
			{SettingSMTPUser, "office"},
			{SettingSMTPPassword, "p@ss word"},
			{SettingSMTPFrom, "office@example.org"},
			{SettingOrgName, "Example School"},
			{SettingRateCodeSends, "3"},
		} {
			if err := s.SetSetting(ctx, kv[0], kv[1]); err != nil {
				t.Fatalf("SetSetting(%s, %q): %v", kv[0], kv[1], err)
			}
		}
		// The mail password is stored encrypted.
		var stored Setting
		if err := s.db.Where("name = ?", SettingSMTPPassword).Take(&stored).Error; err != nil || strings.Contains(stored.Value, "p@ss") {
			t.Errorf("stored smtp.password %q, %v", stored.Value, err)
		}
		// Settings that do not fit together are refused once host and sender are set.
		if err := s.SetSetting(ctx, SettingSMTPSecurity, "none"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "clear text") {
			t.Errorf("security none for another computer: %v", err)
		}
		if err := s.SetSetting(ctx, SettingTwoFactorMethod, " Email "); err != nil {
			t.Fatalf("email with mail: %v", err)
		}
		org, err = s.Organization(ctx)
		want := mail.Config{
			Host: "mail.example.org", Port: 465, Security: mail.SecurityTLS, User: "office", Password: "p@ss word",
			From: "office@example.org", FromName: "Example School", Timeout: smtpTimeout,
		}
		if err != nil || org.TwoFactorMethod != web.TwoFactorEmail || org.Mail == nil || *org.Mail != want || org.Limits.CodeSends != 3 {
			t.Fatalf("organization: %+v (mail %+v), %v", org, org.Mail, err)
		}
		// Mail removed later: the pages get no mail server and say so.
		if err := s.SetSetting(ctx, SettingSMTPHost, ""); err != nil {
			t.Fatal(err)
		}
		if org, _ := s.Organization(ctx); org.TwoFactorMethod != web.TwoFactorEmail || org.Mail != nil {
			t.Errorf("without smtp.host: %+v", org)
		}
	})
}

// codeKey is a canonical personal key for the code tests.
var codeKey = must(keys.NewPersonal())

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

func TestEmailCodesAreHashedAndCounted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		now := time.Now()
		save := func(key, email, code string) {
			t.Helper()
			if err := s.SaveEmailCode(ctx, web.EmailCode{Key: key, Email: email, Code: code, Expires: now.Add(web.CodeLifetime)}); err != nil {
				t.Fatal(err)
			}
		}
		check := func(key, email, code string, at time.Time, want web.CodeCheck, wantLeft int) {
			t.Helper()
			got, left, err := s.CheckEmailCode(ctx, key, email, code, at)
			if err != nil || got != want || left != wantLeft {
				t.Errorf("CheckEmailCode(%s, %s): %v, %d left, %v; want %v, %d left", email, code, got, left, err, want, wantLeft)
			}
		}
		save(codeKey, "jane@example.org", "123456")

		var rows []EmailCode
		if err := s.db.Find(&rows).Error; err != nil || len(rows) != 1 {
			t.Fatalf("rows %+v, %v", rows, err)
		}
		r := rows[0]
		if len(r.CodeHash) != 64 || strings.Contains(r.CodeHash, "123456") || strings.Contains(r.Binding, codeKey[:5]) ||
			r.CodeHash == s.codeMAC("code", r.Binding, r.EmailFold, "654321") {
			t.Errorf("stored row %+v", r)
		}

		check(codeKey, "jane@example.org", "123456", now, web.CodeOK, 5)
		check(strings.ToLower(codeKey), "Jane@Example.org", "123456", now, web.CodeOK, 5) // as typed
		check(codeKey, "jane@example.net", "123456", now, web.CodeNone, 0)
		check(must(keys.NewPersonal()), "jane@example.org", "123456", now, web.CodeNone, 0)
		check(codeKey, "jane@example.org", "123456", now.Add(web.CodeLifetime), web.CodeExpired, 5)
		for left := 4; left >= 0; left-- {
			check(codeKey, "jane@example.org", "000000", now, web.CodeWrong, left)
		}
		check(codeKey, "jane@example.org", "123456", now, web.CodeLocked, 0)

		// A new code starts with all tries.
		save(codeKey, "jane@example.org", "222333")
		check(codeKey, "jane@example.org", "123456", now, web.CodeWrong, 4)
		check(codeKey, "jane@example.org", "222333", now, web.CodeOK, 4)

		// Prune keeps codes until an hour after they expire.
		if err := s.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		check(codeKey, "jane@example.org", "222333", now, web.CodeOK, 4)
	})
}

func TestConcurrentWrongCodesCountFiveTries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		now := time.Now()
		if err := s.SaveEmailCode(ctx, web.EmailCode{Key: codeKey, Email: "jane@example.org", Code: "123456", Expires: now.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		verdicts := map[web.CodeCheck]int{}
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				v, _, err := s.CheckEmailCode(ctx, codeKey, "jane@example.org", "999999", now)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				verdicts[v]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if verdicts[web.CodeWrong] != web.MaxCodeTries || verdicts[web.CodeLocked] != 12-web.MaxCodeTries {
			t.Errorf("verdicts %v, want %d wrong and the rest locked", verdicts, web.MaxCodeTries)
		}
	})
}

func TestRegistrationUsesTheEmailCode(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		op := operator(t, s, "Office", allPerms()...)
		uid, key := invitee(t, s, op, "anna", time.Now().Add(time.Hour))
		invitee(t, s, op, "bert", time.Now().Add(time.Hour))
		reg := registration("anna.m")
		reg.TOTPSecret, reg.TwoFactor = "", web.TwoFactorEmail
		if err := s.SaveEmailCode(ctx, web.EmailCode{Key: key, Email: reg.Email, Code: "123456", Expires: time.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}

		// A wrong code, or a username that is taken, registers nothing and leaves the code unused.
		reg.EmailCode = "654321"
		if err := s.RedeemPersonalKey(ctx, key, reg); !errors.Is(err, web.ErrEmailCode) {
			t.Fatalf("wrong code: %v, want ErrEmailCode", err)
		}
		reg.EmailCode, reg.Username = "123456", "bert"
		var taken *web.ErrTaken
		if err := s.RedeemPersonalKey(ctx, key, reg); !errors.As(err, &taken) {
			t.Fatalf("taken username: %v", err)
		}
		if v, _, _ := s.CheckEmailCode(ctx, key, reg.Email, "123456", time.Now()); v != web.CodeOK {
			t.Fatalf("the code after failed registrations: %v", v)
		}

		reg.Username = "anna.m"
		if err := s.RedeemPersonalKey(ctx, key, reg); err != nil {
			t.Fatalf("RedeemPersonalKey: %v", err)
		}
		var u User
		if err := s.db.Where("id = ?", uid).Take(&u).Error; err != nil || u.TwoFactor != web.TwoFactorEmail || u.TOTPSecret != "" {
			t.Errorf("user: two factor %q, TOTP %q, %v", u.TwoFactor, u.TOTPSecret, err)
		}
		if v, _, _ := s.CheckEmailCode(ctx, key, reg.Email, "123456", time.Now()); v != web.CodeUsed {
			t.Errorf("the code after the registration: %v, want used", v)
		}

		// Joining: the code is used up, a second join with it is refused.
		_, ikey := inviteKey(t, s, op, 5, time.Now().Add(time.Hour))
		join := registration("carl")
		join.TOTPSecret, join.TwoFactor, join.EmailCode = "", web.TwoFactorEmail, "777888"
		if err := s.SaveEmailCode(ctx, web.EmailCode{Key: ikey, Email: join.Email, Code: "777888", Expires: time.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if err := s.JoinWithInviteKey(ctx, ikey, join); err != nil {
			t.Fatalf("join: %v", err)
		}
		join.Username = "carl2"
		if err := s.JoinWithInviteKey(ctx, ikey, join); !errors.Is(err, web.ErrEmailCode) {
			t.Errorf("second join with the code: %v, want ErrEmailCode", err)
		}

		// A TOTP registration records the app.
		_, key3 := invitee(t, s, op, "dora", time.Now().Add(time.Hour))
		if err := s.RedeemPersonalKey(ctx, key3, registration("dora.m")); err != nil {
			t.Fatal(err)
		}
		var dora User
		if err := s.db.Where("username = ?", "dora.m").Take(&dora).Error; err != nil || dora.TwoFactor != web.TwoFactorApp {
			t.Errorf("TOTP user: two factor %q, %v", dora.TwoFactor, err)
		}
	})
}

// TestUpgradeTo4RecordsTheAppFactor: users registered with a TOTP secret before
// schema 4 get two_factor app, the others none, and the email_codes table is made.
func TestUpgradeTo4RecordsTheAppFactor(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		_, key := invitee(t, s, op, "anna", time.Now().Add(time.Hour))
		bert, _ := invitee(t, s, op, "bert", time.Now().Add(time.Hour))
		if err := s.RedeemPersonalKey(ctx, key, registration("anna.m")); err != nil {
			t.Fatal(err)
		}
		// Back to schema 3.
		for _, m := range []func() error{
			func() error { return s.db.Migrator().DropColumn(&User{}, "two_factor") },
			func() error { return s.db.Migrator().DropTable(&EmailCode{}) },
			func() error { return upsertSetting(s.db, settingSchema, "3") },
		} {
			if err := m(); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()

		s = open(t, dsn)
		var users []User
		if err := s.db.Order("username").Find(&users).Error; err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			want := ""
			if u.ID != bert {
				want = web.TwoFactorApp
			}
			if u.TwoFactor != want {
				t.Errorf("%s: two factor %q after the upgrade, want %q", u.Username, u.TwoFactor, want)
			}
		}
		if !s.db.Migrator().HasTable(&EmailCode{}) {
			t.Error("no email_codes table after the upgrade")
		}
	})
}
