package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"

	"onboard/internal/keys"
)

// testProxies are the trusted proxies of tests: loopback (httptest servers) and
// 192.0.2.0/24 (httptest.NewRequest's peer is 192.0.2.1).
var testProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("192.0.2.0/24")}

// TestAClassRegistersBehindOneAddress: with the default limits, 30 people register
// one after the other from one address (a school's NAT), each opening the form and
// submitting it; 30 unknown keys from that address are refused after
// DefaultLimits.Address, and refusing reads the counters but writes nothing. Before
// failures were counted instead of attempts, the 11th registration got 429.
func TestAClassRegistersBehindOneAddress(t *testing.T) {
	fb := newFakeBackend(testOrg)
	srv := startServer(t, fb, Options{})
	c := registerClass(t, fb, srv.URL, 30)
	if _, writes := fb.counts(); writes != 0 {
		t.Errorf("registrations counted %d failures", writes)
	}

	unknownKeysAreLimited(t, fb, c, 30)
	// A refused address also stops a usable key (else the answer would tell which
	// keys are usable) and POSTs, in the client's language.
	key := fb.addPersonal(t, testInvitee)
	if res := c.get("/register?key=" + key); res.status != http.StatusTooManyRequests {
		t.Errorf("usable key from a refused address: %d", res.status)
	}
	res := c.post("/register", c.csrfForm(key), "Accept-Language", "de")
	if res.status != http.StatusTooManyRequests || !strings.Contains(res.body, "Zu viele Versuche") {
		t.Errorf("POST from a refused address: %d\n%s", res.status, res.body)
	}
	for _, b := range fb.buckets {
		if strings.Contains(b, key) {
			t.Errorf("bucket %q holds the key in clear", b)
		}
	}
}

// unknownKeysAreLimited sends n unknown keys from c: the first DefaultLimits.Address
// get the bad-key page, the rest 429, and no refusal writes a counter.
func unknownKeysAreLimited(t *testing.T, fb *fakeBackend, c *client, n int) {
	t.Helper()
	statuses := make(map[int]int)
	for i := range n {
		key, _ := keys.NewPersonal() // well-formed, unknown
		_, writes := fb.counts()
		res := c.get("/register?key=" + key)
		statuses[res.status]++
		if i < DefaultLimits.Address {
			continue
		}
		if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "600" ||
			!strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") || !strings.Contains(res.body, "Too many attempts") {
			t.Fatalf("unknown key %d: %d %v\n%s", i+1, res.status, res.header, res.body)
		}
		if _, after := fb.counts(); after != writes {
			t.Errorf("refusing unknown key %d wrote %d counters", i+1, after-writes)
		}
	}
	if statuses[http.StatusNotFound] != DefaultLimits.Address || statuses[http.StatusTooManyRequests] != n-DefaultLimits.Address {
		t.Errorf("%d unknown keys answered %v, want %d × 404 and the rest 429", n, statuses, DefaultLimits.Address)
	}
}

// registerClass registers n people one after the other, each with a browser of
// their own opening the form and submitting it; it returns the last browser.
func registerClass(t *testing.T, fb *fakeBackend, base string, n int) *client {
	t.Helper()
	var c *client
	for i := range n {
		inv := testInvitee
		inv.Username, inv.Email = fmt.Sprintf("pupil%d", i), fmt.Sprintf("pupil%d@example.org", i)
		key := fb.addPersonal(t, inv)
		c = newClient(t, base)
		form := c.formFor("/register?key="+key, url.Values{
			"username": {inv.Username}, "email": {inv.Email},
			"password": {strongPassword}, "password2": {strongPassword}, "terms": {"yes"},
		})
		if res := c.post("/register", form); res.status != http.StatusOK {
			t.Fatalf("registration %d: %d\n%s", i+1, res.status, res.body)
		}
	}
	return c
}

