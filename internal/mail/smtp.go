package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"
)

// Security says how the connection to the mail server is protected.
type Security string

const (
	// SecurityNone sends everything in clear text. Config.Check allows it only for
	// a mail server on this computer.
	SecurityNone Security = "none"
	// SecurityStartTLS connects in clear text (usually to port 587) and switches to
	// TLS with STARTTLS before logging in or sending anything. A server that does
	// not offer STARTTLS is refused.
	SecurityStartTLS Security = "starttls"
	// SecurityTLS speaks TLS from the first byte (implicit TLS, usually port 465).
	SecurityTLS Security = "tls"
)

// DefaultTimeout bounds each step of talking to the mail server when
// Config.Timeout is zero: connecting and logging in, and each message.
const DefaultTimeout = 30 * time.Second

// Config are the settings of the organization's mail server.
type Config struct {
	Host     string
	Port     int
	Security Security
	// User and Password log in (AUTH PLAIN or LOGIN) when User is set. Over a
	// connection without TLS they are only sent to localhost.
	User, Password string
	// From is the sender's bare address, FromName the sender's display name; a
	// Message without a From uses both.
	From, FromName string
	// Timeout bounds connecting and logging in, and each message; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// TLSConfig is the TLS configuration to use (tests trust a test CA with it);
	// nil means the system's root certificates. An empty ServerName is set to Host.
	TLSConfig *tls.Config
}

// Check reports the first problem of the settings: a missing or malformed host, a
// port outside 1–65535, an unknown security, security "none" for a server on
// another computer, an invalid sender address or name, or a password without a
// user name.
func (c Config) Check() error {
	switch {
	case c.Host == "":
		return errors.New("host: the mail server's host name is missing")
	case !validHost(c.Host):
		return fmt.Errorf("host: %q is not a host name or IP address", c.Host)
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("port: %d is not a port number (1–65535)", c.Port)
	}
	switch c.Security {
	case SecurityStartTLS, SecurityTLS:
	case SecurityNone:
		if !isLocalhost(c.Host) {
			return fmt.Errorf(`security: "none" would send the password and every invitation key in clear text over the network; `+
				`it is only allowed for a mail server on this computer (localhost, 127.0.0.1, ::1), not for %q; use "starttls" or "tls"`, c.Host)
		}
	default:
		return fmt.Errorf(`security: %q is not one of "starttls", "tls" or "none"`, c.Security)
	}
	if err := bareAddress("from", c.From); err != nil {
		return err
	}
	if err := CheckHeader("from name", c.FromName); err != nil {
		return err
	}
	if c.Password != "" && c.User == "" {
		return errors.New("user: a password is set but no user name")
	}
	if c.Timeout < 0 {
		return errors.New("timeout: the timeout must not be negative")
	}
	return nil
}

// validHost reports an IP address or a host name of letters, digits, hyphens and
// dots.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, r := range l {
			if !isAlnum(r) && r != '-' {
				return false
			}
		}
	}
	return true
}

// isLocalhost reports the host names of this computer that go-mail also accepts
// for a password over a connection without TLS.
func isLocalhost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// bareAddress reports an s that is not a bare email address by the rules of
// ParseAddress.
func bareAddress(field, s string) error {
	name, _, err := ParseAddress(field, s)
	if err != nil {
		return err
	}
	if name != "" {
		return fmt.Errorf("%s: give only the address, such as anna@example.org; the name is set separately", field)
	}
	return nil
}

// timeout returns the configured timeout or DefaultTimeout.
func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// tlsConfig returns a copy of the TLS configuration with ServerName set.
func (c Config) tlsConfig() *tls.Config {
	conf := &tls.Config{}
	if c.TLSConfig != nil {
		conf = c.TLSConfig.Clone()
	}
	if conf.ServerName == "" {
		conf.ServerName = c.Host
	}
	if conf.MinVersion == 0 {
		conf.MinVersion = tls.VersionTLS12
	}
	return conf
}

// Message is one email to one recipient.
type Message struct {
	// ID is the Message-ID without angle brackets, from NewMessageID. Store it with
	// the message: a retry must send the same ID, so that a recipient whose server
	// got the message twice can tell.
	ID string
	// FromName and From are the sender; an empty From means the Config's From and
	// FromName.
	FromName, From string
	// ToName and To are the recipient: a display name and a bare address.
	ToName, To string
	// Subject is one line; Text is the plain text body; HTML, if set, is sent as
	// the alternative HTML version.
	Subject, Text, HTML string
	// Date is the Date header; zero means the time of sending.
	Date time.Time
}

