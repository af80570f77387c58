package importwizard

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/importer"
	"onboard/internal/lifecycle"
	"onboard/internal/tabular"
	"onboard/screens/internal/uitest"
)

// classList is a semicolon Windows-1252 file: Anna Müller's email belongs to an
// existing user (a conflict), Zoë Weiß's email is invalid (an error).
var classList = []string{
	"Vorname;Nachname;E-Mail;Mobil",
	"Jürgen;Groß;juergen.gross@schule.example;+49 151 1234567",
	"Ömer;Özdemir;oemer.oezdemir@schule.example;",
	"Anna;Müller;anna@example.org;",
	"Zoë;Weiß;zoe@@schule.example;",
	"Renée;Faßbender;renee.fassbender@schule.example;+49 160 7654321",
}

// openWizard shows the imports screen and opens the import wizard on it.
func openWizard(t *testing.T, st *data.Store, svc ImportService) (*ImportsScreen, *importWizard, fyne.Window) {
	t.Helper()
	s, w := showImports(t, 1400, 900, st, svc)
	test.Tap(uitest.Button(t, w, "Import from file…"))
	uitest.Settle(s.Wait)
	if s.wizard == nil {
		t.Fatal("Import from file… opened no wizard")
	}
	return s, s.wizard, w
}

// wizardAtOptions opens the import wizard on path and goes on to the options step.
func wizardAtOptions(t *testing.T, st *data.Store, svc ImportService, path string) (*ImportsScreen, *importWizard, fyne.Window) {
	t.Helper()
	is, wz, iw := openWizard(t, st, svc)
	toOptions(t, is, wz, iw, path)
	return is, wz, iw
}

// toOptions opens path in the open wizard wz and goes on to the options step.
func toOptions(t *testing.T, is *ImportsScreen, wz *importWizard, iw fyne.Window, path string) {
	t.Helper()
	wz.open(path)
	uitest.Settle(is.Wait)
	for wz.step != stepOptions {
		before := wz.step
		next(t, is, iw)
		if wz.step == before {
			t.Fatalf("the wizard stays on step %d; shown %v", wz.step+1, uitest.Keys(uitest.Texts(iw)))
		}
	}
}

// next taps Next and lets the background work finish.
func next(t *testing.T, s *ImportsScreen, w fyne.Window) {
	t.Helper()
	test.Tap(uitest.Button(t, w, "Next"))
	uitest.Settle(s.Wait)
}

