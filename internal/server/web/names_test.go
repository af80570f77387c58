package web

import (
	"html"
	"net/http"
	"strings"
	"testing"
)

// fixedNames reports whether a form page shows the names as fixed text.
func fixedNames(body string) bool {
	return strings.Contains(body, `<dl class="fixed" aria-describedby="names-fixed">`)
}

func TestUnlockedNamesAreEditablePrefilledAndStored(t *testing.T) {
	fb := newFakeBackend(testOrg)
	inv := testInvitee
	inv.NamesLocked = false
	key := fb.addPersonal(t, inv)
	srv := startServer(t, fb, Options{})
	c := newClient(t, srv.URL)

	for lang, hint := range map[string]string{
		"en": "Please check your name and correct it if needed.",
		"de": "Bitte prüfen Sie Ihren Namen und korrigieren Sie ihn bei Bedarf.",
	} {
		page := c.get("/register?key=" + key + "&lang=" + lang)
		if page.status != http.StatusOK {
			t.Fatalf("%s: status %d\n%s", lang, page.status, page.body)
		}
		for _, w := range []string{
			`name="first_name" type="text" value="Jane" autocomplete="given-name" required`,
			`name="last_name" type="text" value="Müller" autocomplete="family-name" required`, hint,
		} {
			if !strings.Contains(page.body, w) {
				t.Errorf("%s: page lacks %q", lang, w)
			}
		}
		if fixedNames(page.body) || strings.Contains(page.body, "!(") {
			t.Errorf("%s: names shown as fixed, or a text is missing:\n%s", lang, page.body)
		}
	}

	fields := registerFields()
	fields.Set("first_name", "  Janet ")
	fields.Set("last_name", "Miller-Okafor")
	res := c.post("/register", c.formFor("/register?key="+key, fields))
	if res.status != http.StatusOK || !strings.Contains(res.body, "Welcome, Janet! Your account with Example School is active.") {
		t.Fatalf("status %d\n%s", res.status, res.body)
	}
	reg, ok := fb.registration(key)
	if !ok || reg.FirstName != "Janet" || reg.LastName != "Miller-Okafor" {
		t.Errorf("registration %+v, want the corrected names, trimmed", reg)
	}
}

