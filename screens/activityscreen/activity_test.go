package activityscreen

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/screens/internal/uitest"
)

// activityLog is a store whose log holds six events of two operators: Max
// created, three users imported, Max's email edited, Carla deactivated, a unit
// created and Max's role changed, one a day from 3 March 2025.
type activityLog struct {
	st    *data.Store
	max   *data.User
	carla *data.User
	anna  *lifecycle.Service // the operator anna.admin
}

func newActivityLog(t *testing.T) *activityLog {
	t.Helper()
	st, _, base := uitest.OpenStore(t)
	ctx := context.Background()
	var now time.Time
	clock := func() time.Time { return now }
	day := func(d, h int) { now = time.Date(2025, 3, d, h, 0, 0, 0, time.UTC) }
	anna := lifecycle.New(st, lifecycle.WithActor("anna.admin"), lifecycle.WithClock(clock))
	bernd := lifecycle.New(st, lifecycle.WithActor("bernd"), lifecycle.WithClock(clock))
	l := &activityLog{st: st, anna: anna}

	day(3, 9)
	l.max = uitest.CreateUser(t, anna, base, "Max", "Muster", "max@old.example.org").User
	day(4, 10)
	var batch []data.BulkUser
	for _, n := range []string{"Carla", "Dieter", "Erna"} {
		batch = append(batch, data.BulkUser{
			User: data.User{
				FirstName: n, LastName: "Import", Email: strings.ToLower(n) + "@example.org",
				Username: strings.ToLower(n), RoleID: base.RoleID, Phase: data.PhaseNotActivated, CreatedBy: "bernd",
			},
			UnitIDs: base.UnitIDs,
		})
	}
	err := st.InsertUsersBulk(ctx, batch, data.AuditEvent{At: now, Actor: "bernd", Action: string(lifecycle.ActionCreate), Summary: "Imported from staff.csv"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.carla = &batch[0].User
	day(5, 11)
	in := base
	in.FirstName, in.LastName, in.Email = "Max", "Muster", "max@new.example.org"
	if _, err := anna.EditUser(ctx, l.max.ID, in); err != nil {
		t.Fatal(err)
	}
	day(6, 12)
	if _, err := bernd.Deactivate(ctx, l.carla.ID); err != nil {
		t.Fatal(err)
	}
	day(7, 13)
	if _, err := anna.CreateUnit(ctx, "Werk Nord"); err != nil {
		t.Fatal(err)
	}
	day(8, 14)
	coach := &data.Role{Name: "Coach"}
	if err := st.CreateRole(ctx, coach); err != nil {
		t.Fatal(err)
	}
	if _, err := bernd.ChangeRole(ctx, l.max.ID, coach.ID); err != nil {
		t.Fatal(err)
	}
	return l
}

func openActivity(t *testing.T, st Store) (*Screen, fyne.Window) {
	t.Helper()
	return uitest.ShowScreen(t, 1200, 800, func(w fyne.Window) *Screen { return New(st, w) }, (*Screen).wait)
}

// rows returns every row of the table, its cells joined by " | ", loading the pages.
func rows(s *Screen) []string {
	for row := 0; row < s.Total(); row++ {
		s.CellText(row, 0)
	}
	uitest.Settle(s.wait)
	out := make([]string, s.Total())
	for row := range out {
		cells := make([]string, len(columns))
		for col := range cells {
			cells[col] = s.CellText(row, col)
		}
		out[row] = strings.Join(cells, " | ")
	}
	return out
}

var allRows = []string{
	"2025-03-08 14:00 | bernd | Role changed | Role changed | Max Muster",
	"2025-03-07 13:00 | anna.admin | Unit created | Created unit Werk Nord | ",
	"2025-03-06 12:00 | bernd | User deactivated | Deactivated | Carla Import",
	"2025-03-05 11:00 | anna.admin | User edited | Edited | Max Muster",
	"2025-03-04 10:00 | bernd | User created | Imported from staff.csv, 3 users at once | Carla Import and 2 more",
	"2025-03-03 09:00 | anna.admin | User created | Created | Max Muster",
}

func TestActivityListsTheEventsOfEveryOperatorNewestFirst(t *testing.T) {
	test.NewTempApp(t)
	l := newActivityLog(t)
	s, w := openActivity(t, l.st)
	if got := rows(s); !slices.Equal(got, allRows) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(allRows, "\n"))
	}
	uitest.MustShow(t, w, "Activity", "6 events", "When", "Operator", "Action", "Summary", "Users")
	if got := strings.Join(s.actorSelect.Options, "|"); got != "All operators|anna.admin|bernd" || s.actorSelect.Selected != "All operators" {
		t.Errorf("operators %q, chosen %q", got, s.actorSelect.Selected)
	}
	want := "All actions|Role changed|Unit created|User created|User deactivated|User edited"
	if got := strings.Join(s.actionSelect.Options, "|"); got != want || s.actionSelect.Selected != "All actions" {
		t.Errorf("actions %q, chosen %q", got, s.actionSelect.Selected)
	}
	if s.exportButton.Disabled() || s.empty.Visible() {
		t.Errorf("export disabled %v, empty note shown %v", s.exportButton.Disabled(), s.empty.Visible())
	}
}

