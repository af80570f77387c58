package userrules

import (
	"strings"
	"testing"
)

func TestPhaseChangesFollowTheDesktopsActions(t *testing.T) {
	for _, c := range []struct {
		from, to   Phase
		registered bool
		want       bool
	}{
		{PhaseActive, PhaseInvited, false, false}, // active counts as registered
		{PhaseActive, PhaseNotActivated, true, false},
		{PhaseActive, PhaseDeactivated, true, true},
		{PhaseActive, PhaseActive, true, true},
		{PhaseDeactivated, PhaseActive, true, true},
		{PhaseDeactivated, PhaseInvited, true, false}, // reactivated into an invitation: refused
		{PhaseDeactivated, PhaseNotActivated, true, false},
		{PhaseDeactivated, PhaseInvited, false, true},
		{PhaseDeactivated, PhaseActive, false, true}, // reactivated, then marked registered
		{PhaseNotActivated, PhaseInvited, false, true},
		{PhaseInvited, PhaseNotActivated, false, true},
		{PhaseInvited, PhaseActive, false, true},
		{PhaseNotActivated, PhaseDeactivated, false, true},
		{PhaseNotActivated, "flying", false, false},
	} {
		if got := PhaseChangeAllowed(c.from, c.to, c.registered); got != c.want {
			t.Errorf("%s → %s (registered %v): %v, want %v", c.from, c.to, c.registered, got, c.want)
		}
	}
}

func TestAllowedReadsTheStepTable(t *testing.T) {
	if Allowed(ActionResend, StatusActive) || Allowed(ActionNewKey, StatusActive) || Allowed(ActionInvite, StatusInvited) {
		t.Error("a resend or new key for an active user, or a second invitation, is allowed")
	}
	if !Allowed(ActionResend, StatusExpired) || !Allowed(ActionReactivate, StatusDeactivated) || !Allowed("user.edit", StatusActive) {
		t.Error("an allowed action is refused")
	}
	if MayGetKey(PhaseActive, false) || MayGetKey(PhaseDeactivated, true) || !MayGetKey(PhaseInvited, false) {
		t.Error("MayGetKey")
	}
}

func TestCheckNamesEveryBadField(t *testing.T) {
	probs := Check(Fields{
		FirstName: "", LastName: "A\nB", Email: "not an address", Username: "x",
		Mobile: "call me", ExternalID: strings.Repeat("x", MaxNameLen+1), Notes: strings.Repeat("n", MaxTextLen+1),
	})
	var fields []string
	for _, p := range probs {
		fields = append(fields, p.Field)
	}
	want := "first_name,last_name,email,username,mobile,external_id,notes"
	if got := strings.Join(fields, ","); got != want {
		t.Errorf("problems in %s, want %s (%v)", got, want, probs)
	}
	if got := Check(Fields{FirstName: "Anna", LastName: "Müller", Username: "anna.m"}); len(got) != 0 {
		t.Errorf("a good user has problems: %v", got)
	}
	if got := Check(Fields{Username: "anna.m", NamesMayBeEmpty: true, LastName: "A\tB"}); len(got) != 1 || got[0].Field != "last_name" {
		t.Errorf("empty names allowed: %v", got)
	}
	if CatalogNameProblem("  ") == "" || CatalogNameProblem(" 5a ") != "" {
		t.Error("CatalogNameProblem")
	}
}

// TestKept: a value equal to the stored one is kept, an empty one never (a
// required field left empty is still a problem), a changed one is not.
func TestKept(t *testing.T) {
	stored := Fields{FirstName: "Anna", LastName: "Berg", Username: "Ωmega", Email: "a@example.org"}
	got := Kept(Fields{FirstName: "Anna", LastName: "Berk", Username: "Ωmega"}, stored)
	for field, want := range map[string]bool{"first_name": true, "last_name": false, "username": true, "email": false, "mobile": false, "notes": false} {
		if got[field] != want {
			t.Errorf("%s kept: %v, want %v", field, got[field], want)
		}
	}
}
