package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"onboard/data"
	"onboard/internal/demo"
	"onboard/internal/display"
	"onboard/internal/importer"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/internal/tabular"
)

// now is the clock of every test.
var now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// env is a store with the demo roles, units and groups.
type env struct {
	t     testing.TB
	ctx   context.Context
	store *data.Store
	svc   *lifecycle.Service
}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if _, err := demo.Fill(ctx, st, demo.Options{Users: 0, Now: now}); err != nil {
		t.Fatal(err)
	}
	svc := lifecycle.New(st, lifecycle.WithClock(func() time.Time { return now }), lifecycle.WithActor("test"))
	return &env{t: t, ctx: ctx, store: st, svc: svc}
}

func (e *env) roleID(name string) string {
	e.t.Helper()
	r, err := e.store.RoleByName(e.ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.ID
}

// Names in several scripts, and values a spreadsheet would take for formulas.
var (
	firstNames = []string{"Jürgen", "Łukasz", "Юлия", "Ayşe", "Zoë", "=Anna", "@Ben", "Ольга", "Chloé", "李娜", "-Dash", "+Plus"}
	lastNames  = []string{"Müller", "Łukasiewicz", "Иванова", "Yılmaz", "Groß", "O'Brien", "Öztürk", "=SUM(A1)", "@home", "Nguyễn", "Ng"}
	unitNames  = []string{"Klasse 5a", "Klasse 10b", "Büro München", "Отдел 1", "=Formel", "Şube İzmir"}
	groupNames = []string{"Chor", "@Team", "Łódź AG", "+Extra", "Sport"}
)

// fill stores n users through the lifecycle (not the importer): every 7th has no
// email, mobiles like "+49 170 1234567", external IDs with leading zeros or
// starting with = @ + - or a guard-like apostrophe, one or two units and zero to
// two groups.
func (e *env) fill(n int) {
	e.t.Helper()
	b := &lifecycle.ImportBatch{FileName: "seed", Format: "test"}
	unitIDs := make([]string, len(unitNames))
	for i, name := range unitNames {
		b.NewUnits = append(b.NewUnits, data.Unit{Row: data.Row{ID: data.NewID()}, Name: name})
		unitIDs[i] = b.NewUnits[i].ID
	}
	groupIDs := make([]string, len(groupNames))
	for i, name := range groupNames {
		b.NewGroups = append(b.NewGroups, data.Group{Row: data.Row{ID: data.NewID()}, Name: name})
		groupIDs[i] = b.NewGroups[i].ID
	}
	roles := []string{e.roleID("Student"), e.roleID("Teacher"), e.roleID("Staff")}
	for i := range n {
		in := lifecycle.UserInput{
			FirstName: firstNames[i%len(firstNames)],
			LastName:  lastNames[i%len(lastNames)],
			Username:  fmt.Sprintf("%s.%d", strings.ToLower(strings.Trim(firstNames[i%len(firstNames)], "=@+-")), i),
			RoleID:    roles[i%len(roles)],
			UnitIDs:   []string{unitIDs[i%len(unitIDs)]},
		}
		if i%7 != 0 {
			in.Email = fmt.Sprintf("user%04d@example.org", i)
		}
		switch i % 4 {
		case 0:
			in.Mobile = "+49 170 1234567"
		case 1:
			in.Mobile = fmt.Sprintf("0170 %07d", i)
		case 2:
			in.Mobile = fmt.Sprintf("+44 (20) %04d-%04d", i, i)
		}
		switch i % 5 {
		case 0:
			in.ExternalID = fmt.Sprintf("%06d", i)
		case 1:
			in.ExternalID = fmt.Sprintf("=%d+1", i)
		case 2:
			in.ExternalID = fmt.Sprintf("@%d", i)
		case 3:
			in.ExternalID = fmt.Sprintf("'=%d", i) // looks like a guarded value
		}
		if i%3 == 0 {
			in.UnitIDs = append(in.UnitIDs, unitIDs[(i+1)%len(unitIDs)])
		}
		for g := range i % 3 {
			in.GroupIDs = append(in.GroupIDs, groupIDs[(i+g)%len(groupIDs)])
		}
		if i == 1 {
			in.Username = "-dash" // a username a spreadsheet would take for a formula
		}
		b.Create = append(b.Create, lifecycle.ImportCreate{Row: i, In: in})
	}
	if _, err := e.svc.Import(e.ctx, b, nil); err != nil {
		e.t.Fatal(err)
	}
}

// users lists every user of the store by username.
func (e *env) users() map[string]data.UserRow {
	e.t.Helper()
	rows, err := e.store.ListUsers(e.ctx, data.UserQuery{}, now)
	if err != nil {
		e.t.Fatal(err)
	}
	m := make(map[string]data.UserRow, len(rows))
	for _, r := range rows {
		m[r.Username] = r
	}
	return m
}

// importFile imports path into the store the way `onboard import FILE` does:
// importer.Load, AutoMap, Check, Commit.
func (e *env) importFile(path string) *importer.Report {
	e.t.Helper()
	src, err := importer.Load(e.ctx, path, tabular.Options{}, true, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	mapping := importer.AutoMap(src.Header)
	want := importer.Mapping{
		importer.FirstName, importer.LastName, importer.Email, importer.Username, importer.Mobile,
		importer.ExternalID, importer.Role, importer.Units, importer.Groups, importer.Ignore, importer.Ignore,
	}
	if !slices.Equal(mapping, want) || src.Above != 0 {
		e.t.Fatalf("header %q maps to %q (%d lines above); want %q", src.Header, mapping, src.Above, want)
	}
	plan, err := importer.Check(e.ctx, e.store, src, importer.Settings{Mapping: mapping}, now)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range plan.Rows {
		if r := &plan.Rows[i]; r.Action != importer.Create {
			e.t.Fatalf("line %d: %s: %s %+v", r.Line, r.Action, r.Reason, r.Problems)
		}
	}
	rep, err := importer.Commit(e.ctx, e.svc, plan, false, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

// names splits a list of unit or group names as ListUsers joins them, sorted.
func names(list string) []string {
	if list == "" {
		return nil
	}
	out := strings.Split(list, ", ")
	slices.Sort(out)
	return out
}

// sameUsers compares every imported field of the users of two stores.
func sameUsers(t *testing.T, want, got map[string]data.UserRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d users, want %d", len(got), len(want))
	}
	bad := 0
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("user %q is missing", name)
		case g.FirstName != w.FirstName || g.LastName != w.LastName || g.Email != w.Email || g.Username != w.Username ||
			g.Mobile != w.Mobile || g.ExternalID != w.ExternalID || g.Role != w.Role ||
			!slices.Equal(names(g.Units), names(w.Units)) || !slices.Equal(names(g.Groups), names(w.Groups)):
			t.Errorf("user %q:\n got %q %q %q %q %q %q %q [%s] [%s]\nwant %q %q %q %q %q %q %q [%s] [%s]", name,
				g.FirstName, g.LastName, g.Email, g.Username, g.Mobile, g.ExternalID, g.Role, g.Units, g.Groups,
				w.FirstName, w.LastName, w.Email, w.Username, w.Mobile, w.ExternalID, w.Role, w.Units, w.Groups)
		default:
			continue
		}
		if bad++; bad == 5 {
			t.Fatal("and more")
		}
	}
}

// progressLog records the calls of a progress callback.
type progressLog [][2]int

func (p *progressLog) add(done, total int) { *p = append(*p, [2]int{done, total}) }

func TestThousandUsersImportBackUnchanged(t *testing.T) {
	src := newEnv(t)
	src.fill(1000)
	want := src.users()
	if len(want) != 1000 {
		t.Fatalf("seeded %d users", len(want))
	}
	for _, format := range []Format{CSV, XLSX} {
		t.Run(string(format), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users."+string(format))
			var log progressLog
			n, err := Users(src.ctx, src.store, data.UserQuery{}, nil, now, path, format, log.add, withPageSize(300))
			if err != nil || n != 1000 {
				t.Fatalf("Users: %d, %v", n, err)
			}
			if wantLog := (progressLog{{300, 1000}, {600, 1000}, {900, 1000}, {1000, 1000}, {1000, 1000}}); !slices.Equal(log, wantLog) {
				t.Errorf("progress %v, want %v", log, wantLog)
			}
			checkFile(t, path, format)
			dst := newEnv(t)
			if rep := dst.importFile(path); !strings.HasPrefix(rep.Summary(), "1000 created, 0 updated, 0 skipped, 0 failed") {
				t.Errorf("import: %s", rep.Summary())
			}
			sameUsers(t, want, dst.users())
		})
	}
}

