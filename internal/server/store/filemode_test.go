//go:build !windows

package store

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestSQLiteFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask, under which SQLite creates 0644
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "server.db")
	s := open(t, path) // Open migrates and stores the secret: it writes
	operator(t, s, "alice", allPerms()...)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if p != path+"-shm" && err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		if err != nil {
			continue
		}
		if m := st.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(p), m)
		}
	}
}
