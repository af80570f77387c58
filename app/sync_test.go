package app

import (
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/zalando/go-keyring"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/server/api"
	"onboard/internal/server/store"
	"onboard/internal/server/web"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
)

// shortSync makes the window sync soon after changes and retry fast.
func shortSync(t *testing.T) {
	every, soon, retry, retryMax := syncEvery, syncSoon, syncRetry, syncRetryMax
	syncEvery, syncSoon, syncRetry, syncRetryMax = time.Hour, 400*time.Millisecond, 100*time.Millisecond, 400*time.Millisecond
	t.Cleanup(func() { syncEvery, syncSoon, syncRetry, syncRetryMax = every, soon, retry, retryMax })
}

func setSync(t *testing.T, st settings.Store, url, token string) {
	t.Helper()
	ctx := context.Background()
	if _, err := settings.Set(ctx, st, settings.SyncURL, url); err != nil {
		t.Fatal(err)
	}
	if _, err := settings.Set(ctx, st, settings.SyncToken, token); err != nil {
		t.Fatal(err)
	}
}

// statusOf finds a user's status in the users table by name.
func statusOf(m *Main, name string) string {
	for r := 0; r < m.users.Total(); r++ {
		if m.users.CellText(r, 1) == name {
			return m.users.CellText(r, 7)
		}
	}
	return ""
}

func TestWindowSyncsWithTheServerAndShowsItInTheStatusLine(t *testing.T) {
	test.NewTempApp(t)
	keyring.MockInit()
	shortSync(t)
	ctx := context.Background()

	// onboard-server on loopback, with an SQLite database.
	sst, err := store.Open(ctx, filepath.Join(t.TempDir(), "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sst.Close() })
	handler := api.New(sst, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	alice, err := sst.AddOperator(ctx, "alice", store.Permissions)
	if err != nil {
		t.Fatal(err)
	}

	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	role := &data.Role{Name: "Teacher"}
	if err := st.CreateRole(ctx, role); err != nil {
		t.Fatal(err)
	}
	svc := lifecycle.New(st)
	unit, err := svc.CreateUnit(ctx, "Werk Süd")
	if err != nil {
		t.Fatal(err)
	}
	user := func(first, email string) *lifecycle.Created {
		c, err := svc.CreateUser(ctx, lifecycle.UserInput{
			FirstName: first, LastName: "Test", Email: email,
			RoleID: role.ID, UnitIDs: []string{unit.ID},
		}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	anna := user("Anna", "anna@example.org")
	user("Ben", "ben@example.org")
	setSync(t, st, srv.URL, alice)

	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	m := NewMain(Deps{Store: st, Service: svc}, w, 0)
	w.SetContent(m.Content())
	m.syncer.Backoff = time.Millisecond
	db := "Database: " + st.Path()
	if got := m.StatusText(); got != db {
		t.Errorf("before sync started: %q", got)
	}
	m.StartSync(ctx)
	t.Cleanup(m.StopSync)
	waitFor(t, "online", func() bool { return strings.HasPrefix(m.StatusText(), db+"   ·   Online · synced ") })
	if got := m.StatusText(); strings.Contains(got, "waiting") {
		t.Errorf("after the first sync: %q", got)
	}
	if ok, tip := m.users.NewUserAllowed(); !ok || tip != "" {
		t.Errorf("New user with every permission: %v %q", ok, tip)
	}

	// A change here shows as waiting, then goes out shortly.
	user("Cem", "cem@example.org") // the user and the key
	m.WakeSync()
	waitFor(t, "2 changes waiting", func() bool { return strings.HasSuffix(m.StatusText(), " · 2 changes waiting") })
	waitFor(t, "the changes to go out", func() bool {
		return strings.Contains(m.StatusText(), "Online · synced ") && !strings.Contains(m.StatusText(), "waiting")
	})

	// Anna registers on the server: after a sync the table shows her active.
	if s := statusOf(m, "Anna Test"); s != "Not activated" {
		waitFor(t, "the users table", func() bool { return statusOf(m, "Anna Test") == "Not activated" })
	}
	if err := sst.RedeemPersonalKey(ctx, anna.Key, web.Registration{
		Username: "anna.test", Email: "anna@example.org",
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA", TermsAt: time.Now(),
	}); err != nil {
		t.Fatal(err)
	}
	m.SyncNow()
	waitFor(t, "Anna active", func() bool { return statusOf(m, "Anna Test") == "Active" })

	// An operator who may not add users: New user is off, with the reason.
	bob, err := sst.AddOperator(ctx, "bob", []syncapi.Permission{syncapi.PermAddUsersByLink})
	if err != nil {
		t.Fatal(err)
	}
	setSync(t, st, srv.URL, bob)
	m.SyncNow()
	waitFor(t, "New user off", func() bool { ok, _ := m.users.NewUserAllowed(); return !ok })
	if _, tip := m.users.NewUserAllowed(); !strings.Contains(tip, "“bob” on the server may not add users") {
		t.Errorf("tooltip %q", tip)
	}

	// A token the server does not know.
	setSync(t, st, srv.URL, "not-a-token")
	m.SyncNow()
	waitFor(t, "token refused", func() bool { return m.StatusText() == db+"   ·   Sync: token refused" })

	// The server goes away: offline, and the changes wait.
	setSync(t, st, srv.URL, alice)
	srv.Close()
	user("Dana", "dana@example.org")
	m.SyncNow()
	waitFor(t, "offline", func() bool {
		return m.StatusText() == db+"   ·   Offline (server unreachable) · 2 changes waiting"
	})

	// It comes back (same address): the retries take the changes out.
	back := httptest.NewUnstartedServer(handler)
	back.Listener.Close()
	back.Listener = listen(t, srv.Listener.Addr().String())
	back.Start()
	t.Cleanup(back.Close)
	waitFor(t, "online again", func() bool {
		return strings.Contains(m.StatusText(), "Online · synced ") && !strings.Contains(m.StatusText(), "waiting")
	})

	// Sync switched off: the status line says nothing of it, and nothing is off.
	setSync(t, st, "", "")
	m.SyncNow()
	waitFor(t, "sync off", func() bool { return m.StatusText() == db })
	if ok, _ := m.users.NewUserAllowed(); !ok {
		t.Error("New user stays off without sync")
	}
}

func TestSyncStatusLineTexts(t *testing.T) {
	now := time.Date(2026, 3, 5, 12, 30, 0, 0, time.Local)
	l := syncLine{
		configured: true, ran: true, lastSync: time.Date(2026, 3, 5, 12, 4, 0, 0, time.Local),
		counts: data.SyncCounts{Pending: 3},
	}
	if got := l.text(now); got != "Online · synced 12:04 · 3 changes waiting" {
		t.Errorf("online: %q", got)
	}
	l.counts.Pending = 1
	l.lastSync = l.lastSync.AddDate(0, 0, -1)
	if got := l.text(now); got != "Online · synced 2026-03-04 12:04 · 1 change waiting" {
		t.Errorf("yesterday: %q", got)
	}
	if got := (&syncLine{}).text(now); got != "" {
		t.Errorf("not set up: %q", got)
	}
	if d := retryWait(1); d != syncRetry {
		t.Errorf("first retry after %v", d)
	}
	if d := retryWait(30); d != syncRetryMax {
		t.Errorf("retry after 30 failures: %v", d)
	}
}

// listen listens on addr again after a server there closed (retrying briefly: the
// port may linger).
func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err := net.Listen("tcp", addr)
		if err == nil {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("listen on %s again: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
