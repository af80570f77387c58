package tabular

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// withSheetXML returns the workbook data with its first sheet's XML changed by edit.
func withSheetXML(t *testing.T, data []byte, edit func([]byte) []byte) []byte {
	return replaceSheet1(t, data, func(zw *zip.Writer, name string, orig []byte) {
		w, err := zw.Create(name)
		must(t, err)
		_, err = w.Write(edit(orig))
		must(t, err)
	})
}

// readRows opens data and collects its rows, or the first error.
func readRows(t *testing.T, data []byte) ([]Row, error) {
	t.Helper()
	f, err := OpenBytes("list.xlsx", data, Options{})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []Row
	for r, err := range f.Rows(context.Background()) {
		if err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// excelize stops at an XML error without saying so; the reader must not hand out
// the rows before it as the whole list.
func TestXLSXDamagedSheetIsAnError(t *testing.T) {
	good := xlsxBytes(t, func(f *excelize.File) {
		for r := 1; r <= 50; r++ {
			must(t, f.SetCellStr("Sheet1", fmt.Sprintf("A%d", r), fmt.Sprintf("name %d", r)))
		}
	})
	if rows, err := readRows(t, good); err != nil || len(rows) != 50 {
		t.Fatalf("intact sheet: %d rows, %v", len(rows), err)
	}
	for name, edit := range map[string]func([]byte) []byte{
		"broken tag in the middle": func(x []byte) []byte {
			return bytes.Replace(x, []byte(`<row r="20"`), []byte(`<row r="20" <<`), 1)
		},
		"cut off before the end": func(x []byte) []byte {
			return x[:bytes.Index(x, []byte(`<row r="40"`))]
		},
	} {
		rows, err := readRows(t, withSheetXML(t, good, edit))
		if !errors.Is(err, ErrNotTable) || !strings.Contains(err.Error(), `is damaged: sheet "Sheet1" cannot be read after row`) ||
			!strings.Contains(err.Error(), "it has rows up to") {
			t.Errorf("%s: %d rows, %v", name, len(rows), err)
		}
	}
}

// Closing tags without their rows after the last row (a hostile or broken file):
// excelize stops there too, with every row counted before it.
func TestXLSXBrokenAfterTheLastRowIsAnError(t *testing.T) {
	good := xlsxBytes(t, func(f *excelize.File) {
		for r := 1; r <= 3; r++ {
			must(t, f.SetCellStr("Sheet1", fmt.Sprintf("A%d", r), fmt.Sprintf("name %d", r)))
		}
	})
	broken := withSheetXML(t, good, func(x []byte) []byte {
		return bytes.Replace(x, []byte(`</sheetData>`), []byte(strings.Repeat(`</c></row>`, 1000)+`</sheetData>`), 1)
	})
	rows, err := readRows(t, broken)
	if !errors.Is(err, ErrNotTable) || !strings.Contains(err.Error(), `is damaged: the XML of sheet "Sheet1" is broken after row 3`) {
		t.Errorf("%d rows, %v", len(rows), err)
	}
}

// A formula cell without a value (openpyxl and other libraries write formulas
// without calculating them) reads as empty: it is an error naming the cell, not
// an empty value ("first name is required" before). Calculated formulas read as
// their values.
func TestXLSXUncalculatedFormulaIsAnError(t *testing.T) {
	book := xlsxBytes(t, func(f *excelize.File) {
		must(t, f.SetCellStr("Sheet1", "A1", "First name"))
		must(t, f.SetCellStr("Sheet1", "A2", "Anna"))
		must(t, f.SetCellFormula("Sheet1", "B2", `"Berg"`))
	})
	// The formula cell as openpyxl writes it: no type, the value v.
	withValue := func(v string) []byte {
		return withSheetXML(t, book, func(x []byte) []byte {
			x = bytes.Replace(x, []byte(`<c r="B2" t="str"`), []byte(`<c r="B2"`), 1)
			return regexp.MustCompile(`</f>(<v>[^<]*</v>|<v/>)?`).ReplaceAll(x, []byte(`</f>`+v))
		})
	}
	for _, empty := range []string{``, `<v></v>`, `<v/>`} { // as programs write it (openpyxl: <v></v>)
		rows, err := readRows(t, withValue(empty))
		var e *Error
		if !errors.As(err, &e) || e.Line != 2 || e.Column != 2 || !strings.Contains(err.Error(), "formula that was never calculated") {
			t.Fatalf("value %q: %d rows, %v", empty, len(rows), err)
		}
	}
	if rows, err := readRows(t, withValue(`<v>Berg</v>`)); err != nil || len(rows) != 2 || rows[1].Cells[1] != "Berg" {
		t.Fatalf("calculated: %v, %v", rows, err)
	}
	// Excel's own file of a formula whose text result is empty (=IF(…;"";…)).
	emptyText := withSheetXML(t, withValue(`<v></v>`), func(x []byte) []byte {
		return bytes.Replace(x, []byte(`<c r="B2"`), []byte(`<c r="B2" t="str"`), 1)
	})
	if rows, err := readRows(t, emptyText); err != nil || len(rows) != 2 {
		t.Fatalf("empty text result: %v, %v", rows, err)
	}
}

func TestXLSXEmptySheetIsNotDamaged(t *testing.T) {
	empty := xlsxBytes(t, func(f *excelize.File) {})
	rows, err := readRows(t, withSheetXML(t, empty, func(x []byte) []byte {
		i, j := bytes.Index(x, []byte("<sheetData")), bytes.Index(x, []byte("</sheetData>"))
		if j < 0 { // already self-closing
			return x
		}
		return append(append(append([]byte{}, x[:i]...), []byte("<sheetData/>")...), x[j+len("</sheetData>"):]...)
	}))
	if err != nil || len(rows) != 0 {
		t.Fatalf("empty sheet: %d rows, %v", len(rows), err)
	}
}

func TestRowScannerAcrossWrites(t *testing.T) {
	xml := `<worksheet><x:sheetData><x:row r="1" spans="1:2"><c r="A1"/></x:row><row/><row r="7"><c/></row></x:sheetData></worksheet>`
	for _, size := range []int{1, 3, 7, len(xml)} {
		s := &rowScanner{}
		for i := 0; i < len(xml); i += size {
			s.Write([]byte(xml[i:min(i+size, len(xml))]))
		}
		if e := s.end; e.lastRow != 7 || !e.closed || e.rowStarts != 3 || e.rowEnds != 3 || e.uncalculated != nil {
			t.Errorf("writes of %d bytes: %+v", size, s.end)
		}
	}
}

func TestCellCoordinatesAndAttributes(t *testing.T) {
	for ref, want := range map[string][2]int{"A1": {1, 1}, "B12": {2, 12}, "AA3": {27, 3}, "XFD1048576": {16384, 1048576}, "1A": {0, 0}, "A": {0, 0}, "a1": {0, 0}, "A1x": {0, 0}} {
		if c, r := cellCoordinates([]byte(ref)); c != want[0] || r != want[1] {
			t.Errorf("%s: %d, %d, want %v", ref, c, r, want)
		}
	}
	attrs := []byte(`s="3" spans="1:2" r="C7" t="str"`)
	if v, ok := attrValue(attrs, refKey); !ok || string(v) != "C7" {
		t.Errorf("r: %q %v", v, ok)
	}
	if v, ok := attrValue([]byte(`spans="1:2"`), []byte(`s="`)); ok {
		t.Errorf("s found inside spans: %q", v)
	}
	if v, ok := attrValue(attrs, typeKey); !ok || string(v) != "str" {
		t.Errorf("t: %q %v", v, ok)
	}
}
