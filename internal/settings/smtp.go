package settings

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/zalando/go-keyring"

	"onboard/internal/mail"
	"onboard/internal/uitext"
)

// The SMTP settings: where invitation mail goes out.
var (
	SMTPHost = newKey("smtp.host", "SMTP server",
		"Host name of the organization's mail server, e.g. smtp.example.org", "", checkHost)
	SMTPPort = newKey("smtp.port", "Port",
		"Port of the mail server: 587 for STARTTLS, 465 for TLS, 25 for none", "587", checkPort)
	SMTPSecurity = newKey("smtp.security", "Security",
		"Connection security: starttls, tls, or none (none only for a server on this computer)", string(mail.SecurityStartTLS), checkSecurity)
	SMTPUser = newKey("smtp.user", "User name",
		"User name for the mail server; empty: no login", "", checkOneLine)
	SMTPPassword = newSecretKey("smtp.password", "Password",
		"Password for the mail server; kept in the OS keyring where there is one")
	SMTPFrom = newKey("smtp.from", "Sender",
		`Sender of invitation mail: an address, or "Name <address>"`, "", checkFrom)
)

// secretMarker is stored in the database in place of a secret that is in the OS
// keyring.
const secretMarker = "\x00keyring"

// secretsIDKey names the random ID under which this database's secrets are kept in
// the OS keyring, so two databases on one computer keep separate passwords.
const secretsIDKey = "secrets.id"

// keyringService is the OS keyring's name for Onboard's entries.
const keyringService = "Onboard"

func newSecretKey(name, label, help string) Key {
	k := newKey(name, label, help, "", checkSecret)
	k.Secret = true
	return k
}

// SecretPlace says where a secret is stored.
type SecretPlace string

// Where secrets are.
const (
	SecretUnset    SecretPlace = ""
	SecretKeyring  SecretPlace = "keyring"
	SecretDatabase SecretPlace = "database"
)

// Describe is how the place is shown instead of the secret itself.
func (p SecretPlace) Describe() string {
	switch p {
	case SecretKeyring:
		return "(stored in the OS keyring)"
	case SecretDatabase:
		return "(stored in the database: no OS keyring was found)"
	}
	return ""
}

// setSecret stores a secret in the OS keyring, or in the database when there is no
// keyring, and returns where it went. An empty value removes the secret.
func setSecret(ctx context.Context, st Store, k Key, v string) (SecretPlace, error) {
	id, err := secretsID(ctx, st)
	if err != nil {
		return "", err
	}
	user := k.Name + " " + id
	if v == "" {
		// Without a keyring nothing is in it; an entry that cannot be deleted is
		// no longer pointed to.
		_ = keyring.Delete(keyringService, user)
		return SecretUnset, st.SetSetting(ctx, k.Name, "")
	}
	if err := keyring.Set(keyringService, user, v); err == nil {
		return SecretKeyring, st.SetSetting(ctx, k.Name, secretMarker)
	}
	return SecretDatabase, st.SetSetting(ctx, k.Name, v)
}

// Secret returns the value of a secret setting and where it is kept.
func Secret(ctx context.Context, st Store, k Key) (string, SecretPlace, error) {
	v, set, err := Stored(ctx, st, k)
	if err != nil || !set || v == "" {
		return "", SecretUnset, err
	}
	if v != secretMarker {
		return v, SecretDatabase, nil
	}
	id, err := secretsID(ctx, st)
	if err != nil {
		return "", SecretKeyring, err
	}
	s, err := keyring.Get(keyringService, k.Name+" "+id)
	if err != nil {
		return "", SecretKeyring, fmt.Errorf("%s: cannot read it from the OS keyring (%v); set it again", k.Name, err)
	}
	return s, SecretKeyring, nil
}

