package uikit

import (
	"slices"
	"sync"
	"testing"
	"time"

	"onboard/screens/internal/uitest"
)

func TestMain(m *testing.M) { uitest.RunMain(m, &OnUI) }

// record returns a load that waits for release, then applies by appending name.
func record(got *[]string, name string, release <-chan struct{}) func() func() {
	return func() func() {
		if release != nil {
			<-release
		}
		return func() { *got = append(*got, name) }
	}
}

func TestLoaderDropsTheResultOfAnOlderLoad(t *testing.T) {
	var bg sync.WaitGroup
	l := NewLoader(&bg)
	var got []string
	slow := make(chan struct{})
	l.Start(record(&got, "first", slow))
	l.Go(record(&got, "first's page", slow))
	l.Start(record(&got, "second", nil))
	l.Go(record(&got, "second's page", nil))
	close(slow)
	uitest.Settle(bg.Wait)
	slices.Sort(got)
	if !slices.Equal(got, []string{"second", "second's page"}) {
		t.Errorf("applied %v", got)
	}
}

func TestLoaderAfterRunsOnlyTheLastScheduledLoad(t *testing.T) {
	var bg sync.WaitGroup
	l := NewLoader(&bg)
	var got []string
	l.After(time.Hour, record(&got, "stopped", nil))
	l.After(time.Millisecond, record(&got, "last", nil))
	uitest.Settle(bg.Wait) // returns only if the stopped timer's count was released
	if !slices.Equal(got, []string{"last"}) {
		t.Errorf("applied %v", got)
	}
	l.Next()
	l.Go(func() func() { return nil }) // a load with nothing to apply
	uitest.Settle(bg.Wait)
}

func TestLoaderFreshTurnsFalseOnTheNextLoad(t *testing.T) {
	var bg sync.WaitGroup
	l := NewLoader(&bg)
	fresh := l.Fresh()
	l.Go(func() func() { return nil })
	if !fresh() {
		t.Error("Go made an earlier Fresh stale")
	}
	l.Start(func() func() { return nil })
	if fresh() {
		t.Error("Start left an earlier Fresh fresh")
	}
	uitest.Settle(bg.Wait)
}