// checkFile checks what a spreadsheet sees in an export of the users of fill.
func checkFile(t *testing.T, path string, format Format) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if format == CSV {
		head := "\ufefffirst_name,last_name,email,username,mobile,external_id,role,units,groups,status,key_valid_until\n"
		for _, want := range []string{head, ",'+49 170 1234567,000000,", ",'-dash,", "'=Anna", "'@Ben", ",''=3,", "Łukasiewicz", "Юлия", "Yılmaz"} {
			if !bytes.Contains(raw, []byte(want)) {
				t.Errorf("the CSV lacks %q:\n%.600s", want, raw)
			}
		}
		return
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	// Sorted by name: row 2 is an "=SUM(A1)" last name; "000000" belongs to user 0.
	for _, r := range rows {
		if len(r) > 5 && r[3] == "jürgen.0" && (r[4] != "+49 170 1234567" || r[5] != "000000") {
			t.Errorf("user 0: %q", r)
		}
	}
	for cell, want := range map[string]string{"A1": "first_name", "K1": "key_valid_until", "L1": ""} {
		if v, _ := f.GetCellValue(SheetName, cell); v != want {
			t.Errorf("%s = %q, want %q", cell, v, want)
		}
	}
	for i, r := range rows[1:] {
		for c, v := range r {
			ref, _ := excelize.CoordinatesToCellName(c+1, i+2)
			if formula, _ := f.GetCellFormula(SheetName, ref); formula != "" {
				t.Fatalf("%s holds the formula %q", ref, formula)
			}
			if typ, _ := f.GetCellType(SheetName, ref); v != "" && typ != excelize.CellTypeInlineString {
				t.Fatalf("%s = %q is of type %v, not text", ref, v, typ)
			}
		}
	}
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestCancelledExportLeavesNoFileAndAnExistingFileUnchanged(t *testing.T) {
	e := newEnv(t)
	e.fill(1000)
	for _, format := range []Format{CSV, XLSX} {
		// Cancelled between two pages, and after the last page (of 100 users)
		// while the file is being finished (the workbook zipped, the CSV flushed).
		for _, at := range []int{600, 1000} {
			t.Run(fmt.Sprintf("%s/at%d", format, at), func(t *testing.T) {
				dir := t.TempDir()
				old := filepath.Join(dir, "old."+string(format))
				if err := os.WriteFile(old, []byte("the previous export\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				for _, path := range []string{old, filepath.Join(dir, "new."+string(format))} {
					ctx, cancel := context.WithCancel(e.ctx)
					var log progressLog
					n, err := Users(ctx, e.store, data.UserQuery{}, nil, now, path, format, func(done, total int) {
						log.add(done, total)
						if done >= at {
							cancel()
						}
					}, withPageSize(300))
					cancel()
					if !errors.Is(err, context.Canceled) || n != 0 || !strings.Contains(err.Error(), "cancelled") {
						t.Fatalf("%s: %d users, %v; want cancelled", path, n, err)
					}
					if last := log[len(log)-1]; last[0] != at {
						t.Errorf("%s: progress went on to %v after the cancel at %d", path, last, at)
					}
				}
				if got, _ := os.ReadFile(old); string(got) != "the previous export\n" {
					t.Errorf("the existing file became %.100q", got)
				}
				if names := dirNames(t, dir); !slices.Equal(names, []string{"old." + string(format)}) {
					t.Errorf("files left: %q", names)
				}
			})
		}
	}
}

// failingStore fails after reading the first 150 users.
type failingStore struct{ *data.Store }

func (f failingStore) EachUser(ctx context.Context, q data.UserQuery, now time.Time, fn func(*data.UserRow) error) error {
	n := 0
	return f.Store.EachUser(ctx, q, now, func(r *data.UserRow) error {
		if n++; n > 150 {
			return errors.New("list users: disk I/O error")
		}
		return fn(r)
	})
}

func TestFailedExportLeavesAnExistingFileUnchanged(t *testing.T) {
	e := newEnv(t)
	e.fill(250)
	for _, format := range []Format{CSV, XLSX} {
		dir := t.TempDir()
		path := filepath.Join(dir, "users."+string(format))
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		n, err := Users(e.ctx, failingStore{e.store}, data.UserQuery{}, nil, now, path, format, nil, withPageSize(100))
		if err == nil || n != 0 || !strings.Contains(err.Error(), "disk I/O error") {
			t.Errorf("%s: %d, %v; want the store's error", format, n, err)
		}
		if got, _ := os.ReadFile(path); string(got) != "old" || len(dirNames(t, dir)) != 1 {
			t.Errorf("%s: the file became %.50q; files %q", format, got, dirNames(t, dir))
		}
	}
	// A folder that does not exist is an error naming the file.
	bad := filepath.Join(t.TempDir(), "missing", "users.csv")
	if _, err := Users(e.ctx, e.store, data.UserQuery{}, nil, now, bad, CSV, nil); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("missing folder: %v", err)
	}
	if _, err := Users(e.ctx, e.store, data.UserQuery{}, nil, now, filepath.Join(t.TempDir(), "x.ods"), "ods", nil); err == nil {
		t.Error("format ods: no error")
	}
}

// readCSV reads an exported CSV (without its BOM).
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	tab, err := tabular.ReadAll(context.Background(), path, tabular.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !tab.Info.BOM || tab.Info.Encoding != "utf-8" || tab.Info.Delimiter != ',' {
		t.Errorf("read as %+v; want UTF-8 with BOM, comma", tab.Info)
	}
	var out [][]string
	for _, r := range tab.Rows {
		out = append(out, r.Cells)
	}
	return out
}

func TestSelectionFiltersOrderAndKeys(t *testing.T) {
	e := newEnv(t)
	e.fill(60)
	all, err := e.store.ListUsers(e.ctx, data.UserQuery{Sort: data.SortUsername, Desc: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	// The selection, in no order, with a user that is gone; Offset and Limit of the
	// screen's page do not count.
	ids := []string{all[40].ID, all[3].ID, "no-such-user", all[17].ID}
	q := data.UserQuery{Sort: data.SortUsername, Desc: true, Offset: 20, Limit: 10}
	path := filepath.Join(t.TempDir(), "sel.csv")
	var log progressLog
	n, err := Users(e.ctx, e.store, q, ids, now, path, CSV, log.add, WithKeys(true), withPageSize(7))
	if err != nil || n != 3 {
		t.Fatalf("Users: %d, %v", n, err)
	}
	if !slices.Equal(log, progressLog{{1, 4}, {2, 4}, {3, 4}, {3, 3}}) {
		t.Errorf("progress %v", log)
	}
	recs := readCSV(t, path)
	if h := recs[0]; len(h) != 12 || h[11] != "key" {
		t.Fatalf("header %q; want the key column last", h)
	}
	for i, u := range []data.UserRow{all[3], all[17], all[40]} {
		r := recs[i+1]
		if r[3] != tabular.SafeCell(u.Username) || r[9] != string(u.Status) || r[11] != u.Key || u.Key == "" {
			t.Errorf("row %d: %q; want %s with key %s", i+1, r, u.Username, u.Key)
		}
	}

	// A filter of the query; no keys unless asked for; an empty selection.
	unit, err := e.store.UnitByName(e.ctx, "Отдел 1")
	if err != nil {
		t.Fatal(err)
	}
	n, err = Users(e.ctx, e.store, data.UserQuery{UnitIDs: []string{unit.ID}}, nil, now, path, CSV, nil)
	wantN, _ := e.store.CountUsers(e.ctx, data.UserQuery{UnitIDs: []string{unit.ID}}, now)
	if recs = readCSV(t, path); err != nil || n != wantN || n == 0 || len(recs) != n+1 || len(recs[0]) != 11 {
		t.Fatalf("unit filter: %d users (want %d), %v, %d rows, header %q", n, wantN, err, len(recs), recs[0])
	}
	for _, r := range recs[1:] {
		if !strings.Contains(r[7], "Отдел 1") {
			t.Errorf("user %s is not in the unit: %q", r[3], r[7])
		}
	}
	n, err = Users(e.ctx, e.store, data.UserQuery{}, []string{}, now, path, XLSX, nil)
	if err != nil || n != 0 {
		t.Fatalf("empty selection: %d, %v", n, err)
	}
	tab, err := tabular.ReadAll(e.ctx, path, tabular.Options{}, nil)
	if err != nil || len(tab.Rows) != 1 || tab.Rows[0].Cells[0] != "first_name" {
		t.Fatalf("empty selection: %v %+v", err, tab)
	}
}

func TestParseFormatAndHeader(t *testing.T) {
	for in, want := range map[string]Format{"csv": CSV, " XLSX ": XLSX} {
		if f, err := ParseFormat(in); err != nil || f != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, f, err)
		}
	}
	if _, err := ParseFormat("ods"); err == nil || !strings.Contains(err.Error(), `"ods"`) {
		t.Errorf("ParseFormat(ods): %v", err)
	}
	if h := Header(false); len(h) != 11 || slices.Contains(h, "key") {
		t.Errorf("Header(false) = %q", h)
	}
	// Every column but the three that describe the user's state maps to its field.
	m := importer.AutoMap(Header(true))
	for i, title := range Header(true) {
		ignored := title == "status" || title == "key_valid_until" || title == "key"
		if (m[i] == importer.Ignore) != ignored || (!ignored && string(m[i]) != title) {
			t.Errorf("column %q maps to %q", title, m[i])
		}
	}
}

func TestTheFileDoesNotDependOnTheWindowsLanguage(t *testing.T) {
	e := newEnv(t)
	e.fill(3)
	path := filepath.Join(t.TempDir(), "u.csv")
	display.SetLanguage("de") // the window in German writes "07.12.2026 09:00"
	defer display.SetLanguage("en")
	if _, err := Users(e.ctx, e.store, data.UserQuery{}, nil, now, path, CSV, nil); err != nil {
		t.Fatal(err)
	}
	want := now.AddDate(0, 0, settings.DefaultValidDays).Local().Format("2006-01-02 15:04")
	for _, r := range readCSV(t, path)[1:] {
		if r[10] != want {
			t.Errorf("key_valid_until %q, want %q", r[10], want)
		}
	}
}
