package data

import (
	"context"
	"time"
)

// liveKeyOf is the condition on personal_keys k of the live key of user u.
const liveKeyOf = "k.user_id = u.id AND " + liveKeys

// LetterFilter selects users by the state of the letter of their live key.
type LetterFilter string

// The letter filters; "" selects every user.
const (
	LetterPrintedNotHandedOut    LetterFilter = "printed-not-handed-out"
	LetterHandedOutNotRegistered LetterFilter = "handed-out-not-registered"
)

// LetterFilters lists the letter filters.
var LetterFilters = []LetterFilter{LetterPrintedNotHandedOut, LetterHandedOutNotRegistered}

// liveKeys is the condition on personal_keys k of the live keys.
const liveKeys = "k.revoked_at IS NULL AND k.redeemed_at IS NULL"

// letterCondition is the condition of a non-empty letter filter. The users come
// from one pass over the keys (an IN list SQLite builds once): a subquery per user
// took 0.7 s to count 100,000 users, the list 0.055 s.
func letterCondition(f LetterFilter) string {
	switch f {
	case LetterPrintedNotHandedOut:
		return "u.id IN (SELECT k.user_id FROM personal_keys k WHERE " + liveKeys + " AND k.printed_at IS NOT NULL AND k.handed_out_at IS NULL)"
	case LetterHandedOutNotRegistered:
		return "u.phase NOT IN ('active','deactivated') AND u.id IN (SELECT k.user_id FROM personal_keys k WHERE " + liveKeys + " AND k.handed_out_at IS NOT NULL)"
	}
	return "1 = 0" // an unknown filter selects nobody
}

// KeyHandOut is the hand-out state of a user's live personal key.
type KeyHandOut struct {
	UserID      string
	Key         string
	PrintedAt   *time.Time
	HandedOutAt *time.Time
	HandedOutBy string
}

// handOutColumns are the columns of a KeyHandOut, from personal_keys k.
const handOutColumns = "k.user_id, k.key, k.printed_at, k.handed_out_at, k.handed_out_by"

// idChunk is how many IDs one statement of a list of users takes.
const idChunk = 500

// eachChunk calls fn with ids in parts of idChunk, stopping at an error.
func eachChunk(ids []string, fn func(part []string) error) error {
	for start := 0; start < len(ids); start += idChunk {
		if err := fn(ids[start:min(start+idChunk, len(ids))]); err != nil {
			return err
		}
	}
	return nil
}

// MarkLettersPrinted records that the letters of the live keys of the given users
// were printed at at. It is a local note: the keys' versions stay.
func (s *Store) MarkLettersPrinted(ctx context.Context, userIDs []string, at time.Time) error {
	return wrap(eachChunk(userIDs, func(part []string) error {
		return s.db.WithContext(ctx).Exec(`UPDATE personal_keys SET printed_at = ?
			WHERE user_id IN ? AND revoked_at IS NULL AND redeemed_at IS NULL`, at.UTC(), part).Error
	}), "mark letters printed")
}

// LiveKeyHandOuts returns the hand-out state of the live keys of the given users,
// by user ID; users without a live key are missing.
func (s *Store) LiveKeyHandOuts(ctx context.Context, userIDs []string) (map[string]KeyHandOut, error) {
	out := make(map[string]KeyHandOut, len(userIDs))
	err := eachChunk(userIDs, func(part []string) error {
		var rows []KeyHandOut
		err := s.db.WithContext(ctx).Raw(`SELECT `+handOutColumns+` FROM personal_keys k
			WHERE k.user_id IN ? AND k.revoked_at IS NULL AND k.redeemed_at IS NULL`, part).Scan(&rows).Error
		for _, r := range rows {
			out[r.UserID] = r
		}
		return err
	})
	return out, wrap(err, "read hand-outs")
}

// MarkLettersHandedOut records that the letters of the live keys of the given users
// were handed out at at by by. Letters handed out before keep their date and hand;
// their states are returned. It is a local note: the keys' versions stay.
func (s *Store) MarkLettersHandedOut(ctx context.Context, userIDs []string, at time.Time, by string) ([]KeyHandOut, error) {
	var already []KeyHandOut
	err := eachChunk(userIDs, func(part []string) error {
		db := s.db.WithContext(ctx)
		var rows []KeyHandOut
		err := db.Raw(`SELECT `+handOutColumns+` FROM personal_keys k WHERE k.user_id IN ?
			AND k.revoked_at IS NULL AND k.redeemed_at IS NULL AND k.handed_out_at IS NOT NULL`, part).Scan(&rows).Error
		if err != nil {
			return err
		}
		already = append(already, rows...)
		return db.Exec(`UPDATE personal_keys SET handed_out_at = ?, handed_out_by = ?
			WHERE user_id IN ? AND revoked_at IS NULL AND redeemed_at IS NULL AND handed_out_at IS NULL`,
			at.UTC(), by, part).Error
	})
	return already, wrap(err, "mark letters handed out")
}

// LiveKeyHandOut returns the hand-out state of the live personal key with the
// canonical text key, or ErrNotFound when no live key has it.
func (s *Store) LiveKeyHandOut(ctx context.Context, key string) (*KeyHandOut, error) {
	var rows []KeyHandOut
	err := s.db.WithContext(ctx).Raw(`SELECT `+handOutColumns+` FROM personal_keys k
		WHERE k.key = ? AND k.key <> '' AND k.revoked_at IS NULL AND k.redeemed_at IS NULL AND k.deleted_at IS NULL`, key).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "find personal key")
	}
	if len(rows) == 0 {
		return nil, notFound(ErrNotFound, "personal key")
	}
	return &rows[0], nil
}
