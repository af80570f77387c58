package letters

import (
	"errors"
	"strings"
	"testing"
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
