package cli

import (
	"context"
	"flag"
	"fmt"

	"onboard/internal/importer"
)

// profileFlags are the options --saved-choices may take from the saved profile,
// each with what it sets.
var profileFlags = map[string]func(dst, saved *importer.Settings){
	"role":        func(d, s *importer.Settings) { d.RoleID = s.RoleID },
	"unit":        func(d, s *importer.Settings) { d.UnitIDs = s.UnitIDs },
	"group":       func(d, s *importer.Settings) { d.GroupIDs = s.GroupIDs },
	"invite":      func(d, s *importer.Settings) { d.Invite = s.Invite },
	"valid-days":  func(d, s *importer.Settings) { d.ValidDays = s.ValidDays },
	"on-conflict": func(d, s *importer.Settings) { d.OnConflict = s.OnConflict },
	"date-order":  func(d, s *importer.Settings) { d.DateOrder = s.DateOrder },
	"update":      func(d, s *importer.Settings) { d.UpdateList = s.UpdateList },
	"absent":      func(d, s *importer.Settings) { d.Absent = s.Absent },
	"absent-in":   func(d, s *importer.Settings) { d.AbsentUnitIDs = s.AbsentUnitIDs },
}

// applyProfile uses the choices saved when a list with the same column titles was
// imported: its column mapping unless --map was given, and with useOptions its
// options for every flag not given. It returns the lines that say so.
func applyProfile(ctx context.Context, c *call, src *importer.Source, s *importer.Settings, mapGiven, useOptions bool) ([]string, error) {
	prof, err := importer.LoadProfile(ctx, c.store, src.Header)
	if err != nil || prof == nil {
		return nil, err
	}
	var notes []string
	when := prof.SavedAt.Local().Format("2006-01-02")
	if !mapGiven {
		m, err := prof.ColumnMapping()
		if err != nil {
			return nil, err
		}
		s.Mapping = m
		notes = append(notes, fmt.Sprintf("Columns as chosen for %s on %s (--map changes them).", prof.FileName, when))
	}
	if !useOptions {
		return notes, nil
	}
	roles, err := c.store.Roles(ctx)
	if err != nil {
		return nil, err
	}
	units, err := c.store.Units(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := c.store.Groups(ctx)
	if err != nil {
		return nil, err
	}
	saved := *s
	if err := prof.ApplyOptions(&saved, roles, units, groups); err != nil {
		return nil, err
	}
	given := map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name, set := range profileFlags {
		if !given[name] {
			set(s, &saved)
		}
	}
	return append(notes, fmt.Sprintf("Options as chosen for %s on %s, where not given here.", prof.FileName, when)), nil
}
