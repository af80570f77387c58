package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"onboard/internal/keys"
	"onboard/internal/server/web"
)

// EmailCode is a code sent by email at registration (web.EmailCode), kept in the
// database so that every server process can check it. Only an HMAC of the code
// under a subkey of the server secret is stored, bound to the key (Binding, an
// HMAC of it too) and the address it was sent to (EmailFold, see fold).
type EmailCode struct {
	Binding   string     `gorm:"primaryKey"`
	EmailFold string     `gorm:"primaryKey"`
	CodeHash  string     `gorm:"not null"`
	Tries     int        `gorm:"not null"` // wrong codes typed
	ExpiresAt time.Time  `gorm:"index"`
	UsedAt    *time.Time // when a registration used it
}

// codeMAC is the hex HMAC-SHA256 of the parts under the email-code subkey.
func (s *Store) codeMAC(parts ...string) string {
	m := hmac.New(sha256.New, s.keys.code)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// codeRow returns the primary key of the code for key (as typed: a key of either
// kind counts in its canonical form) and email, and the hash code would have.
func (s *Store) codeRow(key, email, code string) (binding, emailFold, hash string) {
	for _, kind := range []keys.Kind{keys.Personal, keys.Invite} {
		if canon, err := keys.Parse(kind, key); err == nil {
			key = canon
			break
		}
	}
	binding, emailFold = s.codeMAC("key", key), fold(email)
	return binding, emailFold, s.codeMAC("code", binding, emailFold, code)
}

// SaveEmailCode keeps the hash of a new code for c.Key and c.Email, replacing an
// earlier code for both together with its wrong tries.
func (s *Store) SaveEmailCode(ctx context.Context, c web.EmailCode) error {
	binding, email, hash := s.codeRow(c.Key, c.Email, c.Code)
	err := s.db.WithContext(ctx).Exec("INSERT INTO email_codes (binding, email_fold, code_hash, tries, expires_at, used_at) "+
		"VALUES (?, ?, ?, 0, ?, NULL) ON CONFLICT (binding, email_fold) DO UPDATE SET "+
		"code_hash = excluded.code_hash, tries = 0, expires_at = excluded.expires_at, used_at = NULL",
		binding, email, hash, dbTime(c.Expires)).Error
	if err != nil {
		return fmt.Errorf("store: save an email code: %w", err)
	}
	return nil
}

// CheckEmailCode judges code for key and email at now (see web.Backend). A wrong
// code counts a try by a conditional UPDATE on the tries read, retried when a
// concurrent check counted first, so that no more than web.MaxCodeTries wrong
// codes are ever judged, however many server processes check at once.
func (s *Store) CheckEmailCode(ctx context.Context, key, email, code string, now time.Time) (web.CodeCheck, int, error) {
	binding, emailFold, hash := s.codeRow(key, email, code)
	var verdict web.CodeCheck
	var left int
	err := s.write(ctx, func(tx *gorm.DB) error {
		var c EmailCode
		err := tx.Where("binding = ? AND email_fold = ?", binding, emailFold).Take(&c).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			verdict, left = web.CodeNone, 0
			return nil
		}
		if err != nil {
			return err
		}
		left = max(web.MaxCodeTries-c.Tries, 0)
		switch {
		case c.UsedAt != nil:
			verdict = web.CodeUsed
		case !now.Before(c.ExpiresAt):
			verdict = web.CodeExpired
		case left == 0:
			verdict = web.CodeLocked
		case hmac.Equal([]byte(hash), []byte(c.CodeHash)):
			verdict = web.CodeOK
		default:
			res := tx.Model(&EmailCode{}).
				Where("binding = ? AND email_fold = ? AND code_hash = ? AND tries = ?", binding, emailFold, c.CodeHash, c.Tries).
				Update("tries", c.Tries+1)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return errRetry
			}
			verdict, left = web.CodeWrong, left-1
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: check an email code: %w", err)
	}
	return verdict, left, nil
}

// useEmailCode uses up the email code of a registration by email (r.TwoFactor) in
// the registration's transaction tx: a conditional UPDATE that only an unused
// code with tries left and the hash of r.EmailCode matches, so that of racing
// registrations with one code at most one commits. Anything else is
// web.ErrEmailCode, and the registration rolls back.
func (s *Store) useEmailCode(tx *gorm.DB, key string, r *web.Registration, t time.Time) error {
	if r.TwoFactor != web.TwoFactorEmail {
		return nil
	}
	binding, emailFold, hash := s.codeRow(key, r.Email, r.EmailCode)
	res := tx.Model(&EmailCode{}).
		Where("binding = ? AND email_fold = ? AND code_hash = ? AND used_at IS NULL AND tries < ?",
			binding, emailFold, hash, web.MaxCodeTries).
		Update("used_at", t)
	if res.Error != nil {
		return fmt.Errorf("use the email code: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return web.ErrEmailCode
	}
	return nil
}
