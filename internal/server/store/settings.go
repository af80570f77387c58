package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

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
	}
	return value, nil
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
	}, nil
}