func TestNamesAreValidatedWhenEditable(t *testing.T) {
	fb := newFakeBackend(testOrg)
	inv := testInvitee
	inv.NamesLocked = false
	key := fb.addPersonal(t, inv)
	srv := startServer(t, fb, Options{Limits: Limits{Address: 100, PersonalKey: 100}})
	c := newClient(t, srv.URL)
	cases := []struct {
		name, lang, first, last, field, want string
	}{
		{"empty first", "en", "  ", "Müller", "first_name", "Please fill in this field."},
		{"empty last", "de", "Jane", "", "last_name", "Bitte füllen Sie dieses Feld aus."},
		{"too long", "en", strings.Repeat("é", 101), "Müller", "first_name", "Please use at most 100 characters."},
		{"line break", "en", "Jane", "Mül\nler", "last_name", "Line breaks and control characters are not allowed."},
		{"control", "de", "Ja\u0000ne", "Müller", "first_name", "Zeilenumbrüche und Steuerzeichen sind nicht erlaubt."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fields := registerFields()
			fields.Set("first_name", tc.first)
			fields.Set("last_name", tc.last)
			fields.Set("lang", tc.lang)
			form := c.formFor("/register?key="+key+"&lang="+tc.lang, nil)
			for k, v := range fields {
				form[k] = v
			}
			res := c.post("/register", form)
			body := html.UnescapeString(res.body)
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="error" id="`+tc.field+`-error">`+tc.want+`</p>`) {
				t.Fatalf("status %d, want %q next to %s:\n%s", res.status, tc.want, tc.field, body)
			}
		})
	}
	if _, ok := fb.registration(key); ok {
		t.Error("an invalid name was registered")
	}
}

// TestInviteeWithoutANameMustEnterIt: a person the organization gave no name enters
// it, locked or not, and the page never greets "Welcome, ." meanwhile.
func TestInviteeWithoutANameMustEnterIt(t *testing.T) {
	for _, locked := range []bool{false, true} {
		fb := newFakeBackend(testOrg)
		inv := testInvitee
		inv.FirstName, inv.LastName, inv.NamesLocked = "", "", locked
		key := fb.addPersonal(t, inv)
		srv := startServer(t, fb, Options{})
		c := newClient(t, srv.URL)

		page := c.get("/register?key=" + key + "&lang=de")
		for _, w := range []string{
			`name="first_name" type="text" value=""`, `name="last_name" type="text" value=""`,
			"Bitte geben Sie Ihren Vor- und Nachnamen ein.", "Willkommen! Vervollständigen Sie Ihr Konto bei Example School.",
		} {
			if !strings.Contains(page.body, w) {
				t.Errorf("locked %v: page lacks %q", locked, w)
			}
		}
		if fixedNames(page.body) || strings.Contains(page.body, "Willkommen, ") {
			t.Errorf("locked %v: page shows fixed or empty names:\n%s", locked, page.body)
		}
		form := c.formFor("/register?key="+key, registerFields())
		res := c.post("/register", form)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `id="first_name-error"`) ||
			!strings.Contains(res.body, `id="last_name-error"`) {
			t.Fatalf("locked %v, no names: status %d\n%s", locked, res.status, res.body)
		}
		form.Set("first_name", "Ada")
		form.Set("last_name", "Okafor")
		res = c.post("/register", form)
		if res.status != http.StatusOK || !strings.Contains(res.body, "Welcome, Ada!") {
			t.Fatalf("locked %v: status %d\n%s", locked, res.status, res.body)
		}
		if reg, _ := fb.registration(key); reg.FirstName != "Ada" || reg.LastName != "Okafor" {
			t.Errorf("locked %v: registration %+v", locked, reg)
		}
	}
}

// TestLockedNamesCannotBeChangedByPosting posts names for a locked invitee, also
// one with only a last name: the fields are ignored, and the greeting without a
// first name is neutral.
func TestLockedNamesCannotBeChangedByPosting(t *testing.T) {
	fb := newFakeBackend(testOrg)
	inv := testInvitee
	inv.FirstName = ""
	key := fb.addPersonal(t, inv)
	srv := startServer(t, fb, Options{})
	c := newClient(t, srv.URL)
	page := c.get("/register?key=" + key)
	if !fixedNames(page.body) || strings.Contains(page.body, `name="first_name"`) || !strings.Contains(page.body, "<dd>Müller</dd>") {
		t.Fatalf("locked names not fixed:\n%s", page.body)
	}
	fields := registerFields()
	fields.Set("first_name", "Mallory")
	fields.Set("last_name", "Evil")
	res := c.post("/register", c.formFor("/register?key="+key, fields))
	if res.status != http.StatusOK || !strings.Contains(res.body, "Welcome! Your account with Example School is active.") ||
		strings.Contains(res.body, "Mallory") {
		t.Fatalf("status %d\n%s", res.status, res.body)
	}
	if reg, _ := fb.registration(key); reg.FirstName != "" || reg.LastName != "" {
		t.Errorf("locked names passed on: %+v", reg)
	}
}

func TestNamesEditable(t *testing.T) {
	for _, tc := range []struct {
		locked      bool
		first, last string
		want        bool
	}{
		{false, "Jane", "Müller", true},
		{true, "Jane", "Müller", false},
		{true, "", "Müller", false},
		{true, "Jane", "", false},
		{true, "", " ", true},
		{false, "", "", true},
	} {
		if got := NamesEditable(tc.locked, tc.first, tc.last); got != tc.want {
			t.Errorf("NamesEditable(%v, %q, %q) = %v", tc.locked, tc.first, tc.last, got)
		}
	}
}
