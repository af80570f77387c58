package settingsscreen

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/screens/internal/uitest"
)

func TestRestoreChecksAsksAndKeepsTheCurrentContent(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	anna := uitest.CreateUser(t, svc, base, "Anna", "Müller", "").User
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := st.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := st.TombstoneUser(ctx, anna, time.Now()); err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1400, 900))
	t.Cleanup(w.Close)
	r := NewRestoreDialog(st, w)
	restored := 0
	r.OnRestored = func() { restored++ }

	// A file that is not a backup is refused, naming it; nothing changes.
	bogus := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(bogus, []byte("shopping list"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.From(bogus)
	uitest.Settle(r.wait)
	uitest.MustShow(t, w, "Cannot restore from this file", "is not an Onboard database")
	uitest.CloseDialogs(w)

	// The backup: the question says what it holds; Cancel changes nothing.
	r.From(backup)
	uitest.Settle(r.wait)
	uitest.MustShow(t, w, "Replace everything in this database with the backup?", "1 user, saved")
	test.Tap(uitest.Button(t, w, "Cancel"))
	uitest.Settle(r.wait)
	if _, err := st.UserByID(ctx, anna.ID); !errors.Is(err, data.ErrNotFound) || restored != 0 {
		t.Fatalf("Cancel restored: %v, %d", err, restored)
	}

	r.From(backup)
	uitest.Settle(r.wait)
	test.Tap(uitest.Button(t, w, "Restore"))
	uitest.Settle(r.wait)
	if got, err := st.UserByID(ctx, anna.ID); err != nil || got.FirstName != "Anna" || restored != 1 {
		t.Fatalf("after restore: %v, %v, restored %d", got, err, restored)
	}
	uitest.MustShow(t, w, "The previous content is kept in")
	prev, err := data.Open(r.SavedAs)
	if err != nil {
		t.Fatal(err)
	}
	defer prev.Close()
	if _, err := prev.UserByID(ctx, anna.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the kept content should be the one before the restore: %v", err)
	}
}
