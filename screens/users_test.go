package screens

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/demo"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/screens/internal/uitest"
)

// typeNewUser opens the new-user dialog and types a user of role Teacher in unit
// Werk Süd, as an admin would; it returns the form once it has been checked.
func typeNewUser(s *UsersScreen, first, last, email string) *UserForm {
	s.NewUser("")
	uitest.Settle(s.wait)
	f := s.lastForm
	test.Type(f.first, first)
	test.Type(f.last, last)
	test.Type(f.email, email)
	f.role.SetSelected("Teacher")
	f.unitBox.SetSelected([]string{"Werk Süd"})
	uitest.Settle(f.wait, s.wait)
	return f
}

// loadable is a screen a test can open and load.
type loadable interface {
	Content() fyne.CanvasObject
	Reload()
	wait()
}

// showScreen builds a screen on a test window of the given size and loads it.
func showScreen[S loadable](t *testing.T, width, height float32, build func(w fyne.Window) S) (S, fyne.Window) {
	t.Helper()
	return uitest.ShowScreen(t, width, height, build, func(s S) { s.wait() })
}

// newScreen opens the users screen on a test window and loads it.
func newScreen(t *testing.T, st *data.Store, svc *lifecycle.Service) (*UsersScreen, fyne.Window) {
	t.Helper()
	return showScreen(t, 1400, 700, func(w fyne.Window) *UsersScreen { return NewUsersScreen(st, svc, w) })
}

