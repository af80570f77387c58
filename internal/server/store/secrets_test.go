package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onboard/internal/keys"
	"onboard/internal/testdb"
)

// hmacHex is HMAC-SHA256 of msg under key, in hex.
func hmacHex(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// storedInviteHMAC reads the key_hmac column of an invite key.
func storedInviteHMAC(t *testing.T, s *Store, id string) string {
	t.Helper()
	var k InviteKey
	if err := s.db.Where("id = ?", id).Take(&k).Error; err != nil {
		t.Fatal(err)
	}
	return k.KeyHMAC
}

// TestInviteKeyHMACKeyIsNotInTheDatabase: no value the database holds (every
// setting, raw and hex-decoded) is the key of an invite key's HMAC, so a copy of the
// database does not allow testing guessed invite keys. Opening the database with
// another secret fails instead of silently making new invite keys unusable.
func TestInviteKeyHMACKeyIsNotInTheDatabase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		id, key := inviteKey(t, s, op, 5, time.Now().Add(time.Hour))
		canon, err := keys.Parse(keys.Invite, key)
		if err != nil {
			t.Fatal(err)
		}
		stored := storedInviteHMAC(t, s, id)
		var settings []Setting
		if err := s.db.Find(&settings).Error; err != nil {
			t.Fatal(err)
		}
		for _, st := range settings {
			candidates := [][]byte{[]byte(st.Value)}
			if b, err := hex.DecodeString(st.Value); err == nil {
				candidates = append(candidates, b)
			}
			for _, c := range candidates {
				if hmacHex(c, canon) == stored {
					t.Errorf("setting %s is the invite keys' HMAC key", st.Name)
				}
			}
		}
		_, err = Open(context.Background(), dsn, WithSecret([]byte("another server secret of 32 bytes or more")))
		if !errors.Is(err, ErrWrongSecret) {
			t.Errorf("Open with another secret: %v, want ErrWrongSecret", err)
		}
		if _, err := s.InviteKey(context.Background(), key); err != nil {
			t.Errorf("InviteKey: %v", err)
		}
	})
}

// TestLegacyInviteKeysStillRedeem: a database from before the server secret keeps
// its HMAC key in settings; its invite keys still work after the upgrade, while new
// invite keys are HMAC'd under the server secret, not under the legacy key.
func TestLegacyInviteKeysStillRedeem(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		id, key := inviteKey(t, s, op, 5, time.Now().Add(time.Hour))
		canon, _ := keys.Parse(keys.Invite, key)
		// Make the database look like one of the old server: the secret in settings
		// and the key HMAC'd under it.
		legacy := bytes.Repeat([]byte{0x5a}, 32)
		if err := upsertSetting(s.db, settingSecret, hex.EncodeToString(legacy)); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Model(&InviteKey{}).Where("id = ?", id).Update("key_hmac", hmacHex(legacy, canon)).Error; err != nil {
			t.Fatal(err)
		}

		s2 := open(t, dsn)
		if label, err := s2.InviteKey(ctx, key); err != nil || label != "Class 5a" {
			t.Fatalf("legacy invite key: %q, %v", label, err)
		}
		if err := s2.JoinWithInviteKey(ctx, key, registration("legacy.joiner")); err != nil {
			t.Fatalf("join with a legacy invite key: %v", err)
		}
		id2, key2 := inviteKey(t, s2, op, 5, time.Now().Add(time.Hour))
		canon2, _ := keys.Parse(keys.Invite, key2)
		if got := storedInviteHMAC(t, s2, id2); got == hmacHex(legacy, canon2) {
			t.Error("a new invite key is HMAC'd under the legacy secret from the database")
		}
		if err := s2.JoinWithInviteKey(ctx, key2, registration("new.joiner")); err != nil {
			t.Errorf("join with a new invite key: %v", err)
		}
	})
}

