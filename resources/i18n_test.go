package resources

import (
	"bytes"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"fyne.io/fyne/v2/lang"
)

// setLocale sets the system locale as Fyne reads it on Linux and BSD (the first of
// LC_ALL, LC_MESSAGES, LANG; LANGUAGE before them unless the locale is C).
func setLocale(t *testing.T, locale string) {
	t.Helper()
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", locale)
	t.Cleanup(func() { SetLanguage("en") }) // the other tests expect English
}

// captureLog collects what the standard logger writes (Fyne's errors go there)
// until the test ends.
func captureLog(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	before, flags := log.Writer(), log.Flags()
	log.SetOutput(&buf)
	t.Cleanup(func() {
		log.SetOutput(before)
		log.SetFlags(flags)
	})
	return &buf
}

func mustTranslate(t *testing.T, locale, language string, want map[string]string) {
	t.Helper()
	for en, w := range want {
		if got := lang.L(en); got != w {
			t.Errorf("LANG=%s, SetLanguage(%q): lang.L(%q) = %q, want %q", locale, language, en, got, w)
		}
	}
}

func TestSetLanguageSwitchesFyneAndOwnTexts(t *testing.T) {
	setLocale(t, "en_US.UTF-8")
	SetLanguage("de")
	mustTranslate(t, "en_US", "de", map[string]string{"No": "Nein", "Cancel": "Abbrechen", "Paste": "Einfügen", "Appearance": "Darstellung"})
	SetLanguage("en")
	mustTranslate(t, "en_US", "en", map[string]string{"No": "No", "Cancel": "Cancel", "Paste": "Paste", "Appearance": "Appearance"})
}

func TestSetLanguageEnglishOnAGermanSystem(t *testing.T) {
	setLocale(t, "de_DE.UTF-8")
	SetLanguage("en")
	mustTranslate(t, "de_DE", "en", map[string]string{"No": "No", "Yes": "Yes", "Appearance": "Appearance"})
	SetLanguage("de")
	mustTranslate(t, "de_DE", "de", map[string]string{"No": "Nein", "Yes": "Ja", "Appearance": "Darstellung"})
}

// TestSetLanguageHoldsOnEverySystemLocale: whichever of Fyne's languages the
// system's locale matches (or none), the chosen language answers, with Fyne's keyed
// texts (lang.X) too, and nothing is logged.
func TestSetLanguageHoldsOnEverySystemLocale(t *testing.T) {
	logged := captureLog(t)
	for _, locale := range []string{
		"de_DE.UTF-8", "de_AT.UTF-8", "de_CH", "en_US.UTF-8", "en_GB", "fr_FR.UTF-8", "pt_BR.UTF-8", "pt_PT",
		"zh_CN.UTF-8", "zh_TW", "sr_RS", "ja_JP.UTF-8", "ta_IN", "uk_UA", "C", "",
	} {
		setLocale(t, locale)
		SetLanguage("en")
		mustTranslate(t, locale, "en", map[string]string{"No": "No", "Open": "Open", "Appearance": "Appearance"})
		if got := lang.X("file.parent", "Parent"); got != "Parent" {
			t.Errorf("LANG=%s, English: file.parent = %q", locale, got)
		}
		SetLanguage("de")
		mustTranslate(t, locale, "de", map[string]string{"No": "Nein", "Open": "Öffnen", "Appearance": "Darstellung"})
		if got := lang.X("file.parent", "Parent"); got != "../" {
			t.Errorf("LANG=%s, German: file.parent = %q", locale, got)
		}
	}
	if logged.Len() > 0 {
		t.Errorf("logged:\n%s", logged)
	}
}

// TestNoTextIsMissingInEitherLanguage: on a German system with English chosen,
// and on an English one with German chosen, every text of the translation files
// comes out in the chosen language, and Fyne logs no "Translation failure".
// (go-i18n answers a text the matched language lacks with the English fallback
// and an error, unless the matched language is English, its default; the control
// at the end shows that the log catches it.)
func TestNoTextIsMissingInEitherLanguage(t *testing.T) {
	want := expectedTexts(t)
	logged := captureLog(t)
	for _, c := range []struct{ locale, code string }{
		{"de_DE.UTF-8", "en"}, {"fr_FR.UTF-8", "en"}, {"en_US.UTF-8", "de"}, {"de_DE.UTF-8", "de"}, {"de_DE.UTF-8", "en"},
	} {
		setLocale(t, c.locale)
		SetLanguage(c.code)
		texts := want[c.code]
		for _, id := range slices.Sorted(maps.Keys(texts)) {
			if got := lang.L(id); got != texts[id] {
				t.Errorf("LANG=%s, SetLanguage(%q): lang.L(%q) = %q, want %q", c.locale, c.code, id, got, texts[id])
			}
		}
	}
	if strings.Contains(logged.String(), "Translation failure") {
		t.Errorf("a text is missing in one language:\n%s", logged)
	}

	logged.Reset()
	setLocale(t, "de_DE.UTF-8")
	SetLanguage("en")
	if got := lang.L("A text no translation file has"); got != "A text no translation file has" {
		t.Errorf("a missing text: %q", got)
	}
	if !strings.Contains(logged.String(), "Translation failure") {
		t.Errorf("a missing text on a German system logs nothing: %q", logged)
	}
}

