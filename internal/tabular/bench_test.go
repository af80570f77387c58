package tabular

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const benchRows, benchCols = 100_000, 8

// benchRecord returns the cells of row r of the benchmark tables: text with
// umlauts, an external ID with leading zeros, a phone number, an e-mail.
func benchRecord(r int) []string {
	return []string{
		fmt.Sprintf("%06d", r), "Jürgen", "Größenwahn-Müller", fmt.Sprintf("j.mueller%d@schule.example", r),
		"Klasse 7b", fmt.Sprintf("+49 151 %08d", r), "Straße 12", "Köln",
	}
}

// readBench reads path once per iteration, reporting the peak live heap.
func readBench(b *testing.B, path string) {
	b.Helper()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	b.ResetTimer()
	var peak atomic.Uint64
	stop := sampleHeap(&peak)
	for b.Loop() {
		f, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for row, err := range f.Rows(context.Background()) {
			if err != nil {
				b.Fatal(err)
			}
			if len(row.Cells) != benchCols {
				b.Fatalf("line %d: %d cells", row.Line, len(row.Cells))
			}
			n++
		}
		f.Close()
		if n != benchRows+1 {
			b.Fatalf("%d rows; want %d", n, benchRows+1)
		}
	}
	stop()
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
}

// sampleHeap records the largest live heap seen every 5 ms until stop is
// called.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

func BenchmarkReadCSV100k(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("ID;Vorname;Nachname;E-Mail;Klasse;Telefon;Straße;Ort\r\n")
	for r := range benchRows {
		sb.WriteString(strings.Join(benchRecord(r), ";"))
		sb.WriteString("\r\n")
	}
	path := filepath.Join(b.TempDir(), "users.csv")
	if err := os.WriteFile(path, win1252(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	readBench(b, path)
}

func BenchmarkReadXLSX100k(b *testing.B) {
	xf := excelize.NewFile()
	sw, err := xf.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	row := make([]any, benchCols)
	for c, h := range []string{"ID", "Vorname", "Nachname", "E-Mail", "Klasse", "Telefon", "Straße", "Ort"} {
		row[c] = h
	}
	must(b, sw.SetRow("A1", row))
	for r := range benchRows {
		for c, v := range benchRecord(r) {
			row[c] = v
		}
		row[5] = 4915100000000 + r // a number cell
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		must(b, sw.SetRow(cell, row))
	}
	must(b, sw.Flush())
	path := filepath.Join(b.TempDir(), "users.xlsx")
	must(b, xf.SaveAs(path))
	must(b, xf.Close())
	readBench(b, path)
}
