// Package atomicfile writes files so that they appear whole or not at all: the
// content goes to a temporary file beside the target, which is renamed over it only
// once everything was written.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write calls write with a temporary file beside path and renames it to path when
// write succeeds. Otherwise path is left as it was and the temporary file removed.
// The error of write is returned as it is (the caller knows what it was writing);
// file system errors name path.
func Write(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".onboard-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Writer writes path the same way through Write calls: the first Write creates the
// temporary file, Close renames it over path. A Writer that was never written to
// leaves path as it was (a save dialog that only chose the file does not empty
// it); Abort, or a failed Write, leaves it as it was too.
type Writer struct {
	path string
	tmp  *os.File
	err  error
}

// NewWriter returns a Writer for path; nothing is created until the first Write.
func NewWriter(path string) *Writer { return &Writer{path: path} }

// Write writes p to the temporary file, creating it first.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.tmp == nil {
		if w.tmp, w.err = os.CreateTemp(filepath.Dir(w.path), ".onboard-*"); w.err != nil {
			w.err = fmt.Errorf("write %s: %w", w.path, w.err)
			return 0, w.err
		}
	}
	n, err := w.tmp.Write(p)
	if err != nil {
		w.err = fmt.Errorf("write %s: %w", w.path, err)
	}
	return n, w.err
}

// Close puts what was written in place of path; after a failed Write it removes
// the temporary file and returns that error.
func (w *Writer) Close() error {
	if w.tmp == nil {
		return w.err
	}
	tmp := w.tmp
	w.tmp = nil
	defer os.Remove(tmp.Name())
	if w.err != nil {
		tmp.Close()
		return w.err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	if err := os.Rename(tmp.Name(), w.path); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return nil
}

// Abort drops what was written; path stays as it was.
func (w *Writer) Abort() {
	if w.tmp != nil {
		w.tmp.Close()
		os.Remove(w.tmp.Name())
		w.tmp = nil
	}
	w.err = errors.New("write " + w.path + ": aborted")
}

// CreatePrivate creates a missing file empty with mode 0600, before a database
// library would create it 0644 (less the umask): Onboard's databases hold people's
// data and the server's token hashes. SQLite creates the -wal and -shm files with the
// main file's mode. An existing file keeps its mode.
func CreatePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}
