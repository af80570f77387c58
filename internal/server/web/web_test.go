package web

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"onboard/internal/keys"
)

func TestRegisterFormBothLanguages(t *testing.T) {
	fb := newFakeBackend(testOrg)
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{})

	cases := []struct {
		name, query, acceptLang string
		want                    []string
	}{
		{"english by default", "", "", []string{
			`<html lang="en">`, "Create your account", "First name", "Last name",
			"Username", "Repeat the password", "I accept the terms of use of Example School.", `hreflang="de"`,
		}},
		{"german by lang", "&lang=de", "en", []string{
			`<html lang="de">`, "Konto einrichten", "Vorname", "Nachname",
			"Benutzername", "Passwort wiederholen", "Ich akzeptiere die Nutzungsbedingungen von Example School.",
			`hreflang="en"`, "Mindestens 12 Zeichen",
		}},
		{"german by Accept-Language", "", "de-DE,de;q=0.9,en;q=0.5", []string{`<html lang="de">`, "Konto einrichten"}},
		{"english for other languages", "", "fr-FR", []string{`<html lang="en">`, "Create your account"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := newClient(t, srv.URL).get("/register?key="+key+tc.query, "Accept-Language", tc.acceptLang)
			if res.status != http.StatusOK {
				t.Fatalf("status %d\n%s", res.status, res.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			// The names are shown, not editable.
			for _, w := range []string{"<dd>Jane</dd>", "<dd>Müller</dd>"} {
				if !strings.Contains(res.body, w) {
					t.Errorf("page lacks fixed name %q", w)
				}
			}
			for _, no := range []string{`name="first_name"`, `name="last_name"`, "!("} {
				if strings.Contains(res.body, no) {
					t.Errorf("page has %q", no)
				}
			}
			// Username, email and mobile are prefilled; passwords are not.
			for _, w := range []string{
				`name="username" type="text" value="jane.mueller" autocomplete="username"`,
				`name="email" type="email" value="jane.mueller@example.org"`,
				`name="mobile" type="tel" value="&#43;49 170 1234567"`,
				`name="password" type="password" value=""`,
				`<label for="username">`, `<label for="password2">`, `<label for="terms">`,
			} {
				if !strings.Contains(res.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if !strings.Contains(res.body, "1. Be kind.\n2. Keep your password secret.") {
				t.Error("terms text missing")
			}
		})
	}
}

func TestRegisterSuccess(t *testing.T) {
	fb := newFakeBackend(testOrg)
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{})
	c := newClient(t, srv.URL)

	form := c.formFor("/register?key="+key, registerFields())
	form.Set("first_name", "Mallory") // the names are locked: tampered fields are ignored
	form.Set("last_name", "Evil")
	before := time.Now().UTC()
	res := c.post("/register", form)
	if res.status != http.StatusOK || !strings.Contains(res.body, "Your account is ready") {
		t.Fatalf("status %d\n%s", res.status, res.body)
	}
	if !strings.Contains(res.body, "Welcome, Jane!") || !strings.Contains(res.body, "<dd>jane.mueller</dd>") {
		t.Errorf("confirmation lacks name or username:\n%s", res.body)
	}
	reg, ok := fb.registration(key)
	if !ok {
		t.Fatal("RedeemPersonalKey was not called")
	}
	if reg.Username != "jane.mueller" || reg.Email != "jane.mueller@example.org" || reg.Mobile != "+49 170 1234567" {
		t.Errorf("registration = %+v", reg)
	}
	if reg.FirstName != "" || reg.LastName != "" {
		t.Errorf("personal key registration carries names %q %q", reg.FirstName, reg.LastName)
	}
	if reg.TOTPSecret != "" {
		t.Errorf("TOTP secret %q without two-factor", reg.TOTPSecret)
	}
	if reg.TermsAt.Before(before.Add(-time.Second)) || reg.TermsAt.After(time.Now().Add(time.Second)) {
		t.Errorf("TermsAt = %v", reg.TermsAt)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(reg.PasswordHash) {
		t.Errorf("hash %q is not an Argon2id PHC string with the default parameters", reg.PasswordHash)
	}
	if ok, err := VerifyPassword(strongPassword, reg.PasswordHash); !ok || err != nil {
		t.Errorf("VerifyPassword(right) = %v, %v", ok, err)
	}
	if ok, _ := VerifyPassword(strongPassword+"x", reg.PasswordHash); ok {
		t.Error("VerifyPassword accepted a wrong password")
	}

	// The key is used now: the same form again gets the bad-key answer.
	if res := c.post("/register", form); res.status != http.StatusNotFound || !strings.Contains(res.body, "This key cannot be used") {
		t.Errorf("second use: status %d\n%s", res.status, res.body)
	}
}

func TestRegisterFieldErrorsKeepValues(t *testing.T) {
	fb := newFakeBackend(Organization{Name: "Example School", Terms: "Be kind.", PasswordClasses: true})
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{Limits: Limits{Address: 100, PersonalKey: 100}})
	c := newClient(t, srv.URL)

	cases := []struct {
		name     string
		change   url.Values
		field    string
		wantText string
	}{
		{"too short", url.Values{"password": {"Sh0rt!"}, "password2": {"Sh0rt!"}}, "password", "The password needs at least 12 characters."},
		{"blocklisted", url.Values{"password": {"Password2024!"}, "password2": {"Password2024!"}}, "password", "too common"},
		{"username as password", url.Values{"username": {"Jane.Mueller77"}, "password": {"jane.mueller77"}, "password2": {"jane.mueller77"}}, "password", "must not be your name"},
		{"classes", url.Values{"password": {"purple giraffe dances"}, "password2": {"purple giraffe dances"}}, "password", "needs an upper-case letter"},
		{"mismatch", url.Values{"password2": {strongPassword + "!"}}, "password2", "The two passwords are not the same."},
		{"no password", url.Values{"password": {""}, "password2": {""}}, "password", "Please fill in this field."},
		{"terms", url.Values{"terms": nil}, "terms", "Please accept the terms of use"},
		{"bad email", url.Values{"email": {"jane at example"}}, "email", "not a valid email address"},
		{"bad username", url.Values{"username": {"jane mueller"}}, "username", "not “ ”"},
		{"bad mobile", url.Values{"mobile": {"call me"}}, "mobile", "Only digits"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fields := registerFields()
			fields.Set("username", "jane.m")
			for k, v := range tc.change {
				fields[k] = v
			}
			form := c.formFor("/register?key="+key, fields)
			res := c.post("/register", form)
			if res.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d\n%s", res.status, res.body)
			}
			body := html.UnescapeString(res.body)
			errRe := regexp.MustCompile(`<p class="error" id="` + tc.field + `-error">([^<]*)</p>`)
			m := errRe.FindStringSubmatch(body)
			if m == nil || !strings.Contains(m[1], tc.wantText) {
				t.Fatalf("no error %q next to %s:\n%s", tc.wantText, tc.field, body)
			}
			if !strings.Contains(res.body, `aria-describedby="`) || !strings.Contains(res.body, `aria-invalid="true"`) {
				t.Error("invalid field not marked for assistive technology")
			}
			if !strings.Contains(res.body, "Please correct the marked fields.") {
				t.Error("no summary of the errors")
			}
			// Typed values stay, passwords never come back.
			wantUser := fields.Get("username")
			if !strings.Contains(body, `name="username" type="text" value="`+wantUser+`"`) {
				t.Errorf("username %q not kept", wantUser)
			}
			if tc.field != "email" && !strings.Contains(body, `value="jane.mueller@example.org"`) {
				t.Error("email not kept")
			}
			if pw := fields.Get("password"); pw != "" && strings.Contains(body, pw) {
				t.Error("the page shows the password")
			}
			if pw := fields.Get("password2"); pw != "" && strings.Contains(body, pw) {
				t.Error("the page shows the repeated password")
			}
			if tc.field != "terms" && !strings.Contains(res.body, `value="yes" checked`) {
				t.Error("terms checkbox not kept")
			}
		})
	}
	if _, ok := fb.registration(key); ok {
		t.Error("a form with errors registered")
	}
}

