package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"onboard/data"
	"onboard/internal/atomicfile"
	"onboard/internal/display"
	"onboard/internal/letters"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
)

// runLetters prints registration letters for the users the filters select: every
// user when no filter is given. Users without a usable key are listed with the
// reason; it fails (exit 1, no file) only when nobody gets a letter.
func runLetters(ctx context.Context, c *call) error {
	who := addUserFilters(c)
	out := c.fs.String("o", "", "the PDF file to write")
	paper := c.fs.String("paper", "", "a4 or letter (default: the letters.paper setting)")
	duplex := c.fs.Bool("duplex", false, "add a blank back page after each letter")
	renew := c.fs.Bool("renew-expired", false, "give users with an expired or no key a new key and print them too")
	tpl := c.fs.String("template", "saved", "saved (the Letters screen's), en or de")
	if _, err := c.parse(); err != nil {
		return err
	}
	if *out == "" {
		return usagef("give the PDF file to write with -o FILE.pdf")
	}
	if *tpl != "saved" && letters.Languages[*tpl] == "" {
		return usagef("--template must be saved, en or de, not %q", *tpl)
	}
	if err := c.open(); err != nil {
		return err
	}
	opt, err := settings.LetterOptions(ctx, c.store)
	if err != nil {
		return err
	}
	if *tpl != "saved" {
		opt.Template = letters.DefaultTemplate(*tpl)
	}
	if *paper != "" {
		if opt.Paper, err = letters.ParsePaper(*paper); err != nil {
			return usagef("--paper: %v", err)
		}
	}
	opt.Duplex = *duplex
	ids, err := who.selected(ctx, c)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errors.New("no user matches the filters; no file written")
	}
	batch, err := c.svc.PrepareLetters(ctx, ids, *renew)
	if err != nil {
		return err
	}
	if len(batch.Recipients) == 0 {
		reportSkipped(c.stdout, batch.Skipped)
		return fmt.Errorf("none of the %s can get a letter; no file written", display.Plural(len(ids), "user"))
	}
	var res letters.Result
	err = atomicfile.Write(*out, func(w io.Writer) error {
		res, err = letters.Write(ctx, w, batch.Recipients, opt, nil)
		return err
	})
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(*out)
	if err := c.svc.RecordLetters(ctx, batch.Recipients, abs); err != nil {
		return fmt.Errorf("the letters are in %s, but recording them in the users' history failed: %w", *out, err)
	}
	fmt.Fprintf(c.stdout, "Wrote %s (%s) to %s.\n", display.Plural(res.Letters, "letter"), display.Plural(res.Pages, "page"), *out)
	if batch.Renewed > 0 {
		fmt.Fprintf(c.stdout, "Issued new keys for %s whose key had expired or was missing.\n", display.Plural(batch.Renewed, "user"))
	}
	reportSkipped(c.stdout, batch.Skipped)
	return nil
}

// reportSkipped lists the users who got no letter, with the reason.
func reportSkipped(w io.Writer, skipped []lifecycle.Skip) {
	if len(skipped) == 0 {
		return
	}
	fmt.Fprintf(w, "Skipped %s: %s.\n", display.Plural(len(skipped), "user"), lifecycle.SkipSummary(skipped))
	for _, s := range skipped {
		name := s.Name
		if name == "" {
			name = s.UserID
		}
		fmt.Fprintf(w, "  %s: %s\n", name, s.Reason)
	}
}

// userFilters are the flags that select users: --status, --unit, --group and
// --user (see selectUsers).
type userFilters struct {
	status               *string
	units, groups, users stringList
}

// addUserFilters declares the flags of userFilters on c's flag set.
func addUserFilters(c *call) *userFilters {
	f := &userFilters{status: c.fs.String("status", "", "only users of this status")}
	c.fs.Var(&f.units, "unit", "only users of this unit (by name; repeat for more)")
	c.fs.Var(&f.groups, "group", "only users of this group (by name; repeat for more)")
	c.fs.Var(&f.users, "user", "this user (ID or username; repeat for more)")
	return f
}

// given reports whether any filter was given.
func (f *userFilters) given() bool {
	return *f.status != "" || len(f.units)+len(f.groups)+len(f.users) > 0
}

// selected returns the IDs of the users the filters select (all without any);
// a wrong status is a usage error.
func (f *userFilters) selected(ctx context.Context, c *call) ([]string, error) {
	var q data.UserQuery
	if err := parseStatus(*f.status, &q); err != nil {
		return nil, err
	}
	return selectUsers(ctx, c, q, f.units, f.groups, f.users)
}

// selectUsers returns the IDs of the users the filters name, by name: units and
// groups each widen the choice, and a user must match both a unit and a group when
// both are given. --user adds users.
func selectUsers(ctx context.Context, c *call, q data.UserQuery, units, groups, users []string) ([]string, error) {
	cat, err := resolveCatalog(ctx, c.store, "", units, groups, false)
	if err != nil {
		return nil, err
	}
	now := c.svc.Now()
	var ids []string
	if len(units)+len(groups) > 0 || len(users) == 0 {
		// In any of the units and in any of the groups named.
		q.UnitIDs, q.GroupIDs = cat.units, cat.groups
		if ids, err = c.store.UserIDs(ctx, q, now); err != nil {
			return nil, err
		}
	}
	for _, u := range users {
		id, err := findUser(ctx, c.store, u)
		if err != nil {
			return nil, err
		}
		ids = lifecycle.Union(ids, []string{id})
	}
	return ids, nil
}

// findUser finds a user by ID or username.
func findUser(ctx context.Context, st *data.Store, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if u, err := st.UserByID(ctx, ref); err == nil {
		return u.ID, nil
	} else if !errors.Is(err, data.ErrNotFound) {
		return "", err
	}
	u, err := st.UserHolding(ctx, data.FieldUsername, ref, "")
	if errors.Is(err, data.ErrNotFound) {
		return "", fmt.Errorf("--user: there is no user with the ID or username %q; see: onboard users list", ref)
	}
	if err != nil {
		return "", err
	}
	return u.ID, nil
}
