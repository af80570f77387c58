package syncclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"onboard/data"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/internal/uitext"
)

// Runner runs the syncs of one store with onboard-server, one at a time: the
// window's automatic sync and the settings' "Sync now" share one runner, so two
// syncs never push the same changes side by side.
type Runner struct {
	Store *data.Store
	Now   func() time.Time // dates the history events and the last sync; nil: time.Now
	HTTP  *http.Client     // nil: the sync client's default
	// Backoff is the wait before the first retry of a failed request (0: the sync
	// client's default); tests shorten it.
	Backoff time.Duration

	mu sync.Mutex
}

// NewRunner returns a runner for st.
func NewRunner(st *data.Store, now func() time.Time) *Runner {
	return &Runner{Store: st, Now: now}
}

// Outcome is what a sync did and where sync stands afterwards.
type Outcome struct {
	Configured bool   // a server address and an operator token are set
	URL        string // the server's address
	Ran        bool   // a sync ran (false: the state was only read)
	Result     Result
	Err        error       // why the sync failed; nil when it pushed and pulled everything
	Me         *syncapi.Me // the operator as the server last described it; nil before the first contact
	Status     Status
	Problems   []data.SyncProblem // changes the server refused, rows that could not be applied
	ReadErr    error              // reading the state afterwards failed
}

// Run syncs once, when an address and a token are set, and reads the state.
func (r *Runner) Run(ctx context.Context) Outcome {
	return r.run(ctx, true)
}

// State reads where sync stands without syncing.
func (r *Runner) State(ctx context.Context) Outcome {
	return r.run(ctx, false)
}

func (r *Runner) run(ctx context.Context, sync bool) Outcome {
	var out Outcome
	url, token, err := settings.SyncConfig(ctx, r.Store)
	switch {
	case errors.Is(err, settings.ErrNoSyncURL), errors.Is(err, settings.ErrNoSyncToken):
		// Sync is not set up (or only half): this computer works alone.
	case err != nil:
		out.Configured, out.Err = true, err // the token cannot be read (keyring)
	default:
		out.Configured, out.URL = true, url
		if sync {
			r.mu.Lock()
			c := &Client{Store: r.Store, URL: url, Token: token, HTTP: r.HTTP, Now: r.Now, Backoff: r.Backoff}
			out.Result, out.Err = c.Sync(ctx)
			out.Ran = true
			r.mu.Unlock()
		}
	}
	if out.URL == "" {
		out.URL, _ = settings.Get(ctx, r.Store, settings.SyncURL)
	}
	rctx := context.WithoutCancel(ctx) // what was done is read also when the window closes
	var errs [3]error
	out.Me, errs[0] = SavedMe(rctx, r.Store)
	out.Status, errs[1] = State(rctx, r.Store)
	out.Problems, errs[2] = r.Store.SyncProblems(rctx)
	out.ReadErr = errors.Join(errs[:]...)
	return out
}

// Offline reports whether the last sync failed because the server could not be
// reached.
func (o *Outcome) Offline() bool {
	var ue *UnreachableError
	return errors.As(o.Err, &ue)
}

// ErrorText says in plain words why a sync failed.
func ErrorText(err error) string {
	var ue *UnreachableError
	var se *ServerError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, settings.ErrNoSyncURL):
		return uitext.L("Set the server address first.")
	case errors.Is(err, settings.ErrNoSyncToken):
		return uitext.L("Set the operator token first.")
	case errors.Is(err, ErrUnauthorized):
		return uitext.L("The server refused the operator token: it is unknown there or was revoked. " +
			"Ask the server's administrator for a new token (onboard-server operator add) and save it here.")
	case errors.As(err, &ue):
		return uitext.F("Could not reach the server at %s: %s. Your changes stay on this computer "+
			"and go out with the next sync.", ue.URL, netProblem(ue.Err))
	case errors.As(err, &se):
		return uitext.F("The server reported a problem (%d): %s. Your changes stay on this computer; "+
			"try again later, or tell the server's administrator if it persists.", se.Status, se.Message)
	case errors.Is(err, context.Canceled):
		return uitext.L("The sync was stopped.")
	}
	return uitext.F("Sync failed: %s", err.Error())
}

// netProblem says in plain words why a connection failed.
func netProblem(err error) string {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr *tls.CertificateVerificationError
	var ne net.Error
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return uitext.F("the name %s is not known (check the address)", dns.Name)
	case errors.As(err, &dns):
		return uitext.F("the name %s could not be looked up (no network?)", dns.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return uitext.L("nothing answers at that address (connection refused)")
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return uitext.L("no network route to the server (no network?)")
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &certErr):
		return uitext.F("the server's certificate is not trusted (%s)", err.Error())
	case errors.As(err, &ne) && ne.Timeout():
		return uitext.L("no answer in time")
	}
	return err.Error()
}
