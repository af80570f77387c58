package syncclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/server/api"
	"onboard/internal/server/store"
	"onboard/internal/server/web"
	"onboard/internal/syncapi"
	"onboard/internal/syncclient"
)

// server is a real onboard-server (its store and API handler) on loopback.
type server struct {
	st  *store.Store
	url string
}

func startServer(t testing.TB) *server {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(st, slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { srv.Close(); st.Close() })
	return &server{st: st, url: srv.URL}
}

// token adds an operator with the permissions (all when none are given).
func (s *server) token(t testing.TB, name string, perms ...syncapi.Permission) string {
	t.Helper()
	if perms == nil {
		perms = store.Permissions
	}
	tok, err := s.st.AddOperator(context.Background(), name, perms)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// records returns every row the server has, by entity and ID.
func (s *server) records(t testing.TB) map[string]syncapi.Record {
	t.Helper()
	out := map[string]syncapi.Record{}
	for cursor := int64(0); ; {
		page, err := s.st.Pull(context.Background(), cursor, syncapi.MaxPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Records {
			out[string(r.Entity)+"/"+r.ID] = r
		}
		cursor = page.Cursor
		if !page.More {
			return out
		}
	}
}

// count counts the server's rows of one entity.
func (s *server) count(t testing.TB, e syncapi.Entity) int {
	n := 0
	for _, r := range s.records(t) {
		if r.Entity == e {
			n++
		}
	}
	return n
}

// desk is one desktop app: a local store, its services and a sync client.
type desk struct {
	st     *data.Store
	svc    *lifecycle.Service
	client *syncclient.Client
	role   string
	unit   string
}

func newDesk(t testing.TB, s *server, token string, rt http.RoundTripper) *desk {
	t.Helper()
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hc := &http.Client{Timeout: 5 * time.Second, Transport: rt}
	return &desk{
		st: st, svc: lifecycle.New(st),
		client: &syncclient.Client{Store: st, URL: s.url, Token: token, HTTP: hc, Backoff: time.Millisecond},
	}
}

// catalog creates a role and a unit.
func (d *desk) catalog(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	r := &data.Role{Name: "Student"}
	if err := d.st.CreateRole(ctx, r); err != nil {
		t.Fatal(err)
	}
	u, err := d.svc.CreateUnit(ctx, "Class 5a")
	if err != nil {
		t.Fatal(err)
	}
	d.role, d.unit = r.ID, u.ID
}

// users creates n users named prefix1…prefixN and returns them with their keys.
func (d *desk) users(t testing.TB, prefix string, n int) []*lifecycle.Created {
	t.Helper()
	var out []*lifecycle.Created
	for i := 1; i <= n; i++ {
		c, err := d.svc.CreateUser(context.Background(), lifecycle.UserInput{
			FirstName: prefix, LastName: fmt.Sprint(i),
			Email: fmt.Sprintf("%s%d@example.org", prefix, i), RoleID: d.role, UnitIDs: []string{d.unit},
		}, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func (d *desk) sync(t testing.TB) syncclient.Result {
	t.Helper()
	res, err := d.client.Sync(context.Background())
	if err != nil {
		t.Fatalf("sync: %v (%+v)", err, res)
	}
	return res
}

// settled fails unless nothing waits for sync.
func (d *desk) settled(t testing.TB) {
	t.Helper()
	c, err := d.st.SyncCounts(context.Background())
	if err != nil || c != (data.SyncCounts{}) {
		probs, _ := d.st.SyncProblems(context.Background())
		t.Fatalf("after sync: %+v, %v; problems %+v", c, err, probs)
	}
}

func (d *desk) user(t testing.TB, id string) *data.User {
	t.Helper()
	u, err := d.st.UserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUsersCreatedOfflineReachTheServer(t *testing.T) {
	s := startServer(t)
	d := newDesk(t, s, s.token(t, "alice"), nil)
	d.catalog(t)
	made := d.users(t, "anna", 3)
	res := d.sync(t)
	if res != (syncclient.Result{Pushed: 8}) { // role, unit, 3 users, 3 keys
		t.Fatalf("first sync: %+v", res)
	}
	d.settled(t)
	if n := s.count(t, syncapi.EntityUser); n != 3 {
		t.Fatalf("the server has %d users", n)
	}
	// The server can find each invitee by the key printed here: it got the hash.
	for _, c := range made {
		inv, err := s.st.PersonalKey(context.Background(), c.Key)
		if err != nil || inv.UserID != c.User.ID || inv.Email != c.User.Email {
			t.Fatalf("the server's invitee for %s: %+v, %v", c.Key, inv, err)
		}
	}
	// Nothing more to do: the pull brings back only what was pushed.
	if res := d.sync(t); res != (syncclient.Result{}) {
		t.Fatalf("second sync: %+v", res)
	}
	me, err := syncclient.SavedMe(context.Background(), d.st)
	if err != nil || me == nil || me.Operator != "alice" || !me.Has(syncapi.PermBulkInvite) {
		t.Fatalf("saved operator: %+v, %v", me, err)
	}
	state, err := syncclient.State(context.Background(), d.st)
	if err != nil || state.LastSync.IsZero() || state.LastError != "" {
		t.Fatalf("state: %+v, %v", state, err)
	}
}

// dropAfterCommit forwards requests to the server, reads the whole answer (the
// server has committed) and then loses the answer of the first drops pushes.
type dropAfterCommit struct{ drops atomic.Int32 }

func (d *dropAfterCommit) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, "/push") || d.drops.Add(-1) < 0 {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, errors.New("connection reset after the server answered")
}

// status5xx answers the first fails requests with 503 without sending them.
type status5xx struct{ fails atomic.Int32 }

func (f *status5xx) RoundTrip(req *http.Request) (*http.Response, error) {
	if f.fails.Add(-1) >= 0 {
		return &http.Response{
			StatusCode: http.StatusServiceUnavailable, Header: http.Header{},
			Body: io.NopCloser(strings.NewReader(`{"error":"unavailable"}`)), Request: req,
		}, nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

// slowAnswer sends the first slow pushes to the server and then holds the answer
// back until the client gives up (its timeout).
type slowAnswer struct{ slow atomic.Int32 }

func (s *slowAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, "/push") || s.slow.Add(-1) < 0 {
		return resp, err
	}
	resp.Body.Close()
	<-req.Context().Done()
	return nil, req.Context().Err()
}

func TestFaultsOnTheWayConvergeWithoutDuplicatesOrLoss(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rt      http.RoundTripper
		timeout time.Duration
	}{
		{"answers dropped after the commit", func() http.RoundTripper { d := &dropAfterCommit{}; d.drops.Store(3); return d }(), 0},
		{"5xx", func() http.RoundTripper { f := &status5xx{}; f.fails.Store(3); return f }(), 0},
		{"timeouts", func() http.RoundTripper { s := &slowAnswer{}; s.slow.Store(2); return s }(), 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t)
			d := newDesk(t, s, s.token(t, "alice"), tc.rt)
			if tc.timeout > 0 {
				d.client.HTTP.Timeout = tc.timeout
			}
			d.catalog(t)
			d.users(t, "max", 25)
			res := d.sync(t)
			if res.Pushed != 2+25+25 || res.Refused != 0 || res.Conflicts != 0 {
				t.Fatalf("sync: %+v", res)
			}
			d.settled(t)
			if n := s.count(t, syncapi.EntityUser); n != 25 {
				t.Fatalf("the server has %d users, want 25", n)
			}
			for _, r := range s.records(t) {
				if r.Version != 1 {
					t.Fatalf("%s %s has version %d on the server: applied more than once", r.Entity, r.ID, r.Version)
				}
			}
		})
	}
}

// cutOff loses every push answer after the server committed and then cancels the
// sync, as when the app is closed or killed in the middle of it.
type cutOff struct{ cancel context.CancelFunc }

func (c *cutOff) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, "/push") {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	c.cancel()
	return nil, errors.New("killed")
}

func TestKilledMidSyncThenEditedLosesNothing(t *testing.T) {
	s := startServer(t)
	tok := s.token(t, "alice")
	d := newDesk(t, s, tok, nil)
	d.catalog(t)
	made := d.users(t, "ida", 2)
	if res := d.sync(t); res.Pushed != 6 {
		t.Fatalf("first sync: %+v", res)
	}
	// An edit is pushed, the server applies it, the answer never arrives and the app stops.
	ctx, cancel := context.WithCancel(context.Background())
	d.client.HTTP.Transport = &cutOff{cancel: cancel}
	if _, err := d.svc.EditUser(context.Background(), made[0].User.ID, lifecycle.UserInput{
		FirstName: "Ida", LastName: "1",
		Email: made[0].User.Email, RoleID: d.role, UnitIDs: []string{d.unit}, Notes: "first",
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.client.Sync(ctx); err == nil {
		t.Fatal("the cut-off sync succeeded")
	}
	// Offline, the operator edits the same user again; then a new app syncs.
	if _, err := d.svc.EditUser(context.Background(), made[0].User.ID, lifecycle.UserInput{
		FirstName: "Ida", LastName: "1",
		Email: made[0].User.Email, RoleID: d.role, UnitIDs: []string{d.unit}, Notes: "second",
	}); err != nil {
		t.Fatal(err)
	}
	d.client = &syncclient.Client{Store: d.st, URL: s.url, Token: tok, Backoff: time.Millisecond}
	res := d.sync(t)
	if res.Conflicts != 0 || res.Refused != 0 || res.Pushed != 1 {
		t.Fatalf("sync after the restart: %+v", res)
	}
	d.settled(t)
	rec := s.records(t)["user/"+made[0].User.ID]
	if !strings.Contains(string(rec.Data), `"notes":"second"`) || rec.Version != 3 {
		t.Fatalf("server's user: version %d, %s", rec.Version, rec.Data)
	}
	if hist, _ := d.st.History(context.Background(), made[0].User.ID); slices.ContainsFunc(hist, func(e data.AuditEvent) bool {
		return e.Action == data.ActionSyncConflict
	}) {
		t.Fatal("the lost answer was taken for a conflict")
	}
}

func TestAnEditAfterARestoreIsNeverTakenForAnOldOne(t *testing.T) {
	s := startServer(t)
	d := newDesk(t, s, s.token(t, "alice"), nil)
	d.catalog(t)
	id := d.users(t, "uwe", 1)[0].User.ID
	d.sync(t)
	ctx := context.Background()
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := d.st.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	edit := func(notes string) {
		u := d.user(t, id)
		if _, err := d.svc.EditUser(ctx, id, lifecycle.UserInput{
			FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
			Username: u.Username, RoleID: u.RoleID, UnitIDs: []string{d.unit}, Notes: notes,
		}); err != nil {
			t.Fatal(err)
		}
	}
	edit("after the backup")
	d.sync(t)
	if _, err := d.st.Restore(ctx, backup); err != nil {
		t.Fatal(err)
	}
	// The same local version again, other content: it must not pass for the
	// change pushed after the backup. The server's newer version wins, and the
	// edit is kept in the history.
	edit("after the restore")
	res := d.sync(t)
	if res.Conflicts != 1 || res.Pushed != 0 {
		t.Fatalf("sync after the restore: %+v", res)
	}
	d.settled(t)
	if u := d.user(t, id); u.Notes != "after the backup" {
		t.Fatalf("notes = %q", u.Notes)
	}
	hist, _ := d.st.History(ctx, id)
	if i := slices.IndexFunc(hist, func(e data.AuditEvent) bool { return e.Action == data.ActionSyncConflict }); i < 0 ||
		!strings.Contains(hist[i].Changes, "after the restore") {
		t.Fatalf("history: %+v", hist)
	}
	// From here on edits go through.
	edit("later")
	if res := d.sync(t); res.Pushed != 1 {
		t.Fatalf("next sync: %+v", res)
	}
}

func TestARefusedChangeDoesNotBlockTheQueue(t *testing.T) {
	s := startServer(t)
	// The operator may add users and manage roles, units and groups, not invite keys.
	d := newDesk(t, s, s.token(t, "alice", syncapi.PermAddUsers, syncapi.PermBulkInvite, syncapi.PermManageRoles,
		syncapi.PermManageUnits, syncapi.PermManageGroups), nil)
	d.catalog(t)
	ctx := context.Background()
	k, err := d.svc.CreateInviteKey(ctx, lifecycle.InviteKeyInput{
		Label: "Parents", RoleID: d.role, UnitIDs: []string{d.unit},
		ValidUntil: time.Now().Add(24 * time.Hour), MaxUses: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	d.users(t, "ole", 3)
	res, err := d.client.Sync(ctx)
	if err != nil || res.Pushed != 8 || res.Refused != 1 {
		t.Fatalf("sync: %+v, %v", res, err)
	}
	if n := s.count(t, syncapi.EntityUser); n != 3 {
		t.Fatalf("the server has %d users", n)
	}
	probs, _ := d.st.SyncProblems(ctx)
	if len(probs) != 1 || probs[0].ID != k.ID || probs[0].Name != "Parents" || !strings.Contains(probs[0].Reason, "add-users-by-link") {
		t.Fatalf("problems = %+v", probs)
	}
	// Not sent again while unchanged; the rest keeps flowing.
	d.users(t, "pia", 1)
	if res := d.sync(t); res != (syncclient.Result{Pushed: 2}) {
		t.Fatalf("next sync: %+v", res)
	}
	if c, _ := d.st.SyncCounts(ctx); c != (data.SyncCounts{Refused: 1}) {
		t.Fatalf("counts = %+v", c)
	}
}

func TestTwoOperatorsEditingTheSameUserConverge(t *testing.T) {
	s := startServer(t)
	a := newDesk(t, s, s.token(t, "alice"), nil)
	b := newDesk(t, s, s.token(t, "bob"), nil)
	a.catalog(t)
	id := a.users(t, "eva", 1)[0].User.ID
	a.sync(t)
	if res := b.sync(t); res.Pulled != 4 { // role, unit, user, key
		t.Fatalf("bob's first sync: %+v", res)
	}
	b.role, b.unit = a.role, a.unit
	ctx := context.Background()
	edit := func(d *desk, notes, mobile string) {
		u := d.user(t, id)
		if _, err := d.svc.EditUser(ctx, id, lifecycle.UserInput{
			FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
			Username: u.Username, RoleID: u.RoleID, UnitIDs: []string{d.unit}, Notes: notes, Mobile: mobile,
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Both edit offline; alice syncs first, so her edit is first in the server's order.
	edit(a, "from alice", "+49 170 1111111")
	edit(b, "from bob", "+49 170 2222222")
	if res := a.sync(t); res.Pushed != 1 || res.Conflicts != 0 {
		t.Fatalf("alice: %+v", res)
	}
	if res := b.sync(t); res.Conflicts != 1 || res.Pulled != 1 || res.Pushed != 0 {
		t.Fatalf("bob: %+v", res)
	}
	a.sync(t)
	for _, d := range []*desk{a, b} {
		d.settled(t)
		if u := d.user(t, id); u.Notes != "from alice" || u.Mobile != "+49 170 1111111" {
			t.Fatalf("user after sync: notes %q, mobile %q", u.Notes, u.Mobile)
		}
	}
	// Bob's losing edit is in the user's history on bob's computer.
	hist, _ := b.st.History(ctx, id)
	i := slices.IndexFunc(hist, func(e data.AuditEvent) bool { return e.Action == data.ActionSyncConflict })
	if i < 0 || !strings.Contains(hist[i].Changes, "from bob") || !strings.Contains(hist[i].Changes, "+49 170 2222222") {
		t.Fatalf("history on bob's computer: %+v", hist)
	}
	// A further edit by bob now goes through.
	edit(b, "bob again", "+49 170 2222222")
	if res := b.sync(t); res.Pushed != 1 || res.Conflicts != 0 {
		t.Fatalf("bob's next edit: %+v", res)
	}
	a.sync(t)
	if u := a.user(t, id); u.Notes != "bob again" {
		t.Fatalf("alice sees notes %q", u.Notes)
	}
}

func TestOneOperatorOnTwoComputersLosesNoEdit(t *testing.T) {
	s := startServer(t)
	c := newDesk(t, s, s.token(t, "carla"), nil)
	c.catalog(t)
	id := c.users(t, "ute", 1)[0].User.ID
	c.sync(t)
	// Alice works on a laptop and an office computer with the same token; both got
	// the user from the server.
	tok := s.token(t, "alice")
	a, b := newDesk(t, s, tok, nil), newDesk(t, s, tok, nil)
	ctx := context.Background()
	for _, d := range []*desk{a, b} {
		d.sync(t)
		d.role, d.unit = c.role, c.unit
	}
	for _, d := range []*desk{a, b} {
		u := d.user(t, id)
		if _, err := d.svc.EditUser(ctx, id, lifecycle.UserInput{
			FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
			Username: u.Username, RoleID: u.RoleID, UnitIDs: []string{d.unit}, Notes: "from " + d.st.Path(),
		}); err != nil {
			t.Fatal(err)
		}
	}
	a.sync(t)
	// The same edit count on the same row from the same operator: it must still be
	// told apart from the laptop's, not answered as its duplicate.
	if res := b.sync(t); res.Conflicts != 1 || res.Pushed != 0 {
		t.Fatalf("second computer: %+v", res)
	}
	hist, _ := b.st.History(ctx, id)
	if !slices.ContainsFunc(hist, func(e data.AuditEvent) bool {
		return e.Action == data.ActionSyncConflict && strings.Contains(e.Changes, b.st.Path())
	}) {
		t.Fatalf("the second computer's edit is not in the history: %+v", hist)
	}
}

func registration(username string) web.Registration {
	return web.Registration{
		Username: username, Email: username + "@example.org",
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA", TermsAt: time.Now(),
	}
}

func TestRegistrationsOnTheServerArriveAfterSync(t *testing.T) {
	s := startServer(t)
	d := newDesk(t, s, s.token(t, "alice"), nil)
	d.catalog(t)
	ctx := context.Background()
	made := d.users(t, "tom", 2)
	ik, err := d.svc.CreateInviteKey(ctx, lifecycle.InviteKeyInput{
		Label: "Parents", RoleID: d.role, UnitIDs: []string{d.unit},
		ValidUntil: time.Now().Add(24 * time.Hour), MaxUses: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	d.sync(t)
	// Tom 1 redeems his key; someone joins with the invite key.
	if err := s.st.RedeemPersonalKey(ctx, made[0].Key, registration("tom.one")); err != nil {
		t.Fatal(err)
	}
	join := registration("newcomer")
	join.FirstName, join.LastName = "Nora", "Neu"
	if err := s.st.JoinWithInviteKey(ctx, ik.Key, join); err != nil {
		t.Fatal(err)
	}
	res := d.sync(t)
	if res.Pulled != 4 || res.Pushed != 0 || res.Conflicts != 0 { // tom's user and key, the new user, the invite key's use
		t.Fatalf("sync: %+v", res)
	}
	d.settled(t)
	now := time.Now()
	tom := d.user(t, made[0].User.ID)
	if tom.Status(now) != data.StatusActive || tom.Username != "tom.one" || tom.ActivatedAt == nil {
		t.Fatalf("tom after sync: %+v", tom)
	}
	if _, err := d.st.LiveKey(ctx, tom.ID); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("tom's key is still live: %v", err)
	}
	if other := d.user(t, made[1].User.ID); other.Status(now) != data.StatusNotActivated {
		t.Fatalf("the other user is %s", other.Status(now))
	}
	joined, err := d.st.InviteKeyUsers(ctx, ik.ID, now)
	if err != nil || len(joined) != 1 || joined[0].FirstName != "Nora" || joined[0].Status != data.StatusActive {
		t.Fatalf("users of the invite key: %+v, %v", joined, err)
	}
	if units, _ := d.st.UserUnitIDs(ctx, joined[0].ID); len(units) != 1 || units[0] != d.unit {
		t.Fatalf("units of the joined user: %v", units)
	}
	if k, _ := d.st.InviteKeyByID(ctx, ik.ID); k.Uses != 1 || k.Key != ik.Key {
		t.Fatalf("invite key after sync: uses %d, key %q", k.Uses, k.Key)
	}
}

func TestSyncErrorsSayWhatIsWrong(t *testing.T) {
	s := startServer(t)
	d := newDesk(t, s, "obt_not-a-token", nil)
	if _, err := d.client.Sync(context.Background()); !errors.Is(err, syncclient.ErrUnauthorized) {
		t.Fatalf("bad token: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d.client.URL = "http://" + addr
	_, err = d.client.Sync(context.Background())
	var ue *syncclient.UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "cannot reach the sync server at http://"+addr) {
		t.Fatalf("no server: %v", err)
	}
	if st, _ := syncclient.State(context.Background(), d.st); !strings.Contains(st.LastError, "cannot reach") || !st.LastSync.IsZero() {
		t.Fatalf("state after the failure: %+v", st)
	}
}

func TestConcurrentSyncsOfOneStore(t *testing.T) {
	s := startServer(t)
	tok := s.token(t, "alice")
	d := newDesk(t, s, tok, nil)
	d.catalog(t)
	d.users(t, "lea", 30)
	// The window's timer and the command line at the same time: two clients.
	other := &syncclient.Client{Store: d.st, URL: s.url, Token: tok, Backoff: time.Millisecond}
	var wg sync.WaitGroup
	for _, c := range []*syncclient.Client{d.client, other} {
		wg.Go(func() {
			if _, err := c.Sync(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	d.sync(t)
	d.settled(t)
	if n := s.count(t, syncapi.EntityUser); n != 30 {
		t.Fatalf("the server has %d users", n)
	}
}

// BenchmarkSyncPush10k measures the client's first push of 10,000 users (with
// their keys) to a fresh server on loopback, through the whole client: reading
// the pending rows, the requests, storing the answers, and the pull that follows.
func BenchmarkSyncPush10k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s := startServer(b)
		d := newDesk(b, s, s.token(b, "alice"), nil)
		d.catalog(b)
		var bulk []data.BulkUser
		now := time.Now()
		for i := range 10000 {
			bulk = append(bulk, data.BulkUser{
				User: data.User{
					FirstName: "Bulk", LastName: fmt.Sprint(i),
					Username: fmt.Sprintf("bulk%d", i), RoleID: d.role, Phase: data.PhaseNotActivated,
				},
				UnitIDs: []string{d.unit}, Key: &data.PersonalKey{Key: fmt.Sprintf("KEY-%d", i), IssuedAt: now, ExpiresAt: now.Add(time.Hour)},
			})
		}
		if err := d.st.InsertUsersBulk(context.Background(), bulk, data.AuditEvent{At: now}, nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if res := d.sync(b); res.Pushed != 20002 {
			b.Fatalf("sync: %+v", res)
		}
	}
}

// TestDeletingAUsedUnitReachesTheServer: the desktop deletes a unit, a group and a
// role after moving their users; the server, which refuses to delete what users
// still use, gets the moves before the deletions and applies all.
func TestDeletingAUsedUnitReachesTheServer(t *testing.T) {
	s := startServer(t)
	d := newDesk(t, s, s.token(t, "alice"), nil)
	d.catalog(t)
	ctx := context.Background()
	old, err := d.svc.CreateUnit(ctx, "Class 4b")
	if err != nil {
		t.Fatal(err)
	}
	group, err := d.svc.CreateGroup(ctx, "Choir")
	if err != nil {
		t.Fatal(err)
	}
	oldRole := &data.Role{Name: "Guest"}
	if err := d.st.CreateRole(ctx, oldRole); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		_, err := d.svc.CreateUser(ctx, lifecycle.UserInput{
			FirstName: "Pupil", LastName: fmt.Sprint(i), Email: fmt.Sprintf("p%d@example.org", i),
			RoleID: oldRole.ID, UnitIDs: []string{old.ID}, GroupIDs: []string{group.ID},
		}, 0)
		if err != nil {
			t.Fatal(err)
		}
	}
	d.sync(t)
	d.settled(t)
	if err := d.svc.DeleteUnit(ctx, old.ID, d.unit); err != nil {
		t.Fatal(err)
	}
	if err := d.svc.DeleteGroup(ctx, group.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.svc.DeleteRole(ctx, oldRole.ID, d.role); err != nil {
		t.Fatal(err)
	}
	if res := d.sync(t); res.Refused != 0 {
		probs, _ := d.st.SyncProblems(ctx)
		t.Fatalf("sync: %+v; problems %+v", res, probs)
	}
	d.settled(t)
	recs := s.records(t)
	for _, id := range []string{"unit/" + old.ID, "group/" + group.ID, "role/" + oldRole.ID} {
		if !recs[id].Deleted {
			t.Errorf("%s is not deleted on the server: %+v", id, recs[id])
		}
	}
}