func TestUsersScreenShowsUsersFromTheStore(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	for _, n := range [][3]string{{"Ömer", "Yılmaz", "oemer@example.org"}, {"Anna", "Müller", "anna@example.org"}, {"Ben", "Becker", ""}} {
		in := base
		in.FirstName, in.LastName, in.Email = n[0], n[1], n[2]
		if _, err := svc.CreateUser(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
	}
	s, w := newScreen(t, st, svc)
	if s.Total() != 3 || s.EmptyShown() {
		t.Fatalf("total %d, empty shown %v", s.Total(), s.EmptyShown())
	}
	s.CellText(0, 1) // starts the first page load
	uitest.Settle(s.wait)
	want := [][]string{
		{"Ben Becker", "", "ben.becker", "Werk Süd", "", "Teacher", "Not activated"},
		{"Anna Müller", "anna@example.org", "anna", "Werk Süd", "", "Teacher", "Not activated"},
		{"Ömer Yılmaz", "oemer@example.org", "oemer", "Werk Süd", "", "Teacher", "Not activated"},
	}
	for r, row := range want {
		for c, cell := range row {
			if got := s.CellText(r, c+1); got != cell {
				t.Errorf("cell (%d,%d) = %q, want %q", r, c+1, got, cell)
			}
		}
	}
	shown := uitest.Texts(w)
	if !strings.Contains(strings.Join(s.statusSelect.Options, "|"), "Not activated (3)|Invited (0)") {
		t.Errorf("status options %v lack the live counts", s.statusSelect.Options)
	}
	for _, x := range []string{"Name ▲", "Email", "Status", "Anna Müller", "Ömer Yılmaz", "anna@example.org", "3 users"} {
		if !shown[x] {
			t.Errorf("%q is not drawn in the window; drawn: %v", x, shown)
		}
	}
	// Sorting by email, descending on the second click.
	s.SortBy(2)
	uitest.Settle(s.wait)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	if got := s.CellText(0, 1); got != "Ben Becker" { // no email sorts first
		t.Errorf("sorted by email, first row %q", got)
	}
	s.SortBy(2)
	uitest.Settle(s.wait)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	if got := s.CellText(0, 1); got != "Ömer Yılmaz" || !uitest.Texts(w)["Email ▼"] {
		t.Errorf("sorted by email descending, first row %q", got)
	}
}

func TestUsersScreenEmptyState(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	s, w := newScreen(t, st, svc)
	if !s.EmptyShown() || s.Total() != 0 {
		t.Fatalf("empty state shown %v with %d users", s.EmptyShown(), s.Total())
	}
	if !uitest.Texts(w)["No users yet."] {
		t.Fatal("the empty-state message is not drawn")
	}
}

func TestUsersScreenEmptyStateWithoutRolesSaysWhatToDo(t *testing.T) {
	test.NewTempApp(t)
	st, svc := uitest.EmptyStore(t)
	_, w := newScreen(t, st, svc)
	if !uitest.Texts(w)["No users yet, and no roles: every user needs one."] || !uitest.Texts(w)["Settings → Set up the organization."] {
		t.Fatalf("the empty state of a new database does not point to the roles: %v", uitest.Texts(w))
	}
}

func TestNewUserDialogCreatesUserAndShowsKey(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	s, w := newScreen(t, st, svc)
	f := typeNewUser(s, "Zoë", "Brontë", "Zoe.Bronte@example.org")
	if f.username.Text != "zoe.bronte" {
		t.Fatalf("suggested username %q", f.username.Text)
	}
	if f.save.Disabled() {
		t.Fatalf("save disabled; messages: %v", uitest.Texts(w))
	}
	test.Tap(uitest.Button(t, w, "Create user"))
	uitest.Settle(f.wait, s.wait)
	uitest.Settle(s.wait)
	if f.Created == nil {
		t.Fatal("nothing created")
	}
	key, err := st.LiveKey(context.Background(), f.Created.User.ID)
	if err != nil || key.Key != f.Created.Key {
		t.Fatalf("stored key %v, shown %s (%v)", key, f.Created.Key, err)
	}
	shown := uitest.Texts(w)
	if !shown[f.Created.Key] || !shown["Copy key"] {
		t.Fatalf("the confirmation does not show the key: %v", shown)
	}
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	if s.Total() != 1 || s.CellText(0, 1) != "Zoë Brontë" {
		t.Fatalf("table: %d rows, first %q", s.Total(), s.CellText(0, 1))
	}
}

func TestNewUserDialogWarnsAboutTakenEmailBeforeSaving(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	uitest.CreateUser(t, svc, base, "Anna", "Müller", "anna@example.org")
	s, w := newScreen(t, st, svc)
	f := typeNewUser(s, "Anna", "Schmidt", "ANNA@example.org")
	if !uitest.Texts(w)["already used by Anna Müller"] {
		t.Fatalf("no conflict message; texts: %v", uitest.Texts(w))
	}
	if !f.save.Disabled() {
		t.Fatal("save is enabled with a taken email")
	}
	f.submit() // Enter in a field: refused while the problem remains
	uitest.Settle(f.wait, s.wait)
	if n, _ := st.CountAllUsers(context.Background()); n != 1 {
		t.Fatalf("%d users stored", n)
	}
}

func TestSelectAllMatchingAndBulkDeactivate(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	ctx := context.Background()
	if _, err := demo.Fill(ctx, st, demo.Options{Users: 10_000, Seed: 9, Now: svc.Now()}); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	s.SetStatusFilter(data.StatusNotActivated)
	uitest.Settle(s.wait)
	n := s.Total()
	if n < 1000 {
		t.Fatalf("only %d not activated users", n)
	}
	test.Tap(uitest.Button(t, w, "Select all "+display.Count(n)+" matching"))
	uitest.Settle(s.wait)
	if s.Selected() != n || !uitest.Texts(w)[display.Count(n)+" selected"] {
		t.Fatalf("selected %d of %d", s.Selected(), n)
	}
	test.Tap(uitest.Button(t, w, "Deactivate"))
	uitest.Settle(s.wait)
	test.Tap(uitest.Button(t, w, "Deactivate ("+display.Count(n)+")"))
	uitest.Settle(s.wait)
	if s.LastResult == nil || s.LastResult.Done != n {
		t.Fatalf("result %+v, want %d done", s.LastResult, n)
	}
	left, _ := st.CountUsers(ctx, data.UserQuery{Status: data.StatusNotActivated}, svc.Now())
	if left != 0 || s.Total() != 0 || s.statusSelect.Options[1] != "Not activated (0)" {
		t.Fatalf("%d not activated left in the store, table shows %d", left, s.Total())
	}
}

func TestBulkResendSkipsActiveUsersAndSaysSo(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	var ids []string
	for _, n := range []string{"anna", "ben", "cem"} {
		in := base
		in.FirstName, in.LastName, in.Email = n, "Test", n+"@example.org"
		c, err := svc.CreateUser(ctx, in, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.User.ID)
	}
	if _, err := svc.MarkRegistered(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	s.SelectRows(0, 2) // a shift-click range over all three
	uitest.Settle(s.wait)
	if s.Selected() != 3 {
		t.Fatalf("range selected %d", s.Selected())
	}
	s.Bulk(lifecycle.ActionResend)
	uitest.Settle(s.wait)
	if !uitest.Texts(w)["1 user will be skipped: 1 active."] {
		t.Fatalf("no skip notice before running; texts: %v", uitest.Texts(w))
	}
	test.Tap(uitest.Button(t, w, "Resend invitation (2)"))
	uitest.Settle(s.wait)
	if s.LastResult.Done != 2 || len(s.LastResult.Skipped) != 0 {
		t.Fatalf("result %+v", s.LastResult)
	}
	for _, id := range ids[1:] {
		u, _ := st.UserByID(ctx, id)
		if u.Status(svc.Now()) != data.StatusInvited {
			t.Fatalf("user %s is %s", u.Username, u.Status(svc.Now()))
		}
	}
}

func TestRowMenuDisablesForbiddenActionsAndDeleteAsksFirst(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	c := uitest.CreateUser(t, svc, base, "Anna", "Active", "anna@example.org")
	if _, err := svc.MarkRegistered(ctx, c.User.ID); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	items := map[string]*fyne.MenuItem{}
	for _, it := range s.rowMenuItems(s.row(0)) {
		items[it.Label] = it
	}
	if !items["Resend invitation…"].Disabled || !items["New key…"].Disabled || items["Deactivate…"].Disabled {
		t.Fatalf("menu for an active user: resend disabled %v, new key disabled %v, deactivate disabled %v",
			items["Resend invitation…"].Disabled, items["New key…"].Disabled, items["Deactivate…"].Disabled)
	}
	items["Delete…"].Action()
	if !strings.Contains(strings.Join(uitest.Keys(uitest.Texts(w)), "\n"), "Delete Anna Active?") {
		t.Fatalf("delete did not ask first: %v", uitest.Texts(w))
	}
	test.Tap(uitest.Button(t, w, "No"))
	uitest.Settle(s.wait)
	if _, err := st.UserByID(ctx, c.User.ID); err != nil {
		t.Fatalf("cancelled delete deleted: %v", err)
	}
	items["Delete…"].Action()
	test.Tap(uitest.Button(t, w, "Yes"))
	uitest.Settle(s.wait)
	if _, err := st.UserByID(ctx, c.User.ID); err == nil {
		t.Fatal("confirmed delete kept the user")
	}
}

var _ = time.Now

func TestDetailPaneShowsKeyAndHistory(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	c := uitest.CreateUser(t, svc, base, "Łukasz", "Wójcik", "lukasz@example.org")
	if _, err := svc.SendInvitation(ctx, c.User.ID, 0); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	s.table.Select(widget.TableCellID{Row: 0, Col: 1})
	uitest.Settle(s.wait)
	shown := uitest.Texts(w)
	for _, x := range []string{"Łukasz Wójcik", c.Key, "Invited", "lukasz@example.org"} {
		if !shown[x] {
			t.Errorf("detail pane lacks %q", x)
		}
	}
	if !strings.Contains(s.detail.history.Text, "Invitation queued for lukasz@example.org") ||
		!strings.Contains(s.detail.history.Text, "Created") {
		t.Errorf("history: %q", s.detail.history.Text)
	}
	test.Tap(s.detail.copyKey)
	if got := fyne.CurrentApp().Clipboard().Content(); got != c.Key {
		t.Errorf("copied %q, want the key %q", got, c.Key)
	}
}

func TestNewUserDialogEscapeCancels(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	s, w := newScreen(t, st, svc)
	s.NewUser("")
	uitest.Settle(s.wait)
	f := s.lastForm
	test.Type(f.first, "Zoë")
	f.first.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	uitest.Settle(f.wait, s.wait)
	// Something was typed: Escape asks before it is lost.
	uitest.MustShow(t, w, "Discard your changes?")
	test.Tap(uitest.Button(t, w, "Discard"))
	if uitest.Texts(w)["New user"] && w.Canvas().Overlays().Top() != nil {
		t.Fatal("Escape did not close the dialog")
	}
	if n, _ := st.CountAllUsers(context.Background()); n != 0 {
		t.Fatalf("%d users stored after Escape", n)
	}
}

func TestEditUserUsesTheSameFormFilledIn(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	c := uitest.CreateUser(t, svc, base, "Anna", "Müller", "anna@example.org")
	s, w := newScreen(t, st, svc)
	s.EditUser(c.User.ID)
	uitest.Settle(s.wait)
	f := s.lastForm
	if f == nil || f.first.Text != "Anna" || f.email.Text != "anna@example.org" || f.role.Selected != "Teacher" ||
		len(f.unitBox.Selected()) != 1 {
		t.Fatalf("edit form not filled: %+v", f)
	}
	f.last.SetText("Schäfer")
	uitest.Settle(f.wait, s.wait)
	test.Tap(uitest.Button(t, w, "Save changes"))
	uitest.Settle(f.wait, s.wait)
	u, _ := st.UserByID(ctx, c.User.ID)
	if u.LastName != "Schäfer" || u.Username != "anna" {
		t.Fatalf("after edit: %s %s", u.LastName, u.Username)
	}
}

func TestRowResendLetsTheAdminCorrectTheEmail(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	c := uitest.CreateUser(t, svc, base, "Elif", "Doğan", "elif@exmaple.org")
	s, w := newScreen(t, st, svc)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	for _, it := range s.rowMenuItems(s.row(0)) {
		if it.Label == "Resend invitation…" {
			it.Action()
		}
	}
	var entry *widget.Entry
	uitest.Walk(w.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && e.Text == "elif@exmaple.org" {
			entry = e
		}
	})
	if entry == nil {
		t.Fatalf("no email field with the current address; texts %v", uitest.Texts(w))
	}
	entry.SetText("elif@example")
	if !uitest.Button(t, w, "Resend").Disabled() {
		t.Fatal("Resend is enabled for an address without a domain")
	}
	entry.SetText("elif@example.org")
	test.Tap(uitest.Button(t, w, "Resend"))
	uitest.Settle(s.wait)
	u, _ := st.UserByID(ctx, c.User.ID)
	key, _ := st.LiveKey(ctx, c.User.ID)
	if u.Email != "elif@example.org" || u.Status(svc.Now()) != data.StatusInvited || key.Key == c.Key {
		t.Fatalf("after resend: email %s, status %s, key changed %v", u.Email, u.Status(svc.Now()), key.Key != c.Key)
	}
	if !uitest.Texts(w)[key.Key] {
		t.Fatal("the new key is not shown")
	}
}

func TestDeleteKeyInTheTableAsksToDeleteTheSelection(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	in := base
	in.FirstName, in.LastName = "Anna", "Müller"
	if _, err := svc.CreateUser(context.Background(), in, 0); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	s.SelectRows(0, 0)
	uitest.Settle(s.wait)
	var box *deleteKeyCheck
	uitest.Walk(w.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*deleteKeyCheck); ok && b.Checked {
			box = b
		}
	})
	if box == nil {
		t.Fatal("no ticked selection box on screen")
	}
	w.Canvas().Focus(box)
	box.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	uitest.Settle(s.wait)
	if !uitest.Texts(w)["Delete 1 user?"] {
		t.Fatalf("Delete in the selection box did not ask; texts %v", uitest.Texts(w))
	}
	s.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	uitest.Settle(s.wait)
	if n, _ := st.CountUsers(context.Background(), data.UserQuery{}, svc.Now()); n != 1 {
		t.Fatal("Delete deleted without confirmation")
	}
}

