package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/gorm"

	"onboard/internal/keys"
	"onboard/internal/server/web"
)

// The server secret is the one secret that does not live in the database: invite
// keys are stored as HMACs under a key derived from it, TOTP secrets are encrypted
// under another derived key, and the registration pages sign their CSRF tokens and
// seal the TOTP setup with a third. Someone with a copy of the database but not the
// secret can therefore neither test guessed invite keys offline nor read the
// two-factor secrets.

// settingSecretCheck names the setting that recognises the server secret: an HKDF
// subkey of it, from which the secret cannot be computed.
const settingSecretCheck = "server.secret.check"

// MinSecretBytes is the least length of a server secret.
const MinSecretBytes = 32

// Errors of the server secret, for errors.Is.
var (
	// ErrNoSecret means a PostgreSQL database was opened without a server secret.
	ErrNoSecret = errors.New("PostgreSQL needs a server secret kept outside the database " +
		"(--secret-file FILE, $ONBOARD_SERVER_SECRET_FILE or $ONBOARD_SERVER_SECRET)")
	// ErrWrongSecret means the database was set up with another server secret.
	ErrWrongSecret = errors.New("the server secret is not the one this database was set up with")
)

// Option changes how Open opens a database.
type Option func(*openOptions)

type openOptions struct {
	secret  []byte
	replace bool
}

// WithSecret gives the server secret (at least MinSecretBytes). Without it, an
// SQLite database uses the file DefaultSecretFile names (created on first use) and
// a PostgreSQL database cannot be opened (ErrNoSecret).
func WithSecret(secret []byte) Option {
	return func(o *openOptions) { o.secret = secret }
}

// ReplaceSecret makes Open accept a server secret other than the one the database
// was set up with. Invite keys and two-factor secrets made under the old secret
// stop working: use it only when the old secret is lost.
func ReplaceSecret() Option {
	return func(o *openOptions) { o.replace = true }
}

// isPostgres reports whether dsn names a PostgreSQL database.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// DefaultSecretFile is where an SQLite database keeps its server secret unless one
// is given: beside the database file, named like it plus ".secret". It is "" for
// PostgreSQL, which has no default.
func DefaultSecretFile(dsn string) string {
	if dsn == "" || isPostgres(dsn) {
		return ""
	}
	abs, err := filepath.Abs(dsn)
	if err != nil {
		return dsn + ".secret"
	}
	return abs + ".secret"
}

// ParseSecret checks a server secret given as text (a file's content or an
// environment variable): surrounding white space is dropped, and at least
// MinSecretBytes must remain.
func ParseSecret(text []byte, source string) ([]byte, error) {
	s := []byte(strings.TrimSpace(string(text)))
	if len(s) < MinSecretBytes {
		return nil, fmt.Errorf("%w: the server secret in %s has %d bytes, it needs at least %d (make one with: openssl rand -hex 32)",
			ErrInvalid, source, len(s), MinSecretBytes)
	}
	return s, nil
}

// ReadSecretFile reads the server secret from path (see ParseSecret).
func ReadSecretFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("server secret: %w", err)
	}
	return ParseSecret(b, path)
}

