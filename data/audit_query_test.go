package data

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// auditFixture is a log of eleven events by three operators: a unit, a batch of
// three users (an import), a user created, edited, pulled from the server and
// printed, a batch user deactivated, and three letters written at the same time.
type auditFixture struct {
	s          *Store
	t0         time.Time
	anna       *User
	batch      []BulkUser // Carl, Dora, Emil
	batchEvent string
	unitEvent  string
}

func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	f := &auditFixture{s: s, t0: time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	at := func(min int) time.Time { return f.t0.Add(time.Duration(min) * time.Minute) }
	add := func(ev AuditEvent, changes map[string]Change) string {
		t.Helper()
		if err := s.AddAudit(ctx, &ev, changes); err != nil {
			t.Fatal(err)
		}
		return ev.ID
	}
	f.unitEvent = add(AuditEvent{At: at(0), Actor: "ada", Action: "unit.create", EntityType: "unit", EntityID: unitID, Summary: "Created unit Class 5a"}, nil)
	for _, n := range []string{"Carl", "Dora", "Emil"} {
		f.batch = append(f.batch, BulkUser{
			User:    User{FirstName: n, LastName: "Import", Username: strings.ToLower(n), RoleID: roleID, Phase: PhaseNotActivated},
			UnitIDs: []string{unitID},
		})
	}
	batch := AuditEvent{At: at(1), Actor: "bo", Action: "user.create", Summary: "Imported from staff.csv"}
	batch.ID = NewID()
	if err := s.InsertUsersBulk(ctx, f.batch, batch, nil); err != nil {
		t.Fatal(err)
	}
	f.batchEvent = batch.ID
	f.anna = &User{FirstName: "Anna", LastName: "Berg", Username: "anna", Email: "a@example.org", RoleID: roleID, Phase: PhaseNotActivated}
	if err := s.CreateUser(ctx, f.anna, []string{unitID}, nil); err != nil {
		t.Fatal(err)
	}
	user := func(min int, actor, action, id, summary string, changes map[string]Change) {
		add(AuditEvent{At: at(min), Actor: actor, Action: action, EntityType: "user", EntityID: id, Summary: summary}, changes)
	}
	carl := f.batch[0].User.ID
	user(2, "ada", "user.create", f.anna.ID, "Created", nil)
	user(3, "ada", "user.edit", f.anna.ID, "Edited", map[string]Change{"email": {Old: "a@example.org", New: "anna@example.org"}})
	user(4, "bo", "user.deactivate", carl, "Deactivated", nil)
	user(5, SyncActor, ActionSyncPull, f.anna.ID, "Changed on the server", nil)
	var letters []AuditEvent
	for _, id := range []string{f.anna.ID, carl, f.batch[1].User.ID} {
		letters = append(letters, AuditEvent{At: at(6), Actor: "ada", Action: "user.letter", EntityType: "user", EntityID: id, Summary: "Letter"})
	}
	if err := s.Write(ctx, func(tx *Store) error { return tx.AddAudits(ctx, letters) }); err != nil {
		t.Fatal(err)
	}
	return f
}

// describe writes events as "minute action user-or-entity", for comparisons.
func (f *auditFixture) describe(events []AuditEvent) []string {
	names := map[string]string{f.anna.ID: "anna", f.batchEvent: "batch"}
	for _, b := range f.batch {
		names[b.User.ID] = b.User.Username
	}
	out := make([]string, len(events))
	for i, e := range events {
		who, ok := names[e.EntityID]
		if !ok {
			who = e.EntityType
		}
		out[i] = fmt.Sprintf("%d %s %s", int(e.At.Sub(f.t0).Minutes()), e.Action, who)
	}
	return out
}

