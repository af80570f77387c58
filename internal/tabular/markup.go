package tabular

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"

	"onboard/internal/uitext"
)

// Files named .xls that are text: web applications export an HTML table under
// that name ("Export to Excel"), and Excel 2003 and LibreOffice write "XML
// Spreadsheet 2003" files. Excel opens both, so admins bring them; read as CSV
// they gave rows of markup. Both are read whole into memory (they are at most
// MaxFileSize) into rows, numbered as the spreadsheet shows them.

// The markup formats.
const (
	FormatHTML    Format = "html"    // an HTML table, typically saved as .xls by a web application
	FormatXML2003 Format = "xml2003" // Excel 2003 XML Spreadsheet
)

// markupKind tells an HTML table or an XML Spreadsheet 2003 from the first
// bytes of a text file, "" for anything else.
func markupKind(head []byte) Format {
	b := bytes.TrimPrefix(head, bomUTF8)
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != '<' {
		return ""
	}
	lower := bytes.ToLower(b[:min(len(b), 4096)])
	switch {
	case bytes.Contains(lower, []byte("urn:schemas-microsoft-com:office:spreadsheet")):
		return FormatXML2003
	case bytes.Contains(lower, []byte("<html")), bytes.Contains(lower, []byte("<!doctype html")),
		bytes.Contains(lower, []byte("<table")):
		return FormatHTML
	}
	return ""
}

// openMarkup reads an HTML table or XML spreadsheet whole.
func (f *File) openMarkup(kind Format) error {
	data := make([]byte, f.size)
	if _, err := f.src.ReadAt(data, 0); err != nil && !errors.Is(err, io.EOF) {
		return &Error{File: f.info.Name, Msg: uitext.F("cannot be read: %v", err), Err: err}
	}
	f.info.Format = kind
	var sheets []markupSheet
	var err error
	if kind == FormatHTML {
		sheets, err = readHTMLTables(data)
	} else {
		sheets, err = readXML2003(data)
	}
	if err != nil {
		what := uitext.L("an HTML table saved as .xls")
		if kind == FormatXML2003 {
			what = uitext.L("an Excel 2003 XML spreadsheet")
		}
		return &Error{
			File: f.info.Name, Err: errors.Join(ErrNotTable, err),
			Msg: uitext.F("is %s that cannot be read (%v); open it in a spreadsheet and save it as .xlsx or CSV", what, err),
		}
	}
	return f.pickMarkupSheet(sheets)
}

// markupSheet is one table of an HTML file or worksheet of an XML spreadsheet.
type markupSheet struct {
	name string
	rows []Row // non-blank rows
}

// pickMarkupSheet chooses the sheet as pickSheet does for XLSX: the one asked
// for, else the first with data.
func (f *File) pickMarkupSheet(sheets []markupSheet) error {
	for _, s := range sheets {
		f.info.Sheets = append(f.info.Sheets, s.name)
	}
	if len(sheets) == 0 {
		return &Error{File: f.info.Name, Msg: uitext.L("holds no table"), Err: ErrNotTable}
	}
	chosen := -1
	for i, s := range sheets {
		if f.opt.Sheet != "" && strings.EqualFold(s.name, f.opt.Sheet) {
			chosen = i
			break
		}
		if f.opt.Sheet == "" && len(s.rows) > 0 {
			chosen = i
			break
		}
	}
	if chosen < 0 && f.opt.Sheet != "" {
		return &Error{File: f.info.Name, Err: ErrNoSuchSheet, Msg: uitext.F("has no sheet %q; its sheets are %s", f.opt.Sheet, strings.Join(f.info.Sheets, ", "))}
	}
	chosen = max(chosen, 0)
	if f.opt.Sheet == "" {
		f.info.Skipped = append([]string(nil), f.info.Sheets[:chosen]...)
	}
	f.info.Sheet = sheets[chosen].name
	f.mem = sheets[chosen].rows
	for _, r := range f.mem {
		f.info.Preview = append(f.info.Preview, strings.Join(r.Cells, " | "))
		if len(f.info.Preview) == 10 {
			break
		}
	}
	return nil
}

