package keys

import (
	"errors"
	"strings"
	"testing"
)

func TestNoDuplicatesInAMillionPersonalKeys(t *testing.T) {
	const n = 1_000_000
	seen := make(map[[25]byte]struct{}, n)
	for i := 0; i < n; i++ {
		k, err := NewPersonal()
		if err != nil {
			t.Fatal(err)
		}
		if len(k) != 29 || k[5] != '-' || k[11] != '-' || k[17] != '-' || k[23] != '-' {
			t.Fatalf("malformed key %q", k)
		}
		var compact [25]byte
		copy(compact[:], strings.ReplaceAll(k, "-", ""))
		if _, dup := seen[compact]; dup {
			t.Fatalf("duplicate key %s after %d keys", k, i)
		}
		seen[compact] = struct{}{}
		if i%50_000 == 0 && !Valid(Personal, k) {
			t.Fatalf("generated key %s does not parse", k)
		}
	}
}

func TestEveryGeneratedKeyParses(t *testing.T) {
	for i := 0; i < 2000; i++ {
		for _, kind := range []Kind{Personal, Invite} {
			k, err := newKey(kind)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(kind, k)
			if err != nil || got != k {
				t.Fatalf("Parse(%q) = %q, %v", k, got, err)
			}
		}
	}
	inv, _ := NewInvite()
	if len(inv) != 10 || strings.Contains(inv, "-") {
		t.Fatalf("invite key %q", inv)
	}
}

// symbolsOf returns the canonical symbols of a key without hyphens.
func symbolsOf(k string) []byte { return []byte(strings.ReplaceAll(k, "-", "")) }

func TestEverySubstitutionAndTranspositionIsRejected(t *testing.T) {
	for _, kind := range []Kind{Personal, Invite} {
		for n := 0; n < 200; n++ {
			k, _ := newKey(kind)
			syms := symbolsOf(k)
			for i := range syms {
				for _, c := range []byte(Alphabet) {
					if c == syms[i] {
						continue
					}
					bad := append([]byte(nil), syms...)
					bad[i] = c
					if _, err := Parse(kind, string(bad)); !errors.Is(err, ErrCheck) {
						t.Fatalf("%s with %c at %d: %v, want ErrCheck", k, c, i, err)
					}
				}
				if i+1 < len(syms) && syms[i] != syms[i+1] {
					bad := append([]byte(nil), syms...)
					bad[i], bad[i+1] = bad[i+1], bad[i]
					if _, err := Parse(kind, format(kind, valuesOf(bad))); !errors.Is(err, ErrCheck) {
						t.Fatalf("%s with %d,%d swapped: %v, want ErrCheck", k, i, i+1, err)
					}
				}
			}
		}
	}
}

func valuesOf(syms []byte) []byte {
	out := make([]byte, len(syms))
	for i, s := range syms {
		out[i] = byte(strings.IndexByte(Alphabet, s))
	}
	return out
}

// keyWith returns a valid personal key whose first symbols are prefix.
func keyWith(prefix string) string {
	vals := valuesOf([]byte(prefix + strings.Repeat("7", 24-len(prefix))))
	return format(Personal, append(vals, checkSymbol(vals)))
}

func TestParseIsForgiving(t *testing.T) {
	k := keyWith("10AB1")
	compact := strings.ReplaceAll(k, "-", "")
	for _, in := range []string{
		k,
		strings.ToLower(k),
		compact,
		"  " + k + "\t",
		strings.Join(strings.Split(compact, ""), " "),
		strings.ReplaceAll(k, "-", "--"),
		"IOAB" + k[4:],                       // I read as 1, O as 0
		"lOab" + k[4:],                       // l read as 1, lower case
		strings.ReplaceAll(k, "-", "\u2013"), // en dashes from a word processor
		strings.ReplaceAll(k, "-", "\u00a0"), // non-breaking spaces
	} {
		got, err := Parse(Personal, in)
		if err != nil || got != k {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, k)
		}
	}
}

func TestParseErrors(t *testing.T) {
	k := keyWith("")
	cases := []struct {
		kind  Kind
		input string
		err   error
		check func(*ParseError) bool
		msg   string
	}{
		{Personal, "", ErrEmpty, nil, "personal key is empty"},
		{Personal, " - - ", ErrEmpty, nil, "personal key is empty"},
		{Personal, k[:28], ErrLength, func(e *ParseError) bool { return e.Got == 24 && e.Want == 25 }, "has 24 symbols, expected 25"},
		{Invite, k, ErrLength, func(e *ParseError) bool { return e.Got == 25 && e.Want == 10 }, "invite key has 25 symbols, expected 10"},
		{Invite, "7K3M9U", ErrCharacter, func(e *ParseError) bool { return e.Pos == 6 && e.Char == 'U' }, `character 'U' at position 6`},
		{Personal, " ab" + k[2:], ErrCheck, nil, "mistyped"},
		{Personal, "7777!" + k[5:], ErrCharacter, func(e *ParseError) bool { return e.Pos == 5 && e.Char == '!' }, "position 5"},
		{Personal, "Ä" + k[1:], ErrCharacter, func(e *ParseError) bool { return e.Pos == 1 }, "position 1"},
	}
	for _, c := range cases {
		_, err := Parse(c.kind, c.input)
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, c.err) {
			t.Errorf("Parse(%q) = %v, want %v", c.input, err, c.err)
			continue
		}
		if c.check != nil && !c.check(pe) {
			t.Errorf("Parse(%q): %+v", c.input, pe)
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Parse(%q) message %q, want it to contain %q", c.input, err, c.msg)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{keyWith("ABCDE"), "7k3m9-qx2pa", "", "IOLU", "----", "ÄÖÜ", "12345678901234567890123456789"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, kind := range []Kind{Personal, Invite} {
			got, err := Parse(kind, in)
			if err != nil {
				if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrLength) && !errors.Is(err, ErrCharacter) && !errors.Is(err, ErrCheck) {
					t.Fatalf("Parse(%q): unexpected error %v", in, err)
				}
				continue
			}
			if again, err := Parse(kind, got); err != nil || again != got {
				t.Fatalf("Parse(%q) = %q is not canonical: %q, %v", in, got, again, err)
			}
			want := kind.symbols()
			if kind == Personal {
				want += 4
			}
			if len(got) != want || strings.Trim(got, Alphabet+"-") != "" {
				t.Fatalf("Parse(%q) = %q: bad form", in, got)
			}
		}
	})
}

func BenchmarkNewPersonal(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := NewPersonal(); err != nil {
			b.Fatal(err)
		}
	}
}
