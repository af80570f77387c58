package mail_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"onboard/internal/mail"
	"onboard/internal/mail/smtptest"
)

// config returns settings for srv with security sec.
func config(srv *smtptest.Server, sec mail.Security) mail.Config {
	host, port := srv.Addr()
	return mail.Config{
		Host: host, Port: port, Security: sec, From: "office@example.org", FromName: "Example Office",
		Timeout: 5 * time.Second, TLSConfig: srv.ClientTLS(),
	}
}

// message returns a small message to addr with a new Message-ID.
func message(to string) *mail.Message {
	return &mail.Message{
		ID: mail.NewMessageID("office@example.org"), ToName: "Anna Berg", To: to,
		Subject: "Your account", Text: "Your key: KX7P-2QM9-ZT4R\n",
	}
}

// dial connects with c or ends the test.
func dial(t testing.TB, c mail.Config) *mail.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := mail.Dial(ctx, c)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

// send sends m with a bounded context.
func send(cl *mail.Client, m *mail.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cl.Send(ctx, m)
}

// sendError returns err as a *SendError or ends the test.
func sendError(t *testing.T, err error) *mail.SendError {
	t.Helper()
	var se *mail.SendError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want a *mail.SendError", err, err)
	}
	t.Logf("error: %v", err)
	return se
}

// countMail counts the MAIL commands srv saw, and those before TLS.
func countMail(srv *smtptest.Server) (all, clear int) {
	for _, c := range srv.Commands() {
		if c.Name == "MAIL" {
			all++
			if !c.TLS {
				clear++
			}
		}
	}
	return all, clear
}

func TestConfigCheck(t *testing.T) {
	good := mail.Config{Host: "smtp.example.org", Port: 587, Security: mail.SecurityStartTLS, From: "office@example.org", FromName: "Büro"}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		c := good
		c.Host, c.Security = h, mail.SecurityNone
		if err := c.Check(); err != nil {
			t.Errorf("none on %s: %v", h, err)
		}
	}
	bad := []struct {
		change func(*mail.Config)
		want   string
	}{
		{func(c *mail.Config) { c.Host = "" }, "host: the mail server's host name is missing"},
		{func(c *mail.Config) { c.Host = "smtp.example.org\r\nX" }, "host:"},
		{func(c *mail.Config) { c.Host = "smtp://example.org" }, "host:"},
		{func(c *mail.Config) { c.Port = 0 }, "port: 0 is not a port number"},
		{func(c *mail.Config) { c.Port = 65536 }, "port: 65536"},
		{func(c *mail.Config) { c.Security = "ssl" }, `security: "ssl" is not one of`},
		{func(c *mail.Config) { c.Security = mail.SecurityNone }, `security: "none" would send the password and every invitation key in clear text`},
		{func(c *mail.Config) { c.Host, c.Security = "192.168.1.5", mail.SecurityNone }, `only allowed for a mail server on this computer`},
		{func(c *mail.Config) { c.From = "" }, "from: no email address given"},
		{func(c *mail.Config) { c.From = "Office <office@example.org>" }, "from: give only the address"},
		{func(c *mail.Config) { c.From = "office@example.org\r\nBcc: x@y.org" }, "from: line breaks are not allowed"},
		{func(c *mail.Config) { c.FromName = "Office\r\nBcc: x@y.org" }, "from name: line breaks are not allowed"},
		{func(c *mail.Config) { c.Password = "secret" }, "user: a password is set but no user name"},
		{func(c *mail.Config) { c.Timeout = -time.Second }, "timeout:"},
	}
	for _, b := range bad {
		c := good
		b.change(&c)
		if err := c.Check(); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: got %v, want %s", c, err, b.want)
		}
		if _, err := mail.Dial(context.Background(), c); err == nil {
			t.Errorf("%+v: Dial accepted it", c)
		}
	}
}

func TestNewMessageID(t *testing.T) {
	id := mail.NewMessageID("office@Example.org")
	if !regexp.MustCompile(`^[0-9a-f]{32}@example\.org$`).MatchString(id) {
		t.Errorf("id %q", id)
	}
	if id == mail.NewMessageID("office@example.org") {
		t.Error("two ids are equal")
	}
	if id := mail.NewMessageID("not an address"); !strings.HasSuffix(id, "@localhost") {
		t.Errorf("id %q", id)
	}
}

func TestSendSTARTTLSWithAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("onboard", "s3cret"))
	c := config(srv, mail.SecurityStartTLS)
	c.User, c.Password = "onboard", "s3cret"
	cl := dial(t, c)

	content, err := mail.DefaultTemplate("en").Render(sampleFields())
	if err != nil {
		t.Fatal(err)
	}
	m := &mail.Message{
		ID: mail.NewMessageID(c.From), ToName: "Anna Berg", To: "anna.berg@example.org",
		Subject: content.Subject, Text: content.Text, HTML: content.HTML,
	}
	if err := send(cl, m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitReceived(1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("received %d messages", len(got))
	}
	r := got[0]
	f := sampleFields()
	switch {
	case !r.TLS || r.User != "onboard":
		t.Errorf("TLS %v user %q", r.TLS, r.User)
	case r.From != "office@example.org" || len(r.To) != 1 || r.To[0] != "anna.berg@example.org":
		t.Errorf("envelope %s -> %v", r.From, r.To)
	case r.Subject != "Your account at Example School":
		t.Errorf("subject %q", r.Subject)
	case r.MessageID != m.ID:
		t.Errorf("Message-ID %q, want %q", r.MessageID, m.ID)
	case !strings.Contains(r.Text, f.Key) || !strings.Contains(r.Text, f.URL):
		t.Errorf("text lacks key or link:\n%s", r.Text)
	case !strings.Contains(r.HTML, `<a href="https://register.example.org/r?k=KX7P-2QM9-ZT4R&amp;l=en">`):
		t.Errorf("HTML:\n%s", r.HTML)
	}
	if to, err := r.Header.AddressList("To"); err != nil || to[0].Name != "Anna Berg" {
		t.Errorf("To header %v %v", to, err)
	}
	if from, err := r.Header.AddressList("From"); err != nil || from[0].Name != "Example Office" || from[0].Address != "office@example.org" {
		t.Errorf("From header %v %v", from, err)
	}
	if all, clear := countMail(srv); all != 1 || clear != 0 {
		t.Errorf("MAIL commands: %d, %d in clear text", all, clear)
	}
	for _, cmd := range srv.Commands() {
		if cmd.Name == "AUTH" && !cmd.TLS {
			t.Errorf("AUTH before TLS: %+v", srv.Commands())
		}
	}
}

func TestWrongPassword(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("onboard", "s3cret"))
	c := config(srv, mail.SecurityStartTLS)
	c.User, c.Password = "onboard", "wrong"
	_, err := mail.Dial(context.Background(), c)
	se := sendError(t, err)
	if se.Code != 535 || se.Temporary || mail.IsTemporary(err) || !strings.Contains(se.Text, "535 5.7.8") ||
		!strings.Contains(err.Error(), `login as "onboard"`) || !strings.Contains(err.Error(), "check the user name and password") {
		t.Errorf("got %+v: %v", se, err)
	}
	if all, _ := countMail(srv); all != 0 {
		t.Errorf("MAIL after a failed login")
	}
}

func TestUntrustedCertificate(t *testing.T) {
	for _, sec := range []mail.Security{mail.SecurityStartTLS, mail.SecurityTLS} {
		var srv *smtptest.Server
		if sec == mail.SecurityTLS {
			srv = smtptest.Start(t, smtptest.WithImplicitTLS())
		} else {
			srv = smtptest.Start(t, smtptest.WithSTARTTLS())
		}
		c := config(srv, sec)
		c.TLSConfig = nil // the system's roots do not know the test certificate
		_, err := mail.Dial(context.Background(), c)
		se := sendError(t, err)
		if se.Temporary || se.Code != 0 || !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), "nothing was sent") {
			t.Errorf("%s: got %+v: %v", sec, se, err)
		}
		if all, _ := countMail(srv); all != 0 {
			t.Errorf("%s: MAIL without TLS", sec)
		}
	}
}

