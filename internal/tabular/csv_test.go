package tabular

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// writeFile writes data to name in a fresh temporary folder and returns the
// path.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readAll reads the file at path with opt and fails the test on error.
func readAll(t testing.TB, path string, opt Options) *Table {
	t.Helper()
	tab, err := ReadAll(context.Background(), path, opt, nil)
	if err != nil {
		t.Fatalf("ReadAll(%s): %v", filepath.Base(path), err)
	}
	return tab
}

// openErr opens data (written to a file called name) and returns the error
// of Open or of the first failing row.
func openErr(t testing.TB, name string, data []byte, opt Options) error {
	t.Helper()
	_, err := ReadAll(context.Background(), writeFile(t, name, data), opt, nil)
	return err
}

func utf16le(s string, bom bool) []byte {
	pol := unicode.IgnoreBOM
	if bom {
		pol = unicode.UseBOM
	}
	b, err := unicode.UTF16(unicode.LittleEndian, pol).NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func utf16be(s string) []byte {
	b, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func win1252(s string) []byte {
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// rows builds expected rows: line numbers and cells alternate.
func rows(lineAndCells ...any) []Row {
	var out []Row
	for i := 0; i < len(lineAndCells); i += 2 {
		out = append(out, Row{Line: lineAndCells[i].(int), Cells: lineAndCells[i+1].([]string)})
	}
	return out
}

func TestCSV(t *testing.T) {
	umlauts := "Name;Straße;Betrag\nÄrger;Öl;€ 5\nüber;öde;ä ü Ü ß\n"
	tests := []struct {
		name     string
		data     []byte
		opt      Options
		enc      string
		delim    rune
		bom, sep bool
		want     []Row
	}{
		{
			name: "utf-8 comma", data: []byte("Vorname,Nachname\nJürgen,Groß\n"),
			enc: "utf-8", delim: ',',
			want: rows(1, []string{"Vorname", "Nachname"}, 2, []string{"Jürgen", "Groß"}),
		},
		{
			name: "utf-8 BOM quoted header", data: []byte("\uFEFF\"Vorname\";\"Nachname\"\r\nAnna;Ähm\r\n"),
			enc: "utf-8", delim: ';', bom: true,
			want: rows(1, []string{"Vorname", "Nachname"}, 2, []string{"Anna", "Ähm"}),
		},
		{
			name: "utf-16le BOM tab", data: utf16le("Name\tOrt\r\nÄnne\tKöln\r\n", true),
			enc: "utf-16le", delim: '\t', bom: true,
			want: rows(1, []string{"Name", "Ort"}, 2, []string{"Änne", "Köln"}),
		},
		{
			name: "utf-16be BOM semicolon", data: utf16be("Name;Ort\nÄnne;Köln\n"),
			enc: "utf-16be", delim: ';', bom: true,
			want: rows(1, []string{"Name", "Ort"}, 2, []string{"Änne", "Köln"}),
		},
		{
			name: "ragged semicolon rows", data: []byte("Vorname;Nachname;E-Mail\nAnna;Müller;a@x.org;;\nBen;Weber;b@x.org;extra\nCara;Cruz\n"),
			enc: "utf-8", delim: ';',
			want: rows(1, []string{"Vorname", "Nachname", "E-Mail"}, 2, []string{"Anna", "Müller", "a@x.org", "", ""},
				3, []string{"Ben", "Weber", "b@x.org", "extra"}, 4, []string{"Cara", "Cruz"}),
		},
		{
			name: "utf-16le without BOM", data: utf16le("Name,Ort\r\nÄnne,Köln €\r\n", false),
			enc: "utf-16le", delim: ',',
			want: rows(1, []string{"Name", "Ort"}, 2, []string{"Änne", "Köln €"}),
		},
		{
			name: "windows-1252", data: win1252(umlauts),
			enc: "windows-1252", delim: ';',
			want: rows(1, []string{"Name", "Straße", "Betrag"}, 2, []string{"Ärger", "Öl", "€ 5"},
				3, []string{"über", "öde", "ä ü Ü ß"}),
		},
		{
			name: "pipe", data: []byte("a|b|c\n1|2|3\n"), enc: "utf-8", delim: '|',
			want: rows(1, []string{"a", "b", "c"}, 2, []string{"1", "2", "3"}),
		},
		{
			name: "German decimals", data: []byte("Name;Betrag\nA;1,50\nB;2,75\n"), enc: "utf-8", delim: ';',
			want: rows(1, []string{"Name", "Betrag"}, 2, []string{"A", "1,50"}, 3, []string{"B", "2,75"}),
		},
		{
			name: "one column", data: []byte("Name\nAnna\n"), enc: "utf-8", delim: ',',
			want: rows(1, []string{"Name"}, 2, []string{"Anna"}),
		},
		{
			name: "sep= line", data: []byte("sep=;\nA;B\n1,5;2\n"), enc: "utf-8", delim: ';', sep: true,
			want: rows(2, []string{"A", "B"}, 3, []string{"1,5", "2"}),
		},
		{
			name: "quoted sep= line with CRLF", data: []byte("\"sep=|\"\r\nA|B\r\n1|2\r\n"), enc: "utf-8", delim: '|', sep: true,
			want: rows(2, []string{"A", "B"}, 3, []string{"1", "2"}),
		},
		{
			name: "sep=TAB line", data: []byte("sep=\t\r\nA\tB;C\r\n"), enc: "utf-8", delim: '\t', sep: true,
			want: rows(2, []string{"A", "B;C"}),
		},
		{
			name: "utf-16le BOM and sep= line", data: utf16le("sep=,\r\n\r\nA,B\r\n1,2\r\n", true),
			enc: "utf-16le", delim: ',', bom: true, sep: true,
			want: rows(3, []string{"A", "B"}, 4, []string{"1", "2"}),
		},
		{
			name: "sep= overridden by forced delimiter", data: []byte("sep=;\nA,B;C\n"),
			opt: Options{Delimiter: "comma"}, enc: "utf-8", delim: ',', sep: true,
			want: rows(2, []string{"A", "B;C"}),
		},
		{
			name: "quotes, delimiters and newlines in fields",
			data: []byte("id,text,note\n1,\"a,b\",\"he said \"\"hi\"\"\"\n2,\"line1\nline2\r\nline3\",x\n3,end,\n"),
			enc:  "utf-8", delim: ',',
			want: rows(1, []string{"id", "text", "note"}, 2, []string{"1", "a,b", `he said "hi"`},
				3, []string{"2", "line1\nline2\nline3", "x"}, 6, []string{"3", "end", ""}),
		},
		{
			name: "lazy quote in unquoted field", data: []byte("Artikel;Größe\nMonitor;5\" Zoll\n"), enc: "utf-8", delim: ';',
			want: rows(1, []string{"Artikel", "Größe"}, 2, []string{"Monitor", `5" Zoll`}),
		},
		{
			name: "blank lines skipped, lines kept", data: []byte("\na;b\n\n1;2\n ; \n;\n\n3;4"), enc: "utf-8", delim: ';',
			want: rows(2, []string{"a", "b"}, 4, []string{"1", "2"}, 8, []string{"3", "4"}),
		},
		{
			name: "ragged rows", data: []byte("a,b,c\n1\n1,2,3,4\n"), enc: "utf-8", delim: ',',
			want: rows(1, []string{"a", "b", "c"}, 2, []string{"1"}, 3, []string{"1", "2", "3", "4"}),
		},
		{
			name: "spaces kept", data: []byte("a; b \n  x ;y  \n"), enc: "utf-8", delim: ';',
			want: rows(1, []string{"a", " b "}, 2, []string{"  x ", "y  "}),
		},
		{
			name: "CR line ends", data: []byte("a;b\r1;\"x\ry\"\r3;4\r"), enc: "utf-8", delim: ';',
			want: rows(1, []string{"a", "b"}, 2, []string{"1", "x\ny"}, 4, []string{"3", "4"}),
		},
		{
			name: "forced windows-1252 on utf-8", data: []byte("a;ä\n"), opt: Options{Encoding: "windows-1252"},
			enc: "windows-1252", delim: ';', want: rows(1, []string{"a", "Ã¤"}),
		},
		{
			name: "forced utf-8 keeps BOM stripped", data: []byte("\uFEFFa;b\n"), opt: Options{Encoding: "UTF-8"},
			enc: "utf-8", delim: ';', bom: true, want: rows(1, []string{"a", "b"}),
		},
		{
			name: "forced utf-16 guesses big-endian", data: utf16be("a;b\n")[2:], opt: Options{Encoding: "utf-16"},
			enc: "utf-16be", delim: ';', want: rows(1, []string{"a", "b"}),
		},
		{
			name: "forced delimiter", data: []byte("a;b,c\n1;2,3\n"), opt: Options{Delimiter: "comma"},
			enc: "utf-8", delim: ',', want: rows(1, []string{"a;b", "c"}, 2, []string{"1;2", "3"}),
		},
		{
			name: "forced delimiter character", data: []byte("a§b\n"), opt: Options{Delimiter: "§"},
			enc: "utf-8", delim: '§', want: rows(1, []string{"a", "b"}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := readAll(t, writeFile(t, "users.csv", tt.data), tt.opt)
			info := tab.Info
			if info.Format != FormatCSV || info.Encoding != tt.enc || info.Delimiter != tt.delim ||
				info.BOM != tt.bom || info.SepLine != tt.sep || info.Name != "users.csv" {
				t.Errorf("info = %+v; want csv %s %q bom=%v sep=%v", info, tt.enc, tt.delim, tt.bom, tt.sep)
			}
			if !reflect.DeepEqual(tab.Rows, tt.want) {
				t.Errorf("rows =\n%+v\nwant\n%+v", tab.Rows, tt.want)
			}
		})
	}
}

func TestCSVPreview(t *testing.T) {
	data := utf16le("sep=;\r\nA;B\r\n\r\n1;2\r3;4\n", true)
	f, err := OpenBytes("x.csv", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{"sep=;", "A;B", "", "1;2", "3;4"}
	if got := f.Info().Preview; !reflect.DeepEqual(got, want) {
		t.Errorf("preview = %q; want %q", got, want)
	}
	var lines []string
	for i := range 25 {
		lines = append(lines, strings.Repeat("x", i+1)+";y")
	}
	f2, err := OpenBytes("x.csv", []byte(strings.Join(lines, "\n")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if got := f2.Info().Preview; !reflect.DeepEqual(got, lines[:10]) {
		t.Errorf("preview = %q; want the first 10 lines", got)
	}
}

// TestCSVLateUmlaut: a file whose first non-ASCII byte is far past the
// detection sample is still decoded in the right encoding.
func TestCSVLateUmlaut(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Name;Ort\n")
	for b.Len() < 3*sampleSize {
		b.WriteString("Meier;Berlin\n")
	}
	b.WriteString("Müller;Köln\n")
	for _, tt := range []struct{ enc, text string }{{"windows-1252", "Müller"}, {"utf-8", "Müller"}} {
		data := b.Bytes()
		if tt.enc == "windows-1252" {
			data = win1252(b.String())
		}
		tab := readAll(t, writeFile(t, "late.csv", data), Options{})
		last := tab.Rows[len(tab.Rows)-1]
		if tab.Info.Encoding != tt.enc || last.Cells[0] != tt.text {
			t.Errorf("%s: encoding %s, last row %q", tt.enc, tab.Info.Encoding, last.Cells)
		}
	}
}

func TestCSVRowsRestart(t *testing.T) {
	f, err := Open(writeFile(t, "a.csv", []byte("a;b\n1;2\n3;4\n")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for range 2 {
		n := 0
		for row, err := range f.Rows(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 && row.Cells[0] != "a" {
				t.Fatalf("first row %q: Rows did not start from the top", row.Cells)
			}
			n++
		}
		if n != 3 {
			t.Fatalf("got %d rows; want 3", n)
		}
	}
	f.Close()
	for _, err := range f.Rows(context.Background()) {
		if !errors.Is(err, fs.ErrClosed) {
			t.Errorf("after Close: %v; want fs.ErrClosed", err)
		}
	}
}

func TestCSVCancel(t *testing.T) {
	var b strings.Builder
	for range 1000 {
		b.WriteString("a;b\n")
	}
	f, err := OpenBytes("big.csv", []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range f.Rows(ctx) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 10 {
			cancel()
		}
	}
	if n != 10 || !errors.Is(last, context.Canceled) {
		t.Errorf("read %d rows, error %v; want 10 rows then context.Canceled", n, last)
	}
}

func TestCSVLimits(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		opt     Options
		sent    error
		message string
	}{
		{
			"too many rows", "a\nb\n\nc\nd\n",
			Options{MaxRows: 3},
			ErrTooManyRows, "rows.csv: line 5: has more than 3 rows",
		},
		{
			"cell too long", "a;b;c\n1;2;äöüäöü\n",
			Options{MaxCellLen: 5},
			ErrCellTooLong, "rows.csv: line 2, column 3: a cell is longer than 5 characters",
		},
		{"cell of 5 umlauts is not too long", "a;b;c\n1;2;äöüäö\n", Options{MaxCellLen: 5}, nil, ""},
		{
			"quote never closed", "a;b\n1;\"x\n2;3\n4;5\n",
			Options{MaxCellLen: 5},
			ErrTruncated, "rows.csv: line 2: a quoted value begins here, but the file ends before its closing quote (\"); " +
				"the file is cut off (an interrupted download or copy?): get the whole file again",
		},
		{
			"file too large", strings.Repeat("a;b\n", 100),
			Options{MaxFileSize: 100},
			ErrTooLarge, "rows.csv: is 400 bytes; files over 100 bytes are not read",
		},
		{
			"file too large in MB", strings.Repeat("a;b\n", 5<<17),
			Options{MaxFileSize: 1 << 20},
			ErrTooLarge, "rows.csv: is 2.5 MB; files over 1 MB are not read",
		},
		{"negative limit means default", "a", Options{MaxFileSize: -1}, nil, ""},
		{
			"NUL inside the file", "a;b\n" + strings.Repeat("x;y\n", 20000) + "1;\x002\n",
			Options{},
			ErrNotTable, "rows.csv: line 20002, column 2: contains a NUL character; the file is binary or in another encoding",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := openErr(t, "rows.csv", []byte(tt.data), tt.opt)
			if tt.sent == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var e *Error
			if !errors.Is(err, tt.sent) || !errors.As(err, &e) || err.Error() != tt.message {
				t.Errorf("error %v;\nwant %q (%v)", err, tt.message, tt.sent)
			}
		})
	}
}

func TestCSVRecordGuard(t *testing.T) {
	data := "a;b\n1;\"" + strings.Repeat("x", maxRecordBytes+100<<10)
	err := openErr(t, "open.csv", []byte(data), Options{MaxCellLen: 1 << 30})
	if !errors.Is(err, ErrCellTooLong) || !strings.Contains(err.Error(), "after line 1, a record is longer than 16 MB") {
		t.Errorf("error %v; want a record too long after line 1", err)
	}
}

func TestOptionErrors(t *testing.T) {
	for _, opt := range []Options{{Encoding: "latin-2"}, {Delimiter: "ab"}, {Delimiter: `"`}} {
		_, err := OpenBytes("a.csv", []byte("a;b\n"), opt)
		var e *Error
		if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "a.csv: unknown ") {
			t.Errorf("%+v: error %v; want unknown encoding/delimiter", opt, err)
		}
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope.csv"), Options{})
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != "nope.csv: does not exist" {
		t.Errorf("error %v; want nope.csv: does not exist", err)
	}
	_, err = Open(t.TempDir(), Options{})
	if !errors.Is(err, ErrNotTable) || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("error %v; want is a folder", err)
	}
}

func TestReadAllProgress(t *testing.T) {
	var b strings.Builder
	for i := range 12000 {
		b.WriteString("a;")
		b.WriteString(strings.Repeat("b", i%7))
		b.WriteString("\n")
	}
	var calls []int
	tab, err := ReadAll(context.Background(), writeFile(t, "p.csv", []byte(b.String())), Options{},
		func(n int) { calls = append(calls, n) })
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{5000, 10000, 12000}; len(tab.Rows) != 12000 || !reflect.DeepEqual(calls, want) {
		t.Errorf("%d rows, progress %v; want 12000 rows, %v", len(tab.Rows), calls, want)
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{
			&Error{File: "users.csv", Line: 12, Column: 3, Msg: "a cell is longer than 10000 characters"},
			"users.csv: line 12, column 3: a cell is longer than 10000 characters",
		},
		{&Error{File: "users.csv", Msg: "is empty"}, "users.csv: is empty"},
		{&Error{Line: 4, Err: ErrTooManyRows}, "line 4: tabular: too many rows"},
		{&Error{File: "a.xlsx", Line: 7, Column: 28, Msg: "x", xlsx: true}, "a.xlsx: row 7, column AB: x"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
}
