package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/mail"
	"onboard/internal/outbox"
	"onboard/internal/settings"
)

// runMailSend tries every queued mail now. It exits 0 only when the outbox is empty
// afterwards.
func runMailSend(ctx context.Context, c *call) error {
	if _, err := c.parse(); err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	s := &outbox.Sender{Store: c.store, Now: c.svc.Now}
	res, err := s.Drain(ctx, true)
	fmt.Fprintf(c.stdout, "Sent %s, %s to try again, %s failed.\n", display.Plural(res.Sent, "mail"),
		display.Count(res.Retrying), display.Count(res.Failed))
	if err != nil {
		var ue *outbox.UnreachableError
		if errors.As(err, &ue) {
			return fmt.Errorf("%w; %s wait in the outbox", err, display.Plural(res.Waiting, "mail"))
		}
		return err
	}
	counts, err := c.store.MailCounts(ctx)
	if err != nil {
		return err
	}
	if n := counts[data.MailQueued]; n > 0 {
		next, _ := c.store.NextMailAttempt(ctx)
		return fmt.Errorf("%s still queued; the next attempt is due %s", display.Plural(n, "mail"), display.Time(&next))
	}
	if res.Failed > 0 {
		return fmt.Errorf("%s failed; see onboard mail list --state failed", display.Plural(res.Failed, "mail"))
	}
	return nil
}

// runMailList prints the outbox, newest first.
func runMailList(ctx context.Context, c *call) error {
	state := c.fs.String("state", "", "only mails in this state: queued, sent, failed or cancelled")
	limit := c.fs.Int("limit", 200, "at most this many mails (0: all)")
	if _, err := c.parse(); err != nil {
		return err
	}
	q := data.MailQuery{State: data.MailState(*state), Limit: *limit}
	if *state != "" && !isMailState(q.State) {
		return usagef("--state must be queued, sent, failed or cancelled, not %q", *state)
	}
	if *limit < 0 {
		return usagef("--limit must be 0 or more")
	}
	if err := c.open(); err != nil {
		return err
	}
	mails, err := c.store.Mails(ctx, q)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tQUEUED\tTO\tSUBJECT\tSTATE\tATTEMPTS\tANSWER")
	for _, m := range mails {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", m.ID, display.Time(&m.CreatedAt), m.ToAddr, m.Subject,
			m.State, m.Attempts, strings.ReplaceAll(m.LastError, "\n", " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, display.Plural(len(mails), "mail"))
	return nil
}

func isMailState(s data.MailState) bool {
	for _, st := range data.MailStates {
		if st == s {
			return true
		}
	}
	return false
}

// runMailRetry queues failed mails again, optionally to a corrected address.
func runMailRetry(ctx context.Context, c *call) error {
	to := c.fs.String("to", "", "send to this address instead (one mail only)")
	allFailed := c.fs.Bool("failed", false, "every failed mail")
	ids, err := c.parseAll()
	if err != nil {
		return err
	}
	switch {
	case *allFailed && len(ids) > 0:
		return usagef("give mail IDs or --failed, not both")
	case !*allFailed && len(ids) == 0:
		return usagef("give the IDs of the mails to retry (see onboard mail list), or --failed")
	case *to != "" && len(ids) != 1:
		return usagef("--to changes the address of one mail; give exactly one ID")
	}
	if err := c.open(); err != nil {
		return err
	}
	if *allFailed {
		failed, err := c.store.Mails(ctx, data.MailQuery{State: data.MailFailed})
		if err != nil {
			return err
		}
		for _, m := range failed {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 1 {
		if err := c.svc.RetryMail(ctx, ids[0], *to); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Queued 1 mail again; onboard mail send sends it now.\n")
		return nil
	}
	// Several: one that cannot be queued again does not stop the others, and the
	// output says which were queued.
	var refused []string
	for _, id := range ids {
		if err := c.svc.RetryMail(ctx, id, *to); err != nil {
			refused = append(refused, fmt.Sprintf("  %s: %s", id, oneLine(err)))
		}
	}
	fmt.Fprintf(c.stdout, "Queued %s again; onboard mail send sends them now.\n", display.Plural(len(ids)-len(refused), "mail"))
	if len(refused) > 0 {
		fmt.Fprintln(c.stdout, "Not queued:")
		for _, r := range refused {
			fmt.Fprintln(c.stdout, r)
		}
		return fmt.Errorf("%s could not be queued again; see above", display.Plural(len(refused), "mail"))
	}
	return nil
}

// runMailTest sends a test mail to an address straight away, not through the
// outbox, and prints the server's answer.
func runMailTest(ctx context.Context, c *call) error {
	pos, err := c.parse("ADDRESS")
	if err != nil {
		return err
	}
	_, addr, err := mail.ParseAddress("address", pos[0])
	if err != nil {
		return usagef("%v", err)
	}
	if err := c.open(); err != nil {
		return err
	}
	cfg, err := settings.SMTPConfig(ctx, c.store)
	if err != nil {
		return err
	}
	if err := mail.SendTest(ctx, cfg, addr, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "The server %s accepted a test mail to %s.\n", cfg.Host, addr)
	return nil
}