func TestChangingTheFilterClearsTheSelection(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	for _, n := range []string{"Anna", "Ben"} {
		in := base
		in.FirstName, in.LastName = n, "Test"
		if _, err := svc.CreateUser(context.Background(), in, 0); err != nil {
			t.Fatal(err)
		}
	}
	s, w := newScreen(t, st, svc)
	s.SelectAllMatching()
	uitest.Settle(s.wait)
	if s.Selected() != 2 {
		t.Fatalf("selected %d", s.Selected())
	}
	s.SortBy(2) // sorting keeps it
	uitest.Settle(s.wait)
	if s.Selected() != 2 {
		t.Fatalf("sorting changed the selection to %d", s.Selected())
	}
	test.Type(s.search, "anna")
	s.applySearch()
	uitest.Settle(s.wait)
	if s.Selected() != 0 || s.Total() != 1 || !uitest.Texts(w)["No users selected"] {
		t.Fatalf("after filtering: %d selected, %d shown", s.Selected(), s.Total())
	}
}

func TestNewUserWithAdditionalPermissions(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	ctx := context.Background()
	teacher, err := st.RoleByName(ctx, "Teacher")
	if err != nil {
		t.Fatal(err)
	}
	teacher.Permissions = "chat"
	if err := st.SaveRole(ctx, teacher); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	f := typeNewUser(s, "Zoë", "Brontë", "")
	chat, dir := f.extra[syncapi.PermChat], f.extra[syncapi.PermDirectory]
	if !chat.Checked || !chat.Disabled() || chat.Text != "Chat (from the role)" || dir.Checked || dir.Disabled() {
		t.Fatalf("chat %q checked %v disabled %v; directory checked %v", chat.Text, chat.Checked, chat.Disabled(), dir.Checked)
	}
	dir.SetChecked(true)
	test.Tap(uitest.Button(t, w, "Create user"))
	uitest.Settle(f.wait, s.wait)
	if f.Created == nil {
		t.Fatalf("nothing created: %v", uitest.Keys(uitest.Texts(w)))
	}
	u, err := st.UserByID(ctx, f.Created.User.ID)
	if err != nil || u.ExtraPermissions != "directory" {
		t.Fatalf("stored extra permissions %q (%v)", u.ExtraPermissions, err)
	}
	s.detail.show(u.ID)
	uitest.Settle(s.wait)
	if got := s.detail.values["Also may"].Text; got != "See the directory" {
		t.Fatalf("detail pane: %q", got)
	}
	// Editing shows them ticked; a role that grants them too makes them plain.
	s.EditUser(u.ID)
	uitest.Settle(s.wait)
	e := s.lastForm
	if !e.extra[syncapi.PermDirectory].Checked || e.extra[syncapi.PermDirectory].Disabled() {
		t.Fatal("the edit form does not show the additional permission")
	}
	test.Tap(uitest.Button(t, w, "Cancel"))

	// An operator who may not manage roles sees them and cannot change them; an
	// edit of another field keeps them.
	s.SetPermissions(NewPermissions(true, &syncapi.Me{Operator: "bob", Permissions: []syncapi.Permission{syncapi.PermAddUsers}}))
	s.EditUser(u.ID)
	uitest.Settle(s.wait)
	e = s.lastForm
	if d := e.extra[syncapi.PermDirectory]; !d.Checked || !d.Disabled() || !e.extraNote.Visible() ||
		!strings.Contains(e.extraNote.Text, "may not change roles and their permissions") {
		t.Fatalf("locked: checked %v disabled %v note %q", d.Checked, d.Disabled(), e.extraNote.Text)
	}
	test.Type(e.mobile, "+49 151 1234567")
	uitest.Settle(e.wait, s.wait)
	test.Tap(uitest.Button(t, w, "Save changes"))
	uitest.Settle(e.wait, s.wait)
	if u, _ = st.UserByID(ctx, u.ID); u.Mobile == "" || u.ExtraPermissions != "directory" {
		t.Fatalf("after the edit: mobile %q, extra permissions %q", u.Mobile, u.ExtraPermissions)
	}
}

