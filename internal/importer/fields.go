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
	{FirstName, "First name", true, false, []string{"first name", "firstname", "given name", "forename", "vorname", "rufname"}},
	{LastName, "Last name", true, false, []string{"last name", "lastname", "surname", "family name", "name", "nachname", "familienname", "zuname"}},
	{Email, "Email", false, false, []string{"email", "e-mail", "mail", "email address", "e-mail address", "e-mail-adresse", "emailadresse", "mailadresse"}},
	{Username, "Username", false, false, []string{"username", "user name", "login", "login name", "user", "account", "benutzername", "benutzer", "anmeldename", "kennung"}},
	{Mobile, "Mobile", false, false, []string{"mobile", "mobile phone", "mobile number", "cell", "cell phone", "phone", "telephone", "mobil", "handy", "mobilnummer", "handynummer", "telefon", "mobiltelefon"}},
	{ExternalID, "External ID", false, false, []string{"external id", "externalid", "id", "employee id", "employee number", "student id", "student number", "personnel number", "externe id", "schuler id", "schülernummer", "schuelernummer", "personalnummer", "mitarbeiternummer", "kennziffer"}},
	{Role, "Role", false, false, []string{"role", "rolle", "type", "typ", "user type", "benutzertyp"}},
	{Units, "Units", false, true, []string{"unit", "units", "class", "classes", "form", "department", "site", "location", "klasse", "klassen", "einheit", "einheiten", "abteilung", "standort", "bereich"}},
	{Groups, "Groups", false, true, []string{"group", "groups", "gruppe", "gruppen", "contact group", "kontaktgruppe", "ag", "kurs", "course"}},
	{ValidUntil, "Valid until", false, false, []string{"valid until", "expires", "expiry", "expiry date", "valid to", "gultig bis", "gueltig bis", "ablaufdatum", "ablauf"}},
	{InvitationText, "Invitation text", false, false, []string{"invitation text", "invitation", "personal text", "message", "einladungstext", "nachricht"}},
	{Notes, "Notes", false, false, []string{"notes", "note", "comment", "comments", "remarks", "notiz", "notizen", "bemerkung", "bemerkungen", "kommentar"}},
}

// numFields is the number of fields; a row's values are indexed by fieldIndex.
var numFields = len(Fields)

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
	return m
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
		case f.Required && len(cols[f.Field]) == 0:
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
