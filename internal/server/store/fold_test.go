package store

import (
	"testing"

	"onboard/data"
	"onboard/internal/userrules"
)

// TestFoldMatchesTheDesktop keeps the server's uniqueness rules in step with the
// desktop app's: a username both consider free must not collide on one of them.
func TestFoldMatchesTheDesktop(t *testing.T) {
	for _, s := range []string{"", " Anna ", "ANNA.Müller", "Mu\u0308ller", "ÉCOLE", "straße", "İstanbul", "YILMAZ", "Ωmega", "a\u00a0b"} {
		if got, want := fold(s), data.Fold(s); got != want {
			t.Errorf("fold(%q) = %q, data.Fold = %q", s, got, want)
		}
	}
	for _, up := range userrules.Phases {
		p := string(up)
		found := false
		for _, q := range []data.Phase{data.PhaseNotActivated, data.PhaseInvited, data.PhaseActive, data.PhaseDeactivated} {
			found = found || p == string(q)
		}
		if !found {
			t.Errorf("phase %q is not one of the desktop's", p)
		}
	}
}
