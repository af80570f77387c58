package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"

	"onboard/internal/uitext"
)

// sampleSize is how much of a file detection reads.
const sampleSize = 64 << 10

// Encoding names as reported in Info.Encoding.
const (
	encUTF8    = "utf-8"
	encUTF16LE = "utf-16le"
	encUTF16BE = "utf-16be"
	encWin1252 = "windows-1252"
	encUTF16   = "utf-16" // only as an option: BOM, else guessed
	encAuto    = "auto"
)

// fileKind is what the first bytes of a file say it is.
type fileKind int

const (
	kindText fileKind = iota
	kindZip
	kindCFB
	kindPDF
)

var (
	magicCFB = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	bomUTF8  = []byte{0xEF, 0xBB, 0xBF}
	bomLE    = []byte{0xFF, 0xFE}
	bomBE    = []byte{0xFE, 0xFF}
)

// sniff tells the kind of a file from its first bytes.
func sniff(head []byte) fileKind {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return kindZip
	case bytes.HasPrefix(head, magicCFB):
		return kindCFB
	case bytes.HasPrefix(head, []byte("%PDF")):
		return kindPDF
	}
	return kindText
}

// utf16Name encodes an ASCII name as UTF-16LE, as names are stored in a
// compound file's directory.
func utf16Name(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}

// kindError explains why a PDF or compound (OLE2) file is not read.
//
// A compound file is an old .xls (or .doc) or an encrypted OOXML package:
// Excel stores a password-protected .xlsx as a compound file with the
// streams "EncryptionInfo" and "EncryptedPackage". Stream names are stored
// as UTF-16LE in the directory sectors, which may sit anywhere in the file,
// so the file (at most MaxFileSize) is searched for the names rather than
// parsed: no compound-file parser has to trust a hostile header.
func kindError(name string, kind fileKind, src io.ReaderAt, size int64) error {
	if kind == kindPDF {
		return &Error{File: name, Msg: uitext.L("is a PDF, not a CSV or Excel file"), Err: ErrNotTable}
	}
	found, err := containsAny(src, size, utf16Name("EncryptionInfo"), utf16Name("WordDocument"))
	switch {
	case err != nil:
		return &Error{File: name, Msg: uitext.F("cannot be read: %v", err), Err: err}
	case found == 0:
		return &Error{
			File: name, Err: ErrEncrypted,
			Msg: uitext.L("is password-protected; remove the password in Excel or save as CSV"),
		}
	case found == 1:
		return &Error{
			File: name, Err: ErrNotTable,
			Msg: uitext.L("is an old Word .doc document, not a table; save the table as .xlsx or CSV"),
		}
	}
	return &Error{
		File: name, Err: ErrNotTable,
		Msg: uitext.L("is an old Excel 97–2003 .xls file; save it as .xlsx or CSV"),
	}
}

// containsAny returns the index of the first of patterns found in the
// size bytes of src (earlier patterns win), or -1. It reads 1 MB at a time.
func containsAny(src io.ReaderAt, size int64, patterns ...[]byte) (int, error) {
	const chunk = 1 << 20
	overlap := 0
	for _, p := range patterns {
		overlap = max(overlap, len(p)-1)
	}
	best := -1
	buf := make([]byte, chunk+overlap)
	for off := int64(0); off < size && best != 0; off += chunk {
		n, err := src.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if err != nil && !errors.Is(err, io.EOF) {
			return -1, err
		}
		for i, p := range patterns {
			if (best < 0 || i < best) && bytes.Contains(buf[:n], p) {
				best = i
			}
		}
	}
	return best, nil
}

// csvParams is what Rows needs to read a CSV file.
type csvParams struct {
	enc   encoding.Encoding // nil for UTF-8
	skip  int64             // bytes of BOM to skip
	delim rune
	sep   bool // skip the first (sep=) line
	// checkLines: a lineChecker fails the read at a line that does not fit
	// the encoding (see detectCSV)
	checkLines bool
	guessErr   error // detection could not tell the single-byte encoding
}