// NewMessageID returns a new random Message-ID (without angle brackets) at the
// domain of the sender's address fromAddr, or at "localhost" when fromAddr is not
// a valid address.
func NewMessageID(fromAddr string) string {
	domain := "localhost"
	if at := strings.LastIndexByte(fromAddr, '@'); at >= 0 && checkAddr(fromAddr) == "" {
		domain = strings.ToLower(fromAddr[at+1:])
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "@" + domain
}

// checkMessageID reports an id that is not of the form left@right in printable
// ASCII without spaces and special characters.
func checkMessageID(id string) error {
	if id == "" {
		return errors.New("id: the message has no Message-ID (make one with NewMessageID and keep it, so that a retry sends the same one)")
	}
	left, right, ok := strings.Cut(id, "@")
	valid := ok && left != "" && right != "" && !strings.Contains(right, "@") && len(id) <= 250
	for _, r := range id {
		if r <= ' ' || r > '~' || strings.ContainsRune(`<>()[]\,;:"`, r) {
			valid = false
		}
	}
	if !valid {
		return fmt.Errorf("id: %q is not a Message-ID (expected something like NewMessageID gives, without angle brackets)", id)
	}
	return nil
}

var (
	// ErrNoSTARTTLS is the Err of the SendError that Dial returns when security
	// is "starttls" and the server does not offer it. Nothing was sent.
	ErrNoSTARTTLS = errors.New("the server does not offer STARTTLS; nothing was sent")
	// ErrConnectionLost is the Err of the SendError that Send returns on a Client
	// whose connection is gone or closed, or that the server closed while it was
	// idle. Nothing of the message was sent; Close the client, Dial again and
	// send the message again.
	ErrConnectionLost = errors.New("the connection to the mail server is gone; dial again")
)

// SendError is a failure to connect to the mail server or to deliver a message.
type SendError struct {
	// Code is the SMTP reply code, such as 421 or 550; 0 when there was no reply
	// (network errors, timeouts, TLS problems).
	Code int
	// Temporary reports whether trying again later can help: 4xx replies and
	// network errors. 5xx replies, TLS problems and rejected logins are permanent;
	// they need a change of the recipient or of the settings.
	Temporary bool
	// Text is the server's answer as it said it, such as
	// "550 5.1.1 <x@example.org>: Recipient address rejected"; empty without a reply.
	Text string
	// Err is the underlying error.
	Err error

	where string // what failed, such as "recipient <x@example.org>"
	hint  string // what the user can do, or ""
}

// Error says what failed, what the server or the network said, and, for problems
// of the settings, what to check.
func (e *SendError) Error() string {
	var b strings.Builder
	if e.where != "" {
		b.WriteString(e.where + ": ")
	}
	switch {
	case e.Text != "":
		b.WriteString("the mail server answered " + strings.ReplaceAll(e.Text, "\n", " "))
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	}
	if e.hint != "" {
		b.WriteString(" (" + e.hint + ")")
	}
	return b.String()
}

// Unwrap returns Err.
func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is a *SendError (or wraps one) that trying again
// later can help with.
func IsTemporary(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Temporary
}

// replyError makes the SendError of a server reply.
func replyError(where string, te *textproto.Error) *SendError {
	return &SendError{Code: te.Code, Temporary: te.Code/100 == 4, Text: fmt.Sprintf("%03d %s", te.Code, te.Msg), Err: te, where: where}
}

// isNetworkError reports network failures, timeouts and connections closed by the
// other side.
func isNetworkError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// isTLSError reports failed TLS handshakes and certificate checks.
func isTLSError(err error) bool {
	var (
		cve *tls.CertificateVerificationError
		ae  tls.AlertError
		rhe tls.RecordHeaderError
		uae x509.UnknownAuthorityError
		he  x509.HostnameError
		cie x509.CertificateInvalidError
	)
	return errors.As(err, &cve) || errors.As(err, &ae) || errors.As(err, &rhe) || errors.As(err, &uae) ||
		errors.As(err, &he) || errors.As(err, &cie) || strings.Contains(err.Error(), "tls: ")
}

const configHint = "a problem of the mail server settings; nothing was sent"

// tlsFailure makes the SendError of a failed TLS handshake with addr.
func tlsFailure(addr string, err error) *SendError {
	if !isTLSError(err) && isNetworkError(err) {
		return &SendError{Temporary: true, Err: err, where: "TLS with " + addr}
	}
	return &SendError{
		Err: err, where: "TLS with " + addr,
		hint: "check the security setting and the server's certificate; " + configHint,
	}
}

// dialError classifies an error of connecting, STARTTLS or logging in.
func dialError(c Config, addr string, err error) *SendError {
	var se *SendError
	var te *textproto.Error
	auth := c.User != "" && (strings.Contains(strings.ToLower(err.Error()), "smtp auth") || errors.Is(err, gmsmtp.ErrUnencrypted))
	switch {
	case errors.As(err, &se):
		return se
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		return &SendError{
			Err: ErrNoSTARTTLS, where: addr,
			hint: `choose security "tls" if the server expects TLS from the first byte, usually on port 465; a problem of the mail server settings`,
		}
	case errors.As(err, &te):
		se := replyError(addr, te)
		if auth || te.Code == 535 || te.Code == 534 {
			se.where = fmt.Sprintf("login as %q at %s", c.User, addr)
			if !se.Temporary {
				se.hint = "check the user name and password; " + configHint
			}
		}
		return se
	case isTLSError(err):
		return tlsFailure(addr, err)
	case isNetworkError(err):
		se := &SendError{Temporary: true, Err: fmt.Errorf("the connection failed: %w", err), where: addr}
		if c.Port == 465 && c.Security != SecurityTLS {
			se.hint = `port 465 usually expects security "tls"`
		}
		return se
	case auth:
		return &SendError{Err: err, where: fmt.Sprintf("login as %q at %s", c.User, addr), hint: configHint}
	}
	return &SendError{Err: err, where: addr, hint: configHint}
}

// longAgo is a deadline in the past: it makes blocked reads and writes return.
var longAgo = time.Unix(1, 0)

// Client is a connection to the mail server that sends one message after another.
// Its methods may be called from several goroutines; messages are sent one at a
// time.
type Client struct {
	cfg     Config
	timeout time.Duration

	mu      sync.Mutex
	conn    net.Conn       // the TCP connection, for deadlines
	smtp    *gmsmtp.Client // go-mail's SMTP client on conn (with TLS on top where used)
	broken  bool           // the connection is gone or closed
	lastUse time.Time      // when the server last answered
}

// idleCheck is how long a connection may sit unused before Send checks with NOOP
// that the server has not closed it.
const idleCheck = 10 * time.Second

// Dial connects to the mail server of c, switches to TLS as c.Security says and
// logs in when c.User is set. An invalid c gives the error of c.Check; anything
// else is a *SendError: temporary for network failures and 4xx replies,
// permanent for TLS problems, a server without STARTTLS (Err is ErrNoSTARTTLS),
// rejected logins and other settings problems. Nothing is sent before TLS is in
// place.
func Dial(ctx context.Context, c Config) (*Client, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	tlsConf := c.tlsConfig()

	// dial connects (and for implicit TLS does the handshake) in place of go-mail's
	// dialer, to keep the TCP connection for deadlines and to tell connection and
	// TLS failures apart. go-mail also gets the address wrong for IPv6.
	var (
		mu        sync.Mutex
		raw       net.Conn
		cancelled bool
	)
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, &SendError{Temporary: true, Err: err, where: "cannot connect to " + addr}
		}
		mu.Lock()
		raw = conn
		if cancelled {
			_ = conn.SetDeadline(longAgo)
		}
		mu.Unlock()
		if c.Security != SecurityTLS {
			return conn, nil
		}
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, tlsFailure(addr, err)
		}
		return tc, nil
	}

	opts := []gomail.Option{
		gomail.WithPort(c.Port), gomail.WithTimeout(c.timeout()),
		gomail.WithTLSConfig(tlsConf), gomail.WithDialContextFunc(dial),
	}
	switch c.Security {
	case SecurityNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case SecurityStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case SecurityTLS:
		opts = append(opts, gomail.WithSSL())
	}
	if c.User != "" {
		// PLAIN or LOGIN, whichever the server offers; go-mail refuses both over a
		// connection without TLS unless the host is localhost.
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(c.User), gomail.WithPassword(c.Password))
	}
	gc, err := gomail.NewClient(c.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail server settings: %w", err)
	}

	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		cancelled = true
		if raw != nil {
			_ = raw.SetDeadline(longAgo)
		}
		mu.Unlock()
	})
	sc, err := gc.DialToSMTPClientWithContext(ctx)
	fired := !stop()
	mu.Lock()
	defer mu.Unlock()
	if err != nil || fired {
		if raw != nil {
			_ = raw.Close()
		}
		if fired {
			return nil, &SendError{Temporary: true, Err: ctx.Err(), where: addr}
		}
		return nil, dialError(c, addr, err)
	}
	return &Client{cfg: c, timeout: c.timeout(), conn: raw, smtp: sc, lastUse: time.Now()}, nil
}

