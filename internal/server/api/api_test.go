package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"onboard/internal/server/store"
	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

// server is a store behind the API on a loopback httptest server.
type server struct {
	st     *store.Store
	srv    *httptest.Server
	log    *bytes.Buffer
	seeded int64 // the cursor after the role and unit the test users have (see seed)
}

// The role and the unit every test user has.
const (
	testRole = "01900000-0000-7000-8000-000000000001"
	testUnit = "01900000-0000-7000-8000-000000000002"
)

func start(t testing.TB, dsn string) *server {
	t.Helper()
	st, err := store.Open(context.Background(), dsn, store.WithSecret([]byte("the server secret of the API tests, 32+ bytes")))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf}, nil))
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", New(st, log))
	mux.Handle("/healthz", Health(st, log))
	srv := httptest.NewServer(Logged(log, mux))
	t.Cleanup(func() { srv.Close(); st.Close() })
	s := &server{st: st, srv: srv, log: &buf}
	s.seed(t)
	return s
}

// seed pushes the role and the unit the test users refer to, once per database
// (a second server on it finds them), and notes the cursor after them.
func (s *server) seed(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	tok, err := s.st.AddOperator(ctx, "Seed "+newID(), []syncapi.Permission{syncapi.PermManageRoles, syncapi.PermManageUnits})
	if err != nil {
		t.Fatal(err)
	}
	op, err := s.st.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	role, _ := json.Marshal(&syncapi.Role{Name: "Pupil"})
	unit, _ := json.Marshal(&syncapi.Unit{Name: "5a"})
	if _, err := s.st.Push(ctx, op, []syncapi.Change{
		{MutationID: "seed-role", Entity: syncapi.EntityRole, ID: testRole, Data: role},
		{MutationID: "seed-unit", Entity: syncapi.EntityUnit, ID: testUnit, Data: unit},
	}); err != nil {
		t.Fatal(err)
	}
	page, err := s.st.Pull(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.seeded = page.Cursor
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (s *server) token(t testing.TB, name string, perms ...syncapi.Permission) string {
	t.Helper()
	tok, err := s.st.AddOperator(context.Background(), name, perms)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// client talks to the API like the desktop app would: bearer token, JSON, and a
// bounded number of retries of a push whose answer was lost or was a 5xx.
type client struct {
	base  string
	token string
	http  *http.Client
}

func (c *client) do(method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e syncapi.ErrorResponse
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error == "" {
			return resp.StatusCode, fmt.Errorf("status %d without a JSON error (%v)", resp.StatusCode, err)
		}
		return resp.StatusCode, errors.New(e.Error)
	}
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
}

// push pushes changes, retrying transport errors and 5xx up to five times.
func (c *client) push(changes []syncapi.Change) (*syncapi.PushResponse, int, error) {
	var resp syncapi.PushResponse
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		var status int
		status, err = c.do(http.MethodPost, "/api/v1/push", syncapi.PushRequest{Changes: changes}, &resp)
		if err == nil {
			return &resp, attempt, nil
		}
		if status != 0 && status < 500 {
			return nil, attempt, err
		}
	}
	return nil, 5, err
}

func (c *client) pullAll(t testing.TB, cursor int64, limit int) ([]syncapi.Record, int64) {
	t.Helper()
	var out []syncapi.Record
	for i := 0; i < 10000; i++ {
		var page syncapi.PullResponse
		path := fmt.Sprintf("/api/v1/pull?cursor=%d", cursor)
		if limit > 0 {
			path += fmt.Sprintf("&limit=%d", limit)
		}
		if _, err := c.do(http.MethodGet, path, nil, &page); err != nil {
			t.Fatalf("pull: %v", err)
		}
		if page.Cursor < cursor {
			t.Fatalf("cursor went back from %d to %d", cursor, page.Cursor)
		}
		out, cursor = append(out, page.Records...), page.Cursor
		if !page.More {
			return out, cursor
		}
	}
	t.Fatal("pull did not end")
	return nil, 0
}

func (s *server) client(token string, rt http.RoundTripper) *client {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &client{base: s.srv.URL, token: token, http: &http.Client{Transport: rt, Timeout: 30 * time.Second}}
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func userChange(t testing.TB, id string, base int64, username string) syncapi.Change {
	t.Helper()
	data, err := json.Marshal(&syncapi.User{
		FirstName: "Anna", LastName: "Müller", Username: username,
		Email: username + "@example.org", RoleID: testRole, UnitIDs: []string{testUnit}, Phase: "invited",
	})
	if err != nil {
		t.Fatal(err)
	}
	return syncapi.Change{
		MutationID: syncapi.MutationID(syncapi.EntityUser, id, base+1), Entity: syncapi.EntityUser,
		ID: id, BaseVersion: base, Data: data,
	}
}

// users returns changes creating n users named prefix0, prefix1, …
func users(t testing.TB, prefix string, n int) []syncapi.Change {
	out := make([]syncapi.Change, n)
	for i := range out {
		out[i] = userChange(t, newID(), 0, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func statuses(res *syncapi.PushResponse) map[syncapi.Status]int {
	m := map[syncapi.Status]int{}
	for _, r := range res.Results {
		m[r.Status]++
	}
	return m
}

func TestMePushPull(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := start(t, dsn)
		if err := s.st.SetSetting(context.Background(), store.SettingOrgName, "Example School"); err != nil {
			t.Fatal(err)
		}
		c := s.client(s.token(t, "Office", "add-users", "bulk-invite"), nil)
		var me syncapi.Me
		if _, err := c.do(http.MethodGet, "/api/v1/me", nil, &me); err != nil {
			t.Fatal(err)
		}
		if me.Operator != "Office" || me.Organization != "Example School" || !me.Has(syncapi.PermBulkInvite) || me.Has(syncapi.PermAddUsersByLink) {
			t.Errorf("me: %+v", me)
		}
		changes := users(t, "user", 50)
		res, _, err := c.push(changes)
		if err != nil || statuses(res)[syncapi.StatusApplied] != 50 {
			t.Fatalf("push: %v, %v", res, err)
		}
		recs, cursor := c.pullAll(t, s.seeded, 20)
		if len(recs) != 50 || cursor != recs[49].Seq {
			t.Errorf("pulled %d records, cursor %d", len(recs), cursor)
		}
		// An empty push is fine too.
		if res, _, err := c.push(nil); err != nil || len(res.Results) != 0 {
			t.Errorf("empty push: %v, %v", res, err)
		}
	})
}

func TestRequestErrorsAreJSON(t *testing.T) {
	s := start(t, testdb.SQLite(t))
	tok := s.token(t, "Office", "add-users")
	c := s.client(tok, nil)
	raw := func(method, path, auth, body string) (int, syncapi.ErrorResponse, http.Header) {
		req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e syncapi.ErrorResponse
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error == "" {
			t.Errorf("%s %s: not a JSON error (%v)", method, path, err)
		}
		return resp.StatusCode, e, resp.Header
	}
	cases := []struct {
		method, path, auth, body string
		status                   int
	}{
		{"GET", "/api/v1/me", "", "", 401},
		{"GET", "/api/v1/me", "Bearer obs_nope", "", 401},
		{"GET", "/api/v1/me", "Basic " + tok, "", 401},
		{"POST", "/api/v1/me", "Bearer " + tok, "", 405},
		{"GET", "/api/v1/push", "Bearer " + tok, "", 405},
		{"GET", "/api/v1/nothing", "Bearer " + tok, "", 404},
		{"POST", "/api/v1/push", "Bearer " + tok, "{", 400},
		{"POST", "/api/v1/push", "Bearer " + tok, `{"changes":[]} {}`, 400},
		{"GET", "/api/v1/pull?cursor=-1", "Bearer " + tok, "", 400},
		{"GET", "/api/v1/pull?limit=x", "Bearer " + tok, "", 400},
	}
	for _, tc := range cases {
		status, e, h := raw(tc.method, tc.path, tc.auth, tc.body)
		if status != tc.status {
			t.Errorf("%s %s: %d (%s), want %d", tc.method, tc.path, status, e.Error, tc.status)
		}
		if status == 401 && h.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s: 401 without WWW-Authenticate", tc.method, tc.path)
		}
	}
	// Too many changes, too many bytes.
	if _, _, err := c.push(make([]syncapi.Change, syncapi.MaxPushChanges+1)); err == nil || !strings.Contains(err.Error(), "split") {
		t.Errorf("too many changes: %v", err)
	}
	big := `{"changes":[{"data":"` + strings.Repeat("x", syncapi.MaxPushBytes) + `"}]}`
	if status, _, _ := raw("POST", "/api/v1/push", "Bearer "+tok, big); status != 413 {
		t.Errorf("too large a body: %d, want 413", status)
	}
	// A limit above the maximum is capped.
	var page syncapi.PullResponse
	if _, err := c.do("GET", "/api/v1/pull?limit=999999", nil, &page); err != nil {
		t.Errorf("pull with a huge limit: %v", err)
	}
	// A revoked token stops working at once.
	if err := s.st.RevokeOperator(context.Background(), "Office"); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := raw("GET", "/api/v1/me", "Bearer "+tok, ""); status != 401 {
		t.Errorf("revoked token: %d, want 401", status)
	}
}

// dropAfterCommit forwards a request to the server, reads the whole answer (so the
// server has committed) and then, for the first drops requests, loses it: as when
// the connection breaks or a proxy fails on the way back.
type dropAfterCommit struct {
	drops atomic.Int32
	fake  int // 0: a transport error; else this status instead of the answer
}

func (d *dropAfterCommit) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || d.drops.Add(-1) < 0 {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if d.fake == 0 {
		return nil, errors.New("connection reset after the server answered")
	}
	body := `{"error":"bad gateway"}`
	return &http.Response{StatusCode: d.fake, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// failFirst answers the first fails requests with 503 without sending them.
type failFirst struct{ fails atomic.Int32 }

func (f *failFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	if f.fails.Add(-1) >= 0 {
		if req.Body != nil {
			req.Body.Close()
		}
		return &http.Response{
			StatusCode: 503, Header: http.Header{},
			Body: io.NopCloser(strings.NewReader(`{"error":"unavailable"}`)), Request: req,
		}, nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestRetriesAfterLostAnswersNeverApplyTwice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := start(t, dsn)
		tok := s.token(t, "Office", "add-users", "bulk-invite")
		for _, tc := range []struct {
			name string
			rt   http.RoundTripper
			want syncapi.Status
		}{
			{"connection lost after commit", func() http.RoundTripper { d := &dropAfterCommit{}; d.drops.Store(2); return d }(), syncapi.StatusDuplicate},
			{"502 after commit", func() http.RoundTripper { d := &dropAfterCommit{fake: 502}; d.drops.Store(1); return d }(), syncapi.StatusDuplicate},
			{"503 before the server", func() http.RoundTripper { f := &failFirst{}; f.fails.Store(2); return f }(), syncapi.StatusApplied},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c, clean := s.client(tok, tc.rt), s.client(tok, nil)
				_, before := clean.pullAll(t, s.seeded, 0)
				changes := users(t, strings.Fields(tc.name)[0], 100)
				res, attempts, err := c.push(changes)
				if err != nil {
					t.Fatalf("push: %v", err)
				}
				if attempts < 2 {
					t.Fatalf("pushed in %d attempt, the transport did not interfere", attempts)
				}
				if got := statuses(res); got[tc.want] != 100 {
					t.Errorf("after %d attempts: %v, want 100 %s", attempts, got, tc.want)
				}
				recs, _ := clean.pullAll(t, before, 0)
				if len(recs) != 100 {
					t.Errorf("pulled %d new records, want 100", len(recs))
				}
				for _, r := range recs {
					if r.Version != 1 {
						t.Errorf("row %s at version %d: applied twice", r.ID, r.Version)
					}
				}
			})
		}
	})
}

func TestRefusedChangeDoesNotBlockTheBatchOverHTTP(t *testing.T) {
	s := start(t, testdb.SQLite(t))
	c := s.client(s.token(t, "Users", "add-users"), nil)
	changes := users(t, "user", 3)
	changes[1] = syncapi.Change{MutationID: "k", Entity: syncapi.EntityInviteKey, ID: newID(), Data: json.RawMessage(`{}`)}
	res, _, err := c.push(changes)
	if err != nil {
		t.Fatal(err)
	}
	if res.Results[0].Status != syncapi.StatusApplied || res.Results[1].Status != syncapi.StatusRefused ||
		res.Results[2].Status != syncapi.StatusApplied || res.Results[1].Reason == "" {
		t.Errorf("results %+v", res.Results)
	}
}

// TestTwoServersOnOneDatabase runs two API servers (as behind a load balancer) on
// one database: conflicting edits of one row through both apply once, and a client
// can push to one and pull from the other.
func TestTwoServersOnOneDatabase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		a, b := start(t, dsn), start(t, dsn)
		tok := a.token(t, "Office", "add-users")
		ca, cb := a.client(tok, nil), b.client(tok, nil)
		id := newID()
		if res, _, err := ca.push([]syncapi.Change{userChange(t, id, 0, "anna")}); err != nil || res.Results[0].Status != syncapi.StatusApplied {
			t.Fatalf("create: %v %v", res, err)
		}
		var wg sync.WaitGroup
		var applied, conflicts atomic.Int32
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				ch := userChange(t, id, 1, fmt.Sprintf("anna%d", i))
				ch.MutationID = fmt.Sprintf("edit-%d", i) // twenty different edits
				res, _, err := []*client{ca, cb}[i%2].push([]syncapi.Change{ch})
				if err != nil {
					t.Error(err)
					return
				}
				switch res.Results[0].Status {
				case syncapi.StatusApplied:
					applied.Add(1)
				case syncapi.StatusConflict:
					conflicts.Add(1)
				}
			}(i)
		}
		wg.Wait()
		if applied.Load() != 1 || conflicts.Load() != 19 {
			t.Errorf("%d applied, %d conflicts; want 1 and 19", applied.Load(), conflicts.Load())
		}
		recs, _ := cb.pullAll(t, a.seeded, 0)
		if len(recs) != 1 || recs[0].Version != 2 {
			t.Errorf("pulled from the other server: %+v", recs)
		}
	})
}

