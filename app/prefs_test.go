package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"onboard/internal/display"
	"onboard/resources"
)

// systemLocale sets the locale Fyne reads on Linux, and puts the window's
// language back to English when the test ends.
func systemLocale(t *testing.T, locale string) {
	t.Helper()
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", locale)
	t.Cleanup(func() {
		resources.SetLanguage("en")
		display.SetLanguage("en")
	})
}

// background is the background the app's theme draws, asked for the given system
// variant.
func background(a fyne.App, system fyne.ThemeVariant) any {
	return a.Settings().Theme().Color(theme.ColorNameBackground, system)
}

func TestAppearanceKeepsTheChoicesInThePreferences(t *testing.T) {
	a := test.NewTempApp(t)
	ap := newAppearance(a)
	if ap.Language() != "" || ap.Theme() != "" {
		t.Fatalf("fresh: language %q, theme %q", ap.Language(), ap.Theme())
	}
	ap.SetTheme("dark")
	if got := a.Preferences().String("theme"); got != "dark" || ap.Theme() != "dark" {
		t.Errorf("theme stored %q", got)
	}
	dark := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantDark)
	if got := background(a, theme.VariantLight); got != dark {
		t.Errorf("after SetTheme(dark) the background on a light system is %v, want %v", got, dark)
	}
	ap.SetLanguage("de")
	if got := a.Preferences().String("language"); got != "de" || ap.Language() != "de" {
		t.Errorf("language stored %q", got)
	}
	if lang.L("No") != "No" {
		t.Error("SetLanguage changed the texts at once; it applies at the next start")
	}
	ap.SetTheme("")
	ap.SetLanguage("")
	if a.Preferences().String("theme") != "" || a.Preferences().String("language") != "" {
		t.Error("the system's choice is not stored as empty")
	}
	a.Preferences().SetString("theme", "purple")
	a.Preferences().SetString("language", "fr")
	if ap.Language() != "" || ap.Theme() != "" {
		t.Errorf("unknown values: language %q, theme %q", ap.Language(), ap.Theme())
	}
}

func TestApplyPreferences(t *testing.T) {
	systemLocale(t, "en_US.UTF-8")
	a := test.NewTempApp(t)
	a.Preferences().SetString("language", "de")
	a.Preferences().SetString("theme", "light")
	applyPreferences(a)
	if lang.L("No") != "Nein" || lang.L("Appearance") != "Darstellung" || display.Count(55183) != "55.183" {
		t.Errorf("German: %q, %q, %q", lang.L("No"), lang.L("Appearance"), display.Count(55183))
	}
	light := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantLight)
	if got := background(a, theme.VariantDark); got != light {
		t.Errorf("light theme on a dark system: background %v, want %v", got, light)
	}

	// The system's language: German on a German system, English on others.
	a.Preferences().SetString("language", "")
	a.Preferences().SetString("theme", "")
	applyPreferences(a)
	if lang.L("No") != "No" || display.Count(55183) != "55,183" {
		t.Errorf("English system: %q, %q", lang.L("No"), display.Count(55183))
	}
	dark := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantDark)
	if got := background(a, theme.VariantDark); got != dark {
		t.Errorf("system theme on a dark system: background %v, want %v", got, dark)
	}
	systemLocale(t, "de_AT.UTF-8")
	applyPreferences(a)
	if lang.L("No") != "Nein" || display.Count(55183) != "55.183" {
		t.Errorf("German system: %q, %q", lang.L("No"), display.Count(55183))
	}
	a.Preferences().SetString("language", "en")
	applyPreferences(a)
	if lang.L("No") != "No" || display.Count(55183) != "55,183" {
		t.Errorf("English on a German system: %q, %q", lang.L("No"), display.Count(55183))
	}
}