func TestTakenUsername(t *testing.T) {
	fb := newFakeBackend(testOrg)
	key := fb.addPersonal(t, testInvitee)
	fb.takeUser("jane.mueller", "someone@example.org")
	srv := startServer(t, fb, Options{})
	c := newClient(t, srv.URL)
	res := c.post("/register", c.formFor("/register?key="+key, registerFields()))
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `<p class="error" id="username-error">This username is already taken.`) {
		t.Fatalf("status %d\n%s", res.status, res.body)
	}
	// Another username works with the same key.
	fields := registerFields()
	fields.Set("username", "jane.m2")
	if res := c.post("/register", c.formFor("/register?key="+key, fields)); res.status != http.StatusOK {
		t.Fatalf("status %d\n%s", res.status, res.body)
	}
}

func TestBadKeysGetTheSameAnswer(t *testing.T) {
	fb := newFakeBackend(testOrg)
	expired := fb.addPersonal(t, testInvitee)
	revoked := fb.addPersonal(t, testInvitee)
	used := fb.addPersonal(t, testInvitee)
	fb.personal[expired].expired = true
	fb.personal[revoked].revoked = true
	fb.personal[used].used = true
	unknown, _ := keys.NewPersonal()
	srv := startServer(t, fb, Options{})

	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			c := newClient(t, srv.URL)
			// One valid key sets the CSRF cookie so the POSTs get past the check.
			good := fb.addPersonal(t, testInvitee)
			form := c.formFor("/register?key="+good, registerFields())
			var first response
			for i, k := range []string{unknown, expired, revoked, used} {
				var res response
				if method == "GET" {
					res = c.get("/register?key=" + k)
				} else {
					form.Set("key", k)
					res = c.post("/register", form)
				}
				if i == 0 {
					first = res
					if res.status != http.StatusNotFound || !strings.Contains(res.body, "This key cannot be used.") {
						t.Fatalf("unknown key: status %d\n%s", res.status, res.body)
					}
					continue
				}
				if res.status != first.status || res.body != first.body {
					t.Errorf("key %d answered %d (%d bytes), the unknown key %d (%d bytes)", i, res.status, len(res.body), first.status, len(first.body))
				}
				if strings.Contains(res.body, k) {
					t.Errorf("key %d is echoed", i)
				}
			}
		})
	}
	for _, k := range []string{expired, revoked, used} {
		if _, ok := fb.registration(k); ok {
			t.Errorf("bad key %s registered", k)
		}
	}
}

