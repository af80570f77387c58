package lifecycle

import (
	"testing"

	"onboard/data"
	"onboard/internal/uitext"
	"onboard/internal/userrules"
)

// TestMessagesFollowTheWindowsLanguage: with a translator set (as the window sets
// it), the validation messages and refusals come out translated; without, English.
func TestMessagesFollowTheWindowsLanguage(t *testing.T) {
	german := map[string]string{
		"first name":           "Vorname",
		"%s is required":       "%s ist erforderlich",
		"deactivate":           "Deaktivieren",
		"Deactivated":          "Deaktiviert",
		"the user is %s":       "der Benutzer ist %s",
		"cannot %s for %s: %s": "%s für %s nicht möglich: %s",
	}
	refusal := &TransitionError{Action: ActionDeactivate, User: "Anna Müller", Status: data.StatusDeactivated}
	if got := refusal.Error(); got != "cannot deactivate for Anna Müller: the user is deactivated" {
		t.Errorf("English: %q", got)
	}
	uitext.SetTranslator(func(s string) string {
		if de, ok := german[s]; ok {
			return de
		}
		return s
	})
	t.Cleanup(func() { uitext.SetTranslator(nil) })
	if got := userrules.NameProblem(uitext.L("first name"), ""); got != "Vorname ist erforderlich" {
		t.Errorf("NameProblem: %q", got)
	}
	if got := refusal.Error(); got != "Deaktivieren für Anna Müller nicht möglich: der Benutzer ist deaktiviert" {
		t.Errorf("TransitionError: %q", got)
	}
}
