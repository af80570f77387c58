package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"onboard/internal/testdb"
)

// BenchmarkRedeem200Concurrent redeems 200 personal keys at once on a SQLite store
// (the store's share of 200 concurrent registrations; Argon2 is the web's) and
// reports the 95th percentile latency.
func BenchmarkRedeem200Concurrent(b *testing.B) {
	const n = 200
	var lat []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := open(b, testdb.SQLite(b))
		op := operator(b, s, "Office", allPerms()...)
		keys := make([]string, n)
		for j := range keys {
			_, keys[j] = invitee(b, s, op, fmt.Sprintf("u%d", j), time.Now().Add(time.Hour))
		}
		b.StartTimer()
		var mu sync.Mutex
		var wg sync.WaitGroup
		for j, key := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				if err := s.RedeemPersonalKey(context.Background(), key, registration(fmt.Sprintf("r%d", j))); err != nil {
					b.Error(err)
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}