// TestFailuresPerPersonalKey: opening the form with a usable key is free; a taken
// username counts against the key, whose limit then refuses it while other keys
// still work; mistyped keys and the key page count nothing.
func TestFailuresPerPersonalKey(t *testing.T) {
	fb := newFakeBackend(testOrg)
	fb.takeUser("taken", "taken@example.org")
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{Limits: Limits{PersonalKey: 2}})
	c := newClient(t, srv.URL)
	for i := range 5 {
		if res := c.get("/register?key=" + key); res.status != http.StatusOK {
			t.Fatalf("opening the form, %d: %d", i+1, res.status)
		}
	}
	form := c.formFor("/register?key="+key, registerFields())
	form.Set("username", "taken")
	for i := range 2 {
		if res := c.post("/register", form); res.status != http.StatusUnprocessableEntity {
			t.Fatalf("taken username, %d: %d", i+1, res.status)
		}
	}
	if res := c.get("/register?key=" + key); res.status != http.StatusTooManyRequests {
		t.Fatalf("the key after 2 failures: %d", res.status)
	}
	if res := c.get("/register?key=" + fb.addPersonal(t, testInvitee)); res.status != http.StatusOK {
		t.Fatalf("another key: %d", res.status)
	}
	if res := c.get("/register?key=ABC"); res.status != http.StatusBadRequest {
		t.Errorf("mistyped key: %d", res.status)
	}
	if res := c.get("/register"); res.status != http.StatusOK {
		t.Errorf("key page: %d", res.status)
	}
	if _, writes := fb.counts(); writes != 2 {
		t.Errorf("%d failures counted, want 2", writes)
	}
}

// TestWrongCodeCountsAgainstTheKey: a wrong authenticator code is a failure, a
// missing one is not.
func TestWrongCodeCountsAgainstTheKey(t *testing.T) {
	fb := newFakeBackend(Organization{Name: "Example School", RequireTwoFactor: true})
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{Limits: Limits{PersonalKey: 1}})
	c := newClient(t, srv.URL)
	form := c.formFor("/register?key="+key, registerFields())
	form.Set("totp_code", "")
	if res := c.post("/register", form); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("missing code: %d", res.status)
	}
	form.Set("totp_code", wrongCode(t, form.Get("totp_secret")))
	if res := c.post("/register", form); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code: %d", res.status)
	}
	if res := c.post("/register", form); res.status != http.StatusTooManyRequests {
		t.Fatalf("after a wrong code: %d", res.status)
	}
}

// TestFailuresPerInviteKey: taken usernames count against the invite key.
func TestFailuresPerInviteKey(t *testing.T) {
	fb := newFakeBackend(testOrg)
	fb.takeUser("taken", "taken@example.org")
	invite := fb.addInvite(t, "Class 5b", 100)
	srv := startServer(t, fb, Options{Limits: Limits{PersonalKey: 1, InviteKey: 3}})
	c := newClient(t, srv.URL)
	form := c.formFor("/join?key="+invite, url.Values{
		"first_name": {"Tom"}, "last_name": {"Taken"}, "username": {"taken"}, "email": {"tom@example.org"},
		"password": {strongPassword}, "password2": {strongPassword}, "terms": {"yes"},
	})
	for i := range 3 {
		if res := c.post("/join", form); res.status != http.StatusUnprocessableEntity {
			t.Fatalf("taken username, %d: %d", i+1, res.status)
		}
	}
	if res := c.get("/join?key=" + invite); res.status != http.StatusTooManyRequests {
		t.Fatalf("the invite key after 3 failures: %d", res.status)
	}
}

// TestLimitsFromSettings: the organization's limits (the ratelimit.* settings)
// apply, Options override them field by field, and DefaultLimits fill the rest.
func TestLimitsFromSettings(t *testing.T) {
	org := testOrg
	org.Limits = Limits{Address: 2, InviteKey: 7}
	fb := newFakeBackend(org)
	srv := startServer(t, fb, Options{})
	c := newClient(t, srv.URL)
	for i := range 3 {
		key, _ := keys.NewPersonal()
		want := http.StatusNotFound
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		if res := c.get("/register?key=" + key); res.status != want {
			t.Fatalf("unknown key %d: %d, want %d", i+1, res.status, want)
		}
	}
	h := &handler{opts: Options{Limits: Limits{InviteKey: 9}}}
	want := Limits{Address: 2, PersonalKey: DefaultLimits.PersonalKey, InviteKey: 9, CodeSends: DefaultLimits.CodeSends, Window: DefaultLimits.Window}
	if got := h.limitsFor(org); got != want {
		t.Errorf("limits %+v, want %+v", got, want)
	}
}