func TestImportWizardEndToEnd(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	anna := uitest.CreateUser(t, svc, base, "Anna", "Müller", "anna@example.org")
	if err := st.CreateGroup(ctx, &data.Group{Name: "Chor"}); err != nil {
		t.Fatal(err)
	}
	path := uitest.WriteCP1252(t, "klasse5a.csv", classList...)
	s, w := showImports(t, 1400, 900, st, svc)
	var letters []string
	s.OnPrintLetters = func(ids []string) { letters = ids }
	test.Tap(uitest.Button(t, w, "Import from file…"))
	uitest.Settle(s.Wait)
	wz := s.wizard
	uitest.MustShow(t, w, "Choose the file with your users", "1 File", "7 Import")
	if !uitest.Button(t, w, "Next").Disabled() {
		t.Error("Next is enabled before a file is read")
	}

	// 1 File: the same path the file dialog and a drop take.
	wz.open(path)
	uitest.Settle(s.Wait)
	if wz.step != stepRead {
		t.Fatalf("after reading the file the wizard is on step %d, not Read; shown %v", wz.step+1, uitest.Texts(w))
	}
	// 2 Read: what was detected, the raw lines and the split.
	if got := wz.read.encoding.Selected; got != "Windows-1252 (Western European) (detected)" {
		t.Errorf("encoding shows %q", got)
	}
	if got := wz.read.delimiter.Selected; got != "Semicolon  ; (detected)" {
		t.Errorf("delimiter shows %q", got)
	}
	if !wz.read.header.Checked {
		t.Error("first row is not taken as column titles")
	}
	if raw := wz.read.raw.Text(); !strings.Contains(raw, "Jürgen;Groß;juergen.gross@schule.example") {
		t.Errorf("raw lines %q", raw)
	}
	uitest.MustShow(t, w, "klasse5a.csv: 5 rows of people below a row of 4 column titles.", "Vorname", "Jürgen", "Groß", "Faßbender")

	// 3 Columns: mapped from the German titles.
	next(t, s, w)
	want := []string{"Email", "First name *", "Last name *", "Mobile"}
	var got []string
	for _, sel := range uitest.Visible[*widget.Select](w) {
		if slices.Contains(sel.Options, ignoreLabel()) {
			got = append(got, sel.Selected)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("mapping selects show %v, want %v", got, want)
	}
	if !slices.Equal(wz.mapping, importer.Mapping{importer.FirstName, importer.LastName, importer.Email, importer.Mobile}) {
		t.Fatalf("mapping %v", wz.mapping)
	}

	// 4 Check: counts, the bad cell marked, its message.
	next(t, s, w)
	if wz.step != stepCheck || wz.plan == nil {
		t.Fatalf("step %d, plan %v", wz.step+1, wz.plan)
	}
	uitest.MustShow(t, w, "4 valid · 1 error · 1 conflict · 0 duplicates in the file", "Username (new)", "Result", "will be created")
	if l := uitest.LabelWithText(t, w, "zoe@@schule.example"); l.Importance != widget.DangerImportance {
		t.Errorf("the invalid email is drawn with importance %v", l.Importance)
	}
	if l := uitest.LabelWithText(t, w, "juergen.gross@schule.example"); l.Importance == widget.DangerImportance {
		t.Error("a valid email is marked")
	}
	wz.check.show.SetSelected("Rows with errors")
	uitest.Settle(s.Wait)
	if wz.check.rows() != 1 {
		t.Fatalf("error filter shows %d rows", wz.check.rows())
	}
	wz.check.table.Select(widget.TableCellID{Row: 0, Col: 1})
	uitest.MustShow(t, w, "Line 5 · Zoë Weiß · cannot be imported", `• Email: "zoe@@schule.example" is not a valid email address`)
	wz.check.show.SetSelected("Conflicts and duplicates")
	uitest.Settle(s.Wait)
	if wz.check.rows() != 1 {
		t.Fatalf("conflict filter shows %d rows", wz.check.rows())
	}
	uitest.MustShow(t, w, "anna@example.org", "will be skipped")

	// 5 Conflicts: update, then back to skip.
	next(t, s, w)
	if wz.step != stepConflicts {
		t.Fatalf("conflicts are not shown: step %d", wz.step+1)
	}
	uitest.MustShow(t, w, "1 row has the email, username or external ID of an existing user", "email already used by Anna Müller")
	wz.conflicts.forAll.SetSelected(importer.Update.Label())
	uitest.Settle(s.Wait)
	uitest.MustShow(t, w, "will update Anna Müller")
	if wz.plan.Counts.Update != 1 {
		t.Fatalf("update chosen: counts %+v", wz.plan.Counts)
	}
	wz.conflicts.forAll.SetSelected(importer.Skip.Label())
	uitest.Settle(s.Wait)
	if wz.plan.Counts.Update != 0 || wz.plan.Counts.Skip != 1 {
		t.Fatalf("skip chosen: counts %+v", wz.plan.Counts)
	}

	// 6 Options: the only role and unit are preset; a group is added for everyone.
	next(t, s, w)
	if wz.step != stepOptions {
		t.Fatalf("step %d", wz.step+1)
	}
	o := wz.options
	if o.role.Selected != "Teacher" || !slices.Equal(o.units.Selected(), []string{"Werk Süd"}) || o.days.Text != "7" {
		t.Fatalf("options: role %q, units %v, days %q", o.role.Selected, o.units.Selected(), o.days.Text)
	}
	uitest.MustShow(t, w, "1 row with errors will not be imported.", "the invitation emails are queued")
	o.groups.SetSelected([]string{"Chor"})
	o.days.SetText("500")
	if !uitest.Button(t, w, "Next").Disabled() {
		t.Error("Next is enabled with a validity of 500 days")
	}
	o.days.SetText("14")
	o.invite.SetChecked(true)
	uitest.Settle(s.Wait)

	// 7 Import: summary, import, report.
	next(t, s, w)
	uitest.MustShow(t, w, "Create 3 users, skip 1, 1 row with errors is left out.", "Groups for everyone: Chor", "Keys valid for 14 days")
	test.Tap(uitest.Button(t, w, "Import"))
	uitest.Settle(s.Wait)
	// Invitations need the organization's name (asked now) and a mail server (none:
	// the mails will wait).
	if wz.report != nil {
		t.Fatal("imported without the organization's name")
	}
	uitest.MustShow(t, w, "Organization name needed")
	test.Type(uitest.Visible[*widget.Entry](w)[0], "Gymnasium am Stadtpark")
	test.Tap(uitest.Button(t, w, "Save"))
	uitest.Settle(s.Wait)
	uitest.MustShow(t, w, "No mail server is set up yet.")
	test.Tap(uitest.Button(t, w, "Queue the mails anyway"))
	uitest.Settle(s.Wait)
	rep := wz.report
	if rep == nil {
		t.Fatalf("no report; shown %v", uitest.Texts(w))
	}
	if rep.Created != 3 || rep.Updated != 0 || rep.Skipped != 1 || rep.Failed != 1 {
		t.Fatalf("report %s", rep.Summary())
	}
	for i, want := range []string{"3", "0", "1", "1"} {
		if wz.commit.counts[i].Text != want {
			t.Errorf("count %d shows %q, want %q", i, wz.commit.counts[i].Text, want)
		}
	}
	uitest.MustShow(t, w, "Import finished: klasse5a.csv", "email already used by Anna Müller", "skipped", "failed")
	if len(rep.UserIDs()) != 3 {
		t.Errorf("report names %d users", len(rep.UserIDs()))
	}

	test.Tap(uitest.Button(t, w, "Print letters for these users"))
	if !slices.Equal(letters, rep.UserIDs()) {
		t.Errorf("letters for %v, want %v", letters, rep.UserIDs())
	}
	reportPath := filepath.Join(t.TempDir(), "bericht.csv")
	out, err := storage.Writer(storage.NewFileURI(reportPath))
	if err != nil {
		t.Fatal(err)
	}
	wz.commit.saveReport(out, nil) // what the save dialog calls with the file chosen
	uitest.Settle(s.Wait)
	uitest.MustShow(t, w, "Report saved as "+reportPath)
	csvText, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(csvText), "line,result,name,email,username,key,reason,changes\n2,created,Jürgen Groß,") ||
		!strings.Contains(string(csvText), "4,skipped,Anna Müller,anna@example.org,,,email already used by Anna Müller") {
		t.Errorf("report file:\n%s", csvText)
	}

	// The store holds the users with their umlauts, the unit, the group, invited.
	rows, err := st.ListUsers(ctx, data.UserQuery{}, svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]data.UserRow{}
	for _, r := range rows {
		byName[r.FullName()] = r
	}
	for _, name := range []string{"Jürgen Groß", "Ömer Özdemir", "Renée Faßbender"} {
		r, ok := byName[name]
		if !ok {
			t.Fatalf("%s is not in the store; users: %v", name, slices.Collect(maps.Keys(byName)))
		}
		if r.Units != "Werk Süd" || r.Groups != "Chor" || r.Role != "Teacher" || r.Status != data.StatusInvited {
			t.Errorf("%s: units %q, groups %q, role %q, status %s", name, r.Units, r.Groups, r.Role, r.Status)
		}
		if r.KeyExpiresAt == nil || r.KeyExpiresAt.Sub(svc.Now()) < 13*24*time.Hour {
			t.Errorf("%s: key expires %v", name, r.KeyExpiresAt)
		}
	}
	if byName["Jürgen Groß"].Email != "juergen.gross@schule.example" || byName["Jürgen Groß"].Mobile != "+49 151 1234567" {
		t.Errorf("Jürgen: %+v", byName["Jürgen Groß"])
	}
	if _, ok := byName["Zoë Weiß"]; ok {
		t.Error("the row with the invalid email was imported")
	}
	if len(rows) != 4 {
		t.Errorf("%d users in the store, want 4", len(rows))
	}
	if u, _ := st.UserByID(ctx, anna.User.ID); u.FirstName != "Anna" || u.Email != "anna@example.org" {
		t.Errorf("the skipped conflict changed Anna: %+v", u)
	}

	// Done closes the wizard and the list shows the import.
	test.Tap(uitest.Button(t, w, "Done"))
	uitest.Settle(s.Wait)
	if s.WizardOpen() {
		t.Fatal("the wizard is still open after Done")
	}
	uitest.MustShow(t, w, "klasse5a.csv")
	if len(s.imports) != 1 || s.imports[0].Created != 3 || s.imports[0].Failed != 1 {
		t.Fatalf("imports %+v", s.imports)
	}
}

