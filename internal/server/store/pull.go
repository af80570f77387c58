package store

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"onboard/internal/syncapi"
)

// Pull returns the rows changed after cursor, in the order their changes were
// committed, each once and in its current state, at most limit of them
// (syncapi.DefaultPullLimit when limit ≤ 0, at most syncapi.MaxPullLimit), and the cursor to pull
// from next. The page is read from one snapshot of the database.
func (s *Store) Pull(ctx context.Context, cursor int64, limit int) (*syncapi.PullResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = syncapi.DefaultPullLimit
	}
	limit = min(limit, syncapi.MaxPullLimit)
	if cursor < 0 {
		cursor = 0
	}
	resp := &syncapi.PullResponse{Records: []syncapi.Record{}, Cursor: cursor}
	var opts *sql.TxOptions
	if s.dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	err := s.rdb.WithContext(s.queryCtx(ctx)).Transaction(func(tx *gorm.DB) error {
		var entries []Change
		if err := tx.Where("seq > ?", cursor).Order("seq").Limit(limit + 1).Find(&entries).Error; err != nil {
			return fmt.Errorf("read the change log: %w", err)
		}
		if len(entries) > limit {
			entries, resp.More = entries[:limit], true
		}
		ids := map[syncapi.Entity][]string{}
		for _, e := range entries {
			ids[syncapi.Entity(e.Entity)] = append(ids[syncapi.Entity(e.Entity)], e.RowID)
		}
		rows := map[rowKey]model{}
		for e, list := range ids {
			sp := specs[e]
			if sp == nil {
				return fmt.Errorf("the change log names an unknown entity %q", e)
			}
			ms, err := sp.load(tx, list)
			if err != nil {
				return fmt.Errorf("read %s rows: %w", e, err)
			}
			for _, m := range ms {
				rows[rowKey{e, m.row().ID}] = m
			}
		}
		for _, e := range entries {
			m := rows[rowKey{syncapi.Entity(e.Entity), e.RowID}]
			if m == nil {
				return fmt.Errorf("the change log names %s %s, which does not exist", e.Entity, e.RowID)
			}
			rec, err := record(syncapi.Entity(e.Entity), m)
			if err != nil {
				return err
			}
			rec.Seq = e.Seq
			resp.Records = append(resp.Records, rec)
			resp.Cursor = e.Seq
		}
		return nil
	}, opts)
	if err != nil {
		return nil, fmt.Errorf("store: pull after %d: %w", cursor, err)
	}
	return resp, nil
}

// queryCtx returns the context for a bounded query. For SQLite it drops ctx's
// cancellation: with a cancellable context mattn/go-sqlite3 starts a goroutine for
// every row it reads, which made reading thousands of rows many times slower. The
// queries are bounded, so they finish soon anyway; ctx's values are kept.
func (s *Store) queryCtx(ctx context.Context) context.Context {
	if s.dialect == SQLite {
		return context.WithoutCancel(ctx)
	}
	return ctx
}
