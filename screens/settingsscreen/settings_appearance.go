package settingsscreen

import (
	"fmt"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/resources"
)

// Appearance is the window's own choices, kept on this computer: the language
// ("" follows the system, "en", "de"; it applies at the next start) and the theme
// ("" follows the system, "light", "dark"; SetTheme applies it at once).
type Appearance interface {
	Language() string
	SetLanguage(code string)
	Theme() string
	SetTheme(mode string)
}

// choice is an option of a select: the stored code and the label shown.
type choice struct{ code, label string }

// languageChoices are the window's languages; the languages' names are their own.
func languageChoices() []choice {
	system := "English"
	if resources.SystemLanguage() == "de" {
		system = "Deutsch"
	}
	return []choice{{"", fmt.Sprintf(lang.L("System (%s)"), system)}, {"en", "English"}, {"de", "Deutsch"}}
}

func themeChoices() []choice {
	return []choice{{"", lang.L("System")}, {"light", lang.L("Light")}, {"dark", lang.L("Dark")}}
}

// appearanceSettings is the appearance section of the settings screen: the
// window's language and theme. It shows once the window gives it an Appearance.
type appearanceSettings struct {
	card     *widget.Card
	language *widget.Select
	theme    *widget.Select
}

func newAppearanceSettings() *appearanceSettings {
	a := &appearanceSettings{language: widget.NewSelect(nil, nil), theme: widget.NewSelect(nil, nil)}
	languageItem := widget.NewFormItem(lang.L("Language"), a.language)
	languageItem.HintText = lang.L("Takes effect when Onboard starts again.")
	a.card = widget.NewCard(lang.L("Appearance"), lang.L("The window's language and colours on this computer."),
		widget.NewForm(languageItem, widget.NewFormItem(lang.L("Theme"), a.theme)))
	a.card.Hide()
	return a
}

// SetAppearance shows the appearance section with the choices ap keeps.
func (s *Screen) SetAppearance(ap Appearance) {
	a := s.appearance
	fill(a.language, languageChoices(), ap.Language(), ap.SetLanguage)
	fill(a.theme, themeChoices(), ap.Theme(), ap.SetTheme)
	a.card.Show()
}

// fill gives sel the choices with current selected (the first choice when current
// is none of them); choosing another calls set with its code.
func fill(sel *widget.Select, choices []choice, current string, set func(string)) {
	sel.OnChanged = nil // selecting the current value is no choice
	labels := make([]string, len(choices))
	selected := choices[0].label
	for i, c := range choices {
		labels[i] = c.label
		if c.code == current {
			selected = c.label
		}
	}
	sel.SetOptions(labels)
	sel.SetSelected(selected)
	sel.OnChanged = func(label string) {
		for _, c := range choices {
			if c.label == label {
				set(c.code)
			}
		}
	}
}