// Send delivers m over the connection. Problems of m itself (a missing or
// malformed ID, address, subject or text) are returned as plain errors before
// anything is sent; they are permanent. Everything else is a *SendError: see
// its Temporary field and IsTemporary.
//
// After a failed message the client stays usable when the connection survived
// (the transaction is reset with RSET). When the connection is gone (a network
// error, a timeout, a cancelled ctx, or a 421 reply, with which the server closes
// the connection), Broken reports true and every later Send fails with
// ErrConnectionLost; Close the client and Dial again. A message whose connection
// broke after its data was sent may have been delivered; sending it again with
// the same Message-ID is the safe choice.
func (cl *Client) Send(ctx context.Context, m *Message) error {
	msg, err := cl.compose(m)
	if err != nil {
		return err
	}
	where := "message to <" + m.To + ">"
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.broken {
		return &SendError{Temporary: true, Err: ErrConnectionLost, where: where}
	}
	if err := ctx.Err(); err != nil {
		return &SendError{Temporary: true, Err: err, where: where}
	}
	if err := cl.conn.SetDeadline(time.Now().Add(cl.timeout)); err != nil {
		cl.drop()
		return &SendError{Temporary: true, Err: err, where: where}
	}
	stop := context.AfterFunc(ctx, func() { _ = cl.conn.SetDeadline(longAgo) })
	var se *SendError
	if time.Since(cl.lastUse) > idleCheck && cl.smtp.Noop() != nil {
		// The server closed the idle connection; nothing of m was sent.
		cl.drop()
		se = &SendError{Temporary: true, Err: ErrConnectionLost, where: where}
	} else {
		se = cl.transact(msg, m.To)
	}
	cl.lastUse = time.Now()
	if !stop() && se != nil {
		cl.drop()
		return &SendError{Temporary: true, Err: fmt.Errorf("%w (%v)", ctx.Err(), se), where: where}
	}
	if se != nil {
		return se
	}
	return nil
}

