// Package syncclient is the desktop app's side of sync with onboard-server: it
// pushes the local changes the server has not confirmed and pulls the changes made
// elsewhere (other operators, registrations), over the JSON API of package syncapi.
//
// Sync is offline-first. Every local change is recorded in the database (see
// data.PendingRows) and stays pending until the server's answer to it is stored,
// so closing or killing the app at any moment loses nothing; the next sync sends
// it again under the same mutation ID, which the server applies at most once.
// Pulled rows are kept with the pull cursor in one transaction and applied in the
// order they refer to each other (data.Store.ApplyInbox). When a row was changed
// both here and on the server, the server's order wins and the local version is
// recorded in the row's history.
//
// Requests that fail on the way (no connection, a timeout, a dropped answer, a 5xx
// or 429 status) are retried a few times with exponential backoff and jitter;
// answers that say the request itself is wrong (401, other 4xx) are not.
package syncclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"onboard/data"
	"onboard/internal/syncapi"
)

// Limits and defaults.
const (
	// batchSize is how many changes one push carries.
	batchSize = 500
	// pullLimit is how many records one pull asks for.
	pullLimit = 1000
	// maxAttempts bounds the tries of one request.
	maxAttempts = 5
	// DefaultTimeout bounds one request when Client.HTTP is nil.
	DefaultTimeout = 60 * time.Second
	// DefaultBackoff is the wait before the first retry when Client.Backoff is 0;
	// it doubles with every retry, up to maxBackoff.
	DefaultBackoff = 500 * time.Millisecond
	maxBackoff     = 10 * time.Second
	// maxAnswer bounds the size of an answer read.
	maxAnswer = 256 << 20
	// pushPasses bounds how often one sync goes over the pending rows: a second
	// pass sends rows whose earlier version the first pass found applied already
	// (after an answer had been lost).
	pushPasses = 3
)

// pushOrder is the order entities are pushed in: rows before the rows that refer to
// them (an invite key names a role and units; a user who joined with one names it).
var pushOrder = []syncapi.Entity{
	syncapi.EntityUnit, syncapi.EntityGroup, syncapi.EntityRole,
	syncapi.EntityInviteKey, syncapi.EntityUser, syncapi.EntityPersonalKey,
}

// Client syncs one local store with one server as one operator.
type Client struct {
	Store *data.Store
	URL   string // the server's address, e.g. https://onboard.example.org (see settings.SyncURL)
	Token string // the operator's API token
	HTTP  *http.Client
	Now   func() time.Time // dates the audit events and the last sync; nil: time.Now
	// Backoff is the wait before the first retry of a failed request; 0 means
	// DefaultBackoff.
	Backoff time.Duration

	mu sync.Mutex // one sync at a time
}

// Result counts what one sync did.
type Result struct {
	Pushed    int // local changes the server confirmed
	Conflicts int // local changes the server's version won over (each recorded in the history)
	Refused   int // local changes the server refused (see data.Store.SyncProblems for the reasons)
	Pulled    int // rows changed here by changes from the server
}

// ErrUnauthorized means the server refused the operator token.
var ErrUnauthorized = errors.New("the sync server refused the operator token (unknown or revoked); " +
	"set a valid one with: onboard config set sync.token TOKEN")

// UnreachableError means no answer came from the server (after the retries).
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the sync server at %s: %v", e.URL, e.Err)
}

// Unwrap returns the transport's error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// ServerError is an answer with an error status other than 401.
type ServerError struct {
	Status  int
	Message string // the server's ErrorResponse, or the status text
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("the sync server answered %d: %s", e.Status, e.Message)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// The settings sync keeps besides the cursor (see data.Store.SyncCursor).
const (
	meKey        = "sync.permissions" // the operator as /api/v1/me last answered, JSON
	lastSyncKey  = "sync.last_at"     // when the last sync succeeded, RFC 3339
	lastErrorKey = "sync.last_error"  // why the last sync failed; "" when it did not
)

// Me asks the server who the token belongs to and stores the answer (the
// operator's permissions among it), so that the window can enable the actions the
// operator may take also while offline (see SavedMe).
func (c *Client) Me(ctx context.Context) (*syncapi.Me, error) {
	var me syncapi.Me
	if err := c.do(ctx, http.MethodGet, "/api/v1/me", nil, &me); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(&me) // strings only
	if err := c.Store.SetSetting(ctx, meKey, string(b)); err != nil {
		return nil, err
	}
	return &me, nil
}

// SavedMe returns the operator as the server last described it, or nil when no
// sync has reached the server yet.
func SavedMe(ctx context.Context, st *data.Store) (*syncapi.Me, error) {
	raw, err := st.Setting(ctx, meKey, "")
	if err != nil || raw == "" {
		return nil, err
	}
	var me syncapi.Me
	if err := json.Unmarshal([]byte(raw), &me); err != nil {
		return nil, fmt.Errorf("%s: the saved operator is damaged: %w", meKey, err)
	}
	return &me, nil
}

// Status is what the window shows of sync.
type Status struct {
	LastSync  time.Time // zero before the first successful sync
	LastError string    // why the last sync failed; "" when it did not
	Counts    data.SyncCounts
}

// State reads the sync status of a store.
func State(ctx context.Context, st *data.Store) (Status, error) {
	var s Status
	at, err := st.Setting(ctx, lastSyncKey, "")
	if err != nil {
		return s, err
	}
	if at != "" {
		s.LastSync, _ = time.Parse(time.RFC3339Nano, at) // written by remember only
	}
	if s.LastError, err = st.Setting(ctx, lastErrorKey, ""); err != nil {
		return s, err
	}
	s.Counts, err = st.SyncCounts(ctx)
	return s, err
}

// Sync pushes the pending local changes, pulls the server's changes and applies
// them. It returns what it did also when it fails part-way; everything not done is
// done by the next call. One Client runs one sync at a time.
func (c *Client) Sync(ctx context.Context) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var res Result
	err := c.sync(ctx, &res)
	return res, errors.Join(err, c.remember(context.WithoutCancel(ctx), err))
}

