package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"

	"onboard/internal/mail"
	"onboard/internal/server/web"
)

// The settings an administrator can change with SetSetting.
const (
	SettingOrgName           = "org.name"            // the organization's name
	SettingTerms             = "terms"               // terms of use people accept at registration
	SettingRequire2FA        = "require_2fa"         // true: TOTP setup is part of registration
	SettingPasswordMinLength = "password.min_length" // 8–64, default 12
	SettingPasswordClasses   = "password.classes"    // true: upper, lower, digit and special required

	// Rate limits of the registration pages (web.Limits): failed attempts per
	// client address, per personal key and per invite key within the window.
	SettingRateAddress   = "ratelimit.address_failures"
	SettingRateKey       = "ratelimit.key_failures"
	SettingRateInviteKey = "ratelimit.invite_key_failures"
	SettingRateWindow    = "ratelimit.window" // a duration such as 10m or 1h
	// SettingRateCodeSends is how many email codes a personal key (an invite key:
	// per address) may have sent within the window (web.Limits.CodeSends).
	SettingRateCodeSends = "ratelimit.code_sends"

	// SettingTwoFactorMethod is the second factor when require_2fa is true:
	// web.TwoFactorApp (the default), web.TwoFactorEmail or web.TwoFactorChoice.
	SettingTwoFactorMethod = "twofactor.method"

	// The server's own mail server (mail.Config), for codes by email.
	SettingSMTPHost     = "smtp.host"
	SettingSMTPPort     = "smtp.port"     // 1–65535, default 587
	SettingSMTPSecurity = "smtp.security" // starttls (default), tls or none (localhost only)
	SettingSMTPUser     = "smtp.user"
	SettingSMTPPassword = "smtp.password"
	SettingSMTPFrom     = "smtp.from" // the sender's bare address
)

// smtpPasswordAAD binds the encrypted smtp.password to its setting: it is kept
// encrypted like the TOTP secrets (sealTOTP), so that a copy of the database alone
// does not give the mail password away.
const smtpPasswordAAD = "setting " + SettingSMTPPassword

// smtpTimeout bounds connecting to the mail server and sending one code.
const smtpTimeout = 20 * time.Second

// Bounds of the rate-limit settings.
const (
	maxRateFailures = 100000
	minRateWindow   = time.Minute
	maxRateWindow   = 24 * time.Hour
)

// Internal settings.
const (
	settingSecret = "server.secret"  // hex HMAC key for invite keys
	settingSchema = "schema.version" // see schemaVersion
)

// DefaultPasswordMinLength is the minimum password length unless configured.
const DefaultPasswordMinLength = 12

// settingDefaults lists the public settings and their defaults.
var settingDefaults = map[string]string{
	SettingOrgName:           "",
	SettingTerms:             "",
	SettingRequire2FA:        "false",
	SettingPasswordMinLength: strconv.Itoa(DefaultPasswordMinLength),
	SettingPasswordClasses:   "false",
	SettingRateAddress:       strconv.Itoa(web.DefaultLimits.Address),
	SettingRateKey:           strconv.Itoa(web.DefaultLimits.PersonalKey),
	SettingRateInviteKey:     strconv.Itoa(web.DefaultLimits.InviteKey),
	SettingRateWindow:        formatWindow(web.DefaultLimits.Window),
	SettingRateCodeSends:     strconv.Itoa(web.DefaultLimits.CodeSends),
	SettingTwoFactorMethod:   web.TwoFactorApp,
	SettingSMTPHost:          "",
	SettingSMTPPort:          "587",
	SettingSMTPSecurity:      string(mail.SecurityStartTLS),
	SettingSMTPUser:          "",
	SettingSMTPPassword:      "",
	SettingSMTPFrom:          "",
}