func TestUnitFilterHoldsSeveralUnits(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	for _, n := range []string{"Klasse 10a", "Klasse 5a"} {
		u := &data.Unit{Name: n}
		if err := st.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
		in := base
		in.UnitIDs = []string{u.ID}
		uitest.CreateUser(t, svc, in, "In", n, "")
	}
	uitest.CreateUser(t, svc, base, "In", "Werk Süd", "")
	s, w := newScreen(t, st, svc)
	if got := s.unitFilter.pick.Options(); !slices.Equal(got, []string{"Klasse 5a", "Klasse 10a", "Werk Süd"}) {
		t.Fatalf("filter options %v", got)
	}
	test.Tap(s.unitFilter.button)
	s.unitFilter.pick.SetSelected([]string{"Klasse 5a", "Klasse 10a"})
	uitest.Settle(s.wait)
	if s.Total() != 2 || s.unitFilter.button.Text != "2 units" || !uitest.Texts(w)["· filtered by 2 units"] {
		t.Fatalf("two units: %d users, button %q", s.Total(), s.unitFilter.button.Text)
	}
	s.unitFilter.pick.SetSelected([]string{"Klasse 10a"})
	uitest.Settle(s.wait)
	if s.Total() != 1 || s.CellText(0, 1) != "In Klasse 10a" || !uitest.Texts(w)["· filtered by unit Klasse 10a"] {
		t.Fatalf("one unit: %d users, first %q", s.Total(), s.CellText(0, 1))
	}
	test.Tap(uitest.Button(t, w, "Clear filters"))
	uitest.Settle(s.wait)
	if s.Total() != 3 || s.unitFilter.button.Text != "All units" {
		t.Fatalf("cleared: %d users, button %q", s.Total(), s.unitFilter.button.Text)
	}
}

