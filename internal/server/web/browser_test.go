package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"onboard/internal/mail/smtptest"
)

const chromiumPath = "/usr/bin/chromium"

// newBrowser starts headless Chromium (Debian's package) with a fresh profile, or
// skips the test when it is not installed — except in CI, where it must be.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is required in CI (apt-get install chromium): %v", err)
		}
		t.Skip("chromium is not installed (apt-get install chromium); skipping the browser test")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox, // we run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 1000),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// screenshot saves the whole page as name in the test's artifact directory and as
// a copy in /tmp for a person to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// From the top: a page scrolled down by typing loses its lower part otherwise.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatalf("scroll to the top: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	for _, dir := range []string{t.ArtifactDir(), os.TempDir()} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
	}
}

// TestBrowserRegistration drives Chromium as a person would, with the browser's own
// form submissions: typing a key (first mistyped), a refused password, then the QR
// link of a letter, filled in and submitted.
func TestBrowserRegistration(t *testing.T) {
	ctx := newBrowser(t)
	fb := newFakeBackend(Organization{Name: "Example School", Terms: testOrg.Terms})
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{})
	submit := chromedp.Click(chromedp.CSS(`button[type="submit"]`))

	// Typing the key: a swapped pair is caught, the typed key stays for correction.
	typed := strings.ToLower(strings.ReplaceAll(key, "-", " "))
	swapped := typed[1:2] + typed[0:1] + typed[2:]
	if swapped == typed {
		swapped = typed[2:3] + typed[1:2] + typed[0:1] + typed[3:]
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/register"),
		chromedp.SendKeys(chromedp.ID("key"), swapped),
		submit,
		chromedp.WaitVisible(chromedp.ID("key-error")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("key-error"))); !strings.Contains(msg, "mistyped") {
		t.Errorf("key error %q", msg)
	}
	screenshot(t, ctx, "onboard-register-key.png")
	err = chromedp.Do(ctx,
		chromedp.Clear(chromedp.ID("key")),
		chromedp.SendKeys(chromedp.ID("key"), typed),
		submit,
		chromedp.WaitVisible(chromedp.ID("password")),
	)
	if err != nil {
		t.Fatal(err)
	}

	// A common password: the page explains next to the field, the values stay.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), "Password2024!"),
		chromedp.SendKeys(chromedp.ID("password2"), "Password2024!"),
		chromedp.Click(chromedp.ID("terms")),
		submit,
		chromedp.WaitVisible(chromedp.ID("password-error")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("password-error"))); !strings.Contains(msg, "too common") {
		t.Errorf("password error %q", msg)
	}
	if checked, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("terms").checked`)); !checked {
		t.Error("terms checkbox not kept")
	}
	screenshot(t, ctx, "onboard-register-error.png")

	// The QR link of the letter, filled in and submitted.
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/register?key="+key),
		chromedp.WaitVisible(chromedp.ID("password")),
	)
	if err != nil {
		t.Fatal(err)
	}
	names, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("dl.fixed")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(names, "Jane") || !strings.Contains(names, "Müller") {
		t.Errorf("names shown: %q", names)
	}
	if user, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("username"))); user != "jane.mueller" {
		t.Errorf("username prefilled with %q", user)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), strongPassword),
		chromedp.SendKeys(chromedp.ID("password2"), strongPassword),
		chromedp.Click(chromedp.ID("terms")),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "onboard-register.png")
	err = chromedp.Do(ctx, submit, chromedp.WaitVisible(chromedp.CSS(".done")))
	if err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || h1 != "Your account is ready" {
		t.Fatalf("heading %q, %v", h1, err)
	}
	screenshot(t, ctx, "onboard-register-done.png")

	reg, ok := fb.registration(key)
	if !ok {
		t.Fatal("the browser's submission did not register")
	}
	if ok, err := VerifyPassword(strongPassword, reg.PasswordHash); !ok || err != nil {
		t.Errorf("stored hash does not verify: %v %v", ok, err)
	}
	if reg.Username != "jane.mueller" || reg.TermsAt.IsZero() {
		t.Errorf("registration %+v", reg)
	}
}

// TestBrowserTwoFactorGerman registers in German with the TOTP setup, reading the
// secret from the page as an authenticator app would from the QR code.
func TestBrowserTwoFactorGerman(t *testing.T) {
	ctx := newBrowser(t)
	fb := newFakeBackend(Organization{
		Name: "Beispielschule", Terms: "1. Seien Sie freundlich.\n2. Geben Sie Ihr Passwort nicht weiter.",
		RequireTwoFactor: true, PasswordClasses: true,
	})
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{})

	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/register?key="+key+"&lang=de"),
		chromedp.WaitVisible(chromedp.CSS("img.qr")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The QR image loaded (CSP allows the data: URI) and has its size.
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("img.qr").naturalWidth`))
	if err != nil || width < 100 {
		t.Fatalf("QR image width %d, %v", width, err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`code.secret`)))
	secret := strings.ReplaceAll(shown, " ", "")
	if err != nil || !validTOTPSecret(secret) {
		t.Fatalf("secret %q, %v", secret, err)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), strongPassword),
		chromedp.SendKeys(chromedp.ID("password2"), strongPassword),
		chromedp.Click(chromedp.ID("terms")),
		chromedp.SendKeys(chromedp.ID("totp_code"), code),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "onboard-register-de.png")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".done")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if h1, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1"))); h1 != "Ihr Konto ist eingerichtet" {
		t.Errorf("heading %q", h1)
	}
	if reg, _ := fb.registration(key); reg.TOTPSecret != secret {
		t.Errorf("registered secret %q, want %q", reg.TOTPSecret, secret)
	}
}