func TestKeyEntry(t *testing.T) {
	fb := newFakeBackend(testOrg)
	key := fb.addPersonal(t, testInvitee)
	invite := fb.addInvite(t, "Class 5b", 10)
	srv := startServer(t, fb, Options{})
	c := newClient(t, srv.URL)

	res := c.get("/register")
	if res.status != http.StatusOK || !strings.Contains(res.body, `<form method="get" action="register"`) ||
		!strings.Contains(res.body, `<label for="key">Registration key</label>`) {
		t.Fatalf("key page: %d\n%s", res.status, res.body)
	}
	// Any spacing, case and hyphens.
	typed := strings.ToLower(strings.ReplaceAll(key, "-", " ")) + "  "
	if res := c.get("/register?key=" + url.QueryEscape("  "+typed)); res.status != http.StatusOK || !strings.Contains(res.body, "<dd>Jane</dd>") {
		t.Fatalf("typed key: %d\n%s", res.status, res.body)
	}
	// A mistyped key: a precise message, the typed key kept.
	swapped := []byte(key)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	if swapped[0] == swapped[1] {
		swapped[0], swapped[2] = swapped[2], swapped[0]
	}
	res = c.get("/register?key=" + string(swapped))
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "The key is mistyped") || !strings.Contains(res.body, `value="`+string(swapped)+`"`) {
		t.Fatalf("mistyped key: %d\n%s", res.status, res.body)
	}
	res = c.get("/register?key=ABCDE", "Accept-Language", "de")
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "Der Schlüssel hat 5 Zeichen, nötig sind 25.") {
		t.Fatalf("short key: %d\n%s", res.status, res.body)
	}
	// An invite key typed on /register points to /join, and the other way round.
	res = c.get("/register?key=" + invite)
	if !strings.Contains(res.body, "This is an invitation key") || !strings.Contains(res.body, `href="join?key=`+invite+`&amp;lang=en"`) {
		t.Fatalf("invite key on /register: %d\n%s", res.status, res.body)
	}
	res = c.get("/join?key=" + key)
	if !strings.Contains(res.body, "This is a personal registration key") || !strings.Contains(res.body, `href="register?key=`+key+`&amp;lang=en"`) {
		t.Fatalf("personal key on /join: %d\n%s", res.status, res.body)
	}
}

