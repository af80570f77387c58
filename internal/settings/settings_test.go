package settings

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"onboard/data"
	"onboard/internal/letters"
	"onboard/internal/mail"
)

// check runs k.Check on each good value (want its normalized form) and each bad
// value (want an *Error naming k and containing the fragment).
type (
	good struct{ in, want string }
	bad  struct{ in, msg string }
)

func checkKey(t *testing.T, k Key, goods []good, bads []bad) {
	t.Helper()
	for _, g := range goods {
		got, err := k.Check(g.in)
		if err != nil || got != g.want {
			t.Errorf("%s: Check(%q) = %q, %v; want %q", k.Name, g.in, got, err, g.want)
		}
	}
	for _, b := range bads {
		got, err := k.Check(b.in)
		var se *Error
		if !errors.As(err, &se) || se.Key != k.Name || !strings.HasPrefix(err.Error(), k.Name+": ") ||
			!strings.Contains(err.Error(), b.msg) || got != "" {
			t.Errorf("%s: Check(%q) = %q, %v; want an error containing %q", k.Name, b.in, got, err, b.msg)
		}
	}
}

func TestOrgName(t *testing.T) {
	checkKey(t, OrgName, []good{
		{"Example School", "Example School"},
		{"  Städtisches Gymnasium Köln \n", "Städtisches Gymnasium Köln"},
		{"", ""},
		{strings.Repeat("ü", MaxOrgNameLen), strings.Repeat("ü", MaxOrgNameLen)},
	}, []bad{
		{strings.Repeat("a", MaxOrgNameLen+1), "at most 200 characters (got 201)"},
		{"Example\nSchool", "control characters"},
		{"Example\rSchool", "control characters"},
		{"Example\tSchool", "control characters"},
		{"Example\x00School", "control characters"},
		{"Example\u2028School", "control characters"},
		{"Example \xff School", "UTF-8"},
	})
}

// writeImage encodes an image of w×h pixels with enc into dir/name.
func writeImage(t *testing.T, dir, name string, w, h int, enc func(*bytes.Buffer, image.Image) error) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, b.Bytes())
}

func writeFile(t *testing.T, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func encPNG(b *bytes.Buffer, m image.Image) error  { return png.Encode(b, m) }
func encJPEG(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }
func encGIF(b *bytes.Buffer, m image.Image) error  { return gif.Encode(b, m, nil) }

func TestOrgLogo(t *testing.T) {
	dir := t.TempDir()
	pngFile := writeImage(t, dir, "logo.png", 120, 40, encPNG)
	jpgFile := writeImage(t, dir, "logo.jpg", 64, 64, encJPEG)
	pngAsJPG := writeImage(t, dir, "really-png.jpg", 10, 10, encPNG)
	gifFile := writeImage(t, dir, "logo.gif", 10, 10, encGIF)
	text := writeFile(t, dir, "notes.png", []byte("this is not an image\n"))
	empty := writeFile(t, dir, "empty.png", nil)
	// A PNG header claiming 20000×10 pixels: DecodeConfig reads only the header.
	huge := writeImage(t, dir, "wide.png", 1, 1, encPNG)
	b, _ := os.ReadFile(huge)
	binary.BigEndian.PutUint32(b[16:20], 20000) // IHDR width
	binary.BigEndian.PutUint32(b[29:33], crc32.ChecksumIEEE(b[12:29]))
	huge = writeFile(t, dir, "wide.png", b)
	big := writeFile(t, dir, "big.png", append(slices.Clone(b), make([]byte, MaxLogoBytes)...))
	missing := filepath.Join(dir, "missing.png")

	// Relative paths become absolute.
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, pngFile)
	if err != nil {
		t.Fatal(err)
	}

	checkKey(t, OrgLogo, []good{
		{pngFile, pngFile},
		{"  " + jpgFile + " ", jpgFile},
		{pngAsJPG, pngAsJPG},
		{rel, pngFile},
		{"", ""},
		{"   ", ""},
	}, []bad{
		{missing, "there is no file " + missing},
		{text, text + " is not a PNG or JPEG image"},
		{empty, empty + " is not a PNG or JPEG image"},
		{gifFile, gifFile + " is not a PNG or JPEG image"},
		{huge, huge + " is 20000×1 pixels"},
		{big, big + " is 5.1 MB; a logo may be at most 5 MB"},
		{dir, dir + " is a folder"},
	})

	if os.Getuid() != 0 { // root reads everything
		locked := writeImage(t, dir, "locked.png", 5, 5, encPNG)
		os.Chmod(locked, 0)
		checkKey(t, OrgLogo, nil, []bad{{locked, "cannot read " + locked + ": permission denied"}})
	}
}

