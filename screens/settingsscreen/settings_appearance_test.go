package settingsscreen

import (
	"slices"
	"testing"

	"onboard/screens/internal/uitest"
)

// fakeAppearance keeps the choices in memory and records what was set.
type fakeAppearance struct {
	language, theme string
	set             []string
}

func (f *fakeAppearance) Language() string { return f.language }
func (f *fakeAppearance) Theme() string    { return f.theme }

func (f *fakeAppearance) SetLanguage(code string) {
	f.language = code
	f.set = append(f.set, "language="+code)
}

func (f *fakeAppearance) SetTheme(mode string) {
	f.theme = mode
	f.set = append(f.set, "theme="+mode)
}

func TestSettingsAppearanceShowsAndStoresTheChoices(t *testing.T) {
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "en_US.UTF-8")
	s, w, _ := openSettings(t)
	a := s.appearance
	if uitest.Drawn(w, a.card) {
		t.Fatal("the appearance section shows before the window gives it the choices")
	}

	ap := &fakeAppearance{}
	s.SetAppearance(ap)
	uitest.MustShow(t, w, "Appearance", "Language", "Theme", "Takes effect when Onboard starts again.")
	if !uitest.Drawn(w, a.card) || !uitest.Drawn(w, a.language) || !uitest.Drawn(w, a.theme) {
		t.Fatal("the appearance section is not drawn")
	}
	if want := []string{"System (English)", "English", "Deutsch"}; !slices.Equal(a.language.Options, want) {
		t.Errorf("languages %q, want %q", a.language.Options, want)
	}
	if want := []string{"System", "Light", "Dark"}; !slices.Equal(a.theme.Options, want) {
		t.Errorf("themes %q, want %q", a.theme.Options, want)
	}
	if a.language.Selected != "System (English)" || a.theme.Selected != "System" || len(ap.set) > 0 {
		t.Fatalf("nothing stored: language %q, theme %q, set %v", a.language.Selected, a.theme.Selected, ap.set)
	}

	a.theme.SetSelected("Dark")
	if !slices.Equal(ap.set, []string{"theme=dark"}) {
		t.Fatalf("choosing Dark set %v", ap.set)
	}
	a.language.SetSelected("Deutsch")
	if !slices.Equal(ap.set, []string{"theme=dark", "language=de"}) || ap.language != "de" {
		t.Fatalf("choosing Deutsch set %v", ap.set)
	}
	a.theme.SetSelected("System")
	a.language.SetSelected("System (English)")
	if !slices.Equal(ap.set[2:], []string{"theme=", "language="}) {
		t.Fatalf("choosing System set %v", ap.set)
	}
}

func TestSettingsAppearanceShowsWhatIsStored(t *testing.T) {
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "de_DE.UTF-8")
	s, _, _ := openSettings(t)
	ap := &fakeAppearance{language: "en", theme: "light"}
	s.SetAppearance(ap)
	a := s.appearance
	if a.language.Selected != "English" || a.theme.Selected != "Light" || len(ap.set) > 0 {
		t.Errorf("language %q, theme %q, set %v", a.language.Selected, a.theme.Selected, ap.set)
	}
	if a.language.Options[0] != "System (Deutsch)" {
		t.Errorf("on a German system the first language is %q", a.language.Options[0])
	}
	// A value this build does not know shows as the system's.
	s.SetAppearance(&fakeAppearance{language: "fr", theme: "purple"})
	if a.language.Selected != "System (Deutsch)" || a.theme.Selected != "System" {
		t.Errorf("unknown values: language %q, theme %q", a.language.Selected, a.theme.Selected)
	}
}