// ensureSecretFile reads the secret file at path, creating it with a new random
// secret (64 hex digits, mode 0600) when it does not exist; created says it did.
func ensureSecretFile(path string) (secret []byte, created bool, err error) {
	b, err := randomBytes(32)
	if err != nil {
		return nil, false, fmt.Errorf("server secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		secret, err = ReadSecretFile(path)
		return secret, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("server secret: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(b) + "\n")
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("server secret: write %s: %w", path, err)
	}
	secret, err = ReadSecretFile(path)
	return secret, true, err
}

// resolveSecret returns the server secret for dsn: the given one, or for SQLite the
// one in DefaultSecretFile; created names that file when this call created it.
func resolveSecret(dsn string, o *openOptions) (secret []byte, created string, err error) {
	if o.secret != nil {
		if len(o.secret) < MinSecretBytes {
			return nil, "", fmt.Errorf("%w: the server secret has %d bytes, it needs at least %d", ErrInvalid, len(o.secret), MinSecretBytes)
		}
		return o.secret, "", nil
	}
	if isPostgres(dsn) {
		return nil, "", ErrNoSecret
	}
	path := DefaultSecretFile(dsn)
	secret, made, err := ensureSecretFile(path)
	if made {
		created = path
	}
	return secret, created, err
}

// keys are the subkeys of the server secret, each for one purpose.
type serverKeys struct {
	invite []byte      // HMAC key of invite keys
	web    []byte      // the registration pages' key (web.Options.Secret)
	check  string      // hex; kept in settings to recognise the secret
	totp   cipher.AEAD // encrypts TOTP secrets at rest
	code   []byte      // HMAC key of email codes (see EmailCode)
}

// Labels of the subkeys (HKDF info); changing one breaks existing databases.
const (
	labelInvite = "onboard-server invite-key hmac v1"
	labelTOTP   = "onboard-server totp at rest v1"
	labelWeb    = "onboard-server web v1"
	labelCheck  = "onboard-server secret check v1"
	labelCode   = "onboard-server email code hmac v1"
)

// deriveKeys derives the subkeys of secret with HKDF-SHA256.
func deriveKeys(secret []byte) (*serverKeys, error) {
	sub := func(label string) ([]byte, error) { return hkdf.Key(sha256.New, secret, nil, label, 32) }
	var k serverKeys
	var err error
	if k.invite, err = sub(labelInvite); err != nil {
		return nil, err
	}
	if k.web, err = sub(labelWeb); err != nil {
		return nil, err
	}
	if k.code, err = sub(labelCode); err != nil {
		return nil, err
	}
	check, err := sub(labelCheck)
	if err != nil {
		return nil, err
	}
	k.check = hex.EncodeToString(check)
	totpKey, err := sub(labelTOTP)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(totpKey)
	if err != nil {
		return nil, err
	}
	if k.totp, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	return &k, nil
}

// setupSecret derives the subkeys, checks that the database was set up with the same
// secret (or records it, on the first start and after ReplaceSecret) and reads the
// legacy in-database invite-key secret of databases from before the server secret.
func (s *Store) setupSecret(ctx context.Context, secret []byte, replace bool) error {
	k, err := deriveKeys(secret)
	if err != nil {
		return fmt.Errorf("store: server secret: %w", err)
	}
	db := s.db.WithContext(ctx)
	insert := "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"
	if replace {
		insert = "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"
	}
	if err := db.Exec(insert, settingSecretCheck, k.check).Error; err != nil {
		return fmt.Errorf("store: server secret: %w", err)
	}
	var check string
	if err := db.Raw("SELECT value FROM settings WHERE name = ?", settingSecretCheck).Scan(&check).Error; err != nil {
		return fmt.Errorf("store: server secret: %w", err)
	}
	if !hmac.Equal([]byte(check), []byte(k.check)) {
		return fmt.Errorf("store: %w: give the secret it was set up with, or, when that is lost, "+
			"start once with --replace-secret (invite keys and two-factor secrets of the old secret then stop working)", ErrWrongSecret)
	}
	s.keys, s.secret = k, k.invite
	return s.loadLegacySecret(ctx)
}

// loadLegacySecret reads the invite-key secret that databases kept in settings before
// the server secret existed. Invite keys made then are HMACs under it, so it stays a
// second key to verify with (never to make new HMACs); a new database has none.
func (s *Store) loadLegacySecret(ctx context.Context) error {
	var rows []Setting
	if err := s.db.WithContext(ctx).Where("name = ?", settingSecret).Find(&rows).Error; err != nil {
		return fmt.Errorf("store: legacy invite-key secret: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	b, err := hex.DecodeString(rows[0].Value)
	if err != nil || len(b) < 32 {
		return fmt.Errorf("store: the legacy invite-key secret in settings (%s) is damaged", settingSecret)
	}
	s.legacySecret = b
	return nil
}

// WebSecret is the key of the registration pages (web.Options.Secret), derived from
// the server secret.
func (s *Store) WebSecret() []byte { return s.keys.web }

// inviteKeyHMACs reads a typed invite key and returns the HMACs it may be stored
// under: under the server secret, and under the legacy secret when the database
// has one. A key that does not parse is as bad as an unknown one.
func (s *Store) inviteKeyHMACs(key string) ([]string, error) {
	canon, err := keys.Parse(keys.Invite, key)
	if err != nil {
		return nil, web.ErrBadKey
	}
	out := []string{s.inviteHMAC(canon)}
	if s.legacySecret != nil {
		m := hmac.New(sha256.New, s.legacySecret)
		m.Write([]byte(canon))
		out = append(out, hex.EncodeToString(m.Sum(nil)))
	}
	return out, nil
}

// sealedPrefix marks an encrypted TOTP secret in users.totp_secret; a stored
// secret without it is plain text from before encryption (base32 has no colon).
const sealedPrefix = "enc1:"

// sealTOTP encrypts a TOTP secret for the user with AES-GCM; the user's ID is
// authenticated with it, so a secret moved to another row does not decrypt. An
// empty secret stays empty.
func (s *Store) sealTOTP(userID, secret string) (string, error) {
	if secret == "" {
		return "", nil
	}
	nonce, err := randomBytes(s.keys.totp.NonceSize())
	if err != nil {
		return "", fmt.Errorf("encrypt the TOTP secret: %w", err)
	}
	out := s.keys.totp.Seal(nonce, nonce, []byte(secret), []byte(userID))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// openTOTP decrypts what sealTOTP made; plain text from before encryption is
// returned as it is.
func (s *Store) openTOTP(userID, stored string) (string, error) {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored, nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(stored[len(sealedPrefix):])
	n := s.keys.totp.NonceSize()
	if err != nil || len(raw) < n {
		return "", fmt.Errorf("%w: the TOTP secret of user %s is damaged", ErrInvalid, userID)
	}
	plain, err := s.keys.totp.Open(nil, raw[:n], raw[n:], []byte(userID))
	if err != nil {
		return "", fmt.Errorf("%w: the TOTP secret of user %s does not decrypt under this server secret", ErrInvalid, userID)
	}
	return string(plain), nil
}

// UserTOTPSecret returns the user's TOTP secret (base32), "" when the user has no
// two-factor authentication.
func (s *Store) UserTOTPSecret(ctx context.Context, userID string) (string, error) {
	var u User
	err := s.rdb.WithContext(ctx).Select("id", "totp_secret").Where("id = ?", userID).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", fmt.Errorf("store: TOTP secret of user %s: %w", userID, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: TOTP secret of user %s: %w", userID, err)
	}
	secret, err := s.openTOTP(u.ID, u.TOTPSecret)
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	return secret, nil
}

// sealPlainTOTPSecrets encrypts the TOTP secrets that databases from before
// encryption hold in plain text, in place. Each row is updated only if it still
// holds the plain text read, so servers starting together do not encrypt twice.
func (s *Store) sealPlainTOTPSecrets(ctx context.Context) error {
	var plain []User
	err := s.db.WithContext(ctx).Select("id", "totp_secret").
		Where("totp_secret IS NOT NULL AND totp_secret <> '' AND totp_secret NOT LIKE ?", sealedPrefix+"%").
		Find(&plain).Error
	if err != nil {
		return fmt.Errorf("store: encrypt TOTP secrets: %w", err)
	}
	for _, u := range plain {
		sealed, err := s.sealTOTP(u.ID, u.TOTPSecret)
		if err != nil {
			return fmt.Errorf("store: encrypt the TOTP secret of user %s: %w", u.ID, err)
		}
		err = s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND totp_secret = ?", u.ID, u.TOTPSecret).
			UpdateColumn("totp_secret", sealed).Error
		if err != nil {
			return fmt.Errorf("store: encrypt the TOTP secret of user %s: %w", u.ID, err)
		}
	}
	return nil
}
