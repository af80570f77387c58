package data

import (
	"context"
	"time"

	"gorm.io/gorm"

	"onboard/internal/natsort"
)

// RoleCount is a role with the number of its users and invite keys (not deleted).
type RoleCount struct {
	Role
	Users      int
	InviteKeys int
}

// RoleCounts returns every role with its numbers of users and invite keys, in natural order.
func (s *Store) RoleCounts(ctx context.Context) ([]RoleCount, error) {
	var out []RoleCount
	err := s.rdb.WithContext(ctx).Raw(`SELECT r.*,
		(SELECT count(*) FROM users u WHERE u.role_id = r.id AND u.deleted_at IS NULL) AS users,
		(SELECT count(*) FROM invite_keys k WHERE k.role_id = r.id AND k.deleted_at IS NULL) AS invite_keys
		FROM roles r WHERE r.deleted_at IS NULL`).Scan(&out).Error
	natsort.Slice(out, func(r RoleCount) string { return r.Name })
	return out, wrap(err, "count users of roles")
}

// SaveRole writes a role and counts the change.
func (s *Store) SaveRole(ctx context.Context, r *Role) error {
	return wrap(s.db.WithContext(ctx).Save(r).Error, "save role "+r.Name)
}

// MoveRoleMembers gives the users and invite keys of role from the role to.
func (s *Store) MoveRoleMembers(ctx context.Context, from, to string) error {
	db := s.db.WithContext(ctx)
	for _, table := range []string{"users", "invite_keys"} {
		if err := countChanges(db, table, "role_id = ?", []any{to}, "role_id = ? AND deleted_at IS NULL", from); err != nil {
			return wrap(err, "move the "+table+" of a role")
		}
	}
	return nil
}

// TombstoneRole marks a role deleted; the row stays for sync (deleted users and
// keys may still refer to it).
func (s *Store) TombstoneRole(ctx context.Context, r *Role, at time.Time) error {
	r.DeletedAt = gorm.DeletedAt{Time: at.UTC(), Valid: true}
	return wrap(s.db.WithContext(ctx).Unscoped().Save(r).Error, "delete role "+r.Name)
}
