package uikit

import (
	"sync"
	"time"
)

// Loader runs loads off the UI goroutine and applies each result on it, unless a
// newer load started in between: the result of an older load is stale and is
// dropped. A screen keeps one Loader per kind of load (the table's pages, a
// preview, a check) and calls its methods on the UI goroutine.
type Loader struct {
	bg    *sync.WaitGroup
	gen   int
	timer *time.Timer
}

// NewLoader returns a Loader whose background work is counted in bg, so that the
// screen's Wait also waits for it.
func NewLoader(bg *sync.WaitGroup) *Loader { return &Loader{bg: bg} }

// Next makes the result of every load started so far stale, and stops a load
// After has scheduled but not yet started.
func (l *Loader) Next() {
	l.gen++
	if l.timer != nil && l.timer.Stop() {
		l.bg.Done() // the stopped load will not run
	}
	l.timer = nil
}

// Go runs load in the background as part of the current load (a page fetched
// for the current reload, say); the function load returns, if not nil, runs on
// the UI goroutine unless Next was called in between.
func (l *Loader) Go(load func() (apply func())) {
	fresh := l.Fresh()
	l.bg.Go(func() { l.finish(fresh, load()) })
}

// Start begins a new load: Next, then Go.
func (l *Loader) Start(load func() (apply func())) {
	l.Next()
	l.Go(load)
}

// After begins a new load that runs once d has passed without another Next,
// After or Start (a check that waits until typing pauses).
func (l *Loader) After(d time.Duration, load func() (apply func())) {
	l.Next()
	fresh := l.Fresh()
	l.bg.Add(1)
	l.timer = time.AfterFunc(d, func() {
		defer l.bg.Done()
		l.finish(fresh, load())
	})
}

// Fresh returns a function that reports, on the UI goroutine, whether no new
// load has started since Fresh was called.
func (l *Loader) Fresh() func() bool {
	gen := l.gen
	return func() bool { return gen == l.gen }
}

// finish runs apply on the UI goroutine if the load is still fresh.
func (l *Loader) finish(fresh func() bool, apply func()) {
	if apply == nil {
		return
	}
	OnUI(func() {
		if fresh() {
			apply()
		}
	})
}