func (c *Client) sync(ctx context.Context, res *Result) error {
	if _, err := c.Me(ctx); err != nil {
		return err
	}
	// Rows left in the inbox by an interrupted sync first: a conflict's answer
	// waiting there settles its row before it would be pushed again.
	if err := c.apply(ctx, res); err != nil {
		return err
	}
	if err := c.push(ctx, res); err != nil {
		return err
	}
	if err := c.pull(ctx); err != nil {
		return err
	}
	return c.apply(ctx, res)
}

// remember stores when sync last succeeded, or why it failed.
func (c *Client) remember(ctx context.Context, syncErr error) error {
	if syncErr != nil {
		return c.Store.SetSetting(ctx, lastErrorKey, strings.Join(strings.Fields(syncErr.Error()), " "))
	}
	if err := c.Store.SetSetting(ctx, lastSyncKey, c.now().UTC().Format(time.RFC3339Nano)); err != nil {
		return err
	}
	return c.Store.SetSetting(ctx, lastErrorKey, "")
}

func (c *Client) apply(ctx context.Context, res *Result) error {
	rep, err := c.Store.ApplyInbox(ctx, c.now())
	res.Pulled += rep.Applied
	res.Conflicts += rep.Conflicts
	return err
}

// push sends every pending row, entity by entity in pushOrder, in batches. The
// deletions of units, groups and roles go last: the server refuses to delete one
// that users or invite keys still use, and the changes that move them off it (the
// desktop makes them with the deletion) are pushed after the catalogue otherwise.
func (c *Client) push(ctx context.Context, res *Result) error {
	for range pushPasses {
		again := false
		var deletions []data.PendingRow
		for _, e := range pushOrder {
			for after := ""; ; {
				rows, err := c.Store.PendingRows(ctx, e, after, batchSize)
				if err != nil {
					return err
				}
				if len(rows) == 0 {
					break
				}
				now, later := splitCatalogDeletions(rows)
				deletions = append(deletions, later...)
				more, err := c.pushRows(ctx, now, res)
				if err != nil {
					return err
				}
				again = again || more
				if len(rows) < batchSize {
					break
				}
				after = rows[len(rows)-1].ID
			}
		}
		more, err := c.pushRows(ctx, deletions, res)
		if err != nil {
			return err
		}
		if !again && !more {
			break
		}
	}
	return nil
}

// splitCatalogDeletions separates the deletions of units, groups and roles from
// the other rows.
func splitCatalogDeletions(rows []data.PendingRow) (now, later []data.PendingRow) {
	for _, r := range rows {
		switch {
		case r.Deleted && (r.Entity == syncapi.EntityUnit || r.Entity == syncapi.EntityGroup || r.Entity == syncapi.EntityRole):
			later = append(later, r)
		default:
			now = append(now, r)
		}
	}
	return now, later
}

// pushRows pushes rows in batches of batchSize and reports whether one is still to
// be sent (see pushBatch).
func (c *Client) pushRows(ctx context.Context, rows []data.PendingRow, res *Result) (bool, error) {
	again := false
	for len(rows) > 0 {
		n := min(len(rows), batchSize)
		more, err := c.pushBatch(ctx, rows[:n], res)
		if err != nil {
			return false, err
		}
		again, rows = again || more, rows[n:]
	}
	return again, nil
}

