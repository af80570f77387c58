// Package outbox delivers the mails of the outbox table through the organization's
// SMTP server: one connection for many mails, a stable Message-ID for every
// attempt, retries with exponential backoff and jitter for temporary failures (4xx
// replies, dropped connections, timeouts), and a final "failed" with the server's
// answer for permanent ones (5xx). While the server cannot be reached at all (offline,
// wrong settings) the mails wait and no attempt is counted. A mail stays queued
// until the server accepted it, so a sender killed at any moment loses none; a mail
// whose acceptance was not recorded is sent again with the same Message-ID.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"onboard/data"
	"onboard/internal/mail"
	"onboard/internal/settings"
)

// Conn is an open connection to a mail server.
type Conn interface {
	Send(ctx context.Context, m *mail.Message) error
	// Broken reports that the connection is gone and nothing more can be sent.
	Broken() bool
	Close() error
}

// Sender drains the outbox of a store.
type Sender struct {
	Store *data.Store
	// Config returns the server settings; nil reads them from the store's settings.
	Config func(ctx context.Context) (mail.Config, error)
	// Dial opens a connection; nil uses mail.Dial.
	Dial func(ctx context.Context, c mail.Config) (Conn, error)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Jitter returns a number in [0, 1) that spreads retries; nil is random.
	Jitter func() float64
	// Lease is how long a claimed mail is left to this sender (default 2 minutes).
	Lease time.Duration
	// Batch is how many mails are claimed at a time (default 50).
	Batch int
}

// Result counts what a drain did.
type Result struct {
	Sent     int
	Retrying int // temporary failures that will be tried again
	Failed   int // permanent failures, and temporary ones after mail.MaxAttempts
	Waiting  int // not tried: the server could not be reached
}

// UnreachableError says the mail server could not be reached or refused the
// connection (network down, wrong settings, TLS or login refused): no mail was
// tried and all of them wait.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string {
	return "the mail server cannot be reached: " + e.Err.Error()
}
func (e *UnreachableError) Unwrap() error { return e.Err }

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Sender) jitter() float64 {
	if s.Jitter != nil {
		return s.Jitter()
	}
	return rand.Float64()
}

func (s *Sender) config(ctx context.Context) (mail.Config, error) {
	if s.Config != nil {
		return s.Config(ctx)
	}
	return settings.SMTPConfig(ctx, s.Store)
}

func (s *Sender) dial(ctx context.Context, c mail.Config) (Conn, error) {
	if s.Dial != nil {
		return s.Dial(ctx, c)
	}
	cl, err := mail.Dial(ctx, c)
	if err != nil {
		return nil, err
	}
	return cl, nil
}

// waitRetry is how long mails wait when the server cannot be reached.
const waitRetry = 2 * time.Minute

// Drain sends the queued mails: those due now, or all of them when all is set (as
// "send now" does). It returns when none is left to try, or with an
// *UnreachableError when the server cannot be reached (the mails wait), or ctx's
// error.
func (s *Sender) Drain(ctx context.Context, all bool) (Result, error) {
	d := s.newDrain()
	defer d.close()
	for {
		if err := ctx.Err(); err != nil {
			return d.res, err
		}
		mails, err := s.Store.ClaimMails(ctx, s.now(), d.lease, d.batch, !all, d.tried)
		if err != nil || len(mails) == 0 {
			return d.res, err
		}
		if end, err := d.sendBatch(ctx, mails); end {
			return d.res, err
		}
	}
}

// drain is the state of one Drain: its settings, what it has done so far and the
// connection it sends on.
type drain struct {
	s     *Sender
	lease time.Duration
	batch int
	res   Result
	// tried holds the mails of this drain that are still queued after their try
	// (temporary failures), so that they are not tried twice; sent and failed mails
	// are no longer queued and need no entry.
	tried []string
	lost  map[string]bool // released once because the connection was gone
	conn  Conn            // nil until the first batch is claimed
	cfg   mail.Config
}

