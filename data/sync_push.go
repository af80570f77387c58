package data

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"onboard/internal/keys"
	"onboard/internal/syncapi"
)

// The push half of sync: the rows the server has not confirmed, and its answers.

// pendingTail selects pending rows that were not refused in their current version,
// after an ID, in ID order. "version > pushed_version" is the condition of the
// tables' partial pending indexes.
const pendingTail = ` WHERE version > pushed_version AND version > refused_version AND id > ? ORDER BY id LIMIT ?`

// PendingRows returns up to limit rows of entity e with changes the server has not
// confirmed, in ID order after afterID, leaving out rows the server refused in
// their current version.
func (s *Store) PendingRows(ctx context.Context, e syncapi.Entity, afterID string, limit int) ([]PendingRow, error) {
	t, err := tableOf(e)
	if err != nil {
		return nil, err
	}
	db, err := s.manyRows(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.read(db, pendingTail, afterID, limit)
	if err != nil {
		return nil, wrap(err, "read pending "+t.table)
	}
	return rows, resendAsSent(db, e, rows)
}

// pendingRow builds the PendingRow of a local row with its payload.
func pendingRow(e syncapi.Entity, r *Row, v SyncVersions, payload any) (PendingRow, error) {
	p := PendingRow{Entity: e, ID: r.ID, Version: r.Version, SyncVersions: v, Deleted: r.DeletedAt.Valid}
	if !p.Deleted {
		b, err := json.Marshal(payload)
		if err != nil {
			return p, fmt.Errorf("encode %s %s: %w", e, r.ID, err)
		}
		p.Data = b
	}
	return p, nil
}

// links reads a link table: owner ID → linked IDs, sorted.
func links(db *gorm.DB, table, ownerCol, idCol string, owners []string) (map[string][]string, error) {
	out := make(map[string][]string, len(owners))
	if len(owners) == 0 {
		return out, nil
	}
	var pairs []struct{ Owner, ID string }
	err := db.Raw("SELECT "+ownerCol+" AS owner, "+idCol+" AS id FROM "+table+" WHERE "+ownerCol+" IN ? ORDER BY "+idCol, owners).
		Scan(&pairs).Error
	for _, p := range pairs {
		out[p.Owner] = append(out[p.Owner], p.ID)
	}
	return out, err
}

// orEmpty makes a nil list an empty one, which JSON writes as [].
func orEmpty(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

func readUsers(db *gorm.DB, tail string, args ...any) ([]PendingRow, error) {
	var rows []struct {
		User
		SyncVersions
	}
	if err := db.Raw("SELECT * FROM users"+tail, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	units, err := links(db, "user_units", "user_id", "unit_id", ids)
	if err != nil {
		return nil, err
	}
	groups, err := links(db, "user_groups", "user_id", "group_id", ids)
	if err != nil {
		return nil, err
	}
	out := make([]PendingRow, len(rows))
	for i := range rows {
		u := &rows[i].User
		out[i], err = pendingRow(syncapi.EntityUser, &u.Row, rows[i].SyncVersions, &syncapi.User{
			FirstName: u.FirstName, LastName: u.LastName, NamesLocked: u.NamesLocked, Email: u.Email,
			Username: u.Username, Mobile: u.Mobile, ExternalID: u.ExternalID, RoleID: u.RoleID,
			ExtraPermissions: u.ExtraPermissionNames(),
			UnitIDs:          orEmpty(units[u.ID]), GroupIDs: groups[u.ID], InvitationText: u.InvitationText,
			Notes: u.Notes, Phase: string(u.Phase), KeyExpiresAt: u.KeyExpiresAt, InvitedAt: u.InvitedAt,
			ActivatedAt: u.ActivatedAt, DeactivatedAt: u.DeactivatedAt, InviteKeyID: u.InviteKeyID,
			UpdatedBy: u.UpdatedBy,
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readNamed reads units or groups, which are a name each.
func readNamed(e syncapi.Entity, table string) func(db *gorm.DB, tail string, args ...any) ([]PendingRow, error) {
	return func(db *gorm.DB, tail string, args ...any) ([]PendingRow, error) {
		var rows []struct {
			Unit
			SyncVersions
		}
		if err := db.Raw("SELECT * FROM "+table+tail, args...).Scan(&rows).Error; err != nil {
			return nil, err
		}
		out := make([]PendingRow, len(rows))
		for i := range rows {
			var err error
			if out[i], err = pendingRow(e, &rows[i].Row, rows[i].SyncVersions, &syncapi.Unit{Name: rows[i].Name}); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

func readRoles(db *gorm.DB, tail string, args ...any) ([]PendingRow, error) {
	var rows []struct {
		Role
		SyncVersions
	}
	if err := db.Raw("SELECT * FROM roles"+tail, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]PendingRow, len(rows))
	for i := range rows {
		r := &rows[i].Role
		var err error
		role := &syncapi.Role{Name: r.Name, Permissions: permissionStrings(r.PermissionList())}
		if out[i], err = pendingRow(syncapi.EntityRole, &r.Row, rows[i].SyncVersions, role); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// keyHash is what the server knows of a personal key: the hash of its canonical
// text, or the hash the server sent for a key whose text this computer never had.
func keyHash(text, stored string) string {
	if text == "" {
		return stored
	}
	if canon, err := keys.Parse(keys.Personal, text); err == nil {
		text = canon
	}
	return syncapi.HashKey(text)
}

func readPersonalKeys(db *gorm.DB, tail string, args ...any) ([]PendingRow, error) {
	var rows []struct {
		PersonalKey
		KeyHash string
		SyncVersions
	}
	if err := db.Raw("SELECT * FROM personal_keys"+tail, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]PendingRow, len(rows))
	for i := range rows {
		k := &rows[i].PersonalKey
		var err error
		out[i], err = pendingRow(syncapi.EntityPersonalKey, &k.Row, rows[i].SyncVersions, &syncapi.PersonalKey{
			UserID: k.UserID, KeyHash: keyHash(k.Key, rows[i].KeyHash), IssuedAt: k.IssuedAt.UTC(),
			ExpiresAt: k.ExpiresAt.UTC(), RevokedAt: k.RevokedAt, RedeemedAt: k.RedeemedAt,
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func readInviteKeys(db *gorm.DB, tail string, args ...any) ([]PendingRow, error) {
	var rows []struct {
		InviteKey
		SyncVersions
	}
	if err := db.Raw("SELECT * FROM invite_keys"+tail, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	units, err := links(db, "invite_key_units", "invite_key_id", "unit_id", ids)
	if err != nil {
		return nil, err
	}
	groups, err := links(db, "invite_key_groups", "invite_key_id", "group_id", ids)
	if err != nil {
		return nil, err
	}
	out := make([]PendingRow, len(rows))
	for i := range rows {
		k := &rows[i].InviteKey
		out[i], err = pendingRow(syncapi.EntityInviteKey, &k.Row, rows[i].SyncVersions, &syncapi.InviteKey{
			Label: k.Label, Key: k.Key, RoleID: k.RoleID, UnitIDs: orEmpty(units[k.ID]), GroupIDs: groups[k.ID],
			ValidUntil: k.ValidUntil.UTC(), MaxUses: k.MaxUses, Uses: k.Uses, RevokedAt: k.RevokedAt,
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MarkSent records, before they are pushed, the version each row goes out under
// (see PendingRow.MutationVersion), so that after a lost answer the next push
// carries the same mutation ID even if the row changed meanwhile.
func (s *Store) MarkSent(ctx context.Context, rows []PendingRow) error {
	sent := map[syncapi.Entity][][]any{}
	for i := range rows {
		sent[rows[i].Entity] = append(sent[rows[i].Entity], []any{rows[i].ID, rows[i].MutationVersion()})
	}
	return s.Write(ctx, func(tx *Store) error {
		for e, list := range sent {
			t, err := tableOf(e)
			if err != nil {
				return err
			}
			err = tx.db.Exec("UPDATE "+t.table+` SET sent_version = j.v
				FROM (SELECT value->>0 AS id, value->>1 AS v FROM json_each(?)) AS j
				WHERE `+t.table+`.id = j.id AND sent_version < j.v`, mustJSON(list)).Error
			if err != nil {
				return wrap(err, "record the push of "+t.table)
			}
			if err := keepSent(tx.db, e, rows); err != nil {
				return err
			}
		}
		return nil
	})
}

// PushOutcome is the server's answer to the push of one row.
type PushOutcome struct {
	Row    *PendingRow
	Result syncapi.Result
}

// RecordPush stores the server's answers to one push, in one transaction:
//
//   - applied: the pushed version is confirmed (a change made while the push was
//     under way stays pending, as version is then above it), and the row's server
//     version is recorded as the base of the next change;
//   - duplicate: the server had applied this mutation ID before, that is the
//     version it was first sent under (MutationVersion), which is confirmed;
//   - refused: the row keeps its change and the reason, and its current version is
//     not pushed again (a later change is);
//   - conflict: the server's current row goes to the inbox, to be applied over the
//     local one (ApplyInbox records the local version in the history).
func (s *Store) RecordPush(ctx context.Context, outcomes []PushOutcome) error {
	return s.Write(ctx, func(tx *Store) error {
		// Confirmations, nearly all of the answers, go as one statement per entity.
		confirmed := map[syncapi.Entity][][]any{}
		answered := map[syncapi.Entity][]string{}
		for _, o := range outcomes {
			answered[o.Row.Entity] = append(answered[o.Row.Entity], o.Row.ID)
			switch o.Result.Status {
			case syncapi.StatusApplied:
				confirmed[o.Row.Entity] = append(confirmed[o.Row.Entity], []any{o.Row.ID, o.Row.Version, o.Result.Version})
			case syncapi.StatusDuplicate:
				confirmed[o.Row.Entity] = append(confirmed[o.Row.Entity], []any{o.Row.ID, o.Row.MutationVersion(), o.Result.Version})
			default:
				if err := tx.recordRejection(o.Row, o.Result); err != nil {
					return err
				}
			}
		}
		for e, list := range confirmed {
			t, err := tableOf(e)
			if err != nil {
				return err
			}
			err = tx.db.Exec("UPDATE "+t.table+` SET pushed_version = max(pushed_version, j.v),
					server_version = max(server_version, j.sv), sync_error = ''
				FROM (SELECT value->>0 AS id, value->>1 AS v, value->>2 AS sv FROM json_each(?)) AS j
				WHERE `+t.table+`.id = j.id`, mustJSON(list)).Error
			if err != nil {
				return wrap(err, "record the push of "+t.table)
			}
		}
		for e, ids := range answered {
			if err := forgetSent(tx.db, e, ids); err != nil {
				return err
			}
		}
		return nil
	})
}

// recordRejection stores an answer other than applied or duplicate.
func (s *Store) recordRejection(row *PendingRow, res syncapi.Result) error {
	t, err := tableOf(row.Entity)
	if err != nil {
		return err
	}
	switch res.Status {
	case syncapi.StatusConflict:
		if res.Current != nil && res.Current.Entity == row.Entity && res.Current.ID == row.ID {
			return s.queue([]syncapi.Record{*res.Current}, true)
		}
		res.Reason = "the server answered a conflict without its version of the row"
	case syncapi.StatusRefused:
	default:
		res.Reason = fmt.Sprintf("the server answered %q: %s", res.Status, res.Reason)
	}
	reason := strings.TrimSpace(res.Reason)
	if reason == "" {
		reason = "refused by the server"
	}
	return wrap(s.db.Exec("UPDATE "+t.table+" SET refused_version = max(refused_version, ?), sync_error = ? WHERE id = ?",
		row.Version, reason, row.ID).Error, "record the refusal of "+t.table)
}
