package data

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
)

// BulkUser is a fully formed new user for InsertUsersBulk.
type BulkUser struct {
	User     User
	UnitIDs  []string
	GroupIDs []string
	Key      *PersonalKey // the user's live key, or nil
	Mail     *Mail        // queued with the user (see AddMails), or nil
}

// bulkChunk is how many users one round of bulk statements writes.
const bulkChunk = 1000

// timeLayout is how the SQLite driver writes times; bulk rows use the same text so
// that comparisons with bound times stay correct.
const timeLayout = "2006-01-02 15:04:05.999999999-07:00"

// InsertUsersBulk stores many new users, their links, keys and mails in one transaction:
// the fast path for demo data and imports. One audit event made from audit (its At,
// ID if set, Actor, Action and Summary, to which the count is added) records the whole batch;
// each user refers to it (created_event_id), so it is part of every user's history.
// Users are written through a prepared statement; links and keys travel as one JSON
// array per table and chunk (INSERT … SELECT FROM json_each); the search index takes
// the users' search texts in one statement at the end. progress, if not nil,
// is called with the users written so far.
func (s *Store) InsertUsersBulk(ctx context.Context, users []BulkUser, audit AuditEvent, progress func(done int)) error {
	return s.InsertUsersStream(ctx, func(yield func([]BulkUser, error) bool) {
		for chunk := range slices.Chunk(users, bulkChunk) {
			if !yield(chunk, nil) {
				return
			}
		}
	}, len(users), audit, progress)
}

// InsertUsersStream is InsertUsersBulk for users that are still being made (read
// from a file, generated): one goroutine takes the next batch from batches and
// prepares its rows while the previous batch is written. An error from batches
// rolls everything back. expected is how many users batches will yield (0 when not
// known); see rebuildsIndexes.
func (s *Store) InsertUsersStream(ctx context.Context, batches iter.Seq2[[]BulkUser, error], expected int, audit AuditEvent, progress func(done int)) error {
	at := audit.At.UTC()
	stamp := at.Format(timeLayout)
	eventID := audit.ID
	if eventID == "" {
		eventID = NewID()
	}
	chunks := make(chan *bulkChunkRows, 2)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(chunks)
		done := 0
		for batch, err := range batches {
			c := &bulkChunkRows{err: err}
			if err == nil {
				for part := range slices.Chunk(batch, bulkChunk) {
					done += len(part)
					c = prepareChunk(part, at, eventID, stamp)
					c.end = done
					if !send(chunks, stop, c) {
						return
					}
				}
				continue
			}
			send(chunks, stop, c)
			return
		}
	})
	defer wg.Wait()
	defer close(stop)
	return s.Write(ctx, func(tx *Store) error {
		event := &AuditEvent{At: at, Actor: audit.Actor, Action: audit.Action, EntityType: "batch", Summary: audit.Summary}
		event.ID, event.EntityID = eventID, eventID
		if err := tx.AddAudit(ctx, event, nil); err != nil {
			return err
		}
		rebuild, err := tx.rebuildsIndexes(ctx, expected)
		if err != nil {
			return err
		}
		total := 0
		err = withoutTrigger(tx.db, searchIndexInsertTrigger, func() error {
			err := withIndexesRebuilt(tx.db, rebuild, func() error {
				var err error
				total, err = tx.writeBulkChunks(ctx, chunks, stamp, progress)
				return err
			})
			if err != nil {
				return err
			}
			return wrap(tx.db.Exec(bulkSearchIndexSQL, event.ID).Error, "bulk insert: index the search texts")
		})
		if err != nil {
			return err
		}
		summary := fmt.Sprintf("%d users at once", total)
		if audit.Summary != "" {
			summary = audit.Summary + ", " + summary
		}
		return tx.db.Exec(`UPDATE audit_events SET summary = ? WHERE id = ?`, summary, event.ID).Error
	})
}

