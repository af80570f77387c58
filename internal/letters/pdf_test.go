package letters

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onboard/internal/pdfcheck"
)

var testDate = time.Date(2026, 11, 24, 10, 0, 0, 0, time.Local)

// people are recipients with names in several scripts and distinct keys.
func people(n int) []Recipient {
	names := [][2]string{{"Łukasz", "Nowak"}, {"Ömer", "Yılmaz"}, {"Zoë", "Dubois"}, {"Ξανθή", "Παπαδοπούλου"}, {"Юлия", "Иванова"}, {"Anna", "Müller"}}
	out := make([]Recipient, n)
	for i := range out {
		nm := names[i%len(names)]
		out[i] = Recipient{
			UserID: fmt.Sprint("u", i), FirstName: nm[0], LastName: nm[1],
			Username: fmt.Sprintf("user%03d", i), Key: fmt.Sprintf("7QK3M-XW9RT-2HDPA-EB%03d-VCJ5F", i),
			ValidUntil: testDate.AddDate(0, 0, 14),
		}
	}
	return out
}

func testOptions() Options {
	return Options{
		Template: DefaultTemplate("en"), Paper: A4, Organization: "Gesamtschule Köln-Süd",
		RegistrationURL: "https://onboard.example.org/", Date: testDate,
	}
}

func writeFile(t *testing.T, ppl []Recipient, o Options) (string, Result) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "letters.pdf")
	var buf bytes.Buffer
	res, err := Write(context.Background(), &buf, ppl, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, res
}

func TestLettersPagesCarryEachPersonsNameAndKey(t *testing.T) {
	pdfcheck.Need(t, "pdfinfo", "pdftotext", "pdffonts")
	ppl := people(12)
	path, res := writeFile(t, ppl, testOptions())
	if res.Letters != 12 || res.Pages != 12 {
		t.Fatalf("result %+v, want 12 letters on 12 pages", res)
	}
	if n := pdfcheck.Pages(t, path); n != 12 {
		t.Fatalf("pdfinfo: %d pages, want 12", n)
	}
	for i, p := range ppl {
		text := pdfcheck.Text(t, path, i+1)
		for _, want := range []string{
			p.FirstName + " " + p.LastName, p.Key, p.Username, "Gesamtschule Köln-Süd", "8 December 2026",
			"https://onboard.example.org/register?key=" + p.Key,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("page %d lacks %q:\n%s", i+1, want, text)
			}
		}
		if strings.ContainsAny(text, "{}") {
			t.Errorf("page %d shows braces:\n%s", i+1, text)
		}
	}
	fonts := pdfcheck.Run(t, "pdffonts", path)
	lines := strings.Split(strings.TrimSpace(fonts), "\n")
	if len(lines) < 5 { // two header lines and three fonts
		t.Fatalf("pdffonts lists too few fonts:\n%s", fonts)
	}
	for _, line := range lines[2:] {
		f := strings.Fields(line)
		// name type... encoding emb sub uni object ID
		if len(f) < 7 || f[len(f)-5] != "yes" {
			t.Errorf("font not embedded: %s", line)
		}
	}
}

func TestLettersQRCodeDecodesToTheRegistrationLink(t *testing.T) {
	pdfcheck.Need(t, "pdftoppm", "zbarimg")
	ppl := people(3)
	path, _ := writeFile(t, ppl, testOptions())
	for i, p := range ppl {
		got := pdfcheck.QR(t, pdfcheck.Render(t, path, i+1, 150, true))
		if want := "https://onboard.example.org/register?key=" + p.Key; got != want {
			t.Errorf("page %d QR = %q, want %q", i+1, got, want)
		}
	}
}

func TestLettersWithoutAddressHaveNoQRCode(t *testing.T) {
	pdfcheck.Need(t, "pdftotext", "pdftoppm", "zbarimg")
	o := testOptions()
	o.RegistrationURL = ""
	path, _ := writeFile(t, people(1), o)
	text := pdfcheck.Text(t, path, 1)
	if !strings.Contains(text, "Enter this key on the registration page of Gesamtschule Köln-Süd.") {
		t.Errorf("the letter does not say where to enter the key:\n%s", text)
	}
	if got := pdfcheck.QR(t, pdfcheck.Render(t, path, 1, 150, true)); got != "" {
		t.Errorf("found a QR code: %s", got)
	}
}

func TestLettersDuplexAddsBlankBackPages(t *testing.T) {
	pdfcheck.Need(t, "pdfinfo", "pdftotext")
	ppl := people(3)
	o := testOptions()
	o.Duplex = true
	path, res := writeFile(t, ppl, o)
	if n := pdfcheck.Pages(t, path); n != 6 || res.Pages != 6 || res.Letters != 3 {
		t.Fatalf("%d pages (result %+v), want 3 letters on 6 pages", n, res)
	}
	for page := 1; page <= 6; page++ {
		text := strings.TrimSpace(pdfcheck.Text(t, path, page))
		if page%2 == 0 && text != "" {
			t.Errorf("back page %d is not blank: %q", page, text)
		}
		if page%2 == 1 && !strings.Contains(text, ppl[page/2].Key) {
			t.Errorf("page %d lacks the key of letter %d", page, page/2+1)
		}
	}
}

func TestLettersGermanTemplate(t *testing.T) {
	pdfcheck.Need(t, "pdftotext")
	o := testOptions()
	o.Template = DefaultTemplate("de")
	path, _ := writeFile(t, people(1), o)
	text := pdfcheck.Text(t, path, 1)
	for _, want := range []string{"Benutzername", "Gültig bis: 8. Dezember 2026", "Guten Tag Łukasz Nowak", "24. November 2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("German letter lacks %q:\n%s", want, text)
		}
	}
}

