package api

import (
	"testing"

	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

// pushBatch is how many changes the benchmark's client sends per push.
const pushBatch = 1000

// BenchmarkFirstPush100k pushes 100,000 new users over loopback HTTP to a fresh
// SQLite server, pushBatch changes a request, the way the desktop app's first sync
// would. Target: ≤ 10 s an operation.
func BenchmarkFirstPush100k(b *testing.B) {
	const n = 100000
	changes := users(b, "user", n)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := start(b, testdb.SQLite(b))
		c := s.client(s.token(b, "Office", "add-users", "bulk-invite"), nil)
		b.StartTimer()
		for lo := 0; lo < n; lo += pushBatch {
			res, attempts, err := c.push(changes[lo:min(lo+pushBatch, n)])
			if err != nil || attempts != 1 {
				b.Fatalf("push at %d: %v (%d attempts)", lo, err, attempts)
			}
			if got := statuses(res)[syncapi.StatusApplied]; got != len(res.Results) {
				b.Fatalf("push at %d: %v", lo, statuses(res))
			}
		}
		b.StopTimer()
		s.srv.Close()
		s.st.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
}

// BenchmarkPull1k pulls 1,000 changes (two pages of the default limit) over
// loopback HTTP from a SQLite server. Target: ≤ 200 ms an operation.
func BenchmarkPull1k(b *testing.B) {
	s := start(b, testdb.SQLite(b))
	c := s.client(s.token(b, "Office", "add-users", "bulk-invite"), nil)
	if _, _, err := c.push(users(b, "user", 1000)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		recs, _ := c.pullAll(b, 0, 0)
		if len(recs) != 1000 {
			b.Fatalf("pulled %d records", len(recs))
		}
	}
}
