package importwizard

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/internal/importer"
	"onboard/internal/lifecycle"
	"onboard/internal/tabular"
	"onboard/screens/internal/uitest"
)

// writeList writes content to a new file named name.
func writeList(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportWizardUpdatesFromAListAndUndoes(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	importFile(t, st, svc, writeList(t, "term1.csv", "ID,First name,Last name,Class\n1,Anna,Müller,5a\n2,Ben,Schulz,5a\n3,Cem,Yılmaz,5b\n"),
		lifecycle.UserInput{RoleID: base.RoleID})
	path := writeList(t, "term2.csv", "ID,First name,Last name,Class\n1,Anna,Müller,6a\n4,Dana,Roth,5a\n")
	s, wz, w := openWizard(t, st, svc)
	wz.file.mode.SetSelected("Update from a list: match the users already here, show what changes, and apply it")
	if !wz.settings.UpdateList {
		t.Fatal("choosing Update from a list did not set it")
	}
	wz.open(path)
	uitest.Settle(s.Wait)
	for wz.step != stepCheck {
		next(t, s, w)
	}
	uitest.MustShow(t, w, "As things stand: 1 new, 1 changed, 0 unchanged, 1 not in the file, 0 not imported.",
		"Units: 5a → 6a", "will be created")
	wz.check.show.SetSelected("New and changed")
	uitest.Settle(s.Wait)
	if wz.check.rows() != 2 {
		t.Errorf("New and changed shows %d rows, want Anna (moved) and Dana (new)", wz.check.rows())
	}
	for wz.step != stepOptions {
		next(t, s, w)
	}
	uitest.MustShow(t, w, "Users not in the file", "Not in the file: 1 user of the units it covers (5a, 6a).", "Ben Schulz (5a)")
	wz.options.absent.rule.SetSelected("Delete them")
	next(t, s, w)
	uitest.MustShow(t, w, "Not in the file: 1 user, deleted")
	test.Tap(uitest.Button(t, w, "Import"))
	uitest.Settle(s.Wait)
	uitest.MustShow(t, w, "Delete 1 user not in the file?")
	test.Tap(uitest.Button(t, w, "Delete and import"))
	uitest.Settle(s.Wait)
	if wz.report == nil || wz.report.Deleted != 1 || wz.report.Created != 1 || wz.report.Updated != 1 {
		t.Fatalf("report %+v; shown %v", wz.report, uitest.Keys(uitest.Texts(w)))
	}
	uitest.MustShow(t, w, "1 user not in the file was deleted.")
	ctx := context.Background()
	if _, err := st.UserHolding(ctx, data.FieldExternalID, "2", ""); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("Ben, not in the file, is still there: %v", err)
	}
	test.Tap(uitest.Button(t, w, "Done"))
	uitest.Settle(s.Wait)

	undone := 0
	s.OnUndone = func() { undone++ }
	test.Tap(uitest.Button(t, w, "Undo last import…"))
	uitest.Settle(s.Wait)
	uitest.MustShow(t, w, "Undo last import?", "just before the import of term2.csv")
	test.Tap(uitest.Button(t, w, "Undo import"))
	uitest.Settle(s.Wait)
	uitest.MustShow(t, w, "Undid the import of term2.csv: the data is as it was before it.")
	if undone != 1 {
		t.Errorf("OnUndone ran %d times", undone)
	}
	if _, err := st.UserHolding(ctx, data.FieldExternalID, "2", ""); err != nil {
		t.Errorf("Ben is not back after the undo: %v", err)
	}
	// The term-1 import is the last one now; a change after it refuses its undo.
	u, err := st.UserHolding(ctx, data.FieldExternalID, "3", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Deactivate(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	test.Tap(uitest.Button(t, w, "Undo last import…"))
	uitest.Settle(s.Wait)
	test.Tap(uitest.Button(t, w, "Undo import"))
	uitest.Settle(s.Wait)
	uitest.MustShow(t, w, "The import cannot be undone", "The data changed after the import of term1.csv")
}

func TestImportWizardOffersTheChoicesSavedForTheSameColumns(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	first := writeList(t, "term1.csv", "ID,First name,Last name,Class,Remark\n1,Anna,Müller,5a,x\n")
	src, err := importer.Load(ctx, first, tabular.Options{}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := importer.AutoMap(src.Header)
	m[4] = importer.Ignore
	saved := importer.Settings{Mapping: m, RoleID: base.RoleID, UpdateList: true, Absent: lifecycle.DeactivateAbsent, ValidDays: 30}
	if err := importer.SaveProfile(ctx, st, src, saved, time.Now()); err != nil {
		t.Fatal(err)
	}
	s, wz, w := openWizard(t, st, svc)
	wz.open(writeList(t, "term2.csv", "id,first name,last name,class,remark\n1,Anna,Müller,6a,y\n"))
	uitest.Settle(s.Wait)
	next(t, s, w) // Columns
	uitest.MustShow(t, w, "A list with these columns was imported on ", "(term1.csv): its columns and choices are used again.")
	if wz.mapping[4] != importer.Ignore {
		t.Errorf("the saved mapping is not used: %v", wz.mapping)
	}
	next(t, s, w) // Check
	if !wz.settings.UpdateList || wz.settings.Absent != lifecycle.DeactivateAbsent || wz.settings.ValidDays != 30 || wz.settings.RoleID != base.RoleID {
		t.Errorf("the saved options are not used: %+v", wz.settings)
	}
	if wz.file.mode.Selected != wz.file.mode.Options[1] {
		t.Errorf("the File step shows %q", wz.file.mode.Selected)
	}
	uitest.MustShow(t, w, "As things stand: 1 new, 0 changed, 0 unchanged, 0 not in the file, 0 not imported.")
}

// What the operator chose on the File step wins over the choices saved for the
// columns (a term-1 list imported by adding, the term-2 list updating).
func TestImportWizardKeepsTheChosenModeOverTheSavedOne(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	first := writeList(t, "term1.csv", "ID,First name,Last name,Class\n1,Anna,Müller,5a\n")
	src, err := importer.Load(ctx, first, tabular.Options{}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := importer.SaveProfile(ctx, st, src, importer.Settings{Mapping: importer.AutoMap(src.Header), RoleID: base.RoleID}, time.Now()); err != nil {
		t.Fatal(err)
	}
	s, wz, w := openWizard(t, st, svc)
	wz.file.mode.SetSelected(wz.file.mode.Options[1])
	wz.open(writeList(t, "term2.csv", "ID,First name,Last name,Class\n1,Anna,Müller,6a\n"))
	uitest.Settle(s.Wait)
	for wz.step != stepCheck {
		next(t, s, w)
	}
	if !wz.settings.UpdateList || wz.file.mode.Selected != wz.file.mode.Options[1] {
		t.Errorf("the saved choices undid Update from a list: %+v", wz.settings)
	}
}