func TestLettersBadOptionsWriteNothing(t *testing.T) {
	cases := map[string]func(o *Options){
		"bad placeholder": func(o *Options) { o.Template.Body = "Hello {frist_name}" },
		"missing logo":    func(o *Options) { o.LogoFile = filepath.Join(t.TempDir(), "gone.png") },
		"logo not image":  func(o *Options) { o.LogoFile = writeTemp(t, "logo.png", "not a picture") },
		"bad address":     func(o *Options) { o.RegistrationURL = "onboard.example.org" },
		"too long": func(o *Options) {
			o.Template.Body = strings.Repeat("A long line of instructions that keeps going.\n", 60)
		},
	}
	wants := map[string]string{
		"bad placeholder": "body, line 1, column 7: unknown placeholder",
		"missing logo":    "gone.png",
		"logo not image":  "logo.png",
		"bad address":     "registration address",
		"too long":        "too long for one page",
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			o := testOptions()
			mod(&o)
			var buf bytes.Buffer
			_, err := Write(context.Background(), &buf, people(2), o, nil)
			if err == nil || !strings.Contains(err.Error(), wants[name]) {
				t.Fatalf("error %v, want one containing %q", err, wants[name])
			}
			if name != "too long" && buf.Len() > 0 {
				t.Errorf("%d bytes written despite the error", buf.Len())
			}
		})
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLettersCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var buf bytes.Buffer
	_, err := Write(ctx, &buf, people(500), testOptions(), func(done, total int) {
		if done == 10 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write after cancel = %v, want context.Canceled", err)
	}
}

func TestLettersProgressCountsEveryLetter(t *testing.T) {
	var calls, last int
	_, err := Write(context.Background(), &bytes.Buffer{}, people(40), testOptions(), func(done, total int) {
		calls++
		if done != last+1 || total != 40 {
			t.Errorf("progress(%d, %d) after %d", done, total, last)
		}
		last = done
	})
	if err != nil || calls != 40 {
		t.Fatalf("err %v, %d progress calls, want 40", err, calls)
	}
}

// TestLettersGreetPeopleWithAndWithoutNames prints the default templates and one
// saved before {greeting} existed for a person with a name and one invited by
// address alone, in both languages.
func TestLettersGreetPeopleWithAndWithoutNames(t *testing.T) {
	pdfcheck.Need(t, "pdftotext")
	oldEN := Template{
		Lang: "en", Title: "Your account, {first_name}",
		Body: "Dear {first_name} {last_name},\n\nthe account of {first_name} {last_name} ({username}) is ready at {organization}.\nKey: {key}",
	}
	oldDE := Template{
		Lang: "de", Title: "Willkommen, {first_name} {last_name}",
		Body: "Liebe/r {first_name} {last_name},\n\nIhr Zugang ({first_name} {last_name}) ist eingerichtet.\nSchlüssel: {key}",
	}
	named := Recipient{
		UserID: "u1", FirstName: "Anna", LastName: "Müller", Username: "amueller", Key: "7QK3M-XW9RT-2HDPA-EB001-VCJ5F",
		ValidUntil: testDate.AddDate(0, 0, 14),
	}
	nameless := Recipient{UserID: "u2", Username: "anna", Key: "7QK3M-XW9RT-2HDPA-EB002-VCJ5F", ValidUntil: testDate.AddDate(0, 0, 14)}
	for _, tc := range []struct {
		name    string
		tpl     Template
		want    [2][]string // the named person's page, the nameless one's
		wantNot []string    // on the nameless page
	}{
		{
			"default en", DefaultTemplate("en"),
			[2][]string{{"Dear Anna Müller,"}, {"Hello,\n", "(you enter your name when you register)"}},
			[]string{"Dear"},
		},
		{
			"default de", DefaultTemplate("de"),
			[2][]string{{"Guten Tag Anna Müller,"}, {"Guten Tag,\n", "(Sie tragen Ihren Namen bei der Registrierung ein)"}},
			[]string{"Guten Tag ,"},
		},
		{
			"old en", oldEN,
			[2][]string{
				{"Your account, Anna", "Dear Anna Müller,", "the account of Anna Müller (amueller) is ready"},
				{"Your account\n", "Hello,\n", "the account of (anna) is ready"},
			},
			[]string{"Dear", "  ", " ,"},
		},
		{
			"old de", oldDE,
			[2][]string{
				{"Willkommen, Anna Müller", "Liebe/r Anna Müller,", "Ihr Zugang (Anna Müller) ist eingerichtet."},
				{"Willkommen\n", "Guten Tag,\n", "Ihr Zugang ist eingerichtet."},
			},
			[]string{"Liebe", "()", "  ", " ,"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions()
			o.Template = tc.tpl
			path, _ := writeFile(t, []Recipient{named, nameless}, o)
			for page, wants := range tc.want {
				text := pdfcheck.Text(t, path, page+1)
				for _, want := range wants {
					if !strings.Contains(text, want) {
						t.Errorf("page %d lacks %q:\n%s", page+1, want, text)
					}
				}
			}
			text := pdfcheck.Text(t, path, 2)
			if testing.Verbose() {
				t.Logf("nameless page:\n%s", text)
			}
			for _, no := range tc.wantNot {
				if strings.Contains(text, no) {
					t.Errorf("the nameless page shows %q:\n%s", no, text)
				}
			}
		})
	}
}
