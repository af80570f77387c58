package web

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestPasswordPolicy(t *testing.T) {
	personal := []string{"jane.mueller", "jane.mueller@example.org", "Jane", "Müller", "JaneMüller", "Example School"}
	nfd := norm.NFD.String("ä")
	cases := []struct {
		name string
		pol  PasswordPolicy
		pw   string
		want PasswordProblem
	}{
		{"strong phrase", PasswordPolicy{}, "Purple-Giraffe 7 dances!", PasswordOK},
		{"too short", PasswordPolicy{}, "Sh0rt!pass", PasswordTooShort},
		{"11 of 12", PasswordPolicy{}, "kx8#qv2!mzr", PasswordTooShort},
		{"exactly 12", PasswordPolicy{}, "kx8#qv2!mzr4", PasswordOK},
		{"min 8 is the floor", PasswordPolicy{MinLength: 4}, "kx8#qv2!", PasswordOK},
		{"min 8 floor refuses 7", PasswordPolicy{MinLength: 4}, "kx8#qv2", PasswordTooShort},
		{"min 64 is the ceiling", PasswordPolicy{MinLength: 100}, strings.Repeat("kx8#qv2!", 8), PasswordOK},
		{"too long", PasswordPolicy{}, strings.Repeat("kx8#qv2!", 128) + "x", PasswordTooLong},
		{"1024 bytes fit", PasswordPolicy{}, strings.Repeat("kx8#qv2!", 128), PasswordOK},
		{"umlauts count once", PasswordPolicy{}, "äöüßÄÖÜéèêñç", PasswordOK},
		{"decomposed umlauts count once", PasswordPolicy{}, strings.Repeat(nfd, 10) + "x", PasswordTooShort}, // 21 code points typed, 11 characters
		{"emoji", PasswordPolicy{}, "🦒🦒 purple 🦒 dance", PasswordOK},
		{"blocklisted exactly", PasswordPolicy{MinLength: 8}, "baseball", PasswordCommon},
		{"blocklisted any case", PasswordPolicy{MinLength: 8}, "BaseBall", PasswordCommon},
		{"blocklisted German", PasswordPolicy{MinLength: 8}, "Passwort", PasswordCommon},
		{"blocklisted with digits", PasswordPolicy{}, "password2024", PasswordCommon},
		{"blocklisted with symbols", PasswordPolicy{}, "!!Sommer2024!!", PasswordCommon},
		{"l33t", PasswordPolicy{}, "P@ssw0rd12345", PasswordCommon},
		{"repeated word", PasswordPolicy{}, "monkeymonkey", PasswordCommon},
		{"one character", PasswordPolicy{}, "aaaaaaaaaaaaaaa", PasswordCommon},
		{"short unit", PasswordPolicy{}, "abcabcabcabc", PasswordCommon},
		{"digit run", PasswordPolicy{}, "123456789012", PasswordCommon},
		{"keyboard row", PasswordPolicy{}, "qwertzuiopü", PasswordTooShort},
		{"keyboard row 12", PasswordPolicy{MinLength: 10}, "QWERTZUIOPÜ", PasswordCommon},
		{"keyboard backwards", PasswordPolicy{MinLength: 8}, "lkjhgfdsa", PasswordCommon},
		{"alphabet", PasswordPolicy{}, "abcdefghijklm", PasswordCommon},
		{"username", PasswordPolicy{MinLength: 8}, "Jane.Mueller", PasswordPersonal},
		{"username with digits", PasswordPolicy{}, "jane.mueller1990", PasswordPersonal},
		{"email", PasswordPolicy{}, "jane.mueller@example.org", PasswordPersonal},
		{"name", PasswordPolicy{MinLength: 8}, "Jane Müller", PasswordPersonal},
		{"organization", PasswordPolicy{}, "Example School 1", PasswordPersonal},
		{"name inside a phrase is fine", PasswordPolicy{}, "Jane likes purple giraffes", PasswordOK},
		{"classes off: lower only is fine", PasswordPolicy{}, "purple giraffe dances", PasswordOK},
		{"classes on: lower only", PasswordPolicy{Classes: true}, "purple giraffe dances", PasswordClasses},
		{"classes on: no special", PasswordPolicy{Classes: true}, "PurpleGiraffe7dances", PasswordClasses},
		{"classes on: space is special", PasswordPolicy{Classes: true}, "Purple Giraffe 7 dances", PasswordOK},
		{"classes on: umlauts count", PasswordPolicy{Classes: true}, "Äpfel über 7 Brücken", PasswordOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.pol.Check(tc.pw, personal...); got != tc.want {
				t.Errorf("Check(%q) = %d, want %d", tc.pw, got, tc.want)
			}
		})
	}
}

