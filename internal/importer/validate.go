package importer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/natsort"
	"onboard/internal/settings"
	"onboard/internal/tabular"
	"onboard/internal/uitext"
	"onboard/internal/userrules"
)

// catalog resolves role, unit and group names (folded) to IDs; units and groups the
// store lacks get an ID once and are created by the commit.
type catalog struct {
	roles     map[string]string
	roleNames []string
	roleByID  map[string]string // role ID → name
	units     *names
	groups    *names
}

// names resolves folded names to IDs, giving a name the store lacks a new ID.
type names struct {
	ids     map[string]string
	added   []idName          // names not in the store, in first-seen order
	display map[string]string // ID → name as written
}

// idName is a new unit or group.
type idName struct{ id, name string }

func newNames() *names { return &names{ids: map[string]string{}, display: map[string]string{}} }

// add records a name the store has.
func (n *names) add(id, name string) {
	n.ids[data.Fold(name)] = id
	n.display[id] = name
}

// of returns the names of the IDs in set, in natural order.
func (n *names) of(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, n.display[id])
	}
	slices.SortFunc(out, natsort.Compare)
	return out
}

// id returns the ID of name, making a new one when the store has none.
func (n *names) id(name string) string {
	k := data.Fold(name)
	if id, ok := n.ids[k]; ok {
		return id
	}
	id := data.NewID()
	n.ids[k], n.display[id] = id, name
	n.added = append(n.added, idName{id, name})
	return id
}

// usedAdded returns the new names whose IDs are in used.
func (n *names) usedAdded(used map[string]bool) []idName {
	var out []idName
	for _, a := range n.added {
		if used[a.id] {
			out = append(out, a)
		}
	}
	return out
}

