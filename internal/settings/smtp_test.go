package settings

import (
	"context"
	"errors"
	"testing"

	"github.com/zalando/go-keyring"

	"onboard/internal/mail"
)

func TestSMTPKeys(t *testing.T) {
	checkKey(t, SMTPHost, []good{{" SMTP.Example.org ", "smtp.example.org"}, {"", ""}, {"::1", "::1"}},
		[]bad{{"smtp://mail.example.org", "without https://"}, {"mail.example.org:587", "without the port"}, {"a b", "host name"}})
	checkKey(t, SMTPPort, []good{{"587", "587"}, {" 0465", "465"}},
		[]bad{{"0", "1 to 65535"}, {"70000", "1 to 65535"}, {"smtp", "1 to 65535"}})
	checkKey(t, SMTPSecurity, []good{{"STARTTLS", "starttls"}, {"tls", "tls"}, {"none", "none"}},
		[]bad{{"ssl", "starttls, tls or none"}})
	checkKey(t, SMTPFrom, []good{
		{"schule@example.org", "schule@example.org"},
		{`"Schule am See" <schule@example.org>`, "Schule am See <schule@example.org>"},
		{"", ""},
	},
		[]bad{{"schule@example.org\r\nBcc: x@example.org", "line breaks"}, {"a@b.example, c@d.example", "2 addresses"}, {"no address", "not an email address"}})
	checkKey(t, SMTPUser, []good{{" anna ", "anna"}}, []bad{{"anna\nbcc", "one line"}})
	checkKey(t, SMTPPassword, []good{{" secret with spaces ", " secret with spaces "}}, []bad{{"a\r\nb", "one line"}})
}

func TestPasswordGoesToTheKeyringAndIsNeverShown(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	st := openStore(t)
	shown, err := Set(ctx, st, SMTPPassword, "s3cret")
	if err != nil || shown != SecretKeyring.Describe() {
		t.Fatalf("Set = %q, %v", shown, err)
	}
	if raw, _ := st.Setting(ctx, SMTPPassword.Name, ""); raw == "s3cret" {
		t.Fatal("the password is in the database although a keyring exists")
	}
	if got, _ := Get(ctx, st, SMTPPassword); got != SecretKeyring.Describe() {
		t.Fatalf("Get shows %q", got)
	}
	pw, place, err := Secret(ctx, st, SMTPPassword)
	if err != nil || pw != "s3cret" || place != SecretKeyring {
		t.Fatalf("Secret = %q, %s, %v", pw, place, err)
	}
	// A second database keeps its own password.
	other := openStore(t)
	if _, err := Set(ctx, other, SMTPPassword, "other"); err != nil {
		t.Fatal(err)
	}
	if pw, _, _ := Secret(ctx, st, SMTPPassword); pw != "s3cret" {
		t.Fatalf("the first database's password became %q", pw)
	}
	// Clearing removes it.
	if _, err := Set(ctx, st, SMTPPassword, ""); err != nil {
		t.Fatal(err)
	}
	if pw, place, _ := Secret(ctx, st, SMTPPassword); pw != "" || place != SecretUnset {
		t.Fatalf("after clearing: %q %s", pw, place)
	}
}

func TestPasswordWithoutKeyringGoesToTheDatabase(t *testing.T) {
	keyring.MockInitWithError(errors.New("no secret service"))
	defer keyring.MockInit()
	ctx := context.Background()
	st := openStore(t)
	shown, err := Set(ctx, st, SMTPPassword, "s3cret")
	if err != nil || shown != SecretDatabase.Describe() {
		t.Fatalf("Set = %q, %v", shown, err)
	}
	if pw, place, err := Secret(ctx, st, SMTPPassword); err != nil || pw != "s3cret" || place != SecretDatabase {
		t.Fatalf("Secret = %q, %s, %v", pw, place, err)
	}
}

func TestSMTPConfigCollectsTheSettings(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	st := openStore(t)
	for k, v := range map[*Key]string{
		&SMTPHost: "smtp.example.org", &SMTPPort: "465", &SMTPSecurity: "tls",
		&SMTPUser: "schule", &SMTPPassword: "pw", &SMTPFrom: "schule@example.org", &OrgName: "Schule am See",
	} {
		if _, err := Set(ctx, st, *k, v); err != nil {
			t.Fatal(err)
		}
	}
	c, err := SMTPConfig(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	want := mail.Config{
		Host: "smtp.example.org", Port: 465, Security: mail.SecurityTLS, User: "schule", Password: "pw",
		From: "schule@example.org", FromName: "Schule am See", Timeout: c.Timeout,
	}
	if c != want {
		t.Fatalf("config %+v\nwant %+v", c, want)
	}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	// none is refused for a server elsewhere.
	if _, err := Set(ctx, st, SMTPSecurity, "none"); err != nil {
		t.Fatal(err)
	}
	c, _ = SMTPConfig(ctx, st)
	if err := c.Check(); err == nil {
		t.Fatal("security none was accepted for smtp.example.org")
	}
}

func TestMailTemplateRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if tpl, err := MailTemplate(ctx, st); err != nil || tpl != mail.DefaultTemplate("en") {
		t.Fatalf("default template %+v, %v", tpl, err)
	}
	bad := mail.Template{Lang: "de", Subject: "Hallo {vorname}", Body: "x"}
	if err := SaveMailTemplate(ctx, st, bad); err == nil {
		t.Fatal("a template with an unknown placeholder was saved")
	}
	good := mail.DefaultTemplate("de")
	good.Subject = "Willkommen, {first_name}"
	if err := SaveMailTemplate(ctx, st, good); err != nil {
		t.Fatal(err)
	}
	if tpl, err := MailTemplate(ctx, st); err != nil || tpl != good {
		t.Fatalf("saved template %+v, %v", tpl, err)
	}
}
