package username

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckRefusesLookAlikesAndMarkup(t *testing.T) {
	for _, tc := range []struct {
		name, u string
		want    Reason
	}{
		{"Cyrillic а among Latin", "\u0430dmin", MixedScripts},
		{"Greek ο among Latin", "r\u03bfot", MixedScripts},
		{"Devanagari digit with Latin", "anna\u0967", MixedScripts},
		{"markup", "<script>", Character},
		{"fullwidth markup", "\uff1cscript\uff1e", Character},
		{"line feed", "ad\nmin", Character},
		{"carriage return", "ad\rmin", Character},
		{"NUL", "ad\x00min", Character},
		{"zero-width space", "ad\u200bmin", Character},
		{"zero-width joiner", "ad\u200dmin", Character},
		{"space", "ad min", Character},
		{"at sign", "ad@min", Character},
		{"mark without a letter", "\u0301ab", Character},
		{"three marks in a row", "a\u0301\u0302\u0303\u0304b", Character},
		{"Greek and Latin", "Ωmega", MixedScripts},
		{"empty", "", Empty},
		{"one letter", "a", TooShort},
		{"65 letters", strings.Repeat("a", 65), TooLong},
		{"mixed directions", "abc\u05d0", Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Check(tc.u)
			if e == nil || e.Reason != tc.want {
				t.Fatalf("Check(%q) = %+v, want reason %d", tc.u, e, tc.want)
			}
			if Problem(tc.u) == "" {
				t.Errorf("Problem(%q) is empty", tc.u)
			}
			if _, err := Normalize(tc.u); !errors.Is(err, ErrInvalid) {
				t.Errorf("Normalize(%q) err = %v", tc.u, err)
			}
		})
	}
}

func TestCheckAcceptsNamesOfManyScripts(t *testing.T) {
	for _, u := range []string{
		"admin", "ADMIN", "anna.mueller", "Müller", "Mu\u0308ller", "łukasz", "Ömer", "ñúñez", "İstanbul",
		"иван.петров", "γιώργος", "田中太郎", "tanaka太郎", "たなか", "김민준", "ab", strings.Repeat("a", 64),
		"user_2", "a-b.c", "हिन्दी", "\uff41dmin", "user\uff12",
	} {
		if e := Check(u); e != nil {
			t.Errorf("Check(%q) = %v", u, e)
		}
	}
}

func TestKeyFoldsLookAlikes(t *testing.T) {
	groups := [][]string{
		{"admin", "ADMIN", "Admin", "\uff41dmin", "\uff21\uff24\uff2d\uff29\uff2e", "adm\u0131n", "\u0430dmin", "\u0430dm\u0456n", "\u0430\u0501m\u0456n", " admin "},
		{"istanbul", "İstanbul", "ıstanbul"},
		{"strasse", "straße", "ſtraße"},
		{"ape", "\u0430\u0440\u0435"},
		{"root", "r\u03bf\u03bft"},
		{"müller", "Mu\u0308ller", "MÜLLER"},
	}
	for _, g := range groups {
		want := Key(g[0])
		for _, u := range g[1:] {
			if got := Key(u); got != want {
				t.Errorf("Key(%q) = %q, want %q as for %q", u, got, want, g[0])
			}
		}
	}
	// What stays apart.
	for _, pair := range [][2]string{{"muller", "müller"}, {"anna", "anna1"}, {"ali", "all"}, {"lars", "iars"}, {"иван", "ivan"}} {
		if Key(pair[0]) == Key(pair[1]) {
			t.Errorf("Key(%q) == Key(%q)", pair[0], pair[1])
		}
	}
	if Key("") != "" || Key("  ") != "" {
		t.Error("an empty username has a key")
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"ADMIN": "admin", "\uff21dmin": "admin", "Mu\u0308ller": "müller", "Anna.Mueller": "anna.mueller"} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestProblemNamesTheScripts(t *testing.T) {
	if got := Problem("\u0430dmin"); !strings.Contains(got, "Cyrillic") || !strings.Contains(got, "Latin") {
		t.Errorf("Problem = %q", got)
	}
	if got := Problem("ad<min"); !strings.Contains(got, "'<'") {
		t.Errorf("Problem = %q", got)
	}
}