func loadCatalog(ctx context.Context, store Catalog) (*catalog, error) {
	roles, err := store.Roles(ctx)
	if err != nil {
		return nil, err
	}
	units, err := store.Units(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := store.Groups(ctx)
	if err != nil {
		return nil, err
	}
	c := &catalog{roles: map[string]string{}, roleByID: map[string]string{}, units: newNames(), groups: newNames()}
	for _, r := range roles {
		c.roles[data.Fold(r.Name)] = r.ID
		c.roleByID[r.ID] = r.Name
		c.roleNames = append(c.roleNames, r.Name)
	}
	for _, u := range units {
		c.units.add(u.ID, u.Name)
	}
	for _, g := range groups {
		c.groups.add(g.ID, g.Name)
	}
	return c, nil
}

// roleName is the name of the role with the given ID.
func (c *catalog) roleName(id string) string { return c.roleByID[id] }

// unitNames returns the names of the units in set, in natural order.
func (c *catalog) unitNames(set map[string]bool) []string { return c.units.of(set) }

// groupNames is unitNames for groups.
func (c *catalog) groupNames(set map[string]bool) []string { return c.groups.of(set) }

// usedNew returns the new units and groups that rows to be written refer to.
func (c *catalog) usedNew(p *Plan) ([]data.Unit, []data.Group) {
	used := map[string]bool{}
	for i := range p.Rows {
		r := &p.Rows[i]
		if r.Action == Create || r.Action == Updates {
			for _, id := range r.unitIDs {
				used[id] = true
			}
			for _, id := range r.groupIDs {
				used[id] = true
			}
		}
	}
	var units []data.Unit
	for _, a := range c.units.usedAdded(used) {
		units = append(units, data.Unit{Row: data.Row{ID: a.id}, Name: a.name})
	}
	var groups []data.Group
	for _, a := range c.groups.usedAdded(used) {
		groups = append(groups, data.Group{Row: data.Row{ID: a.id}, Name: a.name})
	}
	return units, groups
}

// validator checks rows one at a time.
type validator struct {
	plan       *Plan
	cat        *catalog
	cols       [][]int // columns of each field, by field index
	ragged     bool    // rows must have as many cells as the header (CSV)
	order      DateOrder
	nameOrder  nameOrder // of the names in the full-name column, as its title says
	unitLists  idLists   // the unit IDs of the rows, by their units cell
	groupLists idLists   // the same for groups
}

// idLists shares the unit (or group) IDs of rows whose cell names the same units:
// most files name a few, so that the plan holds each list once, not once per row.
// The lists are clipped, so that appending to one copies it.
type idLists map[string][]string

// maxIDLists bounds an idLists: past it, rows keep their own lists.
const maxIDLists = 1024

// share notes ids as the list of cell and returns it.
func (l idLists) share(cell string, ids []string) []string {
	ids = slices.Clip(ids)
	if len(l) < maxIDLists {
		l[cell] = ids
	}
	return ids
}

// row reads and checks data row i into plan.Rows[i].
func (v *validator) row(i int) {
	src := v.plan.Source
	cells := src.Rows[i].Cells
	r := &v.plan.Rows[i]
	*r = RowPlan{Index: i, Line: src.Rows[i].Line, DuplicateOf: -1}
	add := func(f Field, col int, msg string) { r.Problems = append(r.Problems, Problem{f, col, msg}) }
	if v.ragged && src.width > 0 && len(cells) != src.width && !onlyEmptyBeyond(cells, src.width) {
		add(Ignore, -1, uitext.F("the row has %d cells but the header has %d; a value may contain the delimiter without quotes",
			len(cells), src.width))
	}
	var vals [numFields]string
	failed := v.values(r, &vals, cells, v.plan.Settings.Edits[i])
	v.splitFullName(r, &vals, &failed)
	r.values = packValues(&vals)
	col := func(f Field) int {
		if cs := v.cols[fieldIndex[f]]; len(cs) > 0 {
			return cs[0]
		}
		if cs := v.cols[fieldIndex[FullName]]; len(cs) > 0 && (f == FirstName || f == LastName) {
			return cs[0] // the names came from the full name
		}
		return -1
	}
	check := func(f Field, msg string) {
		if msg != "" && !failed[fieldIndex[f]] {
			add(f, col(f), msg)
		}
	}
	check(FirstName, userrules.NameProblem(uitext.L("first name"), r.Value(FirstName)))
	check(LastName, userrules.NameProblem(uitext.L("last name"), r.Value(LastName)))
	if e := r.Value(Email); e != "" {
		check(Email, userrules.EmailProblem(e))
	}
	if u := r.Value(Username); u != "" {
		check(Username, userrules.UsernameProblem(u))
	}
	if m := r.Value(Mobile); m != "" {
		check(Mobile, userrules.MobileProblem(m))
	}
	if x := r.Value(ExternalID); x != "" {
		check(ExternalID, userrules.ExternalIDProblem(x))
	}
	check(InvitationText, userrules.TextProblem(uitext.L("the invitation text is"), r.Value(InvitationText)))
	check(Notes, userrules.TextProblem(uitext.L("the notes are"), r.Value(Notes)))
	check(Role, v.role(r))
	check(Units, v.units(r))
	v.groups(r)
	if d := r.Value(ValidUntil); d != "" && !failed[fieldIndex[ValidUntil]] {
		v.validUntil(r, d, col(ValidUntil))
	}
}

// validUntil reads the row's validity date d, from column col.
func (v *validator) validUntil(r *RowPlan, d string, col int) {
	t, msg, outOfRange := parseValidUntil(d, v.plan.now, v.order)
	switch {
	case outOfRange:
		if v.plan.outOfRange == nil {
			v.plan.outOfRange = map[int]Problem{}
		}
		v.plan.outOfRange[r.Index] = Problem{ValidUntil, col, msg} // see Plan.settleValidity
	case msg != "":
		r.Problems = append(r.Problems, Problem{ValidUntil, col, msg})
	}
	r.validUntil = t
}

// values fills in the row's value of each field from its cells (and the operator's
// edits); a cell holding a spreadsheet error is a problem of its field, which is
// marked in the result so that no other problem is reported for it.
func (v *validator) values(r *RowPlan, vals *[numFields]string, cells []string, edits map[Field]string) (failed [numFields]bool) {
	for fi, cols := range v.cols {
		var parts []string
		for _, c := range cols {
			if c >= len(cells) {
				continue
			}
			s := CellValue(cells[c])
			if code, ok := ErrorValue(s); ok {
				r.Problems = append(r.Problems, Problem{Fields[fi].Field, c, uitext.F("the cell holds the spreadsheet error %s (a formula failed in the file); correct it there and save again", code)})
				failed[fi] = true
				continue
			}
			if s != "" {
				parts = append(parts, s)
			}
		}
		vals[fi] = strings.Join(parts, ", ")
		if e, ok := edits[Fields[fi].Field]; ok {
			vals[fi] = clean(e)
			failed[fi] = false
			r.Problems = slices.DeleteFunc(r.Problems, func(p Problem) bool { return p.Field == Fields[fi].Field })
		}
	}
	return failed
}

// splitFullName fills the row's empty first and last name from its full name
// (see SplitFullName), in the order the column's title gives; a full name of one word is a problem when a name is
// missing.
func (v *validator) splitFullName(r *RowPlan, vals *[numFields]string, failed *[numFields]bool) {
	full := vals[fieldIndex[FullName]]
	fi, li := fieldIndex[FirstName], fieldIndex[LastName]
	if full == "" || (vals[fi] != "" && vals[li] != "") {
		return
	}
	first, last, ok := splitFullNameAs(full, v.nameOrder)
	if !ok {
		r.Problems = append(r.Problems, Problem{
			FullName, v.cols[fieldIndex[FullName]][0],
			uitext.F("%q cannot be split into first and last name; write both, e.g. \"Anna Müller\" or \"Müller, Anna\"", full),
		})
		failed[fi], failed[li] = true, true
		return
	}
	if vals[fi] == "" {
		vals[fi] = first
	}
	if vals[li] == "" {
		vals[li] = last
	}
}

// errorValues are the values spreadsheets show in a cell whose formula failed:
// Excel's (stored so in an .xlsx, and written so to CSV by an English Excel),
// a German Excel's CSV spellings, and LibreOffice's "Err:502" style codes.
var errorValues = []string{
	"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!",
	"#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#GETTING_DATA",
	"#NV", "#BEZUG!", "#WERT!", "#ZAHL!", "#NAME?", "#ÜBERLAUF!", "#KALK!",
}

// ErrorValue reports whether a cell value is a spreadsheet's error value
// ("#N/A", "#REF!", "Err:502", …) rather than data, and returns it as written.
func ErrorValue(s string) (string, bool) {
	if s == "" || (s[0] != '#' && s[0] != 'E') {
		return "", false
	}
	for _, e := range errorValues {
		if strings.EqualFold(s, e) {
			return s, true
		}
	}
	if n, ok := strings.CutPrefix(s, "Err:"); ok && len(n) == 3 && strings.Trim(n, "0123456789") == "" {
		return s, true
	}
	return "", false
}

// onlyEmptyBeyond reports whether every cell from index n on is blank (trailing
// delimiters some exports add).
func onlyEmptyBeyond(cells []string, n int) bool {
	if len(cells) < n {
		return false
	}
	for _, c := range cells[n:] {
		if clean(c) != "" {
			return false
		}
	}
	return true
}

// CellValue is a cell of a data row as the import reads it: trimmed (see clean),
// without the apostrophe that formula-injection guards such as tabular.SafeCell
// put before = + - @, a tab or a carriage return ("'+49 170 1234567" is
// "+49 170 1234567"). Every value of a row goes through it, so a file Onboard
// exported imports back unchanged.
func CellValue(s string) string {
	return clean(tabular.UnguardCell(clean(s)))
}

// clean trims spaces, including no-break spaces, and zero-width characters around a value.
func clean(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
	})
}

