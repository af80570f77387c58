package sheets

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"onboard/data"
)

// TestCollectKeepsToTheSelection: units in natural order with their users sorted by
// name; a user in two units on both sheets; the deactivated left out unless asked
// for; with user IDs only those users.
func TestCollectKeepsToTheSelection(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	role := &data.Role{Name: "Student"}
	u10, u5 := &data.Unit{Name: "Klasse 10a"}, &data.Unit{Name: "Klasse 5a"}
	for _, err := range []error{st.CreateRole(ctx, role), st.CreateUnit(ctx, u10), st.CreateUnit(ctx, u5)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	add := func(first, last string, phase data.Phase, units ...string) string {
		u := &data.User{FirstName: first, LastName: last, Username: first, RoleID: role.ID, Phase: phase}
		if err := st.CreateUser(ctx, u, units, nil); err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	zoe := add("Zoë", "Brontë", data.PhaseNotActivated, u5.ID)
	add("Anna", "Müller", data.PhaseActive, u5.ID, u10.ID)
	add("Gone", "Away", data.PhaseDeactivated, u5.ID)
	now := time.Now()
	names := func(units []Unit) map[string][]string {
		out := map[string][]string{}
		for _, u := range units {
			for _, p := range u.People {
				out[u.Name] = append(out[u.Name], p.Name)
			}
		}
		return out
	}

	all, err := Collect(ctx, st, Selection{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Name != "Klasse 5a" || all[1].Name != "Klasse 10a" {
		t.Fatalf("units %+v, want Klasse 5a before Klasse 10a", all)
	}
	// Sorted by last name: Brontë before Müller.
	if got := names(all); !slices.Equal(got["Klasse 5a"], []string{"Zoë Brontë", "Anna Müller"}) || !slices.Equal(got["Klasse 10a"], []string{"Anna Müller"}) {
		t.Errorf("sheets %v", got)
	}

	gone, err := Collect(ctx, st, Selection{UnitIDs: []string{u5.ID}, Status: data.StatusDeactivated}, now)
	if err != nil || len(gone) != 1 || !slices.Equal(names(gone)["Klasse 5a"], []string{"Gone Away"}) {
		t.Errorf("the deactivated of Klasse 5a: %v, %v", names(gone), err)
	}
	if err := st.AddPersonalKey(ctx, &data.PersonalKey{UserID: zoe, Key: "ZOEKEY", IssuedAt: now, ExpiresAt: now.AddDate(0, 0, 7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.MarkLettersHandedOut(ctx, []string{zoe}, now, "admin"); err != nil {
		t.Fatal(err)
	}
	printed, err := Collect(ctx, st, Selection{UserIDs: []string{zoe}}, now)
	if err == nil && (len(printed) == 0 || len(printed[0].People) != 1 || printed[0].People[0].HandedOutAt == nil) {
		t.Errorf("Zoë's letter was handed out, the sheet does not know: %+v", printed)
	}
	if err != nil || len(names(printed)) != 1 || !slices.Equal(names(printed)["Klasse 5a"], []string{"Zoë Brontë"}) {
		t.Errorf("the sheets of Zoë alone: %v, %v", names(printed), err)
	}
}
