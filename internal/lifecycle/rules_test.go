package lifecycle

import (
	"testing"

	"onboard/data"
	"onboard/internal/userrules"
)

// TestUserrulesSpeaksTheStoresPhasesAndStatuses: the shared rules name phases and
// statuses by the desktop store's values, so Allowed reads the same table the
// server checks pushes with.
func TestUserrulesSpeaksTheStoresPhasesAndStatuses(t *testing.T) {
	phases := []data.Phase{data.PhaseNotActivated, data.PhaseInvited, data.PhaseActive, data.PhaseDeactivated}
	for i, p := range userrules.Phases {
		if string(p) != string(phases[i]) {
			t.Errorf("userrules phase %q, data %q", p, phases[i])
		}
	}
	for _, st := range data.Statuses {
		found := false
		for _, p := range userrules.Phases {
			for _, x := range userrules.StatusesOf(p) {
				found = found || string(x) == string(st)
			}
		}
		if !found {
			t.Errorf("status %q is no status of any userrules phase", st)
		}
	}
	if Allowed(ActionResend, data.StatusActive) || !Allowed(ActionReactivate, data.StatusDeactivated) || !Allowed(ActionEdit, data.StatusActive) {
		t.Error("Allowed does not follow userrules.Steps")
	}
}