func TestHealthAndRequestLog(t *testing.T) {
	s := start(t, testdb.SQLite(t))
	tok := s.token(t, "Office", "add-users")
	resp, err := http.Get(s.srv.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	c := s.client(tok, nil)
	var page syncapi.PullResponse
	if _, err := c.do("GET", "/api/v1/pull?cursor=0&key=ABCDE-SECRET", nil, &page); err != nil {
		t.Fatal(err)
	}
	logged := s.log.String()
	if strings.Contains(logged, tok) || strings.Contains(logged, "SECRET") || strings.Contains(logged, "Bearer") {
		t.Errorf("the log holds a token or a key:\n%s", logged)
	}
	var line struct {
		Msg, Method, Path string
		Status            int
		DurationMS        *float64 `json:"duration_ms"`
	}
	for _, l := range strings.Split(strings.TrimSpace(logged), "\n") {
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
	}
	if line.Msg != "request" || line.Method != "GET" || line.Path != "/api/v1/pull" || line.Status != 200 || line.DurationMS == nil {
		t.Errorf("last log line %+v", line)
	}
	// With the database gone, health fails and the API answers 500 in JSON.
	s.st.Close()
	resp, err = http.Get(s.srv.URL + "/healthz")
	if err != nil || resp.StatusCode != 503 {
		t.Errorf("healthz without a database: %v %v", resp, err)
	}
	resp.Body.Close()
	if status, err := c.do("GET", "/api/v1/me", nil, &syncapi.Me{}); status != 500 || err == nil {
		t.Errorf("me without a database: %d %v", status, err)
	}
}