func TestSTARTTLSNotOffered(t *testing.T) {
	srv := smtptest.Start(t)
	_, err := mail.Dial(context.Background(), config(srv, mail.SecurityStartTLS))
	se := sendError(t, err)
	if !errors.Is(err, mail.ErrNoSTARTTLS) || se.Temporary ||
		!strings.Contains(err.Error(), "the server does not offer STARTTLS; nothing was sent") {
		t.Errorf("got %+v: %v", se, err)
	}
	if all, _ := countMail(srv); all != 0 {
		t.Errorf("%d MAIL commands: %+v", all, srv.Commands())
	}
	if n := len(srv.Received()); n != 0 {
		t.Errorf("received %d", n)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithImplicitTLS(), smtptest.WithAuth("onboard", "s3cret"))
	c := config(srv, mail.SecurityTLS)
	c.User, c.Password = "onboard", "s3cret"
	cl := dial(t, c)
	m := message("anna@example.org")
	if err := send(cl, m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitReceived(1, 5*time.Second)
	if len(got) != 1 || !got[0].TLS || got[0].User != "onboard" || got[0].MessageID != m.ID {
		t.Errorf("received %+v", got)
	}
}

func TestNoneOnLoopback(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithAuth("onboard", "s3cret"))
	c := config(srv, mail.SecurityNone)
	c.User, c.Password = "onboard", "s3cret"
	cl := dial(t, c)
	if err := send(cl, message("anna@example.org")); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitReceived(1, 5*time.Second); len(got) != 1 || got[0].TLS || got[0].User != "onboard" {
		t.Errorf("received %+v", got)
	}
	c.Host = "mail.example.org"
	if err := c.Check(); err == nil {
		t.Error(`"none" accepted for a host on the network`)
	}
}

