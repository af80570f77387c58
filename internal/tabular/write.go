package tabular

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Sheet is one sheet for WriteXLSX: a name and rows of text.
type Sheet struct {
	Name string     // sheet name (at most 31 characters, none of : \ / ? * [ ]); "" = "Sheet1", "Sheet2", …
	Rows [][]string // the first row is the header
}

// Column widths WriteXLSX chooses, in characters.
const (
	minColWidth = 8
	maxColWidth = 60
)

// WriteXLSX writes the sheets as an .xlsx workbook to w, for sample files and
// reports. Every cell is written as text with the text number format "@",
// so "00123" keeps its zeros and "=1+2" is not a formula (a value that looks
// guarded, "'=x", goes through TextCell). The first row is bold and frozen, and
// each column is as wide as its longest cell (between 8 and 60 characters). A
// cell over Excel's 32767 characters is an error. XLSXWriter writes one sheet
// the same way without holding its rows.
func WriteXLSX(w io.Writer, sheets []Sheet) error {
	if len(sheets) == 0 {
		return errors.New("tabular: WriteXLSX: no sheets")
	}
	xf := excelize.NewFile()
	defer xf.Close()
	st, err := newTextStyles(xf)
	if err != nil {
		return fmt.Errorf("tabular: WriteXLSX: %w", err)
	}
	seen := map[string]bool{}
	for i, s := range sheets {
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("Sheet%d", i+1)
		}
		if seen[strings.ToLower(name)] {
			return fmt.Errorf("tabular: WriteXLSX: sheet name %q is used twice", name)
		}
		seen[strings.ToLower(name)] = true
		if err := addSheet(xf, i, name); err != nil {
			return fmt.Errorf("tabular: WriteXLSX: sheet %q: %w", name, err)
		}
		if err := writeSheet(xf, name, s.Rows, st); err != nil {
			return fmt.Errorf("tabular: WriteXLSX: sheet %q: %w", name, err)
		}
	}
	xf.SetActiveSheet(0)
	if err := xf.Write(w); err != nil {
		return fmt.Errorf("tabular: WriteXLSX: %w", err)
	}
	return nil
}

// addSheet names the new workbook's first sheet (i == 0) or adds sheet i.
func addSheet(xf *excelize.File, i int, name string) error {
	if i == 0 {
		return xf.SetSheetName("Sheet1", name)
	}
	_, err := xf.NewSheet(name)
	return err
}

// writeSheet streams rows into the named sheet.
func writeSheet(xf *excelize.File, name string, rows [][]string, st textStyles) error {
	sw, err := newSheetWriter(xf, name, ColumnWidths(rows), len(rows) > 1, st)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if err := sw.row(row); err != nil {
			return err
		}
	}
	return sw.sw.Flush()
}

// textStyles are the cell styles of a written sheet: text, and bold text for the
// header.
type textStyles struct{ text, head int }

func newTextStyles(xf *excelize.File) (textStyles, error) {
	text, err := xf.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return textStyles{}, err
	}
	head, err := xf.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
	return textStyles{text: text, head: head}, err
}

// sheetWriter streams rows of text into one sheet; the first row is the header.
type sheetWriter struct {
	sw     *excelize.StreamWriter
	st     textStyles
	rows   int
	values []any // reused for each row
}

// newSheetWriter starts the named sheet with the column widths given (in
// characters) and, with freeze set, the first row frozen.
func newSheetWriter(xf *excelize.File, name string, widths []float64, freeze bool, st textStyles) (*sheetWriter, error) {
	sw, err := xf.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	// Widths and panes must be set before the first row.
	for col, width := range widths {
		if err := sw.SetColWidth(col+1, col+1, width); err != nil {
			return nil, err
		}
	}
	if freeze {
		err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		if err != nil {
			return nil, err
		}
	}
	return &sheetWriter{sw: sw, st: st}, nil
}

// row writes the next row: every non-empty cell as text (through TextCell), the
// first row bold.
func (s *sheetWriter) row(row []string) error {
	s.rows++
	style := s.st.text
	if s.rows == 1 {
		style = s.st.head
	}
	s.values = s.values[:0]
	for c, v := range row {
		v = TextCell(v)
		if utf16Len(v) > excelize.TotalCellChars {
			return fmt.Errorf("row %d, column %s: a cell is longer than Excel's %d characters",
				s.rows, columnName(c+1), excelize.TotalCellChars)
		}
		var cell any
		if v != "" {
			cell = excelize.Cell{StyleID: style, Value: v}
		}
		s.values = append(s.values, cell)
	}
	cell, err := excelize.CoordinatesToCellName(1, s.rows)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, s.values)
}

// XLSXWriter writes a workbook of one sheet a row at a time, the way WriteXLSX
// writes its sheets (text cells, bold and frozen header), for tables too large to
// hold: excelize keeps the rows in a temporary file once they pass 16 MB. The
// column widths are given up front, as the rows are not known yet (ColumnWidths
// of the first rows is a good choice). Call Close when done, also after Finish.
type XLSXWriter struct {
	xf *excelize.File
	sw *sheetWriter
}

// NewXLSXWriter starts a workbook whose only sheet is named sheet (see Sheet.Name;
// "" is "Sheet1") with columns of the widths given, in characters.
func NewXLSXWriter(sheet string, widths []float64) (*XLSXWriter, error) {
	if sheet == "" {
		sheet = "Sheet1"
	}
	xf := excelize.NewFile()
	st, err := newTextStyles(xf)
	if err == nil {
		err = addSheet(xf, 0, sheet)
	}
	var sw *sheetWriter
	if err == nil {
		sw, err = newSheetWriter(xf, sheet, widths, true, st)
	}
	if err != nil {
		xf.Close()
		return nil, fmt.Errorf("tabular: XLSXWriter: sheet %q: %w", sheet, err)
	}
	return &XLSXWriter{xf: xf, sw: sw}, nil
}

// WriteRow adds a row; the first row written is the header. A cell over Excel's
// 32767 characters is an error naming its row and column.
func (x *XLSXWriter) WriteRow(cells []string) error {
	if err := x.sw.row(cells); err != nil {
		return fmt.Errorf("tabular: XLSXWriter: %w", err)
	}
	return nil
}

// Finish ends the sheet and writes the whole workbook to w.
func (x *XLSXWriter) Finish(w io.Writer) error {
	if err := x.sw.sw.Flush(); err != nil {
		return fmt.Errorf("tabular: XLSXWriter: %w", err)
	}
	if err := x.xf.Write(w); err != nil {
		return fmt.Errorf("tabular: XLSXWriter: %w", err)
	}
	return nil
}

// Close removes the temporary files of the workbook.
func (x *XLSXWriter) Close() error { return x.xf.Close() }

// ColumnWidths returns the width WriteXLSX gives each column of rows: its longest
// cell (or line of a cell) in characters plus a margin, between 8 and 60.
func ColumnWidths(rows [][]string) []float64 {
	var widths []float64
	for _, row := range rows {
		for c, v := range row {
			for len(widths) <= c {
				widths = append(widths, minColWidth)
			}
			n := 0
			for line := range strings.SplitSeq(v, "\n") {
				n = max(n, utf8.RuneCountInString(line))
			}
			widths[c] = min(max(widths[c], float64(n)+2), maxColWidth)
		}
	}
	return widths
}

// utf16Len is the length of s in UTF-16 code units, as Excel counts.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
