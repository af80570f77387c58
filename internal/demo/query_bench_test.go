package demo

import (
	"context"
	"os"
	"testing"
	"time"

	"onboard/data"
)

// BenchmarkUsersQuery100k measures what the users screen asks when the admin filters
// by status, types a search term and sorts by a column on 100,000 users: the counts
// per status (the total among them) and the first visible page, which the screen
// fetches at the same time on two connections. Target ≤ 5 ms for the searches,
// ≤ 20 ms without one.
func BenchmarkUsersQuery100k(b *testing.B) {
	st := openStore(b)
	now := time.Now()
	if _, err := Fill(context.Background(), st, Options{Users: 100_000, Seed: 5, Now: now}); err != nil {
		b.Fatal(err)
	}
	benchUsersQueries(b, st, now)
}

// BenchmarkUsersQueryFile asks the same on an existing database named by
// ONBOARD_BENCH_DB, made once (filling a million users takes minutes), for example
// with `onboard --db /tmp/1m.db demo --users 1000000`. Target with a million users:
// ≤ 20 ms for the searches. Without the variable the benchmark is skipped.
func BenchmarkUsersQueryFile(b *testing.B) {
	path := os.Getenv("ONBOARD_BENCH_DB")
	if path == "" {
		b.Skip("ONBOARD_BENCH_DB names no database file")
	}
	st, err := data.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchUsersQueries(b, st, time.Now())
}

// benchUsersQueries runs the users screen's queries on st as sub-benchmarks.
func benchUsersQueries(b *testing.B, st *data.Store, now time.Time) {
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		q    data.UserQuery
	}{
		{"invited+mueller+email", data.UserQuery{Status: data.StatusInvited, Search: "mueller", Sort: data.SortEmail, Limit: 40}},
		{"all+anna+name", data.UserQuery{Search: "anna", Limit: 40}},
		{"all+jürgen-groß+name", data.UserQuery{Search: "Jürgen Groß", Limit: 40}}, // one person's name: few matches
		{"not-activated+validuntil-desc", data.UserQuery{Status: data.StatusNotActivated, Sort: data.SortValidUntil, Desc: true, Limit: 40}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var counts map[data.Status]int
				var countErr error
				done := make(chan struct{})
				go func() {
					counts, countErr = st.CountByStatus(ctx, bc.q, now)
					close(done)
				}()
				rows, err := st.ListUsers(ctx, bc.q, now)
				<-done
				if err != nil || countErr != nil || len(rows) == 0 {
					b.Fatalf("%d rows, %v, %v", len(rows), err, countErr)
				}
				if bc.q.Status != "" && counts[bc.q.Status] < len(rows) {
					b.Fatalf("count %d < %d rows", counts[bc.q.Status], len(rows))
				}
			}
		})
	}
}
