package natsort

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

func TestLess(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"Klasse 5a", "Klasse 10a"},
		{"Klasse 9j", "Klasse 10a"},
		{"5b", "5c"},
		{"5a", "5b"},
		{"2", "10"},
		{"a2", "a10"},
		{"x9y", "x10"},
		{"klasse 5a", "Klasse 5b"},  // case does not decide before the letters do
		{"Klasse 5A", "klasse 5b"},  // either way round
		{"Äpfel", "Banane"},         // an umlaut sorts with its base letter
		{"Apfel", "Äpfel"},          // and after it when all else is equal
		{"Äpfel", "Apfelbaum"},      // a shorter word first
		{"äpfel", "Öl"},             // lower-case umlauts too
		{"Ärzte", "Zahnärzte"},      // not after "Z" as its code point would put it
		{"Élodie", "Emil"},          // other accents
		{"Strasse", "Straße"},       // ß is its own letter, after s
		{"05", "5"},                 // equal values: the plain strings decide at the end
		{"007", "8"},                // leading zeros do not make a number larger
		{"Klasse 05a", "Klasse 5b"}, // and the letter after counts first
		{"", "a"},
		{"a", "a1"},
		{"1", "a"}, // digits before letters, as in ASCII
		{"Klasse 99999999999999999999999a", "Klasse 100000000000000000000000a"}, // no overflow
		{"12345678901234567890123456789", "12345678901234567890123456790"},
		{"0000000000000000000000000000001", "2"},
		{"ABC", "abc"}, // equal but for case: the plain strings decide
		{"Kelvin", "\u212Aelvin2"},
	} {
		if !Less(c.a, c.b) {
			t.Errorf("Less(%q, %q) = false, want true", c.a, c.b)
		}
		if Less(c.b, c.a) {
			t.Errorf("Less(%q, %q) = true, want false", c.b, c.a)
		}
		if Compare(c.a, c.b) != -1 || Compare(c.b, c.a) != 1 {
			t.Errorf("Compare(%q, %q) = %d, reverse %d", c.a, c.b, Compare(c.a, c.b), Compare(c.b, c.a))
		}
	}
	for _, s := range []string{"", "Klasse 5a", "Ä", "007"} {
		if Less(s, s) || Compare(s, s) != 0 {
			t.Errorf("%q is less than itself", s)
		}
	}
}

func TestStringsSortsClassesNaturally(t *testing.T) {
	var want []string
	for g := 1; g <= 12; g++ {
		for _, c := range "abcdefghij" {
			want = append(want, "Klasse "+itoa(g)+string(c))
		}
	}
	got := slices.Clone(want)
	rand.New(rand.NewSource(1)).Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
	Strings(got)
	if !slices.Equal(got, want) {
		t.Fatalf("sorted:\n%s\nwant:\n%s", strings.Join(got, ", "), strings.Join(want, ", "))
	}
	// The plain byte order would put "Klasse 10a" right after "Klasse 1j".
	if got[10] != "Klasse 2a" {
		t.Fatalf("got[10] = %q", got[10])
	}
}

// TestTotalOrder sorts the same strings from several orders: a total order
// always gives the same result, and it is transitive on every triple.
func TestTotalOrder(t *testing.T) {
	in := []string{"a1", "A1", "a01", "a001", "Ä1", "ä1", "a 1", "a1b", "a10", "A10", "a2", "", "0", "00", "1", "Straße", "strasse", "STRASSE", "Öl", "ol", "OL"}
	var first []string
	r := rand.New(rand.NewSource(7))
	for n := 0; n < 50; n++ {
		s := slices.Clone(in)
		r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		Strings(s)
		if first == nil {
			first = s
		} else if !slices.Equal(s, first) {
			t.Fatalf("two sorts differ:\n%q\n%q", first, s)
		}
	}
	for _, a := range in {
		for _, b := range in {
			for _, c := range in {
				if Less(a, b) && Less(b, c) && !Less(a, c) {
					t.Errorf("not transitive: %q < %q < %q", a, b, c)
				}
			}
			if a != b && Less(a, b) == Less(b, a) {
				t.Errorf("%q and %q are not ordered", a, b)
			}
		}
	}
}

func TestSliceIsStableByKey(t *testing.T) {
	type unit struct {
		name string
		id   int
	}
	s := []unit{{"Klasse 10a", 1}, {"Klasse 5a", 2}, {"klasse 5a", 3}, {"Klasse 5a", 4}, {"Klasse 2b", 5}}
	Slice(s, func(u unit) string { return u.name })
	var ids []int
	for _, u := range s {
		ids = append(ids, u.id)
	}
	// "Klasse 5a" before "klasse 5a" (bytes), and 2 before 4 (stable).
	if want := []int{5, 2, 4, 3, 1}; !slices.Equal(ids, want) {
		t.Fatalf("order %v, want %v", ids, want)
	}
}

func FuzzCompare(f *testing.F) {
	f.Add("Klasse 5a", "Klasse 10a")
	f.Add("Äpfel", "apfel")
	f.Add("007", "7")
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := Compare(a, b), Compare(b, a)
		if ab != -ba || (ab == 0) != (a == b) {
			t.Fatalf("Compare(%q, %q) = %d, reverse %d", a, b, ab, ba)
		}
	})
}

func itoa(n int) string {
	if n >= 10 {
		return itoa(n/10) + string(rune('0'+n%10))
	}
	return string(rune('0' + n))
}
