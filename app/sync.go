package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2/lang"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/syncclient"
	"onboard/screens"
)

// When the window syncs. Tests shorten them.
var (
	// syncEvery is the wait between syncs while all is well.
	syncEvery = 3 * time.Minute
	// syncSoon is the wait after a local change: changes made in a row go together.
	syncSoon = 5 * time.Second
	// syncRetry is the wait after a failed sync (offline, token refused, a server
	// error); it doubles with every failure in a row, up to syncRetryMax.
	syncRetry    = 30 * time.Second
	syncRetryMax = 15 * time.Minute
	// syncStopWait bounds how long StopSync waits for a sync in progress to stop.
	syncStopWait = 5 * time.Second
)

// StartSync syncs with onboard-server while the window is open: at once, every
// syncEvery, syncSoon after local changes (WakeSync) and at once after the server
// settings changed (SyncNow). After a failure it waits longer each time (offline:
// nothing is lost, the changes stay pending in the database). Without an address
// and a token it only watches for them. It stops when ctx ends or StopSync is
// called.
func (m *Main) StartSync(ctx context.Context) {
	ctx, m.stopSync = context.WithCancel(ctx)
	m.settings.SyncContext = ctx
	m.syncers.Go(func() { m.syncLoop(ctx) })
}

// StopSync stops the automatic sync and waits briefly (at most syncStopWait) for
// a sync in progress to stop. What it had not pushed stays pending and goes with
// the next sync.
func (m *Main) StopSync() {
	if m.stopSync == nil {
		return
	}
	stopAndWait(m.stopSync, &m.syncers, syncStopWait)
}

// WakeSync tells the sync that something changed here: the status line counts the
// waiting changes again and a sync follows shortly. It never blocks.
func (m *Main) WakeSync() {
	select {
	case m.syncWake <- struct{}{}:
	default: // a wake is pending already
	}
}

// SyncNow syncs at once, also while waiting after a failure (the server settings
// were saved). It never blocks.
func (m *Main) SyncNow() {
	select {
	case m.syncKick <- struct{}{}:
	default:
	}
}

// retryWait is the wait after fails failed syncs in a row.
func retryWait(fails int) time.Duration {
	d := syncRetry
	for i := 1; i < fails && d < syncRetryMax; i++ {
		d *= 2
	}
	return min(d, syncRetryMax)
}

func (m *Main) syncLoop(ctx context.Context) {
	// Before the first sync, what the last session left: the permissions and the
	// changes waiting.
	m.report(ctx, m.syncer.State(ctx))
	timer := time.NewTimer(0)
	defer timer.Stop()
	due := time.Now()
	schedule := func(d time.Duration) {
		due = time.Now().Add(d)
		timer.Reset(d)
	}
	fails, configured := 0, true
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.syncKick:
			fails = 0
			schedule(0)
			continue
		case <-m.syncWake:
			m.recount(ctx)
			if configured && fails == 0 && time.Until(due) > syncSoon {
				schedule(syncSoon)
			}
			continue
		case <-timer.C:
		}
		onUI(func() {
			if ctx.Err() == nil {
				m.syncLine.syncing = true
				m.showStatus()
			}
		})
		out := m.syncer.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		m.report(ctx, out)
		configured = out.Configured
		if out.Configured && out.Err != nil {
			fails++
			schedule(retryWait(fails))
		} else {
			fails = 0
			schedule(syncEvery)
		}
	}
}

// report hands a sync's outcome to the window.
func (m *Main) report(ctx context.Context, out syncclient.Outcome) {
	onUI(func() {
		if ctx.Err() == nil {
			m.applySync(out)
		}
	})
}

// recount counts the changes waiting for sync again, for the status line.
func (m *Main) recount(ctx context.Context) {
	counts, err := m.store.SyncCounts(ctx)
	if err != nil {
		return // the next sync reads them again
	}
	onUI(func() {
		if ctx.Err() == nil {
			m.syncLine.counts = counts
			m.showStatus()
		}
	})
}

// applySync shows a sync's outcome, on the UI goroutine: the status line, the
// operator's permissions, the server section of the settings and, when it brought
// changes from the server, the screen on view.
func (m *Main) applySync(out syncclient.Outcome) {
	l := &m.syncLine
	l.syncing = false
	l.configured = out.Configured
	if !out.Configured {
		l.ran, l.err = false, nil
	} else if out.Ran || out.Err != nil {
		l.ran, l.err = out.Ran, out.Err
	}
	l.lastSync = out.Status.LastSync
	l.counts = out.Status.Counts
	m.showStatus()
	m.setPermissions(screens.NewPermissions(out.Configured, out.Me))
	m.settings.ShowSync(out)
	if out.Ran && out.Result.Pulled+out.Result.Conflicts > 0 {
		m.reloadVisible()
	}
}

// setPermissions enables the actions the operator may take on every screen.
func (m *Main) setPermissions(p screens.Permissions) {
	m.users.SetPermissions(p)
	m.keys.SetPermissions(p)
	m.catalog.SetPermissions(p)
	m.roles.SetPermissions(p)
	m.imports.SetPermissions(p)
}

// reloadVisible reloads the screen on view after sync brought changes from the
// server (activations, other operators' edits).
func (m *Main) reloadVisible() {
	switch Screens[m.current].ID {
	case "users":
		m.users.Reload()
	case "invite-keys":
		m.keys.Reload()
	case "units":
		m.catalog.Reload()
	case "roles":
		m.roles.Reload()
	case "letters":
		m.letters.Reload()
	}
}

// syncLine is the sync part of the status line.
type syncLine struct {
	configured bool
	syncing    bool  // a sync is under way
	ran        bool  // a sync ran in this session
	err        error // why the last sync failed
	lastSync   time.Time
	counts     data.SyncCounts
}

// text is the status line's sync part: "Online · synced 12:04 · 3 changes
// waiting", "Offline (server unreachable) · 3 changes waiting", "Sync: token
// refused", or "" when sync is not set up.
func (l *syncLine) text(now time.Time) string {
	if !l.configured {
		return ""
	}
	var ue *syncclient.UnreachableError
	var se *syncclient.ServerError
	head := ""
	switch {
	case errors.Is(l.err, syncclient.ErrUnauthorized):
		return lang.L("Sync: token refused")
	case errors.As(l.err, &ue):
		head = lang.L("Offline (server unreachable)")
	case errors.As(l.err, &se):
		head = fmt.Sprintf(lang.L("Sync: server error (%d)"), se.Status)
	case l.err != nil:
		head = lang.L("Sync failed (see Settings → Server)")
	case !l.ran && l.syncing:
		head = lang.L("Sync: connecting…")
	case !l.ran:
		head = lang.L("Sync: not connected yet")
	case l.lastSync.IsZero():
		head = lang.L("Online")
	default:
		head = fmt.Sprintf(lang.L("Online · synced %s"), clock(l.lastSync, now))
	}
	if n := l.counts.Pending; n > 0 {
		head += " · " + fmt.Sprintf(lang.L("%s waiting"), display.PluralOf(n, lang.L("change"), lang.L("changes")))
	}
	if n := l.counts.Refused; n > 0 {
		head += " · " + fmt.Sprintf(lang.L("%s refused by the server"), display.Count(n))
	}
	return head
}

// clock is the time of day for today, else the date and time.
func clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04")
	}
	return display.Time(&t)
}
