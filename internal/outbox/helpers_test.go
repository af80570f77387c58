package outbox_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/lifecycle"
	"onboard/internal/mail"
	"onboard/internal/mail/smtptest"
	"onboard/internal/outbox"
	"onboard/internal/settings"
)

const (
	testOrg  = "Schule am See"
	testFrom = "office@schule.example"
	testBase = "https://onboard.example.org"
)

// env is a store on a real SQLite file with a role and a unit, configured for a
// loopback SMTP server, and a service on a clock the test moves.
type env struct {
	store  *data.Store
	svc    *lifecycle.Service
	now    time.Time
	jitter float64
	roleID string
	unitID string
	srv    *smtptest.Server
	// tls is added to the configuration the sender reads (for a STARTTLS server).
	tls bool
}

// newEnv opens a new store in t.TempDir(), configures it for srv (nil: no server
// settings yet) with security sec, and returns it.
func newEnv(t testing.TB, srv *smtptest.Server, sec mail.Security) *env {
	t.Helper()
	keyring.MockInit() // no D-Bus; no password is set anyway
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{store: st, now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC), jitter: 0.25, srv: srv}
	e.svc = lifecycle.New(st, lifecycle.WithClock(func() time.Time { return e.now }), lifecycle.WithActor("test-admin"))
	ctx := context.Background()
	r, u := &data.Role{Name: "Student"}, &data.Unit{Name: "Class 5a"}
	for _, err := range []error{st.CreateRole(ctx, r), st.CreateUnit(ctx, u)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	e.roleID, e.unitID = r.ID, u.ID
	e.set(t, settings.OrgName, testOrg)
	e.set(t, settings.RegistrationURL, testBase)
	e.set(t, settings.SMTPFrom, testFrom)
	if srv != nil {
		_, port := srv.Addr()
		e.configure(t, port, sec)
	}
	return e
}

// configure points the SMTP settings at 127.0.0.1:port with security sec.
func (e *env) configure(t testing.TB, port int, sec mail.Security) {
	t.Helper()
	e.set(t, settings.SMTPHost, "127.0.0.1")
	e.set(t, settings.SMTPPort, strconv.Itoa(port))
	e.set(t, settings.SMTPSecurity, string(sec))
}

func (e *env) set(t testing.TB, k settings.Key, v string) {
	t.Helper()
	if _, err := settings.Set(context.Background(), e.store, k, v); err != nil {
		t.Fatal(err)
	}
}

// sender is a sender on the test's clock and jitter that reads the settings of the
// store; with e.tls it trusts the test server's certificate.
func (e *env) sender() *outbox.Sender {
	s := &outbox.Sender{Store: e.store, Now: func() time.Time { return e.now }, Jitter: func() float64 { return e.jitter }}
	s.Config = func(ctx context.Context) (mail.Config, error) {
		c, err := settings.SMTPConfig(ctx, e.store)
		c.Timeout = 10 * time.Second
		if e.tls && e.srv != nil {
			c.TLSConfig = e.srv.ClientTLS()
		}
		return c, err
	}
	return s
}

// drain runs one Drain of a new sender, bounded in time.
func (e *env) drain(t testing.TB, all bool) (outbox.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return e.sender().Drain(ctx, all)
}

// mustDrain drains and fails the test on an error.
func (e *env) mustDrain(t testing.TB, all bool) outbox.Result {
	t.Helper()
	res, err := e.drain(t, all)
	if err != nil {
		t.Fatalf("drain: %v (result %+v)", err, res)
	}
	return res
}

// user creates a not-activated user.
func (e *env) user(t testing.TB, first, last, email string) *lifecycle.Created {
	t.Helper()
	c, err := e.svc.CreateUser(context.Background(), lifecycle.UserInput{
		FirstName: first, LastName: last, Email: email,
		RoleID: e.roleID, UnitIDs: []string{e.unitID},
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// invite creates a user and sends the invitation; it returns the user's ID and key.
func (e *env) invite(t testing.TB, first, last, email string) (string, string) {
	t.Helper()
	c := e.user(t, first, last, email)
	inv, err := e.svc.SendInvitation(context.Background(), c.User.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c.User.ID, inv.Key
}

// inviteEmails invites n addresses userI@example.org in one transaction.
func (e *env) inviteEmails(t testing.TB, n int) *lifecycle.InviteEmailsResult {
	t.Helper()
	addrs := make([]addrlist.Address, n)
	for i := range addrs {
		addrs[i] = addrlist.Address{Email: fmt.Sprintf("user%04d@example.org", i), Name: fmt.Sprintf("Person %d", i)}
	}
	res, err := e.svc.InviteEmails(context.Background(), lifecycle.InviteEmailsInput{
		Addresses: addrs, RoleID: e.roleID,
		UnitIDs: []string{e.unitID},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Invited) != n {
		t.Fatalf("invited %d of %d: %+v", len(res.Invited), n, res.NotInvited)
	}
	return res
}

// mails returns every mail of the outbox, newest first.
func (e *env) mails(t testing.TB) []data.Mail {
	t.Helper()
	ms, err := e.store.Mails(context.Background(), data.MailQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// only returns the one mail of the outbox.
func (e *env) only(t testing.TB) data.Mail {
	t.Helper()
	ms := e.mails(t)
	if len(ms) != 1 {
		t.Fatalf("%d mails in the outbox, want 1: %+v", len(ms), ms)
	}
	return ms[0]
}

// mailByID reads one mail.
func (e *env) mailByID(t testing.TB, id string) *data.Mail {
	t.Helper()
	m, err := e.store.MailByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// status is the user's status on the test's clock.
func (e *env) status(t testing.TB, id string) data.Status {
	t.Helper()
	u, err := e.store.UserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u.Status(e.now)
}

// commands counts the commands named name that srv saw, with argument arg when
// arg is not "".
func commands(srv *smtptest.Server, name, arg string) int {
	n := 0
	for _, c := range srv.Commands() {
		if c.Name == name && (arg == "" || c.Arg == arg) {
			n++
		}
	}
	return n
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
