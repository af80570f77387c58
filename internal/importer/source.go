package importer

import (
	"context"

	"onboard/internal/tabular"
	"onboard/internal/uitext"
)

// Source is a file read for import: what was detected, the column titles and the
// data rows.
type Source struct {
	Info      tabular.Info
	HasHeader bool
	Header    []string      // the column titles; "Column 3" where a title is empty or missing
	Rows      []tabular.Row // the data rows
	Above     int           // rows above the header row (a title line, notes), left out
	width     int           // cells in the header row (0 without one)
}

// headerSearch is how many leading rows NewSource looks through for the titles.
const headerSearch = 10

// NewSource splits a read table into header and data rows. With a header, the
// titles are the first row, unless that row names fewer than two known fields and
// a later one of the first few does: exports often start with a title line such as
// "Schülerliste 5a" above the column titles.
func NewSource(t *tabular.Table, hasHeader bool) *Source {
	s := &Source{Info: t.Info, HasHeader: hasHeader, Rows: t.Rows}
	if hasHeader && len(t.Rows) > 0 {
		s.Above = headerRow(t.Rows)
		for _, title := range t.Rows[s.Above].Cells {
			s.Header = append(s.Header, clean(title))
		}
		s.Rows = t.Rows[s.Above+1:]
		s.width = len(s.Header)
	}
	width := len(s.Header)
	for _, r := range s.Rows {
		width = max(width, len(r.Cells))
	}
	for i := range width {
		if i == len(s.Header) {
			s.Header = append(s.Header, "")
		}
		if s.Header[i] == "" {
			s.Header[i] = uitext.F("Column %d", i+1)
		}
	}
	return s
}

// headerRow returns the index of the row holding the column titles among the first
// headerSearch rows: the first row naming at least two fields (see AutoMap), or 0.
func headerRow(rows []tabular.Row) int {
	for i := range min(len(rows), headerSearch) {
		known := 0
		for _, f := range AutoMap(rows[i].Cells) {
			if f != Ignore {
				known++
			}
		}
		if known >= 2 {
			return i
		}
	}
	return 0
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
