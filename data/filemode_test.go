//go:build !windows

package data

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// assertPrivate fails unless path exists with mode 0600; optional says a missing
// file is fine.
func assertPrivate(t *testing.T, path string, optional bool) {
	t.Helper()
	st, err := os.Stat(path)
	if optional && os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if m := st.Mode().Perm(); m != 0o600 {
		t.Errorf("%s: mode %o, want 600", filepath.Base(path), m)
	}
}

func TestDatabaseAndBackupFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask, under which SQLite creates 0644
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "sub", "onboard.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seedCatalog(t, s)
	assertPrivate(t, path, false)
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no -wal file after a write: %v", err)
	}
	assertPrivate(t, path+"-wal", false)
	assertPrivate(t, path+"-shm", true)

	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	assertPrivate(t, backup, false)
	if _, err := CheckBackup(backup); err != nil {
		t.Fatal(err)
	}
}
