package letters

import (
	"fmt"
	"time"
)

// words are the fixed texts of a letter in one language.
type words struct {
	docTitle, name, username, key, validUntil, scan string
	noName                                          string // in place of the name of a person without one
	months                                          [12]string
	dayDot                                          bool   // "24. November 2026"
	somewhereFmt, somewhereNoOrg                    string // what {url} says without an address
	noURLFmt, noURLNoOrg                            string // the line printed instead of the QR code
}

var labels = map[string]*words{
	"en": {
		docTitle: "Registration letters", name: "Name", username: "Username", key: "Your personal registration key",
		validUntil: "Valid until", scan: "Or scan this code with your phone", noName: "(you enter your name when you register)",
		months:       [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		somewhereFmt: "the registration page of %s", somewhereNoOrg: "the registration page you were given",
		noURLFmt: "Enter this key on the registration page of %s.", noURLNoOrg: "Enter this key on the registration page you were given.",
	},
	"de": {
		docTitle: "Registrierungsbriefe", name: "Name", username: "Benutzername", key: "Ihr persönlicher Registrierungsschlüssel",
		validUntil: "Gültig bis", scan: "Oder scannen Sie diesen Code", noName: "(Sie tragen Ihren Namen bei der Registrierung ein)",
		months:       [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		dayDot:       true,
		somewhereFmt: "die Registrierungsseite von %s", somewhereNoOrg: "die Registrierungsseite, die Ihnen genannt wurde",
		noURLFmt: "Geben Sie diesen Schlüssel auf der Registrierungsseite von %s ein.", noURLNoOrg: "Geben Sie diesen Schlüssel auf der Registrierungsseite ein, die Ihnen genannt wurde.",
	},
}

// date writes t as "24 November 2026" or "24. November 2026", in local time.
func (w *words) date(t time.Time) string {
	t = t.Local()
	if w.dayDot {
		return fmt.Sprintf("%d. %s %d", t.Day(), w.months[t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), w.months[t.Month()-1], t.Year())
}

// somewhere is what {url} says when no registration address is set.
func (w *words) somewhere(org string) string {
	if org == "" {
		return w.somewhereNoOrg
	}
	return fmt.Sprintf(w.somewhereFmt, org)
}

// noURL is the line printed instead of the QR code when no address is set.
func (w *words) noURL(org string) string {
	if org == "" {
		return w.noURLNoOrg
	}
	return fmt.Sprintf(w.noURLFmt, org)
}
