package tabular

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"onboard/internal/uitext"
)

// How the encoding of a CSV without a byte-order mark is told
//
// UTF-16 shows in its NUL bytes, and text whose first line with non-ASCII
// bytes is valid UTF-8 is UTF-8. Anything else was written in one of the
// single-byte code pages office software uses: Windows-1252 (Excel on Windows,
// "CSV"), ISO-8859-15 (Unix tools, with the euro sign at A4), Mac Roman (Excel
// on old Macs) and IBM850 / IBM437 (Excel's "CSV (MS-DOS)", German and US).
// They put the same bytes on different letters: Windows-1252 reads Mac Roman's
// "Müller" as "MŸller" and IBM850's "Jörg" as "J”rg". So each candidate
// decodes the sample and is scored by what a list of names plausibly holds
// (see scoreText): the letters of European names score, symbols, box drawing,
// control characters and capitals inside a lowercase word cost. The best wins;
// when the runner-up comes close and reads the file differently, the file is
// refused, naming both readings.

// The single-byte encodings detection chooses from, by Info.Encoding name.
const (
	encISO885915 = "iso-8859-15"
	encMacRoman  = "macintosh"
	encIBM850    = "ibm850"
	encIBM437    = "ibm437"
)

// singleByte are the candidates of detection, in order of preference when
// two read the sample the same.
var singleByte = []struct {
	name, label string
	enc         encoding.Encoding
}{
	{encWin1252, "Windows-1252", charmap.Windows1252},
	{encISO885915, "ISO-8859-15", charmap.ISO8859_15},
	{encMacRoman, "Mac Roman", charmap.Macintosh},
	{encIBM850, "IBM850 (MS-DOS)", charmap.CodePage850},
	{encIBM437, "IBM437 (MS-DOS)", charmap.CodePage437},
}

// Encodings lists the names Options.Encoding takes besides "auto" (aliases
// such as "cp850" or "latin9" work too).
var Encodings = []string{encUTF8, encUTF16, encUTF16LE, encUTF16BE, encWin1252, encISO885915, encMacRoman, encIBM850, encIBM437}

// encodingAliases maps what admins type to Info.Encoding names.
var encodingAliases = map[string]string{
	"": encAuto, "auto": encAuto,
	"utf-8": encUTF8, "utf8": encUTF8,
	"utf-16": encUTF16, "utf16": encUTF16, "unicode": encUTF16,
	"utf-16le": encUTF16LE, "utf16le": encUTF16LE,
	"utf-16be": encUTF16BE, "utf16be": encUTF16BE,
	"windows-1252": encWin1252, "windows1252": encWin1252, "cp1252": encWin1252, "ansi": encWin1252,
	"iso-8859-1": encWin1252, "iso8859-1": encWin1252, "latin1": encWin1252, "latin-1": encWin1252,
	"iso-8859-15": encISO885915, "iso8859-15": encISO885915, "latin9": encISO885915, "latin-9": encISO885915,
	"macintosh": encMacRoman, "mac": encMacRoman, "macroman": encMacRoman, "mac-roman": encMacRoman, "x-mac-roman": encMacRoman,
	"ibm850": encIBM850, "cp850": encIBM850, "850": encIBM850, "ms-dos": encIBM850, "dos": encIBM850,
	"ibm437": encIBM437, "cp437": encIBM437, "437": encIBM437,
}

// ParseEncoding returns the Info.Encoding name of an encoding as an admin
// writes it ("cp850", "Latin-9", "utf8"), "auto" for "" and "auto", or an
// error listing the encodings.
func ParseEncoding(s string) (string, error) {
	if name, ok := encodingAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return name, nil
	}
	return "", fmt.Errorf("unknown encoding %q; choose auto, %s", s, strings.Join(Encodings, ", "))
}

// singleByteEncoding returns the charmap of a single-byte encoding name, or nil.
func singleByteEncoding(name string) encoding.Encoding {
	for _, c := range singleByte {
		if c.name == name {
			return c.enc
		}
	}
	return nil
}

// encodingLabel is how messages name an encoding.
func encodingLabel(name string) string {
	for _, c := range singleByte {
		if c.name == name {
			return c.label
		}
	}
	return strings.ToUpper(name)
}

// closeScore is how near (in points of scoreText) the runner-up may come
// before detection refuses to choose. The parts both read the same score the
// same, so the difference is the evidence of the bytes they read differently.
const closeScore = 3

