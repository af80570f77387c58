package letterscreen

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/internal/letters"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/screens/internal/uitest"
)

// fastLetterDelays shortens the typing delays of the letters screen for a test.
func fastLetterDelays(t *testing.T) {
	p, s := previewDelay, settingDelay
	previewDelay, settingDelay = 5*time.Millisecond, 5*time.Millisecond
	t.Cleanup(func() { previewDelay, settingDelay = p, s })
}

// openLetters opens the letters screen on a store with a fixed clock.
func openLetters(t *testing.T) (*Screen, fyne.Window, *data.Store) {
	t.Helper()
	test.NewTempApp(t)
	fastLetterDelays(t)
	st, _, _ := uitest.OpenStore(t)
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	svc := lifecycle.New(st, lifecycle.WithClock(func() time.Time { return now }))
	s, w := uitest.ShowScreen(t, 1200, 800, func(w fyne.Window) *Screen {
		return New(Deps{Settings: st, Service: svc}, w)
	}, (*Screen).wait)
	return s, w, st
}

// pageText joins the text items of a letter layout, one per line.
func pageText(p *letters.Page) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for _, it := range p.Items {
		if it.Kind == letters.KindText {
			b.WriteString(it.Text + "\n")
		}
	}
	return b.String()
}

func TestLettersScreenShowsPlaceholderErrorsAndSavesTheTemplate(t *testing.T) {
	s, _, st := openLetters(t)
	if s.Template() != letters.DefaultTemplate("en") {
		t.Fatalf("template without a saved one: %+v", s.Template())
	}
	if got := pageText(s.Preview().Page()); !strings.Contains(got, "Zoë Łukasiewicz") || !strings.Contains(got, "Your account at") {
		t.Fatalf("the preview does not show the sample letter:\n%s", got)
	}
	if s.CanSaveTemplate() {
		t.Error("Save template is enabled before any change")
	}

	s.Body.SetText("Hello {first_name},\nplease welcome {frist_name} too.")
	uitest.Settle(s.wait)
	msg := s.TemplateError()
	for _, want := range []string{"Body, line 2, column 16", "{frist_name}", "did you mean {first_name}"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if s.CanSaveTemplate() {
		t.Error("Save template is enabled with a placeholder error")
	}

	s.title.SetText("Willkommen bei {organization}")
	s.Body.SetText("Hallo {first_name},\nIhr Schlüssel: {key}")
	s.Lang.SetSelected("Deutsch")
	uitest.Settle(s.wait)
	if s.TemplateError() != "" || !s.CanSaveTemplate() {
		t.Fatalf("a good template: error %q, can save %v", s.TemplateError(), s.CanSaveTemplate())
	}
	if got := pageText(s.Preview().Page()); !strings.Contains(got, "Hallo Zoë,") || !strings.Contains(got, "Benutzername") {
		t.Errorf("the preview does not follow the unsaved template:\n%s", got)
	}
	s.SaveTemplate()
	uitest.Settle(s.wait)
	saved, err := settings.LetterTemplate(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	want := letters.Template{Lang: "de", Title: "Willkommen bei {organization}", Body: "Hallo {first_name},\nIhr Schlüssel: {key}"}
	if saved != want {
		t.Fatalf("stored template %+v, want %+v", saved, want)
	}
	if s.CanSaveTemplate() || !uitest.Texts(s.win)["Template saved."] {
		t.Error("after saving: Save still enabled or no confirmation")
	}

	// Revert goes back to what is stored.
	s.Body.SetText("Something else")
	uitest.Settle(s.wait)
	s.Revert()
	uitest.Settle(s.wait)
	if s.Template() != want {
		t.Errorf("after revert: %+v", s.Template())
	}
}

func TestLettersScreenStartFromAsksBeforeReplacingText(t *testing.T) {
	s, w, _ := openLetters(t)
	s.StartFrom("de") // the English default is not the admin's text: no question
	uitest.Settle(s.wait)
	if s.Template() != letters.DefaultTemplate("de") {
		t.Fatalf("start from German: %+v", s.Template())
	}
	s.Body.SetText("My own text for {first_name}.")
	uitest.Settle(s.wait)
	s.StartFrom("en")
	if s.Template().Body != "My own text for {first_name}." {
		t.Fatal("the text was replaced without asking")
	}
	test.Tap(uitest.Button(t, w, "Replace"))
	uitest.Settle(s.wait)
	if s.Template() != letters.DefaultTemplate("en") {
		t.Fatalf("after confirming: %+v", s.Template())
	}
}

func TestLettersScreenSettingsAreCheckedAndStored(t *testing.T) {
	s, _, st := openLetters(t)
	ctx := context.Background()
	test.Type(s.urlEntry, "onboard.example.org")
	uitest.Settle(s.wait)
	msg := s.FieldError(settings.RegistrationURL)
	if !strings.Contains(msg, "Registration address must start with https:// or http://") {
		t.Fatalf("error under the address: %q", msg)
	}
	if v, _ := settings.Get(ctx, st, settings.RegistrationURL); v != "" {
		t.Fatalf("a refused address was stored: %q", v)
	}

	s.urlEntry.SetText("https://Onboard.Example.org/")
	test.Type(s.orgEntry, "Gymnasium am Stadtpark")
	uitest.Settle(s.wait)
	if msg := s.FieldError(settings.RegistrationURL); msg != "" {
		t.Fatalf("a good address is refused: %q", msg)
	}
	for k, want := range map[*settings.Key]string{&settings.RegistrationURL: "https://onboard.example.org", &settings.OrgName: "Gymnasium am Stadtpark"} {
		if v, _ := settings.Get(ctx, st, *k); v != want {
			t.Errorf("%s stored %q, want %q", k.Name, v, want)
		}
	}
	page := s.Preview().Page()
	if got := pageText(page); !strings.Contains(got, "Your account at Gymnasium am Stadtpark") ||
		!strings.Contains(got, "https://onboard.example.org/register?key=") {
		t.Errorf("the preview lacks the organization or the address:\n%s", got)
	}
	qr := false
	for _, it := range page.Items {
		qr = qr || it.Kind == letters.KindQR
	}
	if !qr {
		t.Error("no QR code with a registration address")
	}

	// A logo that is no image is refused with its reason; a PNG is stored and drawn.
	dir := t.TempDir()
	bad := filepath.Join(dir, "logo.txt")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	s.SetLogo(bad)
	uitest.Settle(s.wait)
	if msg := s.FieldError(settings.OrgLogo); !strings.Contains(msg, "is not a PNG or JPEG image") {
		t.Fatalf("error under the logo: %q", msg)
	}
	logo := writePNG(t, dir)
	s.SetLogo(logo)
	uitest.Settle(s.wait)
	if msg := s.FieldError(settings.OrgLogo); msg != "" {
		t.Fatalf("a PNG logo is refused: %q", msg)
	}
	if v, _ := settings.Get(ctx, st, settings.OrgLogo); v != logo {
		t.Errorf("logo stored %q", v)
	}
	hasLogo := false
	for _, it := range s.Preview().Page().Items {
		hasLogo = hasLogo || it.Kind == letters.KindImage
	}
	if !hasLogo {
		t.Error("the preview shows no logo")
	}

	s.paperSelect.SetSelected(paperLetter)
	uitest.Settle(s.wait)
	if v, _ := settings.Get(ctx, st, settings.LettersPaper); v != "letter" {
		t.Errorf("paper stored %q", v)
	}
	if p := s.Preview().Page(); p.Width != 612 {
		t.Errorf("the preview is %v points wide on US Letter", p.Width)
	}
}

func TestLettersScreenWarnsWhenTheTextIsTooLong(t *testing.T) {
	s, _, _ := openLetters(t)
	s.Body.SetText(strings.Repeat("A line of the instructions.\n", 80))
	uitest.Settle(s.wait)
	if w := s.Preview().Warning(); !strings.Contains(w, "lines too long for one page") {
		t.Fatalf("warning %q", w)
	}
}

// writePNG writes a small PNG logo into dir and returns its path.
func writePNG(t *testing.T, dir string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for i := range 40 {
		img.Set(i, 10, color.RGBA{B: 200, A: 255})
	}
	path := filepath.Join(dir, "logo.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}
