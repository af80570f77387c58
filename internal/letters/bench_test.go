package letters

import (
	"context"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkLetters10k prints 10,000 letters, each with its own key and QR code, to
// io.Discard. peak-heap-MB is the largest heap in use seen while printing (sampled
// every 5 ms).
func BenchmarkLetters10k(b *testing.B) {
	ppl := people(10_000)
	for i := range ppl {
		ppl[i].Key = ppl[i].Key[:20] + string(rune('A'+i%26)) + ppl[i].Key[21:]
		ppl[i].Username = ppl[i].Username + string(rune('a'+i%26))
	}
	o := testOptions()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		res, err := Write(context.Background(), io.Discard, ppl, o, nil)
		if err != nil || res.Pages != len(ppl) {
			b.Fatalf("%v, %+v", err, res)
		}
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
}
