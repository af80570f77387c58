package screens

import (
	"os"
	"sync"
	"testing"
	"time"
)

// uiQueue holds the UI callbacks of background work until the test runs them, so
// that all widget code runs on the test goroutine, as it runs on the one UI
// goroutine in the app. (Fyne's test driver would run fyne.Do on the calling
// goroutine, beside the test.)
var uiQueue struct {
	sync.Mutex
	fns []func()
}

func TestMain(m *testing.M) {
	time.Local = time.UTC // reference markup shows local times
	onUI = func(f func()) {
		uiQueue.Lock()
		uiQueue.fns = append(uiQueue.fns, f)
		uiQueue.Unlock()
	}
	os.Exit(m.Run())
}

// settle waits for the background work (waits) and runs the queued UI callbacks,
// again and again until nothing is left to do.
func settle(waits ...func()) {
	for {
		for _, w := range waits {
			w()
		}
		uiQueue.Lock()
		fns := uiQueue.fns
		uiQueue.fns = nil
		uiQueue.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, f := range fns {
			f()
		}
	}
}