func TestTemporaryFailureThenRetry(t *testing.T) {
	srv := smtptest.Start(t, smtptest.FailData(1, 421, "4.3.0 Try again later"))
	c := config(srv, mail.SecurityNone)
	cl := dial(t, c)
	m := message("anna@example.org")
	err := send(cl, m)
	se := sendError(t, err)
	if se.Code != 421 || !se.Temporary || !mail.IsTemporary(err) || se.Text != "421 4.3.0 Try again later" {
		t.Fatalf("got %+v", se)
	}
	// With 421 the server closes the connection: the client says so and refuses.
	if !cl.Broken() {
		t.Fatal("client not broken after 421")
	}
	if err := send(cl, m); !errors.Is(err, mail.ErrConnectionLost) || !mail.IsTemporary(err) {
		t.Fatalf("send on a broken client: %v", err)
	}
	cl = dial(t, c)
	if err := send(cl, m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitReceived(1, 5*time.Second)
	if len(got) != 1 || got[0].MessageID != m.ID {
		t.Fatalf("received %+v", got)
	}
	if n := len(srv.Received()); n != 1 {
		t.Errorf("delivered %d times", n)
	}
}

func TestTemporaryFailureKeepsConnection(t *testing.T) {
	srv := smtptest.Start(t, smtptest.FailData(1, 451, "4.7.1 Greylisted, please try again later"))
	cl := dial(t, config(srv, mail.SecurityNone))
	m := message("anna@example.org")
	se := sendError(t, send(cl, m))
	if se.Code != 451 || !se.Temporary || cl.Broken() {
		t.Fatalf("got %+v, broken %v", se, cl.Broken())
	}
	if err := send(cl, m); err != nil {
		t.Fatal(err)
	}
	if got := srv.Received(); len(got) != 1 || got[0].MessageID != m.ID {
		t.Errorf("received %+v", got)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections", n)
	}
}

func TestRecipientRejected(t *testing.T) {
	srv := smtptest.Start(t, smtptest.RejectRcpt("x@example.org", 550, "5.1.1 <x@example.org>: Recipient address rejected"))
	cl := dial(t, config(srv, mail.SecurityNone))
	err := send(cl, message("x@example.org"))
	se := sendError(t, err)
	if se.Code != 550 || se.Temporary || mail.IsTemporary(err) || se.Text != "550 5.1.1 <x@example.org>: Recipient address rejected" {
		t.Errorf("got %+v", se)
	}
	if want := "recipient <x@example.org>: the mail server answered 550 5.1.1 <x@example.org>: Recipient address rejected"; err.Error() != want {
		t.Errorf("message %q\nwant %q", err, want)
	}
	// The connection survived: the next message goes out on it.
	if cl.Broken() {
		t.Fatal("broken after 550")
	}
	if err := send(cl, message("anna@example.org")); err != nil {
		t.Fatal(err)
	}
	if got := srv.Received(); len(got) != 1 || got[0].To[0] != "anna@example.org" || srv.Connections() != 1 {
		t.Errorf("received %+v over %d connections", got, srv.Connections())
	}
}

func TestConnectionDroppedAfterData(t *testing.T) {
	srv := smtptest.Start(t, smtptest.DropAfterData(1))
	c := config(srv, mail.SecurityNone)
	cl := dial(t, c)
	m := message("anna@example.org")
	err := send(cl, m)
	se := sendError(t, err)
	if !se.Temporary || se.Code != 0 || !cl.Broken() {
		t.Fatalf("got %+v: %v, broken %v", se, err, cl.Broken())
	}
	cl = dial(t, c)
	if err := send(cl, m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitReceived(1, 5*time.Second)
	if len(got) != 1 || got[0].MessageID != m.ID {
		t.Errorf("received %+v", got)
	}
}

func TestTimeout(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Slow(5*time.Second))
	c := config(srv, mail.SecurityNone)
	c.Timeout = 300 * time.Millisecond
	cl := dial(t, c)
	start := time.Now()
	err := send(cl, message("anna@example.org"))
	if se := sendError(t, err); !se.Temporary || se.Code != 0 || !cl.Broken() {
		t.Errorf("got %+v, broken %v", se, cl.Broken())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestCancel(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Slow(5*time.Second))
	cl := dial(t, config(srv, mail.SecurityNone))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := cl.Send(ctx, message("anna@example.org"))
	if !errors.Is(err, context.DeadlineExceeded) || !mail.IsTemporary(err) || !cl.Broken() {
		t.Errorf("got %v, broken %v", err, cl.Broken())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	_, err = mail.Dial(context.Background(), mail.Config{
		Host: "127.0.0.1", Port: port, Security: mail.SecurityNone,
		From: "office@example.org", Timeout: 2 * time.Second,
	})
	se := sendError(t, err)
	if !se.Temporary || se.Code != 0 || !strings.Contains(err.Error(), "cannot connect to 127.0.0.1:") {
		t.Errorf("got %+v: %v", se, err)
	}
}

func TestInjectionRefusedBeforeSending(t *testing.T) {
	srv := smtptest.Start(t)
	cl := dial(t, config(srv, mail.SecurityNone))
	tests := []struct {
		change func(*mail.Message)
		want   string
	}{
		{func(m *mail.Message) { m.ToName = "Anna\r\nBcc: x@y.org" }, "to name: line breaks are not allowed"},
		{func(m *mail.Message) { m.To = "a@b.example\r\nBcc: c@d.example" }, "to: line breaks are not allowed"},
		{func(m *mail.Message) { m.To = "a@b.example, c@d.example" }, "to: "},
		{func(m *mail.Message) { m.To = "Anna <a@b.example>" }, "to: give only the address"},
		{func(m *mail.Message) { m.Subject = "Hi\r\nBcc: x@y.org" }, "subject: line breaks are not allowed"},
		{func(m *mail.Message) { m.From, m.FromName = "office@example.org", "Office\x00" }, "from name: control characters"},
		{func(m *mail.Message) { m.ID = "" }, "id: the message has no Message-ID"},
		{func(m *mail.Message) { m.ID = "abc@example.org>\r\nBcc: x@y.org" }, "id: "},
		{func(m *mail.Message) { m.ID = "<abc@example.org>" }, "id: "},
		{func(m *mail.Message) { m.Text = "" }, "text: the text is empty"},
	}
	for _, tt := range tests {
		m := message("anna@example.org")
		tt.change(m)
		err := send(cl, m)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || mail.IsTemporary(err) {
			t.Errorf("got %v, want %s", err, tt.want)
		}
	}
	if all, _ := countMail(srv); all != 0 || cl.Broken() {
		t.Errorf("%d MAIL commands, broken %v", all, cl.Broken())
	}
}

func TestInternationalNames(t *testing.T) {
	srv := smtptest.Start(t)
	c := config(srv, mail.SecurityNone)
	c.FromName = "Büro für Zugänge"
	cl := dial(t, c)
	f := sampleFields()
	f.FirstName, f.LastName, f.Organization = "Jürgen", "Öztürk", "Лаборатория Müller & Söhne"
	content, err := mail.DefaultTemplate("de").Render(f)
	if err != nil {
		t.Fatal(err)
	}
	m := &mail.Message{
		ID: mail.NewMessageID(c.From), ToName: "Öztürk, Jürgen (Анна)", To: "j.oeztuerk@example.org",
		Subject: content.Subject, Text: content.Text, HTML: content.HTML,
	}
	if err := send(cl, m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitReceived(1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	r := got[0]
	if r.Subject != "Ihr Zugang bei Лаборатория Müller & Söhne" {
		t.Errorf("subject %q", r.Subject)
	}
	if to, err := r.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Name != m.ToName || to[0].Address != m.To {
		t.Errorf("To %v %v", to, err)
	}
	if from, err := r.Header.AddressList("From"); err != nil || from[0].Name != c.FromName {
		t.Errorf("From %v %v", from, err)
	}
	if !strings.Contains(r.Text, "Guten Tag Jürgen Öztürk,") || !strings.Contains(r.HTML, "Лаборатория Müller &amp; Söhne") {
		t.Errorf("text:\n%s\nHTML:\n%s", r.Text, r.HTML)
	}
	for i, b := range r.Data {
		if b >= 0x80 {
			t.Fatalf("byte %d of the message is not ASCII: %q", i, r.Data[max(0, i-20):i+1])
		}
	}
}

func TestBatchOnOneConnection(t *testing.T) {
	srv := smtptest.Start(t)
	cl := dial(t, config(srv, mail.SecurityNone))
	ids := map[string]bool{}
	for i := range 50 {
		m := message(fmt.Sprintf("user%d@example.org", i))
		ids[m.ID] = true
		if err := send(cl, m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	got := srv.Received()
	if len(got) != 50 || srv.Connections() != 1 {
		t.Fatalf("received %d over %d connections", len(got), srv.Connections())
	}
	for _, r := range got {
		if !ids[r.MessageID] {
			t.Errorf("unexpected Message-ID %q", r.MessageID)
		}
		delete(ids, r.MessageID)
	}
	if err := cl.Close(); err != nil {
		t.Error(err)
	}
	if err := send(cl, message("late@example.org")); !errors.Is(err, mail.ErrConnectionLost) {
		t.Errorf("send after Close: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{
		time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, 64 * time.Minute, 128 * time.Minute, 256 * time.Minute, 6 * time.Hour, 6 * time.Hour,
	}
	for i, w := range want {
		if got := mail.Backoff(i+1, 0.5); got != w {
			t.Errorf("attempt %d: %v, want %v", i+1, got, w)
		}
	}
	if got := mail.Backoff(1000, 0.5); got != 6*time.Hour {
		t.Errorf("attempt 1000: %v", got)
	}
	if got := mail.Backoff(0, 0.5); got != time.Minute {
		t.Errorf("attempt 0: %v", got)
	}
	for attempt := 1; attempt <= 12; attempt++ {
		base := mail.Backoff(attempt, 0.5)
		lo, hi := mail.Backoff(attempt, 0), mail.Backoff(attempt, 0.999999)
		if lo != base*8/10 || hi >= base*12/10 || hi < base*119/100 {
			t.Errorf("attempt %d: jitter range [%v, %v] around %v", attempt, lo, hi, base)
		}
		if mail.Backoff(attempt, -1) != lo || mail.Backoff(attempt, 7) != base*12/10 {
			t.Errorf("attempt %d: out-of-range jitter not clamped", attempt)
		}
	}
	if mail.MaxAttempts != 12 {
		t.Errorf("MaxAttempts %d", mail.MaxAttempts)
	}
}

func TestSendTest(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithSTARTTLS())
	date := time.Date(2030, 5, 17, 9, 30, 0, 0, time.UTC)
	if err := mail.SendTest(context.Background(), config(srv, mail.SecurityStartTLS), "anna@example.org", date); err != nil {
		t.Fatal(err)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].To[0] != "anna@example.org" || !strings.Contains(got[0].Text, "2030-05-17 09:30 UTC") {
		t.Fatalf("received %+v", got)
	}
	if d, err := got[0].Header.Date(); err != nil || !d.Equal(date) {
		t.Errorf("Date %v %v", d, err)
	}
	if err := mail.SendTest(context.Background(), config(smtptest.Start(t), mail.SecurityStartTLS), "anna@example.org", date); !errors.Is(err, mail.ErrNoSTARTTLS) {
		t.Errorf("without STARTTLS: %v", err)
	}
}

func TestSTARTTLSAgainstImplicitTLSPort(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithImplicitTLS())
	c := config(srv, mail.SecurityStartTLS)
	c.Timeout = 300 * time.Millisecond // the server waits for a TLS handshake, the client for a greeting
	_, err := mail.Dial(context.Background(), c)
	if se := sendError(t, err); !se.Temporary || se.Code != 0 {
		t.Errorf("got %+v", se)
	}
	if all, _ := countMail(srv); all != 0 {
		t.Error("MAIL sent")
	}
}