// transact runs MAIL, RCPT and DATA for msg.
func (cl *Client) transact(msg *gomail.Msg, to string) *SendError {
	from, err := msg.GetSender(false)
	if err != nil {
		return cl.failed("sender", err)
	}
	if err := cl.smtp.Mail(from); err != nil {
		return cl.failed("sender <"+from+">", err)
	}
	if err := cl.smtp.Rcpt(to); err != nil {
		return cl.failed("recipient <"+to+">", err)
	}
	w, err := cl.smtp.Data()
	if err != nil {
		return cl.failed("message to <"+to+">", err)
	}
	if _, err := msg.WriteTo(w); err != nil {
		return cl.failed("message to <"+to+">", err)
	}
	if err := w.Close(); err != nil {
		return cl.failed("message to <"+to+">", err)
	}
	return nil
}

// failed classifies err of the step where and resets the transaction with RSET,
// or drops the connection when that is not possible.
func (cl *Client) failed(where string, err error) *SendError {
	var te *textproto.Error
	if !errors.As(err, &te) {
		cl.drop()
		return &SendError{Temporary: true, Err: fmt.Errorf("the connection to the mail server failed: %w", err), where: where}
	}
	se := replyError(where, te)
	if te.Code == 421 {
		cl.drop()
	} else if rerr := cl.smtp.Reset(); rerr != nil {
		cl.drop()
	}
	return se
}

// drop marks the connection as gone and closes it.
func (cl *Client) drop() {
	cl.broken = true
	_ = cl.conn.Close()
}

// Broken reports whether the connection is gone: after a network error, a
// timeout, a cancelled Send, a 421 reply, or Close. A broken client sends
// nothing more; Close it and Dial again.
func (cl *Client) Broken() bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.broken
}

