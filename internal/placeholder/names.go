package placeholder

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The placeholders of a person's name, and {greeting}, the salutation made of it.
const (
	FirstName = "first_name"
	LastName  = "last_name"
	Greeting  = "greeting"
)

// Common are the placeholders letters and invitation mails share, in the order the
// template editors list them. letters.Placeholders is this list, mail.Placeholders
// adds {invitation_text}.
var Common = []string{Greeting, FirstName, LastName, "username", "key", "valid_until", "url", "organization"}

// Greet is what {greeting} stands for: the salutation of the person named first and
// last, comma included, in language lang ("de"; any other code is English):
// "Dear Anna Müller," or "Guten Tag Anna Müller,", and without a name the neutral
// "Hello," or "Guten Tag,".
func Greet(lang, first, last string) string {
	name := strings.TrimSpace(strings.TrimSpace(first) + " " + strings.TrimSpace(last))
	if name == "" {
		return Neutral(lang) + ","
	}
	if lang == "de" {
		return "Guten Tag " + name + ","
	}
	return "Dear " + name + ","
}

// Neutral is the salutation without a name, without punctuation: "Hello" or
// "Guten Tag" (lang "de").
func Neutral(lang string) string {
	if lang == "de" {
		return "Guten Tag"
	}
	return "Hello"
}

// isName reports whether placeholder name stands for a part of a person's name.
func isName(name string) bool { return name == FirstName || name == LastName }

// FillNames is Fill for a text addressed to a person whose name may be unknown
// (someone invited by email address alone), so that {first_name} and {last_name}
// may be empty. A salutation line whose name placeholders are all empty, such as
// "Dear {first_name} {last_name}," or "Liebe/r {first_name}!", becomes the neutral
// greeting of lang with the line's punctuation ("Hello,", "Guten Tag!"). Elsewhere
// an empty name leaves no doubled space, no space before punctuation, no empty
// parentheses, no comma left hanging and no separator at the start of a line.
// Everything else is written as Fill writes it.
func (t Text) FillNames(lang string, value func(name string) string) string {
	var b strings.Builder
	for i, line := range t.lines() {
		if i > 0 {
			b.WriteByte('\n')
		}
		if s, ok := line.salutation(lang, value); ok {
			b.WriteString(s)
			continue
		}
		b.WriteString(line.fillTidy(value))
	}
	return b.String()
}

// lines splits the text at the line breaks of its literal pieces. A line holds no
// empty literal pieces.
func (t Text) lines() []Text {
	out := []Text{nil}
	for _, s := range t {
		if s.placeholder {
			out[len(out)-1] = append(out[len(out)-1], s)
			continue
		}
		for k, part := range strings.Split(s.text, "\n") {
			if k > 0 {
				out = append(out, nil)
			}
			if part != "" {
				out[len(out)-1] = append(out[len(out)-1], segment{text: part})
			}
		}
	}
	return out
}

// salutation returns the neutral greeting that stands for line when line is a
// salutation (a few words, then only name placeholders, all empty, and at most a
// comma, an exclamation mark or a colon).
func (line Text) salutation(lang string, value func(string) string) (string, bool) {
	if len(line) < 2 || line[0].placeholder {
		return "", false
	}
	prefix, suffix := line[0].text, ""
	body := line[1:]
	if last := line[len(line)-1]; !last.placeholder {
		suffix, body = last.text, line[1:len(line)-1]
	}
	if !body.onlyEmptyNames(value) {
		return "", false
	}
	punct := strings.TrimSpace(suffix)
	if punct != "" && punct != "," && punct != "!" && punct != ":" {
		return "", false
	}
	words := strings.TrimSpace(prefix)
	if !salutationWords(words) {
		return "", false
	}
	if punct == "" && !knownSalutation(words) {
		return "", false // "Student {first_name}" may be a label, not a salutation
	}
	indent := prefix[:len(prefix)-len(strings.TrimLeftFunc(prefix, unicode.IsSpace))]
	return indent + Neutral(lang) + punct, true
}

