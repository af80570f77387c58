package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"onboard/internal/atomicfile"

	"github.com/mattn/go-sqlite3"
)

// Backup writes a consistent snapshot of the database to dest with VACUUM INTO, safe
// while other connections (or the app) use the file. The snapshot is written beside
// dest and renamed over it only when complete, so a failed backup leaves any earlier
// file at dest as it was.
func (s *Store) Backup(ctx context.Context, dest string) error {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if abs == s.path {
		return fmt.Errorf("backup to %s: that is the open database itself; choose another file", dest)
	}
	if st, err := os.Stat(abs); err == nil && st.IsDir() {
		return fmt.Errorf("backup to %s: is a folder; give a file name", dest)
	}
	tmp := fmt.Sprintf("%s.partial-%d", abs, time.Now().UnixNano())
	defer os.Remove(tmp)
	// VACUUM INTO writes into an empty file; creating it first makes the backup
	// 0600 like the database instead of SQLite's 0644.
	if err := atomicfile.CreatePrivate(tmp); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := vacuumInto(ctx, s.path, tmp); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := os.Rename(tmp, abs); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	return nil
}

// vacuumInto writes a snapshot of the database at src to dest on a connection of its
// own (the read pool is query-only, the writer must stay free for writes).
func vacuumInto(ctx context.Context, src, dest string) error {
	db, err := sql.Open("sqlite3", dsn(src, ""))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, dest)
	return err
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Restore replaces the database's content with the Onboard database in src, through
// SQLite's online backup API so that other connections see either the old or the new
// content, never a mix. The current content is first saved with Backup to the file
// it returns. src is checked before anything changes: a file that is not a sound
// Onboard database is refused.
func (s *Store) Restore(ctx context.Context, src string) (savedAs string, err error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return "", fmt.Errorf("restore from %s: %w", src, err)
	}
	if abs == s.path {
		return "", fmt.Errorf("restore from %s: that is the open database itself", src)
	}
	if _, err := CheckBackup(abs); err != nil {
		return "", err
	}
	savedAs = fmt.Sprintf("%s.before-restore-%s.db", s.path, time.Now().UTC().Format("20060102-150405"))
	if err := s.Backup(ctx, savedAs); err != nil {
		return "", fmt.Errorf("restore: save the current database first: %w", err)
	}
	if err := s.copyFrom(ctx, abs); err != nil {
		return savedAs, fmt.Errorf("restore from %s: %w (the previous content is in %s)", src, err, savedAs)
	}
	if err := migrate(s.db.WithContext(ctx), LatestSchema()); err != nil {
		return savedAs, fmt.Errorf("restore from %s: upgrade its schema: %w", src, err)
	}
	if err := s.Write(ctx, func(tx *Store) error { return moveVersionsAfterRestore(tx.db) }); err != nil {
		return savedAs, fmt.Errorf("restore from %s: %w", src, err)
	}
	return savedAs, nil
}

// BackupInfo is what a database file offered for a restore holds.
type BackupInfo struct {
	Users    int       // users not deleted
	Schema   int       // its schema version
	Modified time.Time // when the file was last written
}

// CheckBackup refuses a restore source that is missing, not an Onboard database,
// damaged, or written by a newer Onboard, and otherwise says what it holds. It
// only reads the file.
func CheckBackup(path string) (BackupInfo, error) {
	var info BackupInfo
	st, err := os.Stat(path)
	if err != nil {
		return info, &OpenError{Path: path, Reason: "cannot read it: " + errors.Unwrap(err).Error(), Err: err}
	}
	if st.Size() == 0 {
		return info, &OpenError{Path: path, Reason: "is empty, not an Onboard database", Err: ErrNotOnboard}
	}
	info.Modified = st.ModTime()
	if err := checkFile(path); err != nil {
		return info, err
	}
	db, err := sql.Open("sqlite3", dsn(path, "mode=ro"))
	if err != nil {
		return info, &OpenError{Path: path, Reason: err.Error(), Err: err}
	}
	defer db.Close()
	var tables int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tables); err != nil || tables == 0 {
		return info, &OpenError{Path: path, Reason: "is not an Onboard database", Err: ErrNotOnboard}
	}
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		return info, &OpenError{Path: path, Reason: "is damaged (integrity check failed: " + check + ")", Err: ErrNotOnboard}
	}
	if err := db.QueryRow(`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&info.Schema); err != nil {
		return info, &OpenError{Path: path, Reason: "is not an Onboard database", Err: ErrNotOnboard}
	}
	if info.Schema > LatestSchema() {
		return info, &OpenError{Path: path, Reason: fmt.Sprintf("was written by a newer Onboard (schema %d; this one knows %d)", info.Schema, LatestSchema()), Err: ErrNotOnboard}
	}
	if err := db.QueryRow(`SELECT count(*) FROM users WHERE deleted_at IS NULL`).Scan(&info.Users); err != nil {
		return info, &OpenError{Path: path, Reason: "is not an Onboard database (no users table)", Err: ErrNotOnboard}
	}
	return info, nil
}

// copyFrom copies every page of the database at src into this one with the online
// backup API, holding the write connection for the duration.
func (s *Store) copyFrom(ctx context.Context, src string) error {
	srcDB, err := sql.Open("sqlite3", dsn(src, "mode=ro"))
	if err != nil {
		return err
	}
	defer srcDB.Close()
	srcConn, err := srcDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer srcConn.Close()
	wdb, err := s.db.DB()
	if err != nil {
		return err
	}
	dstConn, err := wdb.Conn(ctx)
	if err != nil {
		return err
	}
	defer dstConn.Close()
	return dstConn.Raw(func(d any) error {
		return srcConn.Raw(func(sc any) error {
			dst, ok1 := d.(*sqlite3.SQLiteConn)
			from, ok2 := sc.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return errors.New("unexpected SQLite driver")
			}
			b, err := dst.Backup("main", from, "main")
			if err != nil {
				return err
			}
			if _, err := b.Step(-1); err != nil {
				b.Finish()
				return err
			}
			return b.Finish()
		})
	})
}
