package importwizard

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/importer"
	"onboard/internal/lifecycle"
	"onboard/internal/syncapi"
	"onboard/internal/tabular"
	"onboard/screens/internal/uikit"
	"onboard/screens/internal/uitest"
)

// importFile imports path through the engine, as the CLI does, under svc's clock.
func importFile(t *testing.T, st ImportStore, svc *lifecycle.Service, path string, base lifecycle.UserInput) *importer.Report {
	t.Helper()
	ctx := context.Background()
	src, err := importer.Load(ctx, path, tabular.Options{}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := importer.Check(ctx, st, src, importer.Settings{Mapping: importer.AutoMap(src.Header), RoleID: base.RoleID, UnitIDs: base.UnitIDs}, svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Commit(ctx, svc, p, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestImportsScreenListsImportsNewestFirst(t *testing.T) {
	test.NewTempApp(t)
	st, _, base := uitest.OpenStore(t)
	now := time.Date(2026, 9, 1, 8, 30, 0, 0, time.UTC)
	svc := lifecycle.New(st, lifecycle.WithClock(func() time.Time { return now }), lifecycle.WithActor("sekretariat"))
	s, w := showImports(t, 1200, 600, st, svc)
	if !s.empty.Visible() || s.table.Visible() {
		t.Fatal("no empty state before the first import")
	}
	mustShowMain(t, w, "Imports", "Import from file…", "Invite by email…", "Save sample file…",
		"No imports yet. Import from file reads a CSV, TSV or Excel list of users.")

	first := uitest.WriteCP1252(t, "klasse5a.csv", classList...)
	uitest.CreateUser(t, svc, base, "Anna", "Müller", "anna@example.org")
	if rep := importFile(t, st, svc, first, base); rep.Created != 3 || rep.Skipped != 1 || rep.Failed != 1 {
		t.Fatalf("first import: %s", rep.Summary())
	}
	now = now.Add(26 * time.Hour)
	second := filepath.Join(t.TempDir(), "lehrer.csv")
	if err := os.WriteFile(second, []byte("\ufeffFirst name,Last name,Class\nŁukasz,Nowak,Werk Süd\nZoë,Öztürk,Werk Süd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep := importFile(t, st, svc, second, base); rep.Created != 2 {
		t.Fatalf("second import: %s", rep.Summary())
	}
	s.Reload()
	uitest.Settle(s.Wait)
	if s.empty.Visible() || !s.table.Visible() {
		t.Fatal("the list is not shown after imports")
	}
	want := [][]string{
		{"lehrer.csv", "2026-09-02 10:30", "sekretariat", "2", "2", "0", "0", "0"},
		{"klasse5a.csv", "2026-09-01 08:30", "sekretariat", "5", "3", "0", "1", "1"},
	}
	for r, row := range want {
		for c, cell := range row {
			if got := s.cell(r, c); got != cell {
				t.Errorf("cell (%d,%d) = %q, want %q", r, c, got, cell)
			}
		}
	}
	mustShowMain(t, w, "File", "When", "By", "Created", "Failed", "lehrer.csv", "klasse5a.csv", "2026-09-02 10:30", "sekretariat")

	// A past import opens to what it did and the users it created; their letters
	// print from there.
	var printed []string
	s.OnPrintLetters = func(ids []string) { printed = ids }
	s.table.Select(widget.TableCellID{Row: 0, Col: 0})
	uitest.Settle(s.Wait)
	uitest.MustShow(t, w, "Import of lehrer.csv", "Users it created (2 still exist):", "Łukasz Nowak, Zoë Öztürk")
	test.Tap(uitest.Button(t, w, "Print letters for these users…"))
	if len(printed) != 2 {
		t.Fatalf("letters for %v", printed)
	}
}

// mustShowMain fails unless the window (not only its dialogs) draws each text.
func mustShowMain(t *testing.T, w fyne.Window, want ...string) {
	t.Helper()
	shown := uitest.Texts(w)
	for _, x := range want {
		if !shown[x] {
			t.Errorf("%q is not shown; shown: %v", x, shown)
		}
	}
}

func TestImportsScreenSavesSampleFiles(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	s, w := showImports(t, 1200, 600, st, svc)
	dir := t.TempDir()
	for _, name := range []string{"vorlage.xlsx", "vorlage.csv"} {
		path := filepath.Join(dir, name)
		out, err := storage.Writer(storage.NewFileURI(path))
		if err != nil {
			t.Fatal(err)
		}
		s.saveSample(out, nil) // what the save dialog calls with the file chosen
		uitest.Settle(s.Wait)
		if !strings.HasPrefix(s.status.Text, "Saved the sample") || !strings.Contains(s.status.Text, path) {
			t.Errorf("%s: status %q", name, s.status.Text)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		isZip := bytes.HasPrefix(raw, []byte("PK\x03\x04"))
		if isZip != strings.HasSuffix(name, ".xlsx") {
			t.Errorf("%s: zip %v", name, isZip)
		}
		// The sample reads back with every column recognised.
		src, err := importer.Load(context.Background(), path, tabular.Options{}, true, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m := importer.AutoMap(src.Header)
		if probs := m.Problems(src.Header); len(probs) > 0 || len(src.Rows) != 3 {
			t.Fatalf("%s: %d rows, mapping problems %v", name, len(src.Rows), probs)
		}
		for i, f := range m {
			if f == importer.Ignore {
				t.Errorf("%s: column %q is not recognised", name, src.Header[i])
			}
		}
		if src.Rows[0].Cells[1] != "Müller" {
			t.Errorf("%s: first row %q", name, src.Rows[0].Cells)
		}
		if strings.HasSuffix(name, ".xlsx") && len(src.Info.Sheets) != 2 {
			t.Errorf("%s: sheets %v", name, src.Info.Sheets)
		}
	}
	// Cancelling the save dialog changes nothing.
	s.status.SetText("")
	s.saveSample(nil, nil)
	uitest.Settle(s.Wait)
	if s.status.Text != "" {
		t.Errorf("status after cancel: %q", s.status.Text)
	}
	// The button opens a save dialog.
	test.Tap(uitest.Button(t, w, "Save sample file…"))
	if len(w.Canvas().Overlays().List()) == 0 {
		t.Error("Save sample file… opened no dialog")
	}
}

func TestImportsScreenDroppedFileOpensWizard(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	s, _ := showImports(t, 1400, 900, st, svc)
	path := uitest.WriteCP1252(t, "klasse5a.csv", classList...)
	if !s.Dropped([]fyne.URI{storage.NewFileURI(path)}) {
		t.Fatal("a dropped file was not taken")
	}
	uitest.Settle(s.Wait)
	if !s.WizardOpen() || s.wizard.src == nil || len(s.wizard.src.Rows) != 5 || s.wizard.step != stepRead {
		t.Fatalf("after the drop: open %v, step %d", s.WizardOpen(), s.wizard.step+1)
	}
	// A second drop replaces the file.
	other := uitest.WriteCP1252(t, "zwei.csv", "Vorname;Nachname", "Jürgen;Groß")
	s.Dropped([]fyne.URI{storage.NewFileURI(other)})
	uitest.Settle(s.Wait)
	if s.wizard.src.Info.Name != "zwei.csv" || len(s.wizard.src.Rows) != 1 {
		t.Fatalf("second drop read %s", s.wizard.src.Info.Name)
	}
	s.wizard.cancel()
	if s.WizardOpen() {
		t.Fatal("Cancel did not close the wizard")
	}
}

// showImports opens the Imports screen on a test window of the given size.
func showImports(t *testing.T, width, height float32, st ImportStore, svc ImportService) (*ImportsScreen, fyne.Window) {
	t.Helper()
	return uitest.ShowScreen(t, width, height, func(w fyne.Window) *ImportsScreen { return NewImportsScreen(st, svc, w) }, (*ImportsScreen).Wait)
}

func TestImportsWithoutThePermissionToInviteMany(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	p := uikit.NewPermissions(true, &syncapi.Me{Operator: "dora", Permissions: []syncapi.Permission{syncapi.PermAddUsers}})
	im, iw := showImports(t, 1200, 600, st, svc)
	im.SetPermissions(p)
	if !uitest.Button(t, iw, "Import from file…").Disabled() || !uitest.Button(t, iw, "Invite by email…").Disabled() ||
		!strings.Contains(im.importBtn.Tip.Text(), "may not invite or import many users at once") {
		t.Errorf("imports: tooltip %q", im.importBtn.Tip.Text())
	}
	// A file dropped on the window does not open the wizard either.
	if im.ImportFile(filepath.Join("testdata", "nothing.csv")); im.WizardOpen() {
		t.Error("the import wizard opened without the permission")
	}
}
