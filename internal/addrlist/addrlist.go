// Package addrlist reads a pasted list of email addresses: one per line, a column of
// a spreadsheet, the To: line of an email client, a chat message. It knows nothing
// of users or of the rules an address must follow: the caller hands it a check (in
// Onboard userrules.EmailProblem, through lifecycle.ParseAddresses), so that a
// pasted address is accepted exactly when the new-user form would accept it.
package addrlist

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"onboard/internal/uitext"
)

// Address is one recognised address with the name given with it, if any: a display
// name ("Anna Müller <anna@x.de>") in Name, or names given in columns of a
// spreadsheet row ("Anna<tab>Müller<tab>anna@x.de") in First and Last. At most one
// of Name and First/Last is set.
type Address struct {
	Name  string // "Anna Müller", "Müller, Anna" or ""
	Email string // as typed, without "mailto:" and angle brackets
	First string // the first name cell of a row, or ""
	Last  string // the second name cell of a row, or ""
}

// named reports whether a gives any name.
func (a *Address) named() bool { return a.Name != "" || a.First != "" || a.Last != "" }

// Unreadable is a part of the text that is not a usable address.
type Unreadable struct {
	Text   string // the part as typed (runs of spaces written as one)
	Reason string // e.g. `"anna@example" is not a valid email address`
}

// Result is what Parse found, each list in the order of the text.
type Result struct {
	Addresses  []Address
	Unreadable []Unreadable
	// Duplicates holds each address given more than once (ignoring case), once, as
	// first typed. Addresses holds it once.
	Duplicates []string
}

// NotAnAddress is the reason given for text that does not even look like an address,
// in English; Parse gives it in the window's language (see notAnAddress).
const NotAnAddress = "not an email address"

// notAnAddress is NotAnAddress in the window's language.
func notAnAddress() string { return uitext.L("not an email address") }

// Parse reads the addresses in text. Addresses are separated by line breaks, commas,
// semicolons, spaces or tabs, and may be written as
//
//	anna@example.org
//	Anna Müller <anna@example.org>
//	"Müller, Anna" <anna@example.org>
//	Müller, Anna <anna@example.org>       (as Outlook copies its To: line)
//	<anna@example.org>
//	mailto:anna@example.org
//
// A line may also be a row of a spreadsheet, its cells separated by tabs, or by
// semicolons or commas when it has no tab, where exactly one cell is an address and
// one or two cells are plain names (letters, spaces and . - ' ’ ( )):
//
//	Anna<tab>Müller<tab>anna@example.org   First "Anna", Last "Müller"
//	Anna, Müller, anna@example.org          the same
//	Anna; ; anna@example.org                First "Anna", no last name
//	Anna Müller<tab>anna@example.org        one name cell: the display name, Name
//
// The first name cell is the first name, the second the last name, wherever the
// address stands. Empty cells at the start and end of a row do not count. A row with
// more cells, or with a cell that is neither (a number, a class), is read as above.
//
// check says what is wrong with an address ("" when it is usable); an address it
// refuses is reported in Unreadable with its answer as the reason. Words that are
// neither an address nor the name before one are reported with NotAnAddress.
// A name ends at a line break or semicolon; a name that is itself an address (as
// some email clients repeat it) is dropped.
func Parse(text string, check func(email string) string) Result {
	p := parser{text: text, check: check, seen: map[string]int{}, reported: map[string]bool{}}
	p.run()
	return p.res
}

// piece is a word or a quoted string that may become part of a name.
type piece struct {
	start, end int    // the raw span in the text
	text       string // the word, or the quoted string without quotes and escapes
	comma      bool   // a comma stands between this piece and the one before
}

type parser struct {
	text     string
	check    func(string) string
	res      Result
	seen     map[string]int // folded address -> index in res.Addresses
	reported map[string]bool
	pending  []piece // words since the last address, line break or semicolon
	comma    bool    // a comma was seen since the last piece
	// noClose* is the end of the current line when a quote or angle bracket on it
	// found no partner: later ones on the same line need not look again.
	noCloseQuote, noCloseAngle int
}