func TestPolicyMin(t *testing.T) {
	for in, want := range map[int]int{0: 12, 1: 8, 8: 8, 16: 16, 64: 64, 65: 64} {
		if got := (PasswordPolicy{MinLength: in}).Min(); got != want {
			t.Errorf("Min(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestBlocklist(t *testing.T) {
	list := blocklist()
	if n := list.len(); n < 100_000 {
		t.Fatalf("blocklist has %d entries", n)
	}
	for _, w := range []string{"123456", "password", "qwerty", "letmein", "passwort", "schalke04", "frühling", "schule", "school", "sunshine", "ilovemyschool"} {
		if !list.has(w) {
			t.Errorf("blocklist lacks %q", w)
		}
	}
	for _, w := range []string{"", "purplegiraffe", "zzzz-not-a-word", "schulx"} {
		if list.has(w) {
			t.Errorf("blocklist has %q", w)
		}
	}
	prev := ""
	for i := range list.len() {
		w := list.word(list.start[i])
		if w != strings.ToLower(w) || strings.TrimSpace(w) != w || strings.HasPrefix(w, "#") || w <= prev {
			t.Errorf("blocklist entry %d %q is not a lower-case word after %q", i, w, prev)
		}
		prev = w
	}
	if _, err := loadWordList(nil); err == nil {
		t.Error("an empty file loaded")
	}
}

// TestPasswordGapsOfIssue15 are passwords the policy let through before: runs of
// digits and letters, a school word with a year and symbols, a love phrase, the
// reversed username, control characters.
func TestPasswordGapsOfIssue15(t *testing.T) {
	personal := []string{"jane.mueller", "jane.mueller@example.org", "Jane", "Müller", "JaneMüller", "Gymnasium Seestadt"}
	for _, tc := range []struct {
		pw   string
		want PasswordProblem
	}{
		{"123456789abc", PasswordCommon},
		{"1234567890ab", PasswordCommon},
		{"abcdef123456", PasswordCommon},
		{"qwertz123456", PasswordCommon},
		{"9876543210zyx", PasswordCommon},
		{"Schule2024!!", PasswordCommon},
		{"School2024!!", PasswordCommon},
		{"Sunshine2024", PasswordCommon},
		{"ilovemyschool", PasswordCommon},
		{"ILoveMyTeacher", PasswordCommon},
		{"ichliebemeineklasse", PasswordCommon},
		{"relleum.enaj", PasswordPersonal},
		{"relleum.enaj!1", PasswordPersonal},
		{"Seestadt2024!", PasswordPersonal},
		{"Mueller12345!", PasswordPersonal},
		{"Purple-Giraffe\x007 dances!", PasswordControl},
		{"Purple-Giraffe 7\ndances!", PasswordControl},
		{"Purple-Giraffe\t7 dances!", PasswordControl},
		{"\x00\x00\x00", PasswordControl},
		// Still fine.
		{"Purple-Giraffe 7 dances!", PasswordOK},
		{"kx8#qv2!mzr4", PasswordOK},
		{"739182645019", PasswordOK},
		{"Jane likes purple giraffes", PasswordOK},
		{"correct horse battery staple", PasswordOK},
	} {
		if got := (PasswordPolicy{}).Check(tc.pw, personal...); got != tc.want {
			t.Errorf("Check(%q) = %d, want %d", tc.pw, got, tc.want)
		}
	}
	if msg := passwordError("de", PasswordPolicy{}, "abc\x00defghijkl"); !strings.Contains(msg, "Steuerzeichen") {
		t.Errorf("German message %q", msg)
	}
	if msg := passwordError("en", PasswordPolicy{}, "abc\x00defghijkl"); !strings.Contains(msg, "control characters") {
		t.Errorf("English message %q", msg)
	}
}

// BenchmarkBlocklistLoad unpacks the embedded list as the first Check does and
// reports the heap it keeps.
func BenchmarkBlocklistLoad(b *testing.B) {
	var keep *wordList
	var before, after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		l, err := loadWordList(blocklistGz)
		if err != nil {
			b.Fatal(err)
		}
		keep = l
		runtime.GC()
		runtime.ReadMemStats(&after)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-kept")
	b.ReportMetric(float64(keep.len()), "entries")
	b.ReportMetric(float64(len(blocklistGz))/(1<<10), "KiB-embedded")
}

// BenchmarkCheck is one policy check of a good password, the list loaded.
func BenchmarkCheck(b *testing.B) {
	blocklist()
	for b.Loop() {
		(PasswordPolicy{}).Check("Purple-Giraffe 7 dances!", "jane.mueller", "jane.mueller@example.org", "Jane", "Müller", "Example School")
	}
}

func TestHashAndVerify(t *testing.T) {
	p := HashParams{Time: 1, MemoryKiB: 1024, Threads: 1}
	h1, err := HashPassword("Grüße aus Köln", p)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("Grüße aus Köln", p)
	if h1 == h2 {
		t.Error("two hashes of one password are equal: no salt?")
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("hash %q", h1)
	}
	for pw, want := range map[string]bool{
		"Grüße aus Köln":                  true,
		norm.NFD.String("Grüße aus Köln"): true, // typed on a system that decomposes
		"Grüße aus Köln ":                 false,
		"grüße aus köln":                  false,
	} {
		if ok, err := VerifyPassword(pw, h1); ok != want || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	for _, bad := range []string{
		"", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1,x=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
	} {
		if _, err := VerifyPassword("x", bad); !errors.Is(err, ErrBadHash) {
			t.Errorf("VerifyPassword(%q) error %v, want ErrBadHash", bad, err)
		}
	}
}

func FuzzPasswordCheck(f *testing.F) {
	for _, s := range []string{"Purple-Giraffe 7 dances!", "p@ssw0rd", "aaaa", "äöü", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		got := PasswordPolicy{Classes: true}.Check(pw, "user", "user@example.org")
		if got < PasswordOK || got > PasswordControl {
			t.Fatalf("Check(%q) = %d", pw, got)
		}
	})
}

// TestDefaultHashParamsMeetOWASP: new hashes use at least OWASP's minimum for
// Argon2id (19 MiB, 2 passes), and a hash made with the earlier default (8 MiB, one
// pass) still verifies.
func TestDefaultHashParamsMeetOWASP(t *testing.T) {
	if p := DefaultHashParams; p.MemoryKiB < 19456 || p.Time < 2 || p.Threads < 1 {
		t.Fatalf("DefaultHashParams %+v are below m=19456, t=2, p=1", p)
	}
	h, err := HashPassword("Grüße aus Köln", DefaultHashParams)
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q, %v", h, err)
	}
	old, _ := HashPassword("Grüße aus Köln", HashParams{Time: 1, MemoryKiB: 8 * 1024, Threads: 1})
	for _, enc := range []string{h, old} {
		if ok, err := VerifyPassword("Grüße aus Köln", enc); !ok || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v", enc, ok, err)
		}
	}
}

// BenchmarkHashDefault is one password hash with DefaultHashParams.
func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("Purple-Giraffe 7 dances!", DefaultHashParams); err != nil {
			b.Fatal(err)
		}
	}
}
