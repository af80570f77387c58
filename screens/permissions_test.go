package screens

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/zalando/go-keyring"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/server/store"
	"onboard/internal/syncapi"
	"onboard/internal/syncclient"
	"onboard/screens/internal/uikit"
	"onboard/screens/internal/uitest"
)

// permissionsOf reads the permissions as the window does: from the saved operator
// when sync is set up.
func permissionsOf(t *testing.T, st *data.Store) Permissions {
	t.Helper()
	out := syncclient.NewRunner(st, nil).State(context.Background())
	if out.ReadErr != nil {
		t.Fatal(out.ReadErr)
	}
	return NewPermissions(out.Configured, out.Me)
}

func TestActionsTheOperatorMayNotTakeAreOffWithATooltip(t *testing.T) {
	test.NewTempApp(t)
	keyring.MockInit()
	srv := uitest.StartSyncServer(t)
	st, svc, _ := uitest.OpenStore(t)
	s, w := newScreen(t, st, svc)

	// Not set up: nothing is off, even with a saved operator lacking permissions.
	uitest.SavedMe(t, st, srv, srv.Operator(t, "bob", syncapi.PermAddUsersByLink, syncapi.PermManageRoles,
		syncapi.PermManageUnits, syncapi.PermManageGroups))
	uitest.SetSync(t, st, "", "")
	s.SetPermissions(permissionsOf(t, st))
	if uitest.Button(t, w, "New user").Disabled() || s.newUser.Tip.Text() != "" || s.permNote.Visible() {
		t.Fatal("without sync set up an action is off")
	}

	// Bob may create invite keys only.
	uitest.SavedMe(t, st, srv, srv.Operator(t, "bob2", syncapi.PermAddUsersByLink))
	s.SetPermissions(permissionsOf(t, st))
	newUser := uitest.Button(t, w, "New user")
	if !newUser.Disabled() || !uitest.Button(t, w, "Import…").Disabled() || !uitest.Button(t, w, "Invite by email…").Disabled() {
		t.Fatal("New user, Import and Invite by email stay enabled")
	}
	want := "Your operator account “bob2” on the server may not add users (it lacks the permission add-users)."
	if got := s.newUser.Tip.Text(); got != want {
		t.Errorf("tooltip %q", got)
	}
	if got := s.permNote.Text; !s.permNote.Visible() || got != "Import…, Invite by email… and New user are off: your operator account “bob2” "+
		"on the server lacks the permissions bulk-invite and add-users." {
		t.Errorf("note %q", got)
	}

	// The tooltip shows while the pointer rests on the button, near the pointer.
	test.MoveMouse(w.Canvas(), uitest.Center(newUser))
	if !s.newUser.Tip.Shown() || !uitest.Texts(w)[want] {
		t.Fatal("no tooltip over the disabled button")
	}
	test.MoveMouse(w.Canvas(), uitest.Center(newUser).Add(fyne.NewPos(2, 1)))
	if !s.newUser.Tip.Shown() {
		t.Error("the tooltip went away while the pointer stayed on the button")
	}
	test.MoveMouse(w.Canvas(), fyne.NewPos(5, 300))
	if s.newUser.Tip.Shown() || len(w.Canvas().Overlays().List()) != 0 {
		t.Error("the tooltip stays after the pointer left")
	}

	// Ctrl+N and the unit screen's "New user in this unit" go through NewUser: it says why.
	s.NewUser("")
	uitest.Settle(s.wait)
	if s.lastForm != nil || !uitest.LabelShown(w, want) {
		t.Error("NewUser opened the form or did not say why")
	}

	// The invite keys screen: bob2 may create keys.
	k, kw := showScreen(t, 1200, 700, func(w fyne.Window) *KeysScreen { return NewKeysScreen(st, svc, w) })
	k.SetPermissions(permissionsOf(t, st))
	if uitest.Button(t, kw, "New invite key").Disabled() || k.newKey.Tip.Text() != "" {
		t.Error("New invite key is off for an operator who may create keys")
	}

	// With every permission everything is on again.
	uitest.SavedMe(t, st, srv, srv.Operator(t, "carol", store.Permissions...))
	s.SetPermissions(permissionsOf(t, st))
	if uitest.Button(t, w, "New user").Disabled() || s.newUser.Tip.Text() != "" || s.permNote.Visible() {
		t.Error("New user stays off with every permission")
	}
	test.MoveMouse(w.Canvas(), uitest.Center(uitest.Button(t, w, "New user")))
	if s.newUser.Tip.Shown() {
		t.Error("a tooltip over an enabled button")
	}
}

