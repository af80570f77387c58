package screens

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/screens/internal/uikit"
	"onboard/screens/internal/uitest"
)

// mustSayWhy fails unless the window says there are no roles in place of the
// (empty) role select, the button is disabled, and the line beside it (why) names
// why it is off.
func mustSayWhy(t *testing.T, what string, w fyne.Window, role *widget.Select, why *uikit.WhyOff, disabled bool, wantWhy string) {
	t.Helper()
	if !uitest.Texts(w)[uikit.NoRolesYet] {
		t.Errorf("%s: the role area does not say %q", what, uikit.NoRolesYet)
	}
	if uitest.Drawn(w, role) {
		t.Errorf("%s: an empty role select is shown", what)
	}
	if !disabled {
		t.Errorf("%s: the button is enabled without roles", what)
	}
	if got := why.Text(); got != wantWhy || !uitest.Texts(w)[wantWhy] {
		t.Errorf("%s: the line beside the button says %q, want %q", what, got, wantWhy)
	}
}

func TestFormsWithoutRolesSayWhyTheyCannotCreate(t *testing.T) {
	test.NewTempApp(t)
	st, svc := uitest.EmptyStore(t)

	// New user.
	s, w := newScreen(t, st, svc)
	s.NewUser("")
	uitest.Settle(s.wait)
	f := s.lastForm
	test.Type(f.first, "Jana")
	uitest.Settle(f.wait, s.wait)
	mustSayWhy(t, "new user", w, f.role, f.why, f.save.Disabled(),
		"Every user needs a role: create one in Roles and permissions first.")
	if !uitest.Texts(w)[uikit.NoUnitsYet] {
		t.Error("new user: the unit picker does not say there are no units")
	}

	// Invite by email.
	b, bw := showBulkInvite(t, st, svc)
	test.Type(b.entry, "mara@schule.example")
	uitest.Settle(b.wait)
	mustSayWhy(t, "invite by email", bw, b.role, b.why, b.invite.Disabled(),
		"Every invited person needs a role: create one in Roles and permissions first.")

	// New invite key.
	ks, kw := showScreen(t, 1200, 700, func(w fyne.Window) *KeysScreen { return NewKeysScreen(st, svc, w) })
	ks.NewKey()
	uitest.Settle(ks.wait)
	create := uitest.Button(t, kw, "Create key")
	mustSayWhy(t, "invite key", kw, ks.lastForm.role, ks.lastForm.why, create.Disabled(),
		"An invite key needs a role: create one in Roles and permissions first.")
}

func TestFormsWithRolesButNoUnitsSayWhy(t *testing.T) {
	test.NewTempApp(t)
	st, svc := uitest.EmptyStore(t)
	if err := st.CreateRole(context.Background(), &data.Role{Name: "Teacher"}); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	s.NewUser("")
	uitest.Settle(s.wait)
	f := s.lastForm
	uitest.Settle(f.wait, s.wait)
	if want := "Every user needs a unit: create one in Units and groups first."; f.why.Text() != want || !f.save.Disabled() {
		t.Fatalf("new user without units: %q, disabled %v", f.why.Text(), f.save.Disabled())
	}
	if strings.Contains(strings.Join(uitest.Keys(uitest.Texts(w)), "\n"), uikit.NoRolesYet) {
		t.Fatal("the role area says there are no roles")
	}
}
