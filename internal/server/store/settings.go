package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

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
)

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
		return strings.TrimSpace(value), nil
	case SettingRateAddress, SettingRateKey, SettingRateInviteKey:
		n, err := rateFailures(value)
		if err != nil {
			return "", fmt.Errorf("%w: %s %v", ErrInvalid, name, err)
		}
		return strconv.Itoa(n), nil
	case SettingRateWindow:
		d, err := rateWindowSetting(value)
		if err != nil {
			return "", fmt.Errorf("%w: %s %v", ErrInvalid, name, err)
		}
		return formatWindow(d), nil
	}
	return value, nil
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
	l.Window, _ = rateWindowSetting(m[SettingRateWindow])
	return l
}

// SetSetting changes one setting (see SettingNames) after checking its value.
func (s *Store) SetSetting(ctx context.Context, name, value string) error {
	v, err := normalizeSetting(name, value)
	if err != nil {
		return fmt.Errorf("store: set %s: %w", name, err)
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

// Settings returns every public setting, with defaults for those never set.
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
	return web.Organization{
		Name:              m[SettingOrgName],
		Terms:             m[SettingTerms],
		RequireTwoFactor:  m[SettingRequire2FA] == "true",
		PasswordMinLength: minLen,
		PasswordClasses:   m[SettingPasswordClasses] == "true",
		Limits:            rateLimits(m),
	}, nil
}