func secretsID(ctx context.Context, st Store) (string, error) {
	id, err := st.Setting(ctx, secretsIDKey, "")
	if err != nil || id != "" {
		return id, err
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id = hex.EncodeToString(b)
	return id, st.SetSetting(ctx, secretsIDKey, id)
}

func checkHost(v string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case strings.Contains(v, "://"):
		return "", errors.New(uitext.F("is a host name without https:// or smtp:// (got %q)", v))
	case strings.ContainsAny(v, " /@\t\r\n"):
		return "", errors.New(uitext.F("is a host name such as smtp.example.org (got %q)", v))
	case strings.Contains(v, ":") && !strings.Contains(v, "::"):
		return "", errors.New(uitext.F("is a host name without the port; set smtp.port for that (got %q)", v))
	case len(v) > 253:
		return "", errors.New(uitext.L("is too long for a host name"))
	}
	return v, nil
}

func checkPort(v string) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > 65535 {
		return "", errors.New(uitext.F("must be a port number from 1 to 65535 (got %q)", v))
	}
	return strconv.Itoa(n), nil
}

func checkSecurity(v string) (string, error) {
	s := mail.Security(strings.ToLower(strings.TrimSpace(v)))
	switch s {
	case mail.SecurityStartTLS, mail.SecurityTLS, mail.SecurityNone:
		return string(s), nil
	}
	return "", errors.New(uitext.F("must be starttls, tls or none (got %q)", v))
}

func checkOneLine(v string) (string, error) {
	v = strings.TrimSpace(v)
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "", errors.New(uitext.L("must be one line without control characters"))
	}
	return v, nil
}

func checkSecret(v string) (string, error) {
	if strings.ContainsAny(v, "\r\n\x00") {
		return "", errors.New(uitext.L("must be one line"))
	}
	return v, nil
}

func checkFrom(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	name, addr, err := mail.ParseAddress("smtp.from", v)
	if err != nil {
		return "", errors.New(strings.TrimPrefix(err.Error(), "smtp.from: "))
	}
	if name == "" {
		return addr, nil
	}
	return fmt.Sprintf("%s <%s>", name, addr), nil
}

// SMTPConfig collects the mail server settings; the sender's name defaults to the
// organization's. It does not check them: mail.Config.Check does.
func SMTPConfig(ctx context.Context, st Store) (mail.Config, error) {
	c := mail.Config{Timeout: 30 * time.Second}
	var port, security, from string
	for k, dst := range map[*Key]*string{
		&SMTPHost: &c.Host, &SMTPPort: &port, &SMTPSecurity: &security,
		&SMTPUser: &c.User, &SMTPFrom: &from,
	} {
		v, err := Get(ctx, st, *k)
		if err != nil {
			return c, err
		}
		*dst = v
	}
	c.Port, _ = strconv.Atoi(port)
	c.Security = mail.Security(security)
	if from != "" {
		name, addr, err := mail.ParseAddress("smtp.from", from)
		if err != nil {
			return c, err
		}
		c.From, c.FromName = addr, name
	}
	if c.FromName == "" {
		org, err := Get(ctx, st, OrgName)
		if err != nil {
			return c, err
		}
		c.FromName = org
	}
	pw, _, err := Secret(ctx, st, SMTPPassword)
	c.Password = pw
	return c, err
}

// mailTemplateKey stores the invitation mail template as JSON.
const mailTemplateKey = "mail.template"

// MailTemplate returns the saved invitation mail template, or the default in the
// language of org.language.
func MailTemplate(ctx context.Context, st Store) (mail.Template, error) {
	raw, err := st.Setting(ctx, mailTemplateKey, "")
	def := mail.DefaultTemplate(defaultLanguage(ctx, st))
	if err != nil || raw == "" {
		return def, err
	}
	var t mail.Template
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		return def, fmt.Errorf("%s: the saved template is damaged: %w", mailTemplateKey, err)
	}
	return t, nil
}

// SaveMailTemplate checks and saves the invitation mail template.
func SaveMailTemplate(ctx context.Context, st Store, t mail.Template) error {
	if err := t.Check(); err != nil {
		return fmt.Errorf("template %w", err)
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return st.SetSetting(ctx, mailTemplateKey, string(b))
}