func TestImportWizardEditInvalidCellMakesRowValid(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	ctx := context.Background()
	// Two roles: none can be preset, so the check first finds rows without a role.
	if err := st.CreateRole(ctx, &data.Role{Name: "Student"}); err != nil {
		t.Fatal(err)
	}
	path := uitest.WriteCP1252(t, "liste.csv", "Vorname;Nachname;E-Mail", "Jürgen;Groß;juergen@schule.example", "Zoë;Weiß;zoe@@schule.example")
	s, wz, w := openWizard(t, st, svc)
	wz.open(path)
	uitest.Settle(s.Wait)
	next(t, s, w) // Columns
	next(t, s, w) // Check
	uitest.MustShow(t, w, "1 valid · 1 error · 0 conflicts", "1 row names no role. Choose for them here or in step 6 (Options), which offers more units and groups.")
	if !wz.check.quickRoleBox.Visible() || wz.check.quickUnitBox.Visible() {
		t.Fatal("the check offers no role, or a unit the rows have")
	}
	wz.check.quickRole.SetSelected("Teacher")
	uitest.Settle(s.Wait)
	if wz.plan.Counts.Errors != 1 || wz.plan.Counts.Valid != 1 || wz.check.batchBox.Visible() {
		t.Fatalf("with a role: counts %+v", wz.plan.Counts)
	}
	uitest.MustShow(t, w, "1 valid · 1 error · 0 conflicts · 0 duplicates in the file")

	wz.check.show.SetSelected("Rows with errors")
	wz.check.table.Select(widget.TableCellID{Row: 0, Col: 3})
	ed := wz.check.editor
	if ed.field.Selected != "Email" || ed.value.Text != "zoe@@schule.example" {
		t.Fatalf("editor shows %q = %q", ed.field.Selected, ed.value.Text)
	}
	ed.value.SetText("zoe.weiss@schule.example")
	test.Tap(uitest.Button(t, w, "Apply"))
	uitest.Settle(s.Wait)
	if wz.plan.Counts.Errors != 0 || wz.plan.Counts.Valid != 2 || wz.plan.Rows[1].Action != importer.Create {
		t.Fatalf("after the edit: counts %+v, row %+v", wz.plan.Counts, wz.plan.Rows[1])
	}
	uitest.MustShow(t, w, "2 valid · 0 errors", "Line 3 · Zoë Weiß · will be created as zoe.weiss", "No row has an error.")

	next(t, s, w) // no conflicts: straight to Options
	if wz.step != stepOptions {
		t.Fatalf("without conflicts Next went to step %d", wz.step+1)
	}
	if wz.options.role.Selected != "Teacher" {
		t.Fatalf("options show role %q", wz.options.role.Selected)
	}
	wz.options.role.SetSelected("Student") // checks again
	uitest.Settle(s.Wait)
	if wz.plan.Settings.RoleID == "" || wz.plan.Counts.Create != 2 {
		t.Fatalf("after the role change: %+v", wz.plan.Counts)
	}
	test.Tap(uitest.Button(t, w, "Back"))
	if wz.step != stepCheck {
		t.Fatalf("Back went to step %d", wz.step+1)
	}
	next(t, s, w)
	next(t, s, w)
	test.Tap(uitest.Button(t, w, "Import"))
	uitest.Settle(s.Wait)
	if wz.report == nil || wz.report.Created != 2 {
		t.Fatalf("report %v; shown %v", wz.report, uitest.Texts(w))
	}
	rows, _ := st.ListUsers(ctx, data.UserQuery{Search: "Weiß"}, svc.Now())
	if len(rows) != 1 || rows[0].Email != "zoe.weiss@schule.example" || rows[0].Role != "Student" {
		t.Fatalf("stored %+v", rows)
	}
}

