// Package export writes users to CSV or XLSX files that Onboard imports back
// unchanged: the column titles are the importer's field names, so the file maps
// itself; every value is text (leading zeros stay); CSV is UTF-8 with a
// byte-order mark (Excel reads the umlauts) and guards cells a spreadsheet would
// run as formulas with tabular.SafeCell, which the importer takes off again.
//
// Users pages through the store and streams each page to a temporary file beside
// the target, renamed over it only when everything was written (atomicfile): a
// failed or cancelled export leaves no partial file and an existing file as it
// was. The window and `onboard users export` call Users; `onboard users list
// --format csv` writes through CSVWriter.
package export

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"onboard/data"
	"onboard/internal/atomicfile"
	"onboard/internal/tabular"
)

// Format is the kind of file an export writes.
type Format string

// The formats.
const (
	CSV  Format = "csv"  // UTF-8 with BOM, comma-separated
	XLSX Format = "xlsx" // one sheet "Users", every cell text
)

// ParseFormat reads "csv" or "xlsx", ignoring case and spaces.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case CSV, XLSX:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (use csv or xlsx)", s)
}

// PageSize is how many users an export reads from the store at a time.
const PageSize = 2000

// SheetName is the name of the sheet of an XLSX export.
const SheetName = "Users"

// Store is what an export reads; *data.Store has it.
type Store interface {
	EachUser(ctx context.Context, q data.UserQuery, now time.Time, fn func(*data.UserRow) error) error
	CountUsers(ctx context.Context, q data.UserQuery, now time.Time) (int, error)
}

// Option changes what Users writes.
type Option func(*options)

type options struct {
	keys     bool
	pageSize int
}

// WithKeys adds the column "key" with each user's live personal key (empty for a
// user without one) when include is set. Keys let anyone register as the user:
// export them only for printing or handing out.
func WithKeys(include bool) Option { return func(o *options) { o.keys = include } }

// withPageSize reads size users at a time (tests cross page boundaries with it).
func withPageSize(size int) Option { return func(o *options) { o.pageSize = size } }

