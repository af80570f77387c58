package data

import (
	"context"
	"time"
)

// Import records one import of a user list: which file, when, by whom, and what
// became of its rows.
type Import struct {
	Row
	FileName string
	Format   string // "csv" or "xlsx"
	At       time.Time
	Actor    string
	Rows     int // data rows in the file
	Created  int
	Updated  int
	Skipped  int
	Failed   int
	EventID  *string // the batch audit event of the users it created
}

// AddImport records an import.
func (s *Store) AddImport(ctx context.Context, im *Import) error {
	im.At = im.At.UTC()
	return wrap(s.db.WithContext(ctx).Create(im).Error, "record import")
}

// Imports returns the recorded imports, newest first.
func (s *Store) Imports(ctx context.Context) ([]Import, error) {
	var out []Import
	err := s.rdb.WithContext(ctx).Order("at DESC, id DESC").Find(&out).Error
	return out, wrap(err, "read imports")
}
