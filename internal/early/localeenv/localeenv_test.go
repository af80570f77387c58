package localeenv

import "testing"

func TestIsC(t *testing.T) {
	for v, want := range map[string]bool{
		"C": true, "C.UTF-8": true, "POSIX": true, "C@euro": true,
		"de_DE.UTF-8": false, "en_US": false, "Cy_GB": false,
	} {
		if IsC(v) != want {
			t.Errorf("IsC(%q) = %v", v, !want)
		}
	}
}
