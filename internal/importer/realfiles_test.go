package importer

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"onboard/internal/tabular"
)

// realFile is the path of a file in testdata/imports, written by real software
// (see scripts/make-import-testdata.sh).
func realFile(name string) string {
	return filepath.Join("..", "..", "testdata", "imports", name)
}

// loadReal loads a file of testdata/imports with its header.
func (e *env) loadReal(name string, opt tabular.Options) (*Source, error) {
	return Load(e.ctx, realFile(name), opt, true, nil)
}

// A formula that failed in the source sheet (a lookup that found nothing, a
// division by zero) is an error of that cell, in an .xlsx (cells of type "e",
// saved by LibreOffice) and in the CSV LibreOffice exports from it: the row is not
// imported, and the message names the line and the column. "#N/A" became a unit
// before.
func TestSpreadsheetErrorCellsFailTheirRow(t *testing.T) {
	for _, name := range []string{"errorcells.xlsx", "errorcells.csv"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			src, err := e.loadReal(name, tabular.Options{})
			if err != nil {
				t.Fatal(err)
			}
			p, err := Check(e.ctx, e.store, src, Settings{Mapping: AutoMap(src.Header), RoleID: e.roleID("Student")}, now)
			if err != nil {
				t.Fatal(err)
			}
			if p.Counts.Valid != 1 || p.Counts.Errors != 2 || p.Rows[0].Action != Create {
				t.Fatalf("counts %+v; rows %+v", p.Counts, p.Rows)
			}
			for i, want := range []string{
				`"Klasse": the cell holds the spreadsheet error #N/A (a formula failed in the file)`,
				`"Notiz": the cell holds the spreadsheet error #DIV/0! (a formula failed in the file)`,
			} {
				r := p.Rows[i+1]
				if r.Action != Fails || r.Line != i+3 || !strings.HasPrefix(r.Reason, want) {
					t.Errorf("line %d: %s %q, want line %d failing with %q", r.Line, r.Action, r.Reason, i+3, want)
				}
			}
			for _, u := range p.NewUnits {
				if strings.HasPrefix(u.Name, "#") {
					t.Errorf("the error value %q would become a unit", u.Name)
				}
			}
			if _, err := Commit(e.ctx, e.svc, p, false, nil); !errors.Is(err, ErrRowsFailed) || e.userCount() != 0 {
				t.Fatalf("commit: %v, %d users", err, e.userCount())
			}
		})
	}
}

func TestErrorValue(t *testing.T) {
	if v, ok := ErrorValue("Err:502"); !ok || v != "Err:502" {
		t.Error("LibreOffice's Err:502 is not an error value")
	}
	for _, s := range []string{"#5a", "Erna", "Err:5", "N/A", "#"} {
		if _, ok := ErrorValue(s); ok {
			t.Errorf("%q taken for an error value", s)
		}
	}
}

// The column titles of address-book exports and German school administration
// software map themselves; a full-name column beside first and last name is left
// out (it became the last name: Google Contacts' "Name" is its first column).
func TestHeadersOfRealExportsMap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		want   Mapping
	}{
		{
			"Google Contacts",
			[]string{"Name", "Given Name", "Additional Name", "Family Name", "Nickname", "E-mail 1 - Type", "E-mail 1 - Value", "Phone 1 - Type", "Phone 1 - Value", "Group Membership"},
			Mapping{Ignore, FirstName, Ignore, LastName, Ignore, Ignore, Email, Ignore, Mobile, Groups},
		},
		{
			"Thunderbird",
			[]string{"First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email", "Mobile Number"},
			Mapping{FirstName, LastName, Ignore, Ignore, Email, Ignore, Mobile},
		},
		{
			"Outlook",
			[]string{"First Name", "Middle Name", "Last Name", "Title", "Suffix", "E-mail Address", "Mobile Phone", "Department"},
			Mapping{FirstName, Ignore, LastName, Ignore, Ignore, Email, Mobile, Units},
		},
		{
			"ASV",
			[]string{"Schüler-ID", "Familienname", "Vornamen", "Geburtsdatum", "Klasse/Kurs", "E-Mail-Adresse"},
			Mapping{ExternalID, LastName, FirstName, Ignore, Units, Email},
		},
		{
			"SchILD",
			[]string{"Interne ID-Nummer", "Nachname", "Vorname", "Klasse", "Jahrgang", "Kurs"},
			Mapping{ExternalID, LastName, FirstName, Units, Units, Groups},
		},
		{
			"German list with Name and Vorname",
			[]string{"Name", "Vorname", "Klasse", "Mail", "Telefon"},
			Mapping{LastName, FirstName, Units, Email, Mobile},
		},
		{
			"US school",
			[]string{"Student ID", "Given name", "Family name", "Grade", "Homeroom", "Email"},
			Mapping{ExternalID, FirstName, LastName, Units, Units, Email},
		},
		{
			"staff",
			[]string{"Surname", "Forename", "Department", "Team", "Handy"},
			Mapping{LastName, FirstName, Units, Units, Mobile},
		},
		{"full names only", []string{"Display name", "E-Mail", "Form"}, Mapping{FullName, Email, Units}},
	} {
		if got := AutoMap(tc.header); !slices.Equal(got, tc.want) {
			t.Errorf("%s: AutoMap = %v\nwant %v", tc.name, got, tc.want)
		}
	}
}

