// Package tabular reads the tables office admins bring — CSV files in any
// encoding and delimiter Excel produces, and Excel .xlsx workbooks — into rows
// of text cells.
//
// It detects the kind of file from its content (not its extension), the text
// encoding and the delimiter, refuses hostile files (binary data, PDFs, old
// .xls files, password-protected workbooks, zip bombs, oversized files) with
// an [*Error] that names the file, line and column, and streams rows so that
// memory stays low. Header mapping, trimming and validation are the business
// of the caller: a [Row] holds the cells exactly as they are in the file.
package tabular

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/xuri/excelize/v2"

	"onboard/internal/uitext"
)

// Format is the kind of file a table was read from.
type Format string

// The formats tabular reads.
const (
	FormatCSV  Format = "csv"  // delimited text
	FormatXLSX Format = "xlsx" // Office Open XML workbook
)

// Limits used when the matching Options field is 0 (or negative).
const (
	DefaultMaxFileSize  int64 = 200 << 20 // bytes of the file on disk
	DefaultMaxUnzipSize int64 = 1 << 30   // XLSX: total uncompressed bytes (zip-bomb guard)
	DefaultMaxRows            = 1_000_000 // data rows incl. header
	DefaultMaxCellLen         = 10_000    // characters (runes) in one cell
)

// Options override detection and set limits. The zero value detects
// everything and uses the default limits.
type Options struct {
	// Encoding is "", "auto", "utf-8", "utf-16" (BOM, else guessed LE/BE),
	// "utf-16le", "utf-16be" or "windows-1252" (case-insensitive). CSV only.
	Encoding string
	// Delimiter is "", "auto", "comma", "semicolon", "tab", "pipe" or the
	// single character itself. CSV only.
	Delimiter string
	// Sheet is the XLSX sheet to read; "" reads the workbook's active sheet
	// if it is visible, else the first visible one.
	Sheet string

	MaxFileSize  int64 // bytes of the file; 0 = DefaultMaxFileSize
	MaxUnzipSize int64 // XLSX: total uncompressed bytes; 0 = DefaultMaxUnzipSize
	MaxRows      int   // non-blank rows incl. header; 0 = DefaultMaxRows
	MaxCellLen   int   // runes in one cell; 0 = DefaultMaxCellLen
}

// withDefaults returns opt with every unset limit replaced by its default.
func (opt Options) withDefaults() Options {
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = DefaultMaxFileSize
	}
	if opt.MaxUnzipSize <= 0 {
		opt.MaxUnzipSize = DefaultMaxUnzipSize
	}
	if opt.MaxRows <= 0 {
		opt.MaxRows = DefaultMaxRows
	}
	if opt.MaxCellLen <= 0 {
		opt.MaxCellLen = DefaultMaxCellLen
	}
	return opt
}

// Info is what was detected (or forced by Options); the import wizard shows
// it and lets the admin override it.
type Info struct {
	Name      string   // base name of the file
	Format    Format   // FormatCSV or FormatXLSX
	Encoding  string   // CSV: "utf-8", "utf-16le", "utf-16be" or "windows-1252"
	BOM       bool     // CSV: the file started with a byte-order mark (which was skipped)
	Delimiter rune     // CSV: ',', ';', '\t' or '|' (or the character forced by Options)
	SepLine   bool     // CSV: the file began with an Excel "sep=X" line (which is not a data row)
	Sheets    []string // XLSX: every sheet name, in workbook order
	Sheet     string   // XLSX: the sheet read
	// Skipped are the sheets before Sheet that were passed over because they
	// hold no data (chart sheets, empty ones) when no sheet was asked for.
	Skipped []string
	// Preview holds the first (up to 10) raw lines as decoded text. CSV:
	// physical lines after decoding, without the BOM (the sep= line
	// included); XLSX: the first non-empty rows' cells joined by " | ".
	Preview []string
}

// Row is one record of the table.
type Row struct {
	// Line is, for CSV, the 1-based physical line where the record starts
	// in the file (a sep= line counts as line 1); for XLSX the sheet's row
	// number.
	Line int
	// Cells are as in the file, not trimmed. Rows may differ in length.
	Cells []string
}

