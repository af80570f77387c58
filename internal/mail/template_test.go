package mail_test

import (
	"errors"
	"strings"
	"testing"

	"onboard/internal/mail"
	"onboard/internal/placeholder"
)

func sampleFields() mail.Fields {
	return mail.Fields{
		FirstName: "Anna", LastName: "Berg", Username: "aberg", Key: "KX7P-2QM9-ZT4R",
		ValidUntil: "31.12.2030", URL: "https://register.example.org/r?k=KX7P-2QM9-ZT4R&l=en",
		Organization: "Example School",
	}
}

func TestDefaultTemplates(t *testing.T) {
	for _, lang := range []string{"en", "de", "fr"} {
		tp := mail.DefaultTemplate(lang)
		if err := tp.Check(); err != nil {
			t.Fatalf("%s: default template: %v", lang, err)
		}
		for _, p := range []string{"{greeting}", "{invitation_text}", "{url}", "{key}", "{valid_until}", "{organization}"} {
			if !strings.Contains(tp.Body, p) {
				t.Errorf("%s: default body lacks %s", lang, p)
			}
		}
		c, err := tp.Render(sampleFields())
		if err != nil {
			t.Fatalf("%s: render: %v", lang, err)
		}
		f := sampleFields()
		for _, want := range []string{f.Key, f.URL, f.ValidUntil, "Anna Berg"} {
			if !strings.Contains(c.Text, want) {
				t.Errorf("%s: text lacks %q:\n%s", lang, want, c.Text)
			}
		}
		if strings.ContainsAny(c.Text, "{}") {
			t.Errorf("%s: unfilled braces:\n%s", lang, c.Text)
		}
	}
	if got := mail.DefaultTemplate("de").Subject; got != "Ihr Zugang bei {organization}" {
		t.Errorf("German subject %q", got)
	}
	if got := mail.DefaultTemplate("fr").Lang; got != "en" {
		t.Errorf("unknown language gives %q, want en", got)
	}
}

func TestRenderPlaceholders(t *testing.T) {
	tp := mail.Template{
		Lang: "en", Subject: "Hello {first_name} – {organization}",
		Body: "{first_name} {last_name} ({username})\n{key} until {valid_until}\n{url}\n{{literal}}",
	}
	c, err := tp.Render(sampleFields())
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "Hello Anna – Example School" {
		t.Errorf("subject %q", c.Subject)
	}
	want := "Anna Berg (aberg)\nKX7P-2QM9-ZT4R until 31.12.2030\nhttps://register.example.org/r?k=KX7P-2QM9-ZT4R&l=en\n{literal}"
	if c.Text != want {
		t.Errorf("text\n%q\nwant\n%q", c.Text, want)
	}
}

func TestCheckReportsPosition(t *testing.T) {
	tests := []struct {
		tp        mail.Template
		part      string
		line, col int
	}{
		{mail.Template{Subject: "Hi", Body: "Hello\n  {frist_name}"}, "body", 2, 3},
		{mail.Template{Subject: "Account at {organisation}", Body: "x"}, "subject", 1, 12},
		{mail.Template{Subject: "Hi", Body: "a\nb\nopen {url"}, "body", 3, 6},
	}
	for _, tt := range tests {
		err := tt.tp.Check()
		var pe *placeholder.Error
		if !errors.As(err, &pe) {
			t.Fatalf("%+v: got %v, want a placeholder error", tt.tp, err)
		}
		if pe.Part != tt.part || pe.Line != tt.line || pe.Column != tt.col {
			t.Errorf("%+v: got %s line %d column %d, want %s %d %d", tt.tp, pe.Part, pe.Line, pe.Column, tt.part, tt.line, tt.col)
		}
		if _, err := tt.tp.Render(sampleFields()); err == nil {
			t.Errorf("%+v: Render accepted it", tt.tp)
		}
	}
	for _, tp := range []mail.Template{
		{Subject: " ", Body: "x"},
		{Subject: "two\nlines", Body: "x"},
		{Subject: "ok", Body: "\n \n"},
	} {
		if err := tp.Check(); err == nil {
			t.Errorf("%+v: accepted", tp)
		}
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	f := sampleFields()
	f.FirstName = "<script>alert(1)</script>"
	f.Organization = `Berg & Söhne "Schule"`
	f.InvitationText = "See https://intranet.example.org/help. Or <b>ask</b>."
	c, err := mail.DefaultTemplate("en").Render(f)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.HTML, "<script>") || strings.Contains(c.HTML, "<b>") {
		t.Errorf("HTML contains unescaped markup:\n%s", c.HTML)
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"Berg &amp; Söhne &#34;Schule&#34;",
		`<a href="https://register.example.org/r?k=KX7P-2QM9-ZT4R&amp;l=en">https://register.example.org/r?k=KX7P-2QM9-ZT4R&amp;l=en</a>`,
		`<a href="https://intranet.example.org/help">https://intranet.example.org/help</a>. Or &lt;b&gt;ask&lt;/b&gt;.`,
		`<html lang="en">`,
		"<title>Your account at Berg &amp; Söhne &#34;Schule&#34;</title>",
	} {
		if !strings.Contains(c.HTML, want) {
			t.Errorf("HTML lacks %s:\n%s", want, c.HTML)
		}
	}
	if !strings.Contains(c.Text, "Dear <script>alert(1)</script> Berg,") {
		t.Errorf("the text should keep the name as it is:\n%s", c.Text)
	}
}

