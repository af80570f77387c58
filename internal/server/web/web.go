// Package web serves onboard-server's registration pages: /register, where a person
// redeems the personal key from their letter or invitation mail, and /join, where
// anyone with an invite key creates an account.
//
// The pages are server-rendered HTML that works without JavaScript, in English and
// German. A valid key shows the organization and a form; the password is checked
// against the organization's policy (see PasswordPolicy) and stored only as an
// Argon2id hash; organizations that require two-factor authentication get a TOTP
// setup with a QR code on the same form. Every key that cannot be used gets the same
// answer, attempts are rate-limited per client address and per key through the
// Backend (so several server processes share the limits), POST forms carry a
// double-submit CSRF token, and every response has strict security headers.
//
// The handler keeps no state between requests besides what the Backend stores: the
// TOTP secret being set up travels in a hidden form field.
package web

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
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

// Limits are how many attempts the pages allow within Window. An attempt is a page
// view with a key or a form submission; typing errors in a key do not count. One
// registration takes two or three attempts, so people who register together behind
// one NAT address may need a higher Address limit.
type Limits struct {
	Address     int           // per client address (IPv6: per /64 network); default 20
	PersonalKey int           // per personal key; default 10
	InviteKey   int           // per invite key, which many people share; default 300
	Window      time.Duration // default 10 minutes
}

// Options configure the handler; the zero value is a safe default.
type Options struct {
	// TrustProxy takes the client address from the last X-Forwarded-For entry and
	// the scheme from X-Forwarded-Proto. Set it only when a reverse proxy that sets
	// these headers is the only way to reach the server: otherwise a client could
	// choose its own address and escape the rate limits.
	TrustProxy bool
	// Limits for attempts; zero fields take the defaults.
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
	limits Limits
	hash   HashParams
	hashes *hashPool // Argon2 runs at most Options.HashWorkers at a time
	log    *slog.Logger
	pages  map[string]*template.Template
}

// NewHandler returns the registration pages as an http.Handler. It serves
// GET and POST /register, GET and POST /join and GET /static/onboard.css; pages link
// to each other with relative URLs, so the handler may also be mounted below a
// prefix with http.StripPrefix.
func NewHandler(b Backend, opts Options) http.Handler {
	h := &handler{
		b:      b,
		opts:   opts,
		limits: opts.Limits,
		hash:   opts.Hash,
		hashes: newHashPool(positive(opts.HashWorkers, runtime.GOMAXPROCS(0)), positive(opts.HashQueue, defaultHashQueue),
			cmp.Or(max(opts.HashWait, 0), defaultHashWait)),
		log:   opts.Log,
		pages: make(map[string]*template.Template),
	}
	if h.limits.Address <= 0 {
		h.limits.Address = 20
	}
	if h.limits.PersonalKey <= 0 {
		h.limits.PersonalKey = 10
	}
	if h.limits.InviteKey <= 0 {
		h.limits.InviteKey = 300
	}
	if h.limits.Window <= 0 {
		h.limits.Window = 10 * time.Minute
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
	return r.TLS != nil || (h.opts.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

// csrfCookie names the CSRF cookie; over HTTPS it gets the __Host- prefix, which
// browsers only accept from a secure origin for the whole host.
func (h *handler) csrfCookie(r *http.Request) string {
	if h.secure(r) {
		return "__Host-onboard_csrf"
	}
	return "onboard_csrf"
}

// csrfToken returns the request's CSRF token, setting a new cookie when it has none.
func (h *handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(h.csrfCookie(r)); err == nil && validToken(c.Value) {
		return c.Value
	}
	buf := make([]byte, 32)
	rand.Read(buf)
	tok := base64.RawURLEncoding.EncodeToString(buf)
	http.SetCookie(w, &http.Cookie{
		Name: h.csrfCookie(r), Value: tok, Path: "/",
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteStrictMode,
	})
	return tok
}

// validToken reports whether s looks like a token csrfToken makes.
func validToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// csrfOK checks the double-submit token: the form's csrf field must equal the cookie,
// which SameSite=Strict keeps from being sent by other sites' forms.
func (h *handler) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(h.csrfCookie(r))
	if err != nil || !validToken(c.Value) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) == 1
}

// clientBucket is the rate-limit bucket of the client's address: the IPv4 address,
// or the /64 network of an IPv6 address (one host usually holds a whole /64).
func (h *handler) clientBucket(r *http.Request) string {
	addr := remoteAddr(r.RemoteAddr)
	if h.opts.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			last = last[strings.LastIndexByte(last, ',')+1:]
			if a, err := netip.ParseAddr(strings.TrimSpace(last)); err == nil {
				addr = a
			}
		}
	}
	addr = addr.Unmap()
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
	return a
}

// allow counts one attempt against the client's address and the key. It answers 429
// (or 500) itself and returns false when the request must stop.
func (h *handler) allow(w http.ResponseWriter, r *http.Request, lang string, f flow, key string) bool {
	ctx := r.Context()
	ok, err := h.b.Allow(ctx, h.clientBucket(r), h.limits.Address, h.limits.Window)
	if err == nil && ok {
		sum := sha256.Sum256([]byte(key)) // the store never sees a key in clear
		limit := h.limits.PersonalKey
		if f.Invite {
			limit = h.limits.InviteKey
		}
		ok, err = h.b.Allow(ctx, "web:key:"+hex.EncodeToString(sum[:16]), limit, h.limits.Window)
	}
	if err != nil {
		h.fail(w, r, lang, err)
		return false
	}
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(h.limits.Window.Seconds())))
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

// hashFn is HashPassword; tests replace it to hold a worker.
var hashFn = HashPassword

// positive is n, or def when n is not above 0.
func positive(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}
