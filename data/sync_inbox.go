package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"onboard/internal/syncapi"
)

// The pull half of sync: pulled pages wait in the inbox and are applied in order.

// syncCursorKey is the setting holding the pull cursor and the server it belongs to.
const syncCursorKey = "sync.cursor"

type syncCursor struct {
	Server string `json:"server"`
	Cursor int64  `json:"cursor"`
}

// SyncCursor returns where the next pull from server starts: 0 before the first
// pull, and also when the stored cursor belongs to another server address (pulling
// everything again is safe: rows already known are skipped).
func (s *Store) SyncCursor(ctx context.Context, server string) (int64, error) {
	raw, err := s.Setting(ctx, syncCursorKey, "")
	if err != nil || raw == "" {
		return 0, err
	}
	var c syncCursor
	if json.Unmarshal([]byte(raw), &c) != nil || c.Server != server {
		return 0, nil
	}
	return c.Cursor, nil
}

// SavePulled stores one pulled page in the inbox and the cursor after it, in one
// transaction: a page is either kept with its cursor or pulled again. Records this
// computer has already (its own pushes, pulled back) and records of entities this
// build does not know are left out.
func (s *Store) SavePulled(ctx context.Context, server string, records []syncapi.Record, cursor int64) error {
	return s.Write(ctx, func(tx *Store) error {
		fresh, err := tx.unknownRecords(records)
		if err != nil {
			return err
		}
		if err := tx.queue(fresh, false); err != nil {
			return err
		}
		b, _ := json.Marshal(syncCursor{Server: server, Cursor: cursor}) // a string and a number
		return tx.SetSetting(ctx, syncCursorKey, string(b))
	})
}

// unknownRecords returns the records of known entities that are newer than the
// server version of their local row, or have none.
func (s *Store) unknownRecords(records []syncapi.Record) ([]syncapi.Record, error) {
	ids := map[syncapi.Entity][]string{}
	for _, r := range records {
		ids[r.Entity] = append(ids[r.Entity], r.ID)
	}
	known := map[string]int64{}
	for e, list := range ids {
		t := syncTables[e]
		if t == nil {
			continue
		}
		var rows []struct {
			ID            string
			ServerVersion int64
		}
		if err := s.db.Raw("SELECT id, server_version FROM "+t.table+" WHERE id IN ?", list).Scan(&rows).Error; err != nil {
			return nil, wrap(err, "read "+t.table)
		}
		for _, r := range rows {
			known[string(e)+"/"+r.ID] = r.ServerVersion
		}
	}
	var out []syncapi.Record
	for _, r := range records {
		if v, ok := known[string(r.Entity)+"/"+r.ID]; syncTables[r.Entity] != nil && (!ok || r.Version > v) {
			out = append(out, r)
		}
	}
	return out, nil
}

// queue puts server records in the inbox, each unless the inbox holds a newer
// version of its row. conflict marks the answer to a conflicting push: it is
// applied even when it is not newer than the row's server version.
func (s *Store) queue(records []syncapi.Record, conflict bool) error {
	if len(records) == 0 {
		return nil
	}
	rows := make([][]any, len(records))
	for i, r := range records {
		data := ""
		if !r.Deleted {
			data = string(r.Data)
		}
		rows[i] = []any{string(r.Entity), r.ID, r.Version, r.Deleted, data}
	}
	err := s.db.Exec(`INSERT INTO sync_inbox (entity, id, version, deleted, data, conflict)
		SELECT value->>0, value->>1, value->>2, value->>3, value->>4, ? FROM json_each(?) WHERE true
		ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted, data = excluded.data,
			conflict = excluded.conflict OR (sync_inbox.conflict AND sync_inbox.version = excluded.version), error = ''
		WHERE excluded.version >= sync_inbox.version`, conflict, mustJSON(rows)).Error
	return wrap(err, "store pulled rows")
}

// inboxRecord is a row of sync_inbox.
type inboxRecord struct {
	Entity   syncapi.Entity
	ID       string
	Version  int64
	Deleted  bool
	Data     string
	Conflict bool
	Error    string
}

