package data

import (
	"encoding/json"

	"gorm.io/gorm"

	"onboard/internal/syncapi"
)

// The payloads of pushes in flight. A push whose answer is lost is sent again
// under the same mutation ID, and the server answers a conflict when that ID
// comes with other data than it applied. So a row changed after the lost push is
// first sent again exactly as it was sent (its payload is kept here from MarkSent
// until the answer is recorded), and its current version follows as a new
// mutation.

// sentMigration is migration 10: the sync_sent table.
const sentMigration = `
CREATE TABLE sync_sent (
	entity TEXT NOT NULL,
	id TEXT NOT NULL,
	version INTEGER NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0,
	data TEXT,
	PRIMARY KEY (entity, id)
) WITHOUT ROWID;
`

// keepSent stores the payloads of rows about to be pushed, replacing what an
// earlier push of the same row left.
func keepSent(db *gorm.DB, e syncapi.Entity, rows []PendingRow) error {
	list := make([][]any, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		if r.Entity != e {
			continue
		}
		var payload any
		if !r.Deleted {
			payload = string(r.Data)
		}
		list = append(list, []any{r.ID, r.Version, r.Deleted, payload})
	}
	if len(list) == 0 {
		return nil
	}
	return wrap(db.Exec(`INSERT INTO sync_sent (entity, id, version, deleted, data)
		SELECT ?, value->>0, value->>1, value->>2, value->>3 FROM json_each(?) WHERE true
		ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version,
			deleted = excluded.deleted, data = excluded.data
		WHERE excluded.version >= sync_sent.version`, string(e), mustJSON(list)).Error,
		"keep the payloads of a push")
}

// forgetSent drops the kept payloads of rows whose push was answered.
func forgetSent(db *gorm.DB, e syncapi.Entity, ids []string) error {
	b, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	return wrap(db.Exec(`DELETE FROM sync_sent WHERE entity = ? AND id IN (SELECT value FROM json_each(?))`,
		string(e), string(b)).Error, "forget the payloads of a push")
}

// resendAsSent replaces each row that changed after a push whose answer is missing
// by the payload that push carried, so the mutation ID comes with its own data.
// Such a row is marked Resent; its current version is pushed after the answer.
// A row without a kept payload (sent by an older Onboard, or before a restore)
// is left as it is.
func resendAsSent(db *gorm.DB, e syncapi.Entity, rows []PendingRow) error {
	var ids []string
	for i := range rows {
		if r := &rows[i]; r.SentVersion > r.PushedVersion && r.Version > r.SentVersion {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var kept []struct {
		ID      string
		Version int64
		Deleted bool
		Data    *string
	}
	err := db.Raw(`SELECT id, version, deleted, data FROM sync_sent WHERE entity = ? AND id IN ?`, string(e), ids).
		Scan(&kept).Error
	if err != nil {
		return wrap(err, "read the payloads of a push")
	}
	byID := make(map[string]int, len(rows))
	for i := range rows {
		byID[rows[i].ID] = i
	}
	for _, k := range kept {
		r := &rows[byID[k.ID]]
		if k.Version != r.SentVersion {
			continue
		}
		r.Version, r.Deleted, r.Data, r.Resent = k.Version, k.Deleted, nil, true
		if k.Data != nil {
			r.Data = json.RawMessage(*k.Data)
		}
	}
	return nil
}
