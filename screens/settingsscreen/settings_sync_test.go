package settingsscreen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/server/store"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/internal/syncclient"
	"onboard/screens/internal/uitest"
)

// fastRetries makes the settings screen's sync retry failed requests at once.
func fastRetries(s *Screen) { s.Syncer.Backoff = time.Millisecond }

func TestSettingsServerRefusesABadAddressAndStoresTheTokenApart(t *testing.T) {
	s, w, st := openSettings(t)
	y := s.sync
	saved := 0
	s.OnSyncSaved = func() { saved++ }
	if y.tokenNote.Text != noToken || y.url.Text != "" || !uitest.Button(t, w, "Sync now").Disabled() {
		t.Fatalf("fresh: note %q, address %q, Sync now enabled %v", y.tokenNote.Text, y.url.Text, !uitest.Button(t, w, "Sync now").Disabled())
	}

	y.url.SetText("onboard.example.org")
	y.token.SetText("tok-123")
	test.Tap(uitest.Button(t, w, "Save server settings"))
	uitest.Settle(s.wait)
	if got := s.SyncFieldError(settings.SyncURL); !strings.Contains(got, "Server address must start with https:// or http://") {
		t.Errorf("address error %q", got)
	}
	if !uitest.Texts(w)["Nothing was saved: correct the fields marked in red."] || saved != 0 {
		t.Errorf("no word that nothing was saved (%d saves)", saved)
	}
	if url, tok, err := settings.SyncConfig(context.Background(), st); url != "" || tok != "" || err == nil {
		t.Fatalf("stored with a bad address: %q %q %v", url, tok, err)
	}

	// A token with a space inside is refused too.
	y.url.SetText(" https://Onboard.Example.org/ ")
	if s.SyncFieldError(settings.SyncURL) != "" {
		t.Error("the address error stays after the address was changed")
	}
	y.token.SetText("tok 123")
	test.Tap(uitest.Button(t, w, "Save server settings"))
	uitest.Settle(s.wait)
	if got := s.SyncFieldError(settings.SyncToken); !strings.Contains(got, "Operator token must be one word without spaces") {
		t.Errorf("token error %q", got)
	}

	y.token.SetText("tok-123")
	test.Tap(uitest.Button(t, w, "Save server settings"))
	uitest.Settle(s.wait)
	url, tok, err := settings.SyncConfig(context.Background(), st)
	if err != nil || url != "https://onboard.example.org" || tok != "tok-123" {
		t.Fatalf("stored %q %q %v", url, tok, err)
	}
	if raw, _ := st.Setting(context.Background(), settings.SyncToken.Name, ""); strings.Contains(raw, "tok-123") {
		t.Error("the token is in the database although there is a keyring")
	}
	if y.tokenNote.Text != "Token stored in the OS keyring." || y.token.Text != "" || y.url.Text != "https://onboard.example.org" || saved != 1 {
		t.Errorf("after saving: note %q, token field %q, address %q, %d saves", y.tokenNote.Text, y.token.Text, y.url.Text, saved)
	}
	if !uitest.Texts(w)["Server settings saved; syncing starts."] || uitest.Button(t, w, "Sync now").Disabled() {
		t.Error("no confirmation, or Sync now stays disabled")
	}

	// An empty token field keeps the token; Remove token removes it.
	y.url.SetText("https://onboard2.example.org")
	test.Tap(uitest.Button(t, w, "Save server settings"))
	uitest.Settle(s.wait)
	if url, tok, _ := settings.SyncConfig(context.Background(), st); url != "https://onboard2.example.org" || tok != "tok-123" {
		t.Errorf("after changing the address: %q %q", url, tok)
	}
	test.Tap(uitest.Button(t, w, "Remove token"))
	if y.tokenNote.Text != "The stored token is removed when you save." {
		t.Errorf("note %q", y.tokenNote.Text)
	}
	test.Tap(uitest.Button(t, w, "Save server settings"))
	uitest.Settle(s.wait)
	if _, tok, err := settings.SyncConfig(context.Background(), st); tok != "" || err != settings.ErrNoSyncToken {
		t.Errorf("after removing: token %q, %v", tok, err)
	}
	if y.tokenNote.Text != noToken || !uitest.Button(t, w, "Sync now").Disabled() ||
		!uitest.Texts(w)["Server settings saved; enter the operator token to sync."] {
		t.Errorf("after removing: note %q", y.tokenNote.Text)
	}
}

