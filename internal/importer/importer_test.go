package importer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"onboard/data"
	"onboard/internal/demo"
	"onboard/internal/lifecycle"
	"onboard/internal/tabular"
)

// now is the clock of every test: validity dates are judged against it.
var now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// env is a store with the demo roles, units and groups and no users.
type env struct {
	t     testing.TB
	store *data.Store
	svc   *lifecycle.Service
	ctx   context.Context
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
	return &env{t: t, store: st, svc: lifecycle.New(st, lifecycle.WithClock(func() time.Time { return now }), lifecycle.WithActor("test")), ctx: ctx}
}

// file writes content to a new file named name and returns its path.
func (e *env) file(name string, content []byte) string {
	e.t.Helper()
	p := filepath.Join(e.t.TempDir(), name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// roleID returns the ID of a demo role.
func (e *env) roleID(name string) string {
	e.t.Helper()
	r, err := e.store.RoleByName(e.ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.ID
}

// plan loads path with a header and checks it under s (the mapping is filled in
// automatically when s has none).
func (e *env) plan(path string, s Settings) *Plan {
	e.t.Helper()
	src, err := Load(e.ctx, path, tabular.Options{}, true, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if s.Mapping == nil {
		s.Mapping = AutoMap(src.Header)
	}
	p, err := Check(e.ctx, e.store, src, s, now)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// createUser stores one user through the lifecycle, as an admin would.
func (e *env) createUser(first, last, email, username, externalID string) *data.User {
	e.t.Helper()
	unit, _ := e.store.UnitByName(e.ctx, "Class 5a")
	c, err := e.svc.CreateUser(e.ctx, lifecycle.UserInput{
		FirstName: first, LastName: last, Email: email,
		Username: username, ExternalID: externalID, RoleID: e.roleID("Student"), UnitIDs: []string{unit.ID},
	}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.User
}

func (e *env) userCount() int {
	e.t.Helper()
	n, err := e.store.CountAllUsers(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// userByEmail finds a stored user by email.
func (e *env) userByEmail(email string) *data.User {
	e.t.Helper()
	u, err := e.store.UserHolding(e.ctx, data.FieldEmail, email, "")
	if err != nil {
		e.t.Fatalf("user %s: %v", email, err)
	}
	return u
}

func cp1252(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPackedValuesHoldEveryField: a row's packed values have a place for every
// field, and give back what was packed.
func TestPackedValuesHoldEveryField(t *testing.T) {
	if len(Fields) != numFields {
		t.Fatalf("numFields is %d, Fields has %d", numFields, len(Fields))
	}
	var vals [numFields]string
	for i := range vals {
		vals[i] = strings.Repeat("ü", i%3) + Fields[i].Label
	}
	vals[3] = ""
	packed := packValues(&vals)
	if got := packed.unpack(); *got != vals {
		t.Fatalf("unpacked %q, packed %q", got, vals)
	}
}

func TestAutoMapSynonymsInAnyOrderAndCase(t *testing.T) {
	got := AutoMap([]string{"E-MAIL", "nachname", "\ufeffVorname", "Klasse", "Bemerkung", "Schüler-ID", "Handy", "Login", "Gruppen", "Foo"})
	want := Mapping{Email, LastName, FirstName, Units, Notes, ExternalID, Mobile, Username, Groups, Ignore}
	// "Schüler-ID" (ASV, SchILD) is a synonym, as "Schülernummer" is.
	if !slices.Equal(got, want) {
		t.Fatalf("AutoMap = %v, want %v", got, want)
	}
	got = AutoMap([]string{"Given name", "Surname", "Email address", "External ID", "Class", "Role", "Mobile phone"})
	want = Mapping{FirstName, LastName, Email, ExternalID, Units, Role, Mobile}
	if !slices.Equal(got, want) {
		t.Fatalf("AutoMap = %v, want %v", got, want)
	}
}

func TestMappingProblemsAndSpec(t *testing.T) {
	header := []string{"Vorname", "Mail", "Notiz"}
	m := AutoMap(header)
	probs := m.Problems(header)
	if len(probs) != 1 || !strings.Contains(probs[0], "Last name") {
		t.Fatalf("problems = %v, want last name missing", probs)
	}
	m, err := m.ApplySpec("notiz=last_name, 2=ignore", header)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m, Mapping{FirstName, Ignore, LastName}) || len(m.Problems(header)) != 0 {
		t.Fatalf("after spec: %v %v", m, m.Problems(header))
	}
	if _, err := m.ApplySpec("Telefon=mobile", header); err == nil || !strings.Contains(err.Error(), `no column "Telefon"`) {
		t.Fatalf("unknown column: %v", err)
	}
	if _, err := m.ApplySpec("Mail=phone", header); err == nil || !strings.Contains(err.Error(), `unknown field "phone"`) {
		t.Fatalf("unknown field: %v", err)
	}
}

func TestTitleLinesAboveTheHeaderAndEmptyTitles(t *testing.T) {
	e := newEnv(t)
	path := e.file("t.csv", []byte("Schülerliste Klasse 5a;;\nStand: 01.09.2026;;\n\nName;Vorname;;E-Mail\nMüller;Anna;x;anna@example.org\n"))
	src, err := Load(e.ctx, path, tabular.Options{}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if src.Above != 2 || !slices.Equal(src.Header, []string{"Name", "Vorname", "Column 3", "E-Mail"}) || len(src.Rows) != 1 || src.Rows[0].Line != 5 {
		t.Fatalf("above %d, header %q, %d rows", src.Above, src.Header, len(src.Rows))
	}
	if m := AutoMap(src.Header); !slices.Equal(m, Mapping{LastName, FirstName, Ignore, Email}) {
		t.Fatalf("mapping %v", m)
	}
	// A first row that names fields stays the header.
	path = e.file("u.csv", []byte("Vorname,Nachname\nFirst name,Last name\n"))
	if src, _ := Load(e.ctx, path, tabular.Options{}, true, nil); src.Above != 0 || len(src.Rows) != 1 {
		t.Fatalf("above %d, %d rows", src.Above, len(src.Rows))
	}
}

func TestMissingRequiredColumnIsAnError(t *testing.T) {
	e := newEnv(t)
	path := e.file("x.csv", []byte("Vorname,E-Mail\nAnna,anna@example.org\n"))
	src, err := Load(e.ctx, path, tabular.Options{}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Check(e.ctx, e.store, src, Settings{Mapping: AutoMap(src.Header), RoleID: e.roleID("Student")}, now)
	if !errors.Is(err, ErrMapping) || !strings.Contains(err.Error(), "Last name") {
		t.Fatalf("Check = %v, want a mapping error naming Last name", err)
	}
}

// The case of the issue: a semicolon Windows-1252 file from German Excel with one
// conflict and one invalid row.
func TestSemicolonWindows1252WithConflictAndInvalidRow(t *testing.T) {
	e := newEnv(t)
	e.createUser("Jörg", "Weiß", "joerg.weiss@example.org", "", "")
	content := "Vorname;Nachname;E-Mail;Klasse;Externe ID\r\n" +
		"Jürgen;Groß;juergen.gross@example.org;Class 5a;A-1\r\n" +
		"Zoë;Schäfer;zoe@example;Class 5b;A-2\r\n" + // invalid email
		"Jörg;Weiß;JOERG.WEISS@example.org;Class 5a;A-3\r\n" + // conflict
		"Ömer;Öztürk;oemer@example.org;Klasse 9€;A-4\r\n"
	path := e.file("schueler.csv", cp1252(t, content))
	p := e.plan(path, Settings{RoleID: e.roleID("Student")})

	want := Counts{Rows: 4, Valid: 3, Errors: 1, Conflicts: 1, Create: 2, Skip: 1, Fail: 1}
	if p.Counts != want {
		t.Fatalf("counts = %+v, want %+v", p.Counts, want)
	}
	bad := p.Rows[1]
	if bad.Line != 3 || bad.ProblemIn(2) == "" || !strings.Contains(bad.Reason, `"E-Mail"`) {
		t.Fatalf("invalid row: line %d, problem in email column %q, reason %q", bad.Line, bad.ProblemIn(2), bad.Reason)
	}
	if c := p.Rows[2].Conflict; c == nil || c.Name != "Jörg Weiß" || !slices.Equal(c.On, []Field{Email}) {
		t.Fatalf("conflict = %+v", c)
	}
	if len(p.NewUnits) != 1 || p.NewUnits[0].Name != "Klasse 9€" {
		t.Fatalf("new units = %+v", p.NewUnits)
	}

	before := e.userCount()
	if _, err := Commit(e.ctx, e.svc, p, false, nil); !errors.Is(err, ErrRowsFailed) {
		t.Fatalf("commit with an invalid row = %v, want ErrRowsFailed", err)
	}
	if e.userCount() != before {
		t.Fatal("a refused commit wrote users")
	}
	rep, err := Commit(e.ctx, e.svc, p, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 2 || rep.Skipped != 1 || rep.Failed != 1 || rep.Updated != 0 {
		t.Fatalf("report: %s", rep.Summary())
	}
	u := e.userByEmail("juergen.gross@example.org")
	if u.FirstName != "Jürgen" || u.LastName != "Groß" || u.ExternalID != "A-1" || u.Username != "juergen.gross" {
		t.Fatalf("stored user: %+v", u)
	}
	if k, err := e.store.LiveKey(e.ctx, u.ID); err != nil || k.Key != rep.Rows[0].Key {
		t.Fatalf("key: %v, %v", k, err)
	}
	if units, _ := e.store.UnitCounts(e.ctx); !slices.ContainsFunc(units, func(c data.CatalogCount) bool { return c.Name == "Klasse 9€" && c.Users == 1 }) {
		t.Fatalf("new unit not created with its user: %+v", units)
	}
	ims, err := e.store.Imports(e.ctx)
	if err != nil || len(ims) != 1 || ims[0].FileName != "schueler.csv" || ims[0].Created != 2 || ims[0].Failed != 1 || ims[0].Skipped != 1 {
		t.Fatalf("import record: %+v %v", ims, err)
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(buf.String()), "\n"); len(lines) != 5 || !strings.HasPrefix(lines[2], "3,failed,Zoë Schäfer") {
		t.Fatalf("report CSV:\n%s", buf.String())
	}
}

func TestDuplicatesInsideTheFile(t *testing.T) {
	e := newEnv(t)
	path := e.file("dup.csv", []byte("First name,Last name,Email,Notes\n"+
		"Anna,Müller,Anna@Example.org,\n"+
		"Anna,Mueller,anna@example.ORG,second\n"+
		"Ben,Weber,ben@example.org,\n"))
	p := e.plan(path, Settings{RoleID: e.roleID("Student"), UnitIDs: []string{e.unitID("Class 5a")}})
	if p.Counts.Duplicates != 1 || p.Rows[1].DuplicateOf != 0 || p.Rows[1].Action != Skips || p.Counts.Create != 2 {
		t.Fatalf("counts %+v, row 2: %+v", p.Counts, p.Rows[1])
	}
	if p.Collision(&p.Rows[1]) != "same email as line 2" {
		t.Fatalf("collision %q", p.Collision(&p.Rows[1]))
	}
	if !strings.Contains(p.Rows[1].Reason, "same email as line 2") {
		t.Fatalf("reason %q", p.Rows[1].Reason)
	}
	// Update merges the later row into the first.
	p = e.plan(path, Settings{RoleID: e.roleID("Student"), UnitIDs: []string{e.unitID("Class 5a")}, OnConflict: Update})
	if p.Rows[0].Value(Notes) != "second" || p.Rows[0].Value(LastName) != "Mueller" || p.Rows[1].Action != Skips {
		t.Fatalf("merge: %+v / %+v", p.Rows[0].values.unpack(), p.Rows[1])
	}
	if _, err := Commit(e.ctx, e.svc, p, false, nil); err != nil {
		t.Fatal(err)
	}
	if e.userCount() != 2 || e.userByEmail("anna@example.org").Notes != "second" {
		t.Fatalf("%d users; Anna: %+v", e.userCount(), e.userByEmail("anna@example.org"))
	}
}

func (e *env) unitID(name string) string {
	e.t.Helper()
	u, err := e.store.UnitByName(e.ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

func TestConflictResolutions(t *testing.T) {
	e := newEnv(t)
	old := e.createUser("Anna", "Alt", "anna@example.org", "anna", "X1")
	e.createUser("Ben", "Weber", "ben@example.org", "bweber", "")
	path := e.file("c.csv", []byte("Vorname,Nachname,E-Mail,Benutzername,Externe ID,Mobil\n"+
		"Anna,Neu,anna@example.org,,X1,+49 151 111111\n"+ // same user by email and external ID
		"Bernd,Weber,bernd@example.org,bweber,,\n"+ // username only
		"Carla,Cruz,ben@example.org,anna,,\n")) // email of Ben, username of Anna: two users
	set := Settings{RoleID: e.roleID("Teacher"), UnitIDs: []string{e.unitID("Class 5b")}}

	set.OnConflict = Fail
	p := e.plan(path, set)
	if p.Counts.Fail != 3 || p.Counts.Conflicts != 3 {
		t.Fatalf("fail: %+v", p.Counts)
	}
	if !strings.Contains(p.Rows[2].Reason, "2 different users") {
		t.Fatalf("two users: %q", p.Rows[2].Reason)
	}
	if p.Rows[0].Reason != "email and external ID already used by Anna Alt" || p.Collision(&p.Rows[0]) != p.Rows[0].Reason {
		t.Fatalf("reason %q, collision %q", p.Rows[0].Reason, p.Collision(&p.Rows[0]))
	}

	set.OnConflict = Rename
	p = e.plan(path, set)
	if p.Rows[1].Action != Create || p.Rows[1].Username != "bweber2" || p.Rows[0].Action != Fails {
		t.Fatalf("rename: %+v / %+v", p.Rows[1], p.Rows[0])
	}

	set.OnConflict = Update
	set.PerRow = map[int]Resolution{1: Rename, 2: Skip}
	p = e.plan(path, set)
	if p.Rows[0].Action != Updates || p.Rows[0].UserID != old.ID || p.Rows[1].Action != Create || p.Rows[2].Action != Skips {
		t.Fatalf("per row: %v %v %v", p.Rows[0].Action, p.Rows[1].Action, p.Rows[2].Action)
	}
	rep, err := Commit(e.ctx, e.svc, p, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 1 || rep.Updated != 1 || rep.Skipped != 1 {
		t.Fatalf("report: %s", rep.Summary())
	}
	u, err := e.store.UserByID(e.ctx, old.ID)
	if err != nil || u.LastName != "Neu" || u.Mobile != "+49 151 111111" || u.RoleID != old.RoleID || u.Username != "anna" {
		t.Fatalf("updated user: %+v %v", u, err)
	}
	units, _ := e.store.UserUnitIDs(e.ctx, old.ID)
	if len(units) != 2 {
		t.Fatalf("updated user's units %v: want the old one and Class 5b", units)
	}
}

func TestEditRowInPlace(t *testing.T) {
	e := newEnv(t)
	path := e.file("e.csv", []byte("Vorname,Nachname,E-Mail\nAnna,Müller,anna(at)example.org\n"))
	set := Settings{RoleID: e.roleID("Student"), UnitIDs: []string{e.unitID("Class 5a")}}
	if p := e.plan(path, set); p.Counts.Errors != 1 {
		t.Fatalf("before the edit: %+v", p.Counts)
	}
	set.Edits = map[int]map[Field]string{0: {Email: " anna@example.org "}}
	p := e.plan(path, set)
	if p.Counts.Errors != 0 || p.Rows[0].Value(Email) != "anna@example.org" {
		t.Fatalf("after the edit: %+v %q", p.Counts, p.Rows[0].Value(Email))
	}
}

func TestRaggedRowsAndBlankLines(t *testing.T) {
	e := newEnv(t)
	path := e.file("r.csv", []byte("Vorname;Nachname;E-Mail\n\nAnna;Müller;a@example.org;;\n  Ben ;  Weber;b@example.org;extra\n\nCara;Cruz\n"))
	p := e.plan(path, Settings{RoleID: e.roleID("Student"), UnitIDs: []string{e.unitID("Class 5a")}})
	if len(p.Rows) != 3 {
		t.Fatalf("%d rows", len(p.Rows))
	}
	if len(p.Rows[0].Problems) != 0 {
		t.Fatalf("trailing empty cells are no problem: %v", p.Rows[0].Problems)
	}
	if p.Rows[1].Line != 4 || !strings.Contains(p.Rows[1].Reason, "4 cells but the header has 3") {
		t.Fatalf("long row: line %d %q", p.Rows[1].Line, p.Rows[1].Reason)
	}
	if p.Rows[1].Value(FirstName) != "Ben" || p.Rows[1].Value(LastName) != "Weber" {
		t.Fatalf("cells not trimmed: %q", p.Rows[1].values.unpack())
	}
	if p.Rows[2].Line != 6 || !strings.Contains(p.Rows[2].Reason, "2 cells but the header has 3") {
		t.Fatalf("short row: line %d %q", p.Rows[2].Line, p.Rows[2].Reason)
	}
}

func TestRoleUnitsGroupsAndValidity(t *testing.T) {
	e := newEnv(t)
	path := e.file("v.csv", []byte("Vorname,Nachname,Rolle,Klasse,Gruppen,Gültig bis\n"+
		"Anna,Müller,teacher,Class 5a; Class 6a,Choir,2026-12-31\n"+
		"Ben,Weber,Chef,Class 5a,,\n"+
		"Cara,Cruz,,Class 5a,,31.12.2025\n"+
		"Dan,Dorn,,Class 5a,,46037\n"+ // an Excel date serial
		"Eva,Ernst,,Class 5a,,03/04/2027\n"))
	p := e.plan(path, Settings{})
	r := p.Rows[0]
	if r.roleID != e.roleID("Teacher") || len(r.unitIDs) != 2 || len(r.groupIDs) != 1 || r.validUntil == nil ||
		r.validUntil.Format("2006-01-02 15:04:05") != "2026-12-31 23:59:59" {
		t.Fatalf("row 1: %+v", r)
	}
	if !strings.Contains(p.Rows[1].Reason, `unknown role "Chef" (roles: `) {
		t.Fatalf("row 2: %q", p.Rows[1].Reason)
	}
	if p.Rows[2].Reason != `"Gültig bis": 2025-12-31 is in the past` {
		t.Fatalf("row 3: %q", p.Rows[2].Reason)
	}
	if !strings.Contains(p.Rows[3].Reason, "2026-01-15 is in the past") {
		t.Fatalf("row 4 (Excel serial 46037 is 2026-01-15): %q", p.Rows[3].Reason)
	}
	// The column writes 31.12.2025 day first, so 03/04/2027 is 3 April.
	if r := p.Rows[4]; len(r.Problems) > 0 || r.validUntil == nil || r.validUntil.Format("2006-01-02") != "2027-04-03" {
		t.Fatalf("row 5 (day first like the column): %q %v", r.Reason, r.validUntil)
	}
	for in, want := range map[string]string{
		"46053": "2026-01-31", "15/01/2027": "2027-01-15", "01/15/2027": "2027-01-15",
		"2027-01-15 00:00": "2027-01-15", "5.2.2027": "2027-02-05",
	} {
		d, ok := parseDate(in, "")
		if !ok || d.Format("2006-01-02") != want {
			t.Errorf("parseDate(%q) = %v %v, want %s", in, d, ok, want)
		}
	}
}

func TestRowsWithoutRoleOrUnitWaitForTheImportsChoice(t *testing.T) {
	e := newEnv(t)
	path := e.file("n.csv", []byte("Vorname,Nachname,Rolle,Klasse\nAnna,Müller,,\nBen,Weber,Teacher,\nCara,Cruz,,Class 5a\n"))
	p := e.plan(path, Settings{})
	if p.Counts.Errors != 0 || p.Counts.NeedRole != 2 || p.Counts.NeedUnit != 2 || !p.Rows[0].NeedsRole() || p.Rows[1].NeedsRole() {
		t.Fatalf("counts %+v", p.Counts)
	}
	if m := p.Missing(); m != "2 rows name no role: choose a role for the import; 2 rows name no unit: choose a unit for the import" {
		t.Fatalf("missing: %q", m)
	}
	if _, err := Commit(e.ctx, e.svc, p, true, nil); !errors.Is(err, ErrNeedsChoice) || e.userCount() != 0 {
		t.Fatalf("commit without role and unit: %v, %d users", err, e.userCount())
	}
	p = e.plan(path, Settings{RoleID: e.roleID("Student"), UnitIDs: []string{e.unitID("Class 6a")}})
	if p.Missing() != "" || p.Counts.Create != 3 {
		t.Fatalf("with role and unit: %+v", p.Counts)
	}
	if _, err := Commit(e.ctx, e.svc, p, false, nil); err != nil {
		t.Fatal(err)
	}
	ben, _ := e.store.UsersHolding(e.ctx, nil, []string{"ben.weber"}, nil)
	if len(ben) != 1 {
		t.Fatalf("ben: %+v", ben)
	}
	if u, _ := e.store.UserByID(e.ctx, ben[0].ID); u.RoleID != e.roleID("Teacher") {
		t.Fatal("the row's own role lost to the import's")
	}
}

func TestCancelledCommitLeavesStoreUnchanged(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("Vorname,Nachname,E-Mail,Klasse\n")
	for i := range 5000 {
		b.WriteString("Anna,Müller," + "a" + strings.Repeat("x", i%7) + "." + strconv.Itoa(i) + "@example.org,Neue Klasse\n")
	}
	path := e.file("big.csv", []byte(b.String()))
	p := e.plan(path, Settings{RoleID: e.roleID("Student")})
	if p.Counts.Create != 5000 {
		t.Fatalf("counts %+v", p.Counts)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	_, err := Commit(ctx, e.svc, p, false, func(done, total int) {
		if done >= 2000 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("commit = %v, want cancelled", err)
	}
	if n := e.userCount(); n != 0 {
		t.Fatalf("%d users after a cancelled import", n)
	}
	if _, err := e.store.UnitByName(e.ctx, "Neue Klasse"); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("unit of a cancelled import: %v", err)
	}
	if ims, _ := e.store.Imports(e.ctx); len(ims) != 0 {
		t.Fatalf("import recorded: %+v", ims)
	}
}

func TestUsernamesAreDerivedAndUnique(t *testing.T) {
	e := newEnv(t)
	e.createUser("Anna", "Müller", "anna.mueller@example.org", "", "")
	path := e.file("u.csv", []byte("Vorname,Nachname,E-Mail,Benutzername\n"+
		"Anna,Müller,anna.mueller@other.org,\n"+ // anna.mueller is taken in the store
		"Anna,Müller,,\n"+ // anna.mueller from the names
		"Bea,Berg,bea@example.org,anna.mueller3\n")) // claims a name the generator would pick
	p := e.plan(path, Settings{RoleID: e.roleID("Student"), UnitIDs: []string{e.unitID("Class 5a")}})
	got := []string{p.Rows[0].Username, p.Rows[1].Username, p.Rows[2].Username}
	if !slices.Equal(got, []string{"anna.mueller2", "anna.mueller4", "anna.mueller3"}) {
		t.Fatalf("usernames %v", got)
	}
}

func TestTemplatesImportCleanly(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name  string
		write func(w *bytes.Buffer) error
	}{
		{"sample.csv", func(w *bytes.Buffer) error { return WriteTemplateCSV(w) }},
		{"sample.xlsx", func(w *bytes.Buffer) error { return WriteTemplateXLSX(w) }},
	} {
		var buf bytes.Buffer
		if err := tc.write(&buf); err != nil {
			t.Fatal(err)
		}
		path := e.file(tc.name, buf.Bytes())
		src, err := Load(e.ctx, path, tabular.Options{}, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := AutoMap(src.Header)
		if slices.Contains(m, Ignore) {
			t.Fatalf("%s: a template column is not recognised: %v %v", tc.name, src.Header, m)
		}
		p, err := Check(e.ctx, e.store, src, Settings{Mapping: m, RoleID: e.roleID("Student")}, now)
		if err != nil {
			t.Fatal(err)
		}
		if p.Counts.Create != len(templateRows) || p.Counts.Fail != 0 {
			t.Fatalf("%s: %+v %q", tc.name, p.Counts, p.Rows[0].Reason)
		}
		if p.Rows[0].Value(ExternalID) != "00123" {
			t.Fatalf("%s: external ID %q lost its zeros", tc.name, p.Rows[0].Value(ExternalID))
		}
	}
}

func TestFormulaGuardIsTakenOffEveryCell(t *testing.T) {
	e := newEnv(t)
	// What tabular.SafeCell makes of +49…, =…, @…, -… and of a value that already
	// looked guarded; an apostrophe before anything else stays.
	path := e.file("g.csv", []byte("\ufefffirst_name,last_name,mobile,external_id,username,units,groups\n"+
		"'=Anna,'@home,'+49 170 1234567,''=7,'-dash,'=Class 5a,'@Choir\n"+
		"O'Brien,'quoted, '+49 151 2345678 ,'0123,ob,Class 5a,\n"))
	p := e.plan(path, Settings{RoleID: e.roleID("Student")})
	want := []map[Field]string{
		{FirstName: "=Anna", LastName: "@home", Mobile: "+49 170 1234567", ExternalID: "'=7", Username: "-dash", Units: "=Class 5a", Groups: "@Choir"},
		{FirstName: "O'Brien", LastName: "'quoted", Mobile: "+49 151 2345678", ExternalID: "'0123", Username: "ob", Units: "Class 5a"},
	}
	for i, w := range want {
		r := &p.Rows[i]
		if len(r.Problems) > 0 || r.Action != Create {
			t.Errorf("row %d: %s %+v", i+1, r.Action, r.Problems)
		}
		for f, v := range w {
			if r.Value(f) != v {
				t.Errorf("row %d %s = %q, want %q", i+1, f, r.Value(f), v)
			}
		}
	}
	if len(p.NewUnits) != 1 || p.NewUnits[0].Name != "=Class 5a" || len(p.NewGroups) != 1 || p.NewGroups[0].Name != "@Choir" {
		t.Errorf("new units %v, groups %v", p.NewUnits, p.NewGroups)
	}
	if CellValue(" '\tx ") != "x" || CellValue("'") != "'" {
		t.Errorf("CellValue: %q %q", CellValue(" '\tx "), CellValue("'"))
	}
}
