// Package username is the one rule for usernames of the desktop app and the server:
// which usernames are acceptable (Check, Problem), the form they are compared in
// (Normalize) and the key that decides whether two usernames are the same for
// uniqueness (Key).
//
// A username is 2 to 64 characters of letters, digits, '.', '_' and '-' (combining
// marks are allowed after a letter, at most two in a row, for scripts that need
// them), after the PRECIS UsernameCaseMapped profile of RFC 8265 (width mapping,
// lower case, NFC, the IdentifierClass and the bidi rule). Its letters must come from
// one script, or from one of the combinations of Unicode's "highly restrictive"
// level (UTS #39, 5.2): Latin with Han, Hiragana and Katakana; Latin with Han and
// Bopomofo; Latin with Han and Hangul. Digits, '.', '_', '-' and marks that belong to
// no script go with any script; digits of a script (such as Devanagari digits) count
// as that script. So "аdmin" with a Cyrillic а, "<script>", line breaks, NUL and
// zero-width spaces are refused.
//
// Key folds what looks alike, so that "admin", "ADMIN", "ａdmin" (fullwidth),
// "admın" (Turkish dotless ı), "İstanbul"/"istanbul" and a username written with
// Cyrillic or Greek letters that look Latin ("аdmin" spelt entirely in look-alikes,
// such as "аре" for "ape") get the same key. It covers: case and width (PRECIS),
// the dotless ı and the dot of İ, the long ſ, ß as ss, and the Cyrillic and Greek
// lower-case letters that look like a Latin letter (table confusables). It does not
// cover look-alikes across letters and digits (0/o, 1/l), letter sequences (rn/m),
// diacritics (ü and u stay different) or scripts besides Cyrillic and Greek.
package username

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"

	"onboard/internal/uitext"
)

// Length limits in characters.
const (
	MinLen = 2
	MaxLen = 64
)

// Reason says why a username was refused.
type Reason int

// The reasons.
const (
	OK           Reason = iota
	Empty               // nothing given
	TooShort            // fewer than MinLen characters
	TooLong             // more than MaxLen characters
	Character           // a character other than a letter, digit, '.', '_' or '-' (Problem.Char)
	MixedScripts        // letters of scripts that do not go together (Problem.Scripts)
	Invalid             // refused by the PRECIS profile otherwise (such as mixed directions)
)

// Error is a refused username: why, and what.
type Error struct {
	Reason  Reason
	Char    rune      // Character: the first character not allowed
	Scripts [2]string // MixedScripts: the names of two scripts found (as in unicode.Scripts)
}

func (e *Error) Error() string { return message(e) }

// Check returns nil when u is an acceptable username, else what is wrong with it.
// u is taken as it is: callers trim spaces first if they wish.
func Check(u string) *Error {
	n := utf8.RuneCountInString(u)
	switch {
	case u == "":
		return &Error{Reason: Empty}
	case n > MaxLen:
		return &Error{Reason: TooLong}
	}
	// The characters are checked as typed and as PRECIS maps them, so that nothing
	// the mapping removes or changes (a zero-width space, a fullwidth '<') slips by.
	if e := checkChars(norm.NFC.String(u)); e != nil {
		return e
	}
	out, err := precis.UsernameCaseMapped.String(u)
	if err != nil {
		return &Error{Reason: Invalid}
	}
	if e := checkChars(out); e != nil {
		return e
	}
	if utf8.RuneCountInString(out) < MinLen || n < MinLen {
		return &Error{Reason: TooShort}
	}
	if a, b, ok := scriptsFit(out); !ok {
		return &Error{Reason: MixedScripts, Scripts: [2]string{a, b}}
	}
	return nil
}

// checkChars refuses anything but letters, digits, '.', '_', '-' and combining marks
// after a letter (at most two in a row).
func checkChars(s string) *Error {
	marks := -1 // marks in a row after a letter; -1: not after a letter
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			marks = 0
		case unicode.Is(unicode.M, r) && marks >= 0 && marks < 2:
			marks++
		case unicode.IsDigit(r) || r == '.' || r == '_' || r == '-':
			marks = -1
		default:
			return &Error{Reason: Character, Char: r}
		}
	}
	return nil
}

// Problem returns what is wrong with a username in the window's language (see
// package uitext), "" when it is acceptable.
func Problem(u string) string {
	if e := Check(u); e != nil {
		return message(e)
	}
	return ""
}

// message is e in the window's language.
func message(e *Error) string {
	switch e.Reason {
	case Empty:
		return uitext.L("username is required")
	case TooShort:
		return uitext.L("username needs at least 2 characters")
	case TooLong:
		return uitext.F("username is longer than %d characters", MaxLen)
	case Character:
		return uitext.F("username may contain letters, digits, '.', '_' and '-' only, not %q", e.Char)
	case MixedScripts:
		return uitext.F("username mixes letters of different alphabets (%s and %s); please use one", e.Scripts[0], e.Scripts[1])
	}
	return uitext.L("username cannot be used: it mixes writing directions or has characters that are not allowed")
}

