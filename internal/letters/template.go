package letters

import (
	"fmt"
	"slices"
	"strings"

	"onboard/internal/placeholder"
)

// Template is the text of a letter: a title and a body with placeholders such as
// {first_name}. Lang selects the language of the fixed labels ("en" or "de").
type Template struct {
	Lang  string
	Title string
	Body  string
}

// Fields are the values the placeholders stand for (see placeholder.Fields.Value).
type Fields = placeholder.Fields

// Placeholders are the names a template may use, each written in braces: those of
// placeholder.Common. {greeting} is "Dear Anna Müller," or, without a name,
// "Hello," (German: "Guten Tag …,") in the language of the template.
var Placeholders = slices.Clone(placeholder.Common)

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

const defaultBodyEN = `{greeting}

an account has been prepared for you at {organization}. To start using it, register once with your personal key:

1. Open {url} in a web browser.
2. Check your name and enter your key if it is not filled in already.
3. Choose a password and confirm it.

Your key can be used once and only by you. Please register before {valid_until}; after that date the key no longer works and you need to ask for a new one.

Keep this letter until you have registered. If you did not expect it, please let us know.`

const defaultBodyDE = `{greeting}

bei {organization} wurde ein Zugang für Sie eingerichtet. Um ihn zu nutzen, registrieren Sie sich einmal mit Ihrem persönlichen Schlüssel:

1. Öffnen Sie {url} in einem Webbrowser.
2. Prüfen Sie Ihren Namen und geben Sie Ihren Schlüssel ein, falls er nicht schon eingetragen ist.
3. Wählen Sie ein Passwort und bestätigen Sie es.

Der Schlüssel gilt nur einmal und nur für Sie. Bitte registrieren Sie sich vor dem {valid_until}; danach ist der Schlüssel ungültig und Sie brauchen einen neuen.

Bewahren Sie diesen Brief auf, bis Sie sich registriert haben. Falls Sie ihn nicht erwartet haben, geben Sie uns bitte Bescheid.`

// PlaceholderError reports a placeholder a template cannot fill, with its position.
type PlaceholderError = placeholder.Error

// Check reports the first problem of the title, then of the body.
func (t Template) Check() error {
	if strings.TrimSpace(t.Title) == "" {
		return fmt.Errorf("title: the title is empty")
	}
	if _, err := placeholder.Parse("title", t.Title, Placeholders); err != nil {
		return err
	}
	_, err := placeholder.Parse("body", t.Body, Placeholders)
	return err
}

// compiled is a checked template, ready to fill many times.
type compiled struct {
	lang        string
	title, body placeholder.Text
}

func (t Template) compile() (*compiled, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	title, _ := placeholder.Parse("title", t.Title, Placeholders)
	body, _ := placeholder.Parse("body", t.Body, Placeholders)
	return &compiled{lang: t.Lang, title: title, body: body}, nil
}

// fill writes t for the person of f. A person without a name is greeted neutrally
// by a salutation line of an older template ("Dear {first_name} {last_name}," gives
// "Hello,"), and an empty name leaves no stray spaces or punctuation.
func (c *compiled) fill(t placeholder.Text, f *Fields) string {
	return t.FillNames(c.lang, func(name string) string { return f.Value(c.lang, name) })
}