// newDrain starts a drain with the Sender's lease and batch size, or their defaults.
func (s *Sender) newDrain() *drain {
	d := &drain{s: s, lease: s.Lease, batch: s.Batch, lost: map[string]bool{}}
	if d.lease <= 0 {
		d.lease = 2 * time.Minute
	}
	if d.batch <= 0 {
		d.batch = 50
	}
	return d
}

// close closes the drain's connection, if any.
func (d *drain) close() {
	if d.conn != nil {
		d.conn.Close()
	}
}

// sendBatch sends the claimed mails one by one, connecting first when the drain has
// no connection yet. end reports that the drain ends here, with err.
func (d *drain) sendBatch(ctx context.Context, mails []data.Mail) (end bool, err error) {
	claimed := d.s.now()
	if d.conn == nil {
		if d.conn, d.cfg, err = d.s.connect(ctx); err != nil {
			return true, d.s.unreachable(ctx, mails, err, &d.res)
		}
	}
	for i := range mails {
		if err := d.redialIfBroken(ctx, mails[i:]); err != nil {
			return true, err
		}
		if now := d.s.now(); now.Sub(claimed) > d.lease/2 {
			// A slow server: keep the rest of the batch from another sender,
			// which would send it a second time once the lease ran out.
			if err := d.s.Store.ExtendMailClaims(context.WithoutCancel(ctx), ids(mails[i:]), now.Add(d.lease)); err != nil {
				return true, err
			}
			claimed = now
		}
		if end, err := d.send(ctx, mails[i:]); end {
			return true, err
		}
	}
	return false, nil
}

// redialIfBroken dials again when the server hung up (after a 421, a timeout),
// before rest[0], which has not been tried. When the server cannot be reached, rest
// wait and the error (never nil then) ends the drain.
func (d *drain) redialIfBroken(ctx context.Context, rest []data.Mail) error {
	if !d.conn.Broken() {
		return nil
	}
	d.conn.Close()
	var err error
	if d.conn, d.cfg, err = d.s.connect(ctx); err != nil {
		d.conn = nil
		return d.s.unreachable(ctx, rest, err, &d.res)
	}
	return nil
}

// send sends rest[0] and records the outcome; the rest of the batch is released
// when the send was cut short by ctx. end reports that the drain ends here, with err.
func (d *drain) send(ctx context.Context, rest []data.Mail) (end bool, err error) {
	m := &rest[0]
	sendErr := d.conn.Send(ctx, message(m, d.cfg))
	switch {
	case sendErr != nil && !answered(sendErr) && (errors.Is(sendErr, context.Canceled) || ctx.Err() != nil):
		// Cut short: not known to be sent. It and the rest of the batch
		// stay queued and are released for the next drain. (A mail the
		// server accepted or answered is recorded below even when ctx
		// has ended meanwhile.)
		if err := d.s.release(rest); err != nil {
			return true, err
		}
		return true, ctx.Err()
	case errors.Is(sendErr, mail.ErrConnectionLost):
		// Nothing was sent and no attempt is counted: the next mail
		// redials, and this one is claimed again later in this drain
		// (once; a second time it waits for the next drain).
		if err := d.s.release(rest[:1]); err != nil {
			return true, err
		}
		if d.lost[m.ID] {
			d.tried = append(d.tried, m.ID)
		}
		d.lost[m.ID] = true
		return false, nil
	}
	queued, err := d.s.record(ctx, m, sendErr, &d.res)
	if err != nil {
		return true, err
	}
	if queued {
		d.tried = append(d.tried, m.ID)
	}
	return false, nil
}

// answered reports a server's reply to a mail, which is recorded as its outcome
// whatever happens after it.
func answered(err error) bool {
	var se *mail.SendError
	return errors.As(err, &se) && se.Code != 0
}

// unreachable keeps mails waiting because the server could not be reached, or,
// when ctx ended while dialling, releases them and returns ctx's error.
func (s *Sender) unreachable(ctx context.Context, mails []data.Mail, cause error, res *Result) error {
	if ctx.Err() != nil {
		if err := s.release(mails); err != nil {
			return err
		}
		return ctx.Err()
	}
	res.Waiting += len(mails)
	return s.wait(ctx, mails, cause)
}

