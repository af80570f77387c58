package importer

import (
	"strings"
	"testing"
	"time"

	"onboard/internal/uitext"
)

// The messages the wizard shows come out in the window's language once it has set
// a translator, with the field names translated too; without one they are English.
func TestMessagesFollowTheTranslator(t *testing.T) {
	german := map[string]string{
		"no column is mapped to %s, which is required": "keine Spalte ist dem Pflichtfeld %s zugeordnet",
		"Last name":         "Nachname",
		"%s is in the past": "%s liegt in der Vergangenheit",
	}
	uitext.SetTranslator(func(s string) string {
		if de, ok := german[s]; ok {
			return de
		}
		return s
	})
	t.Cleanup(func() { uitext.SetTranslator(nil) })

	probs := Mapping{FirstName}.Problems([]string{"Vorname"})
	if len(probs) != 1 || probs[0] != "keine Spalte ist dem Pflichtfeld Nachname zugeordnet" {
		t.Errorf("mapping problems in German: %q", probs)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	if _, msg, _ := parseValidUntil("2026-03-01", now, ""); msg != "2026-03-01 liegt in der Vergangenheit" {
		t.Errorf("date problem in German: %q", msg)
	}

	uitext.SetTranslator(nil)
	if probs := (Mapping{FirstName}).Problems([]string{"Vorname"}); len(probs) != 1 || !strings.HasSuffix(probs[0], "Last name, which is required") {
		t.Errorf("mapping problems in English: %q", probs)
	}
}
