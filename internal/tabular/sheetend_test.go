package tabular

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
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
		if s.end != (sheetEnd{lastRow: 7, closed: true, rowStarts: 3, rowEnds: 3}) {
			t.Errorf("writes of %d bytes: %+v", size, s.end)
		}
	}
}
