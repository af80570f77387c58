package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"onboard/internal/keys"
)

// fakeBackend is an in-memory Backend: keys, users and rate-limit windows behind one
// mutex, redeeming atomically as the real store must.
type fakeBackend struct {
	mu        sync.Mutex
	org       Organization
	personal  map[string]*personalKey
	invites   map[string]*inviteKey
	usernames map[string]bool
	emails    map[string]bool
	redeemed  map[string]Registration // by personal key
	joined    []Registration
	attempts  map[string][]time.Time // failures by rate-limit bucket
	buckets   []string               // every bucket a failure was counted against, in order
	checks    int                    // calls of Failures
	writes    int                    // calls of Fail
	codes     map[string]*fakeCode   // email codes by codeID
}

// fakeCode is an email code as the fake keeps it.
type fakeCode struct {
	code    string
	expires time.Time
	tries   int
	used    bool
}

// codeID is what an email code is bound to: the key and the address.
func codeID(key, email string) string { return key + "\x00" + strings.ToLower(email) }

type personalKey struct {
	inv     Invitee
	expired bool
	revoked bool
	used    bool
}

type inviteKey struct {
	label   string
	maxUses int
	uses    int
}

func newFakeBackend(org Organization) *fakeBackend {
	return &fakeBackend{
		org:       org,
		personal:  make(map[string]*personalKey),
		invites:   make(map[string]*inviteKey),
		usernames: make(map[string]bool),
		emails:    make(map[string]bool),
		redeemed:  make(map[string]Registration),
		attempts:  make(map[string][]time.Time),
		codes:     make(map[string]*fakeCode),
	}
}

// addPersonal issues a personal key to inv and returns it.
func (f *fakeBackend) addPersonal(t testing.TB, inv Invitee) string {
	t.Helper()
	k, err := keys.NewPersonal()
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.personal[k] = &personalKey{inv: inv}
	return k
}

// addInvite makes an invite key with a label and a maximum of uses.
func (f *fakeBackend) addInvite(t testing.TB, label string, maxUses int) string {
	t.Helper()
	k, err := keys.NewInvite()
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invites[k] = &inviteKey{label: label, maxUses: maxUses}
	return k
}

// takeUser marks a username and email as used by some other account.
func (f *fakeBackend) takeUser(username, email string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.usernames[strings.ToLower(username)] = true
	f.emails[strings.ToLower(email)] = true
}

func (f *fakeBackend) Organization(context.Context) (Organization, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.org, nil
}

func (f *fakeBackend) usable(key string) (*personalKey, bool) {
	pk, ok := f.personal[key]
	return pk, ok && !pk.expired && !pk.revoked && !pk.used
}

func (f *fakeBackend) PersonalKey(_ context.Context, key string) (*Invitee, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pk, ok := f.usable(key)
	if !ok {
		return nil, ErrBadKey
	}
	inv := pk.inv
	return &inv, nil
}

// taken checks and claims username and email; f.mu is held.
func (f *fakeBackend) taken(r Registration) error {
	if f.usernames[strings.ToLower(r.Username)] {
		return &ErrTaken{Field: "username"}
	}
	if f.emails[strings.ToLower(r.Email)] {
		return &ErrTaken{Field: "email"}
	}
	f.usernames[strings.ToLower(r.Username)] = true
	f.emails[strings.ToLower(r.Email)] = true
	return nil
}

func (f *fakeBackend) RedeemPersonalKey(_ context.Context, key string, r Registration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	pk, ok := f.usable(key)
	if !ok {
		return ErrBadKey
	}
	use, err := f.useCode(key, r)
	if err != nil {
		return err
	}
	if err := f.taken(r); err != nil {
		return err
	}
	use()
	pk.used = true
	f.redeemed[key] = r
	return nil
}

func (f *fakeBackend) InviteKey(_ context.Context, key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ik, ok := f.invites[key]
	if !ok || ik.uses >= ik.maxUses {
		return "", ErrBadKey
	}
	return ik.label, nil
}

func (f *fakeBackend) JoinWithInviteKey(_ context.Context, key string, r Registration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ik, ok := f.invites[key]
	if !ok || ik.uses >= ik.maxUses {
		return ErrBadKey
	}
	use, err := f.useCode(key, r)
	if err != nil {
		return err
	}
	if err := f.taken(r); err != nil {
		return err
	}
	use()
	ik.uses++
	f.joined = append(f.joined, r)
	return nil
}