// TestBrowserEmailCode registers with a code by email, in English and German: the
// person presses "Send code", reads the code from the mail and types it in.
func TestBrowserEmailCode(t *testing.T) {
	for _, tc := range []struct{ lang, sent, done string }{
		{"en", "We sent a code to", "Your account is ready"},
		{"de", "Wir haben einen Code an", "Ihr Konto ist eingerichtet"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			ctx, ms, fb, key := openCodeForm(t, TwoFactorEmail, tc.lang, "email_code")
			err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("password"), strongPassword),
				chromedp.SendKeys(chromedp.ID("password2"), strongPassword),
			)
			if err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "onboard-register-email-"+tc.lang+".png")
			err = chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`button[name="action"]`)),
				chromedp.WaitVisible(chromedp.CSS(".notice")),
			)
			if err != nil {
				t.Fatal(err)
			}
			if msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".notice"))); !strings.Contains(msg, tc.sent) {
				t.Errorf("notice %q", msg)
			}
			got := ms.WaitReceived(1, 10*time.Second)
			if len(got) != 1 {
				t.Fatalf("%d mails", len(got))
			}
			code := sixDigits.FindString(got[0].Text)
			err = chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("password"), strongPassword),
				chromedp.SendKeys(chromedp.ID("password2"), strongPassword),
				chromedp.SendKeys(chromedp.ID("email_code"), code),
			)
			if err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "onboard-register-email-sent-"+tc.lang+".png")
			// In English Enter in the code field creates the account (not "Send a
			// new code", the first visible button); in German the button does.
			submit := chromedp.SendKeys(chromedp.ID("email_code"), "\r")
			if tc.lang == "de" {
				submit = chromedp.Click(chromedp.CSS(`button[type="submit"]:not([name]):not(.implicit)`))
			}
			err = chromedp.Do(ctx, submit, chromedp.WaitVisible(chromedp.CSS(".done")))
			if err != nil {
				t.Fatal(err)
			}
			if h1, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1"))); h1 != tc.done {
				t.Errorf("heading %q", h1)
			}
			if reg, ok := fb.registration(key); !ok || reg.TwoFactor != TwoFactorEmail {
				t.Errorf("registration %+v, %v", reg, ok)
			}
		})
	}
}

// TestBrowserChoice renders the choice between the app and the code by email.
func TestBrowserChoice(t *testing.T) {
	ctx, _, _, _ := openCodeForm(t, TwoFactorChoice, "de", "twofactor-email")
	screenshot(t, ctx, "onboard-register-choice-de.png")
}

// openCodeForm opens the form of a personal key of testInvitee in lang in a new
// browser, with the second factor method and a loopback mail server, and waits
// until the element id is visible.
func openCodeForm(t *testing.T, method, lang, id string) (context.Context, *smtptest.Server, *fakeBackend, string) {
	t.Helper()
	ctx := newBrowser(t)
	ms := smtptest.Start(t)
	fb := newFakeBackend(mailOrg(ms, method))
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{})
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/register?key="+key+"&lang="+lang), chromedp.WaitVisible(chromedp.ID(id))); err != nil {
		t.Fatal(err)
	}
	return ctx, ms, fb, key
}
