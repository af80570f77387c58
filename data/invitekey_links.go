package data

import (
	"context"
	"time"
)

// InviteKeyUsers returns the users who registered with an invite key, by name.
func (s *Store) InviteKeyUsers(ctx context.Context, keyID string, now time.Time) ([]UserRow, error) {
	var rows []UserRow
	err := s.rdb.WithContext(ctx).Raw(`SELECT u.id, u.first_name, u.last_name, u.email, u.username, u.phase,
		u.key_expires_at, u.created_at, r.name AS role
		FROM users u JOIN roles r ON r.id = u.role_id
		WHERE u.deleted_at IS NULL AND u.invite_key_id = ? ORDER BY u.sort_key`, keyID).Scan(&rows).Error
	for i := range rows {
		rows[i].Status = StatusOf(rows[i].Phase, rows[i].KeyExpiresAt, now)
	}
	return rows, wrap(err, "read users of invite key")
}

// InviteKeyLinks returns the names of an invite key's units and groups.
func (s *Store) InviteKeyLinks(ctx context.Context, keyID string) (units, groups []string, err error) {
	db := s.rdb.WithContext(ctx)
	err = db.Raw(`SELECT n.name FROM invite_key_units x JOIN units n ON n.id = x.unit_id
		WHERE x.invite_key_id = ? ORDER BY n.name_fold`, keyID).Scan(&units).Error
	if err == nil {
		err = db.Raw(`SELECT g.name FROM invite_key_groups x JOIN groups g ON g.id = x.group_id
			WHERE x.invite_key_id = ? ORDER BY g.name_fold`, keyID).Scan(&groups).Error
	}
	return units, groups, wrap(err, "read units and groups of invite key")
}
