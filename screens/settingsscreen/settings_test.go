package settingsscreen

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"onboard/data"
	"onboard/internal/mail"
	"onboard/internal/mail/smtptest"
	"onboard/internal/settings"
	"onboard/screens/internal/uitest"
)

func openSettings(t *testing.T) (*Screen, fyne.Window, *data.Store) {
	t.Helper()
	test.NewTempApp(t)
	keyring.MockInit() // an OS keyring in memory
	st, _, _ := uitest.OpenStore(t)
	s, w := uitest.ShowScreen(t, 1200, 1000, func(w fyne.Window) *Screen { return New(st, w) }, (*Screen).wait)
	return s, w, st
}

// storedMailSettings returns the mail settings stored, by name ("" for unset), and
// the password.
func storedMailSettings(t *testing.T, st *data.Store) (map[string]string, string) {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, k := range mailKeys {
		v, set, err := settings.Stored(ctx, st, k)
		if err != nil {
			t.Fatal(err)
		}
		if set {
			out[k.Name] = v
		}
	}
	pw, _, err := settings.Secret(ctx, st, settings.SMTPPassword)
	if err != nil {
		t.Fatal(err)
	}
	return out, pw
}

func TestSettingsMailServerRefusesBadValuesAndStoresNothing(t *testing.T) {
	s, w, st := openSettings(t)
	m := s.mail
	if m.passNote.Text != noPassword || m.port.Text != "587" || m.security.Selected != securityLabel("starttls") {
		t.Fatalf("fresh settings: note %q, port %q, security %q", m.passNote.Text, m.port.Text, m.security.Selected)
	}
	m.host.SetText("smtp.example.org")
	m.port.SetText("99999")
	m.user.SetText("onboard")
	m.password.SetText("s3cret")
	m.from.SetText("Gymnasium <onboard@example.org>")
	test.Tap(uitest.Button(t, w, "Save mail settings"))
	uitest.Settle(s.wait)
	if got := s.FieldError(settings.SMTPPort); !strings.Contains(got, "must be a port number from 1 to 65535") {
		t.Errorf("port error %q", got)
	}
	if !uitest.Texts(w)["Nothing was saved: correct the fields marked in red."] {
		t.Error("no word that nothing was saved")
	}
	if got, pw := storedMailSettings(t, st); len(got) > 0 || pw != "" {
		t.Fatalf("stored with a bad port: %v, password %q", got, pw)
	}

	// No security is only for a server on this computer.
	m.port.SetText("25")
	m.security.SetSelected(securityLabel("none"))
	if s.FieldError(settings.SMTPPort) != "" {
		t.Error("the port error stays after the port was changed")
	}
	test.Tap(uitest.Button(t, w, "Save mail settings"))
	uitest.Settle(s.wait)
	if got := s.FieldError(settings.SMTPSecurity); !strings.Contains(got, "only allowed for a mail server on this computer") ||
		!strings.Contains(got, "smtp.example.org") {
		t.Errorf("security error %q", got)
	}
	if got, pw := storedMailSettings(t, st); len(got) > 0 || pw != "" {
		t.Fatalf("stored with security none for a remote host: %v, password %q", got, pw)
	}

	// A sender that is not an address.
	m.security.SetSelected(securityLabel("starttls"))
	if m.port.Text != "587" {
		t.Errorf("the usual port does not follow the security: %q", m.port.Text)
	}
	m.from.SetText("onboard at example.org")
	test.Tap(uitest.Button(t, w, "Save mail settings"))
	uitest.Settle(s.wait)
	if got := s.FieldError(settings.SMTPFrom); !strings.Contains(got, "is not an email address") {
		t.Errorf("sender error %q", got)
	}
	if s.FieldError(settings.SMTPSecurity) != "" {
		t.Error("the security error stays")
	}
	if got, _ := storedMailSettings(t, st); len(got) > 0 {
		t.Fatalf("stored with a bad sender: %v", got)
	}
}

