package screens

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onboard/data"
)

// mustSayWhy fails unless the role area says there are no roles and the line
// beside the disabled button names why it is off.
func mustSayWhy(t *testing.T, what string, w fyne.Window, area *roleChoice, why *whyOff, disabled bool, wantWhy string) {
	t.Helper()
	if area.view.Visible() || !area.none.Visible() || area.none.Text != noRolesYet || !texts(w)[noRolesYet] {
		t.Errorf("%s: the role area does not say %q", what, noRolesYet)
	}
	if !disabled {
		t.Errorf("%s: the button is enabled without roles", what)
	}
	if got := why.text(); got != wantWhy || !texts(w)[wantWhy] {
		t.Errorf("%s: the line beside the button says %q, want %q", what, got, wantWhy)
	}
}

func TestFormsWithoutRolesSayWhyTheyCannotCreate(t *testing.T) {
	test.NewTempApp(t)
	st, svc := emptyStore(t)

	// New user.
	s, w := newScreen(t, st, svc)
	s.NewUser("")
	settle(s.wait)
	f := s.lastForm
	test.Type(f.first, "Jana")
	settle(f.wait, s.wait)
	mustSayWhy(t, "new user", w, f.roleArea, f.why, f.save.Disabled(),
		"Every user needs a role: create one in Roles and permissions first.")
	if !texts(w)[noUnitsYet] {
		t.Error("new user: the unit picker does not say there are no units")
	}

	// Invite by email.
	b, bw := showBulkInvite(t, st, svc)
	test.Type(b.entry, "mara@schule.example")
	settle(b.wait)
	mustSayWhy(t, "invite by email", bw, b.roleArea, b.why, b.invite.Disabled(),
		"Every invited person needs a role: create one in Roles and permissions first.")

	// New invite key.
	ks, kw := showScreen(t, 1200, 700, func(w fyne.Window) *KeysScreen { return NewKeysScreen(st, svc, w) })
	ks.NewKey()
	settle(ks.wait)
	create := button(t, kw, "Create key")
	mustSayWhy(t, "invite key", kw, ks.lastForm.roleArea, ks.lastForm.why, create.Disabled(),
		"An invite key needs a role: create one in Roles and permissions first.")

	// Import: a class list without a Role column, at the options step.
	list := writeCP1252(t, "klasse5b.csv", "Vorname;Nachname;E-Mail", "Jürgen;Groß;juergen@schule.example")
	is, wz, iw := wizardAtOptions(t, st, svc, list)
	settle(is.wait)
	mustSayWhy(t, "import", iw, wz.options.roleArea, wz.options.why, button(t, iw, "Next").Disabled(),
		"Every row without a role in the file needs a role: create one in Roles and permissions first.")
}

func TestFormsWithRolesButNoUnitsSayWhy(t *testing.T) {
	test.NewTempApp(t)
	st, svc := emptyStore(t)
	if err := st.CreateRole(context.Background(), &data.Role{Name: "Teacher"}); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	s.NewUser("")
	settle(s.wait)
	f := s.lastForm
	settle(f.wait, s.wait)
	if want := "Every user needs a unit: create one in Units and groups first."; f.why.text() != want || !f.save.Disabled() {
		t.Fatalf("new user without units: %q, disabled %v", f.why.text(), f.save.Disabled())
	}
	if f.roleArea.none.Visible() || strings.Contains(strings.Join(keys(texts(w)), "\n"), noRolesYet) {
		t.Fatal("the role area says there are no roles")
	}
}
