package data

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The audit log (audit_events) is read page by page by the Activity screen and
// exported whole. Migration 9 (auditQueryMigration) gives it what that needs on a
// million events:
//
//   - partial indexes on (at), (actor, at), (action, at) and (actor, action, at)
//     over the rows not deleted, so a page newest first, with or without an
//     operator or action filter, is read from an index in order (ties go by
//     rowid, which every index holds, so no sort is needed even when a batch
//     wrote thousands of events with the same time);
//   - audit_counts, the number of events per operator and action, kept by triggers
//     on audit_events: the count of an unfiltered or operator/action filtered log
//     and the options of those filters cost a handful of rows instead of a scan of
//     the log (a count over 1M rows took 100-170 ms);
//   - an index on users(created_event_id), to find the users a batch event created.
//
// A later migration that rebuilds audit_events must create these triggers again.
const auditQueryMigration = `
CREATE INDEX audit_events_at ON audit_events(at) WHERE deleted_at IS NULL;
CREATE INDEX audit_events_actor ON audit_events(actor, at) WHERE deleted_at IS NULL;
CREATE INDEX audit_events_action ON audit_events(action, at) WHERE deleted_at IS NULL;
CREATE INDEX audit_events_actor_action ON audit_events(actor, action, at) WHERE deleted_at IS NULL;
CREATE INDEX users_created_event ON users(created_event_id) WHERE created_event_id IS NOT NULL;

CREATE TABLE audit_counts (
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (actor, action)
) WITHOUT ROWID;
INSERT INTO audit_counts (actor, action, n)
	SELECT actor, action, count(*) FROM audit_events WHERE deleted_at IS NULL GROUP BY actor, action;

CREATE TRIGGER audit_counts_insert AFTER INSERT ON audit_events WHEN NEW.deleted_at IS NULL
BEGIN
	INSERT INTO audit_counts (actor, action, n) VALUES (NEW.actor, NEW.action, 1)
		ON CONFLICT (actor, action) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER audit_counts_delete AFTER DELETE ON audit_events WHEN OLD.deleted_at IS NULL
BEGIN
	UPDATE audit_counts SET n = n - 1 WHERE actor = OLD.actor AND action = OLD.action;
END;
CREATE TRIGGER audit_counts_update AFTER UPDATE OF actor, action, deleted_at ON audit_events
BEGIN
	UPDATE audit_counts SET n = n - 1 WHERE OLD.deleted_at IS NULL AND actor = OLD.actor AND action = OLD.action;
	INSERT INTO audit_counts (actor, action, n) SELECT NEW.actor, NEW.action, 1 WHERE NEW.deleted_at IS NULL
		ON CONFLICT (actor, action) DO UPDATE SET n = n + 1;
END;
`

// AuditQuery selects audit events. Zero fields do not filter.
type AuditQuery struct {
	Actor  string
	Action string
	// UserID selects the events that touched this user: its own, and the event of
	// the batch (an import, demo data) that created it, as History finds them.
	UserID string
	From   time.Time // events at or after From
	To     time.Time // events before To
	Offset int
	Limit  int // 0 means no limit
}

// counted reports whether audit_counts alone counts the events q matches.
func (q AuditQuery) counted() bool { return q.UserID == "" && q.From.IsZero() && q.To.IsZero() }

// where builds the filter of q. A user's events are few and found through
// audit_events_entity and the primary key, so with a user the other conditions
// are written as +column, which no index may serve: SQLite has no statistics and
// would otherwise walk an operator's or a date's index and test every event.
func (q AuditQuery) where() (string, []any) {
	conds := []string{"e.deleted_at IS NULL"}
	var args []any
	col := "e."
	if q.UserID != "" {
		col = "+e."
		conds = append(conds, "(e.entity_id = ? OR e.id = (SELECT created_event_id FROM users WHERE id = ?))")
		args = append(args, q.UserID, q.UserID)
	}
	if q.Actor != "" {
		conds = append(conds, col+"actor = ?")
		args = append(args, q.Actor)
	}
	if q.Action != "" {
		conds = append(conds, col+"action = ?")
		args = append(args, q.Action)
	}
	if !q.From.IsZero() {
		conds = append(conds, col+"at >= ?")
		args = append(args, q.From.UTC())
	}
	if !q.To.IsZero() {
		conds = append(conds, col+"at < ?")
		args = append(args, q.To.UTC())
	}
	return strings.Join(conds, " AND "), args
}

