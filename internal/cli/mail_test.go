package cli

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"onboard/data"
	"onboard/internal/mail/smtptest"
)

// mailDB makes a database as inviteDB does, with the mail server settings for
// 127.0.0.1:port without TLS, set with onboard config set.
func mailDB(t *testing.T, port int) string {
	t.Helper()
	keyring.MockInit() // no D-Bus; no password is set
	db := inviteDB(t)
	for _, kv := range [][2]string{
		{"org.name", "Werk am See"},
		{"registration.url", "https://onboard.example.org"},
		{"smtp.host", "127.0.0.1"},
		{"smtp.port", strconv.Itoa(port)},
		{"smtp.security", "none"},
		{"smtp.from", "Personalbüro <hr@werk.example>"},
	} {
		if code, _, errOut := run(t, "--db", db, "config", "set", kv[0], kv[1]); code != ExitOK {
			t.Fatalf("config set %s: %d %s", kv[0], code, errOut)
		}
	}
	return db
}

// serverPort returns the port of srv.
func serverPort(srv *smtptest.Server) int {
	_, port := srv.Addr()
	return port
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// invite invites the addresses with the role and unit of inviteDB.
func invite(t *testing.T, db, emails string) {
	t.Helper()
	if code, out, errOut := run(t, "--db", db, "invite", "--emails", emails, "--role", "Teacher", "--unit", "Werk Süd"); code != ExitOK {
		t.Fatalf("invite: %d %q %q", code, out, errOut)
	}
}

// mailRows returns the rows of onboard mail list (without the header and the count)
// with its arguments.
func mailRows(t *testing.T, db string, args ...string) []string {
	t.Helper()
	code, out, errOut := run(t, append([]string{"--db", db, "mail", "list"}, args...)...)
	if code != ExitOK {
		t.Fatalf("mail list %v: %d %q", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "ID") || !strings.HasSuffix(lines[0], "ANSWER") {
		t.Fatalf("mail list %v:\n%s", args, out)
	}
	rows := lines[1 : len(lines)-1]
	if want := plural(len(rows)); lines[len(lines)-1] != want {
		t.Fatalf("mail list %v ends %q, want %q", args, lines[len(lines)-1], want)
	}
	return rows
}

func plural(n int) string {
	if n == 1 {
		return "1 mail"
	}
	return strconv.Itoa(n) + " mails"
}

// liveKey returns the live key of the user with the email.
func liveKey(t *testing.T, db, email string) (string, *data.User) {
	t.Helper()
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	u, err := st.UserHolding(ctx, data.FieldEmail, email, "")
	if err != nil {
		t.Fatalf("%s: %v", email, err)
	}
	k, err := st.LiveKey(ctx, u.ID)
	if err != nil {
		t.Fatalf("%s has no live key: %v", email, err)
	}
	return k.Key, u
}

func TestMailSendCommand(t *testing.T) {
	srv := smtptest.Start(t)
	db := mailDB(t, serverPort(srv))
	invite(t, db, "ben@example.org, Cem Yılmaz <cem@example.org>")
	if rows := mailRows(t, db, "--state", "queued"); len(rows) != 2 {
		t.Fatalf("queued: %q", rows)
	}
	code, out, errOut := run(t, "--db", db, "mail", "send")
	if code != ExitOK || out != "Sent 2 mails, 0 to try again, 0 failed.\n" || errOut != "" {
		t.Fatalf("mail send: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	got := srv.Received()
	if len(got) != 2 || got[0].From != "hr@werk.example" {
		t.Fatalf("received %+v", got)
	}
	for _, r := range got {
		key, _ := liveKey(t, db, r.To[0])
		if r.Subject != "Your account at Werk am See" || !strings.Contains(r.Text, "https://onboard.example.org/register?key="+key) {
			t.Errorf("mail to %s: subject %q, text\n%s", r.To[0], r.Subject, r.Text)
		}
	}
	rows := mailRows(t, db)
	if len(rows) != 2 || !strings.Contains(rows[0], " sent ") || !strings.Contains(rows[1], " sent ") {
		t.Fatalf("after sending:\n%s", strings.Join(rows, "\n"))
	}
	if rows := mailRows(t, db, "--state", "queued"); len(rows) != 0 {
		t.Fatalf("still queued: %q", rows)
	}
	// Nothing left: exit 0 again.
	if code, out, _ := run(t, "--db", db, "mail", "send"); code != ExitOK || out != "Sent 0 mails, 0 to try again, 0 failed.\n" {
		t.Fatalf("second mail send: %d %q", code, out)
	}
	if rows := mailRows(t, db, "--limit", "1"); len(rows) != 1 {
		t.Fatalf("--limit 1: %q", rows)
	}
}

func TestMailSendUnreachableServer(t *testing.T) {
	db := mailDB(t, freePort(t))
	invite(t, db, "ben@example.org, cem@example.org")
	code, out, errOut := run(t, "--db", db, "mail", "send")
	if code != ExitFail || out != "Sent 0 mails, 0 to try again, 0 failed.\n" || strings.Count(errOut, "\n") != 1 ||
		!strings.Contains(errOut, "the mail server cannot be reached") || !strings.Contains(errOut, "connection refused") ||
		!strings.HasSuffix(errOut, "; 2 mails wait in the outbox\n") {
		t.Fatalf("mail send: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	rows := mailRows(t, db, "--state", "queued")
	if len(rows) != 2 {
		t.Fatalf("queued: %q", rows)
	}
	for _, r := range rows {
		if !strings.Contains(r, " queued ") || !strings.Contains(r, "waiting: cannot connect to 127.0.0.1:") {
			t.Errorf("row %q", r)
		}
	}
	// The server comes up: the waiting mails go out.
	srv := smtptest.Start(t)
	if code, _, e := run(t, "--db", db, "config", "set", "smtp.port", strconv.Itoa(serverPort(srv))); code != ExitOK {
		t.Fatal(e)
	}
	if code, out, errOut := run(t, "--db", db, "mail", "send"); code != ExitOK || out != "Sent 2 mails, 0 to try again, 0 failed.\n" {
		t.Fatalf("mail send when online: %d %q %q", code, out, errOut)
	}
}

func TestMailRetryToCorrectedAddress(t *testing.T) {
	const rejected = "5.1.1 <ben@typo.example>: Recipient address rejected"
	srv := smtptest.Start(t, smtptest.RejectRcpt("ben@typo.example", 550, rejected))
	db := mailDB(t, serverPort(srv))
	invite(t, db, "ben@typo.example")
	oldKey, u := liveKey(t, db, "ben@typo.example")
	code, out, errOut := run(t, "--db", db, "mail", "send")
	if code != ExitFail || out != "Sent 0 mails, 0 to try again, 1 failed.\n" ||
		errOut != "onboard mail send: 1 mail failed; see onboard mail list --state failed\n" {
		t.Fatalf("mail send: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	rows := mailRows(t, db, "--state", "failed")
	if len(rows) != 1 || !strings.Contains(rows[0], "ben@typo.example") || !strings.Contains(rows[0], " failed ") ||
		!strings.Contains(rows[0], "550 "+rejected) {
		t.Fatalf("failed mails: %q", rows)
	}
	id := strings.Fields(rows[0])[0]

	// Usage mistakes.
	for _, args := range [][]string{{}, {"--failed", id}, {"--to", "ben@example.org", id, id}, {"--to", "ben@example.org", "--failed"}} {
		if code, _, errOut := run(t, append([]string{"--db", db, "mail", "retry"}, args...)...); code != ExitUsage {
			t.Errorf("mail retry %v: exit %d, %q", args, code, errOut)
		}
	}
	// A broken address is refused.
	if code, _, errOut := run(t, "--db", db, "mail", "retry", "--to", "ben@example.org\r\nBcc: evil@z.example", id); code != ExitFail ||
		!strings.Contains(errOut, "email") {
		t.Fatalf("retry to a broken address: exit %d, %q", code, errOut)
	}

	code, out, errOut = run(t, "--db", db, "mail", "retry", "--to", "ben@example.org", id)
	if code != ExitOK || out != "Queued 1 mail again; onboard mail send sends it now.\n" {
		t.Fatalf("mail retry: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	newKey, u2 := liveKey(t, db, "ben@example.org")
	if u2.ID != u.ID || newKey == oldKey {
		t.Fatalf("retry changed user %s→%s, key %s→%s", u.ID, u2.ID, oldKey, newKey)
	}
	if code, out, errOut := run(t, "--db", db, "mail", "send"); code != ExitOK || out != "Sent 1 mail, 0 to try again, 0 failed.\n" {
		t.Fatalf("mail send after retry: %d %q %q", code, out, errOut)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].To[0] != "ben@example.org" || !strings.Contains(got[0].Text, newKey) || strings.Contains(got[0].Text, oldKey) {
		t.Fatalf("received %+v", got)
	}
	// The failed mail stays as it was, for the record; a sent mail cannot be retried.
	if rows := mailRows(t, db, "--state", "failed"); len(rows) != 1 || !strings.HasPrefix(rows[0], id+" ") {
		t.Fatalf("failed mails after the retry: %q", rows)
	}
	sent := mailRows(t, db, "--state", "sent")
	if len(sent) != 1 {
		t.Fatalf("sent: %q", sent)
	}
	if code, _, errOut := run(t, "--db", db, "mail", "retry", strings.Fields(sent[0])[0]); code != ExitFail ||
		!strings.Contains(errOut, "only a failed mail can be sent again") {
		t.Fatalf("retry of a sent mail: exit %d, %q", code, errOut)
	}
	if code, _, errOut := run(t, "--db", db, "mail", "retry", "no-such-id"); code != ExitFail || !strings.Contains(errOut, "no-such-id") {
		t.Fatalf("retry of an unknown mail: exit %d, %q", code, errOut)
	}
	// Several IDs: each is tried, and the output says which were not queued.
	sentID := strings.Fields(sent[0])[0]
	code, out, errOut = run(t, "--db", db, "mail", "retry", sentID, "no-such-id")
	if code != ExitFail || !strings.HasPrefix(out, "Queued 0 mails again; onboard mail send sends them now.\nNot queued:\n  "+sentID+": ") ||
		!strings.Contains(out, "only a failed mail can be sent again") || !strings.Contains(out, "\n  no-such-id: ") ||
		errOut != "onboard mail retry: 2 mails could not be queued again; see above\n" {
		t.Fatalf("retry of two: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if rows := mailRows(t, db, "--state", "queued"); len(rows) != 0 {
		t.Fatalf("queued: %q", rows)
	}
}

func TestMailTestCommand(t *testing.T) {
	srv := smtptest.Start(t, smtptest.RejectRcpt("nobody@example.org", 550, "5.1.1 No such user here"))
	db := mailDB(t, serverPort(srv))
	code, out, errOut := run(t, "--db", db, "mail", "test", "anna@example.org")
	if code != ExitOK || out != "The server 127.0.0.1 accepted a test mail to anna@example.org.\n" {
		t.Fatalf("mail test: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].To[0] != "anna@example.org" || !strings.Contains(got[0].Subject, "test mail") {
		t.Fatalf("received %+v", got)
	}
	code, out, errOut = run(t, "--db", db, "mail", "test", "nobody@example.org")
	if code != ExitFail || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "550 5.1.1 No such user here") {
		t.Fatalf("mail test to a rejected address: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	t.Logf("rejected: %s", errOut)
	if code, _, _ := run(t, "--db", db, "mail", "test", "not an address"); code != ExitUsage {
		t.Fatalf("mail test of a bad address: exit %d", code)
	}
	// Test mails do not go through the outbox.
	if rows := mailRows(t, db); len(rows) != 0 {
		t.Fatalf("outbox: %q", rows)
	}
	// Wrong settings: exit 1 with the reason.
	if code, _, e := run(t, "--db", db, "config", "set", "smtp.port", strconv.Itoa(freePort(t))); code != ExitOK {
		t.Fatal(e)
	}
	if code, _, errOut := run(t, "--db", db, "mail", "test", "anna@example.org"); code != ExitFail || !strings.Contains(errOut, "connection refused") {
		t.Fatalf("mail test with the server down: exit %d, %q", code, errOut)
	}
}

func TestMailListUsage(t *testing.T) {
	db := mailDB(t, freePort(t))
	for _, args := range [][]string{{"--state", "lost"}, {"--limit", "-1"}, {"extra"}} {
		if code, _, errOut := run(t, append([]string{"--db", db, "mail", "list"}, args...)...); code != ExitUsage {
			t.Errorf("mail list %v: exit %d, %q", args, code, errOut)
		}
	}
	if code, _, errOut := run(t, "--db", db, "mail"); code != ExitUsage || !strings.Contains(errOut, "missing send, list, retry or test") {
		t.Errorf("mail: exit %d, %q", code, errOut)
	}
	if code, _, errOut := run(t, "--db", db, "mail", "frobnicate"); code != ExitUsage {
		t.Errorf("mail frobnicate: exit %d, %q", code, errOut)
	}
}

func TestMailRetryFailed(t *testing.T) {
	srv := smtptest.Start(t, smtptest.FailData(2, 554, "5.7.1 Message rejected as spam"))
	db := mailDB(t, serverPort(srv))
	invite(t, db, "ben@example.org, cem@example.org")
	code, out, errOut := run(t, "--db", db, "mail", "send")
	if code != ExitFail || out != "Sent 0 mails, 0 to try again, 2 failed.\n" || !strings.Contains(errOut, "2 mails failed") {
		t.Fatalf("mail send: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, r := range mailRows(t, db, "--state", "failed") {
		if !strings.Contains(r, "554 5.7.1 Message rejected as spam") {
			t.Errorf("row without the answer: %q", r)
		}
	}
	code, out, errOut = run(t, "--db", db, "mail", "retry", "--failed")
	if code != ExitOK || out != "Queued 2 mails again; onboard mail send sends them now.\n" {
		t.Fatalf("mail retry --failed: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, errOut := run(t, "--db", db, "mail", "send"); code != ExitOK || out != "Sent 2 mails, 0 to try again, 0 failed.\n" {
		t.Fatalf("mail send after retry: %d %q %q", code, out, errOut)
	}
	if got := srv.Received(); len(got) != 2 {
		t.Fatalf("received %d", len(got))
	}
	if code, out, _ := run(t, "--db", db, "mail", "retry", "--failed"); code != ExitOK || out != "Queued 0 mails again; onboard mail send sends them now.\n" {
		t.Fatalf("nothing failed: %d %q", code, out)
	}
}