func TestNewUserPicksAUnitInThePicker(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	ctx := context.Background()
	ids := map[string]string{}
	for g := 1; g <= 12; g++ {
		for _, c := range "abcdefghij" {
			u := &data.Unit{Name: fmt.Sprintf("Klasse %d%c", g, c)}
			if err := st.CreateUnit(ctx, u); err != nil {
				t.Fatal(err)
			}
			ids[u.Name] = u.ID
		}
	}
	s, w := newScreen(t, st, svc)
	s.NewUser("")
	uitest.Settle(s.wait)
	f := s.lastForm
	test.Type(f.first, "Jana")
	test.Type(f.last, "Novák")
	f.role.SetSelected("Teacher")
	if n := len(f.unitBox.Options()); n != 121 {
		t.Fatalf("the picker offers %d units", n)
	}
	test.Type(f.unitBox.Search, "klasse 10b")
	test.Tap(uitest.CheckUnder(t, f.unitBox, "Klasse 10b"))
	uitest.Settle(f.wait, s.wait)
	if got := f.unitBox.Selected(); len(got) != 1 || got[0] != "Klasse 10b" {
		t.Fatalf("chosen %v", got)
	}
	test.Tap(uitest.Button(t, w, "Create user"))
	uitest.Settle(f.wait, s.wait)
	if f.Created == nil {
		t.Fatalf("nothing created: %v", uitest.Keys(uitest.Texts(w)))
	}
	units, err := st.UserUnitIDs(ctx, f.Created.User.ID)
	if err != nil || len(units) != 1 || units[0] != ids["Klasse 10b"] {
		t.Fatalf("units of the new user %v (%v), want %s", units, err, ids["Klasse 10b"])
	}
}