func TestRegistrationURL(t *testing.T) {
	checkKey(t, RegistrationURL, []good{
		{"https://onboard.example.org", "https://onboard.example.org"},
		{"https://onboard.example.org/", "https://onboard.example.org"},
		{" HTTPS://Onboard.Example.ORG/register// ", "https://onboard.example.org/register"},
		{"http://localhost:8080/", "http://localhost:8080"},
		{"https://[::1]:8443/x", "https://[::1]:8443/x"},
		{"https://example.org/a b", "https://example.org/a%20b"},
		{"", ""},
	}, []bad{
		{"example.org", `must start with https:// or http:// (got "example.org")`},
		{"//example.org", "must start with https:// or http://"},
		{"ftp://example.org", "must start with https:// or http://"},
		{"mailto:a@example.org", "must start with https:// or http://"},
		{"https:example.org", "must name a host"},
		{"https:///register", "must name a host"},
		{"https://:443", "must name a host"},
		{"https://admin:secret@example.org", "user name or password"},
		{"https://example.org/?school=5", "query"},
		{"https://example.org/?", "query"},
		{"https://example.org/#top", "fragment"},
		{"https://example.org/#", "fragment"},
		{"https://exa mple.org", "not a valid address"},
		{"http://example.org:port", "not a valid address"},
		{"https://example.org/" + strings.Repeat("a", MaxURLLen), "at most 2000 characters"},
	})
}

func TestLettersPaper(t *testing.T) {
	checkKey(t, LettersPaper, []good{
		{"a4", "a4"}, {"A4", "a4"}, {" Letter ", "letter"}, {"LETTER", "letter"},
	}, []bad{
		{"a3", `must be a4 or letter (got "a3")`},
		{"", `must be a4 or letter (got "")`},
		{"us-letter", "must be a4 or letter"},
	})
}

func TestLanguage(t *testing.T) {
	checkKey(t, Language, []good{{"en", "en"}, {" DE ", "de"}}, []bad{
		{"fr", `"fr" is not a language of letters and mails; use en or de`},
		{"", "use en or de"},
	})
}

func TestTemplatesFollowTheLanguageUntilSaved(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := Set(ctx, st, Language, "de"); err != nil {
		t.Fatal(err)
	}
	lt, err := LetterTemplate(ctx, st)
	if err != nil || lt != letters.DefaultTemplate("de") {
		t.Fatalf("letter template with org.language de = %+v, %v", lt, err)
	}
	mt, err := MailTemplate(ctx, st)
	if err != nil || mt != mail.DefaultTemplate("de") {
		t.Fatalf("mail template with org.language de = %+v, %v", mt, err)
	}
	saved := letters.DefaultTemplate("en")
	if err := SaveLetterTemplate(ctx, st, saved); err != nil {
		t.Fatal(err)
	}
	if lt, _ := LetterTemplate(ctx, st); lt != saved {
		t.Fatalf("a saved template gave way to the language: %+v", lt)
	}
}

func TestInviteValidDays(t *testing.T) {
	if InviteValidDays.Name != "invite.valid_days" || InviteValidDays.Default != "7" {
		t.Fatalf("InviteValidDays = %q default %q", InviteValidDays.Name, InviteValidDays.Default)
	}
	checkKey(t, InviteValidDays, []good{
		{"1", "1"}, {"7", "7"}, {" 30 ", "30"}, {"180", "180"}, {"014", "14"}, {"+5", "5"},
	}, []bad{
		{"0", `must be a whole number of days from 1 to 180 (got "0")`},
		{"181", "from 1 to 180"},
		{"-3", "from 1 to 180"},
		{"7.5", "from 1 to 180"},
		{"seven", "from 1 to 180"},
		{"", "from 1 to 180"},
		{"99999999999999999999", "from 1 to 180"},
	})
}

