package tabular

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// realFile is the path of a file in testdata/imports, written by real software
// (see scripts/make-import-testdata.sh).
func realFile(name string) string {
	return filepath.Join("..", "..", "testdata", "imports", name)
}

// A CSV cut off inside a quoted value (an interrupted download of a LibreOffice
// export whose last note spans two lines) is refused, naming the line where the
// quote opens (line 5); before, the rows above were read and the last one kept half its
// note.
func TestCSVCutOffInsideQuotesIsRefused(t *testing.T) {
	_, err := ReadAll(t.Context(), realFile("truncated.csv"), Options{}, nil)
	var te *Error
	if !errors.As(err, &te) || !errors.Is(err, ErrTruncated) || te.Line != 5 {
		t.Fatalf("err = %v; want ErrTruncated on line 5", err)
	}
	want := "truncated.csv: line 5: a quoted value begins here, but the file ends before its closing quote (\"); " +
		"the file is cut off (an interrupted download or copy?): get the whole file again"
	if err.Error() != want {
		t.Errorf("message %q\nwant    %q", err, want)
	}
	for _, tc := range []struct{ name, data string }{
		{"closed at the end", "a;b\n1;\"x\ny\""},
		{"doubled quotes", "a;b\n1;\"say \"\"hi\"\"\"\n"},
		{"bare quote in an unquoted field", "a;b\n1;5\" Zoll\n"},
		{"lazy bare quote inside quotes", "a;b\n1;\"5\" Zoll\"\n"},
	} {
		f, err := OpenBytes("ok.csv", []byte(tc.data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range f.Rows(t.Context()) {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		f.Close()
	}
	for _, data := range []string{"a;b\n1;\"x\n", "a;b\r\n1;\"x\"\"\r\n", "\"sep=;\"\na;b\n1;2\n3;\"x;y"} {
		f, err := OpenBytes("cut.csv", []byte(data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var last error
		for _, err := range f.Rows(t.Context()) {
			last = err
		}
		if !errors.Is(last, ErrTruncated) {
			t.Errorf("%q: %v, want ErrTruncated", data, last)
		}
		f.Close()
	}
}

// The code pages of old Mac Excel, Excel's "CSV (MS-DOS)" and Unix tools are
// told apart by which reading gives plausible names, in files LibreOffice saved
// in each; before, all of them were read as Windows-1252 ("MŸller", "J”rg").
// IBM437 and IBM850 put every letter of the list on the same bytes, so they read
// it the same (IBM850 is named); ISO-8859-15 differs from Windows-1252 in the
// euro sign.
func TestCSVSingleByteEncodingsAreTold(t *testing.T) {
	for _, tc := range []struct{ file, enc, note string }{
		{"mac-roman.csv", "macintosh", "Sprecher"},
		{"ibm850.csv", "ibm850", "Sprecher"},
		{"ibm437.csv", "ibm850", "Sprecher"},
		{"iso-8859-15.csv", "iso-8859-15", "Kasse 5 €"},
		{"windows-1252.csv", "windows-1252", "Sprecher"},
		{"utf-8.csv", "utf-8", "Sprecher"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			tab, err := ReadAll(t.Context(), realFile(tc.file), Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := [][]string{
				{"Vorname", "Nachname", "E-Mail", "Klasse", "Notiz"},
				{"Jörg", "Müller", "joerg.mueller@schule.example", "5a", tc.note},
				{"Änne", "Weiß", "aenne.weiss@schule.example", "5a", ""},
				{"Élodie", "Façade", "elodie.facade@schule.example", "5b", ""},
				{"Søren", "Åkesson", "soeren.akesson@schule.example", "5b", ""},
				{"Zoë", "Brontë", "zoe.bronte@schule.example", "5b", "Ärztin: Dr. Öz"},
			}
			if tc.file == "ibm437.csv" {
				want[4][0] = "S?ren" // IBM437 has no ø: LibreOffice wrote "?"
			}
			if tab.Info.Encoding != tc.enc || len(tab.Rows) != len(want) {
				t.Fatalf("encoding %s, %d rows; want %s, %d", tab.Info.Encoding, len(tab.Rows), tc.enc, len(want))
			}
			for i, w := range want {
				if !slices.Equal(tab.Rows[i].Cells, w) {
					t.Errorf("line %d = %q, want %q", i+1, tab.Rows[i].Cells, w)
				}
			}
			// Forcing the encoding reads the same.
			forced, err := ReadAll(t.Context(), realFile(tc.file), Options{Encoding: tc.enc}, nil)
			if err != nil || !slices.Equal(forced.Rows[1].Cells, want[1]) {
				t.Errorf("forced %s: %v %v", tc.enc, err, forced)
			}
		})
	}
	// One letter that two code pages read as different plausible letters: the file
	// is refused, naming both readings.
	mac, _ := charmap.Macintosh.NewEncoder().String("Vorname;Nachname\nJörg;Schmidt\n")
	err := openErr(t, "jörg.csv", []byte(mac), Options{})
	want := `jörg.csv: its text encoding is unclear: it reads as Mac Roman ("Jörg") or as Windows-1252 ("Jšrg"); ` +
		"save it as “CSV UTF-8” in Excel or LibreOffice, or choose the encoding"
	if err == nil || err.Error() != want {
		t.Errorf("ambiguous file: %v\nwant %s", err, want)
	}
	tab, err := ReadAll(t.Context(), writeFile(t, "jörg.csv", []byte(mac)), Options{Encoding: "mac"}, nil)
	if err != nil || tab.Rows[1].Cells[0] != "Jörg" {
		t.Errorf("forced Mac Roman: %v %v", err, tab)
	}
}

// A file of two exports pasted together, UTF-8 lines and then Windows-1252 lines,
// is refused at the first line that does not fit (line 7); so is a UTF-8 file
// with Windows-1252 lines far past the detection sample, and a Windows-1252 file
// with UTF-8 lines. Before, the Windows-1252 part was stored with U+FFFD for its
// umlauts.
func TestCSVMixedEncodingsAreRefused(t *testing.T) {
	_, err := ReadAll(t.Context(), realFile("mixed-utf8-1252.csv"), Options{}, nil)
	want := "mixed-utf8-1252.csv: line 7: this line is not UTF-8 like the lines above it: the file mixes two text encodings " +
		"(two exports pasted together?); save each part as “CSV UTF-8” and join them again"
	if err == nil || err.Error() != want {
		t.Errorf("mixed: %v\nwant %s", err, want)
	}
	var b strings.Builder
	b.WriteString("Name;Ort\nMüller;Köln\n")
	for b.Len() < 2*sampleSize {
		b.WriteString("Meier;Berlin\n")
	}
	lines := strings.Count(b.String(), "\n")
	late := append([]byte(b.String()), win1252("Weiß;Jülich\r\n")...)
	_, err = ReadAll(t.Context(), writeFile(t, "late.csv", late), Options{}, nil)
	var te *Error
	if !errors.As(err, &te) || te.Line != lines+1 || !strings.Contains(err.Error(), "not UTF-8 like the lines above") {
		t.Errorf("late Windows-1252 line: %v; want line %d", err, lines+1)
	}
	// Forced UTF-8 on a Windows-1252 file: refused (it was read with U+FFFD).
	_, err = ReadAll(t.Context(), writeFile(t, "w.csv", win1252("a;ä\n")), Options{Encoding: "utf-8"}, nil)
	if err == nil || err.Error() != "w.csv: line 1: this line is not valid UTF-8; choose the file's encoding, or save it as “CSV UTF-8”" {
		t.Errorf("forced UTF-8 on Windows-1252: %v", err)
	}
	rev := append(win1252("Name;Ort\r\nWeiß;Jülich\r\n"), "Müller;Köln\r\n"...)
	_, err = ReadAll(t.Context(), writeFile(t, "rev.csv", rev), Options{}, nil)
	if !errors.As(err, &te) || te.Line != 3 || !strings.Contains(err.Error(), "this line is UTF-8, but the lines above it are Windows-1252") {
		t.Errorf("UTF-8 line in a Windows-1252 file: %v", err)
	}
	if tab, err := ReadAll(t.Context(), writeFile(t, "rev.csv", rev), Options{Encoding: "windows-1252"}, nil); err != nil || tab.Rows[2].Cells[0] != "MÃ¼ller" {
		t.Errorf("a forced encoding reads every line in it: %v", err)
	}
}

// A workbook whose first tab is a chart sheet, or an empty cover sheet, is read
// from the first sheet with data, and Info says which sheets were passed over;
// before, the chart sheet was read and the file had no rows.
func TestXLSXFirstSheetWithData(t *testing.T) {
	for _, tc := range []struct{ file, sheet, skipped string }{
		{"chartfirst.xlsx", "Liste", "Diagramm"},
		{"emptyfirst.xlsx", "Schüler", "Deckblatt"},
	} {
		tab, err := ReadAll(t.Context(), realFile(tc.file), Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tab.Info.Sheet != tc.sheet || !slices.Equal(tab.Info.Skipped, []string{tc.skipped}) ||
			len(tab.Rows) < 2 || tab.Rows[1].Cells[0] != "Anna" {
			t.Errorf("%s: sheet %q, skipped %q, rows %v", tc.file, tab.Info.Sheet, tab.Info.Skipped, tab.Rows)
		}
		// Asked for by name, the empty sheet is read (and has no rows).
		tab, err = ReadAll(t.Context(), realFile(tc.file), Options{Sheet: tc.skipped}, nil)
		if err != nil || len(tab.Rows) != 0 || len(tab.Info.Skipped) != 0 {
			t.Errorf("%s, sheet %s asked for: %v %v", tc.file, tc.skipped, err, tab)
		}
	}
}

// Files named .xls that are an HTML table (a web page LibreOffice wrote) or an
// Excel 2003 XML spreadsheet (LibreOffice's "MS Excel 2003 XML") are read as the
// tables they hold; before, their markup was read as CSV lines. A real Excel
// 97–2003 file (BIFF8 by LibreOffice) is refused with what to do.
func TestXLSNamedFilesThatAreMarkup(t *testing.T) {
	want := [][]string{
		{"Vorname", "Nachname", "E-Mail", "Klasse", "Notiz"},
		{"Jörg", "Müller", "joerg.mueller@schule.example", "5a", "Sprecher"},
		{"Änne", "Weiß", "aenne.weiss@schule.example", "5a"},
	}
	for _, tc := range []struct {
		file   string
		format Format
		sheet  string
	}{
		{"html-table.xls", FormatHTML, "Table 1"},
		{"excel2003.xls", FormatXML2003, "list"},
	} {
		tab, err := ReadAll(t.Context(), realFile(tc.file), Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tab.Info.Format != tc.format || tab.Info.Sheet != tc.sheet || len(tab.Rows) != 6 {
			t.Fatalf("%s: %s, sheet %q, %d rows", tc.file, tab.Info.Format, tab.Info.Sheet, len(tab.Rows))
		}
		for i, w := range want {
			got := tab.Rows[i].Cells
			if len(got) > len(w) && isBlank(got[len(w):]) {
				got = got[:len(w)] // an empty last cell
			}
			if !slices.Equal(got, w) || tab.Rows[i].Line != i+1 {
				t.Errorf("%s row %d = %q, want %q", tc.file, tab.Rows[i].Line, tab.Rows[i].Cells, w)
			}
		}
	}
	_, err := ReadAll(t.Context(), realFile("biff8.xls"), Options{}, nil)
	if err == nil || err.Error() != "biff8.xls: is an old Excel 97–2003 .xls file; save it as .xlsx or CSV" {
		t.Errorf("BIFF8: %v", err)
	}
}

// What web applications write by hand: a table with th, colspan, br and an error
// value.
func TestHTMLTableCells(t *testing.T) {
	f, err := OpenBytes("export.xls", []byte(`<table><tr><th>Vorname</th><th>Nachname</th><th colspan="2">Kontakt</th></tr>`+
		"<tr><td> Anna </td><td>M&uuml;ller</td><td>a@x.org<br>privat</td><td>#N/A</td></tr></table>"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []Row
	for r, err := range f.Rows(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 2 || !slices.Equal(rows[0].Cells, []string{"Vorname", "Nachname", "Kontakt", ""}) ||
		!slices.Equal(rows[1].Cells, []string{"Anna", "Müller", "a@x.org\nprivat", "#N/A"}) {
		t.Errorf("hand-written HTML: %+v", rows)
	}
}

// An XML spreadsheet with an empty sheet first, skipped cells and rows, merged
// cells and a date.
func TestXML2003Cells(t *testing.T) {
	xmlss := `<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">` +
		`<Worksheet ss:Name="Leer"><Table/></Worksheet><Worksheet ss:Name="Schüler"><Table><Row><Cell><Data ss:Type="String">Vorname</Data></Cell><Cell ss:Index="3"><Data ss:Type="String">Gültig bis</Data></Cell></Row>` +
		`<Row ss:Index="4"><Cell ss:MergeAcross="1"><Data ss:Type="String">Anna</Data></Cell><Cell><Data ss:Type="DateTime">2027-01-31T00:00:00.000</Data></Cell></Row></Table></Worksheet></Workbook>`
	tab, err := ReadAll(t.Context(), writeFile(t, "x.xls", []byte(xmlss)), Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Info.Sheet != "Schüler" || !slices.Equal(tab.Info.Skipped, []string{"Leer"}) || len(tab.Rows) != 2 ||
		!slices.Equal(tab.Rows[0].Cells, []string{"Vorname", "", "Gültig bis"}) || tab.Rows[1].Line != 4 ||
		!slices.Equal(tab.Rows[1].Cells, []string{"Anna", "", "2027-01-31"}) {
		t.Errorf("XML spreadsheet: %+v", tab)
	}
}
