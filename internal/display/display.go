// Package display writes values the way Onboard shows them to an admin, the same in
// the window and on the command line.
package display

import (
	"fmt"
	"time"
)

// Time is an optional time as local date and minute ("2026-11-29 09:00"), "" for nil.
func Time(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

// Count writes n with thousands separators: 100000 -> "100,000".
func Count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + Count(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
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
