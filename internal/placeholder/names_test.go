package placeholder

import (
	"strings"
	"testing"
)

func TestGreet(t *testing.T) {
	for _, tc := range []struct{ lang, first, last, want string }{
		{"en", "Anna", "Müller", "Dear Anna Müller,"},
		{"en", "", "", "Hello,"},
		{"en", "  ", " ", "Hello,"},
		{"en", "Anna", "", "Dear Anna,"},
		{"en", "", "Müller", "Dear Müller,"},
		{"de", "Anna", "Müller", "Guten Tag Anna Müller,"},
		{"de", "", "", "Guten Tag,"},
		{"fr", "", "", "Hello,"},
	} {
		if got := Greet(tc.lang, tc.first, tc.last); got != tc.want {
			t.Errorf("Greet(%q, %q, %q) = %q, want %q", tc.lang, tc.first, tc.last, got, tc.want)
		}
	}
}

// fillNames fills text for a person named first last, in language lang.
func fillNames(t *testing.T, lang, text, first, last string) string {
	t.Helper()
	known := append(Common, "invitation_text")
	txt, err := Parse("body", text, known)
	if err != nil {
		t.Fatal(err)
	}
	return txt.FillNames(lang, func(name string) string {
		switch name {
		case FirstName:
			return first
		case LastName:
			return last
		case Greeting:
			return Greet(lang, first, last)
		case "username":
			return "anna"
		case "organization":
			return "Example School"
		}
		return ""
	})
}

func TestFillNamesWithoutAName(t *testing.T) {
	for _, tc := range []struct{ name, lang, text, want string }{
		// Salutation lines of templates saved before {greeting}.
		{"old English default", "en", "Dear {first_name} {last_name},\n\nan account", "Hello,\n\nan account"},
		{"old German default", "de", "Guten Tag {first_name} {last_name},\n\nbei", "Guten Tag,\n\nbei"},
		{"Liebe/r", "de", "Liebe/r {first_name} {last_name},\nText", "Guten Tag,\nText"},
		{"Sehr geehrte(r)", "de", "Sehr geehrte(r) {last_name},", "Guten Tag,"},
		{"exclamation", "de", "Hallo {first_name}!", "Guten Tag!"},
		{"colon, indented", "en", "  Dear {first_name}:", "  Hello:"},
		{"no punctuation, known word", "en", "Hi {first_name}\nx", "Hello\nx"},
		{"windows line ends", "en", "Dear {first_name} {last_name},\r\nText", "Hello,\nText"},
		{"salutation later in the text", "en", "{organization}\n\nDear {first_name},", "Example School\n\nHello,"},
		// Elsewhere.
		{"label without punctuation is no salutation", "en", "Student {first_name} {last_name}", "Student"},
		{"a sentence after the name", "en", "Hi {first_name}, welcome to {organization}.", "Hi, welcome to Example School."},
		{"name inside a sentence", "en", "The account of {first_name} {last_name} is ready.", "The account of is ready."},
		{"before punctuation", "en", "Thanks, {first_name}.", "Thanks."},
		{"dangling comma at the end", "de", "Willkommen, {first_name}", "Willkommen"},
		{"comma before an exclamation", "en", "Welcome, {first_name}!", "Welcome!"},
		{"parentheses", "en", "Your username ({first_name} {last_name}) is {username}", "Your username is anna"},
		{"start of a line", "en", "{first_name} {last_name}, your key is ready", "your key is ready"},
		{"only names on a line", "en", "a\n{first_name} {last_name}\nb", "a\n\nb"},
		{"other text untouched", "en", "Name:  {username} ,x", "Name:  anna ,x"},
		{"greeting", "en", "{greeting}\n\nText", "Hello,\n\nText"},
		{"greeting de", "de", "{greeting}\n\nText", "Guten Tag,\n\nText"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fillNames(t, tc.lang, tc.text, "", ""); got != strings.ReplaceAll(tc.want, "\r", "") {
				t.Errorf("FillNames(%q)\n got %q\nwant %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestFillNamesWithANameIsFill(t *testing.T) {
	for _, tc := range []struct{ text, first, last, want string }{
		{"Dear {first_name} {last_name},", "Anna", "Müller", "Dear Anna Müller,"},
		{"Dear {first_name} {last_name},", "Anna", "", "Dear Anna,"},
		{"Liebe/r {first_name} {last_name},", "", "Müller", "Liebe/r Müller,"},
		{"{greeting}", "Anna", "Müller", "Dear Anna Müller,"},
		{"Name:  {first_name}  ({username})", "Anna", "", "Name:  Anna  (anna)"},
	} {
		if got := fillNames(t, "en", tc.text, tc.first, tc.last); got != tc.want {
			t.Errorf("FillNames(%q) with %q %q = %q, want %q", tc.text, tc.first, tc.last, got, tc.want)
		}
	}
	// With every name given, FillNames writes what Fill writes.
	text := "Dear {first_name} {last_name},\n({first_name}) , {last_name}!\n\n  {greeting} {username}"
	txt, _ := Parse("body", text, Common)
	v := func(n string) string {
		return map[string]string{FirstName: "A", LastName: "B", Greeting: "G", "username": "u"}[n]
	}
	if a, b := txt.FillNames("en", v), txt.Fill(v); a != b {
		t.Errorf("FillNames %q, Fill %q", a, b)
	}
}

func FuzzFillNames(f *testing.F) {
	for _, s := range []string{
		"Dear {first_name} {last_name},", "({first_name}) x", "{first_name}, {last_name}; y",
		"a {first_name}\n{last_name} b", "Hallo {first_name}!", "  ({first_name} ) ,",
	} {
		f.Add(s, "", "")
		f.Add(s, "Anna", "")
		f.Add(s, "Anna", "Müller")
	}
	f.Fuzz(func(t *testing.T, text, first, last string) {
		txt, err := Parse("body", text, Common)
		if err != nil {
			return
		}
		first, last = strings.ReplaceAll(first, "\n", " "), strings.ReplaceAll(last, "\n", " ")
		v := func(n string) string {
			switch n {
			case FirstName:
				return first
			case LastName:
				return last
			}
			return "V"
		}
		got, want := txt.FillNames("en", v), txt.Fill(v)
		if strings.TrimSpace(first) != "" && strings.TrimSpace(last) != "" && got != want {
			t.Fatalf("with names %q → %q, Fill gives %q", text, got, want)
		}
		if strings.Count(got, "\n") != strings.Count(want, "\n") {
			t.Fatalf("lines of %q: %q, Fill gives %q", text, got, want)
		}
	})
}
