package cli

import (
	"context"
	"fmt"
	"strings"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/settings"
	"onboard/internal/syncclient"
)

// syncBackoff is the wait before the first retry of a failed request; tests
// shorten it.
var syncBackoff = syncclient.DefaultBackoff

// runSync sends this computer's changes to the sync server and fetches the
// changes made elsewhere. It exits 0 only when nothing waits for sync afterwards:
// every change was pushed (none refused) and everything pulled was applied.
func runSync(ctx context.Context, c *call) error {
	if _, err := c.parse(); err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	url, token, err := settings.SyncConfig(ctx, c.store)
	if err != nil {
		return err
	}
	client := &syncclient.Client{Store: c.store, URL: url, Token: token, Now: c.svc.Now, Backoff: syncBackoff}
	res, syncErr := client.Sync(ctx)
	if syncErr != nil && res == (syncclient.Result{}) {
		return syncErr
	}
	fmt.Fprintf(c.stdout, "Pushed %s, pulled %s, %s, %s.\n", display.Plural(res.Pushed, "change"),
		display.Plural(res.Pulled, "change"), display.Plural(res.Conflicts, "conflict"), display.Count(res.Refused)+" refused")
	if res.Conflicts > 0 {
		fmt.Fprintln(c.stdout, "Conflicts: the server's version was kept; the changes made here are in the history of each row.")
	}
	if syncErr != nil {
		return syncErr
	}
	probs, err := c.store.SyncProblems(ctx)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		fmt.Fprintln(c.stdout, "Not synced:")
		for _, p := range probs {
			fmt.Fprintf(c.stdout, "  %s: %s\n", describe(p), p.Reason)
		}
	}
	counts, err := c.store.SyncCounts(ctx)
	if err != nil {
		return err
	}
	var left []string
	if counts.Refused > 0 {
		left = append(left, display.Plural(counts.Refused, "change")+" refused by the server (change them and sync again)")
	}
	if counts.Pending > 0 {
		left = append(left, display.Plural(counts.Pending, "change")+" made during the sync still to push")
	}
	if counts.Inbox > 0 {
		left = append(left, display.PluralOf(counts.Inbox, "row", "rows")+" from the server not applied here")
	}
	if len(left) > 0 {
		return fmt.Errorf("not everything is synced: %s", strings.Join(left, "; "))
	}
	return nil
}

// describe names a row for the list of problems: "user Anna Müller (ID)".
func describe(p data.SyncProblem) string {
	what := strings.ReplaceAll(string(p.Entity), "_", " ")
	if p.Name != "" {
		what += " " + p.Name
	}
	return what + " (" + p.ID + ")"
}