// TestExtendValidityKeepsTheKeyOfTheLetter: the row menu's Extend validity… asks
// for the days (the default filled in, a wrong number refused) and moves the end of
// the same key; the bulk action does it for the selection, skipping who cannot.
func TestExtendValidityKeepsTheKeyOfTheLetter(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	c := uitest.CreateUser(t, svc, base, "Elif", "Doğan", "elif@example.org")
	s, w := newScreen(t, st, svc)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	for _, it := range s.rowMenuItems(s.row(0)) {
		if it.Label == "Extend validity…" {
			if it.Disabled {
				t.Fatal("Extend validity… is off for a user with a key")
			}
			it.Action()
		}
	}
	uitest.Settle(s.wait)
	if s.lastDays == nil || s.lastDays.Text != strconv.Itoa(settings.DefaultValidDays) {
		t.Fatal("the days field is not filled with the default of invite.valid_days")
	}
	s.lastDays.SetText("0")
	if !uitest.Button(t, w, "Extend").Disabled() {
		t.Fatal("Extend is enabled for 0 days")
	}
	s.lastDays.SetText("60")
	test.Tap(uitest.Button(t, w, "Extend"))
	uitest.Settle(s.wait)
	key, err := st.LiveKey(ctx, c.User.ID)
	if err != nil || key.Key != c.Key || !key.ExpiresAt.Equal(svc.Now().AddDate(0, 0, 60).Truncate(time.Second).UTC()) {
		t.Fatalf("key after extending: %+v, %v; want %s until %v", key, err, c.Key, svc.Now().AddDate(0, 0, 60))
	}

	active := uitest.CreateUser(t, svc, base, "Cem", "Aktiv", "cem@example.org")
	if _, err := svc.MarkRegistered(ctx, active.User.ID); err != nil {
		t.Fatal(err)
	}
	s.Reload()
	uitest.Settle(s.wait)
	s.SelectAllMatching()
	uitest.Settle(s.wait)
	s.Bulk(lifecycle.ActionExtend)
	uitest.Settle(s.wait)
	s.lastDays.SetText("90")
	test.Tap(uitest.Button(t, w, "Extend"))
	uitest.Settle(s.wait)
	if !anyTextContains(w, "1 user will be skipped: 1 active.") {
		t.Errorf("the question does not say who is skipped: %v", uitest.Keys(uitest.Texts(w)))
	}
	test.Tap(uitest.Button(t, w, "Extend validity (1)"))
	uitest.Settle(s.wait)
	if key, _ := st.LiveKey(ctx, c.User.ID); key.Key != c.Key || !key.ExpiresAt.Equal(svc.Now().AddDate(0, 0, 90).Truncate(time.Second).UTC()) {
		t.Fatalf("after the bulk extension: %+v", key)
	}
}