// detectCSV works out encoding, BOM, sep= line, delimiter and preview from
// the first bytes of the file.
func (f *File) detectCSV(head []byte) error {
	name := f.info.Name
	enc, bomLen, err := f.detectEncoding(head)
	if err != nil {
		return err
	}
	f.info.Encoding = enc
	f.info.BOM = bomLen > 0
	f.csv.skip = int64(bomLen)
	f.csv.enc = decoderFor(enc)

	whole := int64(len(head)) == f.size
	if f.size == int64(bomLen) {
		return &Error{File: name, Msg: uitext.L("is empty (it holds only a byte-order mark)"), Err: ErrNotTable}
	}
	forced, _ := parseEncoding(f.opt.Encoding)
	if err := f.checkSampleLines(head[bomLen:], forced == encAuto, whole); err != nil {
		return err
	}
	text := decodeSample(head[bomLen:], enc, whole)

	if msg := binaryReason(text); msg != "" {
		if forced != encAuto && enc != encUTF16LE && enc != encUTF16BE && strings.ContainsRune(text, 0) {
			msg = uitext.F("%s (if it is UTF-16 text, choose the encoding UTF-16)", msg)
		}
		return &Error{File: name, Msg: msg, Err: ErrNotTable}
	}

	if f.csv.guessErr != nil {
		return f.csv.guessErr
	}
	body := text
	if d, rest, ok := sepLine(text); ok {
		f.info.SepLine, f.csv.sep = true, true
		f.csv.delim = d
		body = rest
	}
	switch forced, err := parseDelimiter(f.opt.Delimiter); {
	case err != nil:
		return &Error{File: name, Msg: err.Error()}
	case forced != 0:
		f.csv.delim = forced
	case !f.csv.sep:
		f.csv.delim = detectDelimiter(body, whole)
	}
	f.info.Delimiter = f.csv.delim
	f.info.Preview = previewLines(text)
	return nil
}

// checkSampleLines decides whether Rows checks that every line fits the
// encoding — UTF-8 always, a detected single-byte encoding too (a forced one is
// the admin's choice) — and checks the lines of the sample b.
func (f *File) checkSampleLines(b []byte, auto, whole bool) error {
	enc := f.info.Encoding
	f.csv.checkLines = enc == encUTF8 || (auto && singleByteEncoding(enc) != nil)
	if !f.csv.checkLines || f.csv.guessErr != nil {
		return nil
	}
	if me := checkSample(b, enc == encUTF8, whole); me != nil {
		return &Error{File: f.info.Name, Line: me.line, Msg: mixedMessage(me, enc), Err: ErrNotTable}
	}
	return nil
}

// detectEncoding returns the canonical encoding name and the length of the
// BOM to skip.
func (f *File) detectEncoding(head []byte) (string, int, error) {
	bomEnc, bomLen := "", 0
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		bomEnc, bomLen = encUTF8, 3
	case bytes.HasPrefix(head, bomLE):
		bomEnc, bomLen = encUTF16LE, 2
	case bytes.HasPrefix(head, bomBE):
		bomEnc, bomLen = encUTF16BE, 2
	}
	want, err := parseEncoding(f.opt.Encoding)
	if err != nil {
		return "", 0, &Error{File: f.info.Name, Msg: err.Error()}
	}
	switch want {
	case encAuto:
		if bomEnc != "" {
			return bomEnc, bomLen, nil
		}
		return f.detectWithoutBOM(head), 0, nil
	case encUTF16:
		if bomEnc == encUTF16LE || bomEnc == encUTF16BE {
			return bomEnc, bomLen, nil
		}
		if g := guessUTF16(head); g != "" {
			return g, 0, nil
		}
		return encUTF16LE, 0, nil // Windows "Unicode text" is little-endian
	}
	if want == bomEnc {
		return want, bomLen, nil
	}
	return want, 0, nil // a BOM of another encoding is data in the forced one
}

// detectWithoutBOM tells the encoding of a file without a byte-order mark:
// UTF-16 by its NUL bytes, UTF-8 when the first line with non-ASCII bytes is
// UTF-8, else the single-byte encoding that reads it best (see guessSingleByte;
// when none does, its error is kept for detectCSV to report after the check
// for binary data).
func (f *File) detectWithoutBOM(head []byte) string {
	if g := guessUTF16(head); g != "" {
		return g
	}
	sample, i, atEOF := f.nonASCIISample(head)
	if sample == nil || firstLineIsUTF8(sample, i, atEOF) {
		return encUTF8
	}
	enc, err := guessSingleByte(f.info.Name, sample)
	if err != nil {
		f.csv.guessErr = err
		return encWin1252
	}
	return enc
}

