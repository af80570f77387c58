package placeholder

import "testing"

func TestFieldsValue(t *testing.T) {
	f := Fields{
		FirstName: "Anna", LastName: "Müller", Username: "amueller", Key: "K-1",
		ValidUntil: "31.12.2030", URL: "https://example.org/r", Organization: "Schule am See",
	}
	want := map[string]string{
		Greeting: "Guten Tag Anna Müller,", FirstName: "Anna", LastName: "Müller",
		"username": "amueller", "key": "K-1", "valid_until": "31.12.2030",
		"url": "https://example.org/r", "organization": "Schule am See",
	}
	if len(want) != len(Common) {
		t.Fatalf("%d values for %d placeholders", len(want), len(Common))
	}
	for _, name := range Common {
		if got := f.Value("de", name); got != want[name] {
			t.Errorf("{%s} = %q, want %q", name, got, want[name])
		}
	}
	if got := f.Value("en", Greeting); got != "Dear Anna Müller," {
		t.Errorf("English greeting: %q", got)
	}
	for _, name := range []string{"invitation_text", "", "FIRST_NAME"} {
		if got := f.Value("en", name); got != "" {
			t.Errorf("{%s} = %q, want nothing", name, got)
		}
	}
}
