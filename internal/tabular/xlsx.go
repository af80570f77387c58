package tabular

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"onboard/internal/uitext"
)

// unzipXMLSizeLimit is the size above which excelize unpacks a worksheet or
// the shared strings to a temporary file and streams it from there.
const unzipXMLSizeLimit = 16 << 20

// openXLSX checks the zip, opens it with excelize, picks the sheet and reads
// the preview. path is "" for data in memory.
func (f *File) openXLSX(path string) error {
	if err := f.checkZip(); err != nil {
		return err
	}
	opts := excelize.Options{
		UnzipSizeLimit:    f.opt.MaxUnzipSize,
		UnzipXMLSizeLimit: min(unzipXMLSizeLimit, f.opt.MaxUnzipSize),
	}
	err := guard(func() error {
		var err error
		if path != "" {
			f.xf, err = excelize.OpenFile(path, opts)
		} else {
			f.xf, err = excelize.OpenReader(io.NewSectionReader(f.src, 0, f.size), opts)
		}
		return err
	})
	if err != nil {
		if f.xf != nil {
			f.xf.Close()
			f.xf = nil
		}
		if strings.Contains(err.Error(), "unzip size") { // excelize's own zip-bomb check
			return &Error{
				File: f.info.Name, Err: errors.Join(ErrTooLarge, err),
				Msg: uitext.F("unpacks to more than %s; workbooks over that are not read", mb(f.opt.MaxUnzipSize)),
			}
		}
		return &Error{
			File: f.info.Name, Msg: uitext.F("is a damaged Excel file: %v", err),
			Err: errors.Join(ErrNotTable, err),
		}
	}
	if err := f.pickSheet(); err != nil {
		return err
	}
	if err := guard(func() error { return isoDateStyles(f.xf) }); err != nil {
		return &Error{
			File: f.info.Name, Msg: uitext.F("is a damaged Excel file (styles): %v", err),
			Err: errors.Join(ErrNotTable, err),
		}
	}
	return f.xlsxPreview()
}

// checkZip makes sure the zip is an XLSX workbook and no zip bomb before
// excelize reads it.
//
// excelize refuses a workbook whose zip headers declare more than
// UnzipSizeLimit, but it reads every part with io.Copy and ignores the
// error archive/zip reports when a part inflates to more than its header
// declares: a bomb that lies in its headers would be read silently cut off.
// So every part is inflated once here (to io.Discard, 32 KB at a time):
// archive/zip stops a part at its declared size, so this costs CPU but
// no memory, and any mismatch or bad checksum is an error.
func (f *File) checkZip() error {
	name := f.info.Name
	zr, err := zip.NewReader(f.src, f.size)
	if err != nil {
		return &Error{
			File: name, Msg: uitext.F("is a damaged ZIP or Excel file: %v", err),
			Err: errors.Join(ErrNotTable, err),
		}
	}
	if what := zipKind(zr); what != "" {
		return &Error{
			File: name, Err: ErrNotTable,
			Msg: uitext.F("is %s, not an Excel workbook; save it as .xlsx or CSV", what),
		}
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if total > uint64(f.opt.MaxUnzipSize) {
			return &Error{
				File: name, Err: ErrTooLarge,
				Msg: uitext.F("unpacks to more than %s; workbooks over that are not read", mb(f.opt.MaxUnzipSize)),
			}
		}
	}
	f.sheetEnds = map[string]sheetEnd{}
	f.sheetPart = sheetParts(zr)
	for _, zf := range zr.File {
		var scan *rowScanner
		if strings.HasPrefix(zf.Name, "xl/worksheets/") && strings.HasSuffix(zf.Name, ".xml") {
			scan = &rowScanner{}
		}
		if err := inflateCheck(zf, scan); err != nil {
			if errors.Is(err, zip.ErrFormat) { // more data than the header says
				return &Error{
					File: name, Err: errors.Join(ErrTooLarge, err),
					Msg: uitext.F("unpacks to more than its zip headers declare (part %s); it may be a zip bomb", zf.Name),
				}
			}
			return &Error{
				File: name, Err: errors.Join(ErrNotTable, err),
				Msg: uitext.F("is a damaged Excel file (part %s: %v)", zf.Name, err),
			}
		}
		if scan != nil {
			f.sheetEnds[zf.Name] = scan.end
		}
	}
	return nil
}

// inflateCheck reads one zip part to the end, into scan when it is not nil.
func inflateCheck(zf *zip.File, scan *rowScanner) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	var w io.Writer = io.Discard
	if scan != nil {
		w = scan
	}
	_, err = io.Copy(w, rc)
	return err
}

