package addrlist_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"onboard/internal/addrlist"
	"onboard/internal/userrules"
)

// parse reads text with the rules of the new-user form.
func parse(text string) addrlist.Result { return addrlist.Parse(text, userrules.EmailProblem) }

type (
	A = addrlist.Address
	U = addrlist.Unreadable
)

const notAddr = addrlist.NotAnAddress

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want addrlist.Result
	}{
		{"empty", "", addrlist.Result{}},
		{"only separators", " \n\t ,;;\r\n , ", addrlist.Result{}},
		{"one", "anna@example.org", addrlist.Result{Addresses: []A{{Email: "anna@example.org"}}}},
		{
			"every separator", "a@x.de, b@x.de; c@x.de\td@x.de e@x.de\r\nf@x.de\n\ng@x.de,,h@x.de",
			addrlist.Result{Addresses: []A{
				{Email: "a@x.de"},
				{Email: "b@x.de"},
				{Email: "c@x.de"},
				{Email: "d@x.de"},
				{Email: "e@x.de"},
				{Email: "f@x.de"},
				{Email: "g@x.de"},
				{Email: "h@x.de"},
			}},
		},
		{
			"name and angle brackets", "Anna Müller <anna@example.org>, Ben Weber<ben@example.org>",
			addrlist.Result{Addresses: []A{{Name: "Anna Müller", Email: "anna@example.org"}, {Name: "Ben Weber", Email: "ben@example.org"}}},
		},
		{
			"quoted name with a comma", `"Müller, Anna" <anna@x.de>, "Weber, Ben \"B\"" <ben@x.de>; "Cem; Dora" <cd@x.de>`,
			addrlist.Result{Addresses: []A{{Name: "Müller, Anna", Email: "anna@x.de"}, {Name: `Weber, Ben "B"`, Email: "ben@x.de"}, {Name: "Cem; Dora", Email: "cd@x.de"}}},
		},
		{
			"Outlook: unquoted last, first; semicolons", "Müller, Anna <anna@x.de>; Weber, Ben <ben@x.de>",
			addrlist.Result{Addresses: []A{{Name: "Müller, Anna", Email: "anna@x.de"}, {Name: "Weber, Ben", Email: "ben@x.de"}}},
		},
		{
			"bare after named", "anna@x.de, Ben Weber <ben@x.de>",
			addrlist.Result{Addresses: []A{{Email: "anna@x.de"}, {Name: "Ben Weber", Email: "ben@x.de"}}},
		},
		{
			"angle brackets only", "<anna@x.de> < ben@x.de >",
			addrlist.Result{Addresses: []A{{Email: "anna@x.de"}, {Email: "ben@x.de"}}},
		},
		{
			"mailto", "mailto:anna@x.de <mailto:ben@x.de> MAILTO:cem@x.de?subject=Hi",
			addrlist.Result{Addresses: []A{{Email: "anna@x.de"}, {Email: "ben@x.de"}, {Email: "cem@x.de"}}},
		},
		{
			"unicode names", "Łukasz Wójcik <lukasz@x.pl>\n\"Юлия Иванова\" <julia@x.ru>\n김민준 <minjun@x.kr>\nZoë O’Brien <zoe@x.ie>",
			addrlist.Result{Addresses: []A{
				{Name: "Łukasz Wójcik", Email: "lukasz@x.pl"},
				{Name: "Юлия Иванова", Email: "julia@x.ru"},
				{Name: "김민준", Email: "minjun@x.kr"},
				{Name: "Zoë O’Brien", Email: "zoe@x.ie"},
			}},
		},
		{
			"garbage around an address", "hello anna@example world",
			addrlist.Result{Unreadable: []U{
				{"hello", notAddr},
				{"anna@example", `"anna@example" is not a valid email address`},
				{"world", notAddr},
			}},
		},
		{
			"invalid address with a name", "Anna <anna@example>, ben@x.de",
			addrlist.Result{
				Addresses:  []A{{Email: "ben@x.de"}},
				Unreadable: []U{{"Anna <anna@example>", `"anna@example" is not a valid email address`}},
			},
		},
		{
			"garbage split at commas", "foo, bar  baz, qux",
			addrlist.Result{Unreadable: []U{{"foo", notAddr}, {"bar baz", notAddr}, {"qux", notAddr}}},
		},
		{
			"spreadsheet column with a header", "Email\nanna@x.de\nben@x.de\n",
			addrlist.Result{Addresses: []A{{Email: "anna@x.de"}, {Email: "ben@x.de"}}, Unreadable: []U{{"Email", notAddr}}},
		},
		{
			"duplicates ignoring case", "Anna@X.de, anna@x.de; ANNA@x.DE ben@x.de ben@x.de",
			addrlist.Result{Addresses: []A{{Email: "Anna@X.de"}, {Email: "ben@x.de"}}, Duplicates: []string{"Anna@X.de", "ben@x.de"}},
		},
		{
			"a repeat gives the missing name", "anna@x.de\nAnna Müller <ANNA@x.de>",
			addrlist.Result{Addresses: []A{{Name: "Anna Müller", Email: "anna@x.de"}}, Duplicates: []string{"anna@x.de"}},
		},
		{
			"a name that is the address is dropped", `"anna@x.de" <anna@x.de>`,
			addrlist.Result{Addresses: []A{{Email: "anna@x.de"}}},
		},
		{
			"a name does not cross a line break", "Anna\n<anna@x.de>",
			addrlist.Result{Addresses: []A{{Email: "anna@x.de"}}, Unreadable: []U{{"Anna", notAddr}}},
		},
		{
			"unclosed quote", `"Anna anna@x.de`,
			addrlist.Result{Addresses: []A{{Email: "anna@x.de"}}, Unreadable: []U{{`"Anna`, notAddr}}},
		},
		{
			"unclosed angle bracket", "Anna <anna@x.de",
			addrlist.Result{Unreadable: []U{{"Anna", notAddr}, {"<anna@x.de", `"<anna@x.de" is not a valid email address`}}},
		},
		{
			"empty brackets and quotes", `<> ""`,
			addrlist.Result{Unreadable: []U{{"<>", notAddr}, {`""`, notAddr}}},
		},
		{
			"byte order mark, no-break and zero-width spaces", "\ufeffanna@x.de\u00a0ben@x.de\u200bcem@x.de",
			addrlist.Result{Addresses: []A{{Email: "anna@x.de"}, {Email: "ben@x.de"}, {Email: "cem@x.de"}}},
		},
		{
			"control characters leave names", "Anna\x00\x07Müller <a@x.de>",
			addrlist.Result{Addresses: []A{{Name: "Anna Müller", Email: "a@x.de"}}},
		},
		{
			"header injection", "a@x.de\r\nBcc: evil@x.org",
			addrlist.Result{Addresses: []A{{Email: "a@x.de"}, {Email: "evil@x.org"}}, Unreadable: []U{{"Bcc:", notAddr}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parse(tc.text)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}

// TestParseRows reads lines pasted from a spreadsheet and lines of cells separated
// by commas or semicolons: the name cells give first and last name.
func TestParseRows(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want addrlist.Result
	}{
		{
			"tabs", "Anna\tMüller\tanna@x.de\nBen\tWeber\tben@x.de\n",
			addrlist.Result{Addresses: []A{{First: "Anna", Last: "Müller", Email: "anna@x.de"}, {First: "Ben", Last: "Weber", Email: "ben@x.de"}}},
		},
		{
			"address first", "anna@x.de\tAnna Maria\tvan der Berg",
			addrlist.Result{Addresses: []A{{First: "Anna Maria", Last: "van der Berg", Email: "anna@x.de"}}},
		},
		{
			"address between", "Anna\t<anna@x.de>\tMüller",
			addrlist.Result{Addresses: []A{{First: "Anna", Last: "Müller", Email: "anna@x.de"}}},
		},
		{
			"commas", "Anna, Müller, anna@x.de\nZoë ,O’Brien-Smith,zoe@x.ie",
			addrlist.Result{Addresses: []A{{First: "Anna", Last: "Müller", Email: "anna@x.de"}, {First: "Zoë", Last: "O’Brien-Smith", Email: "zoe@x.ie"}}},
		},
		{
			"semicolons", "Anna; Müller; anna@x.de\r\nBen;Weber;mailto:ben@x.de",
			addrlist.Result{Addresses: []A{{First: "Anna", Last: "Müller", Email: "anna@x.de"}, {First: "Ben", Last: "Weber", Email: "ben@x.de"}}},
		},
		{
			"an empty last name cell", "Anna\t\tanna@x.de\nBen;;ben@x.de",
			addrlist.Result{Addresses: []A{{First: "Anna", Email: "anna@x.de"}, {First: "Ben", Email: "ben@x.de"}}},
		},
		{
			"an empty first name cell", "Anna\tMüller\ta@x.de\n\tWeber\tben@x.de",
			// An empty cell at the start of a row does not count: one name cell, read as a display name.
			addrlist.Result{Addresses: []A{{First: "Anna", Last: "Müller", Email: "a@x.de"}, {Name: "Weber", Email: "ben@x.de"}}},
		},
		{
			"empty cells around a row", "\t\tAnna\tMüller\tanna@x.de\t\t",
			addrlist.Result{Addresses: []A{{First: "Anna", Last: "Müller", Email: "anna@x.de"}}},
		},
		{
			"one name cell is a display name", "Anna Müller\tanna@x.de\nMüller, Anna\tam@x.de\nBen Weber, ben@x.de",
			addrlist.Result{Addresses: []A{
				{Name: "Anna Müller", Email: "anna@x.de"},
				{Name: "Müller, Anna", Email: "am@x.de"},
				{Name: "Ben Weber", Email: "ben@x.de"},
			}},
		},
		{
			"a header row is not read as names", "First name\tLast name\tEmail\nAnna\tMüller\tanna@x.de",
			addrlist.Result{
				Addresses:  []A{{First: "Anna", Last: "Müller", Email: "anna@x.de"}},
				Unreadable: []U{{"First name Last name Email", notAddr}},
			},
		},
		{
			"Outlook's last, first <address> is no row", "Müller, Anna <anna@x.de>; Weber, Ben <ben@x.de>",
			addrlist.Result{Addresses: []A{{Name: "Müller, Anna", Email: "anna@x.de"}, {Name: "Weber, Ben", Email: "ben@x.de"}}},
		},
		{
			"two addresses are no row", "Anna, anna@x.de, ben@x.de",
			addrlist.Result{Addresses: []A{{Email: "anna@x.de"}, {Email: "ben@x.de"}}, Unreadable: []U{{"Anna", notAddr}}},
		},
		{
			"more than two name cells are no row", "Anna\tMaria\tMüller\tanna@x.de",
			addrlist.Result{Addresses: []A{{Email: "anna@x.de"}}, Unreadable: []U{{"Anna Maria Müller", notAddr}}},
		},
		{
			"a number or class is no name", "17\tAnna\tanna@x.de\nAnna\t5a\tben@x.de",
			addrlist.Result{
				Addresses:  []A{{Email: "anna@x.de"}, {Email: "ben@x.de"}},
				Unreadable: []U{{"17 Anna", notAddr}, {"Anna 5a", notAddr}},
			},
		},
		{
			"a cell with a display form is no row", "5a\tAnna Müller <anna@x.de>",
			addrlist.Result{Addresses: []A{{Name: "5a Anna Müller", Email: "anna@x.de"}}},
		},
		{
			"an invalid address in a row", "Anna\tMüller\tanna@example",
			addrlist.Result{Unreadable: []U{{"Anna Müller anna@example", `"anna@example" is not a valid email address`}}},
		},
		{
			"a repeated address keeps the first names", "Anna\tMüller\tanna@x.de\nAnnie\tM\tANNA@x.de",
			addrlist.Result{Addresses: []A{{First: "Anna", Last: "Müller", Email: "anna@x.de"}}, Duplicates: []string{"anna@x.de"}},
		},
		{
			"a repeat gives the missing names", "anna@x.de\nAnna\tMüller\tanna@x.de",
			addrlist.Result{Addresses: []A{{First: "Anna", Last: "Müller", Email: "anna@x.de"}}, Duplicates: []string{"anna@x.de"}},
		},
		{
			"control characters and odd spaces leave cells", "An\x00na\u00a0\tMü\u200bller\tanna@x.de",
			addrlist.Result{Addresses: []A{{First: "An na", Last: "Mü ller", Email: "anna@x.de"}}},
		},
		{
			"rows and other lines mixed", "Anna\tMüller\tanna@x.de\nben@x.de, Cem Yılmaz <cem@x.de>\nDora; Schulz; dora@x.de",
			addrlist.Result{Addresses: []A{
				{First: "Anna", Last: "Müller", Email: "anna@x.de"},
				{Email: "ben@x.de"},
				{Name: "Cem Yılmaz", Email: "cem@x.de"},
				{First: "Dora", Last: "Schulz", Email: "dora@x.de"},
			}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parse(tc.text)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestParseUsesTheGivenCheck(t *testing.T) {
	onlySchool := func(email string) string {
		if !strings.HasSuffix(email, "@school.example") {
			return "not a school address"
		}
		return ""
	}
	got := addrlist.Parse("anna@school.example ben@gmail.example", onlySchool)
	want := addrlist.Result{
		Addresses:  []A{{Email: "anna@school.example"}},
		Unreadable: []U{{"ben@gmail.example", "not a school address"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestParseFiveThousand(t *testing.T) {
	var b strings.Builder
	seps := []string{"\n", ", ", "; ", "\t", " "}
	for i := range 5000 {
		if i%2 == 0 {
			fmt.Fprintf(&b, "Person %d <person%d@example.org>", i, i)
		} else {
			fmt.Fprintf(&b, "person%d@example.org", i)
		}
		b.WriteString(seps[i%len(seps)])
	}
	b.WriteString("person0@EXAMPLE.org broken@ x")
	got := parse(b.String())
	if len(got.Addresses) != 5000 {
		t.Fatalf("%d addresses, want 5000", len(got.Addresses))
	}
	for i, a := range got.Addresses {
		if a.Email != fmt.Sprintf("person%d@example.org", i) {
			t.Fatalf("address %d is %q: order lost", i, a.Email)
		}
		if wantName := fmt.Sprintf("Person %d", i); (i%2 == 0) != (a.Name == wantName) {
			t.Fatalf("address %d has name %q", i, a.Name)
		}
	}
	if !reflect.DeepEqual(got.Duplicates, []string{"person0@example.org"}) || len(got.Unreadable) != 2 {
		t.Fatalf("duplicates %v, unreadable %v", got.Duplicates, got.Unreadable)
	}
}

func BenchmarkParse5000(b *testing.B) {
	var sb strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&sb, "Person %d <person%d@example.org>,\n", i, i)
	}
	text := sb.String()
	for b.Loop() {
		parse(text)
	}
}

// isSep is what separates addresses.
func isSep(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == ',' || r == ';' || r == '\u2028' || r == '\u2029' ||
		r == '\u200b' || r == '\ufeff' || r == unicode.ReplacementChar
}

func fold(s string) string { return strings.ToLower(norm.NFC.String(s)) }

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "anna@example.org", `"Müller, Anna" <anna@x.de>; Weber, Ben <ben@x.de>`,
		"mailto:a@x.de?x", "<<a@x.de>>", `"a;b" <x@y.de>`, `"a\"b" <c@d.ef>`, "a@b\r\nc@d.ef", "\"\n<\n>", "\xff@x.de",
		"Anna\tMüller\ta@x.de", "Anna, Müller, a@x.de\nb@x.de;Ben;Weber", "\tx\t<a@x.de>\t\n", "Müller, Anna\ta@x.de",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		res := parse(text)
		seen := map[string]bool{}
		for _, a := range res.Addresses {
			if msg := userrules.EmailProblem(a.Email); msg != "" {
				t.Fatalf("accepted %q: %s", a.Email, msg)
			}
			if !strings.Contains(text, a.Email) {
				t.Fatalf("address %q is not in the text", a.Email)
			}
			key := fold(a.Email)
			if seen[key] {
				t.Fatalf("%q twice", a.Email)
			}
			seen[key] = true
			if strings.ContainsFunc(a.Name, func(r rune) bool { return isSep(r) && !strings.ContainsRune(" ,;", r) }) ||
				strings.Contains(a.Name, "@") || strings.Contains(a.Name, "  ") || a.Name != strings.TrimSpace(a.Name) {
				t.Fatalf("name %q of %q", a.Name, a.Email)
			}
			for _, n := range []string{a.First, a.Last} {
				if strings.ContainsFunc(n, func(r rune) bool { return isSep(r) && r != ' ' }) || strings.ContainsAny(n, "@<>\"") ||
					strings.Contains(n, "  ") || n != strings.TrimSpace(n) {
					t.Fatalf("first %q, last %q of %q", a.First, a.Last, a.Email)
				}
			}
			if a.Name != "" && (a.First != "" || a.Last != "") {
				t.Fatalf("%q has a display name and column names: %+v", a.Email, a)
			}
		}
		for _, u := range res.Unreadable {
			if u.Text == "" || u.Reason == "" || strings.ContainsAny(u.Text, "\r\n") {
				t.Fatalf("unreadable %+v", u)
			}
		}
		for _, d := range res.Duplicates {
			if !seen[fold(d)] {
				t.Fatalf("duplicate %q is not among the addresses", d)
			}
		}
		// Nothing is dropped silently.
		if len(res.Addresses) == 0 && len(res.Unreadable) == 0 && len(strings.FieldsFunc(text, isSep)) > 0 {
			t.Fatalf("%q gave nothing", text)
		}
		// The addresses, one a line, read back the same.
		emails := make([]string, len(res.Addresses))
		for i, a := range res.Addresses {
			emails[i] = a.Email
		}
		again := parse(strings.Join(emails, "\n"))
		if len(again.Unreadable) > 0 || len(again.Addresses) != len(emails) {
			t.Fatalf("reading back %q: %+v", emails, again)
		}
		for i, a := range again.Addresses {
			if a.Email != emails[i] {
				t.Fatalf("read back %q as %q", emails[i], a.Email)
			}
		}
	})
}
