package importer

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"onboard/data"
	"onboard/internal/lifecycle"
)

// term1 is a school's list at the start of the year.
const term1 = `Schüler-ID;Vorname;Nachname;Klasse;E-Mail
1001;Anna;Müller;5a;anna@schule.example
1002;Ben;Schulz;5a;
1003;Cem;Yılmaz;5a;
2001;Dora;Klein;6a;
2002;Emil;Groß;6a;
3001;Fritz;Lang;5b;
`

// term2 is the next year's list of 5a and 6a: Anna and Ben moved up to 6a, Dora to
// 7a, Gül is new in 5a; Cem and Emil left. 5b (Fritz) is not in it.
const term2 = `Schüler-ID;Vorname;Nachname;Klasse;E-Mail
1001;Anna;Müller;6a;anna.mueller@schule.example
1002;Ben;Schulz;6a;
2001;Dora;Klein;7a;
4001;Gül;Öztürk;5a;
`

// rolloverEnv is a store holding the users of term1.
func rolloverEnv(t *testing.T) *env {
	e := newEnv(t)
	p := e.plan(e.file("term1.csv", []byte(term1)), Settings{RoleID: e.roleID("Student")})
	if _, err := Commit(e.ctx, e.svc, p, false, nil); err != nil {
		t.Fatal(err)
	}
	return e
}

// updatePlan checks content as an update from a list with rule for the absent.
func (e *env) updatePlan(content string, rule lifecycle.AbsentRule) *Plan {
	e.t.Helper()
	return e.plan(e.file("term2.csv", []byte(content)), Settings{RoleID: e.roleID("Student"), UpdateList: true, Absent: rule})
}

