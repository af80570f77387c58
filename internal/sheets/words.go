package sheets

import (
	"fmt"
	"time"

	"onboard/data"
)

// words are the fixed texts of a class sheet in one language.
type words struct {
	lang                                                string
	docTitle, titleFmt, printedFmt, pageFmt             string
	no, name, username, status, handedOut, signature    string
	noName, onePerson, peopleFmt                        string
	notActivated, invited, expired, active, deactivated string
	dayFmt                                              string // a day without the year, in time.Format's layout
}

var labels = map[string]*words{
	"en": {
		lang: "en", docTitle: "Class sheets", titleFmt: "Class sheet: %s", printedFmt: "printed %s", pageFmt: "%s · page %d of %d",
		no: "No.", name: "Name", username: "Username", status: "Status", handedOut: "Handed out", signature: "Signature",
		noName: "(at registration)", onePerson: "1 person", peopleFmt: "%d people",
		notActivated: "Not activated", invited: "Invited", expired: "Expired", active: "Active", deactivated: "Deactivated",
		dayFmt: "2 Jan",
	},
	"de": {
		lang: "de", docTitle: "Klassenlisten", titleFmt: "Klassenliste: %s", printedFmt: "gedruckt am %s", pageFmt: "%s · Seite %d von %d",
		no: "Nr.", name: "Name", username: "Benutzername", status: "Status", handedOut: "Ausgegeben", signature: "Unterschrift",
		noName: "(bei Registrierung)", onePerson: "1 Person", peopleFmt: "%d Personen",
		notActivated: "Nicht aktiviert", invited: "Eingeladen", expired: "Abgelaufen", active: "Aktiv", deactivated: "Deaktiviert",
		dayFmt: "2.1.",
	},
}

// wordsOf returns the words of language lang, English when there are none.
func wordsOf(lang string) *words {
	if w, ok := labels[lang]; ok {
		return w
	}
	return labels["en"]
}

// count says how many people a unit has.
func (w *words) count(n int) string {
	if n == 1 {
		return w.onePerson
	}
	return fmt.Sprintf(w.peopleFmt, n)
}

// day writes the day of t (local time) without the year: "3 Dec", "3.12.".
func (w *words) day(t time.Time) string { return t.Local().Format(w.dayFmt) }

// statusOf is the label of status s.
func (w *words) statusOf(s data.Status) string {
	switch s {
	case data.StatusNotActivated:
		return w.notActivated
	case data.StatusInvited:
		return w.invited
	case data.StatusExpired:
		return w.expired
	case data.StatusActive:
		return w.active
	case data.StatusDeactivated:
		return w.deactivated
	}
	return string(s)
}
