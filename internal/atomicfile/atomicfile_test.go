package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesOnlyOnSuccess(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "first"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want the write error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "first" {
		t.Fatalf("content %q after a failed write, want the old one", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("files left behind: %v", entries)
	}
	if err := Write(filepath.Join(dir, "missing", "x"), func(io.Writer) error { return nil }); err == nil {
		t.Fatal("writing into a missing folder succeeded")
	}
}

func TestWriterReplacesOnlyOnClose(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "letters.pdf")
	if err := os.WriteFile(path, []byte("old letters"), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// Opened and closed without writing (a save dialog that only chose the file).
	if err := NewWriter(path).Close(); err != nil || read() != "old letters" {
		t.Fatalf("unwritten writer: %v, file %q", err, read())
	}
	w := NewWriter(path)
	if _, err := w.Write([]byte("new ")); err != nil {
		t.Fatal(err)
	}
	if read() != "old letters" {
		t.Fatal("the file changed before Close")
	}
	if _, err := w.Write([]byte("letters")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil || read() != "new letters" {
		t.Fatalf("after close: %v, file %q", err, read())
	}
	a := NewWriter(path)
	if _, err := a.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}
	a.Abort()
	if err := a.Close(); err == nil || read() != "new letters" {
		t.Fatalf("aborted: close %v, file %q", err, read())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".onboard-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if _, err := os.Stat(filepath.Join(dir, "never.pdf")); err == nil {
		t.Error("a writer that was never written created its file")
	}
	if err := NewWriter(filepath.Join(dir, "never.pdf")).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "never.pdf")); err == nil {
		t.Error("a writer that was never written created its file")
	}
}