// auditColumns are the columns scanEvent reads, in its order.
const auditColumns = `e.id, e.at, e.actor, e.action, e.entity_type, e.entity_id, e.summary, e.changes,
	e.created_at, e.updated_at, e.version`

// auditOrder is the order of the log: newest first, events of the same time in
// the reverse order they were written.
const auditOrder = `e.at DESC, e.rowid DESC`

func scanEvent(rows *sql.Rows, e *AuditEvent) error {
	return rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.EntityType, &e.EntityID, &e.Summary, &e.Changes,
		&e.CreatedAt, &e.UpdatedAt, &e.Version)
}

// AuditEvents returns one page of the events q matches, newest first. The page is
// chosen from an index first (rowids in order), then only its rows are read.
func (s *Store) AuditEvents(ctx context.Context, q AuditQuery) ([]AuditEvent, error) {
	where, args := q.where()
	page, args := auditPage(where, args, q)
	out := []AuditEvent{}
	err := s.eachEvent(ctx, `SELECT `+auditColumns+` FROM audit_events e WHERE e.rowid IN (`+page+`) ORDER BY `+auditOrder,
		args, func(e *AuditEvent) error {
			out = append(out, *e)
			return nil
		})
	return out, wrap(err, "read audit events")
}

// auditPage is the query of the rowids of q's page, newest first, with its
// arguments.
func auditPage(where string, args []any, q AuditQuery) (string, []any) {
	page := `SELECT e.rowid FROM audit_events e WHERE ` + where + ` ORDER BY ` + auditOrder
	if q.Limit > 0 || q.Offset > 0 {
		limit := q.Limit
		if limit <= 0 {
			limit = -1
		}
		page += ` LIMIT ? OFFSET ?`
		args = append(args, limit, q.Offset)
	}
	return page, args
}

