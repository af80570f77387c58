package cli

import (
	"context"
	"errors"
	"fmt"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
)

// runLettersHandedOut records that the letters of the users named by --user, or
// carrying the keys (or registration links) given by --key, were handed out, and
// prints each result. It fails (exit 1) when a key has no letter or its user has
// registered; letters handed out before are listed and left as they were.
func runLettersHandedOut(ctx context.Context, c *call) error {
	var users, keys stringList
	c.fs.Var(&users, "user", "this user (ID or username; repeat for more)")
	c.fs.Var(&keys, "key", "the key on the letter, or the registration link its QR code holds (repeat for more)")
	if _, err := c.parse(); err != nil {
		return err
	}
	if (len(users) == 0) == (len(keys) == 0) {
		return usagef("give the letters handed out with --user ID... or with --key KEY...")
	}
	if err := c.open(); err != nil {
		return err
	}
	if len(keys) > 0 {
		return handOutKeys(ctx, c, keys)
	}
	ids, err := selectUsers(ctx, c, data.UserQuery{}, nil, nil, users)
	if err != nil {
		return err
	}
	res, err := c.svc.MarkHandedOut(ctx, ids)
	if err != nil {
		return err
	}
	for _, h := range res.Done {
		fmt.Fprintln(c.stdout, h.Text())
	}
	fmt.Fprintf(c.stdout, "Marked %s handed out.\n", display.Plural(len(res.Done), "letter"))
	reportSkipped(c.stdout, res.Skipped)
	return nil
}

// handOutKeys marks the letters of keys handed out one by one, printing a line for
// each, and fails when any was not found or belongs to a registered user.
func handOutKeys(ctx context.Context, c *call, keys []string) error {
	failed := 0
	for _, k := range keys {
		h, err := c.svc.HandOutByScan(ctx, k)
		var te *lifecycle.TransitionError
		switch {
		case err == nil:
			fmt.Fprintln(c.stdout, h.Text())
		case errors.Is(err, lifecycle.ErrNoLetter):
			failed++
			fmt.Fprintf(c.stdout, "%s: no letter has this key\n", k)
		case errors.As(err, &te):
			failed++
			fmt.Fprintf(c.stdout, "%s: %s\n", k, err)
		default:
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s were not marked handed out", failed, display.Plural(len(keys), "key"))
	}
	return nil
}

// parseLetter sets q's letter filter from --letter ("": any).
func parseLetter(s string, q *data.UserQuery) error {
	if s == "" {
		return nil
	}
	for _, f := range data.LetterFilters {
		if string(f) == s {
			q.Letter = f
			return nil
		}
	}
	return usagef("--letter must be %s or %s, not %q", data.LetterPrintedNotHandedOut, data.LetterHandedOutNotRegistered, s)
}