// pushBatch pushes rows and stores the answers. It reports whether a row is still
// to be sent: its earlier version had been applied (a duplicate), not this one.
func (c *Client) pushBatch(ctx context.Context, rows []data.PendingRow, res *Result) (bool, error) {
	req := syncapi.PushRequest{Changes: make([]syncapi.Change, len(rows))}
	for i := range rows {
		r := &rows[i]
		req.Changes[i] = syncapi.Change{
			MutationID: syncapi.MutationID(r.Entity, r.ID, r.MutationVersion()),
			Entity:     r.Entity, ID: r.ID, BaseVersion: r.ServerVersion, Deleted: r.Deleted, Data: r.Data,
		}
	}
	body, err := json.Marshal(&req)
	if err != nil {
		return false, fmt.Errorf("encode the push: %w", err)
	}
	if err := c.Store.MarkSent(ctx, rows); err != nil {
		return false, err
	}
	var resp syncapi.PushResponse
	if err := c.do(ctx, http.MethodPost, "/api/v1/push", body, &resp); err != nil {
		return false, err
	}
	if len(resp.Results) != len(rows) {
		return false, fmt.Errorf("the sync server answered %d results to %d changes", len(resp.Results), len(rows))
	}
	outcomes := make([]data.PushOutcome, len(rows))
	more := false
	for i := range rows {
		r, got := &rows[i], resp.Results[i]
		if got.MutationID != req.Changes[i].MutationID {
			return false, fmt.Errorf("the sync server answered change %d with mutation %q, not %q", i, got.MutationID, req.Changes[i].MutationID)
		}
		outcomes[i] = data.PushOutcome{Row: r, Result: got}
		switch {
		case r.Resent && (got.Status == syncapi.StatusApplied || got.Status == syncapi.StatusDuplicate):
			more = true // the row's current version goes next
		case got.Status == syncapi.StatusApplied:
			res.Pushed++
		case got.Status == syncapi.StatusDuplicate:
			if r.MutationVersion() == r.Version {
				res.Pushed++
			} else {
				more = true
			}
		case got.Status == syncapi.StatusConflict:
			// Counted when the server's version is applied.
		default:
			res.Refused++
		}
	}
	return more, c.Store.RecordPush(ctx, outcomes)
}

// pull fetches the changes after the stored cursor until the server has no more,
// storing each page with its cursor.
func (c *Client) pull(ctx context.Context) error {
	server := c.base()
	cursor, err := c.Store.SyncCursor(ctx, server)
	if err != nil {
		return err
	}
	for {
		var page syncapi.PullResponse
		if err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/pull?cursor=%d&limit=%d", cursor, pullLimit), nil, &page); err != nil {
			return err
		}
		if page.Cursor < cursor || (page.More && len(page.Records) == 0) {
			return fmt.Errorf("the sync server answered a pull after %d with cursor %d and %d records, more %v",
				cursor, page.Cursor, len(page.Records), page.More)
		}
		if err := c.Store.SavePulled(ctx, server, page.Records, page.Cursor); err != nil {
			return err
		}
		cursor = page.Cursor
		if !page.More {
			return nil
		}
	}
}

func (c *Client) base() string { return strings.TrimRight(c.URL, "/") }

// do sends a request, retrying failures on the way, and decodes the answer into
// out. The same body goes every time, so a retried push carries the same mutation
// IDs and the server applies each change once.
func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	var err error
	for attempt := range maxAttempts {
		if attempt > 0 {
			t := time.NewTimer(c.backoff(attempt))
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		var retry bool
		if retry, err = c.once(ctx, method, path, body, out); err == nil || !retry {
			return err
		}
	}
	return fmt.Errorf("%w (gave up after %d attempts)", err, maxAttempts)
}

// backoff is the wait before retry number attempt (1, 2, …): the base doubled
// attempt-1 times, capped, half of it random.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.Backoff
	if d <= 0 {
		d = DefaultBackoff
	}
	d = min(d<<(attempt-1), maxBackoff)
	return d/2 + rand.N(d/2+1)
}

// once sends a request once and reports whether a failure may pass on a retry.
func (c *Client) once(ctx context.Context, method, path string, body []byte, out any) (retry bool, err error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base()+path, rd)
	if err != nil {
		return false, fmt.Errorf("sync server address %q: %w", c.URL, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // the address is in UnreachableError already
		}
		return true, &UnreachableError{URL: c.base(), Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return true, &UnreachableError{URL: c.base(), Err: fmt.Errorf("the answer broke off: %w", err)}
	}
	switch st := resp.StatusCode; {
	case st == http.StatusUnauthorized:
		return false, ErrUnauthorized
	case st/100 != 2:
		var e syncapi.ErrorResponse
		if json.Unmarshal(raw, &e) != nil || e.Error == "" {
			e.Error = http.StatusText(st)
		}
		return st >= 500 || st == http.StatusTooManyRequests || st == http.StatusRequestTimeout,
			&ServerError{Status: st, Message: e.Error}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		// A proxy cutting the answer short gives a 2xx with half a body.
		return true, fmt.Errorf("the sync server's answer to %s is not valid JSON: %w", path, err)
	}
	return false, nil
}
