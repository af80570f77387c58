package cli

import (
	"context"
	"fmt"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/export"
)

// runUsersExport writes the users the filters select (every user without
// filters) to a CSV or XLSX file that `onboard import` reads back unchanged (see
// package export). The file appears whole or not at all.
func runUsersExport(ctx context.Context, c *call) error {
	status := c.fs.String("status", "", "only users of this status")
	search := c.fs.String("search", "", "only users whose name, email, username or external ID contains this")
	var units, groups stringList
	c.fs.Var(&units, "unit", "only users of this unit (by name; repeat for more)")
	role := c.fs.String("role", "", "only users of this role (by name)")
	c.fs.Var(&groups, "group", "only users of this group (by name; repeat for more)")
	formatName := c.fs.String("format", "", "csv or xlsx")
	out := c.fs.String("o", "", "the file to write")
	withKeys := c.fs.Bool("with-keys", false, "add a column with each user's personal key")
	if _, err := c.parse(); err != nil {
		return err
	}
	q := data.UserQuery{Search: *search}
	if err := parseStatus(*status, &q); err != nil {
		return err
	}
	if *formatName == "" {
		return usagef("give the format with --format csv or --format xlsx")
	}
	format, err := export.ParseFormat(*formatName)
	if err != nil {
		return usagef("--format must be csv or xlsx, not %q", *formatName)
	}
	if *out == "" {
		return usagef("give the file to write with -o FILE")
	}
	if err := c.open(); err != nil {
		return err
	}
	// In any of the units and in any of the groups named, as for letters.
	cat, err := resolveCatalog(ctx, c.store, *role, units, groups, false)
	if err != nil {
		return err
	}
	q.RoleID, q.UnitIDs, q.GroupIDs = cat.role, cat.units, cat.groups
	n, err := export.Users(ctx, c.store, q, nil, c.svc.Now(), *out, format, nil, export.WithKeys(*withKeys))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Exported %s to %s.\n", display.Plural(n, "user"), *out)
	return nil
}
