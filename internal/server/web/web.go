// Package web serves onboard-server's registration pages: /register, where a person
// redeems the personal key from their letter or invitation mail, and /join, where
// anyone with an invite key creates an account.
//
// The pages are server-rendered HTML that works without JavaScript, in English and
// German. A valid key shows the organization and a form; the password is checked
// against the organization's policy (see PasswordPolicy) and stored only as an
// Argon2id hash; organizations that require two-factor authentication get a TOTP
// setup with a QR code on the same form, a code by email (the "Send code" button
// mails six digits through the organization's mail server; the Backend keeps only
// their hash, bound to the key and the address), or the choice between both. Every key that cannot be used gets the same
// answer, attempts are rate-limited per client address and per key through the
// Backend (so several server processes share the limits), POST forms carry a
// double-submit CSRF token, and every response has strict security headers.
//
// The handler keeps no state between requests besides what the Backend stores: the
// TOTP secret being set up travels in a hidden form field, encrypted and
// authenticated under a key derived from Options.Secret, so that the browser can
// neither choose nor replace it. CSRF tokens are signed with another key derived
// from it, and POSTs from other sites are refused by their Origin and Sec-Fetch-Site
// headers.
package web

import (
	"bytes"
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Limits are how many failed attempts the pages take within Window before they
// answer 429 Too Many Requests. A failure is a key that cannot be used (unknown,
// expired, revoked or used up), a wrong authenticator code, or a username or email
// that is taken: what someone guessing keys or probing accounts produces. Opening
// the form with a usable key and registering cost nothing, and neither does a
// mistyped key (its check characters catch it without a lookup), so a whole class
// registering behind one NAT address is never refused. The counters are read
// before a key is looked up and written only on a failure, so a refused request
// writes nothing; concurrent failures may overshoot a limit by the number of
// requests in flight. Sending an email code counts too, against the client's
// address (limit Address) and the key (limit CodeSends), before the mail goes out.
type Limits struct {
	Address     int           // failures per client address (IPv6: per /64 network)
	PersonalKey int           // failures per personal key
	InviteKey   int           // failures per invite key, which many people share
	CodeSends   int           // email codes sent per personal key (invite key: per key and address)
	Window      time.Duration // the fixed window the failures are counted in
}

// DefaultLimits are the limits unless the settings or Options say otherwise.
var DefaultLimits = Limits{Address: 20, PersonalKey: 10, InviteKey: 100, CodeSends: 5, Window: 10 * time.Minute}

// Options configure the handler; the zero value is a safe default.
type Options struct {
	// TrustedProxies are the reverse proxies in front of the server (see
	// ParseTrustedProxies). Only a request whose direct peer is one of them has its
	// X-Forwarded-For read, right to left, skipping the trusted hops, and its
	// X-Forwarded-Proto believed; nil believes no header.
	TrustedProxies []netip.Prefix
	// Limits override the organization's limits (Organization.Limits) field by
	// field; zero fields take those, and then DefaultLimits.
	Limits Limits
	// Hash are the Argon2id parameters for new passwords; zero takes DefaultHashParams.
	Hash HashParams
	// HashWorkers is how many passwords are hashed at a time (each takes
	// Hash.MemoryKiB of memory); 0 means one per CPU (GOMAXPROCS).
	HashWorkers int
	// HashQueue is how many registrations may wait for a free hashing worker; 0
	// means 256. A registration beyond it, or one that waits longer than HashWait
	// (0: 10 s), gets a 503 "busy" page with the form kept and its key unused.
	HashQueue int
	HashWait  time.Duration
	// Log receives errors of the Backend; nil means slog.Default().
	Log *slog.Logger
	// Secret keys the CSRF tokens and the sealed TOTP setup (separate subkeys are
	// derived from it). Every server process behind one address needs the same
	// Secret; nil takes a random one, which suits a single process only: its forms
	// stop working when it restarts.
	Secret []byte
	// Now is the clock of the email codes' expiry; nil means time.Now.
	Now func() time.Time
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/onboard.css
var styleCSS []byte

// pageNames are the templates besides the layout, one per kind of page.
var pageNames = []string{"key", "form", "done"}

// handler serves the pages.
type handler struct {
	b      Backend
	opts   Options
	hash   HashParams
	hashes *hashPool // Argon2 runs at most Options.HashWorkers at a time
	log    *slog.Logger
	pages  map[string]*template.Template

	csrfKey    []byte                      // HMAC key of CSRF tokens
	enrolments cipher.AEAD                 // seals the TOTP setup (see sealEnrolment)
	crossSite  *http.CrossOriginProtection // refuses POSTs other sites' pages send
}

// NewHandler returns the registration pages as an http.Handler. It serves
// GET and POST /register, GET and POST /join and GET /static/onboard.css; pages link
// to each other with relative URLs, so the handler may also be mounted below a
// prefix with http.StripPrefix.
func NewHandler(b Backend, opts Options) http.Handler {
	h := &handler{
		b:    b,
		opts: opts,
		hash: opts.Hash,
		hashes: newHashPool(positive(opts.HashWorkers, runtime.GOMAXPROCS(0)), positive(opts.HashQueue, defaultHashQueue),
			cmp.Or(max(opts.HashWait, 0), defaultHashWait)),
		log:   opts.Log,
		pages: make(map[string]*template.Template),
	}
	if h.hash == (HashParams{}) {
		h.hash = DefaultHashParams
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	for _, name := range pageNames {
		h.pages[name] = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	h.setKeys(opts.Secret)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /register", func(w http.ResponseWriter, r *http.Request) { h.showForm(w, r, registerFlow) })
	mux.HandleFunc("POST /register", func(w http.ResponseWriter, r *http.Request) { h.submit(w, r, registerFlow) })
	mux.HandleFunc("GET /join", func(w http.ResponseWriter, r *http.Request) { h.showForm(w, r, joinFlow) })
	mux.HandleFunc("POST /join", func(w http.ResponseWriter, r *http.Request) { h.submit(w, r, joinFlow) })
	mux.HandleFunc("GET /static/onboard.css", serveCSS)
	return securityHeaders(noBodyOnGet(mux))
}

// noBodyOnGet refuses GET and HEAD requests that carry a body (a Content-Length above
// zero or chunked) with 400, before anything reads it; the connection is closed so
// that net/http does not read the body to reuse it either.
func noBodyOnGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
			(r.ContentLength != 0 || len(r.TransferEncoding) > 0) {
			w.Header().Set("Connection", "close")
			plain(w, pickLang(r), http.StatusBadRequest, "bad_request")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries. Pages are never cached:
// they may show a key, and the key is in their URL, so no referrer is ever sent.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func serveCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(styleCSS)
}

// page is what the templates render.
type page struct {
	Lang       string
	Title      string
	Org        string
	SwitchURL  string // the same page in the other language; "" for none
	SwitchLang string
	SwitchName string
	CSRF       string

	Flow      flow
	KeyError  string // key page: why the key was refused
	KeyInput  string // key page: the typed key, shown back when it was mistyped
	OtherURL  string // key page: the other flow, when the key is of the other kind
	OtherText string

	Key         string // form: the canonical key
	Invitee     *Invitee
	InviteLabel string
	Terms       string
	MinLength   int
	Classes     bool
	TOTP        *totpSetup
	Code        *codeInfo // the email code, when it is offered
	Choice      bool      // the person picks the app or the email code
	Chosen      string    // the second factor picked: TwoFactorApp or TwoFactorEmail
	Values      formValues
	Errors      map[string]string
	FormError   string

	Done *doneInfo // done page
}

// NamesEditable reports whether the form asks for the names: always when joining,
// with a personal key when the invitee's names are editable (Invitee.NamesEditable).
func (p *page) NamesEditable() bool {
	return p.Flow.Invite || (p.Invitee != nil && p.Invitee.NamesEditable())
}

// NamesMissing reports whether a personal key's invitee has no name yet.
func (p *page) NamesMissing() bool {
	return p.Invitee != nil && strings.TrimSpace(p.Invitee.FirstName) == "" && strings.TrimSpace(p.Invitee.LastName) == ""
}

// T returns the message key in the page's language.
func (p *page) T(key string, args ...any) string { return tr(p.Lang, key, args...) }

// field is one input of the form as the "input" template renders it.
type field struct {
	ID, Type, Autocomplete, InputMode string
	Label, Hint, Error, Value         string
	Required                          bool
}

// Describe lists the ids of the hint and the error, for aria-describedby.
func (f field) Describe() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// Field describes the form's input named id; typ is the input type. Passwords are
// never filled in.
func (p *page) Field(id, typ, autocomplete string) field {
	f := field{ID: id, Type: typ, Autocomplete: autocomplete, Label: p.T(id), Error: p.Errors[id], Required: true}
	switch id {
	case "first_name":
		f.Value = p.Values.FirstName
	case "last_name":
		f.Value = p.Values.LastName
	case "username":
		f.Value, f.Hint = p.Values.Username, p.T("username_hint")
	case "email":
		f.Value = p.Values.Email
	case "mobile":
		f.Value, f.Hint, f.Required = p.Values.Mobile, p.T("mobile_hint"), false
	case "password":
		f.Hint = p.T("password_hint", p.MinLength)
		if p.Classes {
			f.Hint += " " + p.T("password_classes")
		}
	case "totp_code":
		f.InputMode = "numeric"
	case "email_code":
		f.InputMode, f.Hint = "numeric", p.T("email_code_hint")
	}
	return f
}

// newPage starts a page in the request's language.
func (h *handler) newPage(r *http.Request, f flow, title string) *page {
	p := &page{Lang: pickLang(r), Flow: f}
	p.Title = p.T(title)
	p.SwitchLang = otherLang(p.Lang)
	p.SwitchName = tr(p.SwitchLang, "lang_name")
	return p
}

// switchTo sets the language link to the flow's page, with the key when given.
func (p *page) switchTo(key string) {
	q := "lang=" + p.SwitchLang
	if key != "" {
		q = "key=" + key + "&" + q
	}
	p.SwitchURL = p.Flow.Path + "?" + q
}

// render writes the page with status, buffered so that a template error becomes a
// clean 500.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		h.fail(w, r, p.Lang, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// plain answers with a short translated text.
func plain(w http.ResponseWriter, lang string, status int, key string) {
	w.Header().Set("Content-Language", lang)
	http.Error(w, tr(lang, key), status)
}

// fail logs err and answers 500.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, lang string, err error) {
	h.log.ErrorContext(r.Context(), "registration page", "path", r.URL.Path, "err", err)
	plain(w, lang, http.StatusInternalServerError, "server_error")
}

// secure reports whether the client reached us over HTTPS.
func (h *handler) secure(r *http.Request) bool {
	return r.TLS != nil || (h.fromProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

// csrfCookie names the CSRF cookie; over HTTPS it gets the __Host- prefix, which
// browsers only accept from a secure origin for the whole host.
func (h *handler) csrfCookie(r *http.Request) string {
	if h.secure(r) {
		return "__Host-onboard_csrf"
	}
	return "onboard_csrf"
}

// Labels of the subkeys of Options.Secret (HKDF info).
const (
	labelCSRF      = "onboard-server web csrf v1"
	labelEnrolment = "onboard-server web totp enrolment v1"
)

// setKeys derives the handler's keys from secret, a random one when it is empty.
func (h *handler) setKeys(secret []byte) {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		rand.Read(secret)
	}
	sub := func(label string) []byte {
		k, err := hkdf.Key(sha256.New, secret, nil, label, 32)
		if err != nil {
			panic("web: derive a key: " + err.Error()) // only for lengths SHA-256 cannot give
		}
		return k
	}
	h.csrfKey = sub(labelCSRF)
	block, err := aes.NewCipher(sub(labelEnrolment))
	if err != nil {
		panic("web: " + err.Error())
	}
	if h.enrolments, err = cipher.NewGCM(block); err != nil {
		panic("web: " + err.Error())
	}
	h.crossSite = http.NewCrossOriginProtection()
}

// A CSRF token is 16 random bytes, its expiry (Unix seconds, 8 bytes big-endian) and
// an HMAC-SHA256 of both under the handler's CSRF key, in base64url: only a server
// with the same Options.Secret can make one, and it expires.
const (
	csrfRandom   = 16
	csrfLifetime = 24 * time.Hour
	csrfRenewal  = 12 * time.Hour // a page replaces a token with less time left
)

// newCSRFToken makes a token that expires csrfLifetime after now.
func (h *handler) newCSRFToken(now time.Time) string {
	buf := make([]byte, csrfRandom+8, csrfRandom+8+sha256.Size)
	rand.Read(buf[:csrfRandom])
	binary.BigEndian.PutUint64(buf[csrfRandom:], uint64(now.Add(csrfLifetime).Unix()))
	return base64.RawURLEncoding.EncodeToString(append(buf, h.csrfMAC(buf)...))
}

func (h *handler) csrfMAC(body []byte) []byte {
	m := hmac.New(sha256.New, h.csrfKey)
	m.Write(body)
	return m.Sum(nil)
}

// csrfLeft reports how long the token s is still valid: false when this handler's
// key did not sign it or when it has expired.
func (h *handler) csrfLeft(s string, now time.Time) (time.Duration, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != csrfRandom+8+sha256.Size {
		return 0, false
	}
	body, mac := b[:csrfRandom+8], b[csrfRandom+8:]
	if !hmac.Equal(mac, h.csrfMAC(body)) {
		return 0, false
	}
	left := time.Unix(int64(binary.BigEndian.Uint64(body[csrfRandom:])), 0).Sub(now)
	return left, left > 0
}

// csrfToken returns the request's CSRF token, setting a new cookie when it has none
// that this handler signed or when its token expires soon.
func (h *handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	now := time.Now()
	if c, err := r.Cookie(h.csrfCookie(r)); err == nil {
		if left, ok := h.csrfLeft(c.Value, now); ok && left > csrfRenewal {
			return c.Value
		}
	}
	tok := h.newCSRFToken(now)
	http.SetCookie(w, &http.Cookie{
		Name: h.csrfCookie(r), Value: tok, Path: "/",
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteStrictMode,
	})
	return tok
}

// csrfOK checks a POST: it must not come from another site's page (Sec-Fetch-Site,
// else Origin; requests with neither header are not from a current browser, or are
// same-origin ones of an old browser, and pass on the token alone), and the form's
// csrf field must equal the cookie (which SameSite=Strict keeps from other sites'
// forms) and be a token this handler signed that has not expired.
func (h *handler) csrfOK(r *http.Request) bool {
	if h.crossSite.Check(r) != nil {
		return false
	}
	c, err := r.Cookie(h.csrfCookie(r))
	if err != nil {
		return false
	}
	if _, ok := h.csrfLeft(c.Value, time.Now()); !ok {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) == 1
}

// clientBucket is the rate-limit bucket of the client's address (clientAddr): the
// IPv4 address, or the /64 network of an IPv6 address (one host usually holds a
// whole /64).
func (h *handler) clientBucket(r *http.Request) string {
	addr := h.clientAddr(r)
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return "web:addr:" + p.String()
	}
	return "web:addr:" + addr.String()
}

// remoteAddr parses http.Request.RemoteAddr ("host:port").
func remoteAddr(s string) netip.Addr {
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// allow checks, reading only, that neither the client's address nor key has
// reached its limit of failures (see Limits). It answers 429 (or 500) itself and
// returns false when the request must stop.
func (h *handler) allow(w http.ResponseWriter, r *http.Request, lang string, org Organization, f flow, key string) bool {
	lim := h.limitsFor(org)
	n, err := h.b.Failures(r.Context(), lim.Window, h.buckets(r, f, key)...)
	if err == nil && len(n) != 2 {
		err = fmt.Errorf("rate limit: %d counters for 2 buckets", len(n))
	}
	if err != nil {
		h.fail(w, r, lang, err)
		return false
	}
	if n[0] >= lim.Address || n[1] >= lim.forKey(f) {
		w.Header().Set("Retry-After", strconv.Itoa(int(lim.Window.Seconds())))
		plain(w, lang, http.StatusTooManyRequests, "rate_limited")
		return false
	}
	return true
}

// hashPassword hashes with Argon2id in the handler's hashing pool (see hashPool):
// a burst of registrations queues instead of taking memory for all at once, and
// one the pool cannot take in time gets errBusy.
func (h *handler) hashPassword(ctx context.Context, password string) (string, error) {
	var hash string
	var err error
	if perr := h.hashes.run(ctx, func() { hash, err = hashFn(password, h.hash) }); perr != nil {
		return "", perr
	}
	return hash, err
}

// now is Options.Now, else time.Now.
func (h *handler) now() time.Time {
	if h.opts.Now != nil {
		return h.opts.Now()
	}
	return time.Now()
}

// hashFn is HashPassword; tests replace it to hold a worker.
var hashFn = HashPassword

// positive is n, or def when n is not above 0.
func positive(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}
