// Package importer turns a user list read by package tabular into checked users: the
// columns are mapped to fields (by English and German synonyms), every cell is
// validated, conflicts with the store and duplicates inside the file are found, the
// operator's choices are applied to a plan, and the plan is written in one
// transaction through lifecycle.Import. The wizard, the CLI and the benchmarks use
// the same functions.
package importer

import (
	"fmt"
	"strconv"
	"strings"

	"onboard/internal/lifecycle"
	"onboard/internal/uitext"
)

// Field is a user field a column can be mapped to; Ignore ("") leaves the column out.
type Field string

// The fields of an import.
const (
	Ignore         Field = ""
	FirstName      Field = "first_name"
	LastName       Field = "last_name"
	FullName       Field = "full_name" // split into first and last name where those are empty
	Email          Field = "email"
	Username       Field = "username"
	Mobile         Field = "mobile"
	ExternalID     Field = "external_id"
	Role           Field = "role"
	Units          Field = "units"
	Groups         Field = "groups"
	ValidUntil     Field = "valid_until"
	InvitationText Field = "invitation_text"
	Notes          Field = "notes"
)

// FieldInfo describes a field for the mapping step.
type FieldInfo struct {
	Field    Field
	Label    string
	Required bool
	Multi    bool     // several columns may map to it; their values are added up
	Synonyms []string // header titles that map to it, compared by matchKey
}

// Fields lists every field in the order the wizard offers them.
var Fields = []FieldInfo{
	{FirstName, "First name", true, false, []string{"first name", "firstname", "given name", "forename", "vorname", "rufname", "vornamen", "schuler vorname", "schueler vorname"}},
	{LastName, "Last name", true, false, []string{"last name", "lastname", "surname", "family name", "nachname", "familienname", "zuname", "schuler nachname", "schueler nachname"}},
	{FullName, "Full name", false, false, []string{"name", "full name", "fullname", "display name", "displayname", "anzeigename", "vollstandiger name", "vor und nachname", "vorname nachname", "nachname vorname", "name vorname", "familienname vorname", "schulername", "schuelername", "first name last name", "last name first name", "first name surname", "surname first name"}},
	{Email, "Email", false, false, []string{"email", "e-mail", "mail", "email address", "e-mail address", "e-mail-adresse", "emailadresse", "mailadresse", "primary email", "e-mail 1 - value", "e-mail 1", "email 1", "e-mail adresse", "e-mail-adresse 1", "e-mail (privat)", "mail address"}},
	{Username, "Username", false, false, []string{"username", "user name", "login", "login name", "user", "account", "benutzername", "benutzer", "anmeldename", "kennung"}},
	{Mobile, "Mobile", false, false, []string{"mobile", "mobile phone", "mobile number", "cell", "cell phone", "phone", "telephone", "mobil", "handy", "mobilnummer", "handynummer", "telefon", "mobiltelefon", "mobile phone 1", "phone 1 - value", "telefonnummer", "telefon mobil", "handy-nummer"}},
	{ExternalID, "External ID", false, false, []string{"external id", "externalid", "id", "employee id", "employee number", "student id", "student number", "personnel number", "externe id", "schuler id", "schueler id", "schulerid", "schülernummer", "schuelernummer", "personalnummer", "mitarbeiternummer", "kennziffer", "schuler nr", "schulernr", "interne id", "interne id-nummer", "id-nummer", "lokale id", "asv id", "asv-id", "schild id"}},
	{Role, "Role", false, false, []string{"role", "rolle", "type", "typ", "user type", "benutzertyp"}},
	{Units, "Units", false, true, []string{"unit", "units", "class", "classes", "form", "department", "site", "location", "klasse", "klassen", "einheit", "einheiten", "abteilung", "standort", "bereich", "grade", "homeroom", "team", "jahrgang", "jahrgangsstufe", "klasse/kurs", "klasse kurs", "klassenbezeichnung", "stammklasse", "klassenname", "lerngruppe"}},
	{Groups, "Groups", false, true, []string{"group", "groups", "gruppe", "gruppen", "contact group", "kontaktgruppe", "ag", "kurs", "kurse", "course", "courses", "group membership", "labels"}},
	{ValidUntil, "Valid until", false, false, []string{"valid until", "expires", "expiry", "expiry date", "valid to", "gultig bis", "gueltig bis", "ablaufdatum", "ablauf"}},
	{InvitationText, "Invitation text", false, false, []string{"invitation text", "invitation", "personal text", "message", "einladungstext", "nachricht"}},
	{Notes, "Notes", false, false, []string{"notes", "note", "comment", "comments", "remarks", "notiz", "notizen", "bemerkung", "bemerkungen", "kommentar"}},
}

