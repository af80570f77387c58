package web

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

var secretRe = regexp.MustCompile(`<code class="secret">([^<]*)</code>`)

// pageSecret is the TOTP secret a page shows for typing it, without the spaces.
func pageSecret(body string) string {
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(html.UnescapeString(m[1]), " ", "")
}

// generous limits, so that the tests' many posts are not rate-limited.
var generous = Limits{Address: 1000, PersonalKey: 1000, InviteKey: 1000, Window: time.Minute}

var testSecret = []byte("the web tests' server secret, 32+ bytes long")

// TestTwoFactorSecretIsChosenByTheServer: the browser cannot set the TOTP secret an
// account gets: a posted totp_secret (here all zeros, with its right code) is
// ignored, and a setup that this server did not seal for this key is refused as
// lost. A second server with the same Secret accepts the setup the first sealed.
func TestTwoFactorSecretIsChosenByTheServer(t *testing.T) {
	fb := newFakeBackend(Organization{Name: "Example School", RequireTwoFactor: true})
	key, other := fb.addPersonal(t, testInvitee), fb.addPersonal(t, Invitee{UserID: "u2", FirstName: "Bert"})
	opts := Options{Secret: testSecret, Limits: generous, Hash: HashParams{Time: 1, MemoryKiB: 1024, Threads: 1}}
	srv := startServer(t, fb, opts)
	c := newClient(t, srv.URL)
	page := c.get("/register?key=" + key)
	secret := pageSecret(page.body)
	form := hidden(page.body)
	for k, v := range registerFields() {
		form[k] = v
	}

	zero := strings.Repeat("A", 32) // 20 zero bytes in base32
	zeroCode, err := totp.GenerateCode(zero, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	chosen := cloneValues(form)
	chosen.Set("totp_secret", zero)
	chosen.Set("totp_code", zeroCode)
	if res := c.post("/register", chosen); res.status != http.StatusUnprocessableEntity {
		t.Errorf("a browser-chosen secret: status %d", res.status)
	}

	rightCode, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	otherSetup := hidden(c.get("/register?key=" + other).body).Get("totp_enrolment")
	bad := map[string]string{
		"missing":        "",
		"tampered":       flipFirst(form.Get("totp_enrolment")),
		"of another key": otherSetup,
		"of another server secret": hidden(newClient(t, startServer(t, fb, Options{Limits: generous}).URL).
			get("/register?key=" + key).body).Get("totp_enrolment"),
	}
	for name, setup := range bad {
		f := cloneValues(form)
		f.Set("totp_enrolment", setup)
		f.Set("totp_code", rightCode)
		res := c.post("/register", f)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "The two-factor setup was lost.") {
			t.Errorf("setup %s: status %d", name, res.status)
		}
		if got := pageSecret(res.body); got == secret || got == zero || !validTOTPSecret(got) {
			t.Errorf("setup %s: the new form shows secret %q", name, got)
		}
	}
	if _, ok := fb.registration(key); ok {
		t.Fatal("registered with a secret the server did not choose")
	}

	// The same Secret, another process: the sealed setup is good there too.
	c2 := newClient(t, startServer(t, fb, opts).URL)
	f := c2.formFor("/register?key="+key, registerFields())
	f.Set("totp_enrolment", form.Get("totp_enrolment"))
	f.Set("totp_code", rightCode)
	if res := c2.post("/register", f); res.status != http.StatusOK {
		t.Fatalf("the right code on a second server: %d\n%s", res.status, res.body)
	}
	if reg, _ := fb.registration(key); reg.TOTPSecret != secret {
		t.Errorf("registered secret %q, want the one shown, %q", reg.TOTPSecret, secret)
	}
}