// SettingNames returns the names SetSetting accepts, sorted.
func SettingNames() []string {
	names := make([]string, 0, len(settingDefaults))
	for n := range settingDefaults {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// normalizeSetting checks value for setting name and returns its stored form.
func normalizeSetting(name, value string) (string, error) {
	if _, ok := settingDefaults[name]; !ok {
		return "", fmt.Errorf("%w: unknown setting %q (known: %s)", ErrInvalid, name, strings.Join(SettingNames(), ", "))
	}
	if norm := normalizers[name]; norm != nil {
		return norm(name, value)
	}
	switch name {
	case SettingRequire2FA, SettingPasswordClasses:
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return "", fmt.Errorf("%w: %s must be true or false, not %q", ErrInvalid, name, value)
		}
		return strconv.FormatBool(b), nil
	case SettingPasswordMinLength:
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < 8 || n > 64 {
			return "", fmt.Errorf("%w: %s must be a number from 8 to 64, not %q", ErrInvalid, name, value)
		}
		return strconv.Itoa(n), nil
	case SettingOrgName:
		v := strings.TrimSpace(value)
		if strings.ContainsFunc(v, unicode.IsControl) {
			return "", fmt.Errorf("%w: %s must be one line without control characters (it is the sender name of the mails)", ErrInvalid, name)
		}
		return v, nil
	case SettingRateWindow:
		d, err := rateWindowSetting(value)
		if err != nil {
			return "", fmt.Errorf("%w: %s %v", ErrInvalid, name, err)
		}
		return formatWindow(d), nil
	}
	return value, nil
}

// normalizers check the settings normalizeSetting does not check itself.
var normalizers = map[string]func(name, value string) (string, error){
	SettingTwoFactorMethod: normalizeMethod,
	SettingSMTPHost:        normalizeSMTP, SettingSMTPPort: normalizeSMTP, SettingSMTPSecurity: normalizeSMTP,
	SettingSMTPUser: normalizeSMTP, SettingSMTPFrom: normalizeSMTP,
	SettingRateAddress: normalizeFailures, SettingRateKey: normalizeFailures,
	SettingRateInviteKey: normalizeFailures, SettingRateCodeSends: normalizeFailures,
}

// normalizeMethod checks twofactor.method.
func normalizeMethod(name, value string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(value))
	if v != web.TwoFactorApp && v != web.TwoFactorEmail && v != web.TwoFactorChoice {
		return "", fmt.Errorf("%w: %s must be app, email or choice, not %q", ErrInvalid, name, value)
	}
	return v, nil
}

// normalizeFailures checks a rate-limit setting of failed attempts.
func normalizeFailures(name, value string) (string, error) {
	n, err := rateFailures(value)
	if err != nil {
		return "", fmt.Errorf("%w: %s %v", ErrInvalid, name, err)
	}
	return strconv.Itoa(n), nil
}

// normalizeSMTP checks one of the smtp.* settings (but the password, which may be
// anything) with mail.Config.Check on otherwise valid settings, so that the
// server takes what the desktop's mail client takes; "" clears the host, user and
// sender.
func normalizeSMTP(name, value string) (string, error) {
	v := strings.TrimSpace(value)
	c := mail.Config{Host: "localhost", Port: 587, Security: mail.SecurityStartTLS, From: "onboard@example.org"}
	switch name {
	case SettingSMTPHost:
		c.Host = v
	case SettingSMTPPort:
		n, err := strconv.Atoi(v)
		if err != nil {
			return "", fmt.Errorf("%w: %s must be a port number from 1 to 65535, not %q", ErrInvalid, name, value)
		}
		c.Port, v = n, strconv.Itoa(n)
	case SettingSMTPSecurity:
		v = strings.ToLower(v)
		c.Security = mail.Security(v)
	case SettingSMTPUser:
		c.User = v
		if err := mail.CheckHeader("user", v); err != nil {
			return "", fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
		}
	case SettingSMTPFrom:
		c.From = v
	}
	if v == "" && name != SettingSMTPPort && name != SettingSMTPSecurity {
		return "", nil
	}
	if err := c.Check(); err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
	}
	return v, nil
}