// onlyEmptyNames reports whether body holds at least one name placeholder, all of
// them empty, and besides them only spaces.
func (body Text) onlyEmptyNames(value func(string) string) bool {
	holes := 0
	for _, s := range body {
		switch {
		case !s.placeholder:
			if strings.TrimSpace(s.text) != "" {
				return false
			}
		case !isName(s.text) || strings.TrimSpace(value(s.text)) != "":
			return false
		default:
			holes++
		}
	}
	return holes > 0
}

// salutationWords reports whether words may open a salutation: one to four words
// of at most 40 letters in all, with no characters but letters, marks, spaces and
// / . - ' ’ ( ).
func salutationWords(words string) bool {
	return words != "" && utf8.RuneCountInString(words) <= 40 && len(strings.Fields(words)) <= 4 &&
		!strings.ContainsFunc(words, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsSpace(r) && !strings.ContainsRune("/.-'’()", r)
		})
}

// knownSalutation reports whether words start with a word that opens a letter in
// English or German.
func knownSalutation(words string) bool {
	first := strings.ToLower(strings.Fields(words)[0])
	if i := strings.IndexFunc(first, func(r rune) bool { return !unicode.IsLetter(r) }); i >= 0 {
		first = first[:i] // "liebe/r", "geehrte(r)"
	}
	switch first {
	case "dear", "hello", "hi", "hey", "greetings", "good",
		"liebe", "lieber", "liebes", "hallo", "guten", "sehr", "moin", "servus", "grüß", "grüezi":
		return true
	}
	return false
}

// fillTidy fills one line; around an empty name placeholder it drops the spaces,
// parentheses and separators the name would have stood between.
func (line Text) fillTidy(value func(string) string) string {
	var cur string
	dropLead, holes := false, false
	for i, s := range line {
		if !s.placeholder {
			cur, dropLead = appendLiteral(cur, s.text, dropLead)
			continue
		}
		v := value(s.text)
		if !isName(s.text) || strings.TrimSpace(v) != "" {
			cur += v
			dropLead = false
			continue
		}
		holes = true
		if blank(cur) {
			dropLead = true
			continue
		}
		cur = line.trimBeforeEmptyName(cur, i)
	}
	if holes && strings.Contains(cur, "(") {
		cur = emptyParens.ReplaceAllString(cur, "")
	}
	return cur
}

// appendLiteral appends the literal text to the line filled so far, cur. With
// dropLead (an empty name at the start of the line came before) it drops the
// text's leading spaces, and at the start of the line also a separator; dropLead
// stays set while the text dropped is all there was.
func appendLiteral(cur, text string, dropLead bool) (string, bool) {
	if !dropLead {
		return cur + text, false
	}
	text = strings.TrimLeft(text, " \t")
	if blank(cur) {
		text = strings.TrimLeft(strings.TrimLeft(text, ",;:"), " \t")
	}
	return cur + text, text == ""
}

// trimBeforeEmptyName drops from the line filled so far, cur, what would stand
// before line[i], an empty name not at the start of the line: the space before it
// when a space, a stop or the end of the line follows, and a comma before it when
// a stop or the end of the line follows.
func (line Text) trimBeforeEmptyName(cur string, i int) string {
	next := ""
	if i+1 < len(line) && !line[i+1].placeholder {
		next = line[i+1].text
	}
	lineEnd := i == len(line)-1 || (i == len(line)-2 && strings.TrimSpace(next) == "")
	if endsWithSpace(cur) && (lineEnd || strings.HasPrefix(next, " ") || strings.HasPrefix(next, "\t") || startsWithStop(next)) {
		cur = strings.TrimRight(cur, " \t")
	}
	if strings.HasSuffix(cur, ",") && (lineEnd || startsWithStop(next)) {
		cur = cur[:len(cur)-1] // "Welcome, {first_name}!" → "Welcome!"
	}
	return cur
}

// emptyParens are parentheses an empty name left with nothing between them.
var emptyParens = regexp.MustCompile(`[ \t]?\([ \t]*\)`)

// blank reports whether the current line of s holds only spaces.
func blank(s string) bool {
	return strings.TrimSpace(s[strings.LastIndexByte(s, '\n')+1:]) == ""
}

func endsWithSpace(s string) bool { return strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\t") }

// startsWithStop reports whether s starts with punctuation that closes a phrase.
func startsWithStop(s string) bool {
	return s != "" && strings.ContainsRune(",.;:!?)", rune(s[0]))
}