// role resolves the row's role, or the import's role when the row has none (see
// RowPlan.NeedsRole).
func (v *validator) role(r *RowPlan) string {
	name := r.Value(Role)
	if name == "" {
		r.roleID = v.plan.Settings.RoleID
		return ""
	}
	id, ok := v.cat.roles[data.Fold(name)]
	if !ok {
		return uitext.F("unknown role %q (roles: %s)", name, strings.Join(v.cat.roleNames, ", "))
	}
	r.roleID = id
	return ""
}

// splitList splits a cell naming several units or groups.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' || r == '\n' }) {
		if part = clean(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// units resolves the row's units plus the import's (see RowPlan.NeedsUnit).
func (v *validator) units(r *RowPlan) string {
	cell := r.Value(Units)
	if ids, ok := v.unitLists[cell]; ok {
		r.unitIDs = ids
		return ""
	}
	r.unitIDs = append([]string(nil), v.plan.Settings.UnitIDs...)
	for _, name := range splitList(cell) {
		if msg := userrules.NameProblem(uitext.L("unit name"), name); msg != "" {
			return msg
		}
		r.unitIDs = lifecycle.Union(r.unitIDs, []string{v.cat.units.id(name)})
	}
	r.unitIDs = v.unitLists.share(cell, r.unitIDs)
	return ""
}

// groups resolves the row's groups plus the import's.
func (v *validator) groups(r *RowPlan) {
	cell := r.Value(Groups)
	if ids, ok := v.groupLists[cell]; ok {
		r.groupIDs = ids
		return
	}
	r.groupIDs = append([]string(nil), v.plan.Settings.GroupIDs...)
	for _, name := range splitList(cell) {
		if userrules.NameProblem("group name", name) == "" {
			r.groupIDs = lifecycle.Union(r.groupIDs, []string{v.cat.groups.id(name)})
		}
	}
	r.groupIDs = v.groupLists.share(cell, r.groupIDs)
}

// Excel stores dates as days since 1899-12-30 (its 1900 leap-year bug included).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// parseValidUntil reads the last valid day of a key: ISO (2026-01-31), German
// (31.01.2026), slashes (31/01/2026, or 01/31/2026 month first; see DateOrder)
// or an Excel date serial (46053). The key stays valid to the end of that day
// (UTC); the day must be after today and at most settings.MaxValidDays away
// (else outOfRange is set with the message).
func parseValidUntil(s string, now time.Time, order DateOrder) (t *time.Time, msg string, outOfRange bool) {
	d, ok := parseDate(s, order)
	if !ok {
		if _, _, ambiguous := slashDate(s); ambiguous && order == "" {
			return nil, uitext.F("%q can be read day first or month first; write it as 2026-01-31", s), false
		}
		return nil, uitext.F("%q is not a date; write it as 2026-01-31 or 31.01.2026", s), false
	}
	end := d.AddDate(0, 0, 1).Add(-time.Second)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case !d.After(today) && !d.Equal(today):
		return nil, uitext.F("%s is in the past", d.Format("2006-01-02")), true
	case d.After(today.AddDate(0, 0, settings.MaxValidDays)):
		return nil, uitext.F("%s is more than %d days away", d.Format("2006-01-02"), settings.MaxValidDays), true
	}
	return &end, "", false
}

