package web

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRegister200 sends 200 registrations at once through the handler over
// HTTP on loopback, with real Argon2id hashing and the default parameters and
// limits; each client has its own address (X-Forwarded-For behind a trusted proxy)
// and opened its form before the burst. It reports the submissions' latency and how
// many got the busy page (503: the hashing queue's wait ran out); on an idle 2-core
// machine none should. With OWASP's Argon2id minimum (DefaultHashParams) the hashes
// alone take 200 × about 20 ms of CPU, so p95 is some seconds.
func BenchmarkRegister200(b *testing.B) {
	const clients = 200
	fb := newFakeBackend(testOrg)
	srv := startServer(b, fb, Options{TrustedProxies: testProxies})
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	b.Cleanup(tr.CloseIdleConnections)

	var all []time.Duration
	var busy atomic.Int64
	var cpu time.Duration // process CPU time of the bursts, server and clients
	b.ResetTimer()
	for iter := 0; iter < b.N; iter++ {
		b.StopTimer()
		forms := make([]url.Values, clients)
		cls := make([]*client, clients)
		for i := range clients {
			inv := testInvitee
			inv.Username, inv.Email = fmt.Sprintf("user%d.%d", iter, i), fmt.Sprintf("user%d.%d@example.org", iter, i)
			key := fb.addPersonal(b, inv)
			jar, _ := cookiejar.New(nil)
			cls[i] = &client{t: b, base: srv.URL, http: &http.Client{Jar: jar, Transport: &forwardedFor{tr, fmt.Sprintf("10.%d.%d.%d", iter%256, i/256, i%256)}}}
			forms[i] = cls[i].formFor("/register?key="+key, url.Values{
				"username": {inv.Username}, "email": {inv.Email},
				"password": {strongPassword}, "password2": {strongPassword}, "terms": {"yes"},
			})
		}
		b.StartTimer()

		lat := make([]time.Duration, clients)
		errs := make(chan error, clients)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				<-start
				t0 := time.Now()
				res, err := cls[i].http.PostForm(srv.URL+"/register", forms[i])
				if err != nil {
					errs <- err
					return
				}
				res.Body.Close()
				lat[i] = time.Since(t0)
				if res.StatusCode == http.StatusServiceUnavailable {
					busy.Add(1)
				} else if res.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("client %d: status %d", i, res.StatusCode)
				}
			})
		}
		cpu0 := cpuTime()
		close(start)
		wg.Wait()
		cpu += cpuTime() - cpu0
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		all = append(all, lat...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		return float64(all[int(p*float64(len(all)))-1]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(float64(all[len(all)-1])/float64(time.Millisecond), "max-ms")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(len(all)), "cpu-ms/reg")
	b.ReportMetric(float64(busy.Load())/float64(b.N), "busy-503/op")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// forwardedFor sets X-Forwarded-For as a reverse proxy would, so each benchmark
// client has its own address for the rate limits.
type forwardedFor struct {
	rt   http.RoundTripper
	addr string
}

func (f *forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	if !strings.HasPrefix(r.URL.Host, "127.0.0.1") {
		return nil, fmt.Errorf("benchmark request to %s: loopback only", r.URL.Host)
	}
	return f.rt.RoundTrip(r)
}
