package placeholder

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFillAndNames(t *testing.T) {
	known := []string{"name", "key"}
	txt, err := Parse("subject", "Hi {name}, {{braces}} and {key} for {name}", known)
	if err != nil {
		t.Fatal(err)
	}
	got := txt.Fill(func(n string) string { return strings.ToUpper(n) })
	if want := "Hi NAME, {braces} and KEY for NAME"; got != want {
		t.Errorf("Fill = %q, want %q", got, want)
	}
	if names := strings.Join(txt.Names(), ","); names != "name,key,name" {
		t.Errorf("Names = %s", names)
	}
}

func TestParseErrorsSayWhere(t *testing.T) {
	_, err := Parse("body", "line\nab {nme} x", []string{"name", "key"})
	var pe *Error
	if !errors.As(err, &pe) || pe.Part != "body" || pe.Line != 2 || pe.Column != 4 || pe.Text != "{nme}" {
		t.Fatalf("error %#v", err)
	}
	if !strings.Contains(err.Error(), "did you mean {name}?") {
		t.Errorf("no suggestion in %q", err)
	}
	if _, err := Parse("body", "{name", []string{"name"}); err == nil {
		t.Error("an open brace was accepted")
	}
}
