// Package smtptest runs an SMTP server on 127.0.0.1 for tests. The server
// records the messages it accepts and the commands it saw, offers STARTTLS or
// implicit TLS with a certificate made for the test, can require a login, and
// can be told to fail in scripted ways: answer DATA with an error, reject a
// recipient, drop the connection after the data, or answer slowly.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is a message the server accepted.
type Received struct {
	From string   // MAIL FROM address
	To   []string // RCPT TO addresses
	Data []byte   // the message as sent, headers and body
	// Header is the parsed header of Data (nil if Data does not parse).
	Header mail.Header
	// MessageID is the Message-ID header without angle brackets; Subject is the
	// Subject header with RFC 2047 encoded words decoded.
	MessageID, Subject string
	// Text and HTML are the decoded text/plain and text/html parts (the first of
	// each), with line ends as "\n".
	Text, HTML string
	// TLS reports whether the connection was encrypted; User is the user name
	// the client logged in with, or "".
	TLS  bool
	User string
}

// Command is a command the server saw. Name is "EHLO" (for EHLO or HELO),
// "STARTTLS" (recorded when the first EHLO after a successful STARTTLS
// arrives), "AUTH", "MAIL", "RCPT" or "DATA"; Arg is its argument (the
// client's name, the mechanism, the address). Conn numbers the connections from
// 1; TLS reports whether the connection was encrypted at that point.
type Command struct {
	Conn int
	Name string
	Arg  string
	TLS  bool
}

// Option changes how the server behaves.
type Option func(*config)

type config struct {
	startTLS, implicitTLS bool
	user, pass            string
	failN, failCode       int
	failMsg               string
	reject                map[string]*smtp.SMTPError
	dropN                 int
	slow                  time.Duration
}

// WithSTARTTLS offers STARTTLS with a certificate made for the test, for
// 127.0.0.1, ::1 and localhost; ClientTLS trusts it.
func WithSTARTTLS() Option { return func(c *config) { c.startTLS = true } }

// WithImplicitTLS speaks TLS from the first byte, with a certificate as for
// WithSTARTTLS.
func WithImplicitTLS() Option { return func(c *config) { c.implicitTLS = true } }

// WithAuth offers AUTH PLAIN (only after TLS when TLS is configured) and
// requires a login as user with pass before MAIL. A wrong login is answered
// with 535.
func WithAuth(user, pass string) Option {
	return func(c *config) { c.user, c.pass = user, pass }
}

// FailData answers the first n messages (counted over all connections) with
// code and msg after their data, instead of accepting them. msg may start with
// an enhanced status code ("4.3.0 Try again later"); otherwise X.0.0 is used.
func FailData(n, code int, msg string) Option {
	return func(c *config) { c.failN, c.failCode, c.failMsg = n, code, msg }
}

// RejectRcpt answers RCPT TO for addr with code and msg, as FailData does.
func RejectRcpt(addr string, code int, msg string) Option {
	return func(c *config) {
		if c.reject == nil {
			c.reject = map[string]*smtp.SMTPError{}
		}
		c.reject[strings.ToLower(addr)] = reply(code, msg)
	}
}

// DropAfterData reads the data of the first n messages (counted over all
// connections, before FailData) and then closes the connection without a reply.
// Those messages are not recorded as received.
func DropAfterData(n int) Option { return func(c *config) { c.dropN = n } }

// Slow waits d after the data of each message before answering.
func Slow(d time.Duration) Option { return func(c *config) { c.slow = d } }

// reply makes the SMTP error of code and msg, taking an enhanced status code from
// the front of msg.
func reply(code int, msg string) *smtp.SMTPError {
	e := &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: msg}
	if first, rest, ok := strings.Cut(msg, " "); ok {
		var a, b, c int
		if n, _ := fmt.Sscanf(first, "%d.%d.%d", &a, &b, &c); n == 3 {
			e.EnhancedCode, e.Message = smtp.EnhancedCode{a, b, c}, rest
		}
	}
	return e
}

// Server is a running test SMTP server.
type Server struct {
	cfg       config
	port      int
	clientTLS *tls.Config
	closed    chan struct{} // closed when the test ends

	mu       sync.Mutex
	accepted int
	connIDs  map[*smtp.Conn]int
	data     int // DATA commands seen
	received []Received
	commands []Command
	changed  chan struct{} // closed and replaced when a message arrives
}

// Start starts a server on 127.0.0.1 with a free port; it is closed when the test
// ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{closed: make(chan struct{}), connIDs: map[*smtp.Conn]int{}, changed: make(chan struct{})}
	for _, o := range opts {
		o(&s.cfg)
	}
	if s.cfg.startTLS && s.cfg.implicitTLS {
		t.Fatal("smtptest: choose WithSTARTTLS or WithImplicitTLS, not both")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "smtptest.localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = !s.cfg.startTLS && !s.cfg.implicitTLS

	var l net.Listener = &countingListener{Listener: ln, s: s}
	if s.cfg.startTLS || s.cfg.implicitTLS {
		cert, err := certificate()
		if err != nil {
			t.Fatalf("smtptest: certificate: %v", err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(cert.Leaf)
		s.clientTLS = &tls.Config{RootCAs: pool}
		serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
		if s.cfg.startTLS {
			srv.TLSConfig = serverTLS
		} else {
			l = tls.NewListener(l, serverTLS)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		close(s.closed)
		_ = ln.Close()
		_ = srv.Close()
		<-done
	})
	return s
}

// certificate makes a self-signed certificate for 127.0.0.1, ::1 and localhost.
func certificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	s *Server
}

// Accept accepts a connection and counts it.
func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.mu.Lock()
		l.s.accepted++
		l.s.mu.Unlock()
	}
	return c, err
}