func TestRegistry(t *testing.T) {
	var names []string
	for _, k := range All() {
		names = append(names, k.Name)
		if k.Label == "" || k.Help == "" || k.Check == nil {
			t.Errorf("%s: label %q, help %q, check set %v", k.Name, k.Label, k.Help, k.Check != nil)
		}
		if strings.ContainsAny(k.Help, "\n\r") {
			t.Errorf("%s: help is more than one line", k.Name)
		}
		// Every default is a value the setting accepts, unchanged.
		if got, err := k.Check(k.Default); err != nil || got != k.Default {
			t.Errorf("%s: default %q checks to %q, %v", k.Name, k.Default, got, err)
		}
		if l, ok := Lookup(k.Name); !ok || l.Name != k.Name {
			t.Errorf("Lookup(%q) = %q, %v", k.Name, l.Name, ok)
		}
	}
	want := []string{
		"invite.valid_days", "letters.paper", "org.language", "org.logo", "org.name", "registration.url",
		"smtp.from", "smtp.host", "smtp.password", "smtp.port", "smtp.security", "smtp.user", "sync.token", "sync.url",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("All() = %v; want %v", names, want)
	}
	if Names() != strings.Join(want, ", ") {
		t.Fatalf("Names() = %q", Names())
	}
	if k, ok := Lookup(" Org.Name "); !ok || k.Name != "org.name" {
		t.Fatalf("Lookup ignoring case: %q %v", k.Name, ok)
	}
	if _, ok := Lookup("org.address"); ok {
		t.Fatal("Lookup found an unknown key")
	}
	// All returns a copy.
	All()[0].Name = "changed"
	if All()[0].Name != want[0] {
		t.Fatal("All() shares its slice")
	}
}

func openStore(t *testing.T) *data.Store {
	t.Helper()
	st, err := data.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestGetSetWithStore(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)

	// Unset: the defaults.
	for _, k := range All() {
		v, err := Get(ctx, st, k)
		if err != nil || v != k.Default {
			t.Errorf("Get(%s) = %q, %v; want the default %q", k.Name, v, err, k.Default)
		}
		if _, set, err := Stored(ctx, st, k); set || err != nil {
			t.Errorf("Stored(%s) set=%v err=%v; want unset", k.Name, set, err)
		}
	}

	// Set stores the normalized value.
	for _, tc := range []struct {
		k       Key
		in, out string
	}{
		{OrgName, "  Example School ", "Example School"},
		{RegistrationURL, "HTTPS://Onboard.Example.org/", "https://onboard.example.org"},
		{LettersPaper, "Letter", "letter"},
		{InviteValidDays, " 30", "30"},
	} {
		got, err := Set(ctx, st, tc.k, tc.in)
		if err != nil || got != tc.out {
			t.Fatalf("Set(%s, %q) = %q, %v; want %q", tc.k.Name, tc.in, got, err, tc.out)
		}
		if v, err := Get(ctx, st, tc.k); err != nil || v != tc.out {
			t.Fatalf("Get(%s) = %q, %v; want %q", tc.k.Name, v, err, tc.out)
		}
		if v, set, _ := Stored(ctx, st, tc.k); !set || v != tc.out {
			t.Fatalf("Stored(%s) = %q, %v", tc.k.Name, v, set)
		}
	}

	// A stored value equal to the default still counts as set; an empty one too.
	if _, err := Set(ctx, st, LettersPaper, "A4"); err != nil {
		t.Fatal(err)
	}
	if v, set, _ := Stored(ctx, st, LettersPaper); !set || v != "a4" {
		t.Fatalf("Stored(letters.paper) = %q, %v; want a4, set", v, set)
	}
	if _, err := Set(ctx, st, OrgName, ""); err != nil {
		t.Fatal(err)
	}
	if v, set, _ := Stored(ctx, st, OrgName); !set || v != "" {
		t.Fatalf("Stored(org.name) = %q, %v; want empty, set", v, set)
	}

	// A bad value stores nothing.
	got, err := Set(ctx, st, RegistrationURL, "example.org")
	if err == nil || got != "" || err.Error() != `registration.url: must start with https:// or http:// (got "example.org")` {
		t.Fatalf("Set(bad url) = %q, %v", got, err)
	}
	if v, _ := Get(ctx, st, RegistrationURL); v != "https://onboard.example.org" {
		t.Fatalf("after a bad Set: %q", v)
	}
}
