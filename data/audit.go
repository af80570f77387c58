package data

import (
	"context"
	"encoding/json"
)

// Change is the old and new value of one field, as an audit event records it.
type Change struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// AddAudit records an event. changes may be nil.
func (s *Store) AddAudit(ctx context.Context, ev *AuditEvent, changes map[string]Change) error {
	if len(changes) > 0 {
		b, err := json.Marshal(changes)
		if err != nil {
			return wrap(err, "encode audit changes")
		}
		ev.Changes = string(b)
	}
	ev.At = ev.At.UTC()
	return wrap(s.db.WithContext(ctx).Create(ev).Error, "write audit event")
}

// History returns the audit events of one row, oldest first: its own, and for a
// user created in bulk (demo data, an import) the event of that batch.
func (s *Store) History(ctx context.Context, entityID string) ([]AuditEvent, error) {
	var out []AuditEvent
	err := s.rdb.WithContext(ctx).
		Where("entity_id = ? OR id = (SELECT created_event_id FROM users WHERE id = ?)", entityID, entityID).
		Order("at, id").Find(&out).Error
	return out, wrap(err, "read history")
}
