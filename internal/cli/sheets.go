package cli

import (
	"context"
	"fmt"
	"io"
	"slices"

	"onboard/data"
	"onboard/internal/atomicfile"
	"onboard/internal/display"
	"onboard/internal/letters"
	"onboard/internal/settings"
	"onboard/internal/sheets"
)

// runSheets prints the class sheets of the units named (every unit without
// --unit): per unit a list of its users with a box to tick at hand-out and room
// for a signature.
func runSheets(ctx context.Context, c *call) error {
	var units stringList
	c.fs.Var(&units, "unit", "only this unit (by name; repeat for more)")
	status := c.fs.String("status", "", "only users of this status (default: everyone but the deactivated)")
	out := c.fs.String("o", "", "the PDF file to write")
	paper := c.fs.String("paper", "", "a4 or letter (default: the letters.paper setting)")
	language := c.fs.String("language", "", "en or de (default: the org.language setting)")
	if _, err := c.parse(); err != nil {
		return err
	}
	if *out == "" {
		return usagef("give the PDF file to write with -o FILE.pdf")
	}
	var st data.Status
	if *status != "" {
		var err error
		if st, err = data.ParseStatus(*status); err != nil {
			return usagef("--status: %v", err)
		}
	}
	if *language != "" && !slices.Contains(settings.Languages, *language) {
		return usagef("--language must be en or de, not %q", *language)
	}
	if err := c.open(); err != nil {
		return err
	}
	o, err := settings.SheetOptions(ctx, c.store)
	if err != nil {
		return err
	}
	if *paper != "" {
		if o.Paper, err = letters.ParsePaper(*paper); err != nil {
			return usagef("--paper: %v", err)
		}
	}
	if *language != "" {
		o.Language = *language
	}
	o.Printed = c.svc.Now()
	cat, err := resolveCatalog(ctx, c.store, "", units, nil, false)
	if err != nil {
		return err
	}
	list, err := sheets.Collect(ctx, c.store, sheets.Selection{UnitIDs: cat.units, Status: st}, o.Printed)
	if err != nil {
		return err
	}
	var res sheets.Result
	err = atomicfile.Write(*out, func(w io.Writer) error {
		res, err = sheets.Write(w, list, o)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Wrote the class sheets of %s (%s, %s) to %s.\n",
		display.Plural(res.Units, "unit"), display.Plural(res.People, "user"), display.Plural(res.Pages, "page"), *out)
	return nil
}
