package tabular

import "testing"

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+49 151": "'+49 151", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "'=x": "''=x", "'quoted": "'quoted", "O'Brien": "O'Brien",
		"Anna": "Anna", "": "", "a=b": "a=b", "'": "'",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnguardCellUndoesSafeCellAndTextCell(t *testing.T) {
	for in, want := range map[string]string{
		"'+49 170 1234567": "+49 170 1234567", "'=1+2": "=1+2", "'-2": "-2", "'@home": "@home", "'\tx": "\tx", "'\rx": "\rx",
		"''=x": "'=x", "'quoted": "'quoted", "'": "'", "''": "''", "'0123": "'0123", "+49": "+49", "": "",
	} {
		if got := UnguardCell(in); got != want {
			t.Errorf("UnguardCell(%q) = %q, want %q", in, got, want)
		}
	}
	for _, s := range []string{"=1+2", "+49 170", "-x", "@a", "\tx", "\rx", "'=x", "''=x", "'", "'a", "Anna", "", "00123"} {
		if got := UnguardCell(SafeCell(s)); got != s {
			t.Errorf("UnguardCell(SafeCell(%q)) = %q", s, got)
		}
		if got := UnguardCell(TextCell(s)); got != s {
			t.Errorf("UnguardCell(TextCell(%q)) = %q", s, got)
		}
	}
	if TextCell("=1+2") != "=1+2" || TextCell("+49") != "+49" || TextCell("'=x") != "''=x" {
		t.Errorf("TextCell guards a text cell: %q %q %q", TextCell("=1+2"), TextCell("+49"), TextCell("'=x"))
	}
}
