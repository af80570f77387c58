package data

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"onboard/internal/syncapi"
)

// The local half of sync with onboard-server (see package syncclient for the
// whole). Every synchronised row counts its local changes in version; the sync
// columns of migration 7 (see syncColumns) record what the server has confirmed.
// A row is pending while version > pushed_version; it stays pending until the
// server's answer is stored, so a sync that is killed half-way loses nothing.
// Rows pulled from the server wait in sync_inbox until they are applied.

// The audit actions of sync.
const (
	// ActionSyncConflict records a local version the server's version won over: the
	// row was changed on the server while this computer changed it too.
	ActionSyncConflict = "sync.conflict"
	// ActionSyncPull records a change of a user made elsewhere (another operator, a
	// registration) as it arrived from the server.
	ActionSyncPull = "sync.pull"
	// SyncActor is the actor of the audit events sync writes itself.
	SyncActor = "sync"
)

// How a change is counted for sync: every local change of a synchronised row raises
// its version by one. GORM's builder does it in Row.BeforeUpdate for single-row
// saves; set-based SQL goes through countChanges; a column map for GORM's Updates
// takes versionUp. (Rows pulled from the server are written by the inbox's applier,
// which also moves pushed_version: they are not local changes.)

// versionUp is the value of the version column that counts one change.
var versionUp = gorm.Expr("version + 1")

// countChanges runs UPDATE table SET set (with setArgs), counting a change of every
// row that matches where (with whereArgs); where says whether deleted rows count.
func countChanges(db *gorm.DB, table, set string, setArgs []any, where string, whereArgs ...any) error {
	if set != "" {
		set += ", "
	}
	args := append(append(slices.Clone(setArgs), time.Now().UTC()), whereArgs...)
	return db.Exec("UPDATE "+table+" SET "+set+"version = version + 1, updated_at = ? WHERE "+where, args...).Error
}

// bumpUsers counts a change of the users matching where (with args): a change of
// their links to units or groups, which sync sends as part of the user's row.
func bumpUsers(db *gorm.DB, where string, args ...any) error {
	return countChanges(db, "users", "", nil, where, args...)
}

// restoreStep is how far a restore moves every row's version: further than a row
// is ever changed between a backup and its restore.
const restoreStep = 1 << 32

// moveVersionsAfterRestore moves every synchronised row's version on by
// restoreStep after a restore. The versions of a restored backup were used again
// after the backup was taken, and changes pushed since then carried mutation IDs
// made from them; a new change under such an ID would be answered as a duplicate
// and never applied. What the rows' sync state says stays true: a confirmed row
// stays confirmed, a refused one refused, and a pending one is sent first under
// the mutation ID of its version in the backup, which the server answers as a
// duplicate if that version reached it after the backup was taken.
func moveVersionsAfterRestore(db *gorm.DB) error {
	for _, t := range syncTables {
		err := db.Exec("UPDATE "+t.table+` SET version = version + ?,
			pushed_version = CASE WHEN version > pushed_version THEN pushed_version ELSE pushed_version + ? END,
			refused_version = CASE WHEN refused_version > 0 THEN refused_version + ? ELSE 0 END,
			sent_version = CASE WHEN sent_version > pushed_version THEN sent_version
				WHEN version > pushed_version THEN version ELSE 0 END`,
			restoreStep, restoreStep, restoreStep).Error
		if err != nil {
			return wrap(err, "move the versions of "+t.table)
		}
	}
	return nil
}

// SyncVersions are the sync columns of a row (see syncColumns).
type SyncVersions struct {
	ServerVersion int64 // the server's version this computer last saw: the base of the next change
	PushedVersion int64 // the local version the server confirmed last
	// SentVersion is the local version last pushed; when it is above PushedVersion,
	// no answer to that push was stored (it was lost, or the app was killed).
	SentVersion int64
}

// PendingRow is a local row in the form a push sends it.
type PendingRow struct {
	Entity  syncapi.Entity
	ID      string
	Version int64 // the local version Data is
	SyncVersions
	Deleted bool
	Data    json.RawMessage // a syncapi payload; nil when Deleted
	// Resent is set when Version and Data are those of an earlier push whose
	// answer is missing, sent again as they were; the row has changed since.
	Resent bool
}

// MutationVersion is the version whose mutation ID a push of the row carries: the
// version of an earlier push whose answer is missing, so that the server answers
// "duplicate" if it applied that push, else the row's version.
func (r *PendingRow) MutationVersion() int64 {
	if r.SentVersion > r.PushedVersion {
		return r.SentVersion
	}
	return r.Version
}

// syncTable describes how one entity's rows are read for a push and written from
// the server's records.
type syncTable struct {
	table string
	// read returns the rows selected by tail (the rest of the query after FROM table).
	read func(db *gorm.DB, tail string, args ...any) ([]PendingRow, error)
	// write stores a record's data in its row, inserted or updated.
	write func(a *applier, rec *inboxRecord) error
}

// syncTables are the synchronised entities.
var syncTables = map[syncapi.Entity]*syncTable{
	syncapi.EntityUser:        {table: "users", read: readUsers, write: writeUser},
	syncapi.EntityUnit:        {table: "units", read: readNamed(syncapi.EntityUnit, "units"), write: writeNamed("units")},
	syncapi.EntityGroup:       {table: "groups", read: readNamed(syncapi.EntityGroup, "groups"), write: writeNamed("groups")},
	syncapi.EntityRole:        {table: "roles", read: readRoles, write: writeRole},
	syncapi.EntityPersonalKey: {table: "personal_keys", read: readPersonalKeys, write: writePersonalKey},
	syncapi.EntityInviteKey:   {table: "invite_keys", read: readInviteKeys, write: writeInviteKey},
}

func tableOf(e syncapi.Entity) (*syncTable, error) {
	t := syncTables[e]
	if t == nil {
		return nil, fmt.Errorf("unknown sync entity %q", e)
	}
	return t, nil
}
