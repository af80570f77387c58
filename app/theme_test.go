package app

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// luminance is the WCAG relative luminance of an opaque colour.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// over is fg drawn on the opaque bg.
func over(fg, bg color.Color) color.Color {
	f, b := color.NRGBAModel.Convert(fg).(color.NRGBA), color.NRGBAModel.Convert(bg).(color.NRGBA)
	mix := func(x, y uint8) uint8 { return uint8((int(x)*int(f.A) + int(y)*(255-int(f.A)) + 127) / 255) }
	return color.NRGBA{R: mix(f.R, b.R), G: mix(f.G, b.G), B: mix(f.B, b.B), A: 0xff}
}

// contrast is the WCAG contrast ratio of text in fg on bg (1 to 21).
func contrast(fg, bg color.Color) float64 {
	a, b := luminance(over(fg, bg)), luminance(bg)
	if a < b {
		a, b = b, a
	}
	return (a + 0.05) / (b + 0.05)
}

// textOn are the theme's text colours and the backgrounds the window draws them
// on. (Disabled buttons and menu items, inactive controls, need no contrast.)
var textOn = []struct {
	text fyne.ThemeColorName
	on   []fyne.ThemeColorName
}{
	{theme.ColorNameForeground, []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameInputBackground, theme.ColorNameHeaderBackground}},
	// widget.LowImportance labels (the screens' helper texts), disabled entries.
	{theme.ColorNameDisabled, []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameInputBackground, theme.ColorNameHeaderBackground}},
	// Entries' placeholders, forms' hint texts.
	{theme.ColorNamePlaceHolder, []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameInputBackground}},
	// DangerImportance, WarningImportance and SuccessImportance labels.
	{theme.ColorNameError, []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameHeaderBackground}},
	{theme.ColorNameWarning, []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameHeaderBackground}},
	{theme.ColorNameSuccess, []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameHeaderBackground}},
	// The text of danger, warning and success buttons.
	{theme.ColorNameForegroundOnError, []fyne.ThemeColorName{theme.ColorNameError}},
	{theme.ColorNameForegroundOnWarning, []fyne.ThemeColorName{theme.ColorNameWarning}},
	{theme.ColorNameForegroundOnSuccess, []fyne.ThemeColorName{theme.ColorNameSuccess}},
}

// lowContrast lists the text colours of th in variant v that fall below 4.5:1.
func lowContrast(th fyne.Theme, v fyne.ThemeVariant) []string {
	var out []string
	for _, p := range textOn {
		for _, bg := range p.on {
			if r := contrast(th.Color(p.text, v), th.Color(bg, v)); r < 4.5 {
				out = append(out, fmt.Sprintf("%s on %s %.2f:1", p.text, bg, r))
			}
		}
	}
	return out
}

var variantName = map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}

func TestThemeTextIsReadableInBothVariants(t *testing.T) {
	test.NewTempApp(t)
	for _, mode := range []string{themeSystem, themeLight, themeDark} {
		for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
			if low := lowContrast(newTheme(mode), v); len(low) > 0 {
				t.Errorf("theme %q, system %s: %v", mode, variantName[v], low)
			}
		}
	}
}

// TestDefaultThemeTextIsTooFaint shows why appTheme replaces colours: the default
// theme fails the check, with the helper texts' colour in both variants.
func TestDefaultThemeTextIsTooFaint(t *testing.T) {
	test.NewTempApp(t)
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		low := lowContrast(theme.DefaultTheme(), v)
		found := false
		for _, l := range low {
			found = found || strings.HasPrefix(l, "disabled on background ")
		}
		if !found {
			t.Errorf("default theme, %s: the helper texts pass (%v); are the replacements in readable still needed?", variantName[v], low)
		}
	}
	if r := contrast(color.White, color.Black); math.Abs(r-21) > 0.01 {
		t.Errorf("white on black %.2f:1, want 21:1", r)
	}
	if r := contrast(color.NRGBA{R: 0x76, G: 0x76, B: 0x76, A: 0xff}, color.White); math.Abs(r-4.54) > 0.01 {
		t.Errorf("#767676 on white %.2f:1, want 4.54:1", r)
	}
}

func TestThemeForcesItsVariant(t *testing.T) {
	test.NewTempApp(t)
	def := theme.DefaultTheme()
	light, dark := def.Color(theme.ColorNameBackground, theme.VariantLight), def.Color(theme.ColorNameBackground, theme.VariantDark)
	for _, c := range []struct {
		mode      string
		system    fyne.ThemeVariant
		want      color.Color
		wantLabel string
	}{
		{themeLight, theme.VariantDark, light, "light"},
		{themeDark, theme.VariantLight, dark, "dark"},
		{themeSystem, theme.VariantLight, light, "light"},
		{themeSystem, theme.VariantDark, dark, "dark"},
		{"purple", theme.VariantDark, dark, "dark"}, // unknown: the system's
	} {
		if got := newTheme(c.mode).Color(theme.ColorNameBackground, c.system); got != c.want {
			t.Errorf("theme %q on a %s system: background %v, want the %s one", c.mode, variantName[c.system], got, c.wantLabel)
		}
	}
	th := newTheme(themeDark)
	if th.Size(theme.SizeNameText) != def.Size(theme.SizeNameText) || th.Font(fyne.TextStyle{Bold: true}) != def.Font(fyne.TextStyle{Bold: true}) ||
		th.Icon(theme.IconNameConfirm).Name() != def.Icon(theme.IconNameConfirm).Name() {
		t.Error("sizes, fonts and icons are not the default theme's")
	}
}
