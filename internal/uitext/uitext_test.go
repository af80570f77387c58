package uitext

import "testing"

func TestLIsEnglishUntilATranslatorIsSet(t *testing.T) {
	if got := F("%s is required", "Email"); got != "Email is required" {
		t.Errorf("English: %q", got)
	}
	SetTranslator(func(s string) string {
		if s == "%s is required" {
			return "%s ist erforderlich"
		}
		return s
	})
	t.Cleanup(func() { SetTranslator(nil) })
	if got := F("%s is required", "E-Mail"); got != "E-Mail ist erforderlich" {
		t.Errorf("German: %q", got)
	}
	if got := L("unknown"); got != "unknown" {
		t.Errorf("a text without translation: %q", got)
	}
	SetTranslator(nil)
	if got := L("%s is required"); got != "%s is required" {
		t.Errorf("after reset: %q", got)
	}
}