func TestActivityFiltersNarrowTheTableAndTheCount(t *testing.T) {
	test.NewTempApp(t)
	l := newActivityLog(t)
	s, w := openActivity(t, l.st)
	check := func(step string, want ...string) {
		t.Helper()
		uitest.Settle(s.wait)
		if got := rows(s); !slices.Equal(got, want) {
			t.Errorf("%s:\n%s\nwant:\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if text := eventsText(len(want)); s.count.Text != text {
			t.Errorf("%s: count line %q, want %q", step, s.count.Text, text)
		}
	}
	s.actorSelect.SetSelected("bernd")
	check("bernd", allRows[0], allRows[2], allRows[4])
	s.actionSelect.SetSelected("User created")
	check("bernd, created", allRows[4])
	s.actorSelect.SetSelected("All operators")
	check("created", allRows[4], allRows[5])
	s.actionSelect.SetSelected("All actions")
	check("all again", allRows...)

	// The user search offers the users found; choosing one filters by that user,
	// the import that created Carla included.
	s.users.entry.SetText("carla")
	uitest.Settle(s.wait)
	if s.users.first != "Carla Import · carla@example.org" || !uitest.LabelShown(w, "1 user found: press Enter to choose it, or open the list.") {
		t.Fatalf("search for carla: first %q, hint %q", s.users.first, s.users.hint.Text)
	}
	if s.Total() != 6 {
		t.Errorf("typing filtered already: %d", s.Total())
	}
	s.users.entry.SetText(s.users.first)
	check("Carla", allRows[2], allRows[4])
	s.users.entry.SetText("musterm")
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "No user matches “musterm”.") {
		t.Errorf("hint %q", s.users.hint.Text)
	}
	check("no user chosen", allRows...)
	s.users.entry.SetText("muster")
	s.users.entry.OnSubmitted(s.users.entry.Text) // Enter chooses the first found
	check("Max", allRows[0], allRows[3], allRows[5])
	if s.users.entry.Text != "Max Muster · max@new.example.org" {
		t.Errorf("entry shows %q", s.users.entry.Text)
	}
	s.actorSelect.SetSelected("anna.admin")
	check("Max by anna", allRows[3], allRows[5])
	s.actorSelect.SetSelected("All operators")
	s.users.entry.SetText("")
	check("every user", allRows...)

	// Both days are included.
	s.dates.from.SetText("2025-03-05")
	check("from the 5th", allRows[:4]...)
	s.dates.to.SetText("2025-03-06")
	check("5th to 6th", allRows[2], allRows[3])
	s.dates.from.SetText("")
	check("to the 6th", allRows[2:]...)
}

func TestActivityBadDateSaysWhyAndKeepsTheLastResult(t *testing.T) {
	test.NewTempApp(t)
	l := newActivityLog(t)
	s, w := openActivity(t, l.st)
	s.dates.from.SetText("2025-03-06")
	uitest.Settle(s.wait)
	before := rows(s)
	if len(before) != 3 || s.dates.message.Visible() {
		t.Fatalf("from the 6th: %q, message %q", before, s.dates.message.Text)
	}
	s.dates.from.SetText("2025-13-06")
	uitest.Settle(s.wait)
	msg := "From: “2025-13-06” is not a date. Write it as YYYY-MM-DD, e.g. " + time.Now().Format(time.DateOnly) + "."
	if !uitest.LabelShown(w, msg) {
		t.Errorf("message %q (shown %v), want %q", s.dates.message.Text, s.dates.message.Visible(), msg)
	}
	if got := rows(s); !slices.Equal(got, before) || s.count.Text != "3 events" {
		t.Errorf("after a bad date: %q, %q", got, s.count.Text)
	}
	s.dates.from.SetText("2025-03-07")
	s.dates.to.SetText("6.3.2025")
	s.dates.to.OnSubmitted(s.dates.to.Text)
	uitest.Settle(s.wait)
	if !strings.HasPrefix(s.dates.message.Text, "To: “6.3.2025” is not a date.") || !s.dates.message.Visible() {
		t.Errorf("message %q", s.dates.message.Text)
	}
	s.dates.to.SetText("2025-03-06")
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "The To date is before the From date.") || !slices.Equal(rows(s), before) {
		t.Errorf("to before from: message %q, rows %q", s.dates.message.Text, rows(s))
	}
	s.dates.from.SetText("2025-03-04")
	uitest.Settle(s.wait)
	if s.dates.message.Visible() || s.Total() != 3 || s.CellText(0, 2) != "User deactivated" {
		t.Errorf("fixed: message %q shown %v, total %d", s.dates.message.Text, s.dates.message.Visible(), s.Total())
	}
}

