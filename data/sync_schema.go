package data

// syncColumns are the columns migration 7 gives every synchronised table:
//
//   - server_version: the row's version on the server as this computer last
//     learned it (0: the server does not have the row yet); a push names it as
//     its base version.
//   - pushed_version: the local version the server confirmed last. A row is
//     pending, a change not yet on the server, while version > pushed_version.
//   - sent_version: the local version last sent; while it is above pushed_version
//     the answer to that push is missing (lost, or the app was killed), and the
//     next push carries its mutation ID again.
//   - refused_version: the local version the server refused last; that version is
//     not sent again, the next change is.
//   - sync_error: why the server refused the row, "" when it did not.
const syncColumns = `,
	server_version INTEGER NOT NULL DEFAULT 0,
	pushed_version INTEGER NOT NULL DEFAULT 0,
	sent_version INTEGER NOT NULL DEFAULT 0,
	refused_version INTEGER NOT NULL DEFAULT 0,
	sync_error TEXT NOT NULL DEFAULT ''`

// addSyncColumns adds syncColumns to an existing table, with a partial index of
// its pending rows (what every sync looks for).
func addSyncColumns(table string) string {
	return `
ALTER TABLE ` + table + ` ADD COLUMN server_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ` + table + ` ADD COLUMN pushed_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ` + table + ` ADD COLUMN sent_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ` + table + ` ADD COLUMN refused_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ` + table + ` ADD COLUMN sync_error TEXT NOT NULL DEFAULT '';
` + pendingIndex(table)
}

func pendingIndex(table string) string {
	return `CREATE INDEX ` + table + `_pending ON ` + table + `(id) WHERE version > pushed_version;
`
}

// syncMigration is migration 7. Besides the sync columns it rebuilds the two key
// tables: a key pulled from the server arrives as its hash only (the server never
// has a personal key's text, nor an invite key's after its first push), so the
// text column is empty for such keys and is unique only where it is known. The
// personal key's hash is kept for pushing such a key back (after a local revoke).
// sync_inbox holds rows pulled from the server (or answered to a conflicting push)
// until they are applied: pulled pages go there with the cursor in one
// transaction, and the inbox is applied in the order rows refer to each other.
var syncMigration = addSyncColumns("users") + addSyncColumns("units") + addSyncColumns("groups") +
	addSyncColumns("roles") + `
CREATE TABLE personal_keys_new (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users(id),
	key TEXT NOT NULL DEFAULT '',
	key_hash TEXT NOT NULL DEFAULT '',
	issued_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	revoked_at DATETIME,
	redeemed_at DATETIME,` + rowColumns + syncColumns + `
);
INSERT INTO personal_keys_new (id, user_id, key, issued_at, expires_at, revoked_at, redeemed_at,
	created_at, updated_at, deleted_at, version)
SELECT id, user_id, key, issued_at, expires_at, revoked_at, redeemed_at,
	created_at, updated_at, deleted_at, version FROM personal_keys;
DROP TABLE personal_keys;
ALTER TABLE personal_keys_new RENAME TO personal_keys;
CREATE UNIQUE INDEX personal_keys_key ON personal_keys(key) WHERE key <> '';
CREATE UNIQUE INDEX personal_keys_live ON personal_keys(user_id) WHERE revoked_at IS NULL AND redeemed_at IS NULL;
` + pendingIndex("personal_keys") + `
CREATE TABLE invite_keys_new (
	id TEXT PRIMARY KEY,
	label TEXT NOT NULL DEFAULT '',
	key TEXT NOT NULL DEFAULT '',
	role_id TEXT NOT NULL REFERENCES roles(id),
	valid_until DATETIME NOT NULL,
	max_uses INTEGER NOT NULL CHECK (max_uses > 0),
	uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
	revoked_at DATETIME,
	created_by TEXT NOT NULL DEFAULT '',` + rowColumns + syncColumns + `
);
INSERT INTO invite_keys_new (id, label, key, role_id, valid_until, max_uses, uses, revoked_at, created_by,
	created_at, updated_at, deleted_at, version)
SELECT id, label, key, role_id, valid_until, max_uses, uses, revoked_at, created_by,
	created_at, updated_at, deleted_at, version FROM invite_keys;
DROP TABLE invite_keys;
ALTER TABLE invite_keys_new RENAME TO invite_keys;
CREATE UNIQUE INDEX invite_keys_key ON invite_keys(key) WHERE key <> '';
` + pendingIndex("invite_keys") + `
CREATE TABLE sync_inbox (
	entity TEXT NOT NULL,
	id TEXT NOT NULL,
	version INTEGER NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0,
	data TEXT NOT NULL DEFAULT '',
	conflict INTEGER NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (entity, id)
) WITHOUT ROWID;
`
