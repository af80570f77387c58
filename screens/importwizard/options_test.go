package importwizard

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"onboard/screens/internal/uikit"
	"onboard/screens/internal/uitest"
)

func TestOptionsWithoutRolesSayWhyImportIsOff(t *testing.T) {
	test.NewTempApp(t)
	st, svc := uitest.EmptyStore(t)
	list := uitest.WriteCP1252(t, "klasse5b.csv", "Vorname;Nachname;E-Mail", "Jürgen;Groß;juergen@schule.example")
	is, wz, iw := wizardAtOptions(t, st, svc, list)
	uitest.Settle(is.Wait)
	const want = "Every row without a role in the file needs a role: create one in Roles and permissions first."
	shown := uitest.Texts(iw)
	if !shown[uikit.NoRolesYet] {
		t.Errorf("the role area does not say %q", uikit.NoRolesYet)
	}
	if got := wz.options.why.Text(); got != want || !shown[want] {
		t.Errorf("the line beside Next says %q, want %q", got, want)
	}
	if !uitest.Button(t, iw, "Next").Disabled() {
		t.Error("Next is enabled without roles")
	}
}