// writeBulkChunks writes the users, links, keys and mails of each chunk until chunks is
// closed and returns how many users it wrote. Statements run on a context without
// cancellation: with a cancellable one the driver starts a watcher goroutine per
// statement, which costs more than the insert. Cancellation is checked once per
// chunk instead.
func (s *Store) writeBulkChunks(ctx context.Context, chunks <-chan *bulkChunkRows, stamp string, progress func(done int)) (int, error) {
	execCtx := context.WithoutCancel(ctx)
	insertUser, err := s.db.Statement.ConnPool.PrepareContext(execCtx, bulkUsersSQL)
	if err != nil {
		return 0, fmt.Errorf("bulk insert: %w", err)
	}
	defer insertUser.Close()
	total := 0
	for c := range chunks {
		if c.err != nil {
			return 0, c.err
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		for i, args := range c.users {
			if _, err := insertUser.ExecContext(execCtx, args...); err != nil {
				return 0, fmt.Errorf("create user %s: %w", c.usernames[i], err)
			}
		}
		for _, st := range []struct{ table, sql, rows string }{
			{"user_units", bulkUnitsSQL, c.units},
			{"user_groups", bulkGroupsSQL, c.groups},
			{"personal_keys", bulkKeysSQL, c.keys},
		} {
			if err := execJSON(execCtx, s.db, st.table, st.sql, st.rows, stamp); err != nil {
				return 0, err
			}
		}
		if err := s.AddMails(ctx, c.mails); err != nil {
			return 0, err
		}
		total = c.end
		if progress != nil {
			progress(c.end)
		}
	}
	return total, nil
}

// rebuildIndexesMin is the fewest new users for which a bulk insert builds the
// indexes again rather than keeping them up to date (see rebuildsIndexes).
const rebuildIndexesMin = 20_000

// rebuildsIndexes tells whether a bulk insert of expected users drops the indexes
// of the tables it writes and builds them again afterwards: when the users are many
// (rebuildIndexesMin) and at least twice as many as the store already holds.
// Inserting into an index at random places reads and writes a page per row once
// the index no longer fits in SQLite's cache, while building it sorts its entries
// once: a million demo users took 90 s kept up to date and 38 s rebuilt (10 s of
// it the build); 100,000 imported into an empty store 5.4 s and 3.4 s. Into a
// store that already holds as many users, building the whole table costs more
// than it saves (100,000 into 100,000: 4.8-5.3 s kept, 5.8-7.3 s rebuilt).
func (s *Store) rebuildsIndexes(ctx context.Context, expected int) (bool, error) {
	if expected < rebuildIndexesMin {
		return false, nil
	}
	var held int
	if err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM users`).Scan(&held).Error; err != nil {
		return false, fmt.Errorf("bulk insert: count users: %w", err)
	}
	return expected >= 2*held, nil
}

// bulkIndexedTables are the tables a bulk insert writes whose indexes
// withIndexesRebuilt drops and builds again.
const bulkIndexedTables = `'users', 'user_units', 'user_groups', 'personal_keys'`

// withIndexesRebuilt runs write, in db's transaction; when rebuild is true, it does
// so with the indexes of bulkIndexedTables dropped (withDropped): a unique index
// refuses to be built over duplicates, so uniqueness is still checked, once. The
// indexes SQLite makes for a primary key or a UNIQUE column cannot be dropped and
// stay.
func withIndexesRebuilt(db *gorm.DB, rebuild bool, write func() error) error {
	if !rebuild {
		return write()
	}
	var indexes []schemaObject
	err := db.Raw(`SELECT type, name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN (` + bulkIndexedTables + `) ORDER BY name`).Scan(&indexes).Error
	if err != nil {
		return fmt.Errorf("bulk insert: read the indexes: %w", err)
	}
	err = withDropped(db, indexes, write)
	if f, ok := UniqueViolation(err); ok {
		return fmt.Errorf("bulk insert: two of the users have the same %s: %w", f, err)
	}
	return err
}

// withoutTrigger runs write, in db's transaction, with the trigger called name
// dropped (withDropped).
func withoutTrigger(db *gorm.DB, name string, write func() error) error {
	var triggers []schemaObject
	if err := db.Raw(`SELECT type, name, sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?`, name).Scan(&triggers).Error; err != nil {
		return fmt.Errorf("bulk insert: read trigger %s: %w", name, err)
	}
	if len(triggers) == 0 {
		return fmt.Errorf("bulk insert: the database has no trigger %s", name)
	}
	return withDropped(db, triggers, write)
}

// schemaObject is an index or trigger as sqlite_schema holds it.
type schemaObject struct{ Type, Name, SQL string }

// withDropped runs write, in db's transaction, with objects dropped, and creates
// them again as they were (their SQL as the schema held it) before the transaction
// commits; a rollback brings them back too.
func withDropped(db *gorm.DB, objects []schemaObject, write func() error) error {
	for _, o := range objects {
		if err := db.Exec(`DROP ` + o.Type + ` ` + o.Name).Error; err != nil {
			return fmt.Errorf("bulk insert: %w", err)
		}
	}
	if err := write(); err != nil {
		return err
	}
	for _, o := range objects {
		if err := db.Exec(o.SQL).Error; err != nil {
			return fmt.Errorf("bulk insert: create %s %s again: %w", o.Type, o.Name, err)
		}
	}
	return nil
}

// send hands a chunk to the writer; false when the writer has stopped.
func send(chunks chan<- *bulkChunkRows, stop <-chan struct{}, c *bulkChunkRows) bool {
	select {
	case chunks <- c:
		return true
	case <-stop:
		return false
	}
}

// execJSON runs one INSERT … SELECT FROM json_each with the JSON rows as the last
// argument; "[]" or "" writes nothing.
func execJSON(ctx context.Context, db *gorm.DB, table, sqlText, rows string, args ...any) error {
	if rows == "" || rows == "null" {
		return nil
	}
	if err := db.WithContext(ctx).Exec(sqlText, append(args, rows)...).Error; err != nil {
		return fmt.Errorf("bulk insert %s: %w", table, err)
	}
	return nil
}

// bulkChunkRows is one chunk of users, ready for the statements.
type bulkChunkRows struct {
	users               [][]any // the arguments of each users row
	usernames           []string
	units, groups, keys string // JSON arrays of rows
	mails               []Mail // the mails queued with the users
	end                 int    // how many users are written once this chunk is
	err                 error  // the source failed: roll back
}

// The JSON statements read the rows of one table from a JSON array of arrays (?2);
// ?1 is the time stamp of the batch.
const (
	// Users go through a prepared statement, row by row: with 25 columns, reading
	// them out of JSON costs SQLite more than binding them (measured).
	bulkUsersSQL = `INSERT INTO users (id, first_name, last_name, names_locked, email, email_fold, username,
		username_fold, mobile, external_id, external_id_fold, role_id, invitation_text, notes, phase,
		key_expires_at, invited_at, activated_at, deactivated_at, invite_key_id, sort_key, search_text, created_by,
		updated_by, created_event_id, created_at, updated_at, version)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)`
	// A bulk insert indexes the search texts of its users (with its created_event_id)
	// in this one statement, without the trigger that indexes a new user's; see
	// searchIndexMigration.
	bulkSearchIndexSQL = `INSERT INTO users_fts (rowid, search_text)
		SELECT rowid, search_text FROM users WHERE created_event_id = ? AND deleted_at IS NULL`
	bulkUnitsSQL  = `INSERT INTO user_units (user_id, unit_id) SELECT value->>0, value->>1 FROM json_each(?2)`
	bulkGroupsSQL = `INSERT INTO user_groups (user_id, group_id) SELECT value->>0, value->>1 FROM json_each(?2)`
	bulkKeysSQL   = `INSERT INTO personal_keys (id, user_id, key, issued_at, expires_at, created_at, updated_at, version)
		SELECT value->>0, value->>1, value->>2, value->>3, value->>4, ?1, ?1, 1 FROM json_each(?2)`
)

// prepareChunk fills in the generated fields of each user (ID, folded columns, sort
// key, timestamps) and encodes the chunk's rows: the users created by the audit
// event eventID at at, stamp being at as the driver writes it.
func prepareChunk(chunk []BulkUser, at time.Time, eventID, stamp string) *bulkChunkRows {
	c := &bulkChunkRows{users: make([][]any, 0, len(chunk)), usernames: make([]string, 0, len(chunk))}
	var units, groups, keys [][]any
	for i := range chunk {
		b := &chunk[i]
		u := &b.User
		u.BeforeSave(nil)
		u.CreatedAt, u.UpdatedAt, u.Version = at, at, 1
		c.users = append(c.users, []any{
			u.ID, u.FirstName, u.LastName, u.NamesLocked, u.Email, u.EmailFold,
			u.Username, u.UsernameFold, u.Mobile, u.ExternalID, u.ExternalIDFold, u.RoleID, u.InvitationText,
			u.Notes, string(u.Phase), sqlTime(u.KeyExpiresAt), sqlTime(u.InvitedAt), sqlTime(u.ActivatedAt),
			sqlTime(u.DeactivatedAt), u.InviteKeyID, u.SortKey, u.SearchText, u.CreatedBy, u.CreatedBy,
			eventID, stamp, stamp,
		})
		c.usernames = append(c.usernames, u.Username)
		for _, id := range b.UnitIDs {
			units = append(units, []any{u.ID, id})
		}
		for _, id := range b.GroupIDs {
			groups = append(groups, []any{u.ID, id})
		}
		if k := b.Key; k != nil {
			if k.ID == "" {
				k.ID = NewID()
			}
			k.UserID = u.ID
			keys = append(keys, []any{k.ID, u.ID, k.Key, jsonTime(&k.IssuedAt), jsonTime(&k.ExpiresAt)})
		}
		if b.Mail != nil {
			c.mails = append(c.mails, *b.Mail)
		}
	}
	c.units, c.groups, c.keys = mustJSON(units), mustJSON(groups), mustJSON(keys)
	return c
}

// mustJSON encodes rows of strings, numbers and nils, which cannot fail.
func mustJSON(rows [][]any) string {
	b, err := json.Marshal(rows)
	if err != nil {
		panic("bulk insert: encode rows: " + err.Error())
	}
	return string(b)
}

// sqlTime is an optional time in UTC, or nil.
func sqlTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// jsonTime is an optional time as the driver's UTC text, or nil.
func jsonTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(timeLayout)
}
