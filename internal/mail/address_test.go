package mail_test

import (
	"strings"
	"testing"

	"onboard/internal/mail"
)

func TestCheckHeader(t *testing.T) {
	bad := map[string]string{
		"Anna\r\nBcc: x@y":  "name: line breaks are not allowed",
		"Anna\nBcc: x@y":    "name: line breaks are not allowed",
		"Anna\rBcc: x@y":    "name: line breaks are not allowed",
		"Anna\u2028Bcc":     "name: line breaks are not allowed",
		"Anna\x00":          "name: control characters are not allowed (U+0000)",
		"Anna\x1b[31m":      "name: control characters are not allowed (U+001B)",
		"Anna\u0085":        "name: control characters are not allowed (U+0085)",
		"Anna\xff\xfe":      "name: the text is not valid UTF-8",
		"\x7fAnna":          "name: control characters are not allowed (U+007F)",
		"Anna%0d%0a\r\nBcc": "name: line breaks are not allowed",
	}
	for v, want := range bad {
		err := mail.CheckHeader("name", v)
		if err == nil || err.Error() != want {
			t.Errorf("%q: got %v, want %q", v, err, want)
		}
	}
	for _, v := range []string{"", "Jürgen Öztürk", "Анна Петрова", "O'Brien, Anna", "tab\there", "Anna%0d%0aBcc: x@y", "李小龙"} {
		if err := mail.CheckHeader("name", v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
}

func TestParseAddress(t *testing.T) {
	good := []struct{ in, name, addr string }{
		{"anna@example.org", "", "anna@example.org"},
		{"  anna.berg+onboard@mail.example.org ", "", "anna.berg+onboard@mail.example.org"},
		{"Anna Berg <anna@example.org>", "Anna Berg", "anna@example.org"},
		{`"Berg, Anna" <anna@example.org>`, "Berg, Anna", "anna@example.org"},
		{"=?utf-8?q?J=C3=BCrgen?= <j@example.org>", "Jürgen", "j@example.org"},
		{"Jürgen Öztürk <j@example.org>", "Jürgen Öztürk", "j@example.org"},
		{"Анна <anna@example.org>", "Анна", "anna@example.org"},
		{"Anna%0d%0a <anna@example.org>", "Anna%0d%0a", "anna@example.org"},
		{"root@localhost", "", "root@localhost"},
		{"a@xn--mnchen-3ya.de", "", "a@xn--mnchen-3ya.de"},
	}
	for _, g := range good {
		name, addr, err := mail.ParseAddress("to", g.in)
		if err != nil || name != g.name || addr != g.addr {
			t.Errorf("%q: got %q %q %v, want %q %q", g.in, name, addr, err, g.name, g.addr)
		}
	}
	bad := map[string]string{
		"anna@@example.org":                `to: "anna@@example.org" is not an email address`,
		"a@b.example\r\nBcc: c@d.example":  "to: line breaks are not allowed",
		"Anna <a@b.example>\nBcc: c@d":     "to: line breaks are not allowed",
		"a@b.example\x00":                  "to: control characters are not allowed (U+0000)",
		"a@b.example, c@d.example":         `to: "a@b.example, c@d.example" holds 2 addresses; give exactly one`,
		"":                                 "to: no email address given",
		"anna":                             `to: "anna" is not an email address`,
		"anna@example":                     `to: "anna@example" is not an email address (the domain needs a dot, as in example.org)`,
		"a@b.example%0d%0aBcc:c@d.example": `to: "a@b.example%0d%0aBcc:c@d.example" is not an email address`,
		"anna@münchen.de":                  `to: "anna@münchen.de" is not an email address ("münchen.de" is not a domain)`,
		"a@[127.0.0.1]":                    `to: "a@[127.0.0.1]" is not an email address`,
		`"an na"@example.org`:              `to: "\"an na\"@example.org" is not an email address (' ' is not allowed before the @)`,
		"a@-b.example":                     `to: "a@-b.example" is not an email address ("-b.example" is not a domain)`,
		"=?utf-8?q?Anna=0D=0ABcc=3A_x=40y.org?= <a@b.example>": "to name: line breaks are not allowed",
		"=?utf-8?b?QW5uYQ0KQmNjOiB4QHkub3Jn?= <a@b.example>":   "to name: line breaks are not allowed",
	}
	for in, want := range bad {
		_, _, err := mail.ParseAddress("to", in)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: got %v, want %s", in, err, want)
		}
	}
}
