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
// so "00123" keeps its zeros and "=1+2" is not a formula. The first row is
// bold and frozen, and each column is as wide as its longest cell (between
// 8 and 60 characters). A cell over Excel's 32767 characters is an error.
func WriteXLSX(w io.Writer, sheets []Sheet) error {
	if len(sheets) == 0 {
		return errors.New("tabular: WriteXLSX: no sheets")
	}
	xf := excelize.NewFile()
	defer xf.Close()
	text, err := xf.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return fmt.Errorf("tabular: WriteXLSX: %w", err)
	}
	head, err := xf.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
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
		if i == 0 {
			err = xf.SetSheetName("Sheet1", name)
		} else {
			_, err = xf.NewSheet(name)
		}
		if err != nil {
			return fmt.Errorf("tabular: WriteXLSX: sheet %q: %w", name, err)
		}
		if err := writeSheet(xf, name, s.Rows, head, text); err != nil {
			return fmt.Errorf("tabular: WriteXLSX: sheet %q: %w", name, err)
		}
	}
	xf.SetActiveSheet(0)
	if err := xf.Write(w); err != nil {
		return fmt.Errorf("tabular: WriteXLSX: %w", err)
	}
	return nil
}

// writeSheet streams rows into the named sheet.
func writeSheet(xf *excelize.File, name string, rows [][]string, head, text int) error {
	sw, err := xf.NewStreamWriter(name)
	if err != nil {
		return err
	}
	// Widths and panes must be set before the first row.
	for col, width := range columnWidths(rows) {
		if err := sw.SetColWidth(col+1, col+1, width); err != nil {
			return err
		}
	}
	if len(rows) > 1 {
		err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		if err != nil {
			return err
		}
	}
	for r, row := range rows {
		style := text
		if r == 0 {
			style = head
		}
		values := make([]any, len(row))
		for c, v := range row {
			if utf16Len(v) > excelize.TotalCellChars {
				return fmt.Errorf("row %d, column %s: a cell is longer than Excel's %d characters",
					r+1, columnName(c+1), excelize.TotalCellChars)
			}
			if v != "" {
				values[c] = excelize.Cell{StyleID: style, Value: v}
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, r+1)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, values); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// columnWidths returns a width for each column: its longest cell in
// characters plus a margin, between minColWidth and maxColWidth.
func columnWidths(rows [][]string) []float64 {
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