// csrfForm returns a form carrying the CSRF cookie's token and key, without opening
// the form (which would count an attempt).
func (c *client) csrfForm(key string) url.Values {
	c.t.Helper()
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "onboard_csrf" {
			return url.Values{"csrf": {ck.Value}, "key": {key}}
		}
	}
	c.t.Fatal("no CSRF cookie")
	return nil
}

func TestCSRF(t *testing.T) {
	fb := newFakeBackend(testOrg)
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{})

	c := newClient(t, srv.URL)
	good := c.formFor("/register?key="+key, registerFields())
	u, _ := url.Parse(srv.URL)
	cookies := c.http.Jar.Cookies(u)
	if len(cookies) != 1 || cookies[0].Name != "onboard_csrf" || cookies[0].Value != good.Get("csrf") {
		t.Fatalf("cookies %v, token %q", cookies, good.Get("csrf"))
	}

	noToken := cloneValues(good)
	noToken.Del("csrf")
	wrongToken := cloneValues(good)
	wrongToken.Set("csrf", strings.Repeat("A", 43))
	for name, tc := range map[string]struct {
		c    *client
		form url.Values
	}{
		"no token":  {c, noToken},
		"wrong":     {c, wrongToken},
		"no cookie": {newClient(t, srv.URL), good},
	} {
		res := tc.c.post("/register", tc.form)
		if res.status != http.StatusForbidden || !strings.Contains(res.body, "This form has expired or was sent from another site.") {
			t.Errorf("%s: status %d\n%s", name, res.status, res.body)
		}
	}
	if _, ok := fb.registration(key); ok {
		t.Fatal("registered without a valid CSRF token")
	}
	if res := c.post("/register", good); res.status != http.StatusOK {
		t.Fatalf("valid token: %d\n%s", res.status, res.body)
	}

	// The cookie is strict, script-proof and secure over HTTPS.
	rec := newRecorder(t, NewHandler(fb, Options{}), "GET", "/register?key="+fb.addPersonal(t, testInvitee), "")
	sc := rec.Header().Get("Set-Cookie")
	for _, w := range []string{"onboard_csrf=", "Path=/", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(sc, w) {
			t.Errorf("Set-Cookie %q lacks %s", sc, w)
		}
	}
	rec = newRecorder(t, NewHandler(fb, Options{TrustedProxies: testProxies}), "GET", "/register?key="+fb.addPersonal(t, testInvitee), "https")
	if sc := rec.Header().Get("Set-Cookie"); !strings.HasPrefix(sc, "__Host-onboard_csrf=") || !strings.Contains(sc, "Secure") {
		t.Errorf("Set-Cookie over https %q", sc)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}

