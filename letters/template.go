package letters

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Template is the text of a letter: a title and a body with placeholders such as
// {first_name}. Lang selects the language of the fixed labels ("en" or "de").
type Template struct {
	Lang  string
	Title string
	Body  string
}

// Fields are the values the placeholders stand for.
type Fields struct {
	FirstName, LastName, Username, Key, ValidUntil, URL, Organization string
}

// Placeholders are the names a template may use, each written in braces.
var Placeholders = []string{"first_name", "last_name", "username", "key", "valid_until", "url", "organization"}

func (f *Fields) value(name string) string {
	switch name {
	case "first_name":
		return f.FirstName
	case "last_name":
		return f.LastName
	case "username":
		return f.Username
	case "key":
		return f.Key
	case "valid_until":
		return f.ValidUntil
	case "url":
		return f.URL
	case "organization":
		return f.Organization
	}
	return ""
}

// Languages are the languages with a default template, by code.
var Languages = map[string]string{"en": "English", "de": "Deutsch"}

// DefaultTemplate returns the built-in template of language lang ("en" or "de");
// any other code gives the English one.
func DefaultTemplate(lang string) Template {
	if lang == "de" {
		return Template{Lang: "de", Title: "Ihre Zugangsdaten für {organization}", Body: defaultBodyDE}
	}
	return Template{Lang: "en", Title: "Your account at {organization}", Body: defaultBodyEN}
}

const defaultBodyEN = `Dear {first_name} {last_name},

an account has been prepared for you at {organization}. To start using it, register once with your personal key:

1. Open {url} in a web browser.
2. Check your name and enter your key if it is not filled in already.
3. Choose a password and confirm it.

Your key can be used once and only by you. Please register before {valid_until}; after that date the key no longer works and you need to ask for a new one.

Keep this letter until you have registered. If you did not expect it, please let us know.`

const defaultBodyDE = `Guten Tag {first_name} {last_name},

bei {organization} wurde ein Zugang für Sie eingerichtet. Um ihn zu nutzen, registrieren Sie sich einmal mit Ihrem persönlichen Schlüssel:

1. Öffnen Sie {url} in einem Webbrowser.
2. Prüfen Sie Ihren Namen und geben Sie Ihren Schlüssel ein, falls er nicht schon eingetragen ist.
3. Wählen Sie ein Passwort und bestätigen Sie es.

Der Schlüssel gilt nur einmal und nur für Sie. Bitte registrieren Sie sich vor dem {valid_until}; danach ist der Schlüssel ungültig und Sie brauchen einen neuen.

Bewahren Sie diesen Brief auf, bis Sie sich registriert haben. Falls Sie ihn nicht erwartet haben, geben Sie uns bitte Bescheid.`

// PlaceholderError reports a placeholder a template cannot fill: unknown, or a
// brace that is never closed. Line and Column count from 1, in characters.
type PlaceholderError struct {
	Part   string // "title" or "body"
	Line   int
	Column int
	Text   string // what was written, braces included
	Reason string
}

func (e *PlaceholderError) Error() string {
	return fmt.Sprintf("%s, line %d, column %d: %s %s", e.Part, e.Line, e.Column, e.Reason, e.Text)
}

// segment is a piece of a parsed template: literal text or a placeholder name.
type segment struct {
	text        string
	placeholder bool
}

// Check reports the first problem of the title, then of the body.
func (t Template) Check() error {
	if strings.TrimSpace(t.Title) == "" {
		return fmt.Errorf("title: the title is empty")
	}
	if _, err := parse("title", t.Title); err != nil {
		return err
	}
	_, err := parse("body", t.Body)
	return err
}

// parse splits text into literal pieces and placeholders. A doubled brace ({{ or
// }}) is a literal brace.
func parse(part, text string) ([]segment, error) {
	var out []segment
	var lit strings.Builder
	line, col := 1, 1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case strings.HasPrefix(text[i:], "{{"), strings.HasPrefix(text[i:], "}}"):
			lit.WriteByte(text[i])
			i += 2
			col += 2
			continue
		case r == '{':
			end := strings.IndexAny(text[i+1:], "{}\n")
			if end < 0 || text[i+1+end] != '}' {
				return nil, &PlaceholderError{Part: part, Line: line, Column: col, Text: clip(text[i:]),
					Reason: "a brace is not closed (write {{ for a brace):"}
			}
			name := text[i+1 : i+1+end]
			if !known(name) {
				return nil, &PlaceholderError{Part: part, Line: line, Column: col, Text: "{" + name + "}",
					Reason: "unknown placeholder " + suggestion(name) + ":"}
			}
			if lit.Len() > 0 {
				out = append(out, segment{text: lit.String()})
				lit.Reset()
			}
			out = append(out, segment{text: name, placeholder: true})
			col += utf8.RuneCountInString(name) + 2
			i += end + 2
			continue
		case r == '}':
			return nil, &PlaceholderError{Part: part, Line: line, Column: col, Text: "}",
				Reason: "a closing brace has no opening brace (write }} for a brace):"}
		case r == '\n':
			line, col = line+1, 0
		}
		lit.WriteString(text[i : i+size])
		i += size
		col++
	}
	if lit.Len() > 0 {
		out = append(out, segment{text: lit.String()})
	}
	return out, nil
}

func known(name string) bool {
	for _, p := range Placeholders {
		if p == name {
			return true
		}
	}
	return false
}

// suggestion names the placeholders, the closest first.
func suggestion(name string) string {
	list := append([]string(nil), Placeholders...)
	sort.SliceStable(list, func(i, j int) bool { return distance(name, list[i]) < distance(name, list[j]) })
	return "(did you mean {" + list[0] + "}? known: {" + strings.Join(Placeholders, "} {") + "})"
}

// distance is the Levenshtein distance of a and b in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

func clip(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if utf8.RuneCountInString(s) > 20 {
		s = string([]rune(s)[:20]) + "…"
	}
	return s
}

// compiled is a checked template, ready to fill many times.
type compiled struct {
	title, body []segment
}

func (t Template) compile() (*compiled, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	title, _ := parse("title", t.Title)
	body, _ := parse("body", t.Body)
	return &compiled{title: title, body: body}, nil
}

func fill(segs []segment, f *Fields) string {
	var b strings.Builder
	for _, s := range segs {
		if s.placeholder {
			b.WriteString(f.value(s.text))
		} else {
			b.WriteString(s.text)
		}
	}
	return b.String()
}
