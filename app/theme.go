package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// The themes the admin chooses from (the preference "theme").
const (
	themeSystem = ""      // light or dark as the system is
	themeLight  = "light" // always light
	themeDark   = "dark"  // always dark
)

// appTheme is Fyne's default theme in the variant the admin chose, or the
// system's, with the text colours that read too faintly made readable.
type appTheme struct {
	mode string // themeSystem, themeLight or themeDark
}

// newTheme is the theme for a mode; an unknown mode follows the system.
func newTheme(mode string) fyne.Theme {
	if mode != themeLight && mode != themeDark {
		mode = themeSystem
	}
	return &appTheme{mode: mode}
}

// readable replaces the default theme's colours whose text falls below the WCAG
// contrast of 4.5:1 on the backgrounds it is drawn on (theme_test.go measures):
// the disabled colour that widget.LowImportance labels use (the default's is
// 1.3:1 light, 1.6:1 dark), the placeholder that entries and form hints use, and
// the error, warning and success colours of DangerImportance, WarningImportance
// and SuccessImportance text (light: 3.7, 2.2 and 1.5:1). The darker light colours
// also carry the white text of danger, warning and success buttons better.
var readable = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantLight: {
		theme.ColorNameDisabled:    color.NRGBA{R: 0x6e, G: 0x6e, B: 0x6e, A: 0xff},
		theme.ColorNamePlaceHolder: color.NRGBA{R: 0x6e, G: 0x6e, B: 0x6e, A: 0xff},
		theme.ColorNameError:       color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff},
		theme.ColorNameWarning:     color.NRGBA{R: 0xb4, G: 0x53, B: 0x09, A: 0xff},
		theme.ColorNameSuccess:     color.NRGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff},
	},
	theme.VariantDark: {
		theme.ColorNameDisabled: color.NRGBA{R: 0x8c, G: 0x8c, B: 0x8c, A: 0xff},
	},
}

// Color is the default theme's colour in the chosen variant, or a readable one.
func (t *appTheme) Color(name fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch t.mode {
	case themeLight:
		v = theme.VariantLight
	case themeDark:
		v = theme.VariantDark
	}
	if c, ok := readable[v][name]; ok {
		return c
	}
	return theme.DefaultTheme().Color(name, v)
}

// Font is the default theme's.
func (t *appTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon is the default theme's.
func (t *appTheme) Icon(name fyne.ThemeIconName) fyne.Resource {
	return theme.DefaultTheme().Icon(name)
}

// Size is the default theme's.
func (t *appTheme) Size(name fyne.ThemeSizeName) float32 { return theme.DefaultTheme().Size(name) }
