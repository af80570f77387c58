package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"onboard/internal/mail"
	"onboard/internal/mail/smtptest"
)

// testClock is a clock the tests move on.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mailOrg is testOrg without terms, asking for the second factor method, with the
// loopback mail server ms.
func mailOrg(ms *smtptest.Server, method string) Organization {
	host, port := ms.Addr()
	return Organization{
		Name: "Example School", RequireTwoFactor: true, TwoFactorMethod: method,
		Mail: &mail.Config{Host: host, Port: port, Security: mail.SecurityNone, From: "noreply@example.org", FromName: "Example School"},
	}
}

// codeTest is a registration form with codes by email against a fake backend
// and a loopback mail server.
type codeTest struct {
	t     *testing.T
	fb    *fakeBackend
	ms    *smtptest.Server
	clock *testClock
	c     *client
}

func newCodeTest(t *testing.T, method string, opts Options) *codeTest {
	ms := smtptest.Start(t)
	fb := newFakeBackend(mailOrg(ms, method))
	ct := &codeTest{t: t, fb: fb, ms: ms, clock: newTestClock()}
	opts.Now = ct.clock.Now
	ct.c = newClient(t, startServer(t, fb, opts).URL)
	return ct
}

// sentCode starts a codeTest with method email and a personal key of
// testInvitee, and sends a code for its form: it returns the key, the form as the
// page after sending holds it, and the code.
func sentCode(t *testing.T) (ct *codeTest, key string, form url.Values, code string) {
	ct = newCodeTest(t, TwoFactorEmail, Options{})
	key = ct.fb.addPersonal(t, testInvitee)
	form = ct.open("/register?key=" + key)
	_, code = ct.send("/register", form, 1)
	return ct, key, form, code
}

// open returns the form of path with the valid answers filled in.
func (ct *codeTest) open(path string) url.Values {
	form, _ := ct.openPage(path)
	return form
}

// openPage is open that also returns the page.
func (ct *codeTest) openPage(path string) (url.Values, response) {
	ct.t.Helper()
	page := ct.c.get(path)
	if page.status != http.StatusOK {
		ct.t.Fatalf("GET %s: %d\n%s", path, page.status, page.body)
	}
	form := hidden(page.body)
	for k, v := range registerFields() {
		form[k] = v
	}
	return form, page
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// send presses "Send code" with form and returns the page and the code mailed,
// checking that mail number n (from 1) went to the form's address.
func (ct *codeTest) send(path string, form url.Values, n int) (response, string) {
	ct.t.Helper()
	form.Set("action", actionSendCode)
	res := ct.c.post(path, form)
	form.Del("action")
	if res.status != http.StatusOK {
		ct.t.Fatalf("send code: %d\n%s", res.status, res.body)
	}
	got := ct.ms.WaitReceived(n, 10*time.Second)
	if len(got) != n {
		ct.t.Fatalf("%d mails, want %d", len(got), n)
	}
	m := got[n-1]
	if len(m.To) != 1 || m.To[0] != form.Get("email") {
		ct.t.Fatalf("code sent to %v, want %s", m.To, form.Get("email"))
	}
	code := sixDigits.FindString(m.Text)
	if code == "" {
		ct.t.Fatalf("no code in the mail:\n%s", m.Text)
	}
	for k, v := range hidden(res.body) {
		form[k] = v
	}
	return res, code
}

// submit posts form with code and returns the answer.
func (ct *codeTest) submit(path string, form url.Values, code string) response {
	ct.t.Helper()
	form.Set("email_code", code)
	return ct.c.post(path, form)
}

// wantCodeError checks that res is the form again with msg at the code field.
func wantCodeError(t *testing.T, res response, msg string) {
	t.Helper()
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `<p class="error" id="email_code-error">`+msg) {
		t.Fatalf("want the code error %q, got %d\n%s", msg, res.status, res.body)
	}
}

func TestEmailCodeRegisters(t *testing.T) {
	ct := newCodeTest(t, TwoFactorEmail, Options{})
	key := ct.fb.addPersonal(t, testInvitee)
	path := "/register?key=" + key
	page := ct.c.get(path)
	for _, w := range []string{`name="action" value="send_code"`, `>Send code</button>`, `<label for="email_code">Code from the email</label>`} {
		if !strings.Contains(page.body, w) {
			t.Errorf("form lacks %q", w)
		}
	}
	if strings.Contains(page.body, `class="qr"`) || strings.Contains(page.body, `name="twofactor"`) {
		t.Error("method email shows the authenticator app")
	}

	form := ct.open(path)
	form.Set("username", "jane.m")
	sent, code := ct.send("/register", form, 1)
	for _, w := range []string{
		"We sent a code to jane.mueller@example.org. It is valid for 10 minutes.",
		`value="jane.m"`, `49 170 1234567"`,
		`<input type="hidden" name="code_sent_to" value="jane.mueller@example.org">`, `>Send a new code</button>`,
	} {
		if !strings.Contains(sent.body, w) {
			t.Errorf("page after sending lacks %q", w)
		}
	}
	if strings.Contains(sent.body, strongPassword) {
		t.Error("the page after sending shows the password")
	}
	m := ct.ms.Received()[0]
	if m.Subject != "Your code for Example School" || !strings.Contains(m.Text, "valid for 10 minutes") ||
		!strings.Contains(m.Text, "Example School") {
		t.Errorf("mail %q\n%s", m.Subject, m.Text)
	}
	if _, ok := ct.fb.registration(key); ok {
		t.Fatal("sending a code registered")
	}

	res := ct.submit("/register", form, code[:3]+" "+code[3:])
	if res.status != http.StatusOK || !strings.Contains(res.body, "Your account is ready") {
		t.Fatalf("right code: %d\n%s", res.status, res.body)
	}
	reg, _ := ct.fb.registration(key)
	if reg.TwoFactor != TwoFactorEmail || reg.TOTPSecret != "" || reg.EmailCode != code || reg.Username != "jane.m" {
		t.Errorf("registration %+v", reg)
	}
}

