package resources

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// The window's texts are English in the code, lang.L("Delete user") or
// fmt.Sprintf(lang.L("Delete (%s)"), n), and translated when they are shown.
// SetLanguage decides the language once at start.

// translationFiles holds the German texts of the window, English text -> German:
// translations/*.de.json, one file per area of the window, merged at load. Beside
// them, translations/fyne/ holds a copy of Fyne's own base.en.json and base.de.json
// (fyne.io/fyne/v2 v2.7.1, lang/translations; BSD 3-Clause licence, Copyright (C)
// 2018 Fyne.io developers, see translations/fyne/LICENSE), so that Fyne's dialog
// buttons (Yes, No, Cancel, OK, Open, Save) and the entries' menu (Cut, Copy,
// Paste) follow the chosen language too.
//
//go:embed translations/*.de.json translations/fyne/*.json
var translationFiles embed.FS

// The files in translationFiles.
const (
	ownGerman   = "translations/*.de.json"
	fyneGerman  = "translations/fyne/base.de.json"
	fyneEnglish = "translations/fyne/base.en.json"
)

// fyneLanguages are the languages Fyne v2.7.1 has translations for (its module's
// lang/translations/base.*.json; a test compares). Fyne's lang package picks the
// one closest to the system's locale (on Windows and macOS from the system
// settings, not from environment variables), so SetLanguage registers the chosen
// language under every one of them: whichever the matcher picks speaks it.
var fyneLanguages = []fyne.Locale{"cs", "de", "el", "en", "es", "fr", "pl", "pt", "pt_BR", "ru", "sv", "ta", "uk", "zh_Hans"}

// SetLanguage makes lang.L answer in the language code: "de" German, anything
// else English (the language of the code), on every system whatever its locale.
// Call it at start, before the window builds its texts (lang.L must not run
// meanwhile on another goroutine).
func SetLanguage(code string) {
	msgs, err := catalog(translationFiles, code == "de")
	if err != nil {
		fyne.LogError("Cannot read the translations", err)
		return
	}
	file := make(map[string]any, len(msgs))
	for id, m := range msgs {
		if s, ok := m.(string); ok {
			// An object, never a bare string: go-i18n would take a file with a
			// text such as "Description" or "Other" at its top for one message.
			m = map[string]string{"other": s}
		}
		file[id] = m
	}
	data, err := json.Marshal(file)
	if err != nil {
		fyne.LogError("Cannot write the translations", err)
		return
	}
	for _, l := range fyneLanguages {
		if err := lang.AddTranslationsForLocale(data, l); err != nil {
			fyne.LogError("Cannot register the translations for "+l.String(), err)
		}
	}
}

// SystemLanguage is "de" when the system's locale is German, else "en".
func SystemLanguage() string {
	base, _, _ := strings.Cut(lang.SystemLocale().String(), "-")
	if strings.EqualFold(base, "de") {
		return "de"
	}
	return "en"
}

// Mark returns text unchanged. It marks an English UI text that is translated
// where it is shown, with lang.L(v), rather than where it is written: texts in
// tables that package variables hold, which are built before SetLanguage runs
// (a package variable must not call lang.L). The check of the translations counts
// Mark's texts like those of lang.L.
func Mark(text string) string { return text }

// catalog is every text the window and Fyne translate, by English text, in German
// (german) or English. Both languages hold the same texts, so that lang.L never
// misses one: go-i18n answers a text the matched language lacks with the English
// fallback and an error (unless that language is its default, English), and Fyne
// logs the error as "Translation failure". A value is a string or, for Fyne's
// plural texts, the forms by name ({"other": "Name"}).
func catalog(fsys fs.FS, german bool) (map[string]any, error) {
	fyneEN, err := readTexts(fsys, fyneEnglish)
	if err != nil {
		return nil, err
	}
	fyneDE, err := readTexts(fsys, fyneGerman)
	if err != nil {
		return nil, err
	}
	own, err := readTexts(fsys, ownGerman)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, texts := range []map[string]text{fyneEN, fyneDE, own} {
		for id := range texts {
			out[id] = id
		}
	}
	add := func(texts map[string]text) {
		for id, t := range texts {
			out[id] = t.value
		}
	}
	add(fyneEN)
	if german {
		add(fyneDE)
		add(own) // our own translation of a text Fyne has too wins
	}
	return out, nil
}

// text is one entry of a translation file.
type text struct {
	file  string
	value any // string, or map[string]string of plural forms
}

// readTexts reads and merges the translation files that match pattern. A text
// in two of them, a text twice in one, an empty translation or one that is neither
// a string nor plural forms is an error naming the file and the text.
func readTexts(fsys fs.FS, pattern string) (map[string]text, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no translation file matches %s", pattern)
	}
	out := map[string]text{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		entries, err := decodeTexts(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, e := range entries {
			if before, ok := out[e.id]; ok {
				return nil, fmt.Errorf("%s: %q is in %s too", name, e.id, before.file)
			}
			out[e.id] = text{file: name, value: e.value}
		}
	}
	return out, nil
}

type entry struct {
	id    string
	value any
}

// pluralForms are the names go-i18n gives the plural forms of a text.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// decodeTexts reads one translation file: a JSON object of texts, each a string
// or an object of plural forms.
func decodeTexts(data []byte) ([]entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object of texts")
	}
	var out []entry
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		id, ok := tok.(string)
		if !ok {
			return nil, errors.New("not a JSON object of texts")
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%q: %w", id, err)
		}
		value, err := checkValue(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", id, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("%q is in the file twice", id)
		}
		seen[id] = true
		out = append(out, entry{id, value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

// checkValue accepts a non-empty string or an object of non-empty plural forms
// with "other" among them.
func checkValue(v any) (any, error) {
	switch v := v.(type) {
	case string:
		if v == "" {
			return nil, errors.New("the translation is empty")
		}
		return v, nil
	case map[string]any:
		forms := make(map[string]string, len(v))
		for form, s := range v {
			str, ok := s.(string)
			if !ok || str == "" || !slices.Contains(pluralForms, form) {
				return nil, fmt.Errorf("plural form %q is not one of %v with a text", form, pluralForms)
			}
			forms[form] = str
		}
		if forms["other"] == "" {
			return nil, errors.New(`the plural forms lack "other"`)
		}
		return forms, nil
	}
	return nil, errors.New("the translation is neither a text nor plural forms")
}
