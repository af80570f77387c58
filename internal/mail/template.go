// Package mail sends invitation emails through the organization's SMTP server.
//
// A Template holds the subject and body an administrator edits, with the same
// {placeholders} as the printed letters; Render fills it for one person and gives
// a plain text and a small HTML version. Dial opens one connection to the mail
// server (STARTTLS, implicit TLS, or plain only to a server on this computer),
// and Client.Send delivers one Message after another over it. Send reports
// failures as *SendError, which says whether trying again later can help;
// Backoff and MaxAttempts give the retry schedule for the outbox that calls it.
package mail

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"onboard/internal/placeholder"
)

// Template is the text of an invitation email: a one-line subject and a body with
// placeholders such as {first_name}. Lang is the language code of the text ("en",
// "de"); it is written into the HTML version.
type Template struct {
	Lang    string
	Subject string
	Body    string
}

// Placeholders are the names a mail template may use, each written in braces. They
// are the letters' placeholders (placeholder.Common) plus {invitation_text}, the
// administrator's personal paragraph. {greeting} is "Dear Anna Müller," or, without
// a name, "Hello," (German: "Guten Tag …,") in the language of the template.
var Placeholders = slices.Concat(placeholder.Common, []string{"invitation_text"})

// Fields are the values the placeholders stand for. InvitationText may span
// several lines and may be empty.
type Fields struct {
	FirstName, LastName, Username, Key, ValidUntil, URL, Organization, InvitationText string
}

// value returns the value of placeholder name in a mail of language lang:
// {invitation_text} is InvitationText, the placeholders mails share with letters
// are as placeholder.Fields.Value gives them.
func (f *Fields) value(lang, name string) string {
	if name == "invitation_text" {
		return f.InvitationText
	}
	return f.common().Value(lang, name)
}

// common are the fields of the placeholders mails share with letters.
func (f *Fields) common() placeholder.Fields {
	return placeholder.Fields{
		FirstName: f.FirstName, LastName: f.LastName, Username: f.Username, Key: f.Key,
		ValidUntil: f.ValidUntil, URL: f.URL, Organization: f.Organization,
	}
}

// Content is a rendered email: the subject, the plain text body and the same body
// as a small HTML document.
type Content struct {
	Subject string
	Text    string
	HTML    string
}

// DefaultTemplate returns the built-in template of language lang ("en" or "de");
// any other code gives the English one.
func DefaultTemplate(lang string) Template {
	if lang == "de" {
		return Template{Lang: "de", Subject: "Ihr Zugang bei {organization}", Body: defaultBodyDE}
	}
	return Template{Lang: "en", Subject: "Your account at {organization}", Body: defaultBodyEN}
}

const defaultBodyEN = `{greeting}

{invitation_text}

An account has been prepared for you at {organization}. To start using it, register once with your personal key:

1. Open this link in a web browser: {url}
2. Check your name and enter your key if it is not filled in already.
3. Choose a password and confirm it.

Your key: {key}
Valid until: {valid_until}

The key can be used once and only by you. After {valid_until} it no longer works and you need to ask us for a new one.

If you did not expect this email, please do not open the link and let us know by replying to this message.

Kind regards,
{organization}`

const defaultBodyDE = `{greeting}

{invitation_text}

Ihr Zugang bei {organization} ist eingerichtet. Um ihn zu nutzen, registrieren Sie sich einmal mit Ihrem persönlichen Schlüssel:

1. Öffnen Sie diesen Link in einem Webbrowser: {url}
2. Prüfen Sie Ihren Namen und geben Sie Ihren Schlüssel ein, falls er nicht schon eingetragen ist.
3. Wählen Sie ein Passwort und bestätigen Sie es.

Ihr Schlüssel: {key}
Gültig bis: {valid_until}

Der Schlüssel gilt nur einmal und nur für Sie. Nach dem {valid_until} ist er ungültig und Sie brauchen einen neuen.

Falls Sie diese E-Mail nicht erwartet haben, öffnen Sie den Link bitte nicht und geben Sie uns mit einer Antwort auf diese Nachricht Bescheid.

Mit freundlichen Grüßen
{organization}`

// Check reports the first problem of the subject, then of the body: an empty
// subject or body, a subject of more than one line, or a placeholder that cannot be
// filled (a *placeholder.Error with part "subject" or "body", line and column).
func (t Template) Check() error {
	if strings.TrimSpace(t.Subject) == "" {
		return fmt.Errorf("subject: the subject is empty")
	}
	if strings.ContainsAny(t.Subject, "\r\n") {
		return fmt.Errorf("subject: the subject must be a single line")
	}
	if _, err := placeholder.Parse("subject", t.Subject, Placeholders); err != nil {
		return err
	}
	if strings.TrimSpace(t.Body) == "" {
		return fmt.Errorf("body: the body is empty")
	}
	_, err := placeholder.Parse("body", t.Body, Placeholders)
	return err
}

