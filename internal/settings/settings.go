// Package settings is the registry of Onboard's preferences: for every setting its
// key, a label and a one-line description for administrators, its default and the
// check of its values. The command line (onboard config) and the window's screens
// read and write settings through this package, so they validate identically.
//
// Values are stored as strings in the database (data.Store.Setting/SetSetting).
package settings

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decode JPEG headers in checkLogo
	_ "image/png"  // decode PNG headers in checkLogo
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"onboard/internal/uitext"
)

// Key is one setting.
type Key struct {
	Name    string // stored key, e.g. "org.name"
	Label   string // short name for a form, e.g. "Organization name"
	Help    string // one line for administrators
	Default string // value when none is stored
	// Check validates a value typed by an administrator and returns it normalized
	// (trimmed, lower case, …), which is what Set stores. Its errors are *Error.
	Check func(value string) (normalized string, err error)
	// Secret values (passwords) go to the OS keyring where there is one and are
	// never shown: Get and Set return where the value is kept (see Secret).
	Secret bool
}

// Error is a value a setting does not accept.
type Error struct {
	Key string // the setting's name
	Err error  // what is wrong, without the name
}

func (e *Error) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Limits of the values.
const (
	DefaultValidDays = 7   // days a new personal key stays valid unless the organization says otherwise
	MinValidDays     = 1   // shortest validity of a key
	MaxValidDays     = 180 // longest validity of a key

	MaxOrgNameLen = 200     // characters of org.name
	MaxLogoBytes  = 5 << 20 // size of the org.logo file
	MaxLogoSide   = 10000   // pixels, width and height of the logo
	MaxURLLen     = 2000    // characters of registration.url
)

// The values of letters.paper.
const (
	PaperA4     = "a4"
	PaperLetter = "letter"
)

// noValue is the default Stored asks for: no stored value can equal it.
const noValue = "\x00not set\x00"

// The settings.
var (
	OrgName = newKey("org.name", "Organization name",
		"Organization name printed on letters", "", checkOrgName)
	OrgLogo = newKey("org.logo", "Logo",
		"PNG or JPEG logo printed on letters: the path to the file (empty: no logo)", "", checkLogo)
	RegistrationURL = newKey("registration.url", "Registration address",
		"Address where invited people register, e.g. https://onboard.example.org (empty: the sync server's address)", "", checkURL)
	LettersPaper = newKey("letters.paper", "Paper size",
		"Paper size of printed letters: a4 or letter", PaperA4, checkPaper)
	Language = newKey("org.language", "Language of letters and mails",
		"Language of the letters and invitation mails until their templates are edited: en (English) or de (Deutsch)",
		"en", checkLanguage)
	InviteValidDays = newKey("invite.valid_days", "Keys valid for (days)",
		fmt.Sprintf("Days a new personal key stays valid, %d to %d", MinValidDays, MaxValidDays),
		strconv.Itoa(DefaultValidDays), checkValidDays)
)

// all is every setting, sorted by name.
var all = func() []Key {
	ks := []Key{
		OrgName, OrgLogo, Language, RegistrationURL, LettersPaper, InviteValidDays,
		SMTPHost, SMTPPort, SMTPSecurity, SMTPUser, SMTPPassword, SMTPFrom, SyncURL, SyncToken,
	}
	slices.SortFunc(ks, func(a, b Key) int { return strings.Compare(a.Name, b.Name) })
	return ks
}()

func newKey(name, label, help, def string, check func(string) (string, error)) Key {
	return Key{
		Name: name, Label: label, Help: help, Default: def,
		Check: func(v string) (string, error) {
			n, err := check(v)
			if err != nil {
				return "", &Error{Key: name, Err: err}
			}
			return n, nil
		},
	}
}

// All returns every setting, sorted by name.
func All() []Key { return slices.Clone(all) }

// Names returns the names of all settings, sorted, separated by commas.
func Names() string {
	names := make([]string, len(all))
	for i, k := range all {
		names[i] = k.Name
	}
	return strings.Join(names, ", ")
}

