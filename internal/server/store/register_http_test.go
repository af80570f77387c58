package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"onboard/internal/keys"
	"onboard/internal/server/store"
	"onboard/internal/server/web"
	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestTwoServersRaceRedemptionsThroughTheForm runs the registration pages of two
// server instances on one database and submits the form for one personal key
// through both at once: exactly one registration succeeds, the others see the
// bad-key page, and nothing fails.
func TestTwoServersRaceRedemptionsThroughTheForm(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var bases []string
		var st *store.Store
		for i := 0; i < 2; i++ {
			s, err := store.Open(ctx, dsn, store.WithSecret(store.SecretForTests))
			if err != nil {
				t.Fatal(err)
			}
			h := web.NewHandler(s, web.Options{
				Limits: web.Limits{Address: 100000, PersonalKey: 100000, InviteKey: 100000, Window: time.Minute},
				Hash:   web.HashParams{Time: 1, MemoryKiB: 1024, Threads: 1},
			})
			srv := httptest.NewServer(h)
			t.Cleanup(func() { srv.Close(); s.Close() })
			bases, st = append(bases, srv.URL), s
		}
		store.Catalogue(t, st)
		tok, err := st.AddOperator(ctx, "Office", []syncapi.Permission{syncapi.PermAddUsers})
		if err != nil {
			t.Fatal(err)
		}
		op, err := st.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		key, _ := keys.NewPersonal()
		uid, kid := uuid.NewString(), uuid.NewString()
		u, _ := json.Marshal(&syncapi.User{FirstName: "Anna", LastName: "Müller", Username: "anna", Phase: "invited", RoleID: "r1", UnitIDs: []string{"u1"}})
		k, _ := json.Marshal(&syncapi.PersonalKey{UserID: uid, KeyHash: syncapi.HashKey(key), IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
		res, err := st.Push(ctx, op, []syncapi.Change{
			{MutationID: "u", Entity: syncapi.EntityUser, ID: uid, Data: u},
			{MutationID: "k", Entity: syncapi.EntityPersonalKey, ID: kid, Data: k},
		})
		if err != nil || res[0].Status != syncapi.StatusApplied || res[1].Status != syncapi.StatusApplied {
			t.Fatalf("push: %+v %v", res, err)
		}

		// Open every form first, then send them all at once.
		const n = 40
		type attempt struct {
			c    *http.Client
			base string
			csrf string
		}
		attempts := make([]attempt, n)
		for i := range attempts {
			jar, _ := cookiejar.New(nil)
			a := attempt{c: &http.Client{Jar: jar, Timeout: 30 * time.Second}, base: bases[i%2]}
			resp, err := a.c.Get(a.base + "/register?key=" + url.QueryEscape(key))
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			m := csrfRE.FindSubmatch(page)
			if m == nil {
				t.Fatalf("no form (status %d)", resp.StatusCode)
			}
			a.csrf = string(m[1])
			attempts[i] = a
		}
		var mu sync.Mutex
		outcomes := map[string]int{}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, a := range attempts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				form := url.Values{
					"csrf": {a.csrf}, "key": {key}, "username": {fmt.Sprintf("racer%d", i)},
					"first_name": {"Anna"}, "last_name": {"Müller"}, // not locked: the form asks for them
					"email": {fmt.Sprintf("racer%d@example.org", i)}, "password": {"Zq8!vL2#pW9@xR4$"},
					"password2": {"Zq8!vL2#pW9@xR4$"}, "terms": {"yes"},
				}
				resp, err := a.c.PostForm(a.base+"/register", form)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				outcome := fmt.Sprint(resp.StatusCode)
				if strings.Contains(string(body), `class="card done"`) {
					outcome = "done"
				}
				mu.Lock()
				outcomes[outcome]++
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		if outcomes["done"] != 1 || outcomes["404"] != n-1 {
			t.Errorf("outcomes %v, want 1 done and %d bad-key pages (404)", outcomes, n-1)
		}
	})
}