// Table is a whole file read into memory.
type Table struct {
	Info Info
	Rows []Row
}

// Sentinel errors, wrapped by [Error].Err so that errors.Is works.
var (
	ErrNotTable    = errors.New("tabular: not a table")
	ErrEncrypted   = errors.New("tabular: password-protected")
	ErrTooLarge    = errors.New("tabular: too large")
	ErrTooManyRows = errors.New("tabular: too many rows")
	ErrCellTooLong = errors.New("tabular: cell too long")
	ErrNoSuchSheet = errors.New("tabular: no such sheet")
	ErrTruncated   = errors.New("tabular: file ends inside a quoted value")
)

// Error names the file and, where known, the line (CSV line, XLSX row) and
// the 1-based column of a problem.
type Error struct {
	File   string // base name of the file
	Line   int    // CSV: physical line; XLSX: row number; 0 if unknown
	Column int    // 1-based column (field) number; for a CSV syntax error the 1-based byte position in the line; 0 if unknown
	Msg    string // what is wrong, in words an admin understands
	Err    error  // a sentinel such as ErrTooLarge and/or the underlying cause

	xlsx bool // Line is an XLSX row: print "row 12, column C"
}

// Error returns e.g. "users.csv: line 12, column 3: a cell is longer than
// 10000 characters", omitting the parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	switch {
	case e.xlsx && e.Line > 0 && e.Column > 0:
		b.WriteString(uitext.F("row %d, column %s", e.Line, columnName(e.Column)) + ": ")
	case e.xlsx && e.Line > 0:
		b.WriteString(uitext.F("row %d", e.Line) + ": ")
	case e.Line > 0 && e.Column > 0:
		b.WriteString(uitext.F("line %d, column %d", e.Line, e.Column) + ": ")
	case e.Line > 0:
		b.WriteString(uitext.F("line %d", e.Line) + ": ")
	case e.Column > 0:
		b.WriteString(uitext.F("column %d", e.Column) + ": ")
	}
	switch {
	case e.Msg != "":
		b.WriteString(e.Msg)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns the wrapped sentinel or cause.
func (e *Error) Unwrap() error { return e.Err }

// columnName returns the spreadsheet letters of a 1-based column (3 → "C").
func columnName(col int) string {
	if name, err := excelize.ColumnNumberToName(col); err == nil {
		return name
	}
	return fmt.Sprint(col)
}

// File is an opened table. Its methods may be called from any goroutine;
// Close must not be called while Rows is iterating.
type File struct {
	info Info
	opt  Options // limits filled in

	src  io.ReaderAt // the bytes of the file (CSV only after open)
	size int64
	osf  *os.File // the open file behind src, if any

	csv csvParams      // CSV only
	mem []Row          // HTML and XML 2003: the rows, read at open
	xf  *excelize.File // XLSX only
	// XLSX only: how each worksheet part ends, and which part holds each sheet
	// (see sheetEnd); sheetPart is nil when the workbook did not say.
	sheetEnds map[string]sheetEnd
	sheetPart map[string]string
	mu        sync.Mutex // guards closed
	closed    bool
}

// Open opens the file at path, checks its size and kind, and detects its
// format, encoding, delimiter or sheet. It reads only what detection needs;
// Rows reads the data. Close the File when done.
func Open(path string, opt Options) (*File, error) {
	name := filepath.Base(path)
	opt = opt.withDefaults()
	osf, err := os.Open(path)
	if err != nil {
		return nil, openError(name, err)
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, openError(name, err)
	}
	if st.IsDir() {
		osf.Close()
		return nil, &Error{File: name, Msg: uitext.L("is a folder, not a file"), Err: ErrNotTable}
	}
	f, err := open(name, path, osf, st.Size(), opt)
	if err != nil || f.info.Format != FormatCSV {
		osf.Close() // XLSX, HTML and XML are read whole at open; the file is no longer needed
		return f, err
	}
	f.osf = osf
	return f, nil
}

// OpenBytes is Open for a file already in memory (drag and drop, tests).
// name is shown in Info and errors; data must not change while the File is
// in use.
func OpenBytes(name string, data []byte, opt Options) (*File, error) {
	return open(filepath.Base(name), "", bytesReaderAt(data), int64(len(data)), opt.withDefaults())
}

// bytesReaderAt reads from a byte slice.
type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("tabular: negative offset")
	}
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// openError describes why a file could not be opened.
func openError(name string, err error) error {
	msg := uitext.F("cannot be opened: %v", err)
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		msg = uitext.L("does not exist")
	case errors.Is(err, fs.ErrPermission):
		msg = uitext.L("cannot be read (permission denied)")
	case errors.As(err, &pe):
		msg = uitext.F("cannot be opened: %v", pe.Err)
	}
	return &Error{File: name, Msg: msg, Err: err}
}

