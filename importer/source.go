package importer

import (
	"context"
	"strconv"

	"onboard/tabular"
)

// Source is a file read for import: what was detected, the column titles and the
// data rows.
type Source struct {
	Info      tabular.Info
	HasHeader bool
	Header    []string      // the header row, or "Column 1", "Column 2", … without one
	Rows      []tabular.Row // the data rows
	width     int           // cells in the header row (0 without one)
}

// NewSource splits a read table into header and data rows.
func NewSource(t *tabular.Table, hasHeader bool) *Source {
	s := &Source{Info: t.Info, HasHeader: hasHeader, Rows: t.Rows}
	width := 0
	for _, r := range t.Rows {
		width = max(width, len(r.Cells))
	}
	if hasHeader && len(t.Rows) > 0 {
		s.Header = append([]string(nil), t.Rows[0].Cells...)
		s.Rows = t.Rows[1:]
		s.width = len(s.Header)
	}
	for i := len(s.Header); i < width; i++ {
		s.Header = append(s.Header, "Column "+strconv.Itoa(i+1))
	}
	return s
}

// Load reads the file at path and splits it (see NewSource). progress, if not nil,
// is called with the rows read so far.
func Load(ctx context.Context, path string, opt tabular.Options, hasHeader bool, progress func(rows int)) (*Source, error) {
	t, err := tabular.ReadAll(ctx, path, opt, progress)
	if err != nil {
		return nil, err
	}
	return NewSource(t, hasHeader), nil
}
