package cli

import (
	"context"
	"errors"
	"fmt"

	"onboard/internal/display"
	"onboard/internal/lifecycle"
)

// runUsersExtend moves the end of the keys of the users the filters select to
// --days days from now, keeping the keys (letters already printed stay good).
// Users without a key, registered and deactivated users are listed and skipped.
func runUsersExtend(ctx context.Context, c *call) error {
	who := addUserFilters(c)
	days := c.fs.Int("days", 0, "days from today the keys work (default: the invite.valid_days setting)")
	if _, err := c.parse(); err != nil {
		return err
	}
	if !who.given() {
		return usagef("say whose keys to extend: --user, --unit, --group or --status")
	}
	if err := c.open(); err != nil {
		return err
	}
	validDays, err := c.svc.ValidDays(ctx, *days)
	if err != nil {
		return err
	}
	ids, err := who.selected(ctx, c)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errors.New("no user matches the filters; nothing extended")
	}
	res, err := c.svc.RunBulk(ctx, ids, lifecycle.BulkOp{Action: lifecycle.ActionExtend, ValidDays: validDays}, nil)
	if res != nil && res.Done > 0 {
		until := c.svc.Now().AddDate(0, 0, validDays)
		fmt.Fprintf(c.stdout, "Extended the keys of %s until %s; the keys stay the same.\n", display.Plural(res.Done, "user"), display.Date(until))
	}
	if res != nil {
		reportSkipped(c.stdout, res.Skipped)
	}
	if err != nil {
		return err
	}
	if res.Done == 0 && len(ids) == 1 {
		return errors.New("the user has no key that can be extended")
	}
	if res.Done == 0 {
		return fmt.Errorf("none of the %s users has a key that can be extended", display.Count(len(ids)))
	}
	return nil
}
