package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"onboard/internal/keys"
	"onboard/internal/server/store"
	"onboard/internal/syncapi"
)

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// TestRegister200Processes measures 200 registrations sent at once to a real
// onboard-server process on loopback (SQLite, default Argon2id parameters and
// hashing queue), each from its own address behind --trust-proxy: it logs p50, p95
// and max of the submissions and how many got the busy page (503), and checks that
// every answer is 200 or 503, that each 503 left its key usable (sending the form
// again registers) and that the database holds exactly the registrations that
// succeeded. It runs only with ONBOARD_LOAD200=1 (it takes some seconds of both
// cores):
//
//	ONBOARD_LOAD200=1 go test -tags migrated_fynedo -run TestRegister200Processes -v ./cmd/onboard-server/
func TestRegister200Processes(t *testing.T) {
	if os.Getenv("ONBOARD_LOAD200") != "1" {
		t.Skip("set ONBOARD_LOAD200=1 to run the load measurement")
	}
	const n = 200
	db := filepath.Join(t.TempDir(), "load.db")
	regKeys := seedInvitees(t, db, n)
	addr, _, _ := startServe(t, db, nil, "--listen", "127.0.0.1:0", "--org-name", "Example School", "--trust-proxy", "127.0.0.1")
	base := "http://" + addr

	clients := make([]*http.Client, n)
	forms := make([]url.Values, n)
	for i := range n {
		clients[i], forms[i] = openForm(t, base, i, regKeys[i])
	}
	lat := make([]time.Duration, n)
	status := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			t0 := time.Now()
			status[i] = post(t, clients[i], base, forms[i])
			lat[i] = time.Since(t0)
		})
	}
	close(start)
	wg.Wait()

	var ok, busy []int
	for i, s := range status {
		switch s {
		case http.StatusOK:
			ok = append(ok, i)
		case http.StatusServiceUnavailable:
			busy = append(busy, i)
		default:
			t.Errorf("registration %d: status %d", i, s)
		}
	}
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	t.Logf("%d registrations at once: p50 %v, p95 %v, max %v; %d registered, %d got 503",
		n, sorted[n/2-1].Round(time.Millisecond), sorted[n*95/100-1].Round(time.Millisecond),
		sorted[n-1].Round(time.Millisecond), len(ok), len(busy))
	// The busy ones send the form again, one after the other.
	for _, i := range busy {
		c, f := openForm(t, base, i, regKeys[i])
		if s := post(t, c, base, f); s != http.StatusOK {
			t.Errorf("registration %d again: status %d", i, s)
		}
	}
	if got := activeUsers(t, db); got != n {
		t.Errorf("%d active users, want %d", got, n)
	}
}

// seedInvitees creates n invited users with personal keys in a new database.
func seedInvitees(t *testing.T, db string, n int) []string {
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, err := st.AddOperator(ctx, "Office", []syncapi.Permission{syncapi.PermAddUsers, syncapi.PermBulkInvite})
	if err != nil {
		t.Fatal(err)
	}
	op, err := st.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, n)
	var changes []syncapi.Change
	for i := range n {
		key, _ := keys.NewPersonal()
		out[i] = key
		uid, kid := uuid.NewString(), uuid.NewString()
		u, _ := json.Marshal(&syncapi.User{FirstName: "Person", LastName: fmt.Sprint(i), Username: fmt.Sprintf("person%d", i), Phase: "invited", UnitIDs: []string{"u"}})
		k, _ := json.Marshal(&syncapi.PersonalKey{UserID: uid, KeyHash: syncapi.HashKey(key), IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
		changes = append(changes,
			syncapi.Change{MutationID: "u" + uid, Entity: syncapi.EntityUser, ID: uid, Data: u},
			syncapi.Change{MutationID: "k" + kid, Entity: syncapi.EntityPersonalKey, ID: kid, Data: k})
	}
	res, err := st.Push(ctx, op, changes)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != syncapi.StatusApplied {
			t.Fatalf("push: %+v", r)
		}
	}
	return out
}

// loopbackFor is a transport that sends requests to loopback only, as a proxy for
// client address addr would.
type loopbackFor struct {
	rt   http.RoundTripper
	addr string
}

func (l *loopbackFor) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := r.URL.Hostname(); h != "127.0.0.1" {
		return nil, fmt.Errorf("load test request to %s: loopback only", h)
	}
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", l.addr)
	return l.rt.RoundTrip(r)
}

var loadTransport = &http.Transport{MaxIdleConnsPerHost: 256}

// openForm opens the registration form of key as person i and fills it in.
func openForm(t *testing.T, base string, i int, key string) (*http.Client, url.Values) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &loopbackFor{loadTransport, fmt.Sprintf("10.99.%d.%d", i/250, i%250+1)}}
	resp, err := c.Get(base + "/register?key=" + url.QueryEscape(key))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("form %d: status %d\n%s", i, resp.StatusCode, body)
	}
	f := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(body), -1) {
		f.Set(m[1], m[2])
	}
	f.Set("first_name", "Person")
	f.Set("last_name", fmt.Sprint(i))
	f.Set("username", fmt.Sprintf("person%d", i))
	f.Set("email", fmt.Sprintf("person%d@example.org", i))
	f.Set("password", "Purple-Giraffe 7 dances!")
	f.Set("password2", "Purple-Giraffe 7 dances!")
	return c, f
}

// post submits the form and returns the status.
func post(t *testing.T, c *http.Client, base string, f url.Values) int {
	resp, err := c.PostForm(base+"/register", f)
	if err != nil {
		t.Error(err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// activeUsers counts the users whose registration went through, from a pull.
func activeUsers(t *testing.T, db string) int {
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	phase := map[string]string{}
	for cursor, pages := int64(0), 0; pages < 100; pages++ {
		res, err := st.Pull(ctx, cursor, syncapi.MaxPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Records {
			var u syncapi.User
			if r.Entity == syncapi.EntityUser && json.Unmarshal(r.Data, &u) == nil {
				phase[r.ID] = string(u.Phase)
			}
		}
		if cursor = res.Cursor; !res.More {
			break
		}
	}
	n := 0
	for _, p := range phase {
		if p == "active" {
			n++
		}
	}
	return n
}