// ErrInvalid is what Normalize returns for a refused username; it wraps *Error.
var ErrInvalid = errors.New("username is not acceptable")

// Normalize returns the comparison form of an acceptable username: PRECIS
// UsernameCaseMapped (fullwidth to ordinary width, lower case, NFC). A refused
// username gives an error wrapping ErrInvalid and the *Error.
func Normalize(u string) (string, error) {
	if e := Check(u); e != nil {
		return "", errors.Join(ErrInvalid, e)
	}
	return precis.UsernameCaseMapped.String(u)
}

// Key is the uniqueness key of a username: two usernames with the same key are
// the same for uniqueness (see the package comment for what it folds). Key also
// takes usernames Check refuses (stored before the rule, or look-alikes being
// compared): it never fails, and is "" only for an empty or blank u.
func Key(u string) string {
	s := strings.TrimSpace(u)
	if out, err := precis.UsernameCaseMapped.String(s); err == nil {
		s = out
	} else {
		// Not acceptable to PRECIS: fold width, case and composition alike anyway.
		s = norm.NFC.String(strings.ToLower(norm.NFKC.String(s)))
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r == '\u0307' && b.Len() > 0 && strings.HasSuffix(b.String(), "i"):
			// the dot above of İ lower-cased (i + U+0307): plain i
		case unicode.Is(unicode.Cf, r) || unicode.IsControl(r):
			// invisible: zero-width spaces and joiners, controls
		default:
			if t, ok := confusables[r]; ok {
				b.WriteString(t)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return norm.NFC.String(b.String())
}

// confusables maps lower-case letters to the Latin letters they look like or stand
// for. It is applied after NFD, so accented Cyrillic letters fold with their base.
var confusables = map[rune]string{
	'ı': "i", 'ſ': "s", 'ß': "ss", 'ẞ': "ss", 'ĸ': "k", 'ɑ': "a", 'ɡ': "g", 'ɩ': "i", 'ℓ': "l",
	// Cyrillic
	'а': "a", 'в': "b", 'е': "e", 'ё': "e", 'к': "k", 'м': "m", 'н': "h", 'о': "o", 'р': "p",
	'с': "c", 'т': "t", 'у': "y", 'х': "x", 'ѕ': "s", 'і': "i", 'ї': "i", 'ј': "j", 'һ': "h",
	'ԁ': "d", 'ԛ': "q", 'ԝ': "w", 'ӏ': "l", 'ү': "y", 'ћ': "h", 'ѡ': "w", 'ь': "b",
	// Greek
	'α': "a", 'β': "b", 'γ': "y", 'ε': "e", 'η': "n", 'ι': "i", 'κ': "k", 'ν': "v", 'ο': "o",
	'ρ': "p", 'τ': "t", 'υ': "u", 'χ': "x", 'ϲ': "c", 'ϳ': "j", 'ω': "w", 'μ': "u",
}

// scriptSets are the combinations of scripts a username may mix (besides one
// script alone): UTS #39's highly restrictive level.
var scriptSets = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"},
	{"Latin", "Han", "Bopomofo"},
	{"Latin", "Han", "Hangul"},
}

// scriptsFit reports whether the scripts of s's characters go together; when not,
// it names two that do not.
func scriptsFit(s string) (a, b string, ok bool) {
	var found []string
	for _, r := range s {
		sc := scriptOf(r)
		if sc == "" || contains(found, sc) {
			continue
		}
		found = append(found, sc)
	}
	if len(found) <= 1 {
		return "", "", true
	}
	for _, set := range scriptSets {
		if all(found, set) {
			return "", "", true
		}
	}
	// Name the first script and the first that no allowed set shares with it.
	for _, x := range found[1:] {
		if !inOneSet(found[0], x) {
			return found[0], x, false
		}
	}
	return found[0], found[1], false
}

// scriptOf is the name of r's script, "" for Common and Inherited (digits,
// punctuation, generic combining marks).
func scriptOf(r rune) string {
	if r < utf8.RuneSelf {
		if unicode.IsLetter(r) {
			return "Latin"
		}
		return ""
	}
	if unicode.Is(unicode.Common, r) || unicode.Is(unicode.Inherited, r) {
		return ""
	}
	for name, table := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(table, r) {
			return name
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// all reports whether every element of sub is in set.
func all(sub, set []string) bool {
	for _, s := range sub {
		if !contains(set, s) {
			return false
		}
	}
	return true
}

// inOneSet reports whether scripts a and b are allowed together.
func inOneSet(a, b string) bool {
	for _, set := range scriptSets {
		if contains(set, a) && contains(set, b) {
			return true
		}
	}
	return false
}