// TestSQLiteSecretFileBesideTheDatabase: without a given secret, an SQLite database
// gets "<file>.secret" (mode 0600, not inside the database file), which the next
// start reads.
func TestSQLiteSecretFileBesideTheDatabase(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "server.db")
	s, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	inviteSecret := s.secret
	s.Close()
	path := db + ".secret"
	if DefaultSecretFile(db) != path {
		t.Errorf("DefaultSecretFile = %q", DefaultSecretFile(db))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no secret file beside the database: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", fi.Mode().Perm())
	}
	secret, err := ReadSecretFile(path)
	if err != nil || len(secret) != 64 {
		t.Fatalf("secret file: %d bytes, %v", len(secret), err)
	}
	for _, f := range []string{db, db + "-wal"} {
		raw, _ := os.ReadFile(f)
		if bytes.Contains(raw, secret) || bytes.Contains(raw, []byte(hex.EncodeToString(inviteSecret))) {
			t.Errorf("%s holds the server secret or its invite-key subkey", f)
		}
	}
	s, err = Open(ctx, db)
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	if !bytes.Equal(s.secret, inviteSecret) {
		t.Error("the second start has another secret")
	}
	s.Close()
}

// TestLostSecretFileIsNotReplacedSilently: a database whose secret file is lost
// does not get a new secret silently (no new file is left either) until
// ReplaceSecret; PostgreSQL has no default secret, and short secrets are refused.
func TestLostSecretFileIsNotReplacedSilently(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "server.db")
	s, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := DefaultSecretFile(db)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, db); !errors.Is(err, ErrWrongSecret) {
		t.Errorf("Open without the lost secret file: %v, want ErrWrongSecret", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed start left a new secret file: %v", err)
	}
	s, err = Open(ctx, db, ReplaceSecret())
	if err != nil {
		t.Fatalf("Open with ReplaceSecret: %v", err)
	}
	s.Close()

	_, err = Open(ctx, "postgres://onboard@127.0.0.1:1/onboard")
	if !errors.Is(err, ErrNoSecret) {
		t.Errorf("PostgreSQL without a secret: %v, want ErrNoSecret", err)
	}
	if _, err := Open(ctx, db, WithSecret([]byte("short"))); !errors.Is(err, ErrInvalid) {
		t.Errorf("short secret: %v", err)
	}
}

// rawTOTP reads a user's totp_secret column as stored.
func rawTOTP(t *testing.T, s *Store, uid string) string {
	t.Helper()
	var u User
	if err := s.db.Where("id = ?", uid).Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	return u.TOTPSecret
}

// TestTOTPSecretsAreEncryptedAtRest: a registration's TOTP secret is stored
// encrypted under a key from the server secret, bound to its user; secrets a database
// from before the encryption holds in plain text are encrypted on the next start,
// and nothing is lost.
func TestTOTPSecretsAreEncryptedAtRest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		uid, key := invitee(t, s, op, "anna", time.Now().Add(time.Hour))
		if err := s.RedeemPersonalKey(ctx, key, registration("anna.m")); err != nil {
			t.Fatal(err)
		}
		const plain = "JBSWY3DPEHPK3PXP"
		stored := rawTOTP(t, s, uid)
		if stored == "" || strings.Contains(stored, plain) || !strings.HasPrefix(stored, sealedPrefix) {
			t.Errorf("stored TOTP secret %q", stored)
		}
		if got, err := s.UserTOTPSecret(ctx, uid); err != nil || got != plain {
			t.Errorf("UserTOTPSecret: %q, %v", got, err)
		}
		// Moved to another user's row, the secret does not decrypt.
		uid2, _ := invitee(t, s, op, "bert", time.Now().Add(time.Hour))
		if err := s.db.Model(&User{}).Where("id = ?", uid2).Update("totp_secret", stored).Error; err != nil {
			t.Fatal(err)
		}
		if got, err := s.UserTOTPSecret(ctx, uid2); err == nil {
			t.Errorf("a secret copied to another user decrypts: %q", got)
		}

		// A database of the old server: plain text.
		if err := s.db.Model(&User{}).Where("id = ?", uid).Update("totp_secret", plain).Error; err != nil {
			t.Fatal(err)
		}
		s2 := open(t, dsn)
		if got := rawTOTP(t, s2, uid); !strings.HasPrefix(got, sealedPrefix) || strings.Contains(got, plain) {
			t.Errorf("after the start, the old plain secret is stored as %q", got)
		}
		if got, err := s2.UserTOTPSecret(ctx, uid); err != nil || got != plain {
			t.Errorf("UserTOTPSecret after the migration: %q, %v", got, err)
		}
	})
}
