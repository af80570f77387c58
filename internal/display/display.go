// Package display writes values the way Onboard shows them to an admin, the same in
// the window and on the command line.
package display

import (
	"fmt"
	"sync/atomic"
	"time"
)

// german is whether values are written the German way; the default is English,
// which the command line keeps.
var german atomic.Bool

// SetLanguage sets how numbers, dates and times are written: "de" the German way
// ("55.183", "7. Dezember 2026", "07.12.2026 09:00"), anything else the English
// way ("55,183", "7 December 2026", "2026-12-07 09:00", the default).
func SetLanguage(code string) { german.Store(code == "de") }

// Language is the code SetLanguage set ("en" or "de").
func Language() string {
	if german.Load() {
		return "de"
	}
	return "en"
}

// Time is an optional time as local date and minute ("2026-11-29 09:00", German
// "29.11.2026 09:00"), "" for nil.
func Time(t *time.Time) string {
	if t == nil {
		return ""
	}
	if german.Load() {
		return t.Local().Format("02.01.2006 15:04")
	}
	return t.Local().Format("2006-01-02 15:04")
}

// months are the names of the months by language.
var months = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
}

// Date is t's local date written out: "7 December 2026", German "7. Dezember 2026".
func Date(t time.Time) string { return DateIn(Language(), t) }

// DateIn is Date in the language code ("de" German, anything else English),
// whatever SetLanguage set: for texts in a language of their own, such as letters.
func DateIn(code string, t time.Time) string {
	t = t.Local()
	if code == "de" {
		return fmt.Sprintf("%d. %s %d", t.Day(), months["de"][t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), months["en"][t.Month()-1], t.Year())
}

// Count writes n with thousands separators: 100000 -> "100,000" (German "100.000").
func Count(n int) string {
	if n < 0 {
		return "-" + Count(-n)
	}
	sep := ","
	if german.Load() {
		sep = "."
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return s
}

// Plural is "1 user" or "1,500 users".
func Plural(n int, word string) string { return PluralOf(n, word, word+"s") }

// PluralOf is n with the singular or plural form: "1 person", "12 people".
func PluralOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Count(n) + " " + many
}