// Addr returns the host and port to connect to.
func (s *Server) Addr() (host string, port int) { return "127.0.0.1", s.port }

// ClientTLS returns a TLS configuration that trusts the server's certificate (a
// new copy each time), or nil when the server has no TLS.
func (s *Server) ClientTLS() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// Connections returns how many connections the server accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Received returns the messages accepted so far, oldest first.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.received)
}

// Commands returns the commands seen so far, in order.
func (s *Server) Commands() []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands)
}

// WaitReceived waits until at least n messages were accepted or timeout passed,
// and returns the messages accepted by then.
func (s *Server) WaitReceived(n int, timeout time.Duration) []Received {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.received) >= n {
			r := slices.Clone(s.received)
			s.mu.Unlock()
			return r
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			return s.Received()
		}
	}
}

// record adds a command.
func (s *Server) record(c Command) {
	s.mu.Lock()
	s.commands = append(s.commands, c)
	s.mu.Unlock()
}

// newSession starts a session after EHLO or HELO, also the one after STARTTLS.
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	s.mu.Lock()
	id, ok := s.connIDs[c]
	if !ok {
		id = len(s.connIDs) + 1
		s.connIDs[c] = id
	}
	if isTLS && s.cfg.startTLS {
		s.commands = append(s.commands, Command{Conn: id, Name: "STARTTLS"})
	}
	s.commands = append(s.commands, Command{Conn: id, Name: "EHLO", Arg: c.Hostname(), TLS: isTLS})
	s.mu.Unlock()
	return &session{s: s, c: c, id: id, tls: isTLS}, nil
}

// session is one SMTP session: the commands of one connection between
// EHLO (or STARTTLS) and its end.
type session struct {
	s    *Server
	c    *smtp.Conn
	id   int
	tls  bool
	user string
	from string
	to   []string
}

// command records a command of the session.
func (se *session) command(name, arg string) {
	se.s.record(Command{Conn: se.id, Name: name, Arg: arg, TLS: se.tls})
}

// AuthMechanisms offers PLAIN when WithAuth was given.
func (se *session) AuthMechanisms() []string {
	if se.s.cfg.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth checks a PLAIN login against the WithAuth user and password.
func (se *session) Auth(mech string) (sasl.Server, error) {
	se.command("AUTH", mech)
	if se.s.cfg.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if (identity == "" || identity == user) && user == se.s.cfg.user && pass == se.s.cfg.pass {
			se.user = user
			return nil
		}
		return smtp.ErrAuthFailed
	}), nil
}

// Mail starts a message; it needs a login when WithAuth was given.
func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.command("MAIL", from)
	if se.s.cfg.user != "" && se.user == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

// Rcpt adds a recipient unless RejectRcpt names it.
func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.command("RCPT", to)
	if e := se.s.cfg.reject[strings.ToLower(to)]; e != nil {
		return e
	}
	se.to = append(se.to, to)
	return nil
}

// Data reads a message and drops, delays, fails or records it as the options say.
func (se *session) Data(r io.Reader) error {
	se.command("DATA", "")
	s := se.s
	s.mu.Lock()
	s.data++
	n := s.data
	s.mu.Unlock()
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if n <= s.cfg.dropN {
		_ = se.c.Conn().Close()
		return errors.New("smtptest: connection dropped")
	}
	if s.cfg.slow > 0 {
		select {
		case <-time.After(s.cfg.slow):
		case <-s.closed:
		}
	}
	if n <= s.cfg.failN {
		return reply(s.cfg.failCode, s.cfg.failMsg)
	}
	rec := parse(data)
	rec.From, rec.To, rec.TLS, rec.User = se.from, slices.Clone(se.to), se.tls, se.user
	s.mu.Lock()
	s.received = append(s.received, rec)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return nil
}

// Reset forgets the message in progress.
func (se *session) Reset() {
	se.from, se.to = "", nil
}

// Logout ends the session.
func (se *session) Logout() error { return nil }

// parse reads the header and the text and HTML parts of a message.
func parse(data []byte) Received {
	r := Received{Data: data}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return r
	}
	r.Header = m.Header
	r.MessageID = strings.Trim(strings.TrimSpace(m.Header.Get("Message-Id")), "<>")
	r.Subject = m.Header.Get("Subject")
	if s, err := new(mime.WordDecoder).DecodeHeader(r.Subject); err == nil {
		r.Subject = s
	}
	r.Text, r.HTML = bodies(textproto.MIMEHeader(m.Header), m.Body)
	return r
}

// bodies returns the first text/plain and text/html content of a part with
// header h and body, looking into multipart parts.
func bodies(h textproto.MIMEHeader, body io.Reader) (text, html string) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable
			if err != nil {
				return text, html
			}
			t, h := bodies(p.Header, p)
			if text == "" {
				text = t
			}
			if html == "" {
				html = h
			}
		}
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, _ := io.ReadAll(body)
	content := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch mt {
	case "text/plain":
		text = content
	case "text/html":
		html = content
	}
	return text, html
}