// inboxSteps is the order the inbox is applied in: rows before the rows that refer
// to them (a pull's order does not ensure it: a row changed again moves to the end
// of the server's log), and personal keys that are no longer live before live
// ones, so that a user's new key arrives after the old one ended.
var inboxSteps = []struct {
	entity syncapi.Entity
	cond   string
}{
	{syncapi.EntityRole, ""},
	{syncapi.EntityUnit, ""},
	{syncapi.EntityGroup, ""},
	{syncapi.EntityInviteKey, ""},
	{syncapi.EntityUser, ""},
	{syncapi.EntityPersonalKey, " AND NOT " + liveKeyData},
	{syncapi.EntityPersonalKey, " AND " + liveKeyData},
}

// liveKeyData is true for an inbox personal key that is live.
const liveKeyData = `(deleted = 0 AND json_extract(data, '$.revoked_at') IS NULL AND json_extract(data, '$.redeemed_at') IS NULL)`

// inboxChunk is how many inbox rows one transaction applies.
const inboxChunk = 500

// InboxReport says what ApplyInbox did.
type InboxReport struct {
	Applied   int           // rows changed locally
	Conflicts int           // local changes the server's version won over (each in the history)
	Failed    []SyncProblem // rows that could not be applied; they stay in the inbox
}

// SyncProblem is a row sync could not bring across, with the reason.
type SyncProblem struct {
	Entity syncapi.Entity
	ID     string
	Name   string // of the user, unit, group or role, or the invite key's label
	Reason string
}