func TestTwoFactor(t *testing.T) {
	fb := newFakeBackend(Organization{Name: "Example School", RequireTwoFactor: true})
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{})
	c := newClient(t, srv.URL)

	page := c.get("/register?key=" + key)
	if page.status != http.StatusOK {
		t.Fatalf("status %d", page.status)
	}
	secret := pageSecret(page.body)
	if !validTOTPSecret(secret) {
		t.Fatalf("shown secret %q", secret)
	}
	if enrol := hidden(page.body).Get("totp_enrolment"); enrol == "" || strings.Contains(enrol, secret) {
		t.Fatalf("hidden setup %q", enrol)
	}
	for _, w := range []string{
		`<img class="qr" src="data:image/png;base64,`, `alt="QR code to scan with your authenticator app"`,
		secret[:4] + " " + secret[4:8], `<label for="totp_code">Code from the app</label>`, `autocomplete="one-time-code" inputmode="numeric"`,
	} {
		if !strings.Contains(page.body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if strings.Contains(page.body, "terms") {
		t.Error("an organization without terms shows a terms section")
	}
	checkQR(t, page.body, secret)

	form := hidden(page.body)
	for k, v := range registerFields() {
		form[k] = v
	}
	form.Del("terms")
	form.Set("totp_code", wrongCode(t, secret))
	res := c.post("/register", form)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `<p class="error" id="totp_code-error">This code is not correct.`) {
		t.Fatalf("wrong code: %d\n%s", res.status, res.body)
	}
	if got := pageSecret(res.body); got != secret {
		t.Errorf("the form changed the secret after an error: %q, was %q", got, secret)
	}
	form.Set("totp_enrolment", hidden(res.body).Get("totp_enrolment")) // as the browser sends the new form
	form.Set("totp_code", "")
	if res := c.post("/register", form); !strings.Contains(res.body, "Please enter the 6-digit code from your app.") {
		t.Errorf("missing code: %d", res.status)
	}
	sealed := form.Get("totp_enrolment")
	form.Set("totp_enrolment", "not-sealed")
	res = c.post("/register", form)
	if newSecret := pageSecret(res.body); !strings.Contains(res.body, "The two-factor setup was lost.") || !validTOTPSecret(newSecret) || newSecret == secret {
		t.Errorf("tampered setup: %d\n%s", res.status, res.body)
	}
	if _, ok := fb.registration(key); ok {
		t.Fatal("registered without a right code")
	}

	form.Set("totp_enrolment", sealed)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	form.Set("totp_code", code[:3]+" "+code[3:]) // as apps show it
	res = c.post("/register", form)
	if res.status != http.StatusOK || !strings.Contains(res.body, "you will also need the code from your authenticator app") {
		t.Fatalf("right code: %d\n%s", res.status, res.body)
	}
	reg, _ := fb.registration(key)
	if reg.TOTPSecret != secret {
		t.Errorf("registered secret %q, want %q", reg.TOTPSecret, secret)
	}
	if !reg.TermsAt.IsZero() {
		t.Errorf("TermsAt %v without terms", reg.TermsAt)
	}
}