func TestEmailCodeGermanMail(t *testing.T) {
	ct := newCodeTest(t, TwoFactorEmail, Options{})
	key := ct.fb.addPersonal(t, testInvitee)
	form := ct.open("/register?key=" + key + "&lang=de")
	sent, code := ct.send("/register", form, 1)
	if !strings.Contains(sent.body, "Wir haben einen Code an jane.mueller@example.org gesendet.") {
		t.Errorf("German page after sending:\n%s", sent.body)
	}
	m := ct.ms.Received()[0]
	if m.Subject != "Ihr Code für Example School" || !strings.Contains(m.Text, "10 Minuten gültig") || !strings.Contains(m.Text, code) {
		t.Errorf("German mail %q\n%s", m.Subject, m.Text)
	}
}

func TestEmailCodeWrongTries(t *testing.T) {
	ct, key, form, code := sentCode(t)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if res := ct.submit("/register", form, ""); !strings.Contains(res.body, "Please send yourself a code and enter it here.") {
		t.Errorf("no code: %d\n%s", res.status, res.body)
	}
	for left := MaxCodeTries - 1; left > 0; left-- {
		wantCodeError(t, ct.submit("/register", form, wrong), "This code is not correct. Tries left: "+string(rune('0'+left)))
	}
	wantCodeError(t, ct.submit("/register", form, wrong), "Too many wrong codes. Send a new one.")
	wantCodeError(t, ct.submit("/register", form, code), "Too many wrong codes. Send a new one.")
	if _, ok := ct.fb.registration(key); ok {
		t.Fatal("registered after too many wrong codes")
	}
	// A new code starts again.
	_, code = ct.send("/register", form, 2)
	if res := ct.submit("/register", form, code); res.status != http.StatusOK {
		t.Fatalf("new code: %d\n%s", res.status, res.body)
	}
}

func TestEmailCodeExpires(t *testing.T) {
	ct, key, form, code := sentCode(t)
	ct.clock.add(CodeLifetime)
	wantCodeError(t, ct.submit("/register", form, code), "The code has expired. Send a new one.")
	_, code = ct.send("/register", form, 2)
	ct.clock.add(CodeLifetime - time.Second)
	if res := ct.submit("/register", form, code); res.status != http.StatusOK {
		t.Fatalf("code 1 s before it expires: %d\n%s", res.status, res.body)
	}
	if reg, ok := ct.fb.registration(key); !ok || reg.TwoFactor != TwoFactorEmail {
		t.Errorf("registration %+v, %v", reg, ok)
	}
}

func TestEmailCodeBoundToKeyAndAddress(t *testing.T) {
	ct, _, form, code := sentCode(t)
	other := ct.fb.addPersonal(t, Invitee{UserID: "u2", FirstName: "Max", LastName: "Muster", NamesLocked: true})

	// The code of key does not count for other.
	form2 := ct.open("/register?key=" + other)
	wantCodeError(t, ct.submit("/register", form2, code), "No code was sent to this address yet.")

	// Nor for another address than the one it went to.
	form.Set("email", "jane@example.net")
	wantCodeError(t, ct.submit("/register", form, code),
		"The code was sent to jane.mueller@example.org. You changed the address: send a new code to the new one.")
	if len(ct.fb.redeemed) != 0 {
		t.Fatal("registered with a code of another key or address")
	}
	form.Set("email", "jane.mueller@example.org")
	if res := ct.submit("/register", form, code); res.status != http.StatusOK {
		t.Fatalf("the address back: %d\n%s", res.status, res.body)
	}
}

func TestEmailCodeUsedOnce(t *testing.T) {
	ct := newCodeTest(t, TwoFactorEmail, Options{})
	key := ct.fb.addInvite(t, "Class 5a", 2)
	fields := url.Values{
		"first_name": {"Anna"}, "last_name": {"Berg"}, "username": {"anna"}, "email": {"anna@example.org"},
		"password": {strongPassword}, "password2": {strongPassword},
	}
	form := ct.c.formFor("/join?key="+key, fields)
	_, code := ct.send("/join", form, 1)
	if res := ct.submit("/join", form, code); res.status != http.StatusOK {
		t.Fatalf("join: %d\n%s", res.status, res.body)
	}
	// The same code again, for another account with the same invite key.
	form = ct.c.formFor("/join?key="+key, fields)
	form.Set("username", "anna2")
	wantCodeError(t, ct.submit("/join", form, code), "This code was already used. Send a new one.")
	if len(ct.fb.joined) != 1 {
		t.Fatalf("%d joined with one code", len(ct.fb.joined))
	}
}

