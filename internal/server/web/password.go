package web

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// MaxPasswordBytes is the longest password accepted, in bytes of UTF-8.
const MaxPasswordBytes = 1024

// PasswordProblem says why a password was refused.
type PasswordProblem int

// The password problems. Check looks for them in this order, except that it looks
// for PasswordControl right after PasswordTooLong.
const (
	PasswordOK       PasswordProblem = iota
	PasswordTooLong                  // more than MaxPasswordBytes bytes
	PasswordTooShort                 // fewer characters than the policy's minimum
	PasswordPersonal                 // the username, email address, a name or the organization, also reversed
	PasswordCommon                   // on the blocklist (also its base word), or a repetition or sequence
	PasswordClasses                  // lacks an upper-case or lower-case letter, digit or special character
	PasswordControl                  // holds NUL, a line break, a tab or another control character
)

// PasswordPolicy is what a new password must satisfy.
type PasswordPolicy struct {
	MinLength int  // in characters; 0 means 12, and values outside 8–64 are clamped
	Classes   bool // require an upper-case letter, a lower-case letter, a digit and a special character
}

// policyFor returns the organization's password policy.
func policyFor(org Organization) PasswordPolicy {
	return PasswordPolicy{MinLength: org.PasswordMinLength, Classes: org.PasswordClasses}
}

// Min is the minimum length in characters the policy enforces.
func (p PasswordPolicy) Min() int {
	switch {
	case p.MinLength == 0:
		return 12
	case p.MinLength < 8:
		return 8
	case p.MinLength > 64:
		return 64
	}
	return p.MinLength
}

// Check returns the first problem of password, or PasswordOK. Characters are Unicode
// code points after NFC normalization, so "ü" counts once however it was typed. The
// personal strings (username, email address, names, organization) must not be used
// as the password, also not reversed, not one of their words (of 4 letters or more)
// alone, and not with digits or symbols added before or after them.
func (p PasswordPolicy) Check(password string, personal ...string) PasswordProblem {
	if len(password) > MaxPasswordBytes {
		return PasswordTooLong
	}
	if hasControlChar(password) {
		return PasswordControl
	}
	pw := norm.NFC.String(password)
	if len(pw) > MaxPasswordBytes {
		return PasswordTooLong
	}
	if utf8.RuneCountInString(pw) < p.Min() {
		return PasswordTooShort
	}
	lower := strings.ToLower(pw)
	if isPersonal(lower, personal) || isPersonal(reverse(lower), personal) {
		return PasswordPersonal
	}
	if isCommon(lower) {
		return PasswordCommon
	}
	if p.Classes && !hasAllClasses(pw) {
		return PasswordClasses
	}
	return PasswordOK
}

// hasAllClasses reports whether pw has an upper-case letter, a lower-case letter, a
// digit and a character that is neither letter nor digit.
func hasAllClasses(pw string) bool {
	var upper, lower, digit, special bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case !unicode.IsLetter(r):
			special = true
		}
	}
	return upper && lower && digit && special
}

// hasControlChar reports whether s holds a control character (NUL, tab, line
// breaks, DEL, C1 controls) or a Unicode line or paragraph separator.
func hasControlChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }) >= 0
}

// isPersonal reports whether the lower-cased password is one of the personal strings
// (an email address also by its local part) or one of their words of at least 4
// letters, ignoring spaces, case, and digits or symbols added at either end.
func isPersonal(lower string, personal []string) bool {
	pw := strings.ReplaceAll(lower, " ", "")
	base := trimNonLetters(pw)
	bases := []string{base, unleet(base, 'i'), unleet(base, 'l')}
	for _, w := range personalWords(personal) {
		if pw == w || (utf8.RuneCountInString(w) >= 3 && slices.Contains(bases, w)) {
			return true
		}
	}
	return false
}

// personalWords are the lower-cased personal strings without spaces, the local
// parts of email addresses, and their words (runs of letters) of at least 4 letters.
func personalWords(personal []string) []string {
	var words []string
	for _, s := range personal {
		s = strings.ToLower(norm.NFC.String(s))
		if whole := strings.ReplaceAll(s, " ", ""); whole != "" {
			words = append(words, whole)
		}
		if at := strings.LastIndexByte(s, '@'); at > 0 {
			words = append(words, strings.ReplaceAll(s[:at], " ", ""))
		}
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if utf8.RuneCountInString(f) >= 4 {
				words = append(words, f)
			}
		}
	}
	return words
}

