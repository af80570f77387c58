package app

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/lifecycle"
	"onboard/internal/mail"
	"onboard/internal/mail/smtptest"
	"onboard/internal/settings"
	"onboard/screens"
)

// uiQueue holds the UI callbacks of background work until the test runs them on
// its goroutine, as the one UI goroutine runs them in the app.
var uiQueue struct {
	sync.Mutex
	fns []func()
}

func TestMain(m *testing.M) {
	queue := func(f func()) {
		uiQueue.Lock()
		uiQueue.fns = append(uiQueue.fns, f)
		uiQueue.Unlock()
	}
	onUI = queue
	screens.SetOnUI(queue)
	os.Exit(m.Run())
}

// waitFor runs the queued UI callbacks until cond holds, or fails after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		uiQueue.Lock()
		fns := uiQueue.fns
		uiQueue.fns = nil
		uiQueue.Unlock()
		for _, f := range fns {
			f()
		}
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStatusLineShowsQueuedMailUntilTheServerTakesIt(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	role, unit := &data.Role{Name: "Teacher"}, &data.Unit{Name: "Werk Süd"}
	if err := st.CreateRole(ctx, role); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUnit(ctx, unit); err != nil {
		t.Fatal(err)
	}
	svc := lifecycle.New(st)
	if _, err := svc.InviteEmails(ctx, lifecycle.InviteEmailsInput{
		RoleID: role.ID, UnitIDs: []string{unit.ID},
		Addresses: []addrlist.Address{{Email: "anna@example.org"}, {Email: "ben@example.org"}},
	}); err != nil {
		t.Fatal(err)
	}

	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	m := NewMain(Deps{Store: st, Service: svc}, w, 0)
	w.SetContent(m.Content())
	if got := m.StatusText(); got != "Database: "+st.Path() {
		t.Errorf("before the sender ran: %q", got)
	}
	m.StartMail(ctx)
	t.Cleanup(m.StopMail)
	// No mail server is set up: the mails wait, and the status line says so.
	waitFor(t, "2 mails queued", func() bool { return strings.Contains(m.StatusText(), "2 mails queued") })
	if got := m.StatusText(); !strings.HasPrefix(got, "Database: "+st.Path()+"   ·   ") ||
		!strings.Contains(got, "set up the mail server in Settings") {
		t.Errorf("status %q", got)
	}

	// With a server that does not answer, the status line says it is unreachable.
	for _, kv := range []struct {
		k settings.Key
		v string
	}{
		{settings.SMTPHost, "127.0.0.1"},
		{settings.SMTPPort, "1"},
		{settings.SMTPSecurity, string(mail.SecurityNone)},
		{settings.SMTPFrom, "onboard@example.org"},
	} {
		if _, err := settings.Set(ctx, st, kv.k, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	m.SendMailNow()
	waitFor(t, "unreachable", func() bool { return strings.Contains(m.StatusText(), "Mail server unreachable") })
	if got := m.StatusText(); !strings.Contains(got, "2 mails queued · Mail server unreachable: ") {
		t.Errorf("status %q", got)
	}

	// A real server takes both: the mail part of the status line goes away.
	srv := smtptest.Start(t)
	_, port := srv.Addr()
	if _, err := settings.Set(ctx, st, settings.SMTPPort, strconv.Itoa(port)); err != nil {
		t.Fatal(err)
	}
	m.SendMailNow()
	waitFor(t, "the outbox to empty", func() bool { return m.StatusText() == "Database: "+st.Path() })
	if got := srv.Received(); len(got) != 2 {
		t.Fatalf("the server received %d mails", len(got))
	}

	// An invitation queued later goes out when the window wakes the sender.
	if _, err := svc.InviteEmails(ctx, lifecycle.InviteEmailsInput{
		RoleID: role.ID, UnitIDs: []string{unit.ID},
		Addresses: []addrlist.Address{{Email: "cem@example.org"}},
	}); err != nil {
		t.Fatal(err)
	}
	m.WakeMail()
	waitFor(t, "the third mail", func() bool { return len(srv.Received()) == 3 })
}

func TestScreenIndexKnowsTheMailScreen(t *testing.T) {
	i, err := ScreenIndex("mail")
	if err != nil || Screens[i].Label != "Mail" || Screens[i-1].ID != "letters" || Screens[i+1].ID != "activity" {
		t.Fatalf("mail: %d, %v", i, err)
	}
	if j, err := ScreenIndex("mail-template"); err != nil || j != i {
		t.Fatalf("mail-template: %d, %v", j, err)
	}
}