// blockingImport holds the import until it is cancelled, then lets the real
// service see the cancelled context.
type blockingImport struct {
	*lifecycle.Service
	started chan struct{}
}

func (b *blockingImport) Import(ctx context.Context, batch *lifecycle.ImportBatch, progress func(done, total int)) (*lifecycle.ImportOutcome, error) {
	close(b.started)
	<-ctx.Done()
	return b.Service.Import(ctx, batch, progress)
}

func TestImportWizardCancelLeavesStoreUnchanged(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	ctx := context.Background()
	path := uitest.WriteCP1252(t, "liste.csv", "Vorname;Nachname", "Jürgen;Groß", "Ömer;Özdemir")
	blocking := &blockingImport{Service: svc, started: make(chan struct{})}
	s, wz, w := openWizard(t, st, blocking)
	wz.open(path)
	uitest.Settle(s.Wait)
	for range 4 { // Columns, Check, Options, Import
		next(t, s, w)
	}
	if wz.step != stepImport {
		t.Fatalf("step %d", wz.step+1)
	}
	uitest.MustShow(t, w, "Create 2 users.")
	test.Tap(uitest.Button(t, w, "Import"))
	<-blocking.started
	uitest.Settle() // the progress so far
	uitest.MustShow(t, w, "Importing…", "Cancel import stops it; the database then stays exactly as it was.")
	test.Tap(uitest.Button(t, w, "Cancel import"))
	uitest.Settle(s.Wait)
	uitest.MustShow(t, w, "You cancelled the import. Nothing was imported; the database is unchanged.")
	if wz.report != nil || !s.WizardOpen() {
		t.Fatal("a cancelled import has a report or closed the wizard")
	}
	if n, _ := st.CountAllUsers(ctx); n != 0 {
		t.Fatalf("%d users after a cancelled import", n)
	}
	if ims, _ := st.Imports(ctx); len(ims) != 0 {
		t.Fatalf("a cancelled import was recorded: %+v", ims)
	}
}

