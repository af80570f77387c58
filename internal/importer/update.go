package importer

import (
	"context"
	"slices"
	"strings"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/uitext"
)

// Unchanged is the action of a row of an update from a list that lists an
// existing user as the user is: nothing is written for it.
const Unchanged Action = "unchanged"

// Change is one field an update from a list changes of a user, with the values
// as the preview shows them (units by name: "5a" → "6a").
type Change struct {
	Field    Field
	From, To string
}

// String is the change as one line: "Units: 5a → 6a".
func (c Change) String() string {
	from := c.From
	if from == "" {
		from = uitext.L("(empty)")
	}
	return uitext.F("%s: %s → %s", uitext.L(c.Field.Label()), from, c.To)
}

// AbsentUser is a user of a unit the file covers whom the file does not list.
type AbsentUser struct {
	ID          string
	Name        string
	Username    string
	Units       string // the user's units, by name
	Deactivated bool   // already deactivated
}

// listMatch is the matching of an update from a list: the store's users, looked
// up by external ID, email and name, and which row lists which user.
type listMatch struct {
	plan   *Plan
	cat    *catalog
	users  []data.ListedUser
	byExt  map[string]int
	byMail map[string]int
	byUser map[string]int // by folded username
	byName map[string][]int
	rowOf  map[int]int // user index → the first row matched to the user
	userOf map[int]int // row index → the user matched to it
}

// nameKey is how an update from a list compares names.
func nameKey(first, last string) string { return data.Fold(first) + "\x00" + data.Fold(last) }

// matchList matches the rows of an update from a list to existing users: by
// external ID, else email, else username (an export of Onboard has it), else
// first and last name when exactly one user bears them (and neither side has an
// external ID or email that tells them apart).
// Matched rows get UserID; rows whose match is unclear get a Reason and fail in
// resolveList. It also finds the absent users.
func (p *Plan) matchList(ctx context.Context, store Users, cat *catalog) (*listMatch, error) {
	users, err := store.ListedUsers(ctx)
	if err != nil {
		return nil, err
	}
	m := &listMatch{
		plan: p, cat: cat, users: users, byExt: map[string]int{}, byMail: map[string]int{}, byUser: map[string]int{},
		byName: map[string][]int{}, rowOf: map[int]int{}, userOf: map[int]int{},
	}
	for i := range users {
		u := &users[i]
		if k := data.Fold(u.ExternalID); k != "" {
			m.byExt[k] = i
		}
		if k := data.Fold(u.Email); k != "" {
			m.byMail[k] = i
		}
		m.byUser[data.Fold(u.Username)] = i
		k := nameKey(u.FirstName, u.LastName)
		m.byName[k] = append(m.byName[k], i)
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		r.UserID, r.Reason = "", ""
		u, why := m.find(r)
		switch {
		case why != "":
			r.Reason = why
		case u < 0:
		case m.taken(u, i):
			r.Reason = uitext.F("lists the same user as %s", p.Rows[m.rowOf[u]].lineRef())
		default:
			m.rowOf[u], m.userOf[i] = i, u
			r.UserID = users[u].ID
		}
	}
	p.Absent = m.absent()
	return m, nil
}

// taken reports whether user u was matched to a row before row i.
func (m *listMatch) taken(u, i int) bool {
	j, ok := m.rowOf[u]
	return ok && j != i
}

// find returns the index of the user row r lists, -1 for none, or why the row
// cannot be matched safely.
func (m *listMatch) find(r *RowPlan) (int, string) {
	ext, mail := data.Fold(r.Value(ExternalID)), data.Fold(r.Value(Email))
	if u, ok := m.byExt[ext]; ok && ext != "" {
		return u, ""
	}
	if u, ok := m.byMail[mail]; ok && mail != "" {
		return m.unlessOtherID(u, r, uitext.L("the email"))
	}
	if name := data.Fold(r.Value(Username)); name != "" {
		if u, ok := m.byUser[name]; ok {
			return m.unlessOtherID(u, r, uitext.L("the username"))
		}
	}
	var fits []int
	for _, u := range m.byName[nameKey(r.Value(FirstName), r.Value(LastName))] {
		c := &m.users[u]
		if (ext == "" || c.ExternalID == "") && (mail == "" || c.Email == "") {
			fits = append(fits, u)
		}
	}
	switch {
	case len(fits) == 1:
		return fits[0], ""
	case len(fits) > 1:
		return -1, uitext.F("%d users are named %s; add an external ID or email column to tell them apart", len(fits), r.Name())
	}
	return -1, ""
}

// UnitsOf names the units row r puts its user in: "5a, Chor".
func (p *Plan) UnitsOf(r *RowPlan) string {
	return strings.Join(p.cat.unitNames(setOf(r.unitIDs)), ", ")
}

// unlessOtherID returns user u for row r, unless both have external IDs (which then
// differ): what matched them (what, "the email") belongs to someone else.
func (m *listMatch) unlessOtherID(u int, r *RowPlan, what string) (int, string) {
	if other := m.users[u].ExternalID; r.Value(ExternalID) != "" && other != "" {
		return -1, uitext.F("%s belongs to %s, whose external ID is %s, not %s",
			what, m.users[u].FullName(), other, r.Value(ExternalID))
	}
	return u, ""
}