// With only a full-name column, the names are split: the last word is the last
// name with its particles, "Müller, Anna" is last name first; a single word is
// an error of that cell. Before, "Name" was taken for the last name and the first
// name was missing.
func TestFullNameColumnIsSplit(t *testing.T) {
	e := newEnv(t)
	path := e.file("names.csv", []byte("Name;E-Mail\n"+
		"Anna Maria Schmidt;anna@example.org\n"+
		"Müller, Jörg;joerg@example.org\n"+
		"Lena van der Berg;lena@example.org\n"+
		"Cher;cher@example.org\n"))
	p := e.plan(path, Settings{RoleID: e.roleID("Student"), UnitIDs: []string{e.unitID("Class 5a")}})
	if !slices.Equal(p.Settings.Mapping, Mapping{FullName, Email}) {
		t.Fatalf("mapping %v", p.Settings.Mapping)
	}
	for i, w := range [][2]string{{"Anna Maria", "Schmidt"}, {"Jörg", "Müller"}, {"Lena", "van der Berg"}} {
		r := &p.Rows[i]
		if r.Value(FirstName) != w[0] || r.Value(LastName) != w[1] || r.Action != Create {
			t.Errorf("line %d: %q %q (%s %v), want %q", r.Line, r.Value(FirstName), r.Value(LastName), r.Action, r.Problems, w)
		}
	}
	if r := p.Rows[3]; r.Action != Fails || len(r.Problems) != 1 || r.Problems[0].Column != 0 ||
		r.Reason != `"Name": "Cher" cannot be split into first and last name; write both, e.g. "Anna Müller" or "Müller, Anna"` {
		t.Errorf("one word: %s %q %+v", r.Action, r.Reason, r.Problems)
	}
	if _, err := Commit(e.ctx, e.svc, p, true, nil); err != nil {
		t.Fatal(err)
	}
	if u := e.userByEmail("lena@example.org"); u.FirstName != "Lena" || u.LastName != "van der Berg" {
		t.Errorf("stored %q %q", u.FirstName, u.LastName)
	}
}

// A full-name column whose title gives the order of the names is split in that
// order: "Vorname,Nachname" read "Anna,Berg" as last name Anna before.
func TestFullNameColumnTitleGivesTheOrder(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		title string
		rows  string
		want  [][2]string
	}{
		{"Vorname, Nachname", "\"Anna, Berg\"\nJörg Müller\n", [][2]string{{"Anna", "Berg"}, {"Jörg", "Müller"}}},
		{"Nachname Vorname", "Berg Anna Maria\nvan der Berg Lena\n\"Müller, Jörg\"\n", [][2]string{{"Anna Maria", "Berg"}, {"Lena", "van der Berg"}, {"Jörg", "Müller"}}},
		{"Last name, first name", "Lee Ann\n", [][2]string{{"Ann", "Lee"}}},
		{"Name", "\"Berg, Anna\"\nAnna Berg\n", [][2]string{{"Anna", "Berg"}, {"Anna", "Berg"}}},
	} {
		path := e.file("order.csv", []byte(`"`+tc.title+`";Klasse`+"\n"+strings.ReplaceAll(tc.rows, "\n", ";5a\n")))
		p := e.plan(path, Settings{RoleID: e.roleID("Student")})
		if !slices.Equal(p.Settings.Mapping, Mapping{FullName, Units}) {
			t.Fatalf("%s: mapping %v", tc.title, p.Settings.Mapping)
		}
		for i, w := range tc.want {
			r := &p.Rows[i]
			if r.Value(FirstName) != w[0] || r.Value(LastName) != w[1] {
				t.Errorf("%s, line %d: %q %q %v, want %q", tc.title, r.Line, r.Value(FirstName), r.Value(LastName), r.Problems, w)
			}
		}
	}
}

