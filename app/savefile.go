package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage/repository"

	"onboard/internal/atomicfile"
)

// keepFilesUntilWritten wraps Fyne's file repository so that a save dialog no
// longer empties the file it opens: the writer it hands out replaces the file only
// when something was written and the writer closed (atomicfile.Writer). Screens that
// take the chosen path and write it themselves (letters, backups) close the dialog's
// writer at once, and the old file stays whole until the new one is complete.
func keepFilesUntilWritten() error {
	base, err := repository.ForScheme("file")
	if err != nil {
		return fmt.Errorf("file repository: %w", err)
	}
	if _, ok := base.(fileRepository); !ok {
		return fmt.Errorf("file repository: %T lacks the file operations", base)
	}
	repository.Register("file", &savingRepository{base.(fileRepository)})
	return nil
}

// fileRepository is what Fyne's file repository implements and its dialogs use.
type fileRepository interface {
	repository.WritableRepository
	repository.ListableRepository
	repository.HierarchicalRepository
	repository.CopyableRepository
	repository.MovableRepository
}

// savingRepository is Fyne's file repository with writers that replace on close.
type savingRepository struct{ fileRepository }

// Writer returns a writer that replaces the file at u only when it is closed after
// a write.
func (r *savingRepository) Writer(u fyne.URI) (fyne.URIWriteCloser, error) {
	return &replacingWriter{Writer: atomicfile.NewWriter(u.Path()), uri: u}, nil
}

// replacingWriter is an atomicfile.Writer with the URI Fyne's dialogs ask for.
type replacingWriter struct {
	*atomicfile.Writer
	uri fyne.URI
}

// URI is the file written.
func (w *replacingWriter) URI() fyne.URI { return w.uri }
