package pdfdoc

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"onboard/internal/pdfcheck"
)

// letterLines is the body of a registration letter, about 900 characters.
var letterLines = []string{
	"Thank you for registering for the spring programme. This letter confirms",
	"your place and explains the next steps. Please keep it somewhere safe, as",
	"you will need the registration key below when you first sign in to the",
	"portal. The key is personal: do not share it with anyone, including staff.",
	"",
	"On your first visit, scan the QR code on the right with the kiosk camera,",
	"or type the key by hand. You will then be asked to choose a password and",
	"to confirm your contact details. If anything on this letter is wrong,",
	"please tell the front desk before your first session so we can fix it.",
	"",
	"Sessions start at nine o'clock sharp. Bring photo identification and",
	"this letter. Parking is available behind the main building; the entrance",
	"is on the east side. We look forward to welcoming you.",
}

// buildLetter builds one A4 letter page: about 20 lines of text in three
// fonts (≈1,000 characters) and a 29×29 QR-like pattern of filled squares.
func buildLetter(i int, regular, bold, mono *Font) *Page {
	p := NewPage(595.28, 841.89)
	p.SetFill(0, 0, 0)
	p.Text(bold, 16, 56, 70, "Registration confirmation")
	p.Text(regular, 11, 56, 100, fmt.Sprintf("Dear Łukasz Ömer Zoë Ξανθή Юлия %05d,", i))
	y := 130.0
	for _, line := range letterLines {
		p.Text(regular, 10.5, 56, y, line)
		y += 15
	}
	p.Text(mono, 11, 56, y+10, fmt.Sprintf("Registration key: %04X-%04X-%04X", i*7919%65536, i*104729%65536, i))
	p.Text(mono, 9, 56, y+28, fmt.Sprintf("Letter %d, printed 2025-03-04", i+1))
	p.Line(56, 780, 539, 780, 0.5, 128, 128, 128)
	p.Text(regular, 8, 56, 795, "Onboard registration office · 1 Example Street · 12345 Example Town")

	// About 300 dark modules of a 29×29 grid, different for every letter.
	const n, module = 29, 3.0
	h := uint32(i)*2654435761 + 1
	for row := range n {
		for col := range n {
			h ^= h << 13
			h ^= h >> 17
			h ^= h << 5
			if h%100 < 36 {
				p.Rect(440+float64(col)*module, 60+float64(row)*module, module, module)
			}
		}
	}
	return p
}

// countingDiscard counts the bytes written to it.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	return len(b), nil
}

// BenchmarkPages10k writes 10,000 letters: two workers build and compress
// pages, which are added in order. It reports the peak heap in use.
func BenchmarkPages10k(b *testing.B) {
	regular, bold, mono := fonts(b)
	const pages, workers = 10000, 2

	var peak uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	b.ReportAllocs()
	var out countingDiscard
	for b.Loop() {
		out.n = 0
		var chans [workers]chan *Page
		for w := range chans {
			chans[w] = make(chan *Page, 16)
			go func() {
				for i := w; i < pages; i += workers {
					p := buildLetter(i, regular, bold, mono)
					if err := p.Compress(); err != nil {
						panic(err)
					}
					chans[w] <- p
				}
			}()
		}
		w := NewWriter(&out, Info{Title: "Registration letters", Producer: "onboard"})
		for i := range pages {
			if err := w.AddPage(<-chans[i%workers]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	close(stop)
	<-sampled
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(out.n)/(1<<20), "file-MB")
}

// TestLetterRenders checks that the benchmark's letter is a valid page.
func TestLetterRenders(t *testing.T) {
	pdfcheck.Need(t, "pdftoppm")
	regular, bold, mono := fonts(t)
	render(t, writePDF(t, buildLetter(41, regular, bold, mono)), 1, false)
}