func TestSettingsMailServerStoresGoodValuesAndThePasswordApart(t *testing.T) {
	s, w, st := openSettings(t)
	m := s.mail
	saved := 0
	s.OnMailSaved = func() { saved++ }
	m.host.SetText(" SMTP.Example.org ")
	m.port.SetText("0587")
	m.user.SetText("onboard")
	m.password.SetText("s3cret")
	m.from.SetText("Gymnasium am Stadtpark <onboard@example.org>")
	test.Tap(uitest.Button(t, w, "Save mail settings"))
	uitest.Settle(s.wait)
	got, pw := storedMailSettings(t, st)
	want := map[string]string{
		"smtp.host": "smtp.example.org", "smtp.port": "587", "smtp.security": "starttls",
		"smtp.user": "onboard", "smtp.from": "Gymnasium am Stadtpark <onboard@example.org>",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if pw != "s3cret" {
		t.Errorf("password %q", pw)
	}
	if raw, _ := st.Setting(context.Background(), settings.SMTPPassword.Name, ""); strings.Contains(raw, "s3cret") {
		t.Error("the password is in the database although there is a keyring")
	}
	if m.passNote.Text != "Password stored in the OS keyring." || m.password.Text != "" || m.host.Text != "smtp.example.org" {
		t.Errorf("after saving: note %q, password field %q, host %q", m.passNote.Text, m.password.Text, m.host.Text)
	}
	if !uitest.Texts(w)["Mail settings saved."] || saved != 1 {
		t.Errorf("no confirmation (%d calls of OnMailSaved)", saved)
	}
	if !uitest.Button(t, w, "Save mail settings").Disabled() {
		t.Error("Save stays enabled without changes")
	}

	// An empty password field keeps the stored password.
	m.user.SetText("onboard2")
	test.Tap(uitest.Button(t, w, "Save mail settings"))
	uitest.Settle(s.wait)
	if got, pw := storedMailSettings(t, st); got["smtp.user"] != "onboard2" || pw != "s3cret" {
		t.Errorf("after changing the user: %v, password %q", got, pw)
	}

	// Remove password, then save: the password is gone.
	test.Tap(uitest.Button(t, w, "Remove password"))
	if m.passNote.Text != "The stored password is removed when you save." {
		t.Errorf("note %q", m.passNote.Text)
	}
	test.Tap(uitest.Button(t, w, "Save mail settings"))
	uitest.Settle(s.wait)
	if _, pw := storedMailSettings(t, st); pw != "" || m.passNote.Text != noPassword {
		t.Errorf("after removing: password %q, note %q", pw, m.passNote.Text)
	}

	// A new screen shows what is stored.
	s2, _ := uitest.ShowScreen(t, 1200, 1000, func(w fyne.Window) *Screen { return New(st, w) }, (*Screen).wait)
	if s2.mail.host.Text != "smtp.example.org" || s2.mail.user.Text != "onboard2" || s2.mail.security.Selected != securityLabel("starttls") {
		t.Errorf("reloaded: host %q, user %q, security %q", s2.mail.host.Text, s2.mail.user.Text, s2.mail.security.Selected)
	}
}

// setMailServer stores the settings of a test SMTP server without TLS on loopback.
func setMailServer(t *testing.T, st settings.Store, srv *smtptest.Server) {
	t.Helper()
	host, port := srv.Addr()
	for _, kv := range []struct {
		k settings.Key
		v string
	}{
		{settings.SMTPHost, host},
		{settings.SMTPPort, strconv.Itoa(port)},
		{settings.SMTPSecurity, string(mail.SecurityNone)},
		{settings.SMTPFrom, "onboard@example.org"},
	} {
		if _, err := settings.Set(context.Background(), st, kv.k, kv.v); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSettingsSendTestEmailShowsTheServersAnswer(t *testing.T) {
	s, w, st := openSettings(t)
	s.mail.SendTest("anna@example.org")
	uitest.Settle(s.wait)
	if got := s.TestResult(); !strings.Contains(got, "no mail server is set up") {
		t.Errorf("without a server: %q", got)
	}

	srv := smtptest.Start(t, smtptest.RejectRcpt("nobody@example.org", 550, "5.1.1 <nobody@example.org>: Recipient address rejected"))
	setMailServer(t, st, srv)
	test.Tap(uitest.Button(t, w, "Send test email…"))
	entries := uitest.Visible[*widget.Entry](w)
	if len(entries) != 1 {
		t.Fatalf("the test dialog has %d entries", len(entries))
	}
	entries[0].SetText("anna@example.org")
	test.Tap(uitest.Button(t, w, "Send"))
	uitest.Settle(s.wait)
	if got := s.TestResult(); !strings.Contains(got, "accepted the test email to anna@example.org") {
		t.Errorf("success: %q", got)
	}
	if r := srv.Received(); len(r) != 1 || r[0].To[0] != "anna@example.org" {
		t.Fatalf("received %+v", r)
	}

	s.mail.SendTest("nobody@example.org")
	uitest.Settle(s.wait)
	if got := s.TestResult(); !strings.Contains(got, "550 5.1.1 <nobody@example.org>: Recipient address rejected") {
		t.Errorf("refused: %q", got)
	}
}