// parseEncoding turns Options.Encoding into a canonical name (or encAuto or
// encUTF16).
func parseEncoding(s string) (string, error) { return ParseEncoding(s) }

// parseDelimiter turns Options.Delimiter into a rune; 0 means detect.
func parseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return 0, nil
	case "comma":
		return ',', nil
	case "semicolon":
		return ';', nil
	case "tab", `\t`:
		return '\t', nil
	case "pipe":
		return '|', nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if n == len(s) && r != utf8.RuneError && r != '"' && r != '\r' && r != '\n' && r != 0 {
		return r, nil
	}
	return 0, fmt.Errorf("unknown delimiter %q; choose comma, semicolon, tab, pipe or a single character", s)
}

// decoderFor returns the encoding to decode with; nil means UTF-8 (no
// decoding). A BOM is skipped by the caller, so the decoders ignore BOMs.
func decoderFor(enc string) encoding.Encoding {
	switch enc {
	case encUTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case encUTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	}
	return singleByteEncoding(enc)
}

// guessUTF16 recognises UTF-16 without a BOM by its NUL bytes: text that is
// mostly Latin has a NUL as the high byte of most characters.
func guessUTF16(b []byte) string {
	n := len(b) &^ 1
	if n < 4 {
		return ""
	}
	var evenNUL, oddNUL int
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			evenNUL++
		}
		if b[i+1] == 0 {
			oddNUL++
		}
	}
	pairs := n / 2
	switch {
	case oddNUL*10 >= pairs && evenNUL*10 <= oddNUL:
		return encUTF16LE
	case evenNUL*10 >= pairs && oddNUL*10 <= evenNUL:
		return encUTF16BE
	}
	return ""
}

// nonASCIISample returns the bytes detection judges a single-byte or UTF-8
// file by: head when it holds a non-ASCII byte, else up to sampleSize bytes
// from the first non-ASCII byte of the rest of the file (nil for plain ASCII),
// the index of that byte in it, and whether the sample reaches the end of the
// file.
func (f *File) nonASCIISample(head []byte) ([]byte, int, bool) {
	if i := firstNonASCII(head); i >= 0 {
		return head, i, int64(len(head)) == f.size
	}
	buf := make([]byte, sampleSize)
	for off := int64(len(head)); off < f.size; {
		n, err := f.src.ReadAt(buf, off)
		if i := firstNonASCII(buf[:n]); i >= 0 {
			window := make([]byte, sampleSize)
			m, _ := f.src.ReadAt(window, off+int64(i))
			return window[:m], 0, off+int64(i)+int64(m) >= f.size
		}
		if err != nil || n == 0 {
			break
		}
		off += int64(n)
	}
	return nil, 0, true
}

// firstNonASCII returns the index of the first byte ≥ 0x80, or -1.
func firstNonASCII(b []byte) int {
	for i, c := range b {
		if c >= utf8.RuneSelf {
			return i
		}
	}
	return -1
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing a rune cut off
// at the end when b is not the end of the file.
func validUTF8Prefix(b []byte, atEOF bool) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return !atEOF && !utf8.FullRune(b)
		}
		b = b[n:]
	}
	return true
}