func TestRenderParagraphs(t *testing.T) {
	tp := mail.Template{Lang: "en", Subject: "S", Body: "Dear {first_name},\n\n{invitation_text}\n\nLine one\nline two  \n\n\n\nEnd"}
	f := sampleFields()
	c, err := tp.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Dear Anna,\n\nLine one\nline two\n\nEnd"; c.Text != want {
		t.Errorf("empty invitation text:\n%q\nwant\n%q", c.Text, want)
	}
	if strings.Count(c.HTML, "<p>") != 3 || !strings.Contains(c.HTML, "<p>Line one<br>\nline two</p>") || strings.Contains(c.HTML, "<p></p>") {
		t.Errorf("HTML paragraphs:\n%s", c.HTML)
	}

	f.InvitationText = "Welcome to the team!\r\nSee you on Monday.\r\n\r\n\r\n"
	c, err = tp.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Dear Anna,\n\nWelcome to the team!\nSee you on Monday.\n\nLine one\nline two\n\nEnd"; c.Text != want {
		t.Errorf("with invitation text:\n%q\nwant\n%q", c.Text, want)
	}
	if !strings.Contains(c.HTML, "<p>Welcome to the team!<br>\nSee you on Monday.</p>") {
		t.Errorf("HTML:\n%s", c.HTML)
	}

	for _, lang := range []string{"en", "de"} {
		c, err := mail.DefaultTemplate(lang).Render(sampleFields())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.Text, "\n\n\n") || strings.Contains(c.HTML, "<p></p>") {
			t.Errorf("%s: blank gap without invitation text:\n%s", lang, c.Text)
		}
	}
}

func TestRenderRefusesLineBreakInSubject(t *testing.T) {
	for _, org := range []string{"ACME\r\nBcc: victim@example.org", "ACME\nX", "ACME\rX"} {
		f := sampleFields()
		f.Organization = org
		_, err := mail.DefaultTemplate("en").Render(f)
		if err == nil || !strings.Contains(err.Error(), "subject: line breaks are not allowed") || !strings.Contains(err.Error(), "{organization}") {
			t.Errorf("%q: got %v", org, err)
		}
	}
	// A line break in a value used only in the body is fine.
	f := sampleFields()
	f.InvitationText = "two\nlines"
	if _, err := mail.DefaultTemplate("en").Render(f); err != nil {
		t.Error(err)
	}
	f.FirstName = "Anna\x00"
	if _, err := mail.DefaultTemplate("en").Render(f); err == nil || !strings.Contains(err.Error(), "{first_name}") {
		t.Errorf("NUL in a value: got %v", err)
	}
}