// userState is a user's phase and units by external ID ("gone" when deleted).
func (e *env) userState(externalID string) string {
	e.t.Helper()
	u, err := e.store.UserHolding(e.ctx, data.FieldExternalID, externalID, "")
	if errors.Is(err, data.ErrNotFound) {
		return "gone"
	}
	if err != nil {
		e.t.Fatal(err)
	}
	ids, err := e.store.UserUnitIDs(e.ctx, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	var units []string
	for _, id := range ids {
		unit, err := e.store.UnitByID(e.ctx, id)
		if err != nil {
			e.t.Fatal(err)
		}
		units = append(units, unit.Name)
	}
	slices.Sort(units)
	return string(u.Phase) + " " + strings.Join(units, ",")
}

func TestUpdateFromListShowsTheDiff(t *testing.T) {
	e := rolloverEnv(t)
	p := e.updatePlan(term2, lifecycle.KeepAbsent)
	c := p.Counts
	if c.Create != 1 || c.Update != 3 || c.Unchanged != 0 || c.Absent != 2 || c.Fail != 0 || c.Skip != 0 {
		t.Fatalf("counts: %+v", c)
	}
	changes := map[string]string{}
	for i := range p.Rows {
		r := &p.Rows[i]
		var parts []string
		for _, ch := range r.Changes {
			parts = append(parts, ch.String())
		}
		changes[r.Value(ExternalID)] = string(r.Action) + ": " + strings.Join(parts, "; ")
	}
	want := map[string]string{
		"1001": "update: Email: anna@schule.example → anna.mueller@schule.example; Units: 5a → 6a",
		"1002": "update: Units: 5a → 6a",
		"2001": "update: Units: 6a → 7a",
		"4001": "create: ",
	}
	for id, w := range want {
		if changes[id] != w {
			t.Errorf("row %s: %q, want %q", id, changes[id], w)
		}
	}
	var absent []string
	for _, a := range p.Absent {
		absent = append(absent, a.Name+" ("+a.Units+")")
	}
	if got := strings.Join(absent, ", "); got != "Cem Yılmaz (5a), Emil Groß (6a)" {
		t.Errorf("absent: %s", got)
	}
	if got := strings.Join(p.Covered, ", "); got != "5a, 6a, 7a" {
		t.Errorf("covered units: %s", got)
	}
	// The same list again changes nothing.
	rep, err := Commit(e.ctx, e.svc, p, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	again := e.updatePlan(term2, lifecycle.KeepAbsent)
	if again.Counts.Unchanged != 4 || again.Counts.Update+again.Counts.Create != 0 {
		t.Errorf("the same list again: %+v (after %s)", again.Counts, rep.Summary())
	}
}

func TestUpdateFromListAbsentRules(t *testing.T) {
	for _, tc := range []struct {
		rule      lifecycle.AbsentRule
		cem, emil string
		summary   string
	}{
		{lifecycle.KeepAbsent, "not_activated 5a", "not_activated 6a", "1 created, 3 updated, 0 skipped, 0 failed"},
		{lifecycle.DeactivateAbsent, "deactivated 5a", "deactivated 6a", "1 created, 3 updated, 0 skipped, 0 failed, 2 deactivated"},
		{lifecycle.DeleteAbsent, "gone", "gone", "1 created, 3 updated, 0 skipped, 0 failed, 2 deleted"},
	} {
		t.Run(string(tc.rule), func(t *testing.T) {
			e := rolloverEnv(t)
			p := e.updatePlan(term2, tc.rule)
			if got := DryRun(p).Summary(); got != tc.summary {
				t.Errorf("dry run: %s, want %s", got, tc.summary)
			}
			rep, err := Commit(e.ctx, e.svc, p, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Summary() != tc.summary {
				t.Errorf("import: %s, want %s", rep.Summary(), tc.summary)
			}
			for id, want := range map[string]string{
				"1001": "not_activated 6a", "1002": "not_activated 6a", "2001": "not_activated 7a", "4001": "not_activated 5a",
				"1003": tc.cem, "2002": tc.emil, "3001": "not_activated 5b",
			} {
				if got := e.userState(id); got != want {
					t.Errorf("user %s: %s, want %s", id, got, want)
				}
			}
			if u := e.userByEmail("anna.mueller@schule.example"); u.ExternalID != "1001" {
				t.Errorf("Anna's email did not change: %+v", u)
			}
		})
	}
}

func TestUpdateFromListWithOneClassLeavesTheOthersAlone(t *testing.T) {
	e := rolloverEnv(t)
	before := dump(t, e.store.Path(), "users WHERE external_id IN ('1001','1002','1003','3001')")
	// Only 6a's new list: Anna and Ben moved up; Dora (now elsewhere) and Emil are not in it.
	p := e.updatePlan("Schüler-ID;Vorname;Nachname;Klasse\n1001;Anna;Müller;6a\n1002;Ben;Schulz;6a\n", lifecycle.DeleteAbsent)
	var absent []string
	for _, a := range p.Absent {
		absent = append(absent, a.Name)
	}
	if got := strings.Join(absent, ", "); got != "Dora Klein, Emil Groß" {
		t.Fatalf("absent from a 6a list: %s", got)
	}
	if _, err := Commit(e.ctx, e.svc, p, false, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.userState("1003"); got != "not_activated 5a" {
		t.Errorf("Cem in 5a, which the file does not name, became %s", got)
	}
	if got := e.userState("3001"); got != "not_activated 5b" {
		t.Errorf("Fritz in 5b became %s", got)
	}
	after := dump(t, e.store.Path(), "users WHERE external_id IN ('1003','3001')")
	for _, line := range strings.Split(after, "\n") {
		if !strings.Contains(before, line) {
			t.Errorf("a user outside the file's units changed: %s", line)
		}
	}
}

func TestUndoLastImportRestoresTheStoreExactly(t *testing.T) {
	e := rolloverEnv(t)
	before := dump(t, e.store.Path(), "")
	p := e.updatePlan(term2, lifecycle.DeleteAbsent)
	rep, err := Commit(e.ctx, e.svc, p, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Backup == "" {
		t.Fatal("the import took no backup")
	}
	if dump(t, e.store.Path(), "") == before {
		t.Fatal("the import changed nothing")
	}
	im, err := e.svc.UndoLastImport(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if im.FileName != "term2.csv" {
		t.Errorf("undid %s", im.FileName)
	}
	if after := dump(t, e.store.Path(), ""); after != before {
		t.Errorf("after the undo the store differs:\n%s", diffLines(before, after))
	}
}

func TestUndoRefusesAfterLaterChanges(t *testing.T) {
	e := rolloverEnv(t)
	if _, err := Commit(e.ctx, e.svc, e.updatePlan(term2, lifecycle.KeepAbsent), false, nil); err != nil {
		t.Fatal(err)
	}
	u := e.userByEmail("anna.mueller@schule.example")
	if _, err := e.svc.Deactivate(e.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	before := dump(t, e.store.Path(), "")
	if _, err := e.svc.UndoLastImport(e.ctx); !errors.Is(err, data.ErrUndoStale) {
		t.Fatalf("undo after a later change: %v", err)
	}
	if dump(t, e.store.Path(), "") != before {
		t.Error("the refused undo changed the store")
	}
}

func TestUpdateFromListMatching(t *testing.T) {
	e := newEnv(t)
	e.createUser("Anna", "Müller", "anna@x.example", "anna", "")
	e.createUser("Ben", "Schulz", "", "ben", "")
	e.createUser("Max", "Weber", "", "max1", "")
	e.createUser("Max", "Weber", "", "max2", "")
	e.createUser("Eva", "Ernst", "eva@x.example", "eva", "E1")
	p := e.updatePlan(`First name,Last name,Email,External ID,Class
anna,müller,ANNA@x.example,,Class 5a
Ben,Schulz,,B7,Class 5a
Max,Weber,,,Class 5a
Eve,Ernst,eva@x.example,E2,Class 5a
Benjamin,Schulz,,B7,Class 5a
`, lifecycle.KeepAbsent)
	got := make([]string, len(p.Rows))
	for i := range p.Rows {
		r := &p.Rows[i]
		got[i] = fmt.Sprintf("%s %s", r.Action, r.Reason)
	}
	want := []string{
		"unchanged ", // by email, whatever the case of the names
		"update ",    // by name; the external ID is set
		"fail 2 users are named Max Weber; add an external ID or email column to tell them apart",
		"fail the email belongs to Eva Ernst, whose external ID is E1, not E2",
		"skip same external ID as line 3",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %q, want %q", i+1, got[i], want[i])
		}
	}
	if r := &p.Rows[1]; len(r.Changes) != 1 || r.Changes[0].String() != "External ID: (empty) → B7" {
		t.Errorf("Ben's changes: %v", r.Changes)
	}
}

// dump returns every row of every table of the database at path as sorted lines,
// or with where ("users WHERE …") the rows that query selects.
func dump(t *testing.T, path, where string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	queries := []string{"SELECT * FROM " + where}
	if where == "" {
		queries = nil
		rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			rows.Scan(&name)
			queries = append(queries, "SELECT '"+name+"', * FROM "+name)
		}
		rows.Close()
	}
	var lines []string
	for _, q := range queries {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprint(vals...))
		}
		rows.Close()
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// diffLines lists the lines only in a or only in b.
func diffLines(a, b string) string {
	as, bs := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range as {
		if !slices.Contains(bs, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range bs {
		if !slices.Contains(as, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// CommitCounts writes what Commit writes and reports the same numbers, without
// a row (or key) per user.
func TestCommitCountsReportsTheNumbersOnly(t *testing.T) {
	e := newEnv(t)
	p := e.plan(e.file("term1.csv", []byte(term1)), Settings{RoleID: e.roleID("Student")})
	rep, err := CommitCounts(e.ctx, e.svc, p, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary() != "6 created, 0 updated, 0 skipped, 0 failed" || len(rep.Rows) != 0 || rep.Backup == "" {
		t.Fatalf("report %s, %d rows, backup %q", rep.Summary(), len(rep.Rows), rep.Backup)
	}
	if n := e.userCount(); n != 6 {
		t.Fatalf("%d users written, want 6", n)
	}
	im, err := e.svc.LastImport(e.ctx)
	if err != nil || im.Created != 6 || im.EventID == nil {
		t.Fatalf("import record %+v, %v", im, err)
	}
}
