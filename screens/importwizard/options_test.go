package importwizard

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"onboard/internal/syncapi"
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

// TestNewUnitsOfTheFileNeedThePermissionToChangeUnits: an operator who may import
// but not change units cannot import a file that names a unit that does not exist
// (the server would refuse the unit at the next sync); the line beside Next names
// the unit and the missing permission. Once the operator may change units, the
// same file can be imported.
func TestNewUnitsOfTheFileNeedThePermissionToChangeUnits(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	list := uitest.WriteCP1252(t, "werk.csv", "Vorname;Nachname;E-Mail;Einheit",
		"Jürgen;Groß;juergen@werk.example;Werk Süd", "Zoë;Brontë;zoe@werk.example;Werk Nord")
	importer := []syncapi.Permission{syncapi.PermAddUsers, syncapi.PermBulkInvite}
	is, iw := showImports(t, 1400, 900, st, svc)
	is.SetPermissions(uikit.NewPermissions(true, &syncapi.Me{Operator: "dora", Permissions: importer}))
	test.Tap(uitest.Button(t, iw, "Import from file…"))
	uitest.Settle(is.Wait)
	wz := is.wizard
	toOptions(t, is, wz, iw, list)
	why := wz.options.why.Text()
	if !strings.Contains(why, "units that do not exist yet: Werk Nord.") || !strings.Contains(why, "“dora”") ||
		!strings.Contains(why, string(syncapi.PermManageUnits)) {
		t.Errorf("the line beside Next says %q", why)
	}
	if !uitest.Button(t, iw, "Next").Disabled() {
		t.Fatal("Next is enabled although the file names a unit the operator may not create")
	}

	is.SetPermissions(uikit.NewPermissions(true, &syncapi.Me{Operator: "dora", Permissions: append(importer, syncapi.PermManageUnits)}))
	uitest.Settle(is.Wait)
	if why := wz.options.why.Text(); why != "" {
		t.Errorf("with the permission the line beside Next says %q", why)
	}
	if uitest.Button(t, iw, "Next").Disabled() {
		t.Error("Next stays off once the operator may change units")
	}
}