// guessSingleByte picks the single-byte encoding of sample (see above).
func guessSingleByte(name string, sample []byte) (string, error) {
	type reading struct {
		name, label string
		text        []rune
		score       int
	}
	var best, second *reading
	sample = withoutUTF8Lines(sample)
	for _, c := range singleByte {
		s, _ := c.enc.NewDecoder().Bytes(sample)
		r := &reading{c.name, c.label, []rune(string(s)), 0}
		r.score = scoreText(r.text)
		switch {
		case best == nil || r.score > best.score:
			best, second = r, best
		case second == nil || r.score > second.score:
			if !sameRunes(r.text, best.text) {
				second = r
			}
		}
		if second != nil && sameRunes(second.text, best.text) {
			second = nil
		}
	}
	if best.score <= 0 {
		return "", &Error{File: name, Err: ErrNotTable, Msg: uitext.L(
			"is in a text encoding Onboard cannot tell (its letters make no sense in any encoding it knows); save it as “CSV UTF-8” and import that file")}
	}
	if second != nil && best.score-second.score < closeScore {
		a, b := differingWord(best.text, second.text)
		return "", &Error{File: name, Err: ErrNotTable, Msg: uitext.F(
			"its text encoding is unclear: it reads as %s (%q) or as %s (%q); save it as “CSV UTF-8” in Excel or LibreOffice, or choose the encoding",
			best.label, a, second.label, b)}
	}
	return best.name, nil
}

// withoutUTF8Lines returns b without its lines that are UTF-8 with non-ASCII
// characters: they do not fit any single-byte encoding (the lineChecker
// refuses them) and should not sway the choice between them.
func withoutUTF8Lines(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		line := b
		if i := indexLineEnd(b); i >= 0 {
			line = b[:i+1]
		}
		b = b[len(line):]
		if firstNonASCII(line) < 0 || !utf8.Valid(line) {
			out = append(out, line...)
		}
	}
	return out
}

func sameRunes(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// differingWord returns the first word that a and b (of equal length, from
// one single-byte sample) spell differently, as each spells it.
func differingWord(a, b []rune) (string, string) {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return "", ""
	}
	inWord := func(j int) bool { return !wordEnd(a[j]) && !wordEnd(b[j]) }
	start, end := i, i+1
	for start > 0 && inWord(start-1) {
		start--
	}
	for end < n && inWord(end) && end-start < 40 {
		end++
	}
	return string(a[start:end]), string(b[start:end])
}

// wordEnd reports whether r ends a word of a name list (an ASCII character
// other than a letter, "-", "." or "@").
func wordEnd(r rune) bool {
	return r < 0x80 && !unicode.IsLetter(r) && r != '-' && r != '.' && r != '@'
}

// commonLetters are the non-ASCII letters most common in the names of a
// (German or Western European) user list; nameLetters are further letters of
// European names.
const (
	commonLetters = "äöüÄÖÜßéèáàçñøåÉ"
	nameLetters   = "êëâíìîïóòôõúùûÈÊËÁÀÂÍÌÎÏÓÒÔÕÚÙÛÇÑØÅæÆœŒãÃšŠžŽčČćĆłŁśŚřŘěĚőŐűŰ"
)

// junkSymbols are symbols that appear in a list only when bytes are read in
// the wrong encoding (the currency sign ¤ is ISO-8859-15's euro read as
// Windows-1252).
const junkSymbols = "¤¦¨¯´¸ˆ˜†‡•◊¬¹÷‰™"

// namePunct are the non-ASCII symbols a list of names and notes plausibly
// holds; other symbols cost more.
const namePunct = "€°§–—„“”‘’‚«»…·²³½¼¾µ©®×±£¿¡ºª\u00a0"

// scoreText rates how plausible the decoded text s is as a list of names (see
// the comment at the top of the file). ASCII scores nothing.
func scoreText(s []rune) int {
	score := 0
	for i, r := range s {
		if r < 0x80 {
			continue
		}
		var prev, next rune
		if i > 0 {
			prev = s[i-1]
		}
		if i+1 < len(s) {
			next = s[i+1]
		}
		score += runeScore(r, prev, next)
	}
	return score
}

// runeScore rates one non-ASCII rune r between prev and next.
func runeScore(r, prev, next rune) int {
	if unicode.IsLetter(r) {
		return letterScore(r, prev, next)
	}
	if r < 0xA0 || r == utf8.RuneError || unicode.Is(unicode.Co, r) {
		return -5 // control characters, undefined bytes
	}
	s := -3
	switch {
	case r >= 0x2500 && r <= 0x25FF, strings.ContainsRune(junkSymbols, r):
		s = -6 // box drawing, blocks, shapes, junk
	case strings.ContainsRune(namePunct, r):
		s = -1
	}
	if unicode.IsLetter(prev) && unicode.IsLetter(next) {
		s -= 3 // a symbol inside a word: "J”rg"
	}
	return s
}

// letterScore rates a non-ASCII letter r between prev and next.
func letterScore(r, prev, next rune) int {
	s := 1
	switch {
	case !unicode.Is(unicode.Latin, r), r == 'ƒ', r == 'ı':
		return -3 // Greek in IBM437, the florin sign and dotless i of Mac Roman
	case strings.ContainsRune(commonLetters, r):
		s = 4
	case strings.ContainsRune(nameLetters, r):
		s = 2
	}
	switch {
	case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsLetter(prev) && unicode.IsLower(next)):
		s -= 4 // a capital inside a word: "MŸller", "JÈrg", "JÜrg"
	case unicode.IsLower(r) && unicode.IsLetter(prev) && unicode.IsLower(next):
		s++
	}
	return s
}