// memRows streams the rows read at open, with the limits of Options.
func (f *File) memRows(ctx context.Context, yield func(Row, error) bool) {
	for i, r := range f.mem {
		if err := ctx.Err(); err != nil {
			yield(Row{}, &Error{File: f.info.Name, Msg: uitext.L("reading was cancelled"), Err: err})
			return
		}
		if i >= f.opt.MaxRows {
			yield(Row{}, &Error{File: f.info.Name, Line: r.Line, Err: ErrTooManyRows, Msg: uitext.F("has more than %d rows", f.opt.MaxRows), xlsx: true})
			return
		}
		for c, v := range r.Cells {
			if len(v) > f.opt.MaxCellLen && utf8.RuneCountInString(v) > f.opt.MaxCellLen {
				yield(Row{}, &Error{
					File: f.info.Name, Line: r.Line, Column: c + 1, Err: ErrCellTooLong, xlsx: true,
					Msg: uitext.F("a cell is longer than %d characters", f.opt.MaxCellLen),
				})
				return
			}
		}
		if !yield(Row{Line: r.Line, Cells: append([]string(nil), r.Cells...)}, nil) {
			return
		}
	}
}

// readHTMLTables reads every top-level <table> of an HTML document: a row per
// <tr>, a cell per <td> or <th> (colspan adds empty cells), <br> a line break,
// other white space collapsed. The charset comes from a BOM or <meta>.
func readHTMLTables(data []byte) ([]markupSheet, error) {
	r, err := charset.NewReader(bytes.NewReader(data), "text/html")
	if err != nil {
		return nil, err
	}
	z := html.NewTokenizer(r)
	var sheets []markupSheet
	budget := padBudget(data)
	t := htmlTable{pads: &budget}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return sheets, nil
			}
			return nil, z.Err()
		case html.TextToken:
			t.text(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			span := 1
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "colspan" {
					if n, err := strconv.Atoi(string(v)); err == nil && n > 1 && n <= 1000 {
						span = n
					}
				}
			}
			if done := t.tag(string(name), tt == html.EndTagToken, span); done {
				sheets = append(sheets, markupSheet{name: uitext.F("Table %d", len(sheets)+1), rows: t.rows})
				t = htmlTable{pads: &budget}
			}
		}
	}
}

// htmlTable collects the rows of one top-level table.
type htmlTable struct {
	depth int // of nested <table>s; 0 outside any
	rows  []Row
	row   []string
	cell  *strings.Builder
	span  int
	line  int
	pads  *int // empty cells colspan may still add (see padBudget)
}

// padBudget is how many empty cells colspan, ss:Index and ss:MergeAcross may
// add to the cells of a markup file: a quarter of its bytes, so that a hostile
// file cannot unfold into rows of millions of cells.
func padBudget(data []byte) int { return len(data) / 4 }

// tag handles a tag; it reports whether the top-level table ended.
func (t *htmlTable) tag(name string, end bool, span int) bool {
	switch {
	case name == "table" && !end:
		t.depth++
	case name == "table" && end && t.depth > 0:
		t.depth--
		if t.depth == 0 {
			t.endRow()
			return true
		}
	case name == "br":
		if t.cell != nil {
			t.cell.WriteString("\n")
		}
	case t.depth == 1:
		t.rowTag(name, end, span) // rows and cells of a nested table are text of the cell
	}
	return false
}

// rowTag handles <tr>, <td> and <th> of the top-level table.
func (t *htmlTable) rowTag(name string, end bool, span int) {
	switch name {
	case "tr":
		t.endRow()
		if !end {
			t.row = []string{}
		}
	case "td", "th":
		t.endCell()
		if !end {
			if t.row == nil {
				t.row = []string{}
			}
			t.cell, t.span = &strings.Builder{}, span
		}
	}
}

func (t *htmlTable) text(s string) {
	if t.cell != nil {
		t.cell.WriteString(s)
	}
}

