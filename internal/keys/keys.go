// Package keys generates and reads Onboard's registration keys: 25-symbol personal
// keys (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX) and 10-symbol invite keys, in Crockford's
// base32 alphabet from crypto/rand, the last symbol a check symbol.
//
// The check symbol works in GF(32), the field of 32 elements (reduction polynomial
// x^5+x^2+1, generator α = x). A key s_0 … s_{n-1} is valid when
// Σ α^i · s_i = 0. A single substitution adds α^i·e with e ≠ 0, never 0. Swapping
// different symbols x, y at positions i and j adds (α^i + α^j)(x + y), which is 0
// only if α^i = α^j; α has order 31 and keys have at most 25 symbols, so every
// transposition, adjacent or not, is caught.
package keys

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Alphabet is Crockford's base32: digits and capitals without I, L, O and U.
const Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Kind is a kind of key.
type Kind int

// The kinds of key.
const (
	Personal Kind = iota + 1 // one-time key of one pre-created user
	Invite                   // short multi-use key
)

// String names the kind as messages use it.
func (k Kind) String() string {
	if k == Invite {
		return "invite key"
	}
	return "personal key"
}

// symbols is how many symbols a key of the kind has, check symbol included.
func (k Kind) symbols() int {
	if k == Invite {
		return 10
	}
	return 25
}

// Sentinel errors; every ParseError unwraps to one of them.
var (
	ErrEmpty     = errors.New("key is empty")
	ErrLength    = errors.New("key has the wrong length")
	ErrCharacter = errors.New("key has a character that is not allowed")
	ErrCheck     = errors.New("key is mistyped")
)

// ParseError says why a typed key was refused.
type ParseError struct {
	Kind  Kind
	Input string
	Pos   int  // 1-based position (in characters) of the bad character; 0 if none
	Char  rune // the bad character
	Got   int  // symbols found, for ErrLength
	Want  int  // symbols expected, for ErrLength
	Err   error
}

func (e *ParseError) Error() string {
	switch e.Err {
	case ErrEmpty:
		return e.Kind.String() + " is empty"
	case ErrLength:
		return fmt.Sprintf("%s has %d symbols, expected %d", e.Kind, e.Got, e.Want)
	case ErrCharacter:
		return fmt.Sprintf("%s: character %q at position %d is not allowed (use 0-9 and A-Z without U)", e.Kind, e.Char, e.Pos)
	case ErrCheck:
		return e.Kind.String() + " is mistyped: the check symbol does not match (check for a swapped or wrong character)"
	}
	return e.Kind.String() + ": " + e.Err.Error()
}

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }

// GF(32) arithmetic through log and exp tables.
var (
	gfExp [62]byte
	gfLog [32]int
)

func init() {
	x := byte(1)
	for i := 0; i < 31; i++ {
		gfExp[i], gfExp[i+31] = x, x
		gfLog[x] = i
		x <<= 1
		if x&0x20 != 0 {
			x ^= 0x25 // x^5 = x^2 + 1
		}
	}
}

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[gfLog[a]+gfLog[b]]
}

// weightedSum is Σ α^i · s_i over the symbols' values.
func weightedSum(vals []byte) byte {
	var sum byte
	for i, v := range vals {
		sum ^= gfMul(gfExp[i%31], v)
	}
	return sum
}

// checkSymbol returns the value that makes data followed by it a valid key.
func checkSymbol(data []byte) byte {
	n := len(data) // the check symbol's position
	// α^n · c = sum  =>  c = sum · α^(31-n)
	return gfMul(weightedSum(data), gfExp[(31-n%31)%31])
}

// generate draws random symbols and appends the check symbol.
func generate(k Kind) ([]byte, error) {
	n := k.symbols()
	vals := make([]byte, n)
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return nil, fmt.Errorf("keys: random source: %w", err)
	}
	// Take 5 bits at a time from the random bytes: 24 symbols need 120 bits.
	var acc uint32
	bits, pos := 0, 0
	for i := 0; i < n-1; i++ {
		if bits < 5 {
			acc = acc<<8 | uint32(buf[pos])
			pos++
			bits += 8
		}
		vals[i] = byte(acc>>(bits-5)) & 31
		bits -= 5
	}
	vals[n-1] = checkSymbol(vals[:n-1])
	return vals, nil
}

// format writes symbol values as a key: personal keys in groups of five.
func format(k Kind, vals []byte) string {
	var b strings.Builder
	b.Grow(len(vals) + len(vals)/5)
	for i, v := range vals {
		if k == Personal && i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(Alphabet[v])
	}
	return b.String()
}

// NewPersonal returns a new personal key, XXXXX-XXXXX-XXXXX-XXXXX-XXXXX.
func NewPersonal() (string, error) { return newKey(Personal) }

// NewInvite returns a new 10-symbol invite key.
func NewInvite() (string, error) { return newKey(Invite) }

func newKey(k Kind) (string, error) {
	vals, err := generate(k)
	if err != nil {
		return "", err
	}
	return format(k, vals), nil
}

// symbolValue reads one typed character: case-insensitive, I and L as 1, O as 0.
func symbolValue(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r - '0'), true
	case r >= 'a' && r <= 'z':
		r -= 'a' - 'A'
	}
	switch r {
	case 'I', 'L':
		return 1, true
	case 'O':
		return 0, true
	}
	if i := strings.IndexRune(Alphabet[10:], r); i >= 0 {
		return byte(10 + i), true
	}
	return 0, false
}

// ignored are the separators a typed key may contain anywhere.
func ignored(r rune) bool {
	switch r {
	case ' ', '\t', '-', '\u00a0', '\u2212':
		return true
	}
	return r >= '\u2010' && r <= '\u2015'
}

// Parse reads a typed key of kind k and returns it in canonical form. It accepts
// lower case, missing or extra hyphens and spaces, and reads I and L as 1 and O as 0.
func Parse(k Kind, input string) (string, error) {
	fail := func(e *ParseError) (string, error) { e.Kind, e.Input = k, input; return "", e }
	vals := make([]byte, 0, k.symbols())
	pos := 0
	for _, r := range strings.TrimSpace(input) {
		pos++
		if ignored(r) {
			continue
		}
		v, ok := symbolValue(r)
		if !ok {
			return fail(&ParseError{Pos: pos + leadingRunes(input), Char: r, Err: ErrCharacter})
		}
		vals = append(vals, v)
	}
	switch {
	case len(vals) == 0:
		return fail(&ParseError{Err: ErrEmpty})
	case len(vals) != k.symbols():
		return fail(&ParseError{Got: len(vals), Want: k.symbols(), Err: ErrLength})
	case weightedSum(vals) != 0:
		return fail(&ParseError{Err: ErrCheck})
	}
	return format(k, vals), nil
}

// leadingRunes counts the whitespace runes TrimSpace removed from the front.
func leadingRunes(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			break
		}
		n++
	}
	return n
}

// Valid reports whether input parses as a key of kind k.
func Valid(k Kind, input string) bool {
	_, err := Parse(k, input)
	return err == nil
}