// decodeSample decodes the sample for detection and preview. Invalid UTF-8
// becomes U+FFFD; a character cut off at the end of the sample is dropped.
func decodeSample(b []byte, enc string, whole bool) string {
	switch enc {
	case encUTF16LE, encUTF16BE:
		if !whole {
			b = b[:len(b)&^1]
		}
		s, _ := decoderFor(enc).NewDecoder().Bytes(b)
		out := string(s)
		if !whole {
			out = strings.TrimSuffix(out, "\uFFFD") // a surrogate pair cut in two
		}
		return out
	}
	if sb := singleByteEncoding(enc); sb != nil {
		s, _ := sb.NewDecoder().Bytes(b)
		return string(s)
	}
	if !whole { // drop a character cut off by the end of the sample
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// binaryReason returns why decoded text does not look like a text table, or
// "" if it does: a NUL character, or many control characters.
func binaryReason(s string) string {
	var ctrl, total int
	for _, r := range s {
		total++
		switch {
		case r == 0:
			return uitext.L("is not a text table (it contains NUL bytes, as binary files do)")
		case r == '\t', r == '\n', r == '\r', r == '\f', r == 0x1A:
		case r < 0x20, r == 0x7F, r >= 0x80 && r < 0xA0:
			ctrl++
		}
	}
	if ctrl >= 2 && ctrl*50 > total {
		return uitext.L("is not a text table (it contains binary data)")
	}
	return ""
}

// sepLine recognises Excel's first line "sep=X" (optionally quoted), where X
// is one of the four delimiters. It returns the delimiter and the text
// after the line.
func sepLine(s string) (rune, string, bool) {
	line, rest := s, ""
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		line, rest = s[:i], s[i+1:]
		if s[i] == '\r' && strings.HasPrefix(rest, "\n") {
			rest = rest[1:]
		}
	}
	line = strings.Trim(line, " ")
	if len(line) >= 2 && line[0] == '"' && line[len(line)-1] == '"' {
		line = line[1 : len(line)-1]
	}
	if len(line) != 5 || !strings.EqualFold(line[:4], "sep=") {
		return 0, "", false
	}
	switch d := rune(line[4]); d {
	case ',', ';', '\t', '|':
		return d, rest, true
	}
	return 0, "", false
}

// delimiters are the candidates of detection, in order of preference on a
// tie (German Excel writes semicolons).
var delimiters = []rune{';', ',', '\t', '|'}

// detectRecords is how many records delimiter detection looks at.
const detectRecords = 50

// detectDelimiter picks the delimiter that gives the same field count (>1)
// on most of the first records, quote-aware. Ties go to more fields, then
// to the order of delimiters. A one-column file gets a comma.
func detectDelimiter(body string, whole bool) rune {
	best, bestCount, bestFreq, bestN := ',', 0, 0, 1
	// Without a consistent delimiter (ragged rows), the one that splits the most
	// records wins.
	fallback, fallbackSplit := ',', 0
	for _, d := range delimiters {
		count, freq, n, split := fieldCountMode(body, d, whole)
		if split > fallbackSplit {
			fallback, fallbackSplit = d, split
		}
		if count < 2 || freq*2 < n {
			continue // not consistent on most lines
		}
		// freq/n > bestFreq/bestN, compared without division
		better := freq*bestN > bestFreq*n ||
			(freq*bestN == bestFreq*n && count > bestCount)
		if better {
			best, bestCount, bestFreq, bestN = d, count, freq, n
		}
	}
	if bestCount == 0 {
		return fallback
	}
	return best
}

// fieldCountMode parses up to detectRecords records with delimiter d and
// returns the most frequent field count above 1 (ties: the larger), how
// many records have it, how many records were parsed, and how many of them d
// splits into more than one field.
func fieldCountMode(body string, d rune, whole bool) (count, freq, n, split int) {
	r := csv.NewReader(strings.NewReader(body))
	r.Comma = d
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	counts := make(map[int]int)
	var last int
	for n < detectRecords+1 {
		rec, err := r.Read()
		if err != nil {
			break
		}
		if isBlank(rec) {
			continue
		}
		n++
		last = len(rec)
		counts[len(rec)]++
		if len(rec) > 1 {
			split++
		}
	}
	if n > detectRecords {
		counts[last]-- // read one more only to know the 50th is complete
		n--
	} else if !whole && n > 1 {
		counts[last]-- // the last record of a cut sample may be cut too
		n--
	}
	for c, k := range counts {
		if c > 1 && (k > freq || (k == freq && c > count)) {
			count, freq = c, k
		}
	}
	return count, freq, n, split
}

// previewLines returns up to 10 physical lines of s (CR, LF or CRLF ends),
// each cut to previewMaxRunes.
func previewLines(s string) []string {
	const maxLines, previewMaxRunes = 10, 1000
	var lines []string
	for len(lines) < maxLines && s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s) // the last line, or one cut by the sample
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	for i, l := range lines {
		if utf8.RuneCountInString(l) > previewMaxRunes {
			lines[i] = string([]rune(l)[:previewMaxRunes]) + "…"
		}
	}
	return lines
}
