package tabular

import "testing"

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+49 151": "'+49 151", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)",
		"Anna": "Anna", "": "", "a=b": "a=b",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