// parseDate reads a calendar day in the forms parseValidUntil accepts. A date
// with slashes is read in order, or, when order is "", only when its numbers
// leave no doubt (31/01/2026, 01/31/2026).
func parseDate(s string, order DateOrder) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if date, _, ok := strings.Cut(s, " "); ok { // "2026-01-31 00:00" from a date-time cell
		s = date
	}
	if s == "" {
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64); err == nil {
		if f < 1 || f > 2958465 || math.IsNaN(f) { // Excel's last day is 9999-12-31
			return time.Time{}, false
		}
		return excelEpoch.AddDate(0, 0, int(f)), true
	}
	for _, layout := range []string{"2006-01-02", "2006/01/02", "2.1.2006", "02.01.2006", "2.1.06", "02.01.06"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	parts, evidence, ambiguous := slashDate(s)
	if parts == nil {
		return time.Time{}, false
	}
	day, month := parts[0], parts[1]
	switch {
	case order == MonthFirst, order == "" && evidence == MonthFirst:
		day, month = parts[1], parts[0]
	case order == "" && ambiguous:
		return time.Time{}, false
	}
	t := time.Date(parts[2], time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if month < 1 || month > 12 || t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}

// slashDate splits "a/b/yyyy" into its numbers. evidence is the order the
// numbers prove (DayFirst for 31/1/2027, MonthFirst for 1/31/2027, "" when both
// are at most 12); ambiguous is set when both are at most 12 and differ, so
// that the two orders give different days.
func slashDate(s string) (parts []int, evidence DateOrder, ambiguous bool) {
	fields := strings.Split(strings.TrimSpace(s), "/")
	if len(fields) != 3 {
		return nil, "", false
	}
	n := make([]int, 3)
	for i, f := range fields {
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, "", false
		}
		n[i] = v
	}
	if n[2] <= 1900 {
		return nil, "", false
	}
	switch a, b := n[0], n[1]; {
	case a > 12 && b <= 12:
		evidence = DayFirst
	case b > 12 && a <= 12:
		evidence = MonthFirst
	case a <= 12 && b <= 12 && a != b:
		ambiguous = true
	}
	return n, evidence, ambiguous
}