func (p *parser) run() {
	t := p.text
	lineStart := true
	for i := 0; i < len(t); {
		if lineStart {
			lineStart = false
			if end, ok := p.row(i); ok {
				i = end
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(t[i:])
		switch {
		case isLineBreak(r):
			p.flush()
			p.comma = false
			i += size
			lineStart = true
		case r == ';':
			p.flush()
			p.comma = false
			i += size
		case r == ',':
			p.comma = true
			i += size
		case isSpace(r):
			i += size
		case r == '"':
			if end, content, ok := p.closing(i, '"'); ok {
				p.addPiece(piece{start: i, end: end, text: content})
				i = end
				break
			}
			i = p.word(i)
		case r == '<':
			if end, content, ok := p.closing(i, '>'); ok {
				p.angle(i, end, content)
				i = end
				break
			}
			i = p.word(i)
		default:
			i = p.word(i)
		}
	}
	p.flush()
}

// closing finds the partner of the quote or angle bracket at i on the same line. It
// returns the index after the partner and what stands between them (a quoted string
// unescaped).
func (p *parser) closing(i int, close byte) (end int, content string, ok bool) {
	limit := &p.noCloseAngle
	if close == '"' {
		limit = &p.noCloseQuote
	}
	if i < *limit {
		return 0, "", false
	}
	var b strings.Builder
	t := p.text
	for j := i + 1; j < len(t); j++ {
		c := t[j]
		switch {
		case c == '\n' || c == '\r' || strings.HasPrefix(t[j:], "\u2028") || strings.HasPrefix(t[j:], "\u2029"):
			*limit = j
			return 0, "", false
		case c == close:
			if close == '>' {
				return j + 1, t[i+1 : j], true
			}
			return j + 1, b.String(), true
		case c == '\\' && close == '"' && j+1 < len(t) && t[j+1] != '\n' && t[j+1] != '\r':
			j++
			b.WriteByte(t[j])
		default:
			b.WriteByte(c)
		}
	}
	*limit = len(t)
	return 0, "", false
}

// word reads a run of ordinary characters from i: an address when it holds an @,
// else a piece of a name. It returns the index after the word.
func (p *parser) word(i int) int {
	t := p.text
	_, size := utf8.DecodeRuneInString(t[i:])
	end := i + size // the first character ('"' or '<' without a partner) always belongs to it
	for end < len(t) {
		r, size := utf8.DecodeRuneInString(t[end:])
		if isLineBreak(r) || isSpace(r) || r == ',' || r == ';' || r == '<' {
			break
		}
		end += size
	}
	w := t[i:end]
	if strings.Contains(w, "@") {
		p.flush() // words before a bare address are not its name
		p.address(i, end, Address{}, w)
	} else {
		p.addPiece(piece{start: i, end: end, text: w})
	}
	return end
}

func (p *parser) addPiece(pc piece) {
	pc.comma = p.comma && len(p.pending) > 0
	p.comma = false
	p.pending = append(p.pending, pc)
}

// angle is an address in angle brackets from start to end; the pending pieces are
// its name.
func (p *parser) angle(start, end int, content string) {
	name := p.name()
	if len(p.pending) > 0 {
		start = p.pending[0].start
	}
	p.pending, p.comma = p.pending[:0], false
	p.address(start, end, Address{Name: name}, content)
}

// name joins the pending pieces: "Müller, Anna", "Anna Maria Müller".
func (p *parser) name() string {
	var b strings.Builder
	for k, pc := range p.pending {
		if k > 0 {
			if pc.comma {
				b.WriteByte(',')
			}
			b.WriteByte(' ')
		}
		b.WriteString(pc.text)
	}
	return oneLine(b.String())
}

// row reads the line from start as a spreadsheet row when it is one (see Parse) and
// returns where the line ends.
func (p *parser) row(start int) (end int, ok bool) {
	end = p.lineEnd(start)
	line := p.text[start:end]
	sep, ok := rowSeparator(line)
	if !ok || !oneAddressCell(line, sep) {
		return 0, false
	}
	a, email, ok := rowAddress(rowCells(line, sep), sep)
	if !ok {
		return 0, false
	}
	p.address(start, end, a, email)
	return end, true
}

// lineEnd is where the line from start ends: at the next line break or the end of
// the text.
func (p *parser) lineEnd(start int) int {
	t, end := p.text, start
	for end < len(t) {
		r, size := utf8.DecodeRuneInString(t[end:])
		if isLineBreak(r) {
			break
		}
		end += size
	}
	return end
}

// rowSeparator is the cell separator of a line read as a row: a tab, else a
// semicolon, else a comma; false when the line has none of them.
func rowSeparator(line string) (string, bool) {
	for _, sep := range []string{"\t", ";", ","} {
		if strings.Contains(line, sep) {
			return sep, true
		}
	}
	return "", false
}

// oneAddressCell reports whether line holds exactly one "@", no quotes, and the cell
// around the "@" has no space. It is checked before the line is split: most lines
// are no rows.
func oneAddressCell(line, sep string) bool {
	at := strings.IndexByte(line, '@')
	if at < 0 || strings.Count(line, "@") != 1 || strings.ContainsRune(line, '"') {
		return false
	}
	from, to := strings.LastIndex(line[:at], sep)+1, len(line)
	if k := strings.Index(line[at:], sep); k >= 0 {
		to = at + k
	}
	return !strings.Contains(oneLine(line[from:to]), " ")
}

// rowCells splits line at sep into cells on one line each, without the empty cells
// at either end.
func rowCells(line, sep string) []string {
	cells := strings.Split(line, sep)
	for i := range cells {
		cells[i] = oneLine(cells[i])
	}
	for len(cells) > 0 && cells[0] == "" {
		cells = cells[1:]
	}
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	return cells
}

// rowAddress reads the cells of a row: one cell with the address (maybe in angle
// brackets) and one name cell (the full name) or two (first and last name). False
// when the cells are not such a row.
func rowAddress(cells []string, sep string) (a Address, email string, ok bool) {
	names := make([]string, 0, 2)
	for _, c := range cells {
		if !strings.Contains(c, "@") {
			names = append(names, c)
			continue
		}
		if email != "" || strings.Contains(c, " ") {
			return Address{}, "", false
		}
		email = c
		if strings.HasPrefix(c, "<") && strings.HasSuffix(c, ">") {
			email = c[1 : len(c)-1]
		}
	}
	if email == "" || len(names) == 0 || len(names) > 2 {
		return Address{}, "", false
	}
	for _, n := range names {
		if !plainName(n, len(names) == 1 && sep == "\t") {
			return Address{}, "", false
		}
	}
	if len(names) == 2 {
		return Address{First: names[0], Last: names[1]}, email, true
	}
	return Address{Name: names[0]}, email, true
}

// plainName reports whether the cell of a row is a name: letters and marks, spaces
// and . - ' ’ ( ), and commas when comma is set ("Müller, Anna"). It holds at least
// one letter, or is empty.
func plainName(cell string, comma bool) bool {
	letter := cell == ""
	for _, r := range cell {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsMark(r), r == ' ', strings.ContainsRune(".-'’()", r), comma && r == ',':
		default:
			return false
		}
	}
	return letter
}

// address checks one address candidate spanning start to end of the text; a holds
// the names given with it.
func (p *parser) address(start, end int, a Address, email string) {
	email = strings.TrimSpace(email)
	if len(email) >= len("mailto:") && strings.EqualFold(email[:len("mailto:")], "mailto:") {
		email = email[len("mailto:"):]
		if q := strings.IndexByte(email, '?'); q >= 0 {
			email = email[:q]
		}
	}
	raw := oneLine(p.text[start:end])
	if !strings.Contains(email, "@") {
		p.res.Unreadable = append(p.res.Unreadable, Unreadable{Text: raw, Reason: notAnAddress()})
		return
	}
	if msg := p.check(email); msg != "" {
		p.res.Unreadable = append(p.res.Unreadable, Unreadable{Text: raw, Reason: msg})
		return
	}
	if strings.Contains(a.Name, "@") {
		a.Name = ""
	}
	a.Email = email
	key := strings.ToLower(norm.NFC.String(email))
	if k, ok := p.seen[key]; ok {
		if had := &p.res.Addresses[k]; !had.named() {
			had.Name, had.First, had.Last = a.Name, a.First, a.Last
		}
		if !p.reported[key] {
			p.reported[key] = true
			p.res.Duplicates = append(p.res.Duplicates, p.res.Addresses[k].Email)
		}
		return
	}
	p.seen[key] = len(p.res.Addresses)
	p.res.Addresses = append(p.res.Addresses, a)
}

// flush reports the pending pieces, which no address followed, as unreadable: one
// part per run between commas.
func (p *parser) flush() {
	for k := 0; k < len(p.pending); {
		j := k + 1
		for j < len(p.pending) && !p.pending[j].comma {
			j++
		}
		raw := oneLine(p.text[p.pending[k].start:p.pending[j-1].end])
		p.res.Unreadable = append(p.res.Unreadable, Unreadable{Text: raw, Reason: notAnAddress()})
		k = j
	}
	p.pending, p.comma = p.pending[:0], false
}

func isLineBreak(r rune) bool { return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' }

// isSpace is a separator that is not a line break: spaces, tabs, no-break and
// zero-width spaces, a byte order mark, and control characters, which a paste
// should not carry into a name.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' || r == utf8.RuneError
}

// oneLine writes every run of separators in s as one space.
func oneLine(s string) string { return strings.Join(strings.FieldsFunc(s, isSpace), " ") }