// Failures counts, per bucket, the failures of a sliding window; it only reads.
func (f *fakeBackend) Failures(_ context.Context, window time.Duration, buckets ...string) ([]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]int, len(buckets))
	for i, b := range buckets {
		for _, at := range f.attempts[b] {
			if time.Since(at) < window {
				out[i]++
			}
		}
	}
	f.checks++
	return out, nil
}

// Fail records a failure against every bucket.
func (f *fakeBackend) Fail(_ context.Context, _ time.Duration, buckets ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range buckets {
		f.attempts[b] = append(f.attempts[b], time.Now())
		f.buckets = append(f.buckets, b)
	}
	f.writes++
	return nil
}

// SaveEmailCode keeps the code, replacing an earlier one for the key and address.
func (f *fakeBackend) SaveEmailCode(_ context.Context, c EmailCode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes[codeID(c.Key, c.Email)] = &fakeCode{code: c.Code, expires: c.Expires}
	return nil
}

// CheckEmailCode judges code as the store does.
func (f *fakeBackend) CheckEmailCode(_ context.Context, key, email, code string, now time.Time) (CodeCheck, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.codes[codeID(key, email)]
	switch {
	case !ok:
		return CodeNone, 0, nil
	case c.used:
		return CodeUsed, 0, nil
	case !now.Before(c.expires):
		return CodeExpired, 0, nil
	case c.tries >= MaxCodeTries:
		return CodeLocked, 0, nil
	case c.code != code:
		c.tries++
		return CodeWrong, MaxCodeTries - c.tries, nil
	}
	return CodeOK, MaxCodeTries - c.tries, nil
}

// useCode checks the email code of a registration by email and returns what uses
// it up once the registration succeeds; f.mu is held.
func (f *fakeBackend) useCode(key string, r Registration) (func(), error) {
	if r.TwoFactor != TwoFactorEmail {
		return func() {}, nil
	}
	c, ok := f.codes[codeID(key, r.Email)]
	if !ok || c.used || c.tries >= MaxCodeTries || c.code != r.EmailCode {
		return nil, ErrEmailCode
	}
	return func() { c.used = true }, nil
}

// counts returns how often the counters were read and written.
func (f *fakeBackend) counts() (checks, writes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checks, f.writes
}

// registration returns what was registered with a personal key.
func (f *fakeBackend) registration(key string) (Registration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.redeemed[key]
	return r, ok
}

// testOrg is the organization most tests use.
var testOrg = Organization{Name: "Example School", Terms: "1. Be kind.\n2. Keep your password secret."}

// testInvitee is the person most personal keys are issued to; the organization
// locked the names.
var testInvitee = Invitee{
	UserID: "u1", FirstName: "Jane", LastName: "Müller", NamesLocked: true,
	Username: "jane.mueller", Email: "jane.mueller@example.org", Mobile: "+49 170 1234567",
}

// strongPassword passes every policy the tests use.
const strongPassword = "Purple-Giraffe 7 dances!"

// client is a browser stand-in with a cookie jar.
type client struct {
	t    testing.TB
	base string
	http *http.Client
}

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// response is a read answer.
type response struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, string(b)}
}

// get fetches path with optional header pairs.
func (c *client) get(path string, header ...string) response {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// post submits form values to path.
func (c *client) post(path string, v url.Values, header ...string) response {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(v.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// hidden returns the hidden fields of a page's form.
func hidden(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], m[2])
	}
	return v
}

// formFor opens the form at path and returns its hidden fields plus the fields given.
func (c *client) formFor(path string, fields url.Values) url.Values {
	c.t.Helper()
	res := c.get(path)
	if res.status != http.StatusOK {
		c.t.Fatalf("GET %s: status %d\n%s", path, res.status, res.body)
	}
	v := hidden(res.body)
	for k, vals := range fields {
		v[k] = vals
	}
	return v
}

// registerFields are valid answers for the personal-key form.
func registerFields() url.Values {
	return url.Values{
		"username": {"jane.mueller"}, "email": {"jane.mueller@example.org"}, "mobile": {"+49 170 1234567"},
		"password": {strongPassword}, "password2": {strongPassword}, "terms": {"yes"},
	}
}

// startServer serves the handler over the fake backend.
func startServer(t testing.TB, fb *fakeBackend, opts Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(NewHandler(fb, opts))
	t.Cleanup(srv.Close)
	return srv
}