// open checks size and kind, then hands over to the CSV or XLSX detector.
// path is "" for data in memory.
func open(name, path string, src io.ReaderAt, size int64, opt Options) (*File, error) {
	if size > opt.MaxFileSize {
		return nil, &Error{
			File: name, Err: ErrTooLarge,
			Msg: uitext.F("is %s; files over %s are not read", mb(size), mb(opt.MaxFileSize)),
		}
	}
	if size == 0 {
		return nil, &Error{File: name, Msg: uitext.L("is empty"), Err: ErrNotTable}
	}
	head := make([]byte, min(size, sampleSize))
	if _, err := src.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, &Error{File: name, Msg: uitext.F("cannot be read: %v", err), Err: err}
	}
	f := &File{info: Info{Name: name}, opt: opt, src: src, size: size}
	var err error
	switch kind := sniff(head); kind {
	case kindZip:
		f.info.Format = FormatXLSX
		err = f.openXLSX(path)
		f.src = nil // excelize holds what it needs
	case kindText:
		if k := markupKind(head); k != "" {
			err = f.openMarkup(k)
			f.src = nil // read whole
			break
		}
		f.info.Format = FormatCSV
		err = f.detectCSV(head)
	default:
		err = kindError(name, kind, src, size)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// mb formats a byte count for messages: "200 MB", "1.5 MB", "64 KB", "100 bytes".
func mb(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Info returns what was detected.
func (f *File) Info() Info {
	info := f.info
	info.Sheets = append([]string(nil), f.info.Sheets...)
	info.Skipped = append([]string(nil), f.info.Skipped...)
	info.Preview = append([]string(nil), f.info.Preview...)
	return info
}

// Rows streams the non-blank rows from the top of the file; each call starts
// again. It stops after yielding an error: the first problem in the file, a
// limit passed, or ctx cancelled.
func (f *File) Rows(ctx context.Context) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		f.mu.Lock()
		closed := f.closed
		f.mu.Unlock()
		if closed {
			yield(Row{}, &Error{File: f.info.Name, Msg: "is closed", Err: fs.ErrClosed})
			return
		}
		switch f.info.Format {
		case FormatXLSX:
			f.xlsxRows(ctx, yield)
			return
		case FormatHTML, FormatXML2003:
			f.memRows(ctx, yield)
			return
		}
		f.csvRows(ctx, yield)
	}
}

// Close releases the file and any temporary files. It is safe to call more
// than once.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	var errs []error
	if f.xf != nil {
		errs = append(errs, f.xf.Close())
	}
	if f.osf != nil {
		errs = append(errs, f.osf.Close())
	}
	return errors.Join(errs...)
}

// progressEvery is how many rows ReadAll reads between progress calls.
const progressEvery = 5000

// ReadAll opens path and collects every row. progress, if not nil, is called
// with the number of rows read so far every few thousand rows and once at
// the end.
func ReadAll(ctx context.Context, path string, opt Options, progress func(rows int)) (*Table, error) {
	f, err := Open(path, opt)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t := &Table{Info: f.Info()}
	for row, err := range f.Rows(ctx) {
		if err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, row)
		if progress != nil && len(t.Rows)%progressEvery == 0 {
			progress(len(t.Rows))
		}
	}
	if progress != nil {
		progress(len(t.Rows))
	}
	return t, nil
}

// isBlank reports whether every cell is empty or whitespace.
func isBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