func ids(mails []data.Mail) []string {
	out := make([]string, len(mails))
	for i := range mails {
		out[i] = mails[i].ID
	}
	return out
}

// connect reads the settings, checks them and dials.
func (s *Sender) connect(ctx context.Context) (Conn, mail.Config, error) {
	cfg, err := s.config(ctx)
	if err != nil {
		return nil, cfg, err
	}
	if err := cfg.Check(); err != nil {
		return nil, cfg, err
	}
	conn, err := s.dial(ctx, cfg)
	if err != nil {
		return nil, cfg, err
	}
	return conn, cfg, nil
}

// message makes the mail to send from a stored one and the current sender.
func message(m *data.Mail, cfg mail.Config) *mail.Message {
	return &mail.Message{
		ID: m.MessageID, From: cfg.From, FromName: cfg.FromName, To: m.ToAddr, ToName: m.ToName,
		Subject: m.Subject, Text: m.TextBody, HTML: m.HTMLBody, Date: m.CreatedAt,
	}
}

// record stores the outcome of one attempt and reports whether the mail stays
// queued for another one.
func (s *Sender) record(ctx context.Context, m *data.Mail, sendErr error, res *Result) (bool, error) {
	now := s.now()
	r := data.MailResult{State: data.MailSent, Attempts: m.Attempts + 1, At: now}
	switch {
	case sendErr == nil:
		res.Sent++
	case mail.IsTemporary(sendErr) && r.Attempts < mail.MaxAttempts:
		r.State, r.Error = data.MailQueued, sendErr.Error()
		r.NextAttemptAt = now.Add(mail.Backoff(r.Attempts, s.jitter()))
		res.Retrying++
	case mail.IsTemporary(sendErr):
		r.State, r.Error = data.MailFailed, fmt.Sprintf("gave up after %d attempts: %v", r.Attempts, sendErr)
		res.Failed++
	default:
		r.State, r.Error = data.MailFailed, sendErr.Error()
		res.Failed++
	}
	// Recorded even when ctx ends now: the server has answered.
	return r.State == data.MailQueued, s.Store.RecordMailAttempt(context.WithoutCancel(ctx), m.ID, r)
}

// wait keeps mails queued, untried, because the server could not be reached.
func (s *Sender) wait(ctx context.Context, mails []data.Mail, cause error) error {
	now := s.now()
	for i := range mails {
		m := &mails[i]
		r := data.MailResult{
			State: data.MailQueued, Attempts: m.Attempts, NextAttemptAt: now.Add(waitRetry),
			Error: "waiting: " + cause.Error(), At: now,
		}
		if err := s.Store.RecordMailAttempt(context.WithoutCancel(ctx), m.ID, r); err != nil {
			return err
		}
	}
	return &UnreachableError{Err: cause}
}

// release gives claimed mails back untouched.
func (s *Sender) release(mails []data.Mail) error {
	now := s.now()
	for i := range mails {
		m := &mails[i]
		r := data.MailResult{
			State: data.MailQueued, Attempts: m.Attempts, NextAttemptAt: m.NextAttemptAt,
			Error: m.LastError, At: now,
		}
		if err := s.Store.RecordMailAttempt(context.Background(), m.ID, r); err != nil {
			return err
		}
	}
	return nil
}

// maxIdle is the longest Run waits between looks at the outbox.
const maxIdle = 5 * time.Minute

// Run drains the due mails until ctx ends: at once, whenever wake receives, and
// when the next queued mail is due. After each drain it calls done, if not nil, with
// what the drain did.
func (s *Sender) Run(ctx context.Context, wake <-chan struct{}, done func(Result, error)) {
	for {
		res, err := s.Drain(ctx, false)
		if ctx.Err() != nil {
			return
		}
		if done != nil {
			done(res, err)
		}
		wait := maxIdle
		if next, err := s.Store.NextMailAttempt(ctx); err == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(s.now()), time.Second))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}
