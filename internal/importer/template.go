package importer

import (
	"encoding/csv"
	"io"
	"strings"

	"onboard/internal/tabular"
)

// templateFields are the columns of the sample file, in order.
var templateFields = []Field{FirstName, LastName, Email, Username, Mobile, ExternalID, Role, Units, Groups, ValidUntil, Notes}

// templateRows are the sample users of the sample file.
var templateRows = [][]string{
	{"Anna", "Müller", "anna.mueller@example.org", "", "+49 151 2345678", "00123", "Student", "Class 5a", "Choir", "", ""},
	{"Łukasz", "Nowak", "lukasz.nowak@example.org", "lnowak", "", "00124", "Student", "Class 5a, Class 6b", "", "2026-12-31", "Joins after the holidays"},
	{"Zoë", "Öztürk", "", "", "", "T-17", "Teacher", "Head office", "Parents' council; First aid", "", "Gets a printed letter"},
}

// fieldHelp explains each field on the explanation sheet.
var fieldHelp = map[Field]string{
	FirstName:      "The person's first name.",
	LastName:       "The person's last name.",
	Email:          "Needed to send an invitation by email. Must be unique.",
	Username:       "Leave empty to derive it from the email or the names. Must be unique.",
	Mobile:         "Digits, spaces and + - ( ) / only.",
	ExternalID:     "The number in your school or HR system. Keep it as text so leading zeros stay. Must be unique.",
	Role:           "The name of an existing role. Empty: the role chosen in the import.",
	Units:          "One or more units (class, site, department), separated by commas. Missing units are created.",
	Groups:         "Contact groups, separated by commas. Missing groups are created.",
	ValidUntil:     "Last day the personal key works, e.g. 2026-12-31 or 31.12.2026. Empty: the validity chosen in the import.",
	InvitationText: "A personal line for the invitation.",
	Notes:          "Anything the office wants to remember; the person does not see it.",
}

// templateHeader is the header row of the sample file.
func templateHeader() []string {
	h := make([]string, len(templateFields))
	for i, f := range templateFields {
		h[i] = f.Label()
	}
	return h
}

// WriteTemplateCSV writes the sample file as UTF-8 CSV (with a BOM, so Excel opens
// it with the right letters).
func WriteTemplateCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(templateHeader())
	for _, r := range templateRows {
		cw.Write(r)
	}
	cw.Flush()
	return cw.Error()
}

// WriteTemplateXLSX writes the sample file as an Excel workbook: the users sheet
// and an explanation sheet describing each column and the German and English
// titles it is recognised by.
func WriteTemplateXLSX(w io.Writer) error {
	users := append([][]string{templateHeader()}, templateRows...)
	help := [][]string{{"Column", "Required", "What to enter", "Also recognised as"}}
	for _, f := range templateFields {
		info := f.Info()
		req := ""
		if info.Required {
			req = "yes"
		}
		help = append(help, []string{info.Label, req, fieldHelp[f], strings.Join(info.Synonyms, ", ")})
	}
	help = append(help, []string{}, []string{"Only the first sheet is imported unless you choose another. Columns can be in any order; other columns can be ignored in the import."})
	return tabular.WriteXLSX(w, []tabular.Sheet{{Name: "Users", Rows: users}, {Name: "Explanation", Rows: help}})
}
