package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"onboard/internal/display"
	"onboard/internal/uitext"
	"onboard/resources"
	"onboard/screens/settingsscreen"
)

// The window's own choices, kept in Fyne's preferences (per user and computer,
// not in the database): the language ("" follows the system, "en", "de") and the
// theme (themeSystem, themeLight, themeDark).
const (
	prefLanguage = "language"
	prefTheme    = "theme"
)

// applyPreferences sets the language of the window's texts, numbers and dates and
// the theme from the preferences. It runs before the window builds its texts.
func applyPreferences(a fyne.App) {
	ap := newAppearance(a)
	code := ap.Language()
	if code == "" {
		code = resources.SystemLanguage()
	}
	resources.SetLanguage(code)
	display.SetLanguage(code)
	uitext.SetTranslator(func(s string) string { return lang.L(s) }) // the messages of the packages below the window
	a.Settings().SetTheme(newTheme(ap.Theme()))
}

// appearance is the settings screen's Appearance over the app's preferences.
type appearance struct{ app fyne.App }

// newAppearance is the Appearance the settings screen offers.
func newAppearance(a fyne.App) settingsscreen.Appearance { return &appearance{app: a} }

// Language is the chosen language, "" for the system's (also for a value this
// build does not know).
func (p *appearance) Language() string {
	switch code := p.app.Preferences().String(prefLanguage); code {
	case "en", "de":
		return code
	}
	return ""
}

// SetLanguage keeps the language for the next start: the texts are built in the
// language of the start.
func (p *appearance) SetLanguage(code string) { p.app.Preferences().SetString(prefLanguage, code) }

// Theme is the chosen theme, themeSystem also for a value this build does not know.
func (p *appearance) Theme() string {
	switch mode := p.app.Preferences().String(prefTheme); mode {
	case themeLight, themeDark:
		return mode
	}
	return themeSystem
}

// SetTheme keeps the theme and shows it at once.
func (p *appearance) SetTheme(mode string) {
	p.app.Preferences().SetString(prefTheme, mode)
	p.app.Settings().SetTheme(newTheme(mode))
}
