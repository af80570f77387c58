package data

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// applicationID marks an SQLite file as an Onboard database ("ONBD").
const applicationID = 0x4F4E4244

// migration is one step of the schema. Steps are applied in order, each in its own
// transaction, and recorded in schema_migrations; a file is never downgraded.
type migration struct {
	version int
	name    string
	sql     string
	fill    func(tx *gorm.DB) error // optional Go step after the SQL (backfills)
	// rebuildsTables runs the step with foreign keys off, as SQLite's procedure for
	// rebuilding a table that others refer to requires (dropping the old table would
	// otherwise cascade to the rows referring to it); a foreign key check before the
	// commit makes sure the rebuilt tables kept every reference intact.
	rebuildsTables bool
}

// rowColumns are the columns of Row, shared by every synchronised table.
const rowColumns = `
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	deleted_at DATETIME,
	version INTEGER NOT NULL DEFAULT 1`

var migrations = []migration{
	{version: 1, name: "users, units, groups, roles, keys and audit log", sql: `
CREATE TABLE roles (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL CHECK (trim(name) <> ''),
	name_fold TEXT NOT NULL,
	permissions TEXT NOT NULL DEFAULT '',` + rowColumns + `
);
CREATE UNIQUE INDEX roles_name ON roles(name_fold) WHERE deleted_at IS NULL;

CREATE TABLE units (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL CHECK (trim(name) <> ''),
	name_fold TEXT NOT NULL,` + rowColumns + `
);
CREATE UNIQUE INDEX units_name ON units(name_fold) WHERE deleted_at IS NULL;

CREATE TABLE groups (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL CHECK (trim(name) <> ''),
	name_fold TEXT NOT NULL,` + rowColumns + `
);
CREATE UNIQUE INDEX groups_name ON groups(name_fold) WHERE deleted_at IS NULL;

CREATE TABLE invite_keys (
	id TEXT PRIMARY KEY,
	label TEXT NOT NULL DEFAULT '',
	key TEXT NOT NULL UNIQUE,
	role_id TEXT NOT NULL REFERENCES roles(id),
	valid_until DATETIME NOT NULL,
	max_uses INTEGER NOT NULL CHECK (max_uses > 0),
	uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
	revoked_at DATETIME,
	created_by TEXT NOT NULL DEFAULT '',` + rowColumns + `
);
CREATE TABLE invite_key_units (
	invite_key_id TEXT NOT NULL REFERENCES invite_keys(id) ON DELETE CASCADE,
	unit_id TEXT NOT NULL REFERENCES units(id),
	PRIMARY KEY (invite_key_id, unit_id)
) WITHOUT ROWID;
CREATE TABLE invite_key_groups (
	invite_key_id TEXT NOT NULL REFERENCES invite_keys(id) ON DELETE CASCADE,
	group_id TEXT NOT NULL REFERENCES groups(id),
	PRIMARY KEY (invite_key_id, group_id)
) WITHOUT ROWID;

CREATE TABLE users (
	id TEXT PRIMARY KEY,
	first_name TEXT NOT NULL DEFAULT '',
	last_name TEXT NOT NULL DEFAULT '',
	names_locked INTEGER NOT NULL DEFAULT 0,
	email TEXT NOT NULL DEFAULT '',
	email_fold TEXT NOT NULL DEFAULT '',
	username TEXT NOT NULL CHECK (trim(username) <> ''),
	username_fold TEXT NOT NULL,
	mobile TEXT NOT NULL DEFAULT '',
	external_id TEXT NOT NULL DEFAULT '',
	external_id_fold TEXT NOT NULL DEFAULT '',
	role_id TEXT NOT NULL REFERENCES roles(id),
	invitation_text TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	phase TEXT NOT NULL DEFAULT 'not_activated'
		CHECK (phase IN ('not_activated','invited','active','deactivated')),
	key_expires_at DATETIME,
	invited_at DATETIME,
	activated_at DATETIME,
	deactivated_at DATETIME,
	invite_key_id TEXT REFERENCES invite_keys(id),
	sort_key TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	updated_by TEXT NOT NULL DEFAULT '',` + rowColumns + `
);
CREATE UNIQUE INDEX users_email ON users(email_fold) WHERE deleted_at IS NULL AND email_fold <> '';
CREATE UNIQUE INDEX users_username ON users(username_fold) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX users_external_id ON users(external_id_fold) WHERE deleted_at IS NULL AND external_id_fold <> '';
CREATE INDEX users_by_name ON users(sort_key) WHERE deleted_at IS NULL;
CREATE INDEX users_by_phase ON users(phase, sort_key, key_expires_at) WHERE deleted_at IS NULL;
CREATE INDEX users_invite_key ON users(invite_key_id) WHERE invite_key_id IS NOT NULL;

CREATE TABLE user_units (
	user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	unit_id TEXT NOT NULL REFERENCES units(id),
	PRIMARY KEY (user_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX user_units_unit ON user_units(unit_id);
CREATE TABLE user_groups (
	user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	group_id TEXT NOT NULL REFERENCES groups(id),
	PRIMARY KEY (user_id, group_id)
) WITHOUT ROWID;
CREATE INDEX user_groups_group ON user_groups(group_id);

CREATE TABLE personal_keys (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users(id),
	key TEXT NOT NULL UNIQUE,
	issued_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	revoked_at DATETIME,
	redeemed_at DATETIME,` + rowColumns + `
);
CREATE UNIQUE INDEX personal_keys_live ON personal_keys(user_id) WHERE revoked_at IS NULL AND redeemed_at IS NULL;

CREATE TABLE audit_events (
	id TEXT PRIMARY KEY,
	at DATETIME NOT NULL,
	actor TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	entity_type TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	changes TEXT NOT NULL DEFAULT '',` + rowColumns + `
);
CREATE INDEX audit_events_entity ON audit_events(entity_id, at);
`},
	{version: 2, name: "settings", sql: `
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at DATETIME NOT NULL
);
`},
	{version: 3, name: "search text", sql: `
ALTER TABLE users ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
CREATE INDEX users_search ON users(search_text, phase, key_expires_at, sort_key) WHERE deleted_at IS NULL;
`, fill: fillSearchText},
	{version: 4, name: "batch audit events", sql: `
ALTER TABLE users ADD COLUMN created_event_id TEXT REFERENCES audit_events(id);
`},
	{version: 5, name: "imports", sql: `
CREATE TABLE imports (
	id TEXT PRIMARY KEY,
	file_name TEXT NOT NULL,
	format TEXT NOT NULL DEFAULT '',
	at DATETIME NOT NULL,
	actor TEXT NOT NULL DEFAULT '',
	rows INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL DEFAULT 0,
	updated INTEGER NOT NULL DEFAULT 0,
	skipped INTEGER NOT NULL DEFAULT 0,
	failed INTEGER NOT NULL DEFAULT 0,
	event_id TEXT REFERENCES audit_events(id),` + rowColumns + `
);
CREATE INDEX imports_at ON imports(at);
`},
	{version: 6, name: "outbox", sql: `
CREATE TABLE outbox (
	id TEXT PRIMARY KEY,
	user_id TEXT REFERENCES users(id),
	kind TEXT NOT NULL,
	message_id TEXT NOT NULL UNIQUE,
	to_name TEXT NOT NULL DEFAULT '',
	to_addr TEXT NOT NULL,
	subject TEXT NOT NULL,
	text_body TEXT NOT NULL,
	html_body TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at DATETIME NOT NULL,
	claimed_until DATETIME,
	last_error TEXT NOT NULL DEFAULT '',
	sent_at DATETIME,` + rowColumns + `
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_user ON outbox(user_id, created_at);
CREATE INDEX outbox_created ON outbox(created_at);
`},
	{version: 7, name: "sync", rebuildsTables: true, sql: syncMigration},
	{version: 8, name: "extra permissions of a user", sql: `
ALTER TABLE users ADD COLUMN extra_permissions TEXT NOT NULL DEFAULT '';
`},
	{version: 9, name: "activity log: indexes and counts", sql: auditQueryMigration},
	{version: 10, name: "sync: payloads of pushes in flight", sql: sentMigration},
	{version: 11, name: "imports: update from a list and undo", sql: importUndoMigration},
	{version: 12, name: "search index", sql: searchIndexMigration},
	{version: 13, name: "index of deleted users", sql: `
CREATE INDEX users_deleted ON users(id) WHERE deleted_at IS NOT NULL;
`},
	{version: 14, name: "hand-out of registration letters", sql: handOutMigration},
}