// flipFirst changes the first character of a base64url string. (The last one
// would not do: when the encoding ends in spare bits, "A" and "B" there can
// decode to the same bytes, and the "tampered" setup is the real one.)
func flipFirst(s string) string {
	if strings.HasPrefix(s, "A") {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

// TestTOTPSetupExpires: a sealed setup opens until enrolmentLifetime has passed.
func TestTOTPSetupExpires(t *testing.T) {
	h := &handler{}
	h.setKeys(testSecret)
	raw := make([]byte, totpSecretBytes)
	rand.Read(raw)
	now := time.Now()
	sealed := h.sealEnrolment(registerFlow, "KEY", raw, now)
	if got, ok := h.openEnrolment(registerFlow, "KEY", sealed, now.Add(enrolmentLifetime-time.Minute)); !ok || got != b32.EncodeToString(raw) {
		t.Errorf("before the expiry: %q, %v", got, ok)
	}
	if _, ok := h.openEnrolment(registerFlow, "KEY", sealed, now.Add(enrolmentLifetime+time.Second)); ok {
		t.Error("an expired setup opens")
	}
	if _, ok := h.openEnrolment(joinFlow, "KEY", sealed, now); ok {
		t.Error("a setup of /register opens on /join")
	}
}

// csrfTokenFor makes a token in the handler's format, signed with secret's CSRF key
// and expiring at exp.
func csrfTokenFor(t *testing.T, secret []byte, exp time.Time) string {
	t.Helper()
	key, err := hkdf.Key(sha256.New, secret, nil, labelCSRF, 32)
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, csrfRandom+8)
	rand.Read(body[:csrfRandom])
	binary.BigEndian.PutUint64(body[csrfRandom:], uint64(exp.Unix()))
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return base64.RawURLEncoding.EncodeToString(m.Sum(body))
}

// uniqueFields are registerFields with a username and email of their own.
func uniqueFields(n int) url.Values {
	v := registerFields()
	v.Set("username", "person"+strconv.Itoa(n))
	v.Set("email", "person"+strconv.Itoa(n)+"@example.org")
	return v
}

// TestCSRFTokensAreSignedAndCrossSitePostsRefused: a well-formed token the server
// never issued (the old format: 32 random bytes; one signed with another secret; an
// expired one) is refused although cookie and form agree, as is a POST another
// site's page sends (Sec-Fetch-Site or Origin), while same-origin browser POSTs and
// POSTs without those headers (not from a browser) pass.
func TestCSRFTokensAreSignedAndCrossSitePostsRefused(t *testing.T) {
	fb := newFakeBackend(testOrg)
	srv := startServer(t, fb, Options{Secret: testSecret, Limits: generous, Hash: HashParams{Time: 1, MemoryKiB: 1024, Threads: 1}})
	u, _ := url.Parse(srv.URL)
	random := make([]byte, 32)
	rand.Read(random)
	forged := map[string]string{
		"unsigned":         base64.RawURLEncoding.EncodeToString(random),
		"other secret":     csrfTokenFor(t, []byte("some other server secret of 32+ bytes"), time.Now().Add(time.Hour)),
		"expired":          csrfTokenFor(t, testSecret, time.Now().Add(-time.Minute)),
		"signed, for sure": csrfTokenFor(t, testSecret, time.Now().Add(time.Hour)), // the control: accepted
	}
	n := 0
	for name, tok := range forged {
		key := fb.addPersonal(t, testInvitee)
		c := newClient(t, srv.URL)
		n++
		form := c.formFor("/register?key="+key, uniqueFields(n))
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "onboard_csrf", Value: tok, Path: "/"}})
		form.Set("csrf", tok)
		res := c.post("/register", form)
		want := http.StatusForbidden
		if name == "signed, for sure" {
			want = http.StatusOK
		}
		if res.status != want {
			t.Errorf("%s token: status %d, want %d", name, res.status, want)
		}
	}

	for _, tc := range []struct {
		name   string
		header []string
		want   int
	}{
		{"cross-site", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"same-site", []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"other origin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"null origin", []string{"Origin", "null"}, http.StatusForbidden},
		{"same-origin", []string{"Sec-Fetch-Site", "same-origin", "Origin", srv.URL}, http.StatusOK},
		{"own origin, old browser", []string{"Origin", srv.URL}, http.StatusOK},
		{"no browser headers", nil, http.StatusOK},
	} {
		key := fb.addPersonal(t, testInvitee)
		c := newClient(t, srv.URL)
		n++
		form := c.formFor("/register?key="+key, uniqueFields(n))
		res := c.post("/register", form, tc.header...)
		if res.status != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, res.status, tc.want)
		}
		if _, ok := fb.registration(key); ok != (tc.want == http.StatusOK) {
			t.Errorf("%s: registered %v", tc.name, ok)
		}
	}
}