func TestActivityDetailShowsTheChangesAndTheUsers(t *testing.T) {
	test.NewTempApp(t)
	l := newActivityLog(t)
	s, w := openActivity(t, l.st)
	d := s.detailPane
	if !uitest.LabelShown(w, "Click an event to see what changed and whom it touched.") {
		t.Error("no hint before an event is chosen")
	}
	choose := func(row int) {
		t.Helper()
		s.table.Select(widget.TableCellID{Row: row, Col: 1})
		uitest.Settle(s.wait)
	}
	choose(3)
	if d.title.Text != "2025-03-05 11:00:00 · anna.admin · User edited" || d.summary.Text != "Edited" {
		t.Errorf("title %q, summary %q", d.title.Text, d.summary.Text)
	}
	if d.changes.Text != "Email: max@old.example.org → max@new.example.org" {
		t.Errorf("changes %q", d.changes.Text)
	}
	if d.usersTitle.Text != "Users (1)" || d.users.Text != "Max Muster" || !uitest.Drawn(w, d.users) {
		t.Errorf("users %q: %q", d.usersTitle.Text, d.users.Text)
	}
	choose(0)
	if d.changes.Text != "Role: Teacher → Coach" {
		t.Errorf("a role change names the roles: %q", d.changes.Text)
	}
	// The table knows the first of the batch; the details fetch the rest.
	choose(4)
	if d.usersTitle.Text != "Users (3)" || d.users.Text != "Carla Import, Dieter Import, Erna Import" {
		t.Errorf("batch users %q: %q", d.usersTitle.Text, d.users.Text)
	}
	if d.changes.Text != "No field changes recorded." {
		t.Errorf("batch changes %q", d.changes.Text)
	}
	choose(1)
	if d.usersTitle.Text != "No users touched" || d.users.Visible() {
		t.Errorf("a unit's event: %q, users shown %v", d.usersTitle.Text, d.users.Visible())
	}
}

func TestActivityDetailListsAtMostFiftyUsersOfABatch(t *testing.T) {
	test.NewTempApp(t)
	st, _, base := uitest.OpenStore(t)
	var batch []data.BulkUser
	for i := range 75 {
		n := string(rune('A'+i/26)) + string(rune('a'+i%26))
		batch = append(batch, data.BulkUser{
			User:    data.User{FirstName: n, LastName: "Demo", Username: "u" + n, RoleID: base.RoleID, Phase: data.PhaseNotActivated},
			UnitIDs: base.UnitIDs,
		})
	}
	if err := st.InsertUsersBulk(context.Background(), batch, data.AuditEvent{At: time.Now(), Actor: "x", Action: "user.create"}, nil); err != nil {
		t.Fatal(err)
	}
	s, _ := openActivity(t, st)
	if got := s.CellText(0, 4); got != "Aa Demo and 74 more" {
		t.Errorf("users cell %q", got)
	}
	s.table.Select(widget.TableCellID{Row: 0, Col: 0})
	uitest.Settle(s.wait)
	text := s.detailPane.users.Text
	if s.detailPane.usersTitle.Text != "Users (75)" || !strings.HasPrefix(text, "Aa Demo, Ab Demo, ") || !strings.HasSuffix(text, ", Bx Demo and 25 more") {
		t.Errorf("%q: %q", s.detailPane.usersTitle.Text, text)
	}
}