// anyTextContains reports whether a text shown in w contains part.
func anyTextContains(w fyne.Window, part string) bool {
	for text := range uitest.Texts(w) {
		if strings.Contains(text, part) {
			return true
		}
	}
	return false
}

// TestExpiryRadarShowsWhoseKeysRunOutSoon: two of three invited users' keys run out
// within radarDays; the line above the table says so per unit, Show them filters to
// them, and Clear filters brings everyone back.
func TestExpiryRadarShowsWhoseKeysRunOutSoon(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	for _, p := range []struct {
		name string
		days int
	}{{"Anna", 1}, {"Ben", 2}, {"Cem", 30}} {
		in := base
		in.FirstName, in.LastName = p.name, "Radar"
		if _, err := svc.CreateUser(ctx, in, p.days); err != nil {
			t.Fatal(err)
		}
	}
	s, w := newScreen(t, st, svc)
	uitest.Settle(s.wait)
	const want = "2 keys run out in the next 3 days: Werk Süd 2."
	if !s.radar.box.Visible() || !uitest.Texts(w)[want] {
		t.Fatalf("the radar line: visible %v, %q; want %q", s.radar.box.Visible(), s.radar.line.Text, want)
	}
	test.Tap(uitest.Button(t, w, "Show them"))
	uitest.Settle(s.wait)
	if s.Total() != 2 || s.radar.box.Visible() || !anyTextContains(w, "keys running out in the next 3 days") {
		t.Fatalf("after Show them: %d users, radar visible %v, filter %q", s.Total(), s.radar.box.Visible(), s.filterNote.Text)
	}
	test.Tap(uitest.Button(t, w, "Clear filters"))
	uitest.Settle(s.wait)
	if s.Total() != 3 || !s.radar.box.Visible() {
		t.Fatalf("after Clear filters: %d users, radar visible %v", s.Total(), s.radar.box.Visible())
	}
}

func TestRadarTextNamesTheUnitsWithTheMostFirst(t *testing.T) {
	units := []data.CatalogCount{{Name: "5a", Users: 1}, {Name: "5b", Users: 9}, {Name: "6a", Users: 4}, {Name: "6b", Users: 2}, {Name: "7a", Users: 1}}
	if got, want := radarText(17, units), "17 keys run out in the next 3 days: 5b 9, 6a 4, 6b 2, 2 more units."; got != want {
		t.Errorf("radar %q, want %q", got, want)
	}
	if got := radarText(1, units[:1]); got != "1 key runs out in the next 3 days: 5a 1." {
		t.Errorf("one key: %q", got)
	}
	if got := radarText(0, nil); got != "" {
		t.Errorf("no key: %q", got)
	}
}