// TestClientAddressBehindProxies: X-Forwarded-For and X-Forwarded-Proto count only
// from a trusted peer; the client is the rightmost entry that is not a trusted
// proxy, so an address a client puts in front does not escape its limit.
func TestClientAddressBehindProxies(t *testing.T) {
	proxies, err := ParseTrustedProxies(" 10.0.0.0/8, 127.0.0.1 ,::1,2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	h := &handler{opts: Options{TrustedProxies: proxies}}
	for _, tc := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"198.51.100.7:4000", []string{"203.0.113.1"}, "web:addr:198.51.100.7"}, // untrusted peer: header ignored
		{"127.0.0.1:4000", nil, "web:addr:127.0.0.1"},
		{"127.0.0.1:4000", []string{"203.0.113.1"}, "web:addr:203.0.113.1"},
		{"127.0.0.1:4000", []string{"6.6.6.6, 203.0.113.1"}, "web:addr:203.0.113.1"},           // a forged entry in front
		{"127.0.0.1:4000", []string{"6.6.6.6, 203.0.113.1, 10.1.2.3"}, "web:addr:203.0.113.1"}, // two proxies
		{"127.0.0.1:4000", []string{"6.6.6.6", "203.0.113.1", "10.1.2.3"}, "web:addr:203.0.113.1"},
		{"10.9.9.9:4000", []string{"10.1.1.1, 10.2.2.2"}, "web:addr:10.1.1.1"}, // all trusted: the leftmost
		{"127.0.0.1:4000", []string{"6.6.6.6, garbage, 10.1.2.3"}, "web:addr:10.1.2.3"},
		{"127.0.0.1:4000", []string{"203.0.113.1:5555"}, "web:addr:203.0.113.1"},
		{"127.0.0.1:4000", []string{"::ffff:192.0.2.1"}, "web:addr:192.0.2.1"},
		{"[::1]:4000", []string{"[2001:db8:1:2:3:4:5:6]:80"}, "web:addr:2001:db8:1:2::/64"},
		{"[2001:db8:1:2:3:4:5:6]:4000", nil, "web:addr:2001:db8:1:2::/64"},
		{"[2001:db8:ffff::1]:4000", []string{"2001:db8:5::1"}, "web:addr:2001:db8:5::/64"},
	} {
		r := &http.Request{RemoteAddr: tc.peer, Header: http.Header{}}
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := h.clientBucket(r); got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: bucket %q, want %q", tc.peer, tc.xff, got, tc.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.org", "10.0.0.1-10.0.0.9"} {
		if _, err := ParseTrustedProxies(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseTrustedProxies(%q): %v", bad, err)
		}
	}

	// X-Forwarded-Proto from an untrusted peer does not make a secure cookie.
	fb := newFakeBackend(testOrg)
	for _, tc := range []struct {
		proxies []netip.Prefix
		secure  bool
	}{{nil, false}, {[]netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}, false}, {testProxies, true}} {
		rec := newRecorder(t, NewHandler(fb, Options{TrustedProxies: tc.proxies}), "GET", "/register?key="+fb.addPersonal(t, testInvitee), "https")
		if sc := rec.Header().Get("Set-Cookie"); strings.HasPrefix(sc, "__Host-") != tc.secure {
			t.Errorf("proxies %v: Set-Cookie %q", tc.proxies, sc)
		}
	}

	// Over HTTP, two clients behind a trusted proxy have their own limits.
	fb = newFakeBackend(testOrg)
	srv := httptest.NewServer(NewHandler(fb, Options{TrustedProxies: testProxies, Limits: Limits{Address: 1}}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	unknown, _ := keys.NewPersonal()
	c.get("/register?key="+unknown, "X-Forwarded-For", "203.0.113.7")
	if res := c.get("/register?key="+unknown, "X-Forwarded-For", "203.0.113.7"); res.status != http.StatusTooManyRequests {
		t.Errorf("second failure of one client: %d", res.status)
	}
	if res := c.get("/register?key="+unknown, "X-Forwarded-For", "203.0.113.7, 203.0.113.8"); res.status != http.StatusNotFound {
		t.Errorf("another client: %d", res.status)
	}
	if !slices.Contains(fb.buckets, "web:addr:203.0.113.8") {
		t.Errorf("buckets %v lack the second client", fb.buckets)
	}
}
