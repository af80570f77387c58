package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/tabular"
	"onboard/internal/uitext"
)

// Resolution is what happens to a row that conflicts with an existing user or
// repeats an earlier row of the file.
type Resolution string

// The resolutions. Editing the row in place is done through Settings.Edits.
const (
	Skip   Resolution = "skip"   // leave the row out
	Update Resolution = "update" // update the existing user (or merge into the earlier row)
	Rename Resolution = "rename" // create the user with a new username
	Fail   Resolution = "fail"   // count the row as failed
)

// Resolutions lists the resolutions in the order the wizard offers them.
var Resolutions = []Resolution{Skip, Update, Rename, Fail}

// Label is the resolution as the wizard shows it.
func (r Resolution) Label() string {
	switch r {
	case Update:
		return "Update the existing user"
	case Rename:
		return "Create with a new username"
	case Fail:
		return "Do not import (count as failed)"
	}
	return "Skip"
}

// ParseResolution reads a resolution by name.
func ParseResolution(s string) (Resolution, error) {
	for _, r := range Resolutions {
		if strings.EqualFold(strings.TrimSpace(s), string(r)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown conflict rule %q (use skip, update, rename or fail)", s)
}

// Action is what the commit does with a row.
type Action string

// The actions.
const (
	Create  Action = "create"
	Updates Action = "update"
	Skips   Action = "skip"
	Fails   Action = "fail"
)

// Settings are the operator's choices for an import.
type Settings struct {
	Mapping    Mapping
	RoleID     string   // for rows without a role of their own
	UnitIDs    []string // added to every row
	GroupIDs   []string // added to every row
	Invite     bool     // mark created users with an email as invited
	ValidDays  int      // validity of the keys; 0: the organization's default
	OnConflict Resolution
	PerRow     map[int]Resolution       // by row index, overriding OnConflict
	Edits      map[int]map[Field]string // cell values the operator typed, by row index
	DateOrder  DateOrder                // how to read 3/1/2027; "" when the column's values tell (see Check)
	// UpdateList makes the import an update from a list: rows are matched to
	// existing users (external ID, else email, else name), matched users are
	// updated to what the row says (their units replaced by the row's), and the
	// users of the units the file covers that it does not list are kept,
	// deactivated or deleted as Absent says.
	UpdateList    bool
	Absent        lifecycle.AbsentRule
	AbsentUnitIDs []string // more units to look for absent users in
}

// Problem is one thing wrong with a row.
type Problem struct {
	Field   Field // Ignore for a problem of the whole row
	Column  int   // 0-based column, -1 when none
	Message string
}

// Conflict names the existing user a row collides with.
type Conflict struct {
	UserID string
	Name   string
	On     []Field // the fields both hold: email, username, external ID
	Users  int     // how many different existing users the row collides with
}

// RowPlan is one data row, checked and resolved.
type RowPlan struct {
	Index       int       // in Source.Rows
	Line        int       // in the file
	values      rowValues // see Value
	Problems    []Problem
	Conflict    *Conflict // with an existing user
	DuplicateOf int       // index of an earlier row holding the same email, username or external ID; -1 when none
	DuplicateOn []Field
	Resolution  Resolution // in force for a conflict or duplicate
	Action      Action
	Reason      string   // why a row is skipped or fails
	UserID      string   // the existing user an update changes
	Username    string   // the username a created user gets
	Changes     []Change // what an update from a list changes of the user
	roleID      string
	unitIDs     []string
	groupIDs    []string
	validUntil  *time.Time
}

// NeedsRole reports whether the row would create a user but names no role, and the
// import has none to give it: a choice the operator must make, not a fault of the row.
func (r *RowPlan) NeedsRole() bool { return r.Action == Create && r.roleID == "" }

// NeedsUnit is NeedsRole for units.
func (r *RowPlan) NeedsUnit() bool { return r.Action == Create && len(r.unitIDs) == 0 }

// Value returns the row's value of field f.
func (r *RowPlan) Value(f Field) string {
	if i, ok := fieldIndex[f]; ok {
		return r.values.get(i)
	}
	return ""
}

// ProblemIn returns the message for column col ("" when it has none).
func (r *RowPlan) ProblemIn(col int) string {
	var msgs []string
	for _, p := range r.Problems {
		if p.Column == col {
			msgs = append(msgs, p.Message)
		}
	}
	return strings.Join(msgs, "; ")
}

// Counts sums up a plan.
type Counts struct {
	Rows       int
	Valid      int // rows without problems
	Errors     int // rows with problems
	Conflicts  int // valid rows colliding with an existing user
	Duplicates int // valid rows repeating an earlier row
	Create     int
	Update     int
	Skip       int
	Fail       int
	NeedRole   int // rows to create that wait for the import's role (see RowPlan.NeedsRole)
	NeedUnit   int // the same for units
	Unchanged  int // rows of an update from a list that change nothing
	Absent     int // users of an update from a list absent from the file
}

// Plan is a checked import: every row with its problems, conflicts and what the
// commit will do.
type Plan struct {
	Source    *Source
	Settings  Settings
	Rows      []RowPlan
	Counts    Counts
	NewUnits  []data.Unit  // units the file names that do not exist yet
	NewGroups []data.Group // the same for groups
	// Absent are the users of the covered units (Covered, by name) an update
	// from a list does not find in the file.
	Absent  []AbsentUser
	Covered []string
	now     time.Time
	cat     *catalog
	// outOfRange holds, by row index, the problem of a validity date in the past
	// or too far away (see settleValidity).
	outOfRange map[int]Problem
}

// ErrMapping is wrapped by errors about the column mapping.
var ErrMapping = errors.New("column mapping")

// Catalog is what Check reads besides the users: roles, units and groups.
type Catalog interface {
	Roles(ctx context.Context) ([]data.Role, error)
	Units(ctx context.Context) ([]data.Unit, error)
	Groups(ctx context.Context) ([]data.Group, error)
}

// Users is what Check reads to find conflicts and free usernames.
type Users interface {
	Catalog
	UsersHolding(ctx context.Context, emails, usernames, externalIDs []string) ([]data.UserMatch, error)
	UsernamesStartingWith(ctx context.Context, prefix string) ([]string, error)
	ListedUsers(ctx context.Context) ([]data.ListedUser, error) // for an update from a list
}

// Check validates every row of src under s against the store: the values of each
// cell, the roles, units and groups named, duplicates inside the file and conflicts
// with existing users, and resolves each row to an action. now decides validity
// dates. A mapping that lacks a required field is an error wrapping ErrMapping; a
// date column that can be read day first or month first, when s.DateOrder does
// not say which, is a *DateOrderError (wrapping ErrDateOrder).
func Check(ctx context.Context, store Users, src *Source, s Settings, now time.Time) (*Plan, error) {
	return check(ctx, store, src, s, now, false)
}

// CheckOnce is Check for a caller that checks the file once (the command line):
// it lets each row's cells go as soon as the row is read, so that a big file is
// not held twice, as cells and as the plan's values. src cannot be checked again.
func CheckOnce(ctx context.Context, store Users, src *Source, s Settings, now time.Time) (*Plan, error) {
	return check(ctx, store, src, s, now, true)
}

func check(ctx context.Context, store Users, src *Source, s Settings, now time.Time, once bool) (*Plan, error) {
	if len(s.Mapping) != len(src.Header) {
		return nil, fmt.Errorf("%w: %d fields for %d columns", ErrMapping, len(s.Mapping), len(src.Header))
	}
	if probs := s.Mapping.Problems(src.Header); len(probs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrMapping, strings.Join(probs, "; "))
	}
	if s.OnConflict == "" {
		s.OnConflict = Skip
	}
	order, err := columnDateOrder(src, s)
	if err != nil {
		return nil, err
	}
	cat, err := loadCatalog(ctx, store)
	if err != nil {
		return nil, err
	}
	p := &Plan{Source: src, Settings: s, Rows: make([]RowPlan, len(src.Rows)), now: now, cat: cat}
	v := &validator{
		plan: p, cat: cat, cols: columnsByField(s.Mapping), ragged: src.Info.Format == tabular.FormatCSV, order: order,
		unitLists: idLists{}, groupLists: idLists{},
	}
	if cs := v.cols[fieldIndex[FullName]]; len(cs) > 0 && src.HasHeader {
		v.nameOrder = orderOfTitle(src.Header[cs[0]])
	}
	for i := range src.Rows {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		v.row(i)
		if once {
			src.Rows[i].Cells = nil
		}
	}
	p.findDuplicates()
	if err := p.findConflicts(ctx, store); err != nil {
		return nil, err
	}
	if err := p.decide(ctx, store, cat); err != nil {
		return nil, err
	}
	if err := p.assignUsernames(ctx, store); err != nil {
		return nil, err
	}
	p.NewUnits, p.NewGroups = cat.usedNew(p)
	p.count()
	return p, nil
}

// decide settles the validity dates and resolves each row's action, for an update
// from a list after matching the rows to users.
func (p *Plan) decide(ctx context.Context, store Users, cat *catalog) error {
	if !p.Settings.UpdateList {
		p.settleValidity()
		p.resolve()
		return nil
	}
	m, err := p.matchList(ctx, store, cat)
	if err != nil {
		return err
	}
	p.settleValidity()
	p.resolveList(m)
	return nil
}

// count fills in p.Counts.
func (p *Plan) count() {
	c := Counts{Rows: len(p.Rows)}
	for i := range p.Rows {
		r := &p.Rows[i]
		if len(r.Problems) > 0 {
			c.Errors++
		} else {
			c.Valid++
			if r.Conflict != nil && !(p.Settings.UpdateList && r.UserID != "") {
				c.Conflicts++ // in an update from a list, not with the row's own user
			}
			if r.DuplicateOf >= 0 {
				c.Duplicates++
			}
		}
		if r.NeedsRole() {
			c.NeedRole++
		}
		if r.NeedsUnit() {
			c.NeedUnit++
		}
		switch r.Action {
		case Create:
			c.Create++
		case Updates:
			c.Update++
		case Skips:
			c.Skip++
		case Fails:
			c.Fail++
		case Unchanged:
			c.Unchanged++
		}
	}
	c.Absent = len(p.Absent)
	p.Counts = c
}

// columnsByField lists the columns of each field, by field index.
func columnsByField(m Mapping) [][]int {
	out := make([][]int, numFields)
	for col, f := range m {
		if f != Ignore {
			i := fieldIndex[f]
			out[i] = append(out[i], col)
		}
	}
	return out
}

// Name is the row's "First Last" for messages.
func (r *RowPlan) Name() string {
	return strings.TrimSpace(r.Value(FirstName) + " " + r.Value(LastName))
}

// lineRef names a row in messages: "line 12" of the file.
func (r *RowPlan) lineRef() string { return uitext.F("line %d", r.Line) }

// foldedKeys returns the row's folded email, username and external ID.
func (r *RowPlan) foldedKeys() [3]string {
	return [3]string{data.Fold(r.Value(Email)), data.Fold(r.Value(Username)), data.Fold(r.Value(ExternalID))}
}

// keyFields are the fields foldedKeys returns, in its order.
var keyFields = [3]Field{Email, Username, ExternalID}

// findDuplicates marks each valid row that repeats the email, username or external
// ID of an earlier valid row.
func (p *Plan) findDuplicates() {
	var seen [3]map[string]int
	for k := range seen {
		seen[k] = make(map[string]int, len(p.Rows)) // sized once: a big file's rows do not grow it step by step
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		r.DuplicateOf = -1
		if len(r.Problems) > 0 {
			continue
		}
		for k, v := range r.foldedKeys() {
			if v == "" {
				continue
			}
			if j, ok := seen[k][v]; ok {
				if r.DuplicateOf < 0 {
					r.DuplicateOf = j
				}
				r.DuplicateOn = append(r.DuplicateOn, keyFields[k])
				continue
			}
			seen[k][v] = i
		}
	}
}

// settleValidity decides about the rows whose validity date is in the past or too
// far away. An update does not change a user's validity (see Batch), so a row
// that updates one existing user imports without it: an export of Onboard, whose
// expired dates say when old keys ran out, updates the users it lists. Every other
// such row gets the date as its problem and drops out of duplicates and conflicts,
// as rows with problems do.
func (p *Plan) settleValidity() {
	changed := false
	for i := range p.Rows {
		r := &p.Rows[i]
		prob, ok := p.outOfRange[i]
		if !ok {
			continue
		}
		if len(r.Problems) == 0 && r.DuplicateOf < 0 && p.updatesOne(r, p.resolutionOf(i)) {
			continue
		}
		r.Problems = append(r.Problems, prob)
		r.Conflict, changed = nil, true
	}
	if changed {
		p.findDuplicates()
	}
}

// resolutionOf is the resolution in force for row i: the operator's for that row,
// else the one for all.
func (p *Plan) resolutionOf(i int) Resolution {
	if res, ok := p.Settings.PerRow[i]; ok {
		return res
	}
	return p.Settings.OnConflict
}

// updatesOne reports whether row r, under resolution res, updates one existing
// user: in an update from a list, the user it was matched to.
func (p *Plan) updatesOne(r *RowPlan, res Resolution) bool {
	if p.Settings.UpdateList {
		return r.UserID != ""
	}
	return r.Conflict != nil && r.Conflict.Users == 1 && res == Update
}

// findConflicts marks each valid row that holds the email, username or external ID
// of an existing user.
func (p *Plan) findConflicts(ctx context.Context, store Users) error {
	var lists [3][]string
	for i := range p.Rows {
		if len(p.Rows[i].Problems) > 0 {
			continue
		}
		for k, v := range p.Rows[i].foldedKeys() {
			if v != "" {
				lists[k] = append(lists[k], v)
			}
		}
	}
	if len(lists[0])+len(lists[1])+len(lists[2]) == 0 {
		return nil
	}
	matches, err := usersHolding(ctx, store, lists)
	if err != nil {
		return err
	}
	if len(matches) == 0 {
		return nil
	}
	var holder [3]map[string]*data.UserMatch
	for k := range holder {
		holder[k] = map[string]*data.UserMatch{}
	}
	for i := range matches {
		m := &matches[i]
		for k, v := range [3]string{m.EmailFold, m.UsernameFold, m.ExternalIDFold} {
			if v != "" {
				holder[k][v] = m
			}
		}
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		if len(r.Problems) > 0 {
			continue
		}
		var users []string // the IDs of the users held, each once
		for k, v := range r.foldedKeys() {
			m := holder[k][v]
			if v == "" || m == nil {
				continue
			}
			if r.Conflict == nil {
				r.Conflict = &Conflict{UserID: m.ID, Name: m.FullName()}
			}
			r.Conflict.On = append(r.Conflict.On, keyFields[k])
			if !slices.Contains(users, m.ID) {
				users = append(users, m.ID)
			}
		}
		if r.Conflict != nil {
			r.Conflict.Users = len(users)
		}
	}
	return nil
}

// lookupChunk is how many values of each list one UsersHolding query carries.
const lookupChunk = 10_000

// usersHolding is store.UsersHolding for the emails, usernames and external IDs
// in lists, asked lookupChunk values of each list at a time, so that a file of
// many rows makes no huge query. A user may be returned more than once.
func usersHolding(ctx context.Context, store Users, lists [3][]string) ([]data.UserMatch, error) {
	var out []data.UserMatch
	for start := 0; start < max(len(lists[0]), len(lists[1]), len(lists[2])); start += lookupChunk {
		var part [3][]string
		for k, l := range lists {
			part[k] = l[min(start, len(l)):min(start+lookupChunk, len(l))]
		}
		matches, err := store.UsersHolding(ctx, part[0], part[1], part[2])
		if err != nil {
			return nil, err
		}
		out = append(out, matches...)
	}
	return out, nil
}

// onList writes fields as "email and external ID".
func onList(fields []Field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		switch f {
		case Email:
			names[i] = uitext.L("email")
		case Username:
			names[i] = uitext.L("username")
		case ExternalID:
			names[i] = uitext.L("external ID")
		default:
			names[i] = strings.ToLower(f.Label())
		}
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return uitext.F("%s and %s", strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}

// text says whom the conflict is with: "email already used by Anna Müller".
func (c *Conflict) text() string {
	if c.Users > 1 {
		return uitext.F("%s already used by %d different users", onList(c.On), c.Users)
	}
	return uitext.F("%s already used by %s", onList(c.On), c.Name)
}

// duplicateText says which earlier row r repeats: "same email as line 3".
func (p *Plan) duplicateText(r *RowPlan) string {
	return uitext.F("same %s as %s", onList(r.DuplicateOn), p.Rows[r.DuplicateOf].lineRef())
}

// Collision says everything row r collides with, "" when nothing:
// "email already used by Anna Müller; same email as line 3".
func (p *Plan) Collision(r *RowPlan) string {
	var parts []string
	if r.Conflict != nil {
		parts = append(parts, r.Conflict.text())
	}
	if r.DuplicateOf >= 0 {
		parts = append(parts, p.duplicateText(r))
	}
	return strings.Join(parts, "; ")
}

// onlyUsername reports whether fields name the username alone.
func onlyUsername(fields []Field) bool {
	for _, f := range fields {
		if f != Username {
			return false
		}
	}
	return len(fields) > 0
}

// resolve decides each row's action from its problems, duplicates, conflicts and
// the resolution in force.
func (p *Plan) resolve() {
	for i := range p.Rows {
		r := &p.Rows[i]
		r.Action, r.Reason, r.UserID, r.Resolution = Create, "", "", ""
		if len(r.Problems) > 0 {
			r.Action, r.Reason = Fails, problemText(p.Source.Header, r.Problems)
			continue
		}
		if r.DuplicateOf < 0 && r.Conflict == nil {
			continue
		}
		res := p.resolutionOf(i)
		r.Resolution = res
		if r.DuplicateOf >= 0 {
			p.resolveDuplicate(r, res)
		} else {
			p.resolveConflict(r, res)
		}
	}
}

// resolveDuplicate applies res to a row repeating an earlier one.
func (p *Plan) resolveDuplicate(r *RowPlan, res Resolution) {
	first := &p.Rows[r.DuplicateOf]
	what := p.duplicateText(r)
	switch {
	case res == Skip:
		r.Action, r.Reason = Skips, what
	case res == Update:
		first.merge(r)
		r.Action, r.Reason = Skips, uitext.F("%s; merged into it", what)
	case res == Rename && onlyUsername(r.DuplicateOn):
		r.Action = Create
	case res == Rename:
		r.Action, r.Reason = Fails, uitext.F("%s; a new username does not resolve that", what)
	default:
		r.Action, r.Reason = Fails, what
	}
}

// resolveConflict applies res to a row colliding with an existing user.
func (p *Plan) resolveConflict(r *RowPlan, res Resolution) {
	c := r.Conflict
	what := c.text()
	switch {
	case res == Skip:
		r.Action, r.Reason = Skips, what
	case res == Update && c.Users == 1:
		r.Action, r.UserID = Updates, c.UserID
	case res == Update:
		r.Action, r.Reason = Fails, uitext.F("%s; update needs one user", what)
	case res == Rename && onlyUsername(c.On):
		r.Action = Create
	case res == Rename:
		r.Action, r.Reason = Fails, uitext.F("%s; a new username does not resolve that", what)
	default:
		r.Action, r.Reason = Fails, what
	}
}

// merge takes the non-empty values of a later duplicate row into r, except the
// identifying email, username and external ID; units and groups are added up.
func (r *RowPlan) merge(later *RowPlan) {
	vals := r.values.unpack()
	for i, f := range Fields {
		switch f.Field {
		case Email, Username, ExternalID:
			continue
		}
		if v := later.values.get(i); v != "" {
			vals[i] = v
		}
	}
	r.values = packValues(vals)
	if later.roleID != "" {
		r.roleID = later.roleID
	}
	if later.validUntil != nil {
		r.validUntil = later.validUntil
	}
	r.unitIDs = lifecycle.Union(r.unitIDs, later.unitIDs)
	r.groupIDs = lifecycle.Union(r.groupIDs, later.groupIDs)
}

// problemText joins a row's problems into one reason, each with its column.
func problemText(header []string, probs []Problem) string {
	parts := make([]string, len(probs))
	for i, pr := range probs {
		if pr.Column >= 0 {
			parts[i] = columnName(header, pr.Column) + ": " + pr.Message
		} else {
			parts[i] = pr.Message
		}
	}
	return strings.Join(parts, "; ")
}

// manyTakenBases is the number of taken usernames above which assignUsernames reads
// every username of the store instead of those starting with each base.
const manyTakenBases = 200

// assignUsernames gives every created row without a username of its own, and every
// row created under a new username, a username that is free in the store and in
// the file.
func (p *Plan) assignUsernames(ctx context.Context, store Users) error {
	used := make(map[string]bool, len(p.Rows)) // folded usernames the file already claims
	bases, need := p.keepOwnUsernames(used)
	if len(need) == 0 {
		return nil
	}
	taken, all, err := takenUsernames(ctx, store, bases)
	if err != nil {
		return err
	}
	loaded := map[string]bool{} // bases whose suffixed forms are in taken
	next := map[string]int{}    // by folded base, where freeUsername searches on
	for _, i := range need {
		r := &p.Rows[i]
		base := data.Fold(r.Username)
		if taken[base] && !all && !loaded[base] {
			if err := addUsernamesStartingWith(ctx, store, base, taken); err != nil {
				return err
			}
			loaded[base] = true
		}
		r.Username = freeUsername(r.Username, taken, used, next)
		used[data.Fold(r.Username)] = true
	}
	return nil
}

// keepOwnUsernames is the first step of assignUsernames: the rows that keep the
// username of their file get it (and it goes into used); every other created row
// gets its base, the own username or one made from the email and names, and is
// listed in need, with its folded base in bases.
func (p *Plan) keepOwnUsernames(used map[string]bool) (bases []string, need []int) {
	for i := range p.Rows {
		r := &p.Rows[i]
		r.Username = ""
		if r.Action != Create && r.Action != Updates {
			continue
		}
		own := r.Value(Username)
		if own != "" && !r.renamedForUsername() {
			r.Username = own
			used[data.Fold(own)] = true
			continue
		}
		if r.Action != Create {
			continue
		}
		base := own
		if base == "" {
			base = lifecycle.UsernameBase(r.Value(Email), r.Value(FirstName), r.Value(LastName))
		}
		r.Username = base
		bases = append(bases, data.Fold(base))
		need = append(need, i)
	}
	return bases, need
}

// renamedForUsername reports whether the row is created under a new username
// because its conflict or duplicate is on the username alone.
func (r *RowPlan) renamedForUsername() bool {
	return r.Resolution == Rename && ((r.Conflict != nil && onlyUsername(r.Conflict.On)) || onlyUsername(r.DuplicateOn))
}

// takenUsernames returns the folded usernames of the store that are one of bases,
// and, when there are more than manyTakenBases of them, every username of the store
// (all is then set).
func takenUsernames(ctx context.Context, store Users, bases []string) (taken map[string]bool, all bool, err error) {
	existing, err := usersHolding(ctx, store, [3][]string{nil, bases, nil})
	if err != nil {
		return nil, false, err
	}
	taken = map[string]bool{}
	for _, m := range existing {
		taken[m.UsernameFold] = true
	}
	if len(taken) <= manyTakenBases {
		return taken, false, nil
	}
	// Reading every username once is cheaper than a lookup per base.
	if err := addUsernamesStartingWith(ctx, store, "", taken); err != nil {
		return nil, false, err
	}
	return taken, true, nil
}

// addUsernamesStartingWith adds the store's usernames that start with prefix to
// taken.
func addUsernamesStartingWith(ctx context.Context, store Users, prefix string, taken map[string]bool) error {
	names, err := store.UsernamesStartingWith(ctx, prefix)
	if err != nil {
		return err
	}
	for _, n := range names {
		taken[n] = true
	}
	return nil
}

// freeUsername is base, or base with the lowest number from 2 on appended, that is
// neither taken nor used (compared folded). next holds, by folded base, the number
// after the one the last numbered search for that base returned: taken and used
// only grow, so every name before it is still not free, and many rows of the same
// name (a file without emails) search on from there instead of from the start each.
func freeUsername(base string, taken, used map[string]bool, next map[string]int) string {
	key := data.Fold(base)
	name, fold, n := base, key, 2 // n: the number the name after name has
	if start, ok := next[key]; ok {
		name = fmt.Sprintf("%s%d", base, start)
		fold, n = data.Fold(name), start+1
	}
	for taken[fold] || used[fold] {
		name = fmt.Sprintf("%s%d", base, n)
		fold = data.Fold(name)
		n++
	}
	if n > 2 {
		next[key] = n
	}
	return name
}