// Lookup finds the setting named name (ignoring case and surrounding spaces).
func Lookup(name string) (Key, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, k := range all {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// Store reads and writes settings; *data.Store is one.
type Store interface {
	Setting(ctx context.Context, key, def string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

// Get returns the stored value of k, or its default when none is stored. For a
// secret it returns where the secret is kept, never the secret.
func Get(ctx context.Context, st Store, k Key) (string, error) {
	if k.Secret {
		_, place, err := Secret(ctx, st, k)
		return place.Describe(), err
	}
	v, set, err := Stored(ctx, st, k)
	if err != nil || !set {
		return k.Default, err
	}
	return v, nil
}

// Stored returns the stored value of k and whether there is one.
func Stored(ctx context.Context, st Store, k Key) (value string, set bool, err error) {
	v, err := st.Setting(ctx, k.Name, noValue)
	if err != nil {
		return "", false, err
	}
	if v == noValue {
		return "", false, nil
	}
	return v, true, nil
}

// Set checks value, normalizes it and stores it. It returns the stored value, or an
// *Error (nothing stored) when k does not accept the value.
func Set(ctx context.Context, st Store, k Key, value string) (string, error) {
	v, err := k.Check(value)
	if err != nil {
		return "", err
	}
	if k.Secret {
		place, err := setSecret(ctx, st, k, v)
		return place.Describe(), err
	}
	if err := st.SetSetting(ctx, k.Name, v); err != nil {
		return "", err
	}
	return v, nil
}

func checkOrgName(v string) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) {
		return "", errors.New(uitext.L("is not valid UTF-8 text"))
	}
	if n := utf8.RuneCountInString(v); n > MaxOrgNameLen {
		return "", errors.New(uitext.F("must be at most %d characters (got %d)", MaxOrgNameLen, n))
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", errors.New(uitext.F("must be one line without control characters (got %q)", v))
		}
	}
	return v, nil
}

func checkLogo(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	path, err := filepath.Abs(v)
	if err != nil {
		return "", errors.New(uitext.F("cannot use the path %q: %v", v, err))
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", errors.New(uitext.F("there is no file %s", path))
	case err != nil:
		return "", errors.New(uitext.F("cannot read %s: %v", path, unwrapPath(err)))
	case fi.IsDir():
		return "", errors.New(uitext.F("%s is a folder, not an image file", path))
	case !fi.Mode().IsRegular():
		return "", errors.New(uitext.F("%s is not a regular file", path))
	case fi.Size() > MaxLogoBytes:
		return "", errors.New(uitext.F("%s is %.1f MB; a logo may be at most %d MB", path, math.Ceil(float64(fi.Size())*10/(1<<20))/10, MaxLogoBytes>>20))
	}
	f, err := os.Open(path)
	if err != nil {
		return "", errors.New(uitext.F("cannot read %s: %v", path, unwrapPath(err)))
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || (format != "png" && format != "jpeg") {
		return "", errors.New(uitext.F("%s is not a PNG or JPEG image", path))
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return "", errors.New(uitext.F("%s is %d×%d pixels; width and height must be between 1 and %d",
			path, cfg.Width, cfg.Height, MaxLogoSide))
	}
	return path, nil
}

// unwrapPath drops the operation and path of an *os.PathError, which the message names already.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*os.PathError](err); ok {
		return pe.Err
	}
	return err
}

func checkURL(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if n := utf8.RuneCountInString(v); n > MaxURLLen {
		return "", errors.New(uitext.F("must be at most %d characters (got %d)", MaxURLLen, n))
	}
	u, err := url.Parse(v)
	switch {
	case err != nil && !strings.Contains(v, "://"):
		return "", errors.New(uitext.F("must start with https:// or http:// (got %q)", v))
	case err != nil:
		return "", errors.New(uitext.F("is not a valid address (got %q)", v))
	case u.Scheme != "https" && u.Scheme != "http":
		return "", errors.New(uitext.F("must start with https:// or http:// (got %q)", v))
	case u.Opaque != "" || u.Hostname() == "":
		return "", errors.New(uitext.F("must name a host, as in https://onboard.example.org (got %q)", v))
	case u.User != nil:
		return "", errors.New(uitext.F("must not contain a user name or password (got %q)", v))
	case u.RawQuery != "" || u.ForceQuery:
		return "", errors.New(uitext.F("must not contain a query (?…) (got %q)", v))
	case u.Fragment != "" || strings.Contains(v, "#"):
		return "", errors.New(uitext.F("must not contain a fragment (#…) (got %q)", v))
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u.String(), nil
}

// Languages are the values of org.language.
var Languages = []string{"en", "de"}

func checkLanguage(v string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if !slices.Contains(Languages, v) {
		return "", errors.New(uitext.F("%q is not a language of letters and mails; use en or de", v))
	}
	return v, nil
}

// defaultLanguage is org.language, English when it cannot be read.
func defaultLanguage(ctx context.Context, st Store) string {
	if lang, err := Get(ctx, st, Language); err == nil {
		return lang
	}
	return "en"
}

func checkPaper(v string) (string, error) {
	switch p := strings.ToLower(strings.TrimSpace(v)); p {
	case PaperA4, PaperLetter:
		return p, nil
	}
	return "", errors.New(uitext.F("must be %s or %s (got %q)", PaperA4, PaperLetter, v))
}

func checkValidDays(v string) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < MinValidDays || n > MaxValidDays {
		return "", errors.New(uitext.F("must be a whole number of days from %d to %d (got %q)",
			MinValidDays, MaxValidDays, v))
	}
	return strconv.Itoa(n), nil
}