// lineChecker follows the raw bytes of a CSV file, before decoding, and fails
// the read at the first line that does not fit the file's encoding: in a UTF-8
// file a line that is not valid UTF-8, in a file detected as single-byte a line
// that is UTF-8 (with multi-byte characters and nothing invalid). Such a file
// mixes two encodings, two exports pasted together, and one part would be
// stored garbled. Lines are counted as newlineReader counts them.
type lineChecker struct {
	r      io.Reader
	utf8   bool // the file is UTF-8
	line   int  // 1-based
	need   int  // UTF-8 continuation bytes still expected
	multi  bool // the line holds a complete multi-byte UTF-8 character
	bad    bool // the line holds bytes that are not UTF-8
	seen   bool // an earlier line held non-ASCII text that fit
	lastCR bool
	err    error
}

// mixedError is the error of a lineChecker: line does not fit.
type mixedError struct {
	line     int
	utf8     bool // the file was read as UTF-8
	afterFit bool // earlier lines with non-ASCII text fit
}

func (e *mixedError) Error() string { return fmt.Sprintf("line %d does not fit the encoding", e.line) }

func newLineChecker(r io.Reader, isUTF8 bool) *lineChecker {
	return &lineChecker{r: r, utf8: isUTF8, line: 1}
}

func (c *lineChecker) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	for _, b := range p[:n] {
		if c.step(b) { // the whole file is refused: what was read need not be handed on
			c.err = &mixedError{line: c.line, utf8: c.utf8, afterFit: c.seen}
			return 0, c.err
		}
	}
	if err == io.EOF && c.endLine() {
		c.err = &mixedError{line: c.line, utf8: c.utf8, afterFit: c.seen}
		return 0, c.err
	}
	return n, err
}

// step takes one byte and reports whether a line ended that does not fit.
func (c *lineChecker) step(b byte) bool {
	cr := c.lastCR
	c.lastCR = b == '\r'
	if c.need > 0 {
		if b&0xC0 == 0x80 {
			if c.need--; c.need == 0 {
				c.multi = true
			}
			return false
		}
		c.bad, c.need = true, 0 // a character cut short: b starts anew
	}
	switch {
	case b == '\n' && cr:
		return false // the LF of a CRLF
	case b == '\n' || b == '\r':
		if c.endLine() {
			return true
		}
		c.line++
	case b >= 0x80:
		c.need = utf8Continuations(b)
		c.bad = c.bad || c.need == 0
	}
	return false
}

// utf8Continuations is the number of continuation bytes a UTF-8 lead byte b
// announces, 0 for a byte that cannot start a character.
func utf8Continuations(b byte) int {
	switch {
	case b >= 0xC2 && b <= 0xDF:
		return 1
	case b >= 0xE0 && b <= 0xEF:
		return 2
	case b >= 0xF0 && b <= 0xF4:
		return 3
	}
	return 0
}

// endLine judges the line that just ended and starts the next.
func (c *lineChecker) endLine() bool {
	if c.need > 0 {
		c.bad, c.need = true, 0
	}
	misfit := c.bad
	if !c.utf8 {
		misfit = c.multi && !c.bad
	}
	if !misfit && (c.bad || c.multi) {
		c.seen = true
	}
	c.multi, c.bad = false, false
	return misfit
}

// mixedMessage explains a mixedError of a file read as enc.
func mixedMessage(e *mixedError, enc string) string {
	switch {
	case e.utf8 && e.afterFit:
		return uitext.L("this line is not UTF-8 like the lines above it: the file mixes two text encodings (two exports pasted together?); save each part as “CSV UTF-8” and join them again")
	case e.utf8:
		return uitext.L("this line is not valid UTF-8; choose the file's encoding, or save it as “CSV UTF-8”")
	}
	return uitext.F("this line is UTF-8, but the lines above it are %s: the file mixes two text encodings (two exports pasted together?); save each part as “CSV UTF-8” and join them again",
		encodingLabel(enc))
}

// checkSample runs a lineChecker over the detection sample b (from the start
// of the text); a line cut off by the end of a sample that is not the whole
// file is not judged.
func checkSample(b []byte, isUTF8, whole bool) *mixedError {
	c := newLineChecker(nil, isUTF8)
	for _, x := range b {
		if c.step(x) {
			return &mixedError{line: c.line, utf8: isUTF8, afterFit: c.seen}
		}
	}
	if whole && c.endLine() {
		return &mixedError{line: c.line, utf8: isUTF8, afterFit: c.seen}
	}
	return nil
}

// firstLineIsUTF8 reports whether the line of b holding its first non-ASCII
// byte (at i) is valid UTF-8, allowing a character cut off at the end of b
// when b is not the end of the file.
func firstLineIsUTF8(b []byte, i int, atEOF bool) bool {
	end := len(b)
	if j := indexLineEnd(b[i:]); j >= 0 {
		end, atEOF = i+j, true
	}
	return validUTF8Prefix(b[i:end], atEOF)
}

// indexLineEnd returns the index of the first CR or LF in b, or -1.
func indexLineEnd(b []byte) int {
	for i, c := range b {
		if c == '\n' || c == '\r' {
			return i
		}
	}
	return -1
}