// Close says goodbye to the server (QUIT) and closes the connection. Closing a
// broken or closed client does nothing.
func (cl *Client) Close() error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.broken {
		return nil
	}
	cl.broken = true
	_ = cl.conn.SetDeadline(time.Now().Add(min(cl.timeout, 5*time.Second)))
	err := cl.smtp.Quit()
	_ = cl.conn.Close()
	if err != nil {
		return fmt.Errorf("closing the connection to the mail server: %w", err)
	}
	return nil
}

// compose checks m and builds the go-mail message.
func (cl *Client) compose(m *Message) (*gomail.Msg, error) {
	if m == nil {
		return nil, errors.New("no message")
	}
	if err := checkMessageID(m.ID); err != nil {
		return nil, err
	}
	from, fromName := m.From, m.FromName
	if from == "" {
		from, fromName = cl.cfg.From, cl.cfg.FromName
	}
	checks := []error{
		bareAddress("from", from), CheckHeader("from name", fromName),
		bareAddress("to", m.To), CheckHeader("to name", m.ToName),
		CheckHeader("subject", m.Subject),
	}
	for _, err := range checks {
		if err != nil {
			return nil, err
		}
	}
	switch {
	case strings.TrimSpace(m.Subject) == "":
		return nil, errors.New("subject: the subject is empty")
	case strings.TrimSpace(m.Text) == "":
		return nil, errors.New("text: the text is empty")
	case !utf8.ValidString(m.Text):
		return nil, errors.New("text: the text is not valid UTF-8")
	case !utf8.ValidString(m.HTML):
		return nil, errors.New("html: the HTML is not valid UTF-8")
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	g := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	g.FromMailAddress(&netmail.Address{Name: fromName, Address: from})
	g.ToMailAddress(&netmail.Address{Name: m.ToName, Address: m.To})
	g.Subject(m.Subject)
	g.SetMessageIDWithValue(m.ID)
	g.SetDateWithValue(date)
	g.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		g.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return g, nil
}

// MaxAttempts is how often a message is tried in all. When the last attempt fails
// with a temporary error, the failure is final.
const MaxAttempts = 12

// Backoff returns how long to wait after failed attempt number attempt (counted
// from 1) before trying again: one minute after the first, doubling with each
// attempt, at most six hours:
//
//	attempt  1   2   3   4    5    6    7    8      9      10 and later
//	wait     1m  2m  4m  8m   16m  32m  64m  2h8m   4h16m  6h
//
// With MaxAttempts 12 the message is tried for the last time about 20 hours after
// the first try, so a mail server that is down overnight loses no invitation. jitter, a random number in [0,1) such as
// rand.Float64(), spreads the wait evenly over ±20 % so that messages that
// failed together are not retried together; values outside are clamped. Attempts
// below 1 count as 1.
func Backoff(attempt int, jitter float64) time.Duration {
	const limit = 6 * time.Hour
	d := limit
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 10 {
		d = min(time.Minute<<(attempt-1), limit)
	}
	switch {
	case !(jitter >= 0):
		jitter = 0
	case jitter > 1:
		jitter = 1
	}
	return time.Duration(float64(d) * (0.8 + 0.4*jitter))
}

// SendTest connects with c and sends a short test mail (English and German) to
// the bare address to, dated date, then closes the connection. It is for checking
// the settings; errors are those of Dial and Send.
func SendTest(ctx context.Context, c Config, to string, date time.Time) error {
	stamp := date.Format("2006-01-02 15:04 MST")
	m := &Message{
		ID: NewMessageID(c.From), To: to, Date: date, Subject: "Onboard test mail / Testnachricht",
		Text: "This is a test mail from Onboard, sent " + stamp + " through " + c.Host + " to check the mail server settings. " +
			"It arrived, so invitation emails can be sent.\n\n" +
			"Dies ist eine Testnachricht von Onboard, gesendet " + stamp + " über " + c.Host + ", um die Einstellungen des Mailservers zu prüfen. " +
			"Sie ist angekommen, also können Einladungen per E-Mail verschickt werden.\n",
	}
	return SendOne(ctx, c, m)
}

// SendOne connects with c, sends m and closes the connection: for a message now
// and then, such as a code at registration. Errors are those of Dial and Send.
func SendOne(ctx context.Context, c Config, m *Message) error {
	cl, err := Dial(ctx, c)
	if err != nil {
		return err
	}
	if err := cl.Send(ctx, m); err != nil {
		_ = cl.Close()
		return err
	}
	return cl.Close()
}