func TestImportWizardReadOverridesAndErrors(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	s, wz, w := openWizard(t, st, svc)

	// A file that is not a table: the message names the file, inline.
	bad := filepath.Join(t.TempDir(), "scan.pdf")
	if err := os.WriteFile(bad, []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wz.dropped(bad)
	uitest.Settle(s.Wait)
	if wz.step != stepFile || !wz.file.err.Visible() || !strings.Contains(wz.file.err.Text, "scan.pdf") {
		t.Fatalf("step %d, error %q", wz.step+1, wz.file.err.Text)
	}
	if !uitest.Button(t, w, "Next").Disabled() {
		t.Error("Next is enabled after a file that cannot be read")
	}

	// Overrides re-read the file: comma instead of semicolon splits differently.
	path := uitest.WriteCP1252(t, "liste.csv", "Vorname;Nachname", "Jürgen;Groß, Jr.")
	wz.dropped(path)
	uitest.Settle(s.Wait)
	if wz.step != stepRead || len(wz.src.Header) != 2 {
		t.Fatalf("step %d, header %v", wz.step+1, wz.src.Header)
	}
	wz.read.delimiter.SetSelected("Comma  ,")
	uitest.Settle(s.Wait)
	if wz.src.Header[0] != "Vorname;Nachname" || wz.read.delimiter.Selected != "Comma  ," || len(wz.src.Rows[0].Cells) != 2 {
		t.Fatalf("comma: header %v, rows %v, select %q", wz.src.Header, wz.src.Rows, wz.read.delimiter.Selected)
	}
	wz.read.encoding.SetSelected("UTF-8")
	uitest.Settle(s.Wait)
	if wz.src != nil {
		t.Logf("a Windows-1252 file read as UTF-8 gives %q", wz.src.Rows[0].Cells)
	}
	wz.read.delimiter.SetSelected("Semicolon  ; (detected)")
	wz.read.encoding.SetSelected("Windows-1252 (Western European) (detected)")
	uitest.Settle(s.Wait)
	if wz.src == nil || wz.src.Rows[0].Cells[1] != "Groß, Jr." {
		t.Fatalf("back to the detected reading: %+v", wz.src)
	}
	// Without column titles, the first row is a person and the columns are numbered.
	wz.read.header.SetChecked(false)
	uitest.Settle(s.Wait)
	if len(wz.src.Rows) != 2 || wz.src.Header[0] != "Column 1" {
		t.Fatalf("no titles: header %v, %d rows", wz.src.Header, len(wz.src.Rows))
	}
	next(t, s, w)
	uitest.MustShow(t, w, "No column is mapped to First name, which is required.")
	if !uitest.Button(t, w, "Next").Disabled() {
		t.Error("Next is enabled while required fields are not mapped")
	}
}

func TestImportWizardLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 rows")
	}
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	const n = 100_000
	lines := []string{"Vorname;Nachname;E-Mail;Klasse"}
	for i := range n {
		email := fmt.Sprintf("juergen.gross%d@schule.example", i)
		if i == n-1 {
			email = "kaputt@"
		}
		lines = append(lines, fmt.Sprintf("Jürgen;Groß%d;%s;Klasse %d", i, email, i%40))
	}
	path := uitest.WriteCP1252(t, "gross.csv", lines...)
	s, wz, w := openWizard(t, st, svc)
	start := time.Now()
	wz.open(path)
	uitest.Settle(s.Wait)
	read := time.Since(start)
	next(t, s, w)
	start = time.Now()
	next(t, s, w)
	check := time.Since(start)
	t.Logf("read %v, check and show %v", read, check)
	if wz.check.rows() != n || wz.plan.Counts.Errors != 1 {
		t.Fatalf("check table has %d rows, counts %+v", wz.check.rows(), wz.plan.Counts)
	}
	uitest.MustShow(t, w, "99,999 valid · 1 error · 0 conflicts · 0 duplicates in the file", "Jürgen", "Groß0")
	// Scroll to the end as the mouse wheel does.
	scrolled := false
	uitest.Walk(wz.check.table, func(o fyne.CanvasObject) {
		if sc, ok := o.(fyne.Scrollable); ok && fmt.Sprintf("%T", o) == "*widget.Scroll" && !scrolled {
			// The window's painter lays out objects whose minimum size changed; the
			// test canvas does not paint, so lay the scroller out as it would.
			o.Refresh()
			sc.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.Delta{DY: -1e9}})
			scrolled = true
		}
	})
	uitest.MustShow(t, w, "Groß99999", "kaputt@", "error")
	wz.check.show.SetSelected("Rows with errors")
	if wz.check.rows() != 1 {
		t.Fatalf("error filter: %d rows", wz.check.rows())
	}
}

