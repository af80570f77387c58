package export

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"onboard/data"
	"onboard/internal/demo"
)

// benchUsers is the number of users of the benchmark store.
const benchUsers = 100_000

// benchDir holds the benchmark store; TestMain removes it.
var benchDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchStore is a store of benchUsers demo users (every status, units, groups and
// keys), made once per run of the benchmarks; exports only read it.
var benchStore = sync.OnceValues(func() (*data.Store, error) {
	dir, err := os.MkdirTemp("", "onboard-export-bench-")
	if err != nil {
		return nil, err
	}
	benchDir = dir
	st, err := data.Open(filepath.Join(dir, "onboard.db"))
	if err != nil {
		return nil, err
	}
	_, err = demo.Fill(context.Background(), st, demo.Options{Users: benchUsers, Seed: 1, Now: now})
	return st, err
})

// benchExport measures the export of every user of the benchmark store, keys
// included, to a file on disk; peak-heap-MB is the largest heap seen after a page.
func benchExport(b *testing.B, format Format) {
	st, err := benchStore()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "users."+string(format))
	var peak uint64
	var ms runtime.MemStats
	b.ResetTimer()
	for range b.N {
		n, err := Users(ctx, st, data.UserQuery{}, nil, now, path, format, func(done, total int) {
			if done%(10*PageSize) == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}, WithKeys(true))
		if err != nil || n != benchUsers {
			b.Fatalf("exported %d users: %v", n, err)
		}
	}
	b.StopTimer()
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkUsersCSV100k exports 100k users to CSV.
func BenchmarkUsersCSV100k(b *testing.B) { benchExport(b, CSV) }

// BenchmarkUsersXLSX100k exports 100k users to XLSX.
func BenchmarkUsersXLSX100k(b *testing.B) { benchExport(b, XLSX) }
