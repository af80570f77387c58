package letters

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTemplateCheck(t *testing.T) {
	cases := []struct {
		name, title, body string
		part              string
		line, col         int
		text              string
	}{
		{"unknown in body", "Hello", "Dear {first_name},\nyour key: {kee}", "body", 2, 11, "{kee}"},
		{"unknown in title", "Hi {frist_name}", "", "title", 1, 4, "{frist_name}"},
		{"unclosed", "Hello", "line one\n  {url and more", "body", 2, 3, "{url and more"},
		{"stray closing", "Hello", "a } b", "body", 1, 3, "}"},
		{"after umlauts", "Hello", "Grüße {x}", "body", 1, 7, "{x}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Template{Title: c.title, Body: c.body}.Check()
			var pe *PlaceholderError
			if !errors.As(err, &pe) {
				t.Fatalf("Check() = %v, want a PlaceholderError", err)
			}
			if pe.Part != c.part || pe.Line != c.line || pe.Column != c.col || pe.Text != c.text {
				t.Errorf("got %s line %d col %d %q, want %s line %d col %d %q", pe.Part, pe.Line, pe.Column, pe.Text, c.part, c.line, c.col, c.text)
			}
		})
	}
}

func TestTemplateSuggestsTheClosestPlaceholder(t *testing.T) {
	err := Template{Title: "x", Body: "{frist_name}"}.Check()
	if err == nil || !strings.Contains(err.Error(), "did you mean {first_name}?") {
		t.Fatalf("error %v does not suggest {first_name}", err)
	}
}

func TestTemplateFill(t *testing.T) {
	c, err := Template{Title: "For {first_name}", Body: "{{literal}} {key} at {organization}, {last_name}\n{greeting}"}.compile()
	if err != nil {
		t.Fatal(err)
	}
	f := &Fields{FirstName: "Юлия", LastName: "Ξανθή", Key: "K-1", Organization: "Org"}
	if got := c.fill(c.title, f); got != "For Юлия" {
		t.Errorf("title = %q", got)
	}
	if got, want := c.fill(c.body, f), "{literal} K-1 at Org, Ξανθή\nDear Юлия Ξανθή,"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
}

func TestDefaultTemplatesAreValid(t *testing.T) {
	for lang := range Languages {
		tp := DefaultTemplate(lang)
		if err := tp.Check(); err != nil {
			t.Errorf("%s: %v", lang, err)
		}
		if tp.Lang != lang {
			t.Errorf("%s template has Lang %q", lang, tp.Lang)
		}
		for _, p := range []string{"{greeting}", "{url}", "{valid_until}", "{organization}"} {
			if !strings.Contains(tp.Body, p) {
				t.Errorf("%s body lacks %s", lang, p)
			}
		}
	}
}

func TestTemplateEmptyTitle(t *testing.T) {
	if err := (Template{Title: "  ", Body: "x"}).Check(); err == nil {
		t.Fatal("an empty title was accepted")
	}
}

// TestOldDefaultsPrintAsTheNewOnes: the default templates saved before {greeting}
// lay out the same letters as today's, with and without a name.
func TestOldDefaultsPrintAsTheNewOnes(t *testing.T) {
	for lang, salutation := range map[string]string{"en": "Dear {first_name} {last_name},", "de": "Guten Tag {first_name} {last_name},"} {
		o := Options{Template: DefaultTemplate(lang), Organization: "Org", RegistrationURL: "https://x.example", Date: time.Unix(0, 0)}
		old := o
		old.Template.Body = strings.Replace(o.Template.Body, "{greeting}", salutation, 1)
		for _, names := range [][2]string{{"Anna", "Müller"}, {"", ""}, {"", "Müller"}} {
			r := SampleRecipient(time.Unix(0, 0))
			r.FirstName, r.LastName = names[0], names[1]
			a, err1 := Preview(r, o)
			b, err2 := Preview(r, old)
			if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("%s %q: the old default lays out differently (%v, %v)", lang, names, err1, err2)
			}
		}
	}
}
