package tabular

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

func FuzzOpenBytes(f *testing.F) {
	f.Add([]byte("Vorname;Nachname\nJürgen;Groß\n"))
	f.Add([]byte("\uFEFF\"Vorname\",\"Nachname\"\r\n\"a,b\",\"x\"\"y\"\r\n"))
	f.Add([]byte("sep=|\r\na|b\r\n\"multi\nline\"|c\r\n"))
	f.Add(utf16le("Name\tOrt\r\nÄnne\tKöln\r\n", true))
	f.Add(utf16le("Name,Ort\nÄnne,Köln\n", false))
	f.Add(win1252("Name;Straße\nÄrger;€ 5\n"))
	f.Add([]byte("a;\"unclosed\nb;c\r"))
	f.Add(cfbFile("EncryptionInfo"))
	f.Add([]byte("%PDF-1.4\n"))
	f.Add(xlsxBytes(f, func(x *excelize.File) {
		_ = x.SetCellStr("Sheet1", "A1", "00123")
		_ = x.SetCellInt("Sheet1", "B2", 42)
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a bug too: fail (and so record the input) after a while.
		done := make(chan struct{})
		go func() {
			defer close(done)
			fuzzOne(t, data)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("no result after 10 s for %d bytes: %q", len(data), data)
		}
	})
}

// fuzzOne opens data with small limits and checks every row against them.
func fuzzOne(t *testing.T, data []byte) {
	const maxRows, maxCell = 20, 50
	opt := Options{MaxRows: maxRows, MaxCellLen: maxCell, MaxUnzipSize: 1 << 20, MaxFileSize: 1 << 20}
	file, err := OpenBytes("fuzz.csv", data, opt)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.File != "fuzz.csv" {
			t.Errorf("Open error %v (%T) is not an *Error naming the file", err, err)
		}
		return
	}
	defer file.Close()
	if n := len(file.Info().Preview); n > 10 {
		t.Errorf("%d preview lines", n)
	}
	n, last := 0, 0
	for row, err := range file.Rows(context.Background()) {
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("Rows error %v (%T) is not an *Error", err, err)
			}
			break
		}
		if n++; n > maxRows {
			t.Errorf("%d rows; MaxRows is %d", n, maxRows)
			return
		}
		if row.Line <= last {
			t.Errorf("line %d after line %d", row.Line, last)
		}
		last = row.Line
		for _, c := range row.Cells {
			if utf8.RuneCountInString(c) > maxCell {
				t.Errorf("line %d: a cell of %d runes; MaxCellLen is %d", row.Line, utf8.RuneCountInString(c), maxCell)
			}
			if !utf8.ValidString(c) {
				t.Errorf("line %d: invalid UTF-8 %q", row.Line, c)
			}
		}
	}
}

// xlsxParts returns the parts of a small workbook with date and number
// styles, for FuzzXLSXParts.
func xlsxParts(t testing.TB) map[string][]byte {
	data := xlsxBytes(t, func(x *excelize.File) {
		german := "dd.mm.yyyy"
		date, _ := x.NewStyle(&excelize.Style{CustomNumFmt: &german})
		_ = x.SetSheetRow("Sheet1", "A1", &[]any{"00123", 4915112345678, 46037, 0.5, true})
		_ = x.SetCellStyle("Sheet1", "C1", "C1", date)
		_ = x.SetCellStr("Sheet1", "B3", "x")
	})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	parts := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		must(t, err)
		parts[zf.Name], err = io.ReadAll(rc)
		must(t, err)
	}
	return parts
}

// FuzzXLSXParts puts fuzzed sheet and style XML into a valid zip, so that
// the fuzzer reaches excelize's parsing and the date-style rewriting.
func FuzzXLSXParts(f *testing.F) {
	parts := xlsxParts(f)
	f.Add(parts["xl/worksheets/sheet1.xml"], parts["xl/styles.xml"])
	f.Add([]byte(`<worksheet><sheetData><row r="3"><c r="B3" t="s"><v>0</v></c></row><row r="2"><c r="XFD2"><v>1e308</v></c></row></sheetData></worksheet>`),
		[]byte(`<styleSheet><numFmts><numFmt numFmtId="164" formatCode="[h]:mm;@"/></numFmts><cellXfs><xf numFmtId="164"/></cellXfs></styleSheet>`))
	f.Fuzz(func(t *testing.T, sheet, styles []byte) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, name := range []string{
			"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
			"xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/sharedStrings.xml",
		} {
			body := parts[name]
			switch name {
			case "xl/worksheets/sheet1.xml":
				body = sheet
			case "xl/styles.xml":
				body = styles
			}
			w, err := zw.Create(name)
			must(t, err)
			_, _ = w.Write(body)
		}
		must(t, zw.Close())
		done := make(chan struct{})
		go func() {
			defer close(done)
			fuzzOne(t, buf.Bytes())
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("no result after 10 s for sheet %q styles %q", sheet, styles)
		}
	})
}