func TestSettingsSyncNowAgainstARealServer(t *testing.T) {
	srv := uitest.StartSyncServer(t)
	s, w, st := openSettings(t)
	fastRetries(s)
	svc := lifecycle.New(st)
	ctx := context.Background()
	role, err := st.Roles(ctx)
	if err != nil || len(role) != 1 {
		t.Fatal(role, err)
	}
	units, _ := st.Units(ctx)
	for _, n := range []string{"anna", "ben"} {
		if _, err := svc.CreateUser(ctx, lifecycle.UserInput{
			FirstName: n, LastName: "Test", Email: n + "@example.org",
			RoleID: role[0].ID, UnitIDs: []string{units[0].ID},
		}, 0); err != nil {
			t.Fatal(err)
		}
	}
	uitest.SetSync(t, st, srv.URL, srv.Operator(t, "alice", store.Permissions...))
	s.Reload()
	uitest.Settle(s.wait)
	if got := s.SyncResult(); got != "Not synced yet." {
		t.Errorf("before: %q", got)
	}
	var reported []syncclient.Outcome
	s.OnSynced = func(o syncclient.Outcome) { reported = append(reported, o) }
	test.Tap(uitest.Button(t, w, "Sync now"))
	if !strings.HasPrefix(s.sync.status.Text, "Syncing with "+srv.URL) || !uitest.Button(t, w, "Sync now").Disabled() {
		t.Errorf("while syncing: %q", s.sync.status.Text)
	}
	uitest.Settle(s.wait)
	// A role, a unit, two users and their keys.
	if got := s.SyncResult(); !strings.Contains(got, "Synced at ") || !strings.Contains(got, "sent 6 changes, received none, no conflicts, none refused.") {
		t.Errorf("result %q", got)
	}
	if got := s.SyncOperator(); got != "Operator alice: may add users, create invite keys, invite or import many users at once, "+
		"change users other operators created, change roles and their permissions, change units, change groups "+
		"and change invite keys other operators created." {
		t.Errorf("operator %q", got)
	}
	if len(reported) != 1 || reported[0].Err != nil || reported[0].Result.Pushed != 6 || reported[0].Me == nil {
		t.Fatalf("reported %+v", reported)
	}
	if c, _ := st.SyncCounts(ctx); c != (data.SyncCounts{}) {
		t.Errorf("waiting after sync: %+v", c)
	}
	// A reopened screen shows when it last synced.
	s2, _ := uitest.ShowScreen(t, 1200, 1000, func(w fyne.Window) *Screen { return New(st, w) }, (*Screen).wait)
	if got := s2.SyncResult(); !strings.HasPrefix(got, "Last synced ") || s2.SyncOperator() == "" {
		t.Errorf("reopened: %q, operator %q", got, s2.SyncOperator())
	}

	// A token the server does not know.
	uitest.SetSync(t, st, srv.URL, "not-a-token")
	s.SyncNow()
	uitest.Settle(s.wait)
	if got := s.SyncResult(); !strings.HasPrefix(got, "The server refused the operator token") {
		t.Errorf("bad token: %q", got)
	}
	if s.sync.result.Importance != widget.DangerImportance {
		t.Error("the refusal is not shown as an error")
	}

	// A server that does not answer.
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	uitest.SetSync(t, st, gone.URL, "tok")
	s.SyncNow()
	uitest.Settle(s.wait)
	if got := s.SyncResult(); !strings.HasPrefix(got, "Could not reach the server at "+gone.URL+": nothing answers at that address") {
		t.Errorf("unreachable: %q", got)
	}

	// A server with a problem of its own.
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":"the database is being upgraded"}`))
	}))
	t.Cleanup(broken.Close)
	uitest.SetSync(t, st, broken.URL, "tok")
	s.SyncNow()
	uitest.Settle(s.wait)
	if got := s.SyncResult(); !strings.HasPrefix(got, "The server reported a problem (503): the database is being upgraded.") {
		t.Errorf("server error: %q", got)
	}
}

func TestSettingsSyncShowsRefusedChangesWithTheReason(t *testing.T) {
	srv := uitest.StartSyncServer(t)
	s, w, st := openSettings(t)
	fastRetries(s)
	svc := lifecycle.New(st)
	ctx := context.Background()
	role, _ := st.Roles(ctx)
	units, _ := st.Units(ctx)
	if _, err := svc.CreateUser(ctx, lifecycle.UserInput{
		FirstName: "Anna", LastName: "Müller", Email: "anna@example.org",
		RoleID: role[0].ID, UnitIDs: []string{units[0].ID},
	}, 0); err != nil {
		t.Fatal(err)
	}
	uitest.SetSync(t, st, srv.URL, srv.Operator(t, "bob", syncapi.PermAddUsersByLink))
	s.Reload()
	uitest.Settle(s.wait)
	test.Tap(uitest.Button(t, w, "Sync now"))
	uitest.Settle(s.wait)
	if got := s.SyncResult(); !strings.Contains(got, "refused") || strings.Contains(got, "none refused") {
		t.Errorf("result %q", got)
	}
	if got := s.sync.problems.Text; !strings.Contains(got, "• user Anna Müller: changing a user needs the add-users or manage-users permission") {
		t.Errorf("problems %q", got)
	}
	if got := s.SyncOperator(); got != "Operator bob: may create invite keys." {
		t.Errorf("operator %q", got)
	}
}
