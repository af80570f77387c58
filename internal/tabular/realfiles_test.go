package tabular

import (
	"errors"
	"path/filepath"
	"testing"
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