// numFields is the number of fields, len(Fields) (a test holds them equal); a row's
// values are indexed by fieldIndex.
const numFields = 13

// fieldIndex maps a field to its position in Fields.
var fieldIndex = func() map[Field]int {
	m := make(map[Field]int, len(Fields))
	for i, f := range Fields {
		m[f.Field] = i
	}
	return m
}()

// Info returns the description of f.
func (f Field) Info() FieldInfo {
	if i, ok := fieldIndex[f]; ok {
		return Fields[i]
	}
	return FieldInfo{Label: "Ignore this column"}
}

// Label is the field's name as the wizard shows it.
func (f Field) Label() string { return f.Info().Label }

// ParseField reads a field by its name ("first_name") or label ("First name"),
// ignoring case; "ignore" or "" is Ignore.
func ParseField(s string) (Field, error) {
	k := matchKey(s)
	if k == "" || k == "ignore" {
		return Ignore, nil
	}
	for _, f := range Fields {
		if matchKey(string(f.Field)) == k || matchKey(f.Label) == k {
			return f.Field, nil
		}
	}
	names := make([]string, len(Fields))
	for i, f := range Fields {
		names[i] = string(f.Field)
	}
	return Ignore, fmt.Errorf("unknown field %q (use %s or ignore)", s, strings.Join(names, ", "))
}

// synonymIndex maps the match key of every synonym to its field.
var synonymIndex = func() map[string]Field {
	m := map[string]Field{}
	for _, f := range Fields {
		for _, s := range f.Synonyms {
			m[matchKey(s)] = f.Field
		}
		m[matchKey(string(f.Field))] = f.Field
	}
	return m
}()