// TestRenderGreetsPeopleWithAndWithoutNames renders the default templates and ones
// saved before {greeting} existed, for a person with a name and one invited by
// address alone, in both languages.
func TestRenderGreetsPeopleWithAndWithoutNames(t *testing.T) {
	oldEN := mail.Template{
		Lang: "en", Subject: "Welcome, {first_name} {last_name}!",
		Body: "Dear {first_name} {last_name},\n\n{invitation_text}\n\nYour username ({first_name} {last_name}): {username}\n\nKind regards",
	}
	oldDE := mail.Template{
		Lang: "de", Subject: "Willkommen, {first_name}",
		Body: "Liebe/r {first_name} {last_name},\n\nIhr Benutzername: {username}\n\nViele Grüße",
	}
	for _, tc := range []struct {
		name                     string
		tpl                      mail.Template
		first, last              string
		subject, start, contains string
	}{
		{"default en, named", mail.DefaultTemplate("en"), "Anna", "Berg", "Your account at Example School", "Dear Anna Berg,\n\nAn account", ""},
		{"default en, nameless", mail.DefaultTemplate("en"), "", "", "Your account at Example School", "Hello,\n\nAn account", ""},
		{"default de, named", mail.DefaultTemplate("de"), "Anna", "Berg", "Ihr Zugang bei Example School", "Guten Tag Anna Berg,\n\nIhr Zugang", ""},
		{"default de, nameless", mail.DefaultTemplate("de"), "", "", "Ihr Zugang bei Example School", "Guten Tag,\n\nIhr Zugang", ""},
		{"old en, named", oldEN, "Anna", "Berg", "Welcome, Anna Berg!", "Dear Anna Berg,\n\nYour username", "Your username (Anna Berg): aberg"},
		{"old en, nameless", oldEN, "", "", "Welcome!", "Hello,\n\nYour username", "Your username: aberg"},
		{"old en, first name only", oldEN, "Anna", "", "Welcome, Anna!", "Dear Anna,\n\nYour username", "Your username (Anna): aberg"},
		{"old de, named", oldDE, "Anna", "Berg", "Willkommen, Anna", "Liebe/r Anna Berg,\n\nIhr Benutzername: aberg", ""},
		{"old de, nameless", oldDE, "", "", "Willkommen", "Guten Tag,\n\nIhr Benutzername: aberg", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := sampleFields()
			f.FirstName, f.LastName = tc.first, tc.last
			c, err := tc.tpl.Render(f)
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != tc.subject {
				t.Errorf("subject %q, want %q", c.Subject, tc.subject)
			}
			if !strings.HasPrefix(c.Text, tc.start) || !strings.Contains(c.Text, tc.contains) {
				t.Errorf("text does not start with %q and contain %q:\n%s", tc.start, tc.contains, c.Text)
			}
			first, _, _ := strings.Cut(tc.start, "\n")
			if !strings.Contains(c.HTML, "<p>"+first+"</p>") {
				t.Errorf("HTML lacks the greeting %q:\n%s", first, c.HTML)
			}
			for _, no := range []string{"  ", " ,", "()", "Dear ,", "Liebe/r ,"} {
				if strings.Contains(c.Text, no) || strings.Contains(c.Subject, no) {
					t.Errorf("shows %q: %q\n%s", no, c.Subject, c.Text)
				}
			}
		})
	}
}

// TestOldDefaultsRenderAsTheNewOnes: the default templates saved before {greeting}
// (the same text opening with "Dear {first_name} {last_name}," or "Guten Tag
// {first_name} {last_name},") give the same mails as today's, with and without a name.
func TestOldDefaultsRenderAsTheNewOnes(t *testing.T) {
	for lang, salutation := range map[string]string{"en": "Dear {first_name} {last_name},", "de": "Guten Tag {first_name} {last_name},"} {
		tp := mail.DefaultTemplate(lang)
		old := tp
		old.Body = strings.Replace(tp.Body, "{greeting}", salutation, 1)
		for _, names := range [][2]string{{"Anna", "Berg"}, {"", ""}, {"Anna", ""}} {
			f := sampleFields()
			f.FirstName, f.LastName = names[0], names[1]
			a, err1 := tp.Render(f)
			b, err2 := old.Render(f)
			if err1 != nil || err2 != nil || a != b {
				t.Errorf("%s %q: old default\n%s\nnew\n%s\n(%v, %v)", lang, names, b.Text, a.Text, err2, err1)
			}
		}
	}
}