func TestActivityLoadsPagesAsTheAdminScrolls(t *testing.T) {
	test.NewTempApp(t)
	st, _, _ := uitest.OpenStore(t)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	events := make([]data.AuditEvent, 450)
	for i := range events {
		events[i] = data.AuditEvent{
			At: start.Add(time.Duration(i) * time.Minute), Actor: "op", Action: "setup",
			EntityType: "settings", Summary: "event " + string(rune('0'+i%10)),
		}
	}
	if err := st.Write(context.Background(), func(tx *data.Store) error { return tx.AddAudits(context.Background(), events) }); err != nil {
		t.Fatal(err)
	}
	s, _ := openActivity(t, st)
	if s.Total() != 450 || len(s.pages) != 1 {
		t.Fatalf("total %d, %d pages fetched", s.Total(), len(s.pages))
	}
	if got := s.CellText(420, 0); got != "" {
		t.Errorf("a row of a page not fetched yet: %q", got)
	}
	uitest.Settle(s.wait)
	if got := s.CellText(420, 0); got != "2025-01-01 00:29" || len(s.pages) != 2 {
		t.Errorf("row 420: %q, %d pages", got, len(s.pages))
	}
	if got := s.CellText(0, 0); got != "2025-01-01 07:29" {
		t.Errorf("row 0: %q", got)
	}
}

func TestActivityExportWritesTheFilteredEvents(t *testing.T) {
	test.NewTempApp(t)
	l := newActivityLog(t)
	if err := l.st.AddAudit(context.Background(), &data.AuditEvent{
		At: time.Date(2025, 3, 9, 8, 0, 0, 0, time.UTC), Actor: "bernd", Action: "setup", EntityType: "settings",
		Summary: "=HYPERLINK(\"http://evil\")",
	}, nil); err != nil {
		t.Fatal(err)
	}
	s, w := openActivity(t, l.st)
	s.actorSelect.SetSelected("bernd")
	uitest.Settle(s.wait)
	path := filepath.Join(t.TempDir(), "activity.csv")
	s.ExportTo(path)
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "Saved 4 events to "+path+".") {
		t.Errorf("export message %q", s.exportMsg.Text)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "\uFEFF") {
		t.Error("no byte-order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"When", "Operator", "Action", "Summary", "Users", "Changes"},
		{"2025-03-09 08:00:00", "bernd", "First-run setup", "'=HYPERLINK(\"http://evil\")", "", ""},
		{"2025-03-08 14:00:00", "bernd", "Role changed", "Role changed", "Max Muster", "Role: Teacher → Coach"},
		{"2025-03-06 12:00:00", "bernd", "User deactivated", "Deactivated", "Carla Import", ""},
		{"2025-03-04 10:00:00", "bernd", "User created", "Imported from staff.csv, 3 users at once", "Carla Import, Dieter Import, Erna Import", ""},
	}
	if !slices.EqualFunc(recs, want, slices.Equal) {
		t.Errorf("CSV:\n%q\nwant:\n%q", recs, want)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".onboard-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	// The whole log, with its progress after each chunk.
	var progress []int
	n, err := writeCSV(context.Background(), l.st, data.AuditQuery{}, nil, filepath.Join(t.TempDir(), "all.csv"), func(done int) {
		progress = append(progress, done)
	})
	if err != nil || n != 7 || !slices.Equal(progress, []int{7}) {
		t.Errorf("whole log: %d events, progress %v, %v", n, progress, err)
	}

	// A failed export says so, and the admin can try again.
	s.ExportTo(filepath.Join(path, "not-a-folder", "x.csv"))
	uitest.Settle(s.wait)
	if !strings.HasPrefix(s.exportMsg.Text, "No file was saved: ") || s.exportButton.Disabled() {
		t.Errorf("failed export: %q, button disabled %v", s.exportMsg.Text, s.exportButton.Disabled())
	}
}

func TestActivityEmptyStoreSaysWhatToDo(t *testing.T) {
	test.NewTempApp(t)
	st, _ := uitest.EmptyStore(t)
	s, w := openActivity(t, st)
	if !uitest.LabelShown(w, "No changes recorded yet. Changes appear here as you create, import and edit users.") {
		t.Errorf("empty note %q shown %v", s.empty.Text, s.empty.Visible())
	}
	if s.table.Visible() || !s.exportButton.Disabled() || s.count.Text != "0 events" {
		t.Errorf("table shown %v, export disabled %v, count %q", s.table.Visible(), s.exportButton.Disabled(), s.count.Text)
	}
	if got := strings.Join(s.actorSelect.Options, "|"); got != "All operators" {
		t.Errorf("operators %q", got)
	}
	s.dates.from.SetText("2025-01-01")
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "No events match these filters. Choose All operators and All actions, or clear the user and the dates.") {
		t.Errorf("filtered empty note %q", s.empty.Text)
	}
}