func TestKeysAndImportsFollowThePermissions(t *testing.T) {
	test.NewTempApp(t)
	keyring.MockInit()
	srv := uitest.StartSyncServer(t)
	st, svc, _ := uitest.OpenStore(t)
	uitest.SavedMe(t, st, srv, srv.Operator(t, "dora", syncapi.PermAddUsers))
	p := permissionsOf(t, st)

	k, kw := showScreen(t, 1200, 700, func(w fyne.Window) *KeysScreen { return NewKeysScreen(st, svc, w) })
	k.SetPermissions(p)
	if !uitest.Button(t, kw, "New invite key").Disabled() || !strings.Contains(k.newKey.Tip.Text(), "may not create invite keys") {
		t.Errorf("New invite key: tooltip %q", k.newKey.Tip.Text())
	}
	c, cw := showScreen(t, 1100, 600, func(w fyne.Window) *CatalogScreen { return NewCatalogScreen(st, svc, w) })
	c.SetPermissions(p)
	if uitest.Button(t, cw, "New user in this unit").Disabled() {
		t.Error("New user in this unit is off for an operator who may add users")
	}
	// dora may not change units or groups: the server would refuse it.
	for _, b := range append(slices.Clone(c.unitEdits), c.groupEdits...) {
		if !b.Button.Disabled() || !strings.Contains(b.Tip.Text(), "may not change") {
			t.Errorf("%s: enabled %v, tooltip %q", b.Button.Text, !b.Button.Disabled(), b.Tip.Text())
		}
	}
	c.SetPermissions(uikit.NewPermissions(false, nil))
	if uitest.Button(t, cw, "New unit").Disabled() || uitest.Button(t, cw, "New group").Disabled() {
		t.Error("New unit or New group stays off without sync")
	}
}

func TestUserDetailShowsARefusedChangeAndConflictsInTheHistory(t *testing.T) {
	test.NewTempApp(t)
	keyring.MockInit()
	srv := uitest.StartSyncServer(t)
	ctx := context.Background()
	st, svc, base := uitest.OpenStore(t)
	in := base
	in.FirstName, in.LastName, in.Email = "Anna", "Müller", "anna@example.org"
	anna, err := svc.CreateUser(ctx, in, 0)
	if err != nil {
		t.Fatal(err)
	}

	// An operator who may manage roles and units but not add users: the server refuses Anna.
	runner := syncclient.NewRunner(st, nil)
	runner.Backoff = 1
	uitest.SetSync(t, st, srv.URL, srv.Operator(t, "bob", syncapi.PermAddUsersByLink, syncapi.PermManageRoles,
		syncapi.PermManageUnits, syncapi.PermManageGroups))
	if out := runner.Run(ctx); out.Err != nil || out.Result.Refused == 0 {
		t.Fatalf("sync: %+v", out)
	}
	s, _ := newScreen(t, st, svc)
	s.detail.show(anna.User.ID)
	uitest.Settle(s.wait)
	if got := s.detail.refused.Text; !s.detail.refused.Visible() ||
		got != "Not synced: the server refused the last change of this user: changing a user needs the add-users or manage-users permission; "+
			"the server refused this user's personal key: changing a personal key needs the add-users or manage-users permission. "+
			"It goes to the server again after the next change here." {
		t.Errorf("refusal %q", got)
	}

	// With an operator who may: Anna goes through, and the note goes away.
	uitest.SetSync(t, st, srv.URL, srv.Operator(t, "alice", store.Permissions...))
	in.Mobile = "+49 170 1234567"
	if _, err := svc.EditUser(ctx, anna.User.ID, in); err != nil {
		t.Fatal(err)
	}
	if out := runner.Run(ctx); out.Err != nil || out.Result.Pushed != 1 {
		t.Fatalf("sync: %+v", out)
	}
	s.detail.show(anna.User.ID)
	uitest.Settle(s.wait)
	// The key was refused in its current version: it goes again when it changes.
	if got := s.detail.refused.Text; got != "Not synced: the server refused this user's personal key: "+
		"changing a personal key needs the add-users or manage-users permission. It goes to the server again after the next change here." {
		t.Errorf("after the user went through: %q", got)
	}

	// Another computer changes Anna's email on the server while this one changes it too.
	st2, err := data.Open(filepath.Join(t.TempDir(), "other.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	other := &syncclient.Client{Store: st2, URL: srv.URL, Token: srv.Operator(t, "carol", store.Permissions...), Backoff: 1}
	if _, err := other.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	in2 := in
	in2.Email = "anna.mueller@example.org"
	if _, err := lifecycle.New(st2).EditUser(ctx, anna.User.ID, in2); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	in.Email = "anna.m@example.org"
	if _, err := svc.EditUser(ctx, anna.User.ID, in); err != nil {
		t.Fatal(err)
	}
	if out := runner.Run(ctx); out.Err != nil || out.Result.Conflicts != 1 {
		t.Fatalf("sync: %+v", out.Result)
	}
	s.Reload()
	s.detail.show(anna.User.ID)
	uitest.Settle(s.wait)
	hist := s.detail.history.Text
	if !strings.Contains(hist, "Changed on the server meanwhile: the server's version was kept") ||
		!strings.Contains(hist, "· sync with the server\n    Email: made here “anna.m@example.org”; kept from the server “anna.mueller@example.org”") {
		t.Errorf("history:\n%s", hist)
	}
	if got := s.detail.values["Email"].Text; got != "anna.mueller@example.org" {
		t.Errorf("email %q", got)
	}
}