// A date column written month first (a US export: 1/31/2027) is read month first
// throughout, so 3/1/2027 is 1 March (it was refused as ambiguous); a column whose
// dates are all ambiguous stops the check until DateOrder says; a column proving
// both orders reads each date alone.
func TestUSDatesAreReadMonthFirst(t *testing.T) {
	e := newEnv(t)
	us := e.file("us.csv", []byte("First name,Last name,Valid until\nAnn,Lee,1/31/2027\nBob,Kim,3/1/2027\nCy,Ray,12/15/2026\n"))
	p := e.plan(us, Settings{RoleID: e.roleID("Student")})
	for i, want := range []string{"2027-01-31", "2027-03-01", "2026-12-15"} {
		if got := validDay(p, i); got != want {
			t.Errorf("US row %d: %s, want %s", i+1, got, want)
		}
	}

	amb := e.file("amb.csv", []byte("First name,Last name,Valid until\nAnn,Lee,3/1/2027\nBob,Kim,4/2/2027\n"))
	src, err := Load(e.ctx, amb, tabular.Options{}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := Settings{Mapping: AutoMap(src.Header), RoleID: e.roleID("Student")}
	_, err = Check(e.ctx, e.store, src, s, now)
	var de *DateOrderError
	if !errors.As(err, &de) || !errors.Is(err, ErrDateOrder) || err.Error() !=
		`column "Valid until": dates such as 3/1/2027 can be read day first or month first, and no date in the column tells which` {
		t.Fatalf("ambiguous column: %v", err)
	}
	for order, want := range map[DateOrder]string{MonthFirst: "2027-03-01", DayFirst: "2027-01-03"} {
		s.DateOrder = order
		p, err := Check(e.ctx, e.store, src, s, now)
		if err != nil || validDay(p, 0) != want {
			t.Errorf("%s: %v %s, want %s", order, err, validDay(p, 0), want)
		}
	}
}

// A column proving both orders reads each date alone; ambiguous ones are errors
// of their rows.
func TestDatesProvingBothOrders(t *testing.T) {
	e := newEnv(t)
	both := e.file("both.csv", []byte("First name,Last name,Valid until\nAnn,Lee,31/1/2027\nBob,Kim,1/31/2027\nCy,Ray,3/4/2027\n"))
	p := e.plan(both, Settings{RoleID: e.roleID("Student")})
	if validDay(p, 0) != "2027-01-31" || validDay(p, 1) != "2027-01-31" ||
		validDay(p, 2) != `"Valid until": "3/4/2027" can be read day first or month first; write it as 2026-01-31` {
		t.Errorf("mixed column: %q %q %q", validDay(p, 0), validDay(p, 1), validDay(p, 2))
	}
	if o, err := ParseDateOrder("MDY"); o != MonthFirst || err != nil {
		t.Errorf("ParseDateOrder: %v %v", o, err)
	}
	if _, err := ParseDateOrder("ymd"); err == nil {
		t.Error("ymd accepted")
	}
}

// An update does not change a user's validity, so a validity date in the past is
// no error of a row that updates an existing user (an export of Onboard lists
// when old keys ran out); a row that would create a user still fails on it.
func TestExpiredValidityIsNoErrorOfAnUpdate(t *testing.T) {
	e := newEnv(t)
	e.createUser("Anna", "Müller", "anna@example.org", "anna", "")
	path := e.file("back.csv", []byte("first_name,last_name,email,valid until\n"+
		"Anna,Müller-Lüdenscheidt,anna@example.org,2025-12-31\n"+
		"Ben,Weber,ben@example.org,2025-12-31\n"))
	p := e.plan(path, Settings{OnConflict: Update, RoleID: e.roleID("Student"), UnitIDs: []string{e.unitID("Class 5a")}})
	if r := p.Rows[0]; r.Action != Updates || len(r.Problems) > 0 {
		t.Errorf("update: %s %q", r.Action, r.Reason)
	}
	if r := p.Rows[1]; r.Action != Fails || r.Reason != `"valid until": 2025-12-31 is in the past` {
		t.Errorf("create: %s %q", r.Action, r.Reason)
	}
	p = e.plan(path, Settings{OnConflict: Skip, RoleID: e.roleID("Student"), UnitIDs: []string{e.unitID("Class 5a")}})
	if r := p.Rows[0]; r.Action != Fails || r.Conflict != nil {
		t.Errorf("not an update: %s %q", r.Action, r.Reason)
	}
	p = e.plan(path, Settings{OnConflict: Update, RoleID: e.roleID("Student"), UnitIDs: []string{e.unitID("Class 5a")}})
	if _, err := Commit(e.ctx, e.svc, p, true, nil); err != nil {
		t.Fatal(err)
	}
	if u := e.userByEmail("anna@example.org"); u.LastName != "Müller-Lüdenscheidt" {
		t.Errorf("not updated: %q", u.LastName)
	}
}

// validDay is row i's validity day, or its reason when it has none.
func validDay(p *Plan, i int) string {
	if r := p.Rows[i]; r.validUntil != nil {
		return r.validUntil.Format("2006-01-02")
	}
	return p.Rows[i].Reason
}
