package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"onboard/data"
	"onboard/internal/demo"
	"onboard/internal/display"
	"onboard/internal/export"
	"onboard/internal/settings"
)

func runVersion(_ context.Context, c *call) error {
	if _, err := c.parse(); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "onboard", Version)
	return nil
}

func runHelp(_ context.Context, c *call) error {
	fmt.Fprint(c.stdout, Usage)
	return nil
}

func runDemo(ctx context.Context, c *call) error {
	n := c.fs.Int("users", 200, "number of users to add")
	seed := c.fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed for names and statuses")
	if _, err := c.parse(); err != nil {
		return err
	}
	if *n < 0 || *n > 1_000_000 {
		return usagef("--users must be between 0 and 1000000, not %d", *n)
	}
	if err := c.open(); err != nil {
		return err
	}
	start := time.Now()
	counts, err := demo.Fill(ctx, c.store, demo.Options{Users: *n, Seed: *seed, Now: c.svc.Now(), Actor: c.svc.Actor()})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Added %d demo users to %s in %.2fs:", *n, c.store.Path(), time.Since(start).Seconds())
	for _, st := range data.Statuses {
		fmt.Fprintf(c.stdout, " %s %d,", strings.ToLower(st.Label()), counts[st])
	}
	fmt.Fprintln(c.stdout)
	return nil
}

func runUsersList(ctx context.Context, c *call) error {
	status := c.fs.String("status", "", "only users of this status")
	search := c.fs.String("search", "", "only users whose name, email, username or external ID contains this")
	format := c.fs.String("format", "table", "table or csv")
	expiring := c.fs.Int("expiring-within", 0, "only users still to register whose key runs out within this many days")
	letter := c.fs.String("letter", "", "printed-not-handed-out or handed-out-not-registered: only users whose letter is so")
	if _, err := c.parse(); err != nil {
		return err
	}
	q := data.UserQuery{Search: *search}
	if err := parseStatus(*status, &q); err != nil {
		return err
	}
	if err := parseLetter(*letter, &q); err != nil {
		return err
	}
	if *format != "table" && *format != "csv" {
		return usagef("--format must be table or csv, not %q", *format)
	}
	if *expiring < 0 || *expiring > settings.MaxValidDays {
		return usagef("--expiring-within must be a number of days from 1 to %d, not %d", settings.MaxValidDays, *expiring)
	}
	if err := c.open(); err != nil {
		return err
	}
	if *expiring > 0 {
		until := c.svc.Now().AddDate(0, 0, *expiring)
		q.ExpiringBefore = &until
	}
	var out userWriter
	if *format == "csv" {
		out = csvWriter{export.NewCSVWriter(c.stdout, true)}
	} else {
		out = newTableWriter(c)
	}
	for rows, err := range export.Pages(ctx, c.store, q, c.svc.Now()) {
		if err != nil {
			return err
		}
		for i := range rows {
			if err := out.write(&rows[i]); err != nil {
				return err
			}
		}
	}
	return out.flush()
}

// parseStatus sets q's status from --status S ("": any status).
func parseStatus(s string, q *data.UserQuery) error {
	if s == "" {
		return nil
	}
	st, err := data.ParseStatus(s)
	if err != nil {
		return usagef("--status: %v", err)
	}
	q.Status = st
	return nil
}

// userWriter prints user rows in one format.
type userWriter interface {
	write(r *data.UserRow) error
	flush() error
}

type tableWriter struct {
	tw *tabwriter.Writer
	n  int
	c  *call
}

func newTableWriter(c *call) *tableWriter {
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tEMAIL\tUSERNAME\tUNITS\tROLE\tSTATUS\tVALID UNTIL")
	return &tableWriter{tw: tw, c: c}
}

func (t *tableWriter) write(r *data.UserRow) error {
	t.n++
	_, err := fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", oneCell(r.FullName()), oneCell(r.Email), oneCell(r.Username),
		oneCell(r.Units), oneCell(r.Role), r.Status.Label(), display.Time(r.KeyExpiresAt))
	return err
}

func (t *tableWriter) flush() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(t.c.stdout, "%d users\n", t.n)
	return nil
}

// csvWriter lists users in the columns of an export, with their keys.
type csvWriter struct{ *export.CSVWriter }

func (c csvWriter) write(r *data.UserRow) error { return c.Write(r) }
func (c csvWriter) flush() error                { return c.Flush() }

// oneCell keeps a table cell on one line.
func oneCell(s string) string { return strings.Join(strings.Fields(s), " ") }

func runBackup(ctx context.Context, c *call) error {
	pos, err := c.parse("FILE")
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	if err := c.store.Backup(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Backed up %s to %s\n", c.store.Path(), pos[0])
	return nil
}

func runRestore(ctx context.Context, c *call) error {
	pos, err := c.parse("FILE")
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	saved, err := c.store.Restore(ctx, pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Restored %s from %s\nThe previous content was saved to %s\n", c.store.Path(), pos[0], saved)
	return nil
}