// wrongCode returns a 6-digit code that is not valid for secret now.
func wrongCode(t *testing.T, secret string) string {
	for _, c := range []string{"000000", "111111", "222222"} {
		if !totp.Validate(c, secret) {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func TestJoinWithInviteKey(t *testing.T) {
	fb := newFakeBackend(testOrg)
	invite := fb.addInvite(t, "Class 5b, autumn", 1)
	srv := startServer(t, fb, Options{})
	c := newClient(t, srv.URL)

	for _, lang := range []string{"en", "de"} {
		page := c.get("/join?key=" + strings.ToLower(invite) + "&lang=" + lang)
		if page.status != http.StatusOK {
			t.Fatalf("%s: status %d\n%s", lang, page.status, page.body)
		}
		want := []string{
			"Join with an invitation", "<dd>Class 5b, autumn</dd>", `<label for="first_name">First name</label>`,
			`name="first_name" type="text" value="" autocomplete="given-name"`, `name="username" type="text" value=""`,
		}
		if lang == "de" {
			want = []string{"Mit einer Einladung beitreten", "<dt>Einladung</dt>", `<label for="first_name">Vorname</label>`, `<label for="last_name">Nachname</label>`}
		}
		for _, w := range want {
			if !strings.Contains(page.body, w) {
				t.Errorf("%s: page lacks %q", lang, w)
			}
		}
	}
	fields := url.Values{
		"first_name": {""}, "last_name": {"Okafor"}, "username": {"ada"}, "email": {"ada@example.org"},
		"password": {strongPassword}, "password2": {strongPassword}, "terms": {"yes"},
	}
	form := c.formFor("/join?key="+invite, fields)
	res := c.post("/join", form)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `<p class="error" id="first_name-error">Please fill in this field.</p>`) ||
		!strings.Contains(res.body, `name="last_name" type="text" value="Okafor"`) {
		t.Fatalf("missing first name: %d\n%s", res.status, res.body)
	}
	form.Set("first_name", "Ada")
	form.Set("password", "Ada Okafor 2024")
	form.Set("password2", "Ada Okafor 2024")
	if res := c.post("/join", form); !strings.Contains(res.body, "must not be your name") {
		t.Fatalf("name as password: %d\n%s", res.status, res.body)
	}
	form.Set("password", strongPassword)
	form.Set("password2", strongPassword)
	res = c.post("/join", form)
	if res.status != http.StatusOK || !strings.Contains(res.body, "Welcome, Ada! Your account with Example School is active.") {
		t.Fatalf("join: %d\n%s", res.status, res.body)
	}
	fb.mu.Lock()
	joined, uses := slices.Clone(fb.joined), fb.invites[invite].uses
	fb.mu.Unlock()
	if len(joined) != 1 || uses != 1 {
		t.Fatalf("joined %d, uses %d", len(joined), uses)
	}
	r := joined[0]
	if r.FirstName != "Ada" || r.LastName != "Okafor" || r.Username != "ada" || r.Email != "ada@example.org" || r.Mobile != "" || r.TermsAt.IsZero() {
		t.Errorf("registration %+v", r)
	}
	if ok, err := VerifyPassword(strongPassword, r.PasswordHash); !ok || err != nil {
		t.Errorf("hash: %v %v", ok, err)
	}
	// Used up: the same answer as any bad key.
	if res := c.get("/join?key=" + invite); res.status != http.StatusNotFound || !strings.Contains(res.body, "This key cannot be used.") {
		t.Errorf("used-up invite: %d\n%s", res.status, res.body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	fb := newFakeBackend(Organization{Name: "Example School", RequireTwoFactor: true})
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{})
	c := newClient(t, srv.URL)
	pages := map[string]response{
		"key page":      c.get("/register"),
		"form":          c.get("/register?key=" + key),
		"bad key":       c.get("/join?key=0000000000"),
		"form error":    c.post("/register", c.formFor("/register?key="+key, nil)),
		"csrf":          newClient(t, srv.URL).post("/register", url.Values{}),
		"not found":     c.get("/nothing"),
		"wrong method":  c.post("/static/onboard.css", nil),
		"style":         c.get("/static/onboard.css"),
		"join key page": c.get("/join?lang=de"),
	}
	for name, res := range pages {
		h := res.header
		csp := h.Get("Content-Security-Policy")
		for _, w := range []string{"default-src 'none'", "style-src 'self'", "img-src 'self' data:", "form-action 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, w) {
				t.Errorf("%s: CSP %q lacks %s", name, csp, w)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: CSP allows scripts: %q", name, csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", name, h)
		}
		wantCache := "no-store"
		if name == "style" {
			wantCache = "public, max-age=3600"
		}
		if got := h.Get("Cache-Control"); got != wantCache {
			t.Errorf("%s: Cache-Control %q, want %q", name, got, wantCache)
		}
		if strings.Contains(res.body, "<script") || strings.Contains(res.body, " style=") {
			t.Errorf("%s: inline script or style", name)
		}
	}
	if res := pages["style"]; res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/css") {
		t.Errorf("style: %d %s", res.status, res.header.Get("Content-Type"))
	}
	if pages["not found"].status != http.StatusNotFound || pages["wrong method"].status != http.StatusMethodNotAllowed {
		t.Errorf("not found %d, wrong method %d", pages["not found"].status, pages["wrong method"].status)
	}
}

func TestMessagesComplete(t *testing.T) {
	for lang, m := range messages {
		for key := range messages["en"] {
			if m[key] == "" {
				t.Errorf("%s lacks %q", lang, key)
			}
		}
		if len(m) != len(messages["en"]) {
			t.Errorf("%s has %d messages, en %d", lang, len(m), len(messages["en"]))
		}
	}
}

// backendError fails every call.
type backendError struct{ *fakeBackend }

func (backendError) PersonalKey(context.Context, string) (*Invitee, error) {
	return nil, errors.New("database is down")
}

func TestBackendErrorIs500(t *testing.T) {
	fb := newFakeBackend(testOrg)
	key := fb.addPersonal(t, testInvitee)
	var logged strings.Builder
	srv := startServer(t, fb, Options{})
	srv.Config.Handler = NewHandler(backendError{fb}, Options{Log: slog.New(slog.NewTextHandler(&logged, nil))})
	res := newClient(t, srv.URL).get("/register?key=" + key)
	if res.status != http.StatusInternalServerError || strings.Contains(res.body, "database") {
		t.Fatalf("status %d\n%s", res.status, res.body)
	}
	if !strings.Contains(logged.String(), "database is down") {
		t.Errorf("error not logged: %q", logged.String())
	}
}

// newRecorder runs one request through h; proto "https" adds X-Forwarded-Proto.
func newRecorder(t *testing.T, h http.Handler, method, target, proto string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if proto != "" {
		req.Header.Set("X-Forwarded-Proto", proto)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var qrRe = regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`)

// checkQR decodes the page's QR code with zbarimg (Debian's zbar-tools) and checks
// it holds the otpauth URL of secret.
func checkQR(t *testing.T, body, secret string) {
	t.Helper()
	m := qrRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no QR image")
	}
	png, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Log("zbarimg not installed: QR code content not checked")
		return
	}
	file := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(file, png, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", file).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	u, err := url.Parse(strings.TrimSpace(string(out)))
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != secret ||
		u.Query().Get("issuer") != "Example School" || u.Path != "/Example School:jane.mueller" {
		t.Errorf("QR code holds %q", out)
	}
}

// TestConcurrentRedemption submits one personal key from 20 browsers at once:
// exactly one registers, the others get the bad-key answer.
func TestConcurrentRedemption(t *testing.T) {
	fb := newFakeBackend(testOrg)
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{Limits: Limits{Address: 1000, PersonalKey: 1000}})
	const n = 20
	clients := make([]*client, n)
	forms := make([]url.Values, n)
	for i := range n {
		clients[i] = newClient(t, srv.URL)
		fields := registerFields()
		fields.Set("username", fmt.Sprintf("jane%d", i))
		fields.Set("email", fmt.Sprintf("jane%d@example.org", i))
		forms[i] = clients[i].formFor("/register?key="+key, fields)
	}
	statuses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := clients[i].http.PostForm(srv.URL+"/register", forms[i])
			if err != nil {
				errs[i] = err
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	ok, bad := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusNotFound:
			bad++
		}
	}
	if ok != 1 || bad != n-1 {
		t.Fatalf("statuses %v: %d registered, %d bad key", statuses, ok, bad)
	}
}
