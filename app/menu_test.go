package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/screens/letterscreen"
)

// newTestMain builds the window content on an empty store in a test window.
func newTestMain(t *testing.T) (*Main, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1280, 800))
	t.Cleanup(w.Close)
	m := NewMain(Deps{Store: st, Service: lifecycle.New(st)}, w, 0)
	w.SetContent(m.Content())
	return m, w
}

// menuItem finds the entry label of menu in the window's main menu.
func menuItem(t *testing.T, w fyne.Window, menu, label string) *fyne.MenuItem {
	t.Helper()
	for _, mn := range w.MainMenu().Items {
		if mn.Label != menu {
			continue
		}
		for _, it := range mn.Items {
			if it.Label == label {
				return it
			}
		}
	}
	t.Fatalf("no %s → %s in the menu", menu, label)
	return nil
}

func TestMainMenuHasTheDesktopEntries(t *testing.T) {
	m, w := newTestMain(t)
	for _, e := range [][2]string{
		{"File", "Import…"},
		{"File", "Back up…"},
		{"File", "Restore…"},
		{"File", "Quit"},
		{"Edit", "Copy"},
		{"Edit", "Select all"},
		{"Edit", "New user…"},
		{"View", "Letters"},
		{"Help", "About Onboard"},
		{"Help", "Read me"},
	} {
		menuItem(t, w, e[0], e[1])
	}
	if !menuItem(t, w, "File", "Quit").IsQuit {
		t.Error("Quit is not the quit entry")
	}
	menuItem(t, w, "View", "Letters").Action()
	if Screens[m.current].ID != "letters" {
		t.Errorf("View → Letters shows %s", Screens[m.current].ID)
	}
	// Select all in a focused text field selects its text, not the users.
	e := widget.NewEntry()
	e.SetText("Müller")
	w.SetContent(e)
	w.Canvas().Focus(e)
	menuItem(t, w, "Edit", "Select all").Action()
	if e.SelectedText() != "Müller" || Screens[m.current].ID != "letters" {
		t.Errorf("selected %q, screen %s", e.SelectedText(), Screens[m.current].ID)
	}
}

func TestQuitAsksWhileWorkRuns(t *testing.T) {
	m, _ := newTestMain(t)
	quits, asked := 0, ""
	var answer func()
	oldQuit, oldAsk := quitApp, askQuit
	quitApp = func() { quits++ }
	askQuit = func(_ fyne.Window, msg string, quit func()) { asked, answer = msg, quit }
	t.Cleanup(func() { quitApp, askQuit = oldQuit, oldAsk })

	m.Quit()
	if quits != 1 || asked != "" {
		t.Fatalf("idle quit: %d quits, asked %q", quits, asked)
	}
	m.sendingNow.Store(true)
	m.Quit()
	if quits != 1 || !strings.Contains(asked, "Mails are being sent.") {
		t.Fatalf("quit while sending: %d quits, asked %q", quits, asked)
	}
	answer() // Quit anyway
	waitFor(t, "the quit", func() bool { return quits == 2 })
}

// slowLetters lets the print dialog load, then holds every save until it is
// cancelled, like a long print run.
type slowLetters struct {
	*lifecycle.Service
	calls   *atomic.Int32
	started chan struct{}
}

func (s slowLetters) PrepareLetters(ctx context.Context, ids []string, renew bool) (*lifecycle.LetterBatch, error) {
	if s.calls.Add(1) == 1 {
		return s.Service.PrepareLetters(ctx, ids, renew)
	}
	close(s.started)
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestQuitDuringLettersLeavesNoFile(t *testing.T) {
	m, w := newTestMain(t)
	ctx := context.Background()
	role, unit := &data.Role{Name: "Teacher"}, &data.Unit{Name: "5a"}
	if err := m.store.CreateRole(ctx, role); err != nil {
		t.Fatal(err)
	}
	if err := m.store.CreateUnit(ctx, unit); err != nil {
		t.Fatal(err)
	}
	c, err := m.svc.CreateUser(ctx, lifecycle.UserInput{FirstName: "Anna", LastName: "Müller", RoleID: role.ID, UnitIDs: []string{unit.ID}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	slow := slowLetters{Service: m.svc, calls: new(atomic.Int32), started: make(chan struct{})}
	m.printing = letterscreen.ShowPrintDialog(w, letterscreen.Deps{Settings: m.store, Service: slow}, []string{c.User.ID})
	waitFor(t, "the print dialog", m.printing.CanSave)
	dir := t.TempDir()
	m.printing.SaveTo(filepath.Join(dir, "letters.pdf"))
	<-slow.started

	quits, asked := 0, ""
	oldQuit, oldAsk := quitApp, askQuit
	quitApp = func() { quits++ }
	askQuit = func(_ fyne.Window, msg string, quit func()) { asked = msg; quit() }
	t.Cleanup(func() { quitApp, askQuit = oldQuit, oldAsk })
	m.Quit()
	if !strings.Contains(asked, "Letters are being written.") {
		t.Fatalf("asked %q", asked)
	}
	waitFor(t, "the quit", func() bool { return quits == 1 })
	if m.printing.Saving() {
		t.Error("quit before the letters stopped")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left: %v", left)
	}
}
