package data

import (
	"context"
	"strings"

	"onboard/internal/syncapi"
)

// How far the local data is from the server's, and what sync could not bring across.

// SyncCounts says how far the local data is from the server's.
type SyncCounts struct {
	Pending int // rows with changes to push
	Refused int // rows whose current change the server refused (see SyncProblems)
	Inbox   int // rows from the server not applied yet
}

// SyncCounts counts the rows waiting for sync.
func (s *Store) SyncCounts(ctx context.Context) (SyncCounts, error) {
	var c SyncCounts
	var parts []string
	for _, t := range syncTables {
		parts = append(parts, `SELECT count(*) AS n, coalesce(sum(version <= refused_version), 0) AS refused
			FROM `+t.table+` WHERE version > pushed_version`)
	}
	err := s.rdb.WithContext(ctx).Raw(`SELECT coalesce(sum(n), 0) - coalesce(sum(refused), 0) AS pending,
		coalesce(sum(refused), 0) AS refused, (SELECT count(*) FROM sync_inbox) AS inbox
		FROM (` + strings.Join(parts, " UNION ALL ") + `)`).Scan(&c).Error
	return c, wrap(err, "count the rows waiting for sync")
}

// syncNames are the name expressions of each table's rows for SyncProblems.
var syncNames = map[syncapi.Entity]string{
	syncapi.EntityUser:        `coalesce(nullif(trim(first_name || ' ' || last_name), ''), username)`,
	syncapi.EntityUnit:        `name`,
	syncapi.EntityGroup:       `name`,
	syncapi.EntityRole:        `name`,
	syncapi.EntityPersonalKey: `(SELECT coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.username) FROM users u WHERE u.id = user_id)`,
	syncapi.EntityInviteKey:   `label`,
}

// SyncProblems lists the rows sync could not bring across: local changes the server
// refused (until they change again) and server rows that could not be applied
// here, each with the reason.
func (s *Store) SyncProblems(ctx context.Context) ([]SyncProblem, error) {
	var out []SyncProblem
	for _, e := range []syncapi.Entity{
		syncapi.EntityRole, syncapi.EntityUnit, syncapi.EntityGroup,
		syncapi.EntityInviteKey, syncapi.EntityUser, syncapi.EntityPersonalKey,
	} {
		t := syncTables[e]
		var rows []SyncProblem
		err := s.rdb.WithContext(ctx).Raw(`SELECT ? AS entity, id, coalesce(`+syncNames[e]+`, '') AS name, sync_error AS reason
			FROM `+t.table+` WHERE version > pushed_version AND version <= refused_version ORDER BY id`, string(e)).
			Scan(&rows).Error
		if err != nil {
			return nil, wrap(err, "read refused "+t.table)
		}
		out = append(out, rows...)
	}
	var failed []inboxRecord
	err := s.rdb.WithContext(ctx).Raw(`SELECT entity, id, data, error FROM sync_inbox WHERE error <> '' ORDER BY entity, id`).
		Scan(&failed).Error
	for _, r := range failed {
		out = append(out, SyncProblem{Entity: r.Entity, ID: r.ID, Name: inboxName(r.Data), Reason: r.Error})
	}
	return out, wrap(err, "read the sync inbox")
}
