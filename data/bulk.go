package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// BulkUser is a fully formed new user for InsertUsersBulk.
type BulkUser struct {
	User     User
	UnitIDs  []string
	GroupIDs []string
	Key      *PersonalKey // the user's live key, or nil
}

// InsertUsersBulk stores many new users, their links and keys, and one audit event
// per user made from audit (its At, Actor, Action and Summary), in one transaction
// through prepared statements: the fast path for demo data and imports. progress,
// if not nil, is called with the number of users written so far.
func (s *Store) InsertUsersBulk(ctx context.Context, users []BulkUser, audit AuditEvent, progress func(done int)) error {
	return s.Write(ctx, func(tx *Store) error {
		pool := tx.db.Statement.ConnPool
		stmts, err := prepareAll(ctx, pool, bulkStatements)
		if err != nil {
			return fmt.Errorf("bulk insert: %w", err)
		}
		defer func() {
			for _, st := range stmts {
				st.Close()
			}
		}()
		at := audit.At.UTC()
		for i := range users {
			if i%1000 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				if progress != nil && i > 0 {
					progress(i)
				}
			}
			if err := insertBulkUser(ctx, stmts, &users[i], audit, at); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(len(users))
		}
		return nil
	})
}

var bulkStatements = []string{
	`INSERT INTO users (id, first_name, last_name, names_locked, email, email_fold, username, username_fold,
		mobile, external_id, external_id_fold, role_id, invitation_text, notes, phase, key_expires_at,
		invited_at, activated_at, deactivated_at, invite_key_id, created_by, updated_by, created_at, updated_at, version)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)`,
	`INSERT INTO user_units (user_id, unit_id) VALUES (?, ?)`,
	`INSERT INTO user_groups (user_id, group_id) VALUES (?, ?)`,
	`INSERT INTO personal_keys (id, user_id, key, issued_at, expires_at, created_at, updated_at, version)
		VALUES (?,?,?,?,?,?,?,1)`,
	`INSERT INTO audit_events (id, at, actor, action, entity_type, entity_id, summary, created_at, updated_at, version)
		VALUES (?,?,?,?,'user',?,?,?,?,1)`,
}

func prepareAll(ctx context.Context, pool gorm.ConnPool, texts []string) ([]*sql.Stmt, error) {
	out := make([]*sql.Stmt, 0, len(texts))
	for _, t := range texts {
		st, err := pool.PrepareContext(ctx, t)
		if err != nil {
			for _, o := range out {
				o.Close()
			}
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func insertBulkUser(ctx context.Context, stmts []*sql.Stmt, b *BulkUser, audit AuditEvent, at time.Time) error {
	u := &b.User
	if u.ID == "" {
		u.ID = NewID()
	}
	u.BeforeSave(nil)
	u.CreatedAt, u.UpdatedAt, u.Version = at, at, 1
	_, err := stmts[0].ExecContext(ctx, u.ID, u.FirstName, u.LastName, u.NamesLocked, u.Email, u.EmailFold,
		u.Username, u.UsernameFold, u.Mobile, u.ExternalID, u.ExternalIDFold, u.RoleID, u.InvitationText, u.Notes,
		string(u.Phase), sqlTime(u.KeyExpiresAt), sqlTime(u.InvitedAt), sqlTime(u.ActivatedAt), sqlTime(u.DeactivatedAt),
		u.InviteKeyID, u.CreatedBy, u.UpdatedBy, at, at)
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Username, err)
	}
	for _, id := range b.UnitIDs {
		if _, err := stmts[1].ExecContext(ctx, u.ID, id); err != nil {
			return fmt.Errorf("create user %s: unit: %w", u.Username, err)
		}
	}
	for _, id := range b.GroupIDs {
		if _, err := stmts[2].ExecContext(ctx, u.ID, id); err != nil {
			return fmt.Errorf("create user %s: group: %w", u.Username, err)
		}
	}
	if k := b.Key; k != nil {
		if k.ID == "" {
			k.ID = NewID()
		}
		k.UserID = u.ID
		if _, err := stmts[3].ExecContext(ctx, k.ID, u.ID, k.Key, k.IssuedAt.UTC(), k.ExpiresAt.UTC(), at, at); err != nil {
			return fmt.Errorf("create user %s: key: %w", u.Username, err)
		}
	}
	if _, err := stmts[4].ExecContext(ctx, NewID(), at, audit.Actor, audit.Action, u.ID, audit.Summary, at, at); err != nil {
		return fmt.Errorf("create user %s: audit: %w", u.Username, err)
	}
	return nil
}

// sqlTime turns an optional time into a UTC time or NULL.
func sqlTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}