// endsEarly reports whether reading the chosen sheet stopped (after row line)
// before the rows its XML holds: excelize ends a sheet silently at an XML error.
func (f *File) endsEarly(line int) (sheetEnd, bool) {
	end, ok := f.chosenSheetEnd()
	return end, ok && (!end.closed || line < end.lastRow || !end.balanced())
}

// chosenSheetEnd is what the zip check saw of the chosen sheet's part.
func (f *File) chosenSheetEnd() (sheetEnd, bool) {
	for name, part := range f.sheetPart {
		if strings.EqualFold(name, f.info.Sheet) {
			end, ok := f.sheetEnds[part]
			return end, ok
		}
	}
	return sheetEnd{}, false
}

// uncalculatedCell is the column (from 1) of the first cell of row line that
// holds a formula but no value, read as empty; 0 when there is none.
func uncalculatedCell(end sheetEnd, line int, cells []string) int {
	for _, col := range end.uncalculated[line] {
		if col > len(cells) || cells[col-1] == "" {
			return col
		}
	}
	return 0
}

// zipKind returns "" for an XLSX (or XLSM) workbook, else what the zip
// looks like ("an OpenDocument spreadsheet (.ods)", …).
func zipKind(zr *zip.Reader) string {
	has := func(name string) *zip.File {
		for _, zf := range zr.File {
			if strings.EqualFold(strings.ReplaceAll(zf.Name, `\`, "/"), name) {
				return zf
			}
		}
		return nil
	}
	switch {
	case has("xl/workbook.xml") != nil:
		return ""
	case has("xl/workbook.bin") != nil:
		return uitext.L("an Excel binary workbook (.xlsb)")
	case has("word/document.xml") != nil:
		return uitext.L("a Word document (.docx)")
	case has("ppt/presentation.xml") != nil:
		return uitext.L("a PowerPoint presentation (.pptx)")
	}
	if zf := has("mimetype"); zf != nil {
		mime := readSmall(zf, 200)
		switch {
		case strings.Contains(mime, "opendocument.spreadsheet"):
			return uitext.L("an OpenDocument spreadsheet (.ods)")
		case strings.Contains(mime, "opendocument.text"):
			return uitext.L("an OpenDocument text document (.odt)")
		case strings.Contains(mime, "opendocument"):
			return uitext.L("an OpenDocument file")
		}
	}
	return uitext.L("a ZIP archive")
}

// readSmall returns up to n bytes of a zip part, or "".
func readSmall(zf *zip.File, n int64) string {
	rc, err := zf.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, n))
	return string(b)
}

// guard runs fn and turns a panic inside excelize (a malformed workbook can
// trip one) into an error, so a hostile file cannot crash the app.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("excelize: %v", p)
		}
	}()
	return fn()
}

// pickSheet fills Info.Sheets and Info.Sheet from Options.Sheet or the
// workbook's active sheet.
func (f *File) pickSheet() error {
	sheets := f.xf.GetSheetList()
	f.info.Sheets = sheets
	if len(sheets) == 0 {
		return &Error{File: f.info.Name, Msg: uitext.L("is a workbook without sheets"), Err: ErrNotTable}
	}
	if want := f.opt.Sheet; want != "" {
		for _, s := range sheets {
			if s == want {
				f.info.Sheet = s
				return nil
			}
		}
		for _, s := range sheets {
			if strings.EqualFold(s, want) {
				f.info.Sheet = s
				return nil
			}
		}
		quoted := make([]string, len(sheets))
		for i, s := range sheets {
			quoted[i] = fmt.Sprintf("%q", s)
		}
		return &Error{
			File: f.info.Name, Err: ErrNoSuchSheet,
			Msg: uitext.F("has no sheet %q; its sheets are %s", want, strings.Join(quoted, ", ")),
		}
	}
	f.info.Sheet = f.firstSheetWithData(sheets)
	return nil
}

// firstSheetWithData returns the sheet to read when none was asked for: the
// active sheet if it is visible and holds data, else the first visible sheet
// with data, else the first hidden one with data, else the active or first
// one. The sheets looked at and passed over (a chart sheet first, an empty
// cover sheet) go into Info.Skipped.
func (f *File) firstSheetWithData(sheets []string) string {
	visible := func(s string) bool { v, err := f.xf.GetSheetVisible(s); return err == nil && v }
	active := sheets[0]
	if i := f.xf.GetActiveSheetIndex(); i >= 0 && i < len(sheets) {
		active = sheets[i]
	}
	var order, hidden []string
	if visible(active) {
		order = append(order, active)
	}
	for _, s := range sheets {
		switch {
		case !visible(s):
			hidden = append(hidden, s)
		case s != active:
			order = append(order, s)
		}
	}
	order = append(order, hidden...)
	for i, s := range order {
		if f.hasData(s) {
			f.info.Skipped = append([]string(nil), order[:i]...)
			return s
		}
	}
	if visible(active) || len(order) == 0 {
		return active
	}
	return order[0]
}

// hasDataRows is how many rows hasData looks through for a non-blank one.
const hasDataRows = 1000

// hasData reports whether a worksheet holds a non-blank row among its first
// rows; a chart sheet holds none.
func (f *File) hasData(sheet string) bool {
	found := false
	_ = guard(func() error {
		rows, err := f.xf.Rows(sheet)
		if err != nil {
			return err
		}
		defer rows.Close()
		for n := 0; n < hasDataRows && rows.Next(); n++ {
			cells, err := rows.Columns()
			if err != nil {
				return err
			}
			if !isBlank(cells) {
				found = true
				return nil
			}
		}
		return nil
	})
	return found
}

// xlsxPreview fills Info.Preview with the first non-empty rows.
func (f *File) xlsxPreview() error {
	for row, err := range f.Rows(context.Background()) {
		if err != nil {
			if errors.Is(err, ErrCellTooLong) || errors.Is(err, ErrTooManyRows) {
				break // a limit, not a broken file: Rows reports it again
			}
			return err
		}
		f.info.Preview = append(f.info.Preview, strings.Join(row.Cells, " | "))
		if len(f.info.Preview) == 10 {
			break
		}
	}
	return nil
}

// xlsxRows streams the rows of the chosen sheet (see File.Rows).
func (f *File) xlsxRows(ctx context.Context, yield func(Row, error) bool) {
	fail := func(line, col int, msg string, err error) {
		yield(Row{}, &Error{File: f.info.Name, Line: line, Column: col, Msg: msg, Err: err, xlsx: true})
	}
	var rows *excelize.Rows
	if err := guard(func() (err error) { rows, err = f.xf.Rows(f.info.Sheet); return err }); err != nil {
		fail(0, 0, uitext.F("cannot read sheet %q: %v", f.info.Sheet, err), err)
		return
	}
	defer rows.Close()
	// next advances to the next row and returns its cells, keeping excelize
	// panics away from the caller's loop body.
	next := func() (cells []string, ok bool, err error) {
		err = guard(func() error {
			if ok = rows.Next(); !ok {
				return rows.Error()
			}
			cells, err = rows.Columns()
			return err
		})
		return cells, ok, err
	}
	end, _ := f.chosenSheetEnd()
	line, count := 0, 0
	for {
		if err := ctx.Err(); err != nil {
			fail(0, 0, uitext.L("reading was cancelled"), err)
			return
		}
		cells, ok, err := next()
		if ok {
			line++ // rows.Next steps through every row number, also missing ones
		}
		if err != nil {
			fail(line, 0, uitext.F("cannot read sheet %q: %v", f.info.Sheet, err), err)
			return
		}
		if !ok {
			if end, early := f.endsEarly(line); early && (line < end.lastRow || !end.closed) {
				fail(line+1, 0, uitext.F("is damaged: sheet %q cannot be read after row %d (it has rows up to %d)",
					f.info.Sheet, line, end.lastRow), ErrNotTable)
			} else if early {
				fail(line+1, 0, uitext.F("is damaged: the XML of sheet %q is broken after row %d", f.info.Sheet, line), ErrNotTable)
			}
			return
		}
		if isBlank(cells) {
			continue
		}
		if count++; count > f.opt.MaxRows {
			fail(line, 0, uitext.F("has more than %d rows", f.opt.MaxRows), ErrTooManyRows)
			return
		}
		for i, c := range cells {
			if len(c) > f.opt.MaxCellLen && utf8.RuneCountInString(c) > f.opt.MaxCellLen {
				fail(line, i+1, uitext.F("a cell is longer than %d characters", f.opt.MaxCellLen), ErrCellTooLong)
				return
			}
		}
		if col := uncalculatedCell(end, line, cells); col > 0 {
			fail(line, col, uitext.L("the cell holds a formula that was never calculated (the file was written by a program, "+
				"not saved by a spreadsheet); open it in a spreadsheet and save it again"), ErrNotTable)
			return
		}
		if !yield(Row{Line: line, Cells: cells}, nil) {
			return
		}
	}
}
