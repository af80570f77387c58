package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"onboard/internal/keys"
	"onboard/internal/server/web"
	"onboard/internal/syncapi"
)

// Store is the registration pages' backend.
var _ web.Backend = (*Store)(nil)

// RegistrationActor is the UpdatedBy of users changed by their own registration.
const RegistrationActor = "registration"

// usablePhases are the phases in which a user's personal key can be redeemed.
var usablePhases = []string{phaseNotActivated, phaseInvited}

// personalKeyHash reads a typed personal key; a key that does not parse is as bad
// as an unknown one.
func personalKeyHash(key string) (string, error) {
	canon, err := keys.Parse(keys.Personal, key)
	if err != nil {
		return "", web.ErrBadKey
	}
	return syncapi.HashKey(canon), nil
}

// PersonalKey finds the invitee of a usable personal key: not redeemed, revoked,
// deleted or expired, of a user who is not deleted, active or deactivated. Any
// other key gets web.ErrBadKey.
func (s *Store) PersonalKey(ctx context.Context, key string) (*web.Invitee, error) {
	h, err := personalKeyHash(key)
	if err != nil {
		return nil, err
	}
	var u User
	err = s.rdb.WithContext(ctx).Select("users.*").
		Joins("JOIN personal_keys k ON k.user_id = users.id").
		Where("k.key_hash = ? AND k.deleted_at IS NULL AND k.revoked_at IS NULL AND k.redeemed_at IS NULL AND k.expires_at > ?", h, now()).
		Where("users.deleted_at IS NULL AND users.phase IN ?", usablePhases).
		Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, web.ErrBadKey
	}
	if err != nil {
		return nil, fmt.Errorf("store: look up personal key: %w", err)
	}
	return &web.Invitee{
		UserID: u.ID, FirstName: u.FirstName, LastName: u.LastName, NamesLocked: u.NamesLocked,
		Username: u.Username, Email: u.Email, Mobile: u.Mobile,
	}, nil
}

// checkRegistration refuses values no index or column could hold, and names the
// pages would not have let through: with line breaks or control characters.
func checkRegistration(r *web.Registration) error {
	r.FirstName, r.LastName = strings.TrimSpace(r.FirstName), strings.TrimSpace(r.LastName)
	for _, n := range []string{r.FirstName, r.LastName} {
		if strings.IndexFunc(n, unicode.IsControl) >= 0 {
			return fmt.Errorf("%w: a name holds a control character", ErrInvalid)
		}
	}
	err := checkLens(lenCheck{"first name", r.FirstName, maxShort}, lenCheck{"last name", r.LastName, maxShort},
		lenCheck{"username", r.Username, maxShort}, lenCheck{"email", r.Email, maxShort},
		lenCheck{"mobile", r.Mobile, maxShort}, lenCheck{"password hash", r.PasswordHash, maxLong},
		lenCheck{"TOTP secret", r.TOTPSecret, maxShort})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if r.TwoFactor == "" && r.TOTPSecret != "" {
		r.TwoFactor = web.TwoFactorApp
	}
	switch {
	case r.TwoFactor != "" && r.TwoFactor != web.TwoFactorApp && r.TwoFactor != web.TwoFactorEmail:
		return fmt.Errorf("%w: unknown second factor %q", ErrInvalid, r.TwoFactor)
	case r.TwoFactor == web.TwoFactorApp && r.TOTPSecret == "":
		return fmt.Errorf("%w: the authenticator app without a TOTP secret", ErrInvalid)
	case r.TwoFactor == web.TwoFactorEmail && r.TOTPSecret != "":
		return fmt.Errorf("%w: a TOTP secret with the email code", ErrInvalid)
	}
	return nil
}

