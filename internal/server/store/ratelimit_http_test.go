package store

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"onboard/internal/keys"
	"onboard/internal/server/web"
	"onboard/internal/testdb"
)

var csrfFieldRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// rateRows returns the rows and the sum of hits in rate_limits.
func rateRows(t *testing.T, s *Store) (rows, hits int64) {
	t.Helper()
	if err := s.rdb.Model(&RateLimit{}).Count(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.Model(&RateLimit{}).Select("COALESCE(SUM(hits), 0)").Scan(&hits).Error; err != nil {
		t.Fatal(err)
	}
	return rows, hits
}

// registerThroughForm issues a personal key to a new invitee and registers them
// with a browser of their own: open the form, submit it.
func registerThroughForm(t *testing.T, s *Store, op *Operator, base, name string) {
	t.Helper()
	_, key := invitee(t, s, op, name, time.Now().Add(time.Hour))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "/register?key=" + key)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfFieldRE.FindSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("%s: form %d", name, res.StatusCode)
	}
	res, err = c.PostForm(base+"/register", url.Values{
		"csrf": {string(m[1])}, "key": {key}, "first_name": {"Anna"}, "last_name": {"Müller"},
		"username": {name}, "email": {name + "@example.org"},
		"password": {"Zq8!vL2#pW9@xR4$"}, "password2": {"Zq8!vL2#pW9@xR4$"},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `class="card done"`) {
		t.Fatalf("%s: registration %d", name, res.StatusCode)
	}
}

// TestAClassRegistersThroughTheStoreBehindOneAddress runs the registration pages on
// the real store with the default limits: 30 people register from one address
// (each opening the form and submitting it) without a single rate-limit write; 30
// unknown keys from that address get the bad-key page until the address's limit
// and then 429, and every refused request leaves rate_limits as it was. Then the
// ratelimit.address_failures setting, changed while the server runs, applies.
// Before, every attempt was an upsert and the 11th registration got 429.
func TestAClassRegistersThroughTheStoreBehindOneAddress(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		op := operator(t, s, "Office", allPerms()...)
		srv := httptest.NewServer(web.NewHandler(s, web.Options{Hash: web.HashParams{Time: 1, MemoryKiB: 1024, Threads: 1}}))
		t.Cleanup(srv.Close)
		get := func(c *http.Client, path string) (int, string) {
			t.Helper()
			res, err := c.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		for i := range 30 {
			registerThroughForm(t, s, op, srv.URL, fmt.Sprintf("pupil%d", i))
		}
		if rows, _ := rateRows(t, s); rows != 0 {
			t.Errorf("30 registrations wrote %d rate-limit rows", rows)
		}

		statuses := map[int]int{}
		for i := range 30 {
			key, _ := keys.NewPersonal()
			rows, hits := rateRows(t, s)
			status, _ := get(http.DefaultClient, "/register?key="+key)
			statuses[status]++
			if status == http.StatusTooManyRequests {
				if r2, h2 := rateRows(t, s); r2 != rows || h2 != hits {
					t.Errorf("refused unknown key %d wrote: %d rows %d hits, before %d rows %d hits", i+1, r2, h2, rows, hits)
				}
			}
		}
		if want := web.DefaultLimits.Address; statuses[http.StatusNotFound] != want || statuses[http.StatusTooManyRequests] != 30-want {
			t.Errorf("30 unknown keys answered %v, want %d × 404 and the rest 429", statuses, want)
		}

		// The setting applies at once, also raised above what was counted.
		if err := s.SetSetting(ctx, SettingRateAddress, "25"); err != nil {
			t.Fatal(err)
		}
		key, _ := keys.NewPersonal()
		if status, _ := get(http.DefaultClient, "/register?key="+key); status != http.StatusNotFound {
			t.Errorf("after raising the limit: %d", status)
		}
	})
}
