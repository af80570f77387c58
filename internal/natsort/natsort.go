// Package natsort orders strings the way people read them: case does not matter,
// accented letters sort beside their base letter, and runs of digits compare by
// their numeric value, so "Klasse 5a" comes before "Klasse 10a".
//
// The order is total: strings that compare equal ignoring case, accents and
// leading zeros are ordered by their accents and case, then by their bytes, so
// sorting gives the same result whatever the input order.
package natsort

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Less reports whether a sorts before b in natural order.
func Less(a, b string) bool { return Compare(a, b) < 0 }

// Compare returns -1 if a sorts before b, +1 if after and 0 only if a == b.
func Compare(a, b string) int {
	if c := compare(a, b, baseLetter); c != 0 {
		return c
	}
	if c := compare(a, b, foldRune); c != 0 {
		return c
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Strings sorts s in place in natural order.
func Strings(s []string) { slices.SortFunc(s, Compare) }

// Slice sorts s in place by the natural order of key(x). The sort is stable:
// elements with the same key keep their order.
func Slice[T any](s []T, key func(T) string) {
	type keyed struct {
		key string
		x   T
	}
	ks := make([]keyed, len(s))
	for i, x := range s {
		ks[i] = keyed{key(x), x}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return Compare(a.key, b.key) })
	for i := range ks {
		s[i] = ks[i].x
	}
}

// compare walks a and b together: runs of ASCII digits compare by value, every
// other rune by mapped.
func compare(a, b string, mapped func(rune) rune) int {
	for a != "" && b != "" {
		if isDigit(a[0]) && isDigit(b[0]) {
			da, db := digits(a), digits(b)
			if c := compareNumbers(a[:da], b[:db]); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ma, mb := mapped(ra), mapped(rb); ma != mb {
			if ma < mb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b != "":
		return -1
	case a != "" && b == "":
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// digits is the length of the run of ASCII digits at the start of s.
func digits(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

// compareNumbers compares two runs of digits by value, however long they are:
// without leading zeros the longer run is the larger number, and runs of the
// same length compare digit by digit.
func compareNumbers(a, b string) int {
	a, b = trimZeros(a), trimZeros(b)
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// foldRune is the case-folded form of r: the same rune for every case of a letter
// (the lower case of the smallest rune of its Unicode folding orbit, so "K", "k"
// and the Kelvin sign all fold to "k").
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	low := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		low = min(low, f)
	}
	return unicode.ToLower(low)
}

// baseLetter is the folded base letter of r, without accents: "Ä" and "ä" give
// "a".
func baseLetter(r rune) rune {
	if r >= utf8.RuneSelf {
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		if d := norm.NFD.Bytes(buf[:n]); len(d) > 0 {
			if base, _ := utf8.DecodeRune(d); base != utf8.RuneError {
				r = base
			}
		}
	}
	return foldRune(r)
}