//go:generate go run ./scripts/genblocklist -o blocklist.txt.gz

// blocklistGz is the gzipped, sorted list of common passwords and English words
// (about 134,000 entries; how it is built: scripts/genblocklist).
//
//go:embed blocklist.txt.gz
var blocklistGz []byte

// wordList is a sorted list of words in one string: word i is
// data[start[i]:start[i+1]-1] (each word ends with a line break).
type wordList struct {
	data  string
	start []uint32
}

// has reports whether w is in the list, by binary search.
func (l *wordList) has(w string) bool {
	_, found := slices.BinarySearchFunc(l.start, w, func(s uint32, w string) int {
		return strings.Compare(l.word(s), w)
	})
	return found
}

// word is the word starting at byte s.
func (l *wordList) word(s uint32) string {
	end := strings.IndexByte(l.data[s:], '\n')
	return l.data[s : int(s)+end]
}

// len is the number of words.
func (l *wordList) len() int { return len(l.start) }

var (
	blocklistOnce sync.Once
	blocklistList *wordList
)

// blocklist returns the common passwords, unpacked on first use.
func blocklist() *wordList {
	blocklistOnce.Do(func() {
		l, err := loadWordList(blocklistGz)
		if err != nil {
			panic("web: the embedded blocklist.txt.gz is broken: " + err.Error()) // caught by the tests
		}
		blocklistList = l
	})
	return blocklistList
}

// loadWordList unpacks a gzipped list of sorted lines.
func loadWordList(gz []byte) (*wordList, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		raw = append(raw, '\n')
	}
	l := &wordList{data: string(raw), start: make([]uint32, 0, bytes.Count(raw, []byte{'\n'}))}
	prev := ""
	for pos := 0; pos < len(l.data); {
		end := pos + strings.IndexByte(l.data[pos:], '\n')
		w := l.data[pos:end]
		if w <= prev && len(l.start) > 0 {
			return nil, fmt.Errorf("line %d %q is not after %q: the list must be sorted and unique", len(l.start)+1, w, prev)
		}
		prev = w
		l.start = append(l.start, uint32(pos))
		pos = end + 1
	}
	return l, nil
}

// isCommon reports whether the lower-cased password is weak: on the blocklist, also
// after removing digits and symbols at either end (summer2024! → summer, and
// Schule2024!! → schule, as the list holds English words and German and school
// words) or undoing l33t spelling (p@ssw0rd → password), a love phrase of a listed
// word (ilovemyschool), a repetition of a blocked word or of up to three
// characters, a run along the keyboard or the alphabet, or at most three such runs
// in a row (123456789abc).
func isCommon(lower string) bool {
	base := trimNonLetters(lower)
	candidates := []string{lower, unleet(lower, 'i'), unleet(lower, 'l')}
	if base != lower && utf8.RuneCountInString(base) >= 4 {
		candidates = append(candidates, base, unleet(base, 'i'), unleet(base, 'l'))
	}
	list := blocklist()
	for _, c := range candidates {
		unit := repeatUnit(c)
		if list.has(c) || list.has(unit) || list.has(phraseCore(c)) {
			return true
		}
		if utf8.RuneCountInString(unit) <= 3 || isWalk(c) {
			return true
		}
	}
	return runs(lower) <= 3
}

// phrasePrefixes and phraseArticles make a love phrase: "ilove" "my" school. Of
// two that start alike the longer comes first.
var (
	phrasePrefixes = []string{"iloveyou", "ilove", "iheart", "ichliebedich", "ichliebe", "iliebe", "love", "liebe"}
	phraseArticles = []string{"my", "meinen", "meine", "mein", "the", "our", "unsere", "unser", "die", "der", "das"} // longer first
)

// phraseCore is what remains of s (without spaces) after a love-phrase prefix and
// an article, when both leave at least 3 letters; else "".
func phraseCore(s string) string {
	s = strings.ReplaceAll(s, " ", "")
	for _, p := range phrasePrefixes {
		rest, ok := strings.CutPrefix(s, p)
		if !ok {
			continue
		}
		for _, a := range phraseArticles {
			if r, ok := strings.CutPrefix(rest, a); ok && utf8.RuneCountInString(r) >= 3 {
				rest = r
				break
			}
		}
		if utf8.RuneCountInString(rest) >= 3 {
			return rest
		}
	}
	return ""
}