func TestImportWizardWorkbookSheet(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	var buf bytes.Buffer
	err := tabular.WriteXLSX(&buf, []tabular.Sheet{
		{Name: "Lehrer", Rows: [][]string{{"Vorname", "Nachname"}, {"Anna", "Müller"}}},
		{Name: "Schüler", Rows: [][]string{{"Vorname", "Nachname", "Klasse"}, {"Jürgen", "Groß", "5a"}, {"Łukasz", "Nowak", "5b"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "schule.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, wz, w := openWizard(t, st, svc)
	wz.open(path)
	uitest.Settle(s.Wait)
	// Several sheets: the wizard stays on the File step and asks which one.
	if wz.step != stepFile || !wz.file.sheets.Visible() || !slices.Equal(wz.file.sheet.Options, []string{"Lehrer", "Schüler"}) {
		t.Fatalf("step %d, sheet choice shown %v, options %v", wz.step+1, wz.file.sheets.Visible(), wz.file.sheet.Options)
	}
	uitest.MustShow(t, w, "This workbook has several sheets. Which one holds the users?", "schule.xlsx · 1 row · sheet “Lehrer”")
	wz.file.sheet.SetSelected("Schüler")
	uitest.Settle(s.Wait)
	if wz.src.Info.Sheet != "Schüler" || len(wz.src.Rows) != 2 || wz.src.Rows[1].Cells[0] != "Łukasz" {
		t.Fatalf("after choosing the sheet: %+v", wz.src)
	}
	uitest.MustShow(t, w, "schule.xlsx · 2 rows · sheet “Schüler”")
	next(t, s, w)
	if wz.read.csvForm.Visible() || !strings.Contains(wz.read.xlsxNote.Text, "sheet “Schüler”") {
		t.Errorf("the Read step of a workbook: csv form %v, note %q", wz.read.csvForm.Visible(), wz.read.xlsxNote.Text)
	}
	next(t, s, w)
	if wz.mapping[2] != importer.Units {
		t.Errorf("Klasse maps to %q", wz.mapping[2])
	}
}

// A list with one full-name column: the Check step shows the first and last name
// split from it beside it, and imports them.
func TestImportWizardShowsTheFullNameSplit(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	path := filepath.Join(t.TempDir(), "namen.csv")
	if err := os.WriteFile(path, []byte("Name;E-Mail;Klasse\nAnna Maria Schmidt;anna@schule.example;5a\nMüller, Jörg;joerg@schule.example;5a\nLena van der Berg;lena@schule.example;5b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, wz, w := openWizard(t, st, svc)
	wz.open(path)
	uitest.Settle(s.Wait)
	next(t, s, w) // Columns
	if !slices.Equal(wz.mapping, importer.Mapping{importer.FullName, importer.Email, importer.Units}) {
		t.Fatalf("mapping %v", wz.mapping)
	}
	next(t, s, w) // Check
	if wz.step != stepCheck {
		t.Fatalf("on step %d; shown %v", wz.step+1, uitest.Keys(uitest.Texts(w)))
	}
	var titles []string
	for _, c := range wz.check.cols {
		titles = append(titles, c.title)
	}
	if want := []string{"Line", "Full name", "First name (from full name)", "Last name (from full name)", "Email", "Units", "Username (new)", "Result"}; !slices.Equal(titles, want) {
		t.Fatalf("columns %q, want %q", titles, want)
	}
	uitest.MustShow(t, w, "Müller, Jörg", "Jörg", "Müller", "Anna Maria", "van der Berg")
}

// Dates that can be read day first or month first: the Check step asks, and the
// answer decides how they are read.
func TestImportWizardAsksTheDateOrder(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	path := filepath.Join(t.TempDir(), "us.csv")
	if err := os.WriteFile(path, []byte("First name,Last name,Valid until\nAnn,Lee,3/1/2027\nBob,Kim,4/2/2027\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, wz, w := openWizard(t, st, svc)
	wz.open(path)
	uitest.Settle(s.Wait)
	next(t, s, w) // Columns
	next(t, s, w) // Check
	if wz.step != stepCheck || wz.plan != nil || !wz.check.dateOrder.box.Visible() {
		t.Fatalf("step %d, plan %v, question shown %v", wz.step+1, wz.plan != nil, wz.check.dateOrder.box.Visible())
	}
	uitest.MustShow(t, w, "How are the dates written?")
	if !uitest.Button(t, w, "Next").Disabled() {
		t.Error("Next is enabled before the dates can be read")
	}
	wz.check.dateOrder.radio.SetSelected("Month first: 3/1/2027 is March 1, 2027")
	uitest.Settle(s.Wait)
	if wz.plan == nil || wz.check.err.Visible() || !wz.check.dateOrder.box.Visible() {
		t.Fatalf("after the answer: plan %v, error shown %v", wz.plan != nil, wz.check.err.Visible())
	}
	if got := wz.plan.Rows[0].Problems; len(got) > 0 {
		t.Fatalf("row 1: %+v", got)
	}
	uitest.MustShow(t, w, "3/1/2027")
	wz.check.dateOrder.radio.SetSelected("Day first: 3/1/2027 is 3 January 2027")
	uitest.Settle(s.Wait)
	if wz.plan == nil || wz.settings.DateOrder != importer.DayFirst {
		t.Fatalf("day first: %v %q", wz.plan != nil, wz.settings.DateOrder)
	}
}