// dottedDate reports whether s is a date written d.m.y (German).
func dottedDate(s string) bool {
	for _, layout := range []string{"2.1.2006", "2.1.06"} {
		if _, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return true
		}
	}
	return false
}

// DateOrder is how dates with slashes are read: day first (31/01/2027, most
// of Europe) or month first (01/31/2027, the USA).
type DateOrder string

// The date orders; "" reads each date column in the order its values prove.
const (
	DayFirst   DateOrder = "dmy"
	MonthFirst DateOrder = "mdy"
)

// ParseDateOrder reads a date order: "dmy" or "mdy" ("" and "auto" are "").
func ParseDateOrder(s string) (DateOrder, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return "", nil
	case "dmy", "day", "day-first":
		return DayFirst, nil
	case "mdy", "month", "month-first", "us":
		return MonthFirst, nil
	}
	return "", fmt.Errorf("unknown date order %q (use dmy for 31/01/2027 or mdy for 01/31/2027)", s)
}

// ErrDateOrder is wrapped by a DateOrderError.
var ErrDateOrder = errors.New("the date order is unclear")

// DateOrderError says that the dates of a column can be read day first or month
// first and nothing in the column tells which: Settings.DateOrder must say.
type DateOrderError struct {
	Column  string // the column's title
	Example string // one of its dates, e.g. "3/1/2027"
}

func (e *DateOrderError) Error() string {
	return uitext.F("column %s: dates such as %s can be read day first or month first, and no date in the column tells which", e.Column, e.Example)
}

// Unwrap returns ErrDateOrder.
func (e *DateOrderError) Unwrap() error { return ErrDateOrder }

// columnDateOrder works out how to read the slash dates of the valid-until
// columns when s does not say: the order their values prove (all day first or
// all month first). When no value proves an order and some are ambiguous, it
// returns a *DateOrderError. Values proving both orders leave the order open:
// each date is then read alone, and the ambiguous ones are row errors.
func columnDateOrder(src *Source, s Settings) (DateOrder, error) {
	if s.DateOrder != "" {
		return s.DateOrder, nil
	}
	cols := s.Mapping.Columns(ValidUntil)
	seen := map[DateOrder]bool{}
	example, exampleCol := "", 0
	for _, row := range src.Rows {
		for _, c := range cols {
			if c >= len(row.Cells) {
				continue
			}
			v := CellValue(row.Cells[c])
			_, evidence, ambiguous := slashDate(v)
			if evidence == "" && dottedDate(v) {
				evidence = DayFirst // 31.12.2026: a list written day first
			}
			seen[evidence] = true
			if ambiguous && example == "" {
				example, exampleCol = v, c
			}
		}
	}
	switch {
	case seen[DayFirst] && !seen[MonthFirst]:
		return DayFirst, nil
	case seen[MonthFirst] && !seen[DayFirst]:
		return MonthFirst, nil
	case example != "" && !seen[DayFirst]:
		return "", &DateOrderError{Column: columnName(src.Header, exampleCol), Example: example}
	}
	return "", nil
}