// matchKey reduces a header title to lower-case letters and digits, with umlauts
// spelled out, so that "E-Mail", "e_mail" and " EMAIL " match, and "Schüler-ID"
// matches "schueler id".
func matchKey(s string) string {
	s = lifecycle.Transliterate(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Mapping assigns a field to each column, by column index.
type Mapping []Field

// AutoMap maps each header title to the field it names, by synonyms in English and
// German, in any order and case. A field that only one column may carry goes to
// the first column naming it; later ones are ignored.
//
// A column of full names ("Name", "Full name", "Display name") is split into
// first and last name only when the file has no columns for them: beside them,
// as in the CSVs of Outlook, Google Contacts or Thunderbird, it is ignored. A
// "Name" beside a first-name column but no last-name column is the last name
// (German lists: "Name; Vorname").
func AutoMap(header []string) Mapping {
	m := make(Mapping, len(header))
	used := map[Field]bool{}
	for i, h := range header {
		f, ok := synonymIndex[matchKey(h)]
		if !ok || (used[f] && !f.Info().Multi) {
			continue
		}
		m[i], used[f] = f, true
	}
	for i, f := range m {
		switch {
		case f != FullName:
		case used[FirstName] && used[LastName]:
			m[i] = Ignore
		case used[FirstName] && matchKey(header[i]) == "name":
			m[i], used[LastName] = LastName, true
		}
	}
	return m
}

// nameParticles are the words that belong to a last name when they stand
// before it: "Anna van der Berg" is Anna, van der Berg.
var nameParticles = map[string]bool{
	"van": true, "von": true, "de": true, "der": true, "den": true, "del": true, "della": true, "di": true,
	"da": true, "du": true, "des": true, "le": true, "la": true, "zu": true, "zur": true, "vom": true,
	"ten": true, "ter": true, "dos": true, "das": true, "do": true, "af": true, "av": true,
}

// SplitFullName splits a full name into first and last name: "Müller, Anna" is
// last name first; otherwise the last word is the last name, with the particles
// before it ("van", "von", "de", …, in lower case). ok is false for a single word.
func SplitFullName(s string) (first, last string, ok bool) {
	if l, f, found := strings.Cut(s, ","); found {
		first, last = strings.Join(strings.Fields(f), " "), strings.Join(strings.Fields(l), " ")
		return first, last, first != "" && last != ""
	}
	words := strings.Fields(s)
	if len(words) < 2 {
		return "", strings.Join(words, ""), false
	}
	i := len(words) - 1
	for i > 1 && nameParticles[words[i-1]] {
		i--
	}
	return strings.Join(words[:i], " "), strings.Join(words[i:], " "), true
}

// nameOrder is the order of the names in a full-name column, as its title says.
type nameOrder int

const (
	anyOrder      nameOrder = iota // "Name", "Full name": "Müller, Anna" or "Anna Müller"
	firstThenLast                  // "Vorname Nachname", "First name, last name"
	lastThenFirst                  // "Nachname, Vorname", "Name, Vorname"
)

// titleOrders are the full-name column titles that say the order of the names
// (compared by matchKey).
var titleOrders = func() map[string]nameOrder {
	m := map[string]nameOrder{}
	for _, t := range []string{"vorname nachname", "vor und nachname", "vorname name", "first name last name", "first name surname", "first last"} {
		m[matchKey(t)] = firstThenLast
	}
	for _, t := range []string{"nachname vorname", "name vorname", "familienname vorname", "last name first name", "surname first name", "last first"} {
		m[matchKey(t)] = lastThenFirst
	}
	return m
}()

// orderOfTitle is the order of the names in the full-name column titled title.
func orderOfTitle(title string) nameOrder { return titleOrders[matchKey(title)] }

// splitFullNameAs is SplitFullName for a column whose title gives the order of the
// names: under "Vorname, Nachname" the name before a comma is the first name, and
// under "Nachname, Vorname" the first word (with the particles before it) is the
// last name even without a comma.
func splitFullNameAs(s string, order nameOrder) (first, last string, ok bool) {
	f, l, comma := strings.Cut(s, ",")
	switch {
	case order == firstThenLast && comma:
		first, last = strings.Join(strings.Fields(f), " "), strings.Join(strings.Fields(l), " ")
		return first, last, first != "" && last != ""
	case order == lastThenFirst && !comma:
		words := strings.Fields(s)
		if len(words) < 2 {
			return "", strings.Join(words, ""), false
		}
		i := 0
		for i < len(words)-2 && nameParticles[words[i]] {
			i++
		}
		return strings.Join(words[i+1:], " "), strings.Join(words[:i+1], " "), true
	}
	return SplitFullName(s)
}

// Problems lists what keeps a mapping from being used: a required field no column
// carries, or a single-column field carried by two columns.
func (m Mapping) Problems(header []string) []string {
	var out []string
	cols := map[Field][]string{}
	for i, f := range m {
		if f != Ignore {
			cols[f] = append(cols[f], columnName(header, i))
		}
	}
	for _, f := range Fields {
		switch {
		case f.Required && len(cols[f.Field]) == 0 && len(cols[FullName]) == 0:
			out = append(out, uitext.F("no column is mapped to %s, which is required", uitext.L(f.Label)))
		case !f.Multi && len(cols[f.Field]) > 1:
			out = append(out, uitext.F("%s is mapped to %d columns (%s); choose one", uitext.L(f.Label),
				len(cols[f.Field]), strings.Join(cols[f.Field], ", ")))
		}
	}
	return out
}

// Columns returns the columns mapped to f.
func (m Mapping) Columns(f Field) []int {
	var out []int
	for i, g := range m {
		if g == f && f != Ignore {
			out = append(out, i)
		}
	}
	return out
}

// columnName is how messages name column i: its title, or its number.
func columnName(header []string, i int) string {
	if i < len(header) && strings.TrimSpace(header[i]) != "" {
		return fmt.Sprintf("%q", strings.TrimSpace(header[i]))
	}
	return uitext.F("column %d", i+1)
}

// ApplySpec changes m by a spec like "Vorname=first_name,Klasse=units,Notiz=ignore":
// each part names a column by its header title (ignoring case) or its number
// (1-based) and the field for it. header gives the titles.
func (m Mapping) ApplySpec(spec string, header []string) (Mapping, error) {
	out := append(Mapping(nil), m...)
	for part := range strings.SplitSeq(spec, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		col, name, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("mapping %q: write COLUMN=FIELD", strings.TrimSpace(part))
		}
		i := columnIndex(strings.TrimSpace(col), header)
		if i < 0 {
			return nil, fmt.Errorf("mapping %q: the file has no column %q (columns: %s)",
				strings.TrimSpace(part), strings.TrimSpace(col), strings.Join(header, ", "))
		}
		f, err := ParseField(name)
		if err != nil {
			return nil, fmt.Errorf("mapping %q: %w", strings.TrimSpace(part), err)
		}
		out[i] = f
	}
	return out, nil
}

// columnIndex finds a column by title (ignoring case and punctuation) or 1-based
// number; -1 when there is none.
func columnIndex(col string, header []string) int {
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), col) {
			return i
		}
	}
	for i, h := range header {
		if matchKey(h) == matchKey(col) && matchKey(col) != "" {
			return i
		}
	}
	if n, err := strconv.Atoi(col); err == nil && n >= 1 && n <= len(header) {
		return n - 1
	}
	return -1
}
