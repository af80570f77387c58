package username_test

import (
	"testing"

	"onboard/internal/lifecycle"
	"onboard/internal/username"
)

// TestDesktopSuggestionsAreAccepted: the usernames the desktop app derives from
// names and email addresses (for new users and imports) pass the rule.
func TestDesktopSuggestionsAreAccepted(t *testing.T) {
	for _, n := range [][3]string{
		{"", "Jörg", "Müller"},
		{"", "Łukasz", "Wójcik"},
		{"", "Ömer", "Yılmaz"},
		{"", "José", "Ñúñez"},
		{"", "Иван", "Петров"},
		{"", "Γιώργος", "Παπαδόπουλος"},
		{"", "田中", "太郎"},
		{"", "", ""},
		{"ömer.yılmaz@example.org", "", ""},
		{"a<b>@example.org", "", ""},
		{"", "Anne-Marie", "O'Neill"},
	} {
		base := lifecycle.UsernameBase(n[0], n[1], n[2])
		if p := username.Problem(base); p != "" {
			t.Errorf("UsernameBase(%q) = %q: %s", n, base, p)
		}
		if p := username.Problem(base + "12"); p != "" {
			t.Errorf("%q with a suffix: %s", base, p)
		}
	}
}