// adjacent holds the pairs of characters next to each other on a walk (either way).
var adjacent = func() map[[2]rune]bool {
	m := map[[2]rune]bool{}
	for _, w := range walks {
		r := []rune(w)
		for i := 1; i < len(r); i++ {
			m[[2]rune{r[i-1], r[i]}] = true
		}
	}
	return m
}()

// runs counts the runs s is made of: a new run starts at every character that
// neither repeats the one before nor is next to it on a walk (keyboard row or
// column, alphabet, digits).
func runs(s string) int {
	n := 0
	prev := rune(-1)
	for _, r := range s {
		if r != prev && !adjacent[[2]rune{prev, r}] {
			n++
		}
		prev = r
	}
	return n
}

// trimNonLetters removes everything but letters from both ends of s.
func trimNonLetters(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

// unleet undoes common l33t substitutions; one is what '1' stands for ('i' or 'l').
func unleet(s string, one rune) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '@', '4':
			return 'a'
		case '3':
			return 'e'
		case '1':
			return one
		case '!':
			return 'i'
		case '0':
			return 'o'
		case '$', '5':
			return 's'
		case '7', '+':
			return 't'
		}
		return r
	}, s)
}

// repeatUnit returns the shortest u with s == u repeated n ≥ 1 times.
func repeatUnit(s string) string {
	r := []rune(s)
	for n := 1; n <= len(r)/2; n++ {
		if len(r)%n != 0 {
			continue
		}
		unit := string(r[:n])
		if strings.Repeat(unit, len(r)/n) == s {
			return unit
		}
	}
	return s
}

// walks are keyboard rows and columns (US and German layouts) and the alphabet;
// each is doubled so that runs may wrap around (7890123…).
var walks = func() []string {
	base := []string{
		"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiopü", "asdfghjklöä", "yxcvbnm",
		"abcdefghijklmnopqrstuvwxyz", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "1qay2wsx3edc4rfv5tgb6zhn7ujm8ik9ol0p",
		"!@#$%^&*()", "!\"§$%&/()=",
	}
	var out []string
	for _, w := range base {
		out = append(out, w+w, reverse(w+w))
	}
	return out
}()

// isWalk reports whether s is a run along one of the walks.
func isWalk(s string) bool {
	for _, w := range walks {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// HashParams are Argon2id's cost parameters.
type HashParams struct {
	Time      uint32 // passes over the memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
}

// DefaultHashParams are the parameters NewHandler uses unless Options say otherwise:
// OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane), about 20 ms of one core
// here. A burst of registrations waits for the hashing workers (Options.HashWorkers,
// HashQueue, HashWait; see BenchmarkRegister200 and TestRegister200Processes).
// Hashes carry their parameters, so hashes made with other (such as the earlier
// 8 MiB, 1 pass) parameters stay verifiable.
var DefaultHashParams = HashParams{Time: 2, MemoryKiB: 19 * 1024, Threads: 1}

const (
	saltLen = 16
	hashLen = 32
)

// ErrBadHash says a stored password hash is not an Argon2id PHC string this package
// can verify.
var ErrBadHash = errors.New("password hash is not a valid argon2id PHC string")

var b64 = base64.RawStdEncoding

// HashPassword returns the Argon2id hash of the NFC-normalized password in PHC string
// format: $argon2id$v=19$m=…,t=…,p=…$salt$hash (unpadded standard base64).
func HashPassword(password string, p HashParams) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("web: password salt: %w", err)
	}
	key := argon2.IDKey([]byte(norm.NFC.String(password)), salt, p.Time, p.MemoryKiB, p.Threads, hashLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches a hash made by HashPassword (or
// any Argon2id PHC string with sane parameters).
func VerifyPassword(password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, ErrBadHash
	}
	var p HashParams
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &threads); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", p.MemoryKiB, p.Time, threads) != parts[3] {
		return false, ErrBadHash
	}
	if threads < 1 || threads > 255 || p.Time < 1 || p.Time > 64 || p.MemoryKiB < 8*threads || p.MemoryKiB > 4<<20 {
		return false, ErrBadHash
	}
	p.Threads = uint8(threads)
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, ErrBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, ErrBadHash
	}
	got := argon2.IDKey([]byte(norm.NFC.String(password)), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