func (t *htmlTable) endCell() {
	if t.cell == nil {
		return
	}
	lines := strings.Split(t.cell.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	t.row = append(t.row, strings.Trim(strings.Join(lines, "\n"), "\n"))
	for range min(t.span-1, *t.pads) {
		t.row = append(t.row, "")
		*t.pads--
	}
	t.cell = nil
}

func (t *htmlTable) endRow() {
	t.endCell()
	if t.row == nil {
		return
	}
	t.line++
	if !isBlank(t.row) {
		t.rows = append(t.rows, Row{Line: t.line, Cells: t.row})
	}
	t.row = nil
}

// readXML2003 reads the worksheets of an Excel 2003 XML spreadsheet: Row and
// Cell with their ss:Index, ss:MergeAcross, and the text of Data (errors such
// as #N/A as written, dates as yyyy-mm-dd).
func readXML2003(data []byte) ([]markupSheet, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charset.NewReaderLabel
	var sheets []markupSheet
	budget := padBudget(data)
	x := xmlSheet{pads: &budget}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return sheets, nil
		}
		if err != nil {
			return nil, err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			x.start(e)
		case xml.CharData:
			if x.data != nil {
				x.data.Write(e)
			}
		case xml.EndElement:
			if done := x.end(e.Name.Local); done {
				sheets = append(sheets, markupSheet{name: x.name, rows: x.rows})
				x = xmlSheet{pads: &budget}
			}
		}
	}
}

// xmlSheet collects one Worksheet.
type xmlSheet struct {
	name     string
	rows     []Row
	line     int // the row number being read
	row      []string
	col      int // 1-based column of the next cell
	merge    int
	dataType string
	data     *strings.Builder
	pads     *int // see padBudget
}

// ssAttr returns the value of the attribute local (in any namespace).
func ssAttr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (x *xmlSheet) start(e xml.StartElement) {
	switch e.Name.Local {
	case "Worksheet":
		*x = xmlSheet{name: ssAttr(e, "Name"), pads: x.pads}
	case "Row":
		x.line++
		if n, err := strconv.Atoi(ssAttr(e, "Index")); err == nil && n > x.line && n <= DefaultMaxRows {
			x.line = n
		}
		x.row, x.col = []string{}, 1
	case "Cell":
		if n, err := strconv.Atoi(ssAttr(e, "Index")); err == nil && n > x.col && n <= maxXMLColumns {
			x.col = n
		}
		x.col = min(x.col, maxXMLColumns) // a hostile file does not make a row of millions of cells
		x.merge, _ = strconv.Atoi(ssAttr(e, "MergeAcross"))
		x.merge = min(max(x.merge, 0), 16384)
	case "Data":
		x.dataType, x.data = ssAttr(e, "Type"), &strings.Builder{}
	}
}

// end handles an end tag; it reports whether the worksheet ended.
func (x *xmlSheet) end(local string) bool {
	switch local {
	case "Data":
		if x.data != nil && x.row != nil {
			x.pad(x.col - 1)
			x.row = append(x.row[:min(x.col-1, len(x.row))], xmlValue(x.dataType, x.data.String()))
		}
		x.data = nil
	case "Cell": // cells are made when they hold data: empty ones cost no memory
		x.col = min(x.col+1+x.merge, maxXMLColumns)
	case "Row":
		if x.row != nil && !isBlank(x.row) {
			x.rows = append(x.rows, Row{Line: x.line, Cells: x.row})
		}
		x.row = nil
	case "Worksheet":
		return true
	}
	return false
}

// maxXMLColumns is Excel's number of columns.
const maxXMLColumns = 16384

// pad makes the row at least n cells long (inside a Row).
func (x *xmlSheet) pad(n int) {
	for x.row != nil && len(x.row) < n && *x.pads > 0 {
		x.row = append(x.row, "")
		*x.pads--
	}
}

// xmlValue is a Data value as text: a DateTime at midnight as its day.
func xmlValue(typ, v string) string {
	if typ == "DateTime" {
		if day, ok := strings.CutSuffix(v, "T00:00:00.000"); ok {
			return day
		}
		return strings.Replace(strings.TrimSuffix(v, ".000"), "T", " ", 1)
	}
	return v
}