// handOutMigration records, for each personal key, when its letter was printed and
// handed out, and by whom. The columns are local: sync does not send them, and
// setting them does not count a change of the key.
const handOutMigration = `
ALTER TABLE personal_keys ADD COLUMN printed_at DATETIME;
ALTER TABLE personal_keys ADD COLUMN handed_out_at DATETIME;
ALTER TABLE personal_keys ADD COLUMN handed_out_by TEXT NOT NULL DEFAULT '';
`

// searchIndexMigration indexes the search text of every live user by trigrams (an
// FTS5 table that keeps no copy of the text), so that a search of three or more
// characters reads the matching users' rowids instead of scanning every search
// text. The text is folded in Go (SearchText) and copied as it is: the tokenizer is
// case-sensitive so that it does not fold it again differently. Triggers keep the
// index in step with every write to users, the sync path included; a tombstoned user
// leaves the index. The one exception is InsertUsersStream: it drops the insert
// trigger in its transaction and indexes its users with one statement at the end
// (FTS5 writes what it holds to disk at each statement of a transaction, and a
// trigger makes SQLite journal each statement: the row-by-row insert became three
// times slower). The index names users by rowid, which VACUUM keeps; a migration
// that rebuilds users must rebuild the index and its triggers.
const searchIndexMigration = `
CREATE VIRTUAL TABLE users_fts USING fts5(search_text, content='', contentless_delete=1,
	tokenize='trigram case_sensitive 1');
INSERT INTO users_fts (rowid, search_text) SELECT rowid, search_text FROM users WHERE deleted_at IS NULL;
CREATE TRIGGER ` + searchIndexInsertTrigger + ` AFTER INSERT ON users WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO users_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users WHEN old.deleted_at IS NULL BEGIN
	DELETE FROM users_fts WHERE rowid = old.rowid;
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF search_text, deleted_at ON users
	WHEN old.search_text IS NOT new.search_text OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
	DELETE FROM users_fts WHERE rowid = old.rowid;
	INSERT INTO users_fts (rowid, search_text) SELECT new.rowid, new.search_text WHERE new.deleted_at IS NULL;
END;
`

