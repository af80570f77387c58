package screens

import (
	"os"
	"sync"
	"testing"
)

// TestMain serialises the UI callbacks of background work, as the real driver does.
func TestMain(m *testing.M) {
	var mu sync.Mutex
	onUI = func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		f()
	}
	os.Exit(m.Run())
}
