package tabular

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxBytes builds a workbook with build and returns its bytes.
func xlsxBytes(t testing.TB, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func style(t testing.TB, f *excelize.File, s *excelize.Style) int {
	t.Helper()
	id, err := f.NewStyle(s)
	must(t, err)
	return id
}

func TestXLSXValues(t *testing.T) {
	data := xlsxBytes(t, func(f *excelize.File) {
		const s = "Sheet1"
		bold := style(t, f, &excelize.Style{Font: &excelize.Font{Bold: true}})
		german := "dd.mm.yyyy"
		germanDate := style(t, f, &excelize.Style{CustomNumFmt: &german})
		germanDT := "dd.mm.yyyy hh:mm"
		germanDateTime := style(t, f, &excelize.Style{CustomNumFmt: &germanDT})
		builtinDate := style(t, f, &excelize.Style{NumFmt: 14})
		builtinTime := style(t, f, &excelize.Style{NumFmt: 21})
		zip := "00000"
		zipCode := style(t, f, &excelize.Style{CustomNumFmt: &zip})
		twoDecimals := style(t, f, &excelize.Style{NumFmt: 2})
		textFmt := style(t, f, &excelize.Style{NumFmt: 49})
		elapsedCode := "[h]:mm"
		elapsed := style(t, f, &excelize.Style{CustomNumFmt: &elapsedCode})

		must(t, f.SetSheetRow(s, "A1", &[]any{"ID", "Phone", "Born", "Start", "Amount"}))
		must(t, f.SetCellStr(s, "A2", "00123"))
		must(t, f.SetCellInt(s, "B2", 4915112345678))
		must(t, f.SetCellValue(s, "C2", 46037)) // 2026-01-15
		must(t, f.SetCellStyle(s, "C2", "C2", germanDate))
		must(t, f.SetCellValue(s, "D2", time.Date(2026, 1, 15, 8, 30, 0, 0, time.UTC)))
		must(t, f.SetCellFloat(s, "E2", 0.1+0.2, -1, 64))
		// row 3 left empty, row 4 only blanks: both skipped
		must(t, f.SetCellStr(s, "A4", "   "))
		must(t, f.SetCellValue(s, "A5", 123))
		must(t, f.SetCellStyle(s, "A5", "A5", bold)) // General with a style
		must(t, f.SetCellValue(s, "B5", 1234))
		must(t, f.SetCellStyle(s, "B5", "B5", zipCode))
		must(t, f.SetCellValue(s, "C5", 46037))
		must(t, f.SetCellStyle(s, "C5", "C5", builtinDate))
		must(t, f.SetCellValue(s, "D5", 46037.3541666667))
		must(t, f.SetCellStyle(s, "D5", "D5", germanDateTime))
		must(t, f.SetCellValue(s, "E5", 1.5))
		must(t, f.SetCellStyle(s, "E5", "E5", twoDecimals))
		must(t, f.SetCellValue(s, "F5", 0.75))
		must(t, f.SetCellStyle(s, "F5", "F5", builtinTime))
		must(t, f.SetCellStr(s, "G5", "007"))
		must(t, f.SetCellStyle(s, "G5", "G5", textFmt))
		must(t, f.SetCellBool(s, "H5", true))
		must(t, f.SetCellValue(s, "I5", 1.5))
		must(t, f.SetCellStyle(s, "I5", "I5", elapsed))
		must(t, f.SetCellStr(s, "C7", " spaced "))
	})
	tab := readAll(t, writeFile(t, "values.xlsx", data), Options{})
	want := rows(
		1, []string{"ID", "Phone", "Born", "Start", "Amount"},
		2, []string{"00123", "4915112345678", "2026-01-15", "2026-01-15 08:30", "0.3"},
		5, []string{"123", "01234", "2026-01-15", "2026-01-15 08:30", "1.50", "18:00:00", "007", "TRUE", "36:00"},
		7, []string{"", "", " spaced "},
	)
	if !reflect.DeepEqual(tab.Rows, want) {
		t.Errorf("rows =\n%+v\nwant\n%+v", tab.Rows, want)
	}
	if tab.Info.Format != FormatXLSX || tab.Info.Sheet != "Sheet1" || tab.Info.Encoding != "" {
		t.Errorf("info = %+v", tab.Info)
	}
	if want := "00123 | 4915112345678 | 2026-01-15 | 2026-01-15 08:30 | 0.3"; tab.Info.Preview[1] != want {
		t.Errorf("preview[1] = %q; want %q", tab.Info.Preview[1], want)
	}
}

func TestClassifyCode(t *testing.T) {
	tests := map[string]fmtKind{
		"General":                       fmtPlain,
		"@":                             fmtPlain,
		"dd.mm.yyyy":                    fmtDate,
		"[$-407]dd. mmmm yyyy;@":        fmtDate,
		"d/m/yy h:mm":                   fmtDateTime,
		"yyyy-mm-dd hh:mm:ss":           fmtDateTimeSec,
		"h:mm AM/PM":                    fmtTime,
		"[h]:mm:ss":                     fmtOther,
		"#,##0.00 \"days\"":             fmtOther,
		"[Red]0.00;[Blue]-0.00":         fmtOther,
		"0.00E+00":                      fmtOther,
		`#,##0.00\ "€";\-#,##0.00\ "€"`: fmtOther,
		"[$€-407] #,##0.00":             fmtOther,
		"mm:ss":                         fmtTimeSec,
	}
	for code, want := range tests {
		if got := classifyCode(code); got != want {
			t.Errorf("classifyCode(%q) = %v; want %v", code, got, want)
		}
	}
}

// threeSheets builds a workbook with sheets Eins, Zwei and Drei.
func threeSheets(t testing.TB, active int, hide string) []byte {
	return xlsxBytes(t, func(f *excelize.File) {
		must(t, f.SetSheetName("Sheet1", "Eins"))
		for _, s := range []string{"Zwei", "Drei"} {
			_, err := f.NewSheet(s)
			must(t, err)
		}
		for _, s := range []string{"Eins", "Zwei", "Drei"} {
			must(t, f.SetCellStr(s, "A1", "on "+s))
		}
		if hide != "" { // hide first: excelize does not hide the selected sheet
			must(t, f.SetSheetVisible(hide, false))
		}
		f.SetActiveSheet(active)
	})
}

func TestXLSXSheets(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		sheet  string
		want   string
		errMsg string
	}{
		{"active sheet", threeSheets(t, 1, ""), "", "Zwei", ""},
		{"hidden active sheet", threeSheets(t, 1, "Zwei"), "", "Eins", ""},
		{"by name", threeSheets(t, 0, ""), "Drei", "Drei", ""},
		{"by name, other case", threeSheets(t, 0, ""), "drei", "Drei", ""},
		{"hidden by name", threeSheets(t, 0, "Drei"), "Drei", "Drei", ""},
		{
			"unknown name", threeSheets(t, 0, ""), "Vier", "",
			`book.xlsx: has no sheet "Vier"; its sheets are "Eins", "Zwei", "Drei"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := OpenBytes("book.xlsx", tt.data, Options{Sheet: tt.sheet})
			if tt.errMsg != "" {
				if !errors.Is(err, ErrNoSuchSheet) || err.Error() != tt.errMsg {
					t.Fatalf("error %v; want %q", err, tt.errMsg)
				}
				return
			}
			must(t, err)
			defer f.Close()
			info := f.Info()
			if info.Sheet != tt.want || !reflect.DeepEqual(info.Sheets, []string{"Eins", "Zwei", "Drei"}) {
				t.Errorf("sheet %q of %q; want %q", info.Sheet, info.Sheets, tt.want)
			}
			var got []string
			for row, err := range f.Rows(context.Background()) {
				must(t, err)
				got = append(got, row.Cells...)
			}
			if want := []string{"on " + tt.want}; !reflect.DeepEqual(got, want) {
				t.Errorf("cells %q; want %q", got, want)
			}
		})
	}
}

// bigXLSX writes rows x cols cells of text with the StreamWriter.
func bigXLSX(t testing.TB, rows, cols int, cell func(r, c int) any) []byte {
	return xlsxBytes(t, func(f *excelize.File) {
		sw, err := f.NewStreamWriter("Sheet1")
		must(t, err)
		vals := make([]any, cols)
		for r := range rows {
			for c := range cols {
				vals[c] = cell(r, c)
			}
			name, _ := excelize.CoordinatesToCellName(1, r+1)
			must(t, sw.SetRow(name, vals))
		}
		must(t, sw.Flush())
	})
}

func TestXLSXLimits(t *testing.T) {
	data := bigXLSX(t, 10, 3, func(r, c int) any { return strings.Repeat("x", r+c) })
	_, err := ReadAll(context.Background(), writeFile(t, "l.xlsx", data), Options{MaxRows: 4}, nil)
	if !errors.Is(err, ErrTooManyRows) || err.Error() != "l.xlsx: row 5: has more than 4 rows" {
		t.Errorf("error %v; want too many rows", err)
	}
	_, err = ReadAll(context.Background(), writeFile(t, "l.xlsx", data), Options{MaxCellLen: 7}, nil)
	if !errors.Is(err, ErrCellTooLong) || err.Error() != "l.xlsx: row 7, column C: a cell is longer than 7 characters" {
		t.Errorf("error %v; want cell too long", err)
	}
}

func TestXLSXCancel(t *testing.T) {
	data := bigXLSX(t, 100, 2, func(r, c int) any { return r })
	f, err := OpenBytes("c.xlsx", data, Options{})
	must(t, err)
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := 0
	for _, err := range f.Rows(ctx) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v; want context.Canceled", err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d yields; want only the error", n)
	}
}

// TestXLSXLargeSheetTempFile reads a sheet larger than the 16 MB excelize
// keeps in memory (so it streams from a temporary file) and checks that
// Close removes the temporary files.
func TestXLSXLargeSheetTempFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cell := strings.Repeat("y", 1000)
	data := bigXLSX(t, 2200, 8, func(r, c int) any { return cell })
	f, err := OpenBytes("large.xlsx", data, Options{})
	must(t, err)
	n := 0
	for row, err := range f.Rows(context.Background()) {
		must(t, err)
		if len(row.Cells) != 8 || row.Cells[7] != cell {
			t.Fatalf("row %d: %d cells", row.Line, len(row.Cells))
		}
		n++
	}
	if n != 2200 {
		t.Errorf("%d rows; want 2200", n)
	}
	left, _ := os.ReadDir(tmp)
	if len(left) == 0 {
		t.Errorf("no temporary file while open: the sheet was not streamed from disk")
	}
	must(t, f.Close())
	left, _ = os.ReadDir(tmp)
	if len(left) != 0 {
		t.Errorf("temporary files left after Close: %v", left)
	}
}

func TestWriteXLSXRoundTrip(t *testing.T) {
	sheets := []Sheet{
		{Name: "Benutzer", Rows: [][]string{
			{"Externe ID", "Name", "Formel", "Notiz"},
			{"00123", "Jürgen Groß", "=1+2", " leading and trailing "},
			{"4915112345678", "", "'quoted", "two\nlines"},
			{"1.50", "Ann", "TRUE", "2026-01-15"},
		}},
		{Name: "Gruppen", Rows: [][]string{{"Gruppe"}, {"7a"}}},
	}
	var buf bytes.Buffer
	must(t, WriteXLSX(&buf, sheets))
	path := writeFile(t, "out.xlsx", buf.Bytes())
	for _, s := range sheets {
		tab := readAll(t, path, Options{Sheet: s.Name})
		var got [][]string
		for _, row := range tab.Rows {
			cells := append([]string(nil), row.Cells...)
			for len(cells) < len(s.Rows[0]) {
				cells = append(cells, "") // trailing empty cells are not stored
			}
			got = append(got, cells)
		}
		if !reflect.DeepEqual(got, s.Rows) {
			t.Errorf("sheet %s:\n%q\nwant\n%q", s.Name, got, s.Rows)
		}
		if s.Name == "Benutzer" && tab.Info.Sheet != "Benutzer" {
			t.Errorf("sheet %q read; want the first", tab.Info.Sheet)
		}
	}

	// The look: bold header, frozen first row, text format, column widths.
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	must(t, err)
	defer f.Close()
	for cell, bold := range map[string]bool{"A1": true, "A2": false} {
		id, err := f.GetCellStyle("Benutzer", cell)
		must(t, err)
		st, err := f.GetStyle(id)
		must(t, err)
		if st.NumFmt != 49 || (st.Font != nil && st.Font.Bold) != bold {
			t.Errorf("%s: numFmt %d, font %+v; want text, bold=%v", cell, st.NumFmt, st.Font, bold)
		}
	}
	formula, err := f.GetCellFormula("Benutzer", "C2")
	must(t, err)
	if formula != "" {
		t.Errorf("C2 has formula %q; want text", formula)
	}
	panes, err := f.GetPanes("Benutzer")
	must(t, err)
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v; want the first row frozen", panes)
	}
	wa, _ := f.GetColWidth("Benutzer", "A")
	wd, _ := f.GetColWidth("Benutzer", "D")
	if wa != 15 || wd != 24 {
		t.Errorf("widths A=%v D=%v; want 15 and 24", wa, wd)
	}
}

func TestWriteXLSXErrors(t *testing.T) {
	tests := map[string][]Sheet{
		"no sheets":      nil,
		"duplicate name": {{Name: "A"}, {Name: "a"}},
		"bad name":       {{Name: "a/b"}},
		"cell too long":  {{Rows: [][]string{{strings.Repeat("x", 32768)}}}},
	}
	for name, sheets := range tests {
		if err := WriteXLSX(&bytes.Buffer{}, sheets); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestXLSXWriterStreamsOneSheetLikeWriteXLSX(t *testing.T) {
	rows := [][]string{
		{"Externe ID", "Name", "Mobil"},
		{"000123", "Łukasiewicz", "+49 170 1234567"},
		{"'=x", "=1+2", ""},
	}
	xw, err := NewXLSXWriter("Users", ColumnWidths(rows[:1]))
	must(t, err)
	defer xw.Close()
	for _, r := range rows {
		must(t, xw.WriteRow(r))
	}
	var buf bytes.Buffer
	must(t, xw.Finish(&buf))
	tab := readAll(t, writeFile(t, "stream.xlsx", buf.Bytes()), Options{})
	var got [][]string
	for _, row := range tab.Rows {
		cells := append([]string(nil), row.Cells...)
		for len(cells) < 3 {
			cells = append(cells, "")
		}
		for i := range cells {
			cells[i] = UnguardCell(cells[i])
		}
		got = append(got, cells)
	}
	if !reflect.DeepEqual(got, rows) || tab.Info.Sheet != "Users" {
		t.Errorf("sheet %q:\n%q\nwant\n%q", tab.Info.Sheet, got, rows)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	must(t, err)
	defer f.Close()
	raw, _ := f.GetCellValue("Users", "A3")
	if raw != "''=x" {
		t.Errorf("A3 = %q; a value that looks guarded gets one more apostrophe", raw)
	}
	for cell, bold := range map[string]bool{"A1": true, "B2": false} {
		id, err := f.GetCellStyle("Users", cell)
		must(t, err)
		st, err := f.GetStyle(id)
		must(t, err)
		if st.NumFmt != 49 || (st.Font != nil && st.Font.Bold) != bold {
			t.Errorf("%s: numFmt %d, font %+v; want text, bold=%v", cell, st.NumFmt, st.Font, bold)
		}
	}
	if panes, _ := f.GetPanes("Users"); !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v; want the first row frozen", panes)
	}
	if w, _ := f.GetColWidth("Users", "A"); w != 12 {
		t.Errorf("width of A = %v; want 12 (from the widths given)", w)
	}
	if err := xw.WriteRow([]string{strings.Repeat("x", 32768)}); err == nil || !strings.Contains(err.Error(), "row 4, column A") {
		t.Errorf("a cell too long: %v", err)
	}
}
