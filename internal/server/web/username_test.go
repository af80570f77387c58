package web

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestLookAlikeAndMarkupUsernamesAreRefused posts usernames a form would not offer
// (look-alike letters of another script, markup, line breaks, NUL, zero-width
// characters) as a client can: each gets the form again with the problem next to
// the username, in English and German, and nothing is registered.
func TestLookAlikeAndMarkupUsernamesAreRefused(t *testing.T) {
	fb := newFakeBackend(testOrg)
	key := fb.addPersonal(t, testInvitee)
	srv := startServer(t, fb, Options{Limits: Limits{Address: 1000, PersonalKey: 1000}})
	c := newClient(t, srv.URL)
	errRe := regexp.MustCompile(`<p class="error" id="username-error">([^<]*)</p>`)
	for _, tc := range []struct{ name, username, en, de string }{
		{"Cyrillic а", "\u0430dmin", "mixes letters of different alphabets", "verschiedener Schriften"},
		{"Greek ο", "r\u03bfot", "mixes letters of different alphabets", "verschiedener Schriften"},
		{"markup", "<script>", "not “<”", "nicht „<“"},
		{"line break", "ad\r\nmin", "Line breaks and control characters", "Zeilenumbrüche und Steuerzeichen"},
		{"NUL", "ad\x00min", "Line breaks and control characters", "Zeilenumbrüche und Steuerzeichen"},
		{"zero-width space", "ad\u200bmin", "not “U+200B”", "nicht „U+200B“"},
		{"mixed directions", "admin\u05d0", "mixes writing directions", "mischt Schreibrichtungen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for lang, want := range map[string]string{"en": tc.en, "de": tc.de} {
				fields := registerFields()
				fields.Set("username", tc.username)
				form := c.formFor("/register?key="+key+"&lang="+lang, fields)
				res := c.post("/register", form)
				if res.status != http.StatusUnprocessableEntity {
					t.Fatalf("%s: status %d\n%s", lang, res.status, res.body)
				}
				m := errRe.FindStringSubmatch(res.body)
				if m == nil || !strings.Contains(html.UnescapeString(m[1]), want) {
					t.Errorf("%s: no %q next to the username: %q", lang, want, m)
				}
			}
		})
	}
	if _, ok := fb.registration(key); ok {
		t.Error("a refused username registered")
	}
	// Letters of one script other than Latin are fine.
	fields := registerFields()
	fields.Set("username", "иван.петров")
	if res := c.post("/register", c.formFor("/register?key="+key, fields)); res.status != http.StatusOK {
		t.Fatalf("Cyrillic username: status %d\n%s", res.status, res.body)
	}
}