// searchIndexInsertTrigger indexes the search text of a new user.
const searchIndexInsertTrigger = "users_fts_insert"

// fillSearchText computes search_text for the users of an older file.
func fillSearchText(tx *gorm.DB) error {
	var users []User
	if err := tx.Unscoped().Select("id", "first_name", "last_name", "email", "username", "external_id").Find(&users).Error; err != nil {
		return err
	}
	for _, u := range users {
		err := tx.Exec(`UPDATE users SET search_text = ? WHERE id = ?`,
			SearchText(u.FirstName, u.LastName, u.Email, u.Username, u.ExternalID), u.ID).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// LatestSchema is the schema version this build of Onboard writes.
func LatestSchema() int { return migrations[len(migrations)-1].version }

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at DATETIME NOT NULL
)`

// schemaVersion returns the highest applied migration, 0 for a new file.
func schemaVersion(db *gorm.DB) (int, error) {
	var v int
	err := db.Raw(`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v).Error
	return v, err
}

// migrate applies every migration above the file's version up to and including upTo.
func migrate(db *gorm.DB, upTo int) error {
	if err := db.Exec(createMigrationsTable).Error; err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	current, err := schemaVersion(db)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > LatestSchema() {
		return fmt.Errorf("%w: the file has schema %d, this Onboard knows up to %d; update Onboard", ErrTooNew, current, LatestSchema())
	}
	for _, m := range migrations {
		if m.version <= current || m.version > upTo {
			continue
		}
		if err := apply(db, m); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// apply runs one migration in a transaction and records it.
func apply(db *gorm.DB, m migration) error {
	if m.rebuildsTables {
		// The writer has one connection, so the pragma holds for the transaction.
		if err := db.Exec("PRAGMA foreign_keys = OFF").Error; err != nil {
			return err
		}
		defer db.Exec("PRAGMA foreign_keys = ON")
	}
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(m.sql).Error; err != nil {
			return err
		}
		if m.fill != nil {
			if err := m.fill(tx); err != nil {
				return err
			}
		}
		if m.rebuildsTables {
			var broken []struct{ Table, Parent string }
			if err := tx.Raw("PRAGMA foreign_key_check").Scan(&broken).Error; err != nil {
				return err
			}
			if len(broken) > 0 {
				return fmt.Errorf("%d rows of %s refer to missing rows of %s", len(broken), broken[0].Table, broken[0].Parent)
			}
		}
		if m.version == 1 {
			if err := tx.Exec(fmt.Sprintf("PRAGMA application_id = %d", applicationID)).Error; err != nil {
				return err
			}
		}
		return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, time.Now().UTC()).Error
	})
}
