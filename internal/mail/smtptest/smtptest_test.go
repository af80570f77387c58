package smtptest_test

import (
	"crypto/tls"
	"errors"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"onboard/internal/mail/smtptest"
)

const testMessage = "From: a@example.org\r\n" +
	"To: b@example.org\r\n" +
	"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus =?utf-8?b?0JzQvtGB0LrQstCw?=\r\n" +
	"Message-ID: <m1@example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=b1\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Gr=C3=BC=C3=9Fe\r\nline two\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+R3LDvMOfZTwvcD4=\r\n" +
	"--b1--\r\n"

// dial connects to srv with net/smtp.
func dial(t *testing.T, srv *smtptest.Server) *smtp.Client {
	t.Helper()
	host, port := srv.Addr()
	c, err := smtp.Dial(net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// code returns the reply code of err, or 0.
func code(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// deliver runs one transaction and returns the error of the final reply.
func deliver(t *testing.T, c *smtp.Client) error {
	t.Helper()
	if err := c.Mail("a@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("b@example.org"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(testMessage)); err != nil {
		t.Fatal(err)
	}
	return w.Close()
}

func TestServer(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("u", "p"),
		smtptest.RejectRcpt("No@Example.org", 550, "5.1.1 no such user"), smtptest.FailData(1, 451, "4.3.0 later"))
	host, _ := srv.Addr()
	conf := srv.ClientTLS()
	conf.ServerName = host
	c := dial(t, srv)
	if err := c.StartTLS(conf); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "u", "wrong", host)); code(err) != 535 {
		t.Fatalf("wrong password: %v", err)
	}

	c = dial(t, srv)
	if err := c.Mail("a@example.org"); err == nil {
		t.Fatal("MAIL accepted before login")
	}
	if err := c.StartTLS(conf); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "u", "p", host)); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("a@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("no@example.org"); code(err) != 550 || !strings.Contains(err.Error(), "5.1.1 no such user") {
		t.Fatalf("rejected recipient: %v", err)
	}
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := deliver(t, c); code(err) != 451 || !strings.Contains(err.Error(), "4.3.0 later") {
		t.Fatalf("first DATA: %v", err)
	}
	if err := deliver(t, c); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitReceived(1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	r := got[0]
	if r.From != "a@example.org" || len(r.To) != 1 || r.To[0] != "b@example.org" || !r.TLS || r.User != "u" ||
		r.MessageID != "m1@example.org" || r.Subject != "Grüße aus Москва" || r.Text != "Grüße\nline two" || r.HTML != "<p>Grüße</p>" {
		t.Errorf("received %+v", r)
	}

	var names []string
	for _, cmd := range srv.Commands() {
		n := cmd.Name
		if cmd.TLS {
			n += "+tls"
		}
		names = append(names, n)
	}
	want := "EHLO STARTTLS EHLO+tls AUTH+tls EHLO MAIL STARTTLS EHLO+tls AUTH+tls MAIL+tls RCPT+tls MAIL+tls RCPT+tls DATA+tls MAIL+tls RCPT+tls DATA+tls"
	if strings.Join(names, " ") != want {
		t.Errorf("commands\n%s\nwant\n%s", strings.Join(names, " "), want)
	}

	start := time.Now()
	if n := len(srv.WaitReceived(2, 100*time.Millisecond)); n != 1 || time.Since(start) < 100*time.Millisecond {
		t.Errorf("WaitReceived for more than arrived: %d after %v", n, time.Since(start))
	}
}

func TestDropAfterData(t *testing.T) {
	srv := smtptest.Start(t, smtptest.DropAfterData(1))
	if err := deliver(t, dial(t, srv)); err == nil || code(err) != 0 {
		t.Fatalf("dropped message: %v", err)
	}
	if err := deliver(t, dial(t, srv)); err != nil {
		t.Fatal(err)
	}
	if n, conns := len(srv.Received()), srv.Connections(); n != 1 || conns != 2 {
		t.Errorf("received %d over %d connections", n, conns)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithImplicitTLS(), smtptest.Slow(50*time.Millisecond))
	host, port := srv.Addr()
	conf := srv.ClientTLS()
	conf.ServerName = host
	conn, err := tlsDial(net.JoinHostPort(host, strconv.Itoa(port)), conf)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if err := deliver(t, c); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("Slow: answered after %v", d)
	}
	if got := srv.Received(); len(got) != 1 || !got[0].TLS {
		t.Errorf("received %+v", got)
	}
}

// tlsDial connects with TLS.
func tlsDial(addr string, conf *tls.Config) (net.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return tls.DialWithDialer(d, "tcp", addr, conf)
}