// EachAuditEvent calls fn with the events q matches, newest first, chunk at a time
// (the last chunk may be shorter), for an export of the whole log: one query
// streams them, however many there are. The chunk's slice is reused: fn must not
// keep it. q's Offset and Limit are ignored. An error of fn, or ctx ending, stops
// it with that error.
func (s *Store) EachAuditEvent(ctx context.Context, q AuditQuery, chunk int, fn func([]AuditEvent) error) error {
	where, args := q.where()
	chunk = max(chunk, 1)
	buf := make([]AuditEvent, 0, chunk)
	err := s.eachEvent(ctx, `SELECT `+auditColumns+` FROM audit_events e WHERE `+where+` ORDER BY `+auditOrder,
		args, func(e *AuditEvent) error {
			buf = append(buf, *e)
			if len(buf) < chunk {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			err := fn(buf)
			buf = buf[:0]
			return err
		})
	if err != nil {
		return wrap(err, "read audit events")
	}
	if len(buf) > 0 {
		return fn(buf)
	}
	return nil
}

// eachEvent runs a query of auditColumns and calls fn with each event (the same
// struct, overwritten).
func (s *Store) eachEvent(ctx context.Context, query string, args []any, fn func(*AuditEvent) error) error {
	db, err := s.manyRows(ctx)
	if err != nil {
		return err
	}
	rows, err := db.Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	var e AuditEvent
	for rows.Next() {
		if err := scanEvent(rows, &e); err != nil {
			return err
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountAuditEvents counts the events q matches (ignoring its offset and limit).
// Without a user or dates the count comes from audit_counts.
func (s *Store) CountAuditEvents(ctx context.Context, q AuditQuery) (int, error) {
	var n int
	if q.counted() {
		conds, args := []string{"1"}, []any{}
		if q.Actor != "" {
			conds, args = append(conds, "actor = ?"), append(args, q.Actor)
		}
		if q.Action != "" {
			conds, args = append(conds, "action = ?"), append(args, q.Action)
		}
		err := s.rdb.WithContext(ctx).Raw(`SELECT coalesce(sum(n), 0) FROM audit_counts WHERE `+
			strings.Join(conds, " AND "), args...).Scan(&n).Error
		return n, wrap(err, "count audit events")
	}
	where, args := q.where()
	err := s.rdb.WithContext(ctx).Raw(`SELECT count(*) FROM audit_events e WHERE `+where, args...).Scan(&n).Error
	return n, wrap(err, "count audit events")
}

// AuditActors returns the operators who recorded events, in alphabetical order
// (for the filter; events without an operator are left out).
func (s *Store) AuditActors(ctx context.Context) ([]string, error) {
	return s.auditValues(ctx, "actor")
}

// AuditActions returns the actions recorded, in alphabetical order.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	return s.auditValues(ctx, "action")
}

func (s *Store) auditValues(ctx context.Context, column string) ([]string, error) {
	out := []string{}
	err := s.rdb.WithContext(ctx).Raw(`SELECT ` + column + ` FROM audit_counts WHERE ` + column + ` <> ''
		GROUP BY ` + column + ` HAVING sum(n) > 0 ORDER BY lower(` + column + `), ` + column).Scan(&out).Error
	return out, wrap(err, "read audit "+column+"s")
}

// AuditUser is a user an audit event touched. Deleted users are included (the
// log keeps whom a change touched after the user is gone) and marked.
type AuditUser struct {
	ID        string
	FirstName string
	LastName  string
	Username  string
	Deleted   bool
}

// FullName is "First Last", or the username when both names are empty.
func (u *AuditUser) FullName() string {
	return (&User{FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}).FullName()
}

// AuditUsers are the users one event touched: the first of them and how many in all.
type AuditUsers struct {
	Users []AuditUser
	Total int
}

// batchEntity is the entity type of the one event a bulk insert of users records
// (InsertUsersStream); the users it created refer to it.
const batchEntity = "batch"

// AuditEventUsers returns, for each of the events that touched users, up to limit
// of those users and their total: the user an event is about, or the users a
// batch event created (in the order they were written). Events that touched no
// user are missing from the map, which is keyed by event ID.
func (s *Store) AuditEventUsers(ctx context.Context, events []AuditEvent, limit int) (map[string]AuditUsers, error) {
	out := map[string]AuditUsers{}
	if len(events) == 0 {
		return out, nil
	}
	db, err := s.manyRows(ctx)
	if err != nil {
		return nil, err
	}
	entityIDs := make([]string, 0, len(events))
	for _, e := range events {
		if e.EntityType != batchEntity {
			entityIDs = append(entityIDs, e.EntityID)
		}
	}
	byID := make(map[string]AuditUser, len(entityIDs))
	err = auditUsers(db, `WHERE id IN (SELECT value FROM json_each(?))`, []any{jsonList(entityIDs)}, func(u AuditUser) {
		byID[u.ID] = u
	})
	if err != nil {
		return nil, wrap(err, "read the users of audit events")
	}
	for _, e := range events {
		if u, ok := byID[e.EntityID]; ok {
			a := AuditUsers{Total: 1}
			if limit > 0 {
				a.Users = []AuditUser{u}
			}
			out[e.ID] = a
		}
	}
	for _, e := range events {
		if e.EntityType != batchEntity {
			continue
		}
		a, err := batchUsers(db, e.ID, limit)
		if err != nil {
			return nil, wrap(err, "read the users of audit events")
		}
		if a.Total > 0 {
			out[e.ID] = a
		}
	}
	return out, nil
}

// batchUsers returns up to limit of the users batch event eventID created, in the
// order they were written, and how many it created.
func batchUsers(db *gorm.DB, eventID string, limit int) (AuditUsers, error) {
	var a AuditUsers
	err := db.Raw(`SELECT count(*) FROM users WHERE created_event_id = ?`, eventID).Scan(&a.Total).Error
	if err == nil && limit > 0 && a.Total > 0 {
		err = auditUsers(db, `WHERE created_event_id = ? ORDER BY rowid LIMIT ?`, []any{eventID, limit}, func(u AuditUser) {
			a.Users = append(a.Users, u)
		})
	}
	return a, err
}

// auditUsers reads the users the condition cond selects (scanned by hand: many
// pages and exports ask, and GORM's scanning took a third of an export).
func auditUsers(db *gorm.DB, cond string, args []any, fn func(AuditUser)) error {
	rows, err := db.Raw(`SELECT id, first_name, last_name, username, deleted_at IS NOT NULL FROM users `+cond, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var u AuditUser
		if err := rows.Scan(&u.ID, &u.FirstName, &u.LastName, &u.Username, &u.Deleted); err != nil {
			return err
		}
		fn(u)
	}
	return rows.Err()
}