// expectedTexts reads the translation files and says what lang.L gives for each
// of their texts, by language: German from our files, else Fyne's German, else
// Fyne's English; English from Fyne's English, else the text itself.
func expectedTexts(t *testing.T) map[string]map[string]string {
	t.Helper()
	files := map[string]map[string]text{}
	for name, pattern := range map[string]string{"own": ownGerman, "fyneDE": fyneGerman, "fyneEN": fyneEnglish} {
		texts, err := readTexts(translationFiles, pattern)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = texts
	}
	value := func(x text) string {
		if s, ok := x.value.(string); ok {
			return s
		}
		return x.value.(map[string]string)["other"]
	}
	out := map[string]map[string]string{"en": {}, "de": {}}
	for _, texts := range files {
		for id := range texts {
			out["en"][id], out["de"][id] = id, id
		}
	}
	for _, name := range []string{"fyneEN", "fyneDE", "own"} {
		for id, x := range files[name] {
			if name == "fyneEN" {
				out["en"][id] = value(x)
			}
			out["de"][id] = value(x)
		}
	}
	if len(out["de"]) < 40 || out["de"]["No"] != "Nein" || out["en"]["file.parent"] != "Parent" {
		t.Fatalf("the translation files hold %d texts, No: %q, file.parent: %q", len(out["de"]), out["de"]["No"], out["en"]["file.parent"])
	}
	return out
}

func TestSystemLanguage(t *testing.T) {
	for locale, want := range map[string]string{
		"de_DE.UTF-8": "de", "de_AT": "de", "de": "de", "en_US.UTF-8": "en", "fr_FR.UTF-8": "en", "C": "en", "": "en",
	} {
		setLocale(t, locale)
		if got := SystemLanguage(); got != want {
			t.Errorf("LANG=%q: SystemLanguage() = %q, want %q", locale, got, want)
		}
	}
}

// TestFyneLanguagesAndCopiesMatchFyne compares fyneLanguages and the copies of
// Fyne's base files with the Fyne module the build uses: a Fyne upgrade that adds
// a language or changes a text fails here.
func TestFyneLanguagesAndCopiesMatchFyne(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "fyne.io/fyne/v2").Output()
	if err != nil {
		t.Skipf("go list cannot find Fyne's module: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "lang", "translations")
	files, err := filepath.Glob(filepath.Join(dir, "base.*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no base.*.json in %s: %v", dir, err)
	}
	var tags []string
	for _, f := range files {
		tags = append(tags, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "base."), ".json"))
	}
	var ours []string
	for _, l := range fyneLanguages {
		ours = append(ours, l.String())
	}
	slices.Sort(tags)
	if !slices.Equal(tags, ours) {
		t.Errorf("Fyne has translations for %v; fyneLanguages lists %v", tags, ours)
	}
	for _, name := range []string{"base.en.json", "base.de.json"} {
		theirs, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		copied, err := translationFiles.ReadFile("translations/fyne/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(theirs, copied) {
			t.Errorf("translations/fyne/%s differs from Fyne's %s: copy it again", name, filepath.Join(dir, name))
		}
	}
}

func TestTranslationFilesAreChecked(t *testing.T) {
	fyne := fstest.MapFS{
		"translations/fyne/base.en.json": {Data: []byte(`{"No": "No"}`)},
		"translations/fyne/base.de.json": {Data: []byte(`{"No": "Nein"}`)},
	}
	for files, want := range map[[2]string]string{
		{`{"Users": "Benutzer"}`, `{"Users": "Nutzer"}`}:                     `translations/b.de.json: "Users" is in translations/a.de.json too`,
		{`{"Users": "Benutzer", "Users": "Nutzer"}`, `{}`}:                   `translations/a.de.json: "Users" is in the file twice`,
		{`{"Users": ""}`, `{}`}:                                              `translations/a.de.json: "Users": the translation is empty`,
		{`{"Users": 3}`, `{}`}:                                               `translations/a.de.json: "Users": the translation is neither a text nor plural forms`,
		{`{"Users": {"one": "Benutzer"}}`, `{}`}:                             `translations/a.de.json: "Users": the plural forms lack "other"`,
		{`["Users"]`, `{}`}:                                                  `translations/a.de.json: not a JSON object of texts`,
		{`{"Users": "Benutzer",}`, `{}`}:                                     `translations/a.de.json: invalid character '}'`,
		{`{"Users": {"other": "Benutzer", "plenty": "Benutzer"}}`, `{}`}:     `translations/a.de.json: "Users": plural form "plenty"`,
		{`{"Description": "Beschreibung", "Other": "Andere"}`, `{"A": "B"}`}: "",
	} {
		fsys := fstest.MapFS{"translations/a.de.json": {Data: []byte(files[0])}, "translations/b.de.json": {Data: []byte(files[1])}}
		all := maps.Clone(fyne)
		maps.Copy(all, fsys)
		_, err := catalog(all, true)
		switch {
		case want == "" && err != nil:
			t.Errorf("%v: %v", files, err)
		case want != "" && (err == nil || !strings.HasPrefix(err.Error(), want)):
			t.Errorf("%v: error %v, want %q", files, err, want)
		}
	}
}

func TestCatalogHoldsTheSameTextsInBothLanguages(t *testing.T) {
	de, err := catalog(translationFiles, true)
	if err != nil {
		t.Fatal(err)
	}
	en, err := catalog(translationFiles, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(de) != len(en) || len(de) < 40 {
		t.Fatalf("%d German and %d English texts", len(de), len(en))
	}
	for id := range de {
		if _, ok := en[id]; !ok {
			t.Errorf("%q has no English entry", id)
		}
	}
	if de["No"] != "Nein" || en["No"] != "No" || de["Appearance"] != "Darstellung" || en["Appearance"] != "Appearance" {
		t.Errorf("No: %v/%v, Appearance: %v/%v", de["No"], en["No"], de["Appearance"], en["Appearance"])
	}
}
