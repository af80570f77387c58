package lifecycle

import (
	"context"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// SuggestUsername proposes a free username: the email's local part, or "first.last"
// when there is no email, in ASCII letters and digits, with the smallest numeric
// suffix (2, 3, …) that makes it free.
func (s *Service) SuggestUsername(ctx context.Context, email, first, last string) (string, error) {
	base := UsernameBase(email, first, last)
	taken, err := s.store.UsernamesStartingWith(ctx, base)
	if err != nil {
		return "", err
	}
	used := make(map[string]bool, len(taken))
	for _, t := range taken {
		used[t] = true
	}
	if !used[base] {
		return base, nil
	}
	for n := 2; ; n++ {
		if c := base + strconv.Itoa(n); !used[c] {
			return c, nil
		}
	}
}

// UsernameBase derives the unsuffixed username SuggestUsername starts from.
func UsernameBase(email, first, last string) string {
	src := strings.TrimSpace(email)
	if at := strings.LastIndexByte(src, '@'); at > 0 {
		src = src[:at]
	} else {
		src = strings.TrimSpace(first + "." + last)
	}
	b := Transliterate(src)
	b = strings.Trim(b, "._-")
	if len(b) > maxUsernameLen-4 {
		b = strings.TrimRight(b[:maxUsernameLen-4], "._-")
	}
	if len(b) < 2 {
		return "user"
	}
	return b
}

var translitTable = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'æ': "ae", 'ø': "oe", 'å': "aa", 'œ': "oe",
	'ł': "l", 'đ': "d", 'ı': "i", 'þ': "th", 'ð': "d",
	// Cyrillic
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z",
	'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
	'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia", 'і': "i", 'ї': "i", 'є': "ie", 'ґ': "g",
	// Greek
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th", 'ι': "i",
	'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p", 'ρ': "r", 'σ': "s",
	'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
}

// Transliterate lowers s and writes it in ASCII letters, digits, '.', '_' and '-':
// German umlauts become ae/oe/ue, accents are dropped, Cyrillic and Greek are
// romanised, spaces become dots and anything else is left out.
func Transliterate(s string) string {
	var b strings.Builder
	for _, r := range norm.NFC.String(strings.ToLower(s)) {
		if t, ok := translitTable[r]; ok {
			b.WriteString(t)
			continue
		}
		if r == ' ' {
			b.WriteByte('.')
			continue
		}
		for _, d := range norm.NFD.String(string(r)) {
			if t, ok := translitTable[d]; ok {
				b.WriteString(t)
			} else if d < unicode.MaxASCII && (unicode.IsLetter(d) || unicode.IsDigit(d) || strings.ContainsRune("._-", d)) {
				b.WriteRune(d)
			}
		}
	}
	out := b.String()
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", ".")
	}
	return out
}
