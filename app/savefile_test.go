package app

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
)

func TestSaveDialogWritersKeepTheOldFileUntilTheNewIsWritten(t *testing.T) {
	test.NewTempApp(t)
	if err := keepFilesUntilWritten(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "letters.pdf")
	if err := os.WriteFile(path, []byte("500 letters"), 0o644); err != nil {
		t.Fatal(err)
	}
	content := func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// What a save dialog does: open the chosen file, hand the writer over; the
	// letters screen closes it and writes the file itself, which may fail.
	w, err := storage.Writer(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	if w.URI().Path() != path {
		t.Errorf("URI %s", w.URI())
	}
	if err := w.Close(); err != nil || content() != "500 letters" {
		t.Fatalf("after the dialog: %v, file %q", err, content())
	}
	// A screen that writes through the dialog's writer (a sample file, a report).
	w, _ = storage.Writer(storage.NewFileURI(path))
	if _, err := w.Write([]byte("report")); err != nil {
		t.Fatal(err)
	}
	if content() != "500 letters" {
		t.Error("the file changed before the writer closed")
	}
	if err := w.Close(); err != nil || content() != "report" {
		t.Fatalf("after close: %v, file %q", err, content())
	}
	// The dialog still lists folders.
	if _, err := storage.List(storage.NewFileURI(filepath.Dir(path))); err != nil {
		t.Errorf("listing: %v", err)
	}
}