// ApplyInbox applies the rows waiting in the inbox (see inboxSteps for the order),
// a chunk per transaction, each row removed from the inbox in the transaction that
// applies it. A row the server sent counts as pushed once applied. Where the local
// row has a change the server has not confirmed, the server's version wins and the
// local one is recorded in the history (a conflict). A row that cannot be applied
// (it refers to a row this computer does not have, say) stays in the inbox with the
// reason and is tried again by the next call; it does not stop the others. now
// dates the audit events.
func (s *Store) ApplyInbox(ctx context.Context, now time.Time) (InboxReport, error) {
	var rep InboxReport
	base, err := s.versionBase(ctx)
	if err != nil {
		return rep, err
	}
	for _, step := range inboxSteps {
		after := ""
		for {
			var recs []inboxRecord
			err := s.rdb.WithContext(ctx).Raw(`SELECT entity, id, version, deleted, data, conflict, error FROM sync_inbox
				WHERE entity = ? AND id > ?`+step.cond+` ORDER BY id LIMIT ?`, string(step.entity), after, inboxChunk).
				Scan(&recs).Error
			if err != nil {
				return rep, wrap(err, "read the sync inbox")
			}
			if len(recs) == 0 {
				break
			}
			after = recs[len(recs)-1].ID
			if err := s.applyChunk(ctx, now, base, recs, &rep); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

// versionBaseKey is the setting holding this database's version base.
const versionBaseKey = "sync.version_base"

// versionBase returns the version a row starts with when a pull creates it here:
// a random number from 2^40 to 2^50, drawn once per database. The server tells
// apart pushes by their mutation IDs, which are made from the row's local version
// (syncapi.MutationID) and remembered per operator; two computers syncing as the
// same operator would otherwise count a row pulled onto both from the same
// version, and the second to push an edit would be answered "duplicate" and lose
// it.
func (s *Store) versionBase(ctx context.Context) (int64, error) {
	v, err := s.Setting(ctx, versionBaseKey, "")
	if err != nil {
		return 0, err
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		return n, nil
	}
	n := 1<<40 + rand.Int64N(1<<50-1<<40)
	return n, s.SetSetting(ctx, versionBaseKey, strconv.FormatInt(n, 10))
}

// applyChunk applies inbox rows in one transaction; when one fails, it applies them
// one by one so that only the failing ones stay behind.
func (s *Store) applyChunk(ctx context.Context, now time.Time, base int64, recs []inboxRecord, rep *InboxReport) error {
	run := func(part []inboxRecord) (*applier, error) {
		a := &applier{ctx: ctx, now: now, base: base, stmts: map[string]*sql.Stmt{}}
		err := s.Write(ctx, func(tx *Store) error {
			a.st = tx
			defer a.close()
			for i := range part {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := a.apply(&part[i]); err != nil {
					return err
				}
			}
			return nil
		})
		return a, err
	}
	a, err := run(recs)
	if err == nil {
		rep.add(a)
		return nil
	}
	if len(recs) == 1 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r := &recs[0]
		reason := err.Error()
		if se, ok := errors.AsType[sqlite3.Error](err); ok && se.ExtendedCode == sqlite3.ErrConstraintForeignKey {
			reason = "it refers to a role, unit, group, user or invite key this computer does not have (yet)"
		}
		if e := s.db.WithContext(ctx).Exec(`UPDATE sync_inbox SET error = ? WHERE entity = ? AND id = ?`,
			reason, string(r.Entity), r.ID).Error; e != nil {
			return wrap(e, "record a sync inbox error")
		}
		rep.Failed = append(rep.Failed, SyncProblem{Entity: r.Entity, ID: r.ID, Name: inboxName(r.Data), Reason: reason})
		return nil
	}
	for i := range recs {
		if err := s.applyChunk(ctx, now, base, recs[i:i+1], rep); err != nil {
			return err
		}
	}
	return nil
}

func (r *InboxReport) add(a *applier) {
	r.Applied += a.applied
	r.Conflicts += a.conflicts
}

// inboxName is the name of an inbox row for messages.
func inboxName(data string) string {
	var d struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Username  string `json:"username"`
		Name      string `json:"name"`
		Label     string `json:"label"`
	}
	_ = json.Unmarshal([]byte(data), &d) // a name is a nicety; without one the ID says it
	if n := strings.TrimSpace(d.FirstName + " " + d.LastName); n != "" {
		return n
	}
	for _, n := range []string{d.Username, d.Name, d.Label} {
		if n != "" {
			return n
		}
	}
	return ""
}

// applier applies inbox rows inside one transaction.
type applier struct {
	ctx                context.Context
	st                 *Store // bound to the transaction
	now                time.Time
	base               int64 // the first version of a row a pull creates (see versionBase)
	applied, conflicts int
	stmts              map[string]*sql.Stmt // prepared in the transaction, by query
}

// stmt returns query prepared in the transaction. Applying a page of rows runs
// the same few statements over and over; preparing each once saves most of the
// time. Statements run without ctx's cancellation (see manyRows); apply checks ctx
// between rows.
func (a *applier) stmt(query string) (*sql.Stmt, error) {
	if st := a.stmts[query]; st != nil {
		return st, nil
	}
	st, err := a.st.db.Statement.ConnPool.PrepareContext(context.WithoutCancel(a.ctx), query)
	if err != nil {
		return nil, err
	}
	a.stmts[query] = st
	return st, nil
}

// exec runs a statement in the transaction.
func (a *applier) exec(query string, args ...any) error {
	st, err := a.stmt(query)
	if err == nil {
		_, err = st.ExecContext(context.WithoutCancel(a.ctx), args...)
	}
	return err
}

// queryRow runs a query of one row in the transaction and scans it; it reports
// false when there is no row.
func (a *applier) queryRow(query string, args []any, dest ...any) (bool, error) {
	st, err := a.stmt(query)
	if err != nil {
		return false, err
	}
	err = st.QueryRowContext(context.WithoutCancel(a.ctx), args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// close closes the prepared statements.
func (a *applier) close() {
	for _, st := range a.stmts {
		st.Close()
	}
}

// apply applies one inbox row and removes it from the inbox.
func (a *applier) apply(rec *inboxRecord) error {
	t, err := tableOf(rec.Entity)
	if err != nil {
		return err
	}
	var version, pushed, server int64
	found, err := a.queryRow("SELECT version, pushed_version, server_version FROM "+t.table+" WHERE id = ?",
		[]any{rec.ID}, &version, &pushed, &server)
	if err != nil {
		return err
	}
	switch {
	case found && !rec.Conflict && rec.Version <= server:
		// Known already: this computer's own push, pulled back.
	case !found && rec.Deleted:
		// Deleted before this computer ever had it.
	default:
		if err := a.note(t, rec, found && version > pushed, found); err != nil {
			return err
		}
		if rec.Deleted {
			err = a.exec("UPDATE "+t.table+` SET deleted_at = coalesce(deleted_at, ?), updated_at = ?,
				version = version + 1, pushed_version = version + 1, server_version = ?, refused_version = 0, sync_error = ''
				WHERE id = ?`, a.now.UTC(), a.now.UTC(), rec.Version, rec.ID)
		} else {
			err = t.write(a, rec)
		}
		if err != nil {
			return err
		}
		a.applied++
	}
	return a.exec(`DELETE FROM sync_inbox WHERE entity = ? AND id = ? AND version = ?`,
		string(rec.Entity), rec.ID, rec.Version)
}

// note records in the history what a record changes before it is applied: for a
// row with a local change the server has not confirmed, the local version that
// loses (a conflict); for a user changed elsewhere, the change.
func (a *applier) note(t *syncTable, rec *inboxRecord, pending, found bool) error {
	if !found || (!pending && rec.Entity != syncapi.EntityUser) {
		return nil
	}
	local, err := t.read(a.st.db, " WHERE id = ?", rec.ID)
	if err != nil || len(local) == 0 {
		return err
	}
	changes := diffPayloads(&local[0], rec)
	owner := rec.ID
	if rec.Entity == syncapi.EntityPersonalKey {
		var k syncapi.PersonalKey
		_ = json.Unmarshal(local[0].Data, &k) // a deleted key has no data; its own ID then
		if k.UserID != "" {
			owner = k.UserID
		}
	}
	ev := &AuditEvent{At: a.now, Actor: SyncActor, EntityType: string(rec.Entity), EntityID: owner}
	switch {
	case pending:
		a.conflicts++
		ev.Action = ActionSyncConflict
		ev.Summary = fmt.Sprintf("Changed on the server meanwhile: the server's version was kept; "+
			"this computer's change (local version %d) is recorded here", local[0].Version)
	case len(changes) == 0:
		return nil
	default:
		ev.Action = ActionSyncPull
		var u syncapi.User
		_ = json.Unmarshal([]byte(rec.Data), &u) // the data was valid enough to diff
		if u.UpdatedBy != "" {
			ev.Actor = u.UpdatedBy
		}
		ev.Summary = "Changed on the server"
		if ch, ok := changes["phase"]; ok && ch.New == string(PhaseActive) {
			ev.Summary = "Registered on the server"
		}
	}
	return a.st.AddAudit(a.ctx, ev, changes)
}

// diffPayloads returns the fields in which a local row and a server record differ,
// old the local value and new the server's. Who changed a row last and key
// material are left out.
func diffPayloads(local *PendingRow, rec *inboxRecord) map[string]Change {
	fields := func(deleted bool, data []byte) map[string]any {
		m := map[string]any{}
		if deleted {
			return map[string]any{"deleted": true}
		}
		_ = json.Unmarshal(data, &m) // both sides are payloads this package or the server wrote
		return m
	}
	old, next := fields(local.Deleted, local.Data), fields(rec.Deleted, []byte(rec.Data))
	changes := map[string]Change{}
	for _, m := range []map[string]any{old, next} {
		for k := range m {
			switch k {
			case "updated_by", "key", "key_hash":
				continue
			}
			if !reflect.DeepEqual(old[k], next[k]) && !(empty(old[k]) && empty(next[k])) {
				changes[k] = Change{Old: old[k], New: next[k]}
			}
		}
	}
	return changes
}

// empty reports whether a JSON value is absent, null, "" or [].
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	}
	return false
}

// makeRoom keeps a unique value free for a pulled row: another row of table that
// holds value in the folded column gets a placeholder there ('#' and its ID), which
// matches nothing. Such a row is either out of date (its own newer version is
// further on in the pull) or has a local change the server refuses for the same
// reason; saving it again puts its real value back, or fails as taken.
func (a *applier) makeRoom(table, column, value, id string) error {
	if value == "" {
		return nil
	}
	return a.exec("UPDATE "+table+" SET "+column+" = '#' || id WHERE "+column+" = ? AND "+column+
		" <> '' AND deleted_at IS NULL AND id <> ?", value, id)
}

// upsert writes a pulled row: a new row in version a.base, an existing one with
// its version counted; either way it records the server's version and counts as
// pushed. cols are written always, insertOnly for a new row only.
func (a *applier) upsert(table string, rec *inboxRecord, cols []string, vals []any, insertOnly []string, insertVals []any) error {
	names := append(append(append([]string{"id"}, cols...), insertOnly...),
		"created_at", "updated_at", "version", "pushed_version", "server_version")
	now := a.now.UTC()
	args := append(append(append([]any{rec.ID}, vals...), insertVals...), now, now, a.base, a.base, rec.Version)
	set := make([]string, 0, len(cols)+7)
	for _, c := range cols {
		set = append(set, c+" = excluded."+c)
	}
	set = append(set, "updated_at = excluded.updated_at", "deleted_at = NULL",
		"version = "+table+".version + 1", "pushed_version = "+table+".version + 1",
		"server_version = excluded.server_version", "refused_version = 0", "sync_error = ''")
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")
	return a.exec("INSERT INTO "+table+" ("+strings.Join(names, ", ")+") VALUES ("+marks+
		") ON CONFLICT (id) DO UPDATE SET "+strings.Join(set, ", "), args...)
}

// replaceLinks sets the rows of a link table of one owner, without counting a
// change: the links came with the owner's row.
func (a *applier) replaceLinks(table, ownerCol, idCol, owner string, ids []string) error {
	if err := a.exec("DELETE FROM "+table+" WHERE "+ownerCol+" = ?", owner); err != nil {
		return err
	}
	for _, id := range ids {
		err := a.exec("INSERT OR IGNORE INTO "+table+" ("+ownerCol+", "+idCol+") VALUES (?, ?)", owner, id)
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeRecord reads a record's data.
func decodeRecord(rec *inboxRecord, v any) error {
	if err := json.Unmarshal([]byte(rec.Data), v); err != nil {
		return fmt.Errorf("the server's data is not valid: %w", err)
	}
	return nil
}

// utcPtr is an optional time in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func writeUser(a *applier, rec *inboxRecord) error {
	var w syncapi.User
	if err := decodeRecord(rec, &w); err != nil {
		return err
	}
	u := User{FirstName: w.FirstName, LastName: w.LastName, Email: w.Email, Username: w.Username, ExternalID: w.ExternalID}
	u.ID = rec.ID
	u.BeforeSave(nil) // the folded columns, sort key and search text
	for col, v := range map[string]string{"username_fold": u.UsernameFold, "email_fold": u.EmailFold, "external_id_fold": u.ExternalIDFold} {
		if err := a.makeRoom("users", col, v, rec.ID); err != nil {
			return err
		}
	}
	err := a.upsert("users", rec,
		[]string{
			"first_name", "last_name", "names_locked", "email", "email_fold", "username", "username_fold",
			"mobile", "external_id", "external_id_fold", "role_id", "extra_permissions", "invitation_text", "notes", "phase",
			"key_expires_at", "invited_at", "activated_at", "deactivated_at", "invite_key_id", "sort_key",
			"search_text", "updated_by",
		},
		[]any{
			w.FirstName, w.LastName, w.NamesLocked, w.Email, u.EmailFold, w.Username, u.UsernameFold,
			w.Mobile, w.ExternalID, u.ExternalIDFold, w.RoleID, strings.Join(w.ExtraPermissions, ","), w.InvitationText, w.Notes, w.Phase,
			utcPtr(w.KeyExpiresAt), utcPtr(w.InvitedAt), utcPtr(w.ActivatedAt), utcPtr(w.DeactivatedAt), w.InviteKeyID,
			u.SortKey, u.SearchText, w.UpdatedBy,
		},
		[]string{"created_by"}, []any{w.UpdatedBy})
	if err != nil {
		return err
	}
	if err := a.replaceLinks("user_units", "user_id", "unit_id", rec.ID, w.UnitIDs); err != nil {
		return err
	}
	return a.replaceLinks("user_groups", "user_id", "group_id", rec.ID, w.GroupIDs)
}

// writeNamed writes a unit or a group.
func writeNamed(table string) func(a *applier, rec *inboxRecord) error {
	return func(a *applier, rec *inboxRecord) error {
		var w syncapi.Unit
		if err := decodeRecord(rec, &w); err != nil {
			return err
		}
		if err := a.makeRoom(table, "name_fold", Fold(w.Name), rec.ID); err != nil {
			return err
		}
		return a.upsert(table, rec, []string{"name", "name_fold"}, []any{w.Name, Fold(w.Name)}, nil, nil)
	}
}

func writeRole(a *applier, rec *inboxRecord) error {
	var w syncapi.Role
	if err := decodeRecord(rec, &w); err != nil {
		return err
	}
	if err := a.makeRoom("roles", "name_fold", Fold(w.Name), rec.ID); err != nil {
		return err
	}
	return a.upsert("roles", rec, []string{"name", "name_fold", "permissions"},
		[]any{w.Name, Fold(w.Name), strings.Join(w.Permissions, ",")}, nil, nil)
}

func writeInviteKey(a *applier, rec *inboxRecord) error {
	var w syncapi.InviteKey
	if err := decodeRecord(rec, &w); err != nil {
		return err
	}
	err := a.upsert("invite_keys", rec,
		[]string{"label", "role_id", "valid_until", "max_uses", "uses", "revoked_at"},
		[]any{w.Label, w.RoleID, w.ValidUntil.UTC(), w.MaxUses, w.Uses, utcPtr(w.RevokedAt)},
		[]string{"key", "created_by"}, []any{"", ""})
	if err != nil {
		return err
	}
	if err := a.replaceLinks("invite_key_units", "invite_key_id", "unit_id", rec.ID, w.UnitIDs); err != nil {
		return err
	}
	return a.replaceLinks("invite_key_groups", "invite_key_id", "group_id", rec.ID, w.GroupIDs)
}

// writePersonalKey writes a personal key. The key's text stays as this computer has
// it ("" for a key issued elsewhere). A user has at most one live key; when a
// pulled live key meets another live key of the same user (two operators issued
// one at the same time), the one issued later stays live and the other is revoked,
// on every computer alike, and the revocation is pushed.
func writePersonalKey(a *applier, rec *inboxRecord) error {
	var w syncapi.PersonalKey
	if err := decodeRecord(rec, &w); err != nil {
		return err
	}
	revoked, keepPending := utcPtr(w.RevokedAt), false
	if revoked == nil && w.RedeemedAt == nil {
		var otherID string
		var otherIssued time.Time
		found, err := a.queryRow(`SELECT id, issued_at FROM personal_keys
			WHERE user_id = ? AND revoked_at IS NULL AND redeemed_at IS NULL AND id <> ?`,
			[]any{w.UserID, rec.ID}, &otherID, &otherIssued)
		switch {
		case err != nil:
			return err
		case !found:
		case newerKey(w.IssuedAt, rec.ID, otherIssued, otherID):
			if err := a.revokeKey(w.UserID, otherID, otherIssued); err != nil {
				return err
			}
		default:
			now := a.now.UTC()
			revoked, keepPending = &now, true
			if err := a.keyAudit(w.UserID, w.IssuedAt); err != nil {
				return err
			}
		}
	}
	err := a.upsert("personal_keys", rec,
		[]string{"user_id", "key_hash", "issued_at", "expires_at", "revoked_at", "redeemed_at"},
		[]any{w.UserID, w.KeyHash, w.IssuedAt.UTC(), w.ExpiresAt.UTC(), revoked, utcPtr(w.RedeemedAt)},
		[]string{"key"}, []any{""})
	if err == nil && keepPending {
		err = a.exec("UPDATE personal_keys SET pushed_version = version - 1 WHERE id = ?", rec.ID)
	}
	return err
}

// newerKey reports whether key a was issued after key b (ties go by ID).
func newerKey(aIssued time.Time, aID string, bIssued time.Time, bID string) bool {
	if !aIssued.Equal(bIssued) {
		return aIssued.After(bIssued)
	}
	return aID > bID
}

// revokeKey revokes a local live key that a newer pulled key replaces; the
// revocation is a local change, pushed with the next sync.
func (a *applier) revokeKey(userID, keyID string, issued time.Time) error {
	err := a.exec(`UPDATE personal_keys SET revoked_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		a.now.UTC(), a.now.UTC(), keyID)
	if err != nil {
		return err
	}
	return a.keyAudit(userID, issued)
}

// keyAudit records in the user's history that the key issued at issued was revoked
// because another operator issued a newer one at the same time.
func (a *applier) keyAudit(userID string, issued time.Time) error {
	return a.st.AddAudit(a.ctx, &AuditEvent{
		At: a.now, Actor: SyncActor, Action: ActionSyncConflict,
		EntityType: string(syncapi.EntityPersonalKey), EntityID: userID,
		Summary: fmt.Sprintf("Two keys were issued at the same time; the key issued %s was revoked, the newer one stays",
			issued.UTC().Format(time.RFC3339)),
	}, nil)
}