// mailConfig is the server's mail server from the settings m, nil when the host
// or sender is not set or the settings do not pass mail.Config.Check. The sender's
// name is the organization's.
func mailConfig(m map[string]string) (*mail.Config, error) {
	port, _ := strconv.Atoi(m[SettingSMTPPort])
	c := &mail.Config{
		Host: m[SettingSMTPHost], Port: port, Security: mail.Security(m[SettingSMTPSecurity]),
		User: m[SettingSMTPUser], Password: m[SettingSMTPPassword], From: m[SettingSMTPFrom],
		Timeout: smtpTimeout,
	}
	if mail.CheckHeader("from name", m[SettingOrgName]) == nil {
		c.FromName = m[SettingOrgName]
	}
	if c.Host == "" || c.From == "" {
		return nil, errors.New("smtp.host and smtp.from must be set")
	}
	if err := c.Check(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkTogether refuses a setting that the other settings make unusable: a second
// factor by email without a working mail server, and mail settings that do not
// fit together (such as security none for a server on another computer) once the
// host and sender are set.
func (s *Store) checkTogether(ctx context.Context, name, value string) error {
	m, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	m[name] = value
	_, mailErr := mailConfig(m)
	switch {
	case name == SettingTwoFactorMethod && value != web.TwoFactorApp && mailErr != nil:
		return fmt.Errorf("%w: %s %s sends codes by email, but the server's mail is not set up (%v): "+
			"set smtp.host, smtp.from and, if needed, smtp.port, smtp.security, smtp.user and smtp.password first",
			ErrInvalid, name, value, mailErr)
	case strings.HasPrefix(name, "smtp.") && m[SettingSMTPHost] != "" && m[SettingSMTPFrom] != "" && mailErr != nil:
		return fmt.Errorf("%w: %s: %v", ErrInvalid, name, mailErr)
	}
	return nil
}

// rateFailures reads a number of failures for a rate-limit setting.
func rateFailures(value string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < 1 || n > maxRateFailures {
		return 0, fmt.Errorf("must be a number of failed attempts from 1 to %d, not %q", maxRateFailures, value)
	}
	return n, nil
}

// rateWindowSetting reads the rate-limit window.
func rateWindowSetting(value string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(value))
	if err != nil || d < minRateWindow || d > maxRateWindow {
		return 0, fmt.Errorf("must be a duration from 1m to 24h such as 10m or 1h, not %q", value)
	}
	return d, nil
}

// formatWindow writes a window as people type it: 10m, 1h, 90s.
func formatWindow(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return d.String()
}

// rateLimits reads the rate-limit settings of m; a value that is not valid (the
// database was edited by hand) is left zero, which takes web.DefaultLimits.
func rateLimits(m map[string]string) web.Limits {
	var l web.Limits
	l.Address, _ = rateFailures(m[SettingRateAddress])
	l.PersonalKey, _ = rateFailures(m[SettingRateKey])
	l.InviteKey, _ = rateFailures(m[SettingRateInviteKey])
	l.CodeSends, _ = rateFailures(m[SettingRateCodeSends])
	l.Window, _ = rateWindowSetting(m[SettingRateWindow])
	return l
}

// SetSetting changes one setting (see SettingNames) after checking its value.
func (s *Store) SetSetting(ctx context.Context, name, value string) error {
	v, err := normalizeSetting(name, value)
	if err != nil {
		return fmt.Errorf("store: set %s: %w", name, err)
	}
	if err := s.checkTogether(ctx, name, v); err != nil {
		return fmt.Errorf("store: set %s: %w", name, err)
	}
	if name == SettingSMTPPassword {
		if v, err = s.sealTOTP(smtpPasswordAAD, v); err != nil {
			return fmt.Errorf("store: set %s: %w", name, err)
		}
	}
	if err := upsertSetting(s.db.WithContext(ctx), name, v); err != nil {
		return fmt.Errorf("store: set %s: %w", name, err)
	}
	return nil
}

func upsertSetting(tx *gorm.DB, name, value string) error {
	return tx.Exec("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
		name, value).Error
}

// Settings returns every public setting, with defaults for those never set;
// smtp.password as stored, encrypted.
func (s *Store) Settings(ctx context.Context) (map[string]string, error) {
	var rows []Setting
	if err := s.rdb.WithContext(ctx).Where("name IN ?", SettingNames()).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: read settings: %w", err)
	}
	out := make(map[string]string, len(settingDefaults))
	for n, v := range settingDefaults {
		out[n] = v
	}
	for _, r := range rows {
		out[r.Name] = r.Value
	}
	return out, nil
}

// Organization returns what the registration pages show and enforce.
func (s *Store) Organization(ctx context.Context) (web.Organization, error) {
	m, err := s.Settings(ctx)
	if err != nil {
		return web.Organization{}, err
	}
	minLen, err := strconv.Atoi(m[SettingPasswordMinLength])
	if err != nil || minLen < 8 || minLen > 64 {
		minLen = DefaultPasswordMinLength
	}
	pw, err := s.openTOTP(smtpPasswordAAD, m[SettingSMTPPassword])
	m[SettingSMTPPassword] = pw
	mc, mailErr := mailConfig(m)
	if err != nil || mailErr != nil {
		mc = nil // the pages say that no code can be sent
	}
	return web.Organization{
		TwoFactorMethod:   m[SettingTwoFactorMethod],
		Mail:              mc,
		Name:              m[SettingOrgName],
		Terms:             m[SettingTerms],
		RequireTwoFactor:  m[SettingRequire2FA] == "true",
		PasswordMinLength: minLen,
		PasswordClasses:   m[SettingPasswordClasses] == "true",
		Limits:            rateLimits(m),
	}, nil
}