// Render fills the template with f. The text has Unix line ends, no trailing
// spaces, and at most one blank line between paragraphs, so an empty
// {invitation_text} leaves no gap. A person without a name is greeted neutrally,
// also by a salutation line such as "Dear {first_name} {last_name}," ("Hello,"),
// and an empty name leaves no stray spaces or punctuation (see
// placeholder.Text.FillNames). The HTML version is made from the text with
// every character escaped, paragraphs as <p>, line breaks as <br> and http(s)
// addresses as links. It is an error when a value is not valid UTF-8 or contains
// control characters, and when a value in the subject contains a line break.
func (t Template) Render(f Fields) (Content, error) {
	if err := t.Check(); err != nil {
		return Content{}, err
	}
	subject, _ := placeholder.Parse("subject", t.Subject, Placeholders)
	body, _ := placeholder.Parse("body", t.Body, Placeholders)
	value := func(name string) string { return f.value(t.Lang, name) }
	for _, name := range sources(subject.Names()) {
		if err := CheckHeader("subject", value(name)); err != nil {
			return Content{}, fmt.Errorf("%w (in the value of {%s})", err, name)
		}
	}
	for _, name := range sources(body.Names()) {
		if err := checkText(name, value(name)); err != nil {
			return Content{}, err
		}
	}
	c := Content{
		Subject: strings.TrimSpace(subject.FillNames(t.Lang, value)),
		Text:    tidy(body.FillNames(t.Lang, func(name string) string { return unixLines(value(name)) })),
	}
	if err := CheckHeader("subject", c.Subject); err != nil {
		return Content{}, err
	}
	c.HTML = toHTML(t.Lang, c.Subject, c.Text)
	return c, nil
}

// sources are the placeholders whose values make up names: {greeting} is made of
// {first_name} and {last_name}, so that a bad value is named as the field it is in.
func sources(names []string) []string {
	out := make([]string, 0, len(names)+1)
	for _, n := range names {
		if n == placeholder.Greeting {
			out = append(out, placeholder.FirstName, placeholder.LastName)
		} else {
			out = append(out, n)
		}
	}
	return out
}

// checkText reports invalid UTF-8 and control characters other than line breaks
// and tabs in the value of placeholder name.
func checkText(name, value string) error {
	if !utf8.ValidString(value) {
		return fmt.Errorf("{%s}: the value is not valid UTF-8 text", name)
	}
	for _, r := range value {
		if isControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return fmt.Errorf("{%s}: control characters are not allowed (%U)", name, r)
		}
	}
	return nil
}

// unixLines turns CR LF and lone CR into LF.
func unixLines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// tidy removes trailing spaces from every line, collapses runs of blank lines
// into one and trims the text.
func tidy(s string) string {
	lines := strings.Split(unixLines(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	s = blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.Trim(s, "\n")
}

var webLink = regexp.MustCompile(`https?://[^\s<>"]+`)

// toHTML makes a small HTML document of text: paragraphs split at blank lines,
// single line breaks as <br>, http(s) addresses as links, everything escaped.
func toHTML(lang, title, text string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"" + html.EscapeString(lang) + "\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<title>" + html.EscapeString(title) + "</title>\n</head>\n")
	b.WriteString("<body style=\"font-family: sans-serif; line-height: 1.4;\">\n")
	for _, para := range strings.Split(text, "\n\n") {
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			writeLinked(&b, line)
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("</body>\n</html>\n")
	return b.String()
}

// writeLinked writes line escaped, with each http(s) address as a link. Closing
// punctuation at the end of an address is taken as part of the sentence.
func writeLinked(b *strings.Builder, line string) {
	for line != "" {
		loc := webLink.FindStringIndex(line)
		if loc == nil {
			b.WriteString(html.EscapeString(line))
			return
		}
		link := strings.TrimRight(line[loc[0]:loc[1]], ".,;:!?')]}")
		end := loc[0] + len(link)
		b.WriteString(html.EscapeString(line[:loc[0]]))
		b.WriteString(`<a href="` + html.EscapeString(link) + `">` + html.EscapeString(link) + `</a>`)
		line = line[end:]
	}
}