func (f *auditFixture) page(t *testing.T, q AuditQuery) []string {
	t.Helper()
	events, err := f.s.AuditEvents(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.s.CountAuditEvents(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if q.Limit == 0 && q.Offset == 0 && n != len(events) {
		t.Errorf("%+v: counted %d, listed %d", q, n, len(events))
	}
	return f.describe(events)
}

var allAuditEvents = []string{
	"6 user.letter dora", "6 user.letter carl", "6 user.letter anna",
	"5 sync.pull anna", "4 user.deactivate carl", "3 user.edit anna", "2 user.create anna",
	"1 user.create batch", "0 unit.create unit",
}

func TestAuditEventsFilterNewestFirst(t *testing.T) {
	f := newAuditFixture(t)
	carl := f.batch[0].User.ID
	at := func(min int) time.Time { return f.t0.Add(time.Duration(min) * time.Minute) }
	berlin := time.FixedZone("CET", 3600)
	for _, c := range []struct {
		name string
		q    AuditQuery
		want []string
	}{
		{"all", AuditQuery{}, allAuditEvents},
		{"operator", AuditQuery{Actor: "ada"}, []string{
			"6 user.letter dora", "6 user.letter carl", "6 user.letter anna", "3 user.edit anna", "2 user.create anna", "0 unit.create unit",
		}},
		{"action", AuditQuery{Action: "user.create"}, []string{"2 user.create anna", "1 user.create batch"}},
		{"operator and action", AuditQuery{Actor: "ada", Action: "user.create"}, []string{"2 user.create anna"}},
		{"operator and action, the other index", AuditQuery{Actor: "bo", Action: "user.letter"}, []string{}},
		{"a user's own events", AuditQuery{UserID: f.anna.ID}, []string{
			"6 user.letter anna", "5 sync.pull anna", "3 user.edit anna", "2 user.create anna",
		}},
		{"a batch user, with the batch", AuditQuery{UserID: carl}, []string{
			"6 user.letter carl", "4 user.deactivate carl", "1 user.create batch",
		}},
		{"a batch user and an operator", AuditQuery{UserID: carl, Actor: "bo"}, []string{"4 user.deactivate carl", "1 user.create batch"}},
		{"a user and an action", AuditQuery{UserID: f.anna.ID, Action: "user.edit"}, []string{"3 user.edit anna"}},
		{"no such user", AuditQuery{UserID: NewID()}, []string{}},
		{"from is inclusive, to exclusive", AuditQuery{From: at(2), To: at(5)}, []string{
			"4 user.deactivate carl", "3 user.edit anna", "2 user.create anna",
		}},
		{"dates in another zone", AuditQuery{From: at(2).In(berlin), To: at(5).In(berlin)}, []string{
			"4 user.deactivate carl", "3 user.edit anna", "2 user.create anna",
		}},
		{"from only", AuditQuery{From: at(5)}, allAuditEvents[:4]},
		{"to only", AuditQuery{To: at(1)}, []string{"0 unit.create unit"}},
		{"dates and an operator", AuditQuery{Actor: "ada", From: at(1), To: at(4)}, []string{"3 user.edit anna", "2 user.create anna"}},
		{"dates and a user", AuditQuery{UserID: carl, To: at(5)}, []string{"4 user.deactivate carl", "1 user.create batch"}},
		{"an operator nobody is", AuditQuery{Actor: "zed"}, []string{}},
	} {
		if got := f.page(t, c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestAuditEventsPagesCoverTheLogOnce(t *testing.T) {
	f := newAuditFixture(t)
	var all []string
	for off := 0; off < 12; off += 2 {
		all = append(all, f.page(t, AuditQuery{Offset: off, Limit: 2})...)
	}
	if !slices.Equal(all, allAuditEvents) {
		t.Errorf("pages of 2: %q", all)
	}
	if got := f.page(t, AuditQuery{Offset: 7}); !slices.Equal(got, allAuditEvents[7:]) {
		t.Errorf("offset without a limit: %q", got)
	}
	if got := f.page(t, AuditQuery{Actor: "ada", Offset: 1, Limit: 2}); !slices.Equal(got, []string{"6 user.letter carl", "6 user.letter anna"}) {
		t.Errorf("a page of an operator's events: %q", got)
	}
	if n, _ := f.s.CountAuditEvents(context.Background(), AuditQuery{Actor: "ada", Offset: 4, Limit: 1}); n != 6 {
		t.Errorf("a count ignores the page: %d", n)
	}
}

func TestAuditEventsLeaveOutDeletedEvents(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	if err := f.s.db.Exec(`UPDATE audit_events SET deleted_at = ? WHERE id = ?`, time.Now(), f.unitEvent).Error; err != nil {
		t.Fatal(err)
	}
	if got := f.page(t, AuditQuery{}); !slices.Equal(got, allAuditEvents[:8]) {
		t.Errorf("after a deletion: %q", got)
	}
	if got := f.page(t, AuditQuery{To: f.t0.Add(time.Minute)}); len(got) != 0 {
		t.Errorf("dates find a deleted event: %q", got)
	}
	if n, _ := f.s.CountAuditEvents(ctx, AuditQuery{Actor: "ada"}); n != 5 {
		t.Errorf("ada's events after a deletion: %d, want 5", n)
	}
	if actions, _ := f.s.AuditActions(ctx); slices.Contains(actions, "unit.create") {
		t.Errorf("actions %q offer the deleted event's", actions)
	}
}

func TestAuditActorsAndActionsAreTheDistinctValues(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	if err := f.s.AddAudit(ctx, &AuditEvent{At: f.t0, Actor: "", Action: "setup", EntityType: "settings"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddAudit(ctx, &AuditEvent{At: f.t0, Actor: "Anton", Action: "setup", EntityType: "settings"}, nil); err != nil {
		t.Fatal(err)
	}
	actors, err := f.s.AuditActors(ctx)
	if err != nil || !slices.Equal(actors, []string{"ada", "Anton", "bo", "sync"}) {
		t.Errorf("actors %q, %v", actors, err)
	}
	actions, err := f.s.AuditActions(ctx)
	want := []string{"setup", "sync.pull", "unit.create", "user.create", "user.deactivate", "user.edit", "user.letter"}
	if err != nil || !slices.Equal(actions, want) {
		t.Errorf("actions %q, %v", actions, err)
	}
	if n, _ := f.s.CountAuditEvents(ctx, AuditQuery{}); n != 11 {
		t.Errorf("%d events, want 11 (the one without an operator counts)", n)
	}

	empty := openTemp(t)
	if a, err := empty.AuditActors(ctx); err != nil || a == nil || len(a) != 0 {
		t.Errorf("actors of an empty log: %#v, %v", a, err)
	}
	if n, err := empty.CountAuditEvents(ctx, AuditQuery{Actor: "ada"}); err != nil || n != 0 {
		t.Errorf("count of an empty log: %d, %v", n, err)
	}
}

// auditCountsCheck returns the operator/action pairs whose count in audit_counts
// differs from the log.
func auditCountsCheck(t *testing.T, s *Store) []string {
	t.Helper()
	var rows []struct {
		Actor, Action   string
		Counted, Logged int
	}
	err := s.rdb.Raw(`
		SELECT actor, action, sum(c) AS counted, sum(l) AS logged FROM (
			SELECT actor, action, n AS c, 0 AS l FROM audit_counts
			UNION ALL
			SELECT actor, action, 0, count(*) FROM audit_events WHERE deleted_at IS NULL GROUP BY actor, action)
		GROUP BY actor, action HAVING sum(c) <> sum(l)`).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%s/%s: counted %d, logged %d", r.Actor, r.Action, r.Counted, r.Logged)
	}
	return out
}

func TestAuditCountsFollowEveryChangeOfTheLog(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	s := f.s
	check := func(step string) {
		t.Helper()
		if bad := auditCountsCheck(t, s); len(bad) > 0 {
			t.Errorf("%s: %q", step, bad)
		}
	}
	check("written")
	var n int
	s.rdb.Raw(`SELECT coalesce(sum(n), 0) FROM audit_counts`).Scan(&n)
	if n != 9 {
		t.Fatalf("audit_counts holds %d events, want 9", n)
	}
	steps := []struct{ name, sql string }{
		{"operator changed", `UPDATE audit_events SET actor = 'cy' WHERE action = 'user.letter'`},
		{"action changed", `UPDATE audit_events SET action = 'user.changed' WHERE action = 'user.edit'`},
		{"summary changed", `UPDATE audit_events SET summary = 'x'`},
		{"soft-deleted", `UPDATE audit_events SET deleted_at = '2025-01-01' WHERE actor = 'bo'`},
		{"deleted row deleted", `DELETE FROM audit_events WHERE action = 'user.deactivate'`},
		{"undeleted", `UPDATE audit_events SET deleted_at = NULL WHERE actor = 'cy'`},
		{"deleted", `DELETE FROM audit_events WHERE action = 'sync.pull'`},
	}
	for _, st := range steps {
		if err := s.db.Exec(st.sql).Error; err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		check(st.name)
	}
	// A GORM save writes every column: the count stays right.
	var ev AuditEvent
	if err := s.db.First(&ev, "id = ?", f.unitEvent).Error; err != nil {
		t.Fatal(err)
	}
	ev.Actor = "dee"
	if err := s.db.WithContext(ctx).Save(&ev).Error; err != nil {
		t.Fatal(err)
	}
	check("saved by GORM")
	if got, _ := s.CountAuditEvents(ctx, AuditQuery{Actor: "cy"}); got != 3 {
		t.Errorf("cy's events: %d, want 3", got)
	}
	if actors, _ := s.AuditActors(ctx); !slices.Equal(actors, []string{"ada", "cy", "dee"}) {
		t.Errorf("actors %q after the changes", actors)
	}
	// A failed transaction leaves the counts as they were.
	boom := errors.New("boom")
	err := s.Write(ctx, func(tx *Store) error {
		if err := tx.AddAudit(ctx, &AuditEvent{At: f.t0, Actor: "eve", Action: "setup", EntityType: "settings"}, nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	check("rolled back")
	if actors, _ := s.AuditActors(ctx); slices.Contains(actors, "eve") {
		t.Errorf("a rolled-back event counts: %q", actors)
	}
}

func TestAuditMigrationCountsTheEventsOfAnOlderFile(t *testing.T) {
	path, old := openOldSchema(t, 8)
	ctx := context.Background()
	for i, actor := range []string{"ada", "ada", "bo", "ada"} {
		if err := old.AddAudit(ctx, &AuditEvent{At: time.Now(), Actor: actor, Action: fmt.Sprintf("a%d", i%2), EntityType: "x", EntityID: "y"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if bad := auditCountsCheck(t, s); len(bad) > 0 {
		t.Errorf("after the upgrade: %q", bad)
	}
	if n, _ := s.CountAuditEvents(ctx, AuditQuery{Actor: "ada"}); n != 3 {
		t.Errorf("ada's events after the upgrade: %d", n)
	}
	if n, _ := s.CountAuditEvents(ctx, AuditQuery{Action: "a1"}); n != 2 {
		t.Errorf("a1 events after the upgrade: %d", n)
	}
}

func TestAuditEventUsersNamesWhomEachEventTouched(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	events, err := f.s.AuditEvents(ctx, AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var batch []AuditEvent
	for _, e := range events {
		if e.ID == f.batchEvent {
			batch = append(batch, e)
		}
	}
	// Dora is deleted: she stays in the log, marked.
	dora, err := f.s.UserByID(ctx, f.batch[1].User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.TombstoneUser(ctx, dora, time.Now()); err != nil {
		t.Fatal(err)
	}
	names := func(a AuditUsers) string {
		var out []string
		for _, u := range a.Users {
			n := u.FullName()
			if u.Deleted {
				n += " (deleted)"
			}
			out = append(out, n)
		}
		return fmt.Sprintf("%s of %d", strings.Join(out, ", "), a.Total)
	}
	got, err := f.s.AuditEventUsers(ctx, events, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"6 user.letter dora":     "Dora Import (deleted) of 1",
		"6 user.letter carl":     "Carl Import of 1",
		"5 sync.pull anna":       "Anna Berg of 1",
		"1 user.create batch":    "Carl Import, Dora Import (deleted) of 3",
		"4 user.deactivate carl": "Carl Import of 1",
	}
	for i, e := range events {
		desc := f.describe(events[i : i+1])[0]
		a, ok := got[e.ID]
		if desc == "0 unit.create unit" {
			if ok {
				t.Errorf("a unit event touched users: %+v", a)
			}
			continue
		}
		if w, ok := want[desc]; ok && names(a) != w {
			t.Errorf("%s: %q, want %q", desc, names(a), w)
		}
	}
	all, err := f.s.AuditEventUsers(ctx, batch, 50)
	if err != nil || names(all[f.batchEvent]) != "Carl Import, Dora Import (deleted), Emil Import of 3" {
		t.Errorf("the whole batch: %q, %v", names(all[f.batchEvent]), err)
	}
	none, err := f.s.AuditEventUsers(ctx, batch, 0)
	if err != nil || len(none[f.batchEvent].Users) != 0 || none[f.batchEvent].Total != 3 {
		t.Errorf("only the total: %+v, %v", none, err)
	}
	if m, err := f.s.AuditEventUsers(ctx, nil, 5); err != nil || len(m) != 0 {
		t.Errorf("no events: %v, %v", m, err)
	}
}

func TestEachAuditEventStreamsTheFilteredLogInChunks(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	var sizes []int
	var all []AuditEvent
	err := f.s.EachAuditEvent(ctx, AuditQuery{Offset: 3, Limit: 1}, 4, func(chunk []AuditEvent) error {
		sizes = append(sizes, len(chunk))
		all = append(all, chunk...)
		return nil
	})
	if err != nil || !slices.Equal(sizes, []int{4, 4, 1}) || !slices.Equal(f.describe(all), allAuditEvents) {
		t.Errorf("chunks %v, events %q, %v", sizes, f.describe(all), err)
	}
	all = nil
	err = f.s.EachAuditEvent(ctx, AuditQuery{UserID: f.anna.ID}, 100, func(chunk []AuditEvent) error {
		all = append(all, chunk...)
		return nil
	})
	if err != nil || !slices.Equal(f.describe(all), f.page(t, AuditQuery{UserID: f.anna.ID})) {
		t.Errorf("a user's events: %q, %v", f.describe(all), err)
	}
	stop := errors.New("stop")
	calls := 0
	err = f.s.EachAuditEvent(ctx, AuditQuery{}, 2, func([]AuditEvent) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("an error of fn: %v after %d calls", err, calls)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := f.s.EachAuditEvent(cancelled, AuditQuery{}, 2, func([]AuditEvent) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled export: %v", err)
	}
}

// TestAuditQueriesUseTheirIndexes checks the query plans: a page newest first is
// read from an index in order, never by a scan of the log or a sort of it.
func TestAuditQueriesUseTheirIndexes(t *testing.T) {
	f := newAuditFixture(t)
	day := f.t0
	for _, c := range []struct {
		q    AuditQuery
		uses string
	}{
		{AuditQuery{Limit: 200}, "audit_events_at"},
		{AuditQuery{Offset: 400, Limit: 200}, "audit_events_at"},
		{AuditQuery{Actor: "ada", Limit: 200}, "audit_events_actor"},
		{AuditQuery{Action: "user.edit", Limit: 200}, "audit_events_action"},
		{AuditQuery{Actor: "ada", Action: "user.deactivate", Limit: 200}, "audit_events_actor_action"},
		{AuditQuery{Actor: "ada", Action: "user.letter", From: day, Limit: 200}, "audit_events_actor_action"},
		{AuditQuery{From: day, To: day.AddDate(0, 0, 1), Limit: 200}, "audit_events_at"},
		{AuditQuery{Actor: "ada", From: day, Limit: 200}, "audit_events_actor"},
		{AuditQuery{UserID: f.anna.ID, Actor: "ada", From: day, Limit: 200}, "audit_events_entity"},
	} {
		where, args := c.q.where()
		page, args := auditPage(where, args, c.q)
		var plan []struct{ Detail string }
		if err := f.s.rdb.Raw(`EXPLAIN QUERY PLAN `+page, args...).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, p := range plan {
			lines = append(lines, p.Detail)
		}
		text := strings.Join(lines, "; ")
		if !strings.Contains(text, c.uses) {
			t.Errorf("%+v: plan %q does not use %s", c.q, text, c.uses)
		}
		if c.q.UserID == "" && strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%+v: plan %q sorts", c.q, text)
		}
	}
}

// fillAuditLog writes n events of seven operators and twelve actions, one a
// second, about the users given (in turn), the way SQLite would get them from the
// app: through the indexes and the counting triggers.
func fillAuditLog(tb testing.TB, s *Store, n int, base time.Time) {
	tb.Helper()
	err := s.Write(context.Background(), func(tx *Store) error {
		if err := tx.db.Exec(`CREATE TEMP TABLE bench_users AS
			SELECT row_number() OVER (ORDER BY rowid) - 1 AS n, id FROM users`).Error; err != nil {
			return err
		}
		users := 0
		if err := tx.db.Raw(`SELECT count(*) FROM bench_users`).Scan(&users).Error; err != nil {
			return err
		}
		return tx.db.Exec(`
			WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ? - 1)
			INSERT INTO audit_events (id, at, actor, action, entity_type, entity_id, summary, changes, created_at, updated_at, version)
			SELECT printf('%08x-%04x-7000-8000-%012x', i / 65536, i % 65536, i),
				strftime('%Y-%m-%d %H:%M:%S', ?, '+' || i || ' seconds') || '+00:00',
				CASE WHEN i % 20 < 9 THEN 'ada' WHEN i % 20 < 14 THEN 'bo' WHEN i % 20 < 17 THEN 'cy'
					WHEN i % 20 = 17 THEN 'dee' WHEN i % 20 = 18 THEN 'eve' ELSE 'sync' END,
				CASE i % 12 WHEN 0 THEN 'user.edit' WHEN 1 THEN 'user.invite' WHEN 2 THEN 'user.resend'
					WHEN 3 THEN 'user.letter' WHEN 4 THEN 'user.deactivate' WHEN 5 THEN 'user.reactivate'
					WHEN 6 THEN 'user.change-role' WHEN 7 THEN 'user.add-to-group' WHEN 8 THEN 'user.new-key'
					WHEN 9 THEN 'sync.pull' WHEN 10 THEN 'user.register' ELSE 'user.cancel-invitation' END,
				'user', u.id,
				CASE WHEN i % 12 = 0 THEN 'Edited' ELSE 'Changed' END,
				CASE WHEN i % 12 = 0 THEN '{"email":{"old":"a' || i || '@example.org","new":"b' || i || '@example.org"}}' ELSE '' END,
				?, ?, 1
			FROM c JOIN bench_users u ON u.n = i % ?`, n, base.UTC().Format("2006-01-02 15:04:05"), base, base, users).Error
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkAuditEventsPage1M measures what the Activity screen asks of a log of
// 1,000,000 events when it opens or a filter changes: the count, the first page of
// 200 events and the users of that page's events, for no filter, an operator
// (ada, 45% of the log) and a user (about 50 events and the import that created
// the user). deep-page is a page half-way down the unfiltered log, as scrolling
// there asks. Target: a few ms.
func BenchmarkAuditEventsPage1M(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "onboard.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	role, unit := &Role{Name: "Student"}, &Unit{Name: "Class 5a"}
	if err := s.CreateRole(ctx, role); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateUnit(ctx, unit); err != nil {
		b.Fatal(err)
	}
	users := make([]BulkUser, 20_000)
	for i := range users {
		users[i] = BulkUser{
			User:    User{FirstName: "User", LastName: fmt.Sprint(i), Username: fmt.Sprintf("user%d", i), RoleID: role.ID, Phase: PhaseNotActivated},
			UnitIDs: []string{unit.ID},
		}
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.InsertUsersBulk(ctx, users, AuditEvent{At: base, Actor: "ada", Action: "user.create", Summary: "Imported"}, nil); err != nil {
		b.Fatal(err)
	}
	fillAuditLog(b, s, 1_000_000, base.Add(time.Second))
	user := users[12_345].User.ID
	for _, bc := range []struct {
		name  string
		q     AuditQuery
		least int
	}{
		{"all", AuditQuery{Limit: 200}, 1_000_001},
		{"operator", AuditQuery{Actor: "ada", Limit: 200}, 450_001},
		{"user", AuditQuery{UserID: user, Limit: 200}, 51},
		{"deep-page", AuditQuery{Offset: 500_000, Limit: 200}, 1_000_001},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				n, err := s.CountAuditEvents(ctx, bc.q)
				if err != nil || n != bc.least {
					b.Fatalf("count %d, %v; want %d", n, err, bc.least)
				}
				page, err := s.AuditEvents(ctx, bc.q)
				if err != nil || len(page) != min(200, n) {
					b.Fatalf("%d events, %v", len(page), err)
				}
				touched, err := s.AuditEventUsers(ctx, page, 1)
				if err != nil || len(touched) != len(page) {
					b.Fatalf("users of %d of %d events, %v", len(touched), len(page), err)
				}
			}
		})
	}
}