// RedeemPersonalKey registers the invitee of key and makes them active, all in one
// transaction: the key is marked redeemed by a conditional UPDATE that only a
// usable key matches (so of any number of racing requests exactly one matches, on
// SQLite and on PostgreSQL, where a waiting UPDATE re-checks its condition after
// the winner commits); then the user gets the username, email, mobile, password
// hash, TOTP secret and terms time of r, phase active and a new version, and both
// rows go to the change log for the desktop apps to pull. The names of r replace
// the stored ones only when the user's names are editable (web.NamesEditable, read
// from the row inside the transaction): locked names stay whatever r says. A
// username or email another user holds gives *web.ErrTaken and leaves the key
// unused.
func (s *Store) RedeemPersonalKey(ctx context.Context, key string, r web.Registration) error {
	h, err := personalKeyHash(key)
	if err != nil {
		return err
	}
	if err := checkRegistration(&r); err != nil {
		return fmt.Errorf("store: redeem personal key: %w", err)
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		t := now()
		res := tx.Model(&PersonalKey{}).
			Where("key_hash = ? AND deleted_at IS NULL AND revoked_at IS NULL AND redeemed_at IS NULL AND expires_at > ?", h, t).
			Updates(map[string]any{"redeemed_at": t, "version": gorm.Expr("version + 1"), "updated_at": t})
		if res.Error != nil {
			return fmt.Errorf("mark the key redeemed: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return web.ErrBadKey
		}
		var k PersonalKey
		if err := tx.Where("key_hash = ? AND deleted_at IS NULL", h).Take(&k).Error; err != nil {
			return fmt.Errorf("read the key: %w", err)
		}
		var u User
		err := tx.Where("id = ? AND deleted_at IS NULL AND phase IN ?", k.UserID, usablePhases).Take(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return web.ErrBadKey // rolls the redemption back
		}
		if err != nil {
			return fmt.Errorf("read the user: %w", err)
		}
		if err := s.claim(tx, key, u.ID, &r, t); err != nil {
			return err
		}
		old := u.Version
		u.Username, u.UsernameFold = r.Username, fold(r.Username)
		u.Email, u.EmailFold = r.Email, fold(r.Email)
		u.Mobile = r.Mobile
		if web.NamesEditable(u.NamesLocked, u.FirstName, u.LastName) && (r.FirstName != "" || r.LastName != "") {
			u.FirstName, u.LastName = r.FirstName, r.LastName
		}
		if err := s.register(&u, &r, t); err != nil {
			return err
		}
		u.Version, u.UpdatedAt = old+1, t
		res = tx.Model(&u).Where("version = ?", old).Select("*").Updates(&u)
		if res.Error != nil {
			return fmt.Errorf("activate the user: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return errRetry
		}
		return s.appendLog(tx, []logEntry{{syncapi.EntityPersonalKey, k.ID, true}, {syncapi.EntityUser, u.ID, true}})
	})
	return backendErr("redeem personal key", err)
}

// register sets what a registration gives a user: active, with the person's
// password hash, TOTP secret (encrypted, see sealTOTP) and acceptance of the terms
// (none when the organization has no terms). u.ID must be set.
func (s *Store) register(u *User, r *web.Registration, t time.Time) error {
	sealed, err := s.sealTOTP(u.ID, r.TOTPSecret)
	if err != nil {
		return err
	}
	u.PasswordHash, u.TOTPSecret, u.TwoFactor, u.TermsAcceptedAt = r.PasswordHash, sealed, r.TwoFactor, nil
	if !r.TermsAt.IsZero() {
		terms := dbTime(r.TermsAt)
		u.TermsAcceptedAt = &terms
	}
	u.Phase, u.ActivatedAt, u.UpdatedBy = phaseActive, &t, RegistrationActor
	return nil
}

// backendErr passes the pages' own errors through and wraps others.
func backendErr(what string, err error) error {
	var tk *web.ErrTaken
	if err == nil || errors.Is(err, web.ErrBadKey) || errors.Is(err, web.ErrEmailCode) || errors.As(err, &tk) {
		return err
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// claim uses up the email code of r (useEmailCode) and checks that the username
// and email are free for selfID (taken), in the registration's transaction.
func (s *Store) claim(tx *gorm.DB, key, selfID string, r *web.Registration, t time.Time) error {
	if err := s.useEmailCode(tx, key, r, t); err != nil {
		return err
	}
	return taken(tx, selfID, r.Username, r.Email)
}

// taken returns *web.ErrTaken when a user other than selfID holds username or email
// (compared folded; empty values are never taken), or a username that looks the
// same (see usernameKeyTaken). The queries repeat the conditions of the partial
// unique indexes so that the databases use them.
func taken(tx *gorm.DB, selfID, username, email string) error {
	for _, c := range []struct{ column, field, value string }{
		{"username_fold", "username", fold(username)},
		{"email_fold", "email", fold(email)},
	} {
		if c.value == "" {
			continue
		}
		var n int64
		err := tx.Model(&User{}).
			Where("deleted_at IS NULL AND "+c.column+" <> '' AND "+c.column+" = ? AND id <> ?", c.value, selfID).
			Count(&n).Error
		if err != nil {
			return fmt.Errorf("check the %s: %w", c.field, err)
		}
		if n > 0 {
			return &web.ErrTaken{Field: c.field}
		}
	}
	if dup, err := usernameKeyTaken(tx, selfID, username); err != nil {
		return fmt.Errorf("check the username: %w", err)
	} else if dup {
		return &web.ErrTaken{Field: "username"}
	}
	return nil
}

// InviteKey returns the label of a usable invite key: not revoked, deleted,
// expired or used up. Any other key gets web.ErrBadKey.
func (s *Store) InviteKey(ctx context.Context, key string) (string, error) {
	hms, err := s.inviteKeyHMACs(key)
	if err != nil {
		return "", err
	}
	var k InviteKey
	err = s.rdb.WithContext(ctx).
		Where("key_hmac IN ? AND deleted_at IS NULL AND revoked_at IS NULL AND valid_until > ? AND uses < max_uses", hms, now()).
		Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", web.ErrBadKey
	}
	if err != nil {
		return "", fmt.Errorf("store: look up invite key: %w", err)
	}
	return k.Label, nil
}

// JoinWithInviteKey creates an active user (a new UUIDv7) in the key's role, units
// and groups and counts the use, in one transaction. The use is counted by a
// conditional UPDATE (uses < max_uses, and the key still valid), so the key is
// never used beyond its maximum, however many requests race. A username or email
// another user holds gives *web.ErrTaken and leaves the use uncounted.
func (s *Store) JoinWithInviteKey(ctx context.Context, key string, r web.Registration) error {
	hms, err := s.inviteKeyHMACs(key)
	if err != nil {
		return err
	}
	if err := checkRegistration(&r); err != nil {
		return fmt.Errorf("store: join with invite key: %w", err)
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		t := now()
		res := tx.Model(&InviteKey{}).
			Where("key_hmac IN ? AND deleted_at IS NULL AND revoked_at IS NULL AND valid_until > ? AND uses < max_uses", hms, t).
			Updates(map[string]any{"uses": gorm.Expr("uses + 1"), "version": gorm.Expr("version + 1"), "updated_at": t})
		if res.Error != nil {
			return fmt.Errorf("count the use: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return web.ErrBadKey
		}
		var k InviteKey
		if err := tx.Where("key_hmac IN ? AND deleted_at IS NULL", hms).Order("id").Take(&k).Error; err != nil {
			return fmt.Errorf("read the key: %w", err)
		}
		if err := s.claim(tx, key, "", &r, t); err != nil {
			return err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("new user ID: %w", err)
		}
		keyID := k.ID
		u := User{
			Row:       Row{ID: id.String(), Version: 1, CreatedAt: t, UpdatedAt: t},
			FirstName: r.FirstName, LastName: r.LastName,
			Email: r.Email, EmailFold: fold(r.Email),
			Username: r.Username, UsernameFold: fold(r.Username),
			Mobile: r.Mobile, RoleID: k.RoleID, UnitIDs: k.UnitIDs, GroupIDs: k.GroupIDs,
			InviteKeyID: &keyID,
		}
		if err := s.register(&u, &r, t); err != nil {
			return err
		}
		if err := tx.Create(&u).Error; err != nil {
			return fmt.Errorf("create the user: %w", err)
		}
		return s.appendLog(tx, []logEntry{{syncapi.EntityInviteKey, k.ID, true}, {syncapi.EntityUser, u.ID, false}})
	})
	return backendErr("join with invite key", err)
}

// rateWindow returns the start of the current fixed window of the given length
// and the stored names of buckets: their SHA-256, as a name may contain a key.
func rateWindow(window time.Duration, buckets []string) (time.Time, []string, error) {
	if window <= 0 {
		return time.Time{}, nil, fmt.Errorf("store: rate limit: %w: window %v", ErrInvalid, window)
	}
	names := make([]string, len(buckets))
	for i, b := range buckets {
		sum := sha256.Sum256([]byte(b))
		names[i] = hex.EncodeToString(sum[:])
	}
	return now().Truncate(window), names, nil
}

// Failures returns the failed attempts counted against each bucket in the current
// fixed window of the given length, in the order of buckets (0 for a bucket
// without any). It only reads, so refusing a request costs no write; the counters
// live in the database, so all server processes share them.
func (s *Store) Failures(ctx context.Context, window time.Duration, buckets ...string) ([]int, error) {
	start, names, err := rateWindow(window, buckets)
	if err != nil || len(names) == 0 {
		return make([]int, len(buckets)), err
	}
	var rows []RateLimit
	err = s.rdb.WithContext(s.queryCtx(ctx)).Where("bucket IN ? AND window_start = ?", names, start.UnixMilli()).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: rate limit: read the counters: %w", err)
	}
	hits := make(map[string]int, len(rows))
	for _, r := range rows {
		hits[r.Bucket] = r.Hits
	}
	out := make([]int, len(names))
	for i, n := range names {
		out[i] = hits[n]
	}
	return out, nil
}

// Fail counts one failed attempt against each bucket in the current fixed window
// of the given length: one atomic upsert for all of them, in a fixed order so that
// concurrent upserts on PostgreSQL cannot deadlock. A bucket named twice counts once.
func (s *Store) Fail(ctx context.Context, window time.Duration, buckets ...string) error {
	start, names, err := rateWindow(window, buckets)
	if err != nil || len(names) == 0 {
		return err
	}
	slices.Sort(names)
	names = slices.Compact(names)
	values := make([]string, len(names))
	args := make([]any, 0, 3*len(names))
	for i, n := range names {
		values[i] = "(?, ?, 1, ?)"
		args = append(args, n, start.UnixMilli(), start.Add(window))
	}
	err = s.db.WithContext(s.queryCtx(ctx)).Exec(
		"INSERT INTO rate_limits (bucket, window_start, hits, expires_at) VALUES "+strings.Join(values, ", ")+
			" ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1", args...).Error
	if err != nil {
		return fmt.Errorf("store: rate limit: count a failure: %w", err)
	}
	return nil
}

// MutationRetention is how long applied mutations are remembered. A client that
// pushes the same change again later than that gets a conflict (with the row as it
// is) instead of a duplicate: nothing is applied twice either way.
const MutationRetention = 90 * 24 * time.Hour

// Prune deletes rate-limit counters of past windows, email codes expired for an
// hour and mutations older than
// MutationRetention. The server runs it now and then.
func (s *Store) Prune(ctx context.Context) error {
	t := now()
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at < ?", t).Delete(&RateLimit{}).Error; err != nil {
		return fmt.Errorf("store: prune rate limits: %w", err)
	}
	if err := db.Where("expires_at < ?", t.Add(-time.Hour)).Delete(&EmailCode{}).Error; err != nil {
		return fmt.Errorf("store: prune email codes: %w", err)
	}
	if err := db.Where("applied_at < ?", t.Add(-MutationRetention)).Delete(&Mutation{}).Error; err != nil {
		return fmt.Errorf("store: prune mutations: %w", err)
	}
	return nil
}
