package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/importer"
	"onboard/internal/lifecycle"
)

// updateFlags are the flags of an update from a list and of undoing an import.
type updateFlags struct {
	update   *bool
	absent   *string
	absentIn stringList
	undo     *bool
}

// addUpdateFlags defines --update, --absent, --absent-in and --undo.
func (c *call) addUpdateFlags() *updateFlags {
	f := &updateFlags{}
	f.update = c.fs.Bool("update", false, "update from a list: match the rows to existing users and change them as the file says")
	f.absent = c.fs.String("absent", "keep", "with --update, what happens to users of the file's units it does not list: keep, deactivate or delete")
	c.fs.Var(&f.absentIn, "absent-in", "with --update, also look for users not in the file in this unit (repeatable)")
	f.undo = c.fs.Bool("undo", false, "undo the last import (restores the backup taken before it)")
	return f
}

// apply puts the update flags into settings; it is a usage error to give
// --absent or --absent-in without --update.
func (f *updateFlags) apply(ctx context.Context, c *call, s *importer.Settings) error {
	rule, err := lifecycle.ParseAbsentRule(strings.ToLower(strings.TrimSpace(*f.absent)))
	if err != nil {
		return usagef("--absent: %v", err)
	}
	if !*f.update {
		if rule != lifecycle.KeepAbsent || len(f.absentIn) > 0 {
			return usagef("--absent and --absent-in need --update")
		}
		return nil
	}
	ids, err := resolveCatalog(ctx, c.store, "", f.absentIn, nil, false)
	if err != nil {
		return fmt.Errorf("--absent-in: %w", err)
	}
	s.UpdateList, s.Absent, s.AbsentUnitIDs = true, rule, ids.units
	return nil
}

// runUndoImport undoes the newest import (lifecycle.UndoLastImport).
func runUndoImport(ctx context.Context, c *call) error {
	if err := c.open(); err != nil {
		return err
	}
	im, err := c.svc.UndoLastImport(ctx)
	switch {
	case errors.Is(err, lifecycle.ErrNoImport):
		return &lineError{"nothing to undo: there is no import"}
	case errors.Is(err, data.ErrUndoStale):
		return &lineError{fmt.Sprintf("cannot undo the import of %s: the data changed after it (edits, mails sent or a sync), "+
			"which an undo would lose; to go back anyway, restore the backup taken before it: onboard restore %s",
			im.FileName, im.BackupPath)}
	case err != nil:
		return err
	}
	fmt.Fprintf(c.stdout, "Undid the import of %s from %s: the data is as it was before it.\n",
		im.FileName, im.At.Local().Format("2006-01-02 15:04"))
	return nil
}

// printUpdate prints the diff of an update from a list: the new users, the
// changes of the matched users, and the users not in the file with what becomes
// of them.
func printUpdate(w io.Writer, p *importer.Plan) {
	c := p.Counts
	fmt.Fprintf(w, "Update from a list: %d new, %d changed, %d unchanged, %d not in the file.\n",
		c.Create, c.Update, c.Unchanged, c.Absent)
	listed(w, "New users:", p, func(r *importer.RowPlan) string {
		if r.Action != importer.Create {
			return ""
		}
		if units := p.UnitsOf(r); units != "" {
			return r.Name() + " (" + units + ")"
		}
		return r.Name()
	})
	listed(w, "Changes:", p, func(r *importer.RowPlan) string {
		if r.Action != importer.Updates {
			return ""
		}
		parts := make([]string, len(r.Changes))
		for i, ch := range r.Changes {
			parts[i] = ch.String()
		}
		return r.Name() + " — " + strings.Join(parts, "; ")
	})
	if len(p.Absent) == 0 {
		return
	}
	fmt.Fprintf(w, "Not in the file (looked for in %s): %s\n", strings.Join(p.Covered, ", "), absentVerb(p.Settings.Absent))
	for i, a := range p.Absent {
		if i == maxListedProblems {
			fmt.Fprintf(w, "  … and %d more (--report FILE lists every one)\n", len(p.Absent)-i)
			break
		}
		fmt.Fprintf(w, "  %s (%s)\n", a.Name, a.Units)
	}
}

// absentVerb says what happens to the users not in the file under rule.
func absentVerb(rule lifecycle.AbsentRule) string {
	switch rule {
	case lifecycle.DeactivateAbsent:
		return "they are deactivated"
	case lifecycle.DeleteAbsent:
		return "they are deleted"
	}
	return "they are kept (--absent deactivate or delete changes that)"
}

// listed prints title and the line of each row for which line returns text, at
// most maxListedProblems of them.
func listed(w io.Writer, title string, p *importer.Plan, line func(r *importer.RowPlan) string) {
	n := 0
	for i := range p.Rows {
		text := line(&p.Rows[i])
		if text == "" {
			continue
		}
		if n++; n == 1 {
			fmt.Fprintln(w, title)
		}
		if n <= maxListedProblems {
			fmt.Fprintf(w, "  line %d: %s\n", p.Rows[i].Line, text)
		}
	}
	if n > maxListedProblems {
		fmt.Fprintf(w, "  … and %s more (--report FILE lists every row)\n", display.Plural(n-maxListedProblems, "row"))
	}
}
