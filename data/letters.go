package data

import (
	"context"
	"time"
)

// LetterRow is what a registration letter needs to know of a user: the name, the
// state and the live personal key, if any.
type LetterRow struct {
	ID           string
	FirstName    string
	LastName     string
	Username     string
	Phase        Phase
	KeyExpiresAt *time.Time
	Key          string // "" when the user has no live key
}

// FullName is "First Last", or the username when the user has no name.
func (r *LetterRow) FullName() string {
	return (&User{FirstName: r.FirstName, LastName: r.LastName, Username: r.Username}).FullName()
}

// LetterRows returns the letter rows of the given users that exist, in the order of
// ids.
func (s *Store) LetterRows(ctx context.Context, ids []string) ([]LetterRow, error) {
	byID := make(map[string]LetterRow, len(ids))
	for start := 0; start < len(ids); start += 500 {
		var part []LetterRow
		db, err := s.manyRows(ctx)
		if err != nil {
			return nil, err
		}
		err = db.Raw(`SELECT u.id, u.first_name, u.last_name, u.username, u.phase,
				u.key_expires_at, coalesce(k.key, '') AS key
			FROM users u LEFT JOIN personal_keys k
				ON k.user_id = u.id AND k.revoked_at IS NULL AND k.redeemed_at IS NULL AND k.deleted_at IS NULL
			WHERE u.deleted_at IS NULL AND u.id IN ?`, ids[start:min(start+500, len(ids))]).Scan(&part).Error
		if err != nil {
			return nil, wrap(err, "read users for letters")
		}
		for _, r := range part {
			byID[r.ID] = r
		}
	}
	out := make([]LetterRow, 0, len(byID))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
			delete(byID, id)
		}
	}
	return out, nil
}

// AddAudits records many events in one statement batch.
func (s *Store) AddAudits(ctx context.Context, events []AuditEvent) error {
	for i := range events {
		events[i].At = events[i].At.UTC()
	}
	return wrap(s.db.WithContext(ctx).CreateInBatches(events, 500).Error, "write audit events")
}
