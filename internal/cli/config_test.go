package cli

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"onboard/internal/settings"
)

func TestConfigSetGetRoundTrip(t *testing.T) {
	db := filepath.Join(t.TempDir(), "o.db")
	for _, tc := range []struct{ key, in, out string }{
		{"org.name", "  Example School ", "Example School"},
		{"registration.url", "HTTPS://Onboard.Example.org/", "https://onboard.example.org"},
		{"letters.paper", "Letter", "letter"},
		{"invite.valid_days", "30", "30"},
	} {
		code, out, errOut := run(t, "--db", db, "config", "set", tc.key, tc.in)
		if code != ExitOK || out != tc.key+" = "+tc.out+"\n" || errOut != "" {
			t.Fatalf("config set %s %q: exit %d, stdout %q, stderr %q", tc.key, tc.in, code, out, errOut)
		}
		code, out, errOut = run(t, "config", "get", tc.key, "--db", db)
		if code != ExitOK || out != tc.out+"\n" {
			t.Fatalf("config get %s: exit %d, stdout %q, stderr %q; want %q", tc.key, code, out, errOut, tc.out)
		}
	}
	// An empty value clears a setting.
	if code, out, _ := run(t, "--db", db, "config", "set", "org.name", ""); code != ExitOK || out != "org.name = \"\"\n" {
		t.Fatalf("clear org.name: %d %q", code, out)
	}
	if _, out, _ := run(t, "--db", db, "config", "get", "org.name"); out != "\n" {
		t.Fatalf("org.name after clearing: %q", out)
	}
	// A value starting with - follows --.
	if code, out, e := run(t, "--db", db, "config", "set", "org.name", "--", "-Example-"); code != ExitOK || out != "org.name = -Example-\n" {
		t.Fatalf("value after --: %d %q %q", code, out, e)
	}
}

func TestConfigSetLogo(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	logo := writeFile(t, dir, "logo.png", tinyPNG(t))
	if code, out, e := run(t, "--db", db, "config", "set", "org.logo", logo); code != ExitOK || out != "org.logo = "+logo+"\n" {
		t.Fatalf("set logo: %d %q %q", code, out, e)
	}
	text := writeFile(t, dir, "notes.png", []byte("hello"))
	code, _, e := run(t, "--db", db, "config", "set", "org.logo", text)
	if code != ExitFail || e != "onboard config set: org.logo: "+text+" is not a PNG or JPEG image\n" {
		t.Fatalf("set a text file as logo: %d %q", code, e)
	}
	if _, out, _ := run(t, "--db", db, "config", "get", "org.logo"); out != logo+"\n" {
		t.Fatalf("logo after the refused change: %q", out)
	}
}

func TestConfigBadValueStoresNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	run(t, "--db", db, "config", "set", "registration.url", "https://onboard.example.org")
	for _, tc := range []struct{ key, value, msg string }{
		{"registration.url", "example.org", `registration.url: must start with https:// or http:// (got "example.org")`},
		{"registration.url", "https://example.org/?a=1", "registration.url: must not contain a query"},
		{"invite.valid_days", "500", "invite.valid_days: must be a whole number of days from 1 to 180"},
		{"letters.paper", "a3", `letters.paper: must be a4 or letter (got "a3")`},
		{"org.name", "Two\nlines", "org.name: must be one line"},
	} {
		code, out, errOut := run(t, "--db", db, "config", "set", tc.key, tc.value)
		if code != ExitFail || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.msg) ||
			strings.Contains(errOut, "Usage:") {
			t.Errorf("config set %s %q: exit %d, stdout %q, stderr %q; want 1 and %q", tc.key, tc.value, code, out, errOut, tc.msg)
		}
	}
	_, out, _ := run(t, "--db", db, "config", "list")
	for _, want := range []string{
		"registration.url = https://onboard.example.org\n",
		"invite.valid_days = 7 (default)\n",
		"letters.paper = a4 (default)\n",
		"org.name = \"\" (default)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("after refused changes, list lacks %q:\n%s", want, out)
		}
	}
	// A bad value does not create the database either.
	never := filepath.Join(dir, "never.db")
	if code, _, _ := run(t, "--db", never, "config", "set", "registration.url", "example.org"); code != ExitFail {
		t.Fatalf("bad value on a new database: exit %d", code)
	}
	if _, err := os.Stat(never); !os.IsNotExist(err) {
		t.Fatal("a refused value created the database file")
	}
}

func TestConfigUsageErrors(t *testing.T) {
	dir := t.TempDir()
	never := filepath.Join(dir, "never.db")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"config", "get", "org.address"}, `unknown setting "org.address"; the settings are ` + settings.Names()},
		{[]string{"config", "set", "colour", "red"}, `unknown setting "colour"`},
		{[]string{"config", "get"}, "missing KEY"},
		{[]string{"config", "set", "org.name"}, "missing VALUE"},
		{[]string{"config", "set"}, "missing KEY"},
		{[]string{"config", "get", "org.name", "extra"}, `unexpected argument "extra"`},
		{[]string{"config", "list", "org.name"}, `unexpected argument "org.name"`},
		{[]string{"config", "set", "org.name", "-x"}, "flag provided but not defined: -x"},
		{[]string{"config"}, "missing get, set or list"},
		{[]string{"config", "delete", "org.name"}, `unknown config command "delete"`},
	} {
		code, out, errOut := run(t, append([]string{"--db", never}, tc.args...)...)
		if code != ExitUsage || out != "" || !strings.Contains(errOut, tc.msg) || !strings.Contains(errOut, "Usage: onboard") {
			t.Errorf("%v: exit %d, stderr %q; want 2 with %q and the usage", tc.args, code, errOut, tc.msg)
		}
	}
	if _, err := os.Stat(never); !os.IsNotExist(err) {
		t.Fatal("a usage error created the database file")
	}
}

func TestConfigListShowsDefaultsAndHelp(t *testing.T) {
	db := filepath.Join(t.TempDir(), "o.db")
	code, out, errOut := run(t, "--db", db, "config", "list")
	if code != ExitOK || errOut != "" {
		t.Fatalf("config list: %d %q", code, errOut)
	}
	want := ""
	for _, k := range settings.All() {
		v := k.Default
		if v == "" {
			v = `""`
		}
		want += k.Name + " = " + v + " (default)\n    " + k.Help + "\n"
	}
	if out != want {
		t.Fatalf("config list:\n%s\nwant:\n%s", out, want)
	}
	run(t, "--db", db, "config", "set", "letters.paper", "A4")
	_, out, _ = run(t, "--db", db, "config", "list")
	if !strings.Contains(out, "letters.paper = a4\n") || strings.Count(out, "(default)") != len(settings.All())-1 {
		t.Fatalf("after setting letters.paper to its default value:\n%s", out)
	}
	// The unset defaults are what get prints.
	if _, out, _ := run(t, "--db", db, "config", "get", "invite.valid_days"); out != "7\n" {
		t.Fatalf("get invite.valid_days: %q", out)
	}
}

func TestUsageNamesEverySetting(t *testing.T) {
	flat := strings.Join(strings.Fields(Usage), " ")
	for _, k := range settings.All() {
		if !strings.Contains(flat, k.Name) {
			t.Errorf("the usage does not name the setting %s", k.Name)
		}
	}
}

// tinyPNG is a valid 3×2 gray PNG.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
