// Package placeholder reads texts with placeholders such as {first_name}, as letter
// and mail templates are written, and fills them. A doubled brace ({{ or }}) stands
// for a brace; an unknown name or a brace left open is an error that says where.
package placeholder

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Error reports a placeholder a template cannot fill: unknown, or a
// brace that is never closed. Line and Column count from 1, in characters.
type Error struct {
	Part   string // "title" or "body"
	Line   int
	Column int
	Text   string // what was written, braces included
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s, line %d, column %d: %s %s", e.Part, e.Line, e.Column, e.Reason, e.Text)
}

// Text is a parsed text: literal pieces and placeholders, ready to fill many times.
type Text []segment

// segment is a piece of a parsed text: literal text or a placeholder name.
type segment struct {
	text        string
	placeholder bool
}

// Parse splits text into literal pieces and placeholders, each of which must be one
// of known. part names the text in errors ("title", "body", "subject").
func Parse(part, text string, known []string) (Text, error) {
	var out Text
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
				return nil, &Error{
					Part: part, Line: line, Column: col, Text: clip(text[i:]),
					Reason: "a brace is not closed (write {{ for a brace):",
				}
			}
			name := text[i+1 : i+1+end]
			if !slices.Contains(known, name) {
				return nil, &Error{
					Part: part, Line: line, Column: col, Text: "{" + name + "}",
					Reason: "unknown placeholder " + suggestion(name, known) + ":",
				}
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
			return nil, &Error{
				Part: part, Line: line, Column: col, Text: "}",
				Reason: "a closing brace has no opening brace (write }} for a brace):",
			}
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

// suggestion names the placeholders, the closest first.
func suggestion(name string, known []string) string {
	list := slices.Clone(known)
	sort.SliceStable(list, func(i, j int) bool { return distance(name, list[i]) < distance(name, list[j]) })
	return "(did you mean {" + list[0] + "}? known: {" + strings.Join(known, "} {") + "})"
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

// Fill writes the text with each placeholder replaced by value(name).
func (t Text) Fill(value func(name string) string) string {
	var b strings.Builder
	for _, s := range t {
		if s.placeholder {
			b.WriteString(value(s.text))
		} else {
			b.WriteString(s.text)
		}
	}
	return b.String()
}

// Names lists the placeholders of the text in order, repeats included.
func (t Text) Names() []string {
	var out []string
	for _, s := range t {
		if s.placeholder {
			out = append(out, s.text)
		}
	}
	return out
}