// Users writes the users q selects at time now (q's filters and order; its Offset
// and Limit are ignored) to the file at path in format, and returns how many it
// wrote. With ids not nil, only the users among them are written (the window's
// selection, which lies within its list's query), still in q's order; IDs of
// users that no longer exist or no longer match q are left out, and an empty
// ids writes no users.
//
// The file is written whole or not at all: rows stream to a temporary file beside
// path, which replaces path only when the export is complete. An error, or ctx
// cancelled (the error then wraps ctx.Err()), leaves no file and an existing file
// at path unchanged, and returns 0 users.
//
// progress, if not nil, is called on the calling goroutine after each page of
// users written, with the users written so far and the total expected (the count
// of q, or len(ids)), and once more at the end with done == total, the number of
// users in the file.
func Users(ctx context.Context, st Store, q data.UserQuery, ids []string, now time.Time, path string,
	format Format, progress func(done, total int), opts ...Option,
) (int, error) {
	o := options{pageSize: PageSize}
	for _, opt := range opts {
		opt(&o)
	}
	o.pageSize = max(o.pageSize, 1)
	if format != CSV && format != XLSX {
		return 0, fmt.Errorf("export to %s: unknown format %q (use csv or xlsx)", path, format)
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	keep, total, err := selection(ctx, st, q, ids, now)
	if err != nil {
		return 0, err
	}
	n := 0
	err = atomicfile.Write(path, func(f io.Writer) error {
		w := bufio.NewWriterSize(&fileWriter{ctx: ctx, w: f, path: path}, 64<<10)
		var err error
		n, err = write(w, format, o.keys, selected(pages(ctx, st, q, now, o.pageSize), keep), func(done int) {
			progress(done, max(total, done))
		})
		if err == nil {
			err = w.Flush()
		}
		if err == nil {
			err = ctx.Err() // cancelled at the very end: still no file
		}
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("export to %s cancelled; nothing was written: %w", path, ctx.Err())
		}
		return 0, err
	}
	progress(n, n)
	return n, nil
}

// selection returns the IDs to keep (nil: every user q selects) and how many
// users the export expects.
func selection(ctx context.Context, st Store, q data.UserQuery, ids []string, now time.Time) (map[string]bool, int, error) {
	if ids == nil {
		n, err := st.CountUsers(ctx, q, now)
		return nil, n, err
	}
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	return keep, len(keep), nil
}

// Pages yields the users q selects at time now, PageSize at a time, in q's order
// (q's Offset and Limit are ignored). It stops after an error of the store or ctx.
func Pages(ctx context.Context, st Store, q data.UserQuery, now time.Time) iter.Seq2[[]data.UserRow, error] {
	return pages(ctx, st, q, now, PageSize)
}

func pages(ctx context.Context, st Store, q data.UserQuery, now time.Time, size int) iter.Seq2[[]data.UserRow, error] {
	return func(yield func([]data.UserRow, error) bool) {
		page := make([]data.UserRow, 0, size)
		err := st.EachUser(ctx, q, now, func(r *data.UserRow) error {
			if len(page) == 0 {
				if err := ctx.Err(); err != nil {
					return err // stop between pages, not a page later
				}
			}
			if page = append(page, *r); len(page) < size {
				return nil
			}
			if !yield(page, nil) {
				return errStopped
			}
			page = page[:0]
			return nil
		})
		switch {
		case errors.Is(err, errStopped):
		case err != nil:
			yield(nil, err)
		case len(page) > 0:
			yield(page, nil)
		}
	}
}

// errStopped ends the reading of the users when the pages' consumer stops.
var errStopped = errors.New("stopped")

// selected keeps the rows of each page whose IDs are in keep (every row when keep
// is nil); pages left empty are skipped.
func selected(pages iter.Seq2[[]data.UserRow, error], keep map[string]bool) iter.Seq2[[]data.UserRow, error] {
	if keep == nil {
		return pages
	}
	return func(yield func([]data.UserRow, error) bool) {
		for rows, err := range pages {
			if err == nil {
				if rows = filterRows(rows, keep); len(rows) == 0 {
					continue
				}
			}
			if !yield(rows, err) {
				return
			}
		}
	}
}

// filterRows keeps the rows whose IDs are in keep, in place.
func filterRows(rows []data.UserRow, keep map[string]bool) []data.UserRow {
	out := rows[:0]
	for _, r := range rows {
		if keep[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

// sheet is where write puts the users: a CSV or an XLSX sheet.
type sheet interface {
	row(r *data.UserRow) error
	finish() error
	close()
}

// write writes the users of pages to w in format and returns how many it wrote;
// written is called after each page.
func write(w io.Writer, format Format, keys bool, pages iter.Seq2[[]data.UserRow, error], written func(done int)) (int, error) {
	var out sheet
	defer func() {
		if out != nil {
			out.close()
		}
	}()
	n := 0
	for rows, err := range pages {
		if err != nil {
			return n, err
		}
		if out == nil {
			if out, err = newSheet(w, format, keys, rows); err != nil {
				return n, err
			}
		}
		for i := range rows {
			if err := out.row(&rows[i]); err != nil {
				return n, err
			}
		}
		n += len(rows)
		written(n)
	}
	if out == nil { // no users: the header alone
		var err error
		if out, err = newSheet(w, format, keys, nil); err != nil {
			return n, err
		}
	}
	return n, out.finish()
}

// newSheet starts the file on w; first are the first users, from which an XLSX
// sheet takes its column widths.
func newSheet(w io.Writer, format Format, keys bool, first []data.UserRow) (sheet, error) {
	if format == CSV {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return nil, err
		}
		return csvSheet{NewCSVWriter(w, keys)}, nil
	}
	return newXLSXSheet(w, keys, first)
}

type csvSheet struct{ *CSVWriter }

func (c csvSheet) row(r *data.UserRow) error { return c.Write(r) }
func (c csvSheet) finish() error             { return c.Flush() }
func (c csvSheet) close()                    {}

// xlsxSheet writes the users into a workbook that excelize keeps in a temporary
// file once it grows, and writes it to w at the end.
type xlsxSheet struct {
	xw   *tabular.XLSXWriter
	w    io.Writer
	cols []column
	rec  []string
}

func newXLSXSheet(w io.Writer, keys bool, first []data.UserRow) (*xlsxSheet, error) {
	cols := columnsOf(keys)
	sample := [][]string{Header(keys)}
	for i := range first {
		sample = append(sample, record(make([]string, len(cols)), cols, &first[i]))
	}
	xw, err := tabular.NewXLSXWriter(SheetName, tabular.ColumnWidths(sample))
	if err != nil {
		return nil, err
	}
	x := &xlsxSheet{xw: xw, w: w, cols: cols, rec: make([]string, len(cols))}
	if err := xw.WriteRow(sample[0]); err != nil {
		xw.Close()
		return nil, err
	}
	return x, nil
}

// row writes the values as they are stored: the cells are typed text, which no
// spreadsheet runs as a formula (tabular.XLSXWriter, like WriteXLSX).
func (x *xlsxSheet) row(r *data.UserRow) error { return x.xw.WriteRow(record(x.rec, x.cols, r)) }
func (x *xlsxSheet) finish() error             { return x.xw.Finish(x.w) }
func (x *xlsxSheet) close()                    { x.xw.Close() }

// fileWriter writes to the temporary file of an export: it refuses once ctx is
// done, so a cancelled export stops even while the workbook is being zipped, and
// its errors name the file.
type fileWriter struct {
	ctx  context.Context
	w    io.Writer
	path string
}

func (f *fileWriter) Write(p []byte) (int, error) {
	if err := f.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := f.w.Write(p)
	if err != nil {
		err = fmt.Errorf("write %s: %w", f.path, err)
	}
	return n, err
}