// coveredUnits are the units absent users are looked for in: those the rows name,
// the import's own, and the extra ones the operator chose.
func (p *Plan) coveredUnits() map[string]bool {
	out := map[string]bool{}
	for _, id := range p.Settings.UnitIDs {
		out[id] = true
	}
	for _, id := range p.Settings.AbsentUnitIDs {
		out[id] = true
	}
	for i := range p.Rows {
		for _, id := range p.Rows[i].unitIDs {
			out[id] = true
		}
	}
	return out
}

// absent returns the users in the covered units that no row lists.
func (m *listMatch) absent() []AbsentUser {
	covered := m.plan.coveredUnits()
	m.plan.Covered = m.cat.unitNames(covered)
	var out []AbsentUser
	for i := range m.users {
		u := &m.users[i]
		if _, listed := m.rowOf[i]; listed || !slices.ContainsFunc(u.UnitIDs, func(id string) bool { return covered[id] }) {
			continue
		}
		out = append(out, AbsentUser{
			ID: u.ID, Name: u.FullName(), Username: u.Username, Units: strings.Join(m.cat.unitNames(setOf(u.UnitIDs)), ", "),
			Deactivated: u.Phase == string(data.PhaseDeactivated),
		})
	}
	slices.SortFunc(out, func(a, b AbsentUser) int { return strings.Compare(a.Units+"\x00"+a.Name, b.Units+"\x00"+b.Name) })
	return out
}

func setOf(ids []string) map[string]bool {
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// resolveList decides each row's action in an update from a list: rows with
// problems fail, repeated rows follow the conflict rule, a matched row updates its
// user (or is unchanged), a row that collides with a user it was not matched to
// fails, and the rest create users.
func (p *Plan) resolveList(m *listMatch) {
	for i := range p.Rows {
		r := &p.Rows[i]
		why := r.Reason
		r.Action, r.Reason, r.Resolution, r.Changes = Create, "", "", nil
		res := p.resolutionOf(i)
		switch {
		case len(r.Problems) > 0:
			r.Action, r.Reason, r.UserID = Fails, problemText(p.Source.Header, r.Problems), ""
		case r.DuplicateOf >= 0:
			r.Resolution, r.UserID = res, ""
			p.resolveDuplicate(r, res)
		case why != "":
			r.Action, r.Reason, r.UserID = Fails, why, ""
		case r.UserID != "" && r.Conflict != nil && (r.Conflict.Users > 1 || r.Conflict.UserID != r.UserID):
			r.Action, r.Reason, r.UserID = Fails, r.Conflict.text(), ""
		case r.UserID != "":
			r.Changes = m.changes(r, &m.users[m.userOf[i]])
			if r.Action = Updates; len(r.Changes) == 0 {
				r.Action = Unchanged
			}
		case r.Conflict != nil:
			if res == Update {
				res = Fail // a row that matched no user updates none
			}
			r.Resolution = res
			p.resolveConflict(r, res)
		}
	}
}

// changes lists what row r changes of user u: the non-empty values that differ
// (names, email, username and external ID in more than case: a list in capitals
// changes nobody), the units when the row names others (they replace the
// user's), the groups the user is not in yet (they are added).
func (m *listMatch) changes(r *RowPlan, u *data.ListedUser) []Change {
	var out []Change
	for _, f := range []struct {
		field Field
		have  string
		fold  bool
	}{
		{FirstName, u.FirstName, true},
		{LastName, u.LastName, true},
		{Email, u.Email, true},
		{Username, u.Username, true},
		{Mobile, u.Mobile, false},
		{ExternalID, u.ExternalID, true},
		{InvitationText, u.InvitationText, false},
		{Notes, u.Notes, false},
	} {
		v := strings.TrimSpace(r.Value(f.field))
		if v == "" || v == f.have || (f.fold && data.Fold(v) == data.Fold(f.have)) {
			continue
		}
		out = append(out, Change{Field: f.field, From: f.have, To: v})
	}
	if r.Value(Role) != "" && r.roleID != u.RoleID {
		out = append(out, Change{Field: Role, From: m.cat.roleName(u.RoleID), To: m.cat.roleName(r.roleID)})
	}
	if len(r.unitIDs) > 0 && !sameSet(r.unitIDs, u.UnitIDs) {
		out = append(out, Change{
			Field: Units, From: strings.Join(m.cat.unitNames(setOf(u.UnitIDs)), ", "),
			To: strings.Join(m.cat.unitNames(setOf(r.unitIDs)), ", "),
		})
	}
	if added := lifecycle.Union(u.GroupIDs, r.groupIDs)[len(u.GroupIDs):]; len(added) > 0 {
		out = append(out, Change{
			Field: Groups, From: strings.Join(m.cat.groupNames(setOf(u.GroupIDs)), ", "),
			To: strings.Join(m.cat.groupNames(setOf(lifecycle.Union(u.GroupIDs, added))), ", "),
		})
	}
	return out
}

// sameSet reports whether a and b hold the same IDs.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := setOf(a)
	for _, x := range b {
		if !in[x] {
			return false
		}
	}
	return true
}
