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
	// Mode is ImportAdd for an import that adds users, ImportUpdateList for an
	// update from a list (users matched, changed, and those absent from the file
	// kept, deactivated or deleted).
	Mode        string
	Unchanged   int // users the file lists as they are
	Deactivated int // users absent from the file that it deactivated
	Deleted     int // the same, deleted
	// BackupPath is the copy of the database taken just before the import, which
	// Undo last import restores; ChangeMark is the store's ChangeMark just after
	// it: while the two are equal nothing has changed since.
	BackupPath string
	ChangeMark string
}

// The modes of an import.
const (
	ImportAdd        = "add"
	ImportUpdateList = "update"
)

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