func TestEmailCodeSendsAreLimited(t *testing.T) {
	ct := newCodeTest(t, TwoFactorEmail, Options{Limits: Limits{CodeSends: 2}})
	key := ct.fb.addPersonal(t, testInvitee)
	form := ct.open("/register?key=" + key)
	ct.send("/register", form, 1)
	ct.send("/register", form, 2)
	form.Set("action", actionSendCode)
	res := ct.c.post("/register", form)
	if res.status != http.StatusTooManyRequests || !strings.Contains(res.body, "Too many codes were sent.") ||
		!strings.Contains(res.body, `name="email_code"`) || !strings.Contains(res.body, testInvitee.Email) {
		t.Fatalf("third code: %d, want the form with the values and the message\n%s", res.status, res.body)
	}
	if n := len(ct.ms.Received()); n != 2 {
		t.Errorf("%d mails sent, want 2", n)
	}
}

func TestEmailCodeChoice(t *testing.T) {
	ct := newCodeTest(t, TwoFactorChoice, Options{})
	key := ct.fb.addPersonal(t, testInvitee)
	path := "/register?key=" + key
	form, page := ct.openPage(path)
	for _, w := range []string{
		`name="twofactor" value="app" checked>`, `<label for="twofactor-app">Authenticator app</label>`,
		`name="twofactor" value="email">`, `<label for="twofactor-email">Code by email</label>`,
		`class="qr"`, `>Send code</button>`,
	} {
		if !strings.Contains(page.body, w) {
			t.Errorf("choice lacks %q", w)
		}
	}

	// Asking for a code picks the email; the TOTP setup stays the same.
	secret := pageSecret(page.body)
	sent, code := ct.send("/register", form, 1)
	if !strings.Contains(sent.body, `name="twofactor" value="email" checked>`) {
		t.Error("sending a code did not pick the email")
	}
	if got := pageSecret(sent.body); got != secret {
		t.Errorf("the TOTP setup changed when sending a code: %q, was %q", got, secret)
	}
	form.Set("twofactor", TwoFactorEmail)
	if res := ct.submit("/register", form, code); res.status != http.StatusOK {
		t.Fatalf("choice, email: %d\n%s", res.status, res.body)
	}
	if reg, _ := ct.fb.registration(key); reg.TwoFactor != TwoFactorEmail || reg.TOTPSecret != "" {
		t.Errorf("registration %+v", reg)
	}

	// The app, with its code.
	key2 := ct.fb.addPersonal(t, Invitee{UserID: "u2", FirstName: "Max", LastName: "Muster", NamesLocked: true})
	form, page = ct.openPage("/register?key=" + key2)
	secret = pageSecret(page.body)
	form.Set("username", "max")
	form.Set("email", "max@example.org")
	form.Set("twofactor", TwoFactorApp)
	totpCode, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	form.Set("totp_code", totpCode)
	if res := ct.c.post("/register", form); res.status != http.StatusOK {
		t.Fatalf("choice, app: %d\n%s", res.status, res.body)
	}
	if reg, _ := ct.fb.registration(key2); reg.TwoFactor != TwoFactorApp || reg.TOTPSecret != secret {
		t.Errorf("registration %+v", reg)
	}
}

func TestEmailCodeWithoutMail(t *testing.T) {
	fb := newFakeBackend(Organization{Name: "Example School", RequireTwoFactor: true, TwoFactorMethod: TwoFactorEmail})
	key := fb.addPersonal(t, testInvitee)
	c := newClient(t, startServer(t, fb, Options{}).URL)
	form := c.formFor("/register?key="+key, registerFields())
	page := c.get("/register?key=" + key)
	if !strings.Contains(page.body, "Codes by email cannot be sent at the moment") || strings.Contains(page.body, "send_code") {
		t.Errorf("email without mail:\n%s", page.body)
	}
	form.Set("action", actionSendCode)
	res := c.post("/register", form)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Codes by email cannot be sent at the moment") {
		t.Errorf("send without mail: %d\n%s", res.status, res.body)
	}
	if _, ok := fb.registration(key); ok {
		t.Fatal("registered without a second factor")
	}

	// With choice, only the app is left.
	fb.org.TwoFactorMethod = TwoFactorChoice
	page = c.get("/register?key=" + key)
	if !strings.Contains(page.body, `class="qr"`) || strings.Contains(page.body, `name="twofactor"`) ||
		!strings.Contains(page.body, "Codes by email cannot be sent at the moment; please use an authenticator app.") {
		t.Errorf("choice without mail:\n%s", page.body)
	}
}
