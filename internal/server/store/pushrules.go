package store

import (
	"fmt"
	"slices"
	"strings"

	"onboard/internal/syncapi"
	"onboard/internal/userrules"
)

// The rules a push is checked against beyond the form of its data: who may change
// which row (authorize), what a row may refer to (refProblem), which phase changes
// and personal keys the lifecycle allows (lifecycleProblem), and which rows may
// not be deleted while others use them (inUse).

// want notes that the batch needs the row (e, id) to decide, when it has not read
// it yet.
func (b *batch) want(ids map[syncapi.Entity][]string, e syncapi.Entity, id string) {
	k := rowKey{e, id}
	if id == "" || b.rows[k] != nil {
		return
	}
	b.rows[k] = &rowState{}
	ids[e] = append(ids[e], id)
}

// wantRefs notes the rows a decoded payload refers to.
func (b *batch) wantRefs(ids map[syncapi.Entity][]string, p any) {
	switch w := p.(type) {
	case *syncapi.User:
		b.want(ids, syncapi.EntityRole, w.RoleID)
		for _, id := range w.UnitIDs {
			b.want(ids, syncapi.EntityUnit, id)
		}
		for _, id := range w.GroupIDs {
			b.want(ids, syncapi.EntityGroup, id)
		}
		if w.InviteKeyID != nil {
			b.want(ids, syncapi.EntityInviteKey, *w.InviteKeyID)
		}
	case *inviteKeyPayload:
		b.want(ids, syncapi.EntityRole, w.RoleID)
		for _, id := range w.UnitIDs {
			b.want(ids, syncapi.EntityUnit, id)
		}
		for _, id := range w.GroupIDs {
			b.want(ids, syncapi.EntityGroup, id)
		}
	case *syncapi.PersonalKey:
		b.want(ids, syncapi.EntityUser, w.UserID)
	}
}

// wantLoaded notes the rows that rows read already point to and the rules need:
// a personal key's user, and the invite key a user registered with (its creator
// is the user's).
func (b *batch) wantLoaded(ids map[syncapi.Entity][]string) {
	for _, st := range b.rows {
		switch m := st.m.(type) {
		case *PersonalKey:
			b.want(ids, syncapi.EntityUser, m.UserID)
		case *User:
			if m.CreatedBy == "" && m.InviteKeyID != nil {
				b.want(ids, syncapi.EntityInviteKey, *m.InviteKeyID)
			}
		}
	}
}

// live returns the row (e, id) as the batch sees it now, nil when the server has
// no such row.
func (b *batch) live(e syncapi.Entity, id string) model {
	if st := b.rows[rowKey{e, id}]; st != nil {
		return st.m
	}
	return nil
}

// userOwner is the ID of the operator a user belongs to: who created the user, or
// for a user who registered through an invite key, who created the key; "" when
// unknown.
func (b *batch) userOwner(u *User) string {
	if u.CreatedBy != "" || u.InviteKeyID == nil {
		return u.CreatedBy
	}
	if k, ok := b.live(syncapi.EntityInviteKey, *u.InviteKeyID).(*InviteKey); ok {
		return k.CreatedBy
	}
	return ""
}

// userDenied says why the operator may not change or delete the existing user u
// (or a personal key of u), "" when it may. The rule: an operator with
// manage-users may change every user; an operator with add-users the users it
// created (and those who registered through its invite keys); nobody else any.
func (b *batch) userDenied(u *User) string {
	switch {
	case b.op.Has(syncapi.PermManageUsers):
		return ""
	case !b.op.Has(syncapi.PermAddUsers):
		return fmt.Sprintf("changing users needs the %s permission (for the users you created) or %s",
			syncapi.PermAddUsers, syncapi.PermManageUsers)
	case b.userOwner(u) == b.op.ID:
		return ""
	}
	return fmt.Sprintf("the user %q was created by another operator (or registered through another operator's invite key): "+
		"changing or deleting it, or its keys, needs the %s permission", u.Username, syncapi.PermManageUsers)
}

// authorize says why the operator may not push change it over the row's current
// state old (nil for a new row), "" when it may. The entities with one permission
// for every change were checked in decode already.
func (b *batch) authorize(it *pending, old model) string {
	switch o := old.(type) {
	case nil:
		if it.c.Entity == syncapi.EntityUser && !b.op.Has(syncapi.PermAddUsers) {
			return fmt.Sprintf("creating a user needs the %s permission", syncapi.PermAddUsers)
		}
		if it.c.Entity == syncapi.EntityInviteKey && !b.op.Has(syncapi.PermAddUsersByLink) {
			return fmt.Sprintf("creating an invite key needs the %s permission", syncapi.PermAddUsersByLink)
		}
	case *User:
		return b.userDenied(o)
	case *InviteKey:
		return b.inviteKeyDenied(o)
	}
	if it.c.Entity == syncapi.EntityPersonalKey {
		return b.keyDenied(it, old)
	}
	return ""
}

// inviteKeyDenied says why the operator may not change, revoke or delete the
// invite key k, "" when it may: as with users, manage-invite-keys allows every
// key, add-users-by-link the operator's own.
func (b *batch) inviteKeyDenied(k *InviteKey) string {
	switch {
	case b.op.Has(syncapi.PermManageInviteKeys):
		return ""
	case !b.op.Has(syncapi.PermAddUsersByLink):
		return fmt.Sprintf("changing invite keys needs the %s permission (for the keys you created) or %s",
			syncapi.PermAddUsersByLink, syncapi.PermManageInviteKeys)
	case k.CreatedBy == b.op.ID:
		return ""
	}
	return fmt.Sprintf("the invite key %q was created by another operator: changing, revoking or deleting it needs the %s permission",
		k.Label, syncapi.PermManageInviteKeys)
}

// keyDenied says why the operator may not push a personal key change: the key's
// user must exist, and changing a user's keys is changing the user.
func (b *batch) keyDenied(it *pending, old model) string {
	var uid string
	if p, ok := it.payload.(*syncapi.PersonalKey); ok {
		uid = p.UserID
	}
	if o, ok := old.(*PersonalKey); ok {
		if uid != "" && uid != o.UserID {
			return "a personal key's user_id cannot change"
		}
		uid = o.UserID
	}
	u, ok := b.live(syncapi.EntityUser, uid).(*User)
	if !ok {
		return fmt.Sprintf("the server has no user %s for this personal key (was the user refused?)", uid)
	}
	return b.userDenied(u)
}

// registered reports whether the person has registered once: the server holds a
// password for them, or their row says so (active, or an activation time).
func registered(u *User) bool {
	return u.PasswordHash != "" || u.ActivatedAt != nil || u.Phase == phaseActive
}

// lifecycleProblem says why next may not follow old (nil for a new row) in the
// user lifecycle (userrules), "" when it may: a registered user never returns to
// a pending phase, and gets no usable personal key, for either would let someone
// register over the account. Resetting a registered person's credentials is not
// offered through sync at all.
func (b *batch) lifecycleProblem(old, next model) string {
	switch n := next.(type) {
	case *User:
		o, ok := old.(*User)
		if !ok || userrules.PhaseChangeAllowed(userrules.Phase(o.Phase), userrules.Phase(n.Phase), registered(o)) {
			return ""
		}
		return fmt.Sprintf("the user %q cannot go from %s to %s: %s", o.Username, o.Phase, n.Phase, registeredText(o))
	case *PersonalKey:
		if n.RevokedAt != nil || n.RedeemedAt != nil {
			return ""
		}
		u := b.live(syncapi.EntityUser, n.UserID).(*User) // keyDenied found it
		switch {
		case u.DeletedAt != nil:
			return fmt.Sprintf("the user %q is deleted: a usable personal key for them is refused", u.Username)
		case !userrules.MayGetKey(userrules.Phase(u.Phase), registered(u)):
			return fmt.Sprintf("the user %q cannot get a new personal key: %s", u.Username, registeredText(u))
		}
	}
	return ""
}

func registeredText(u *User) string {
	return fmt.Sprintf("they registered already (phase %s); a new invitation or key for a registered account is refused, "+
		"as it would let someone set a new password over it", u.Phase)
}

// refProblem says which row next refers to that the server does not have (or has
// deleted), "" when every reference holds: a desktop could not apply the row.
func (b *batch) refProblem(next model) string {
	var role string
	var units, groups []string
	switch n := next.(type) {
	case *User:
		role, units, groups = n.RoleID, parseList(n.UnitIDs), parseList(n.GroupIDs)
		if n.InviteKeyID != nil && b.live(syncapi.EntityInviteKey, *n.InviteKeyID) == nil {
			return fmt.Sprintf("invite_key_id: the server has no invite key %s", *n.InviteKeyID)
		}
	case *InviteKey:
		role, units, groups = n.RoleID, parseList(n.UnitIDs), parseList(n.GroupIDs)
	default:
		return ""
	}
	if msg := b.missing("role_id", syncapi.EntityRole, []string{role}); msg != "" {
		return msg
	}
	if msg := b.missing("unit_ids", syncapi.EntityUnit, units); msg != "" {
		return msg
	}
	return b.missing("group_ids", syncapi.EntityGroup, groups)
}

// missing names the first of ids that is no live row of entity e.
func (b *batch) missing(field string, e syncapi.Entity, ids []string) string {
	for _, id := range ids {
		m := b.live(e, id)
		switch {
		case m == nil:
			return fmt.Sprintf("%s: the server has no %s %s (was it refused, or not pushed yet?)", field, e, id)
		case m.row().DeletedAt != nil:
			return fmt.Sprintf("%s: the %s %q was deleted", field, e, nameOf(m))
		}
	}
	return ""
}

// nameOf is how a refusal names a unit, group, role or invite key.
func nameOf(m model) string {
	switch x := m.(type) {
	case *Unit:
		return x.Name
	case *Group:
		return x.Name
	case *Role:
		return x.Name
	case *InviteKey:
		return x.Label
	case *User:
		return x.Username
	}
	return m.row().ID
}

// refersTo reports whether a live user or invite key m uses the unit, group or
// role (e, id).
func refersTo(m model, e syncapi.Entity, id string) bool {
	if m == nil || m.row().DeletedAt != nil {
		return false
	}
	var role, units, groups string
	switch x := m.(type) {
	case *User:
		role, units, groups = x.RoleID, x.UnitIDs, x.GroupIDs
	case *InviteKey:
		role, units, groups = x.RoleID, x.UnitIDs, x.GroupIDs
	default:
		return false
	}
	switch e {
	case syncapi.EntityRole:
		return role == id
	case syncapi.EntityUnit:
		return slices.Contains(parseList(units), id)
	case syncapi.EntityGroup:
		return slices.Contains(parseList(groups), id)
	}
	return false
}

// refColumn is the column of users and invite keys that refers to entity e, and
// whether it holds a JSON list.
var refColumn = map[syncapi.Entity]struct {
	column string
	list   bool
}{
	syncapi.EntityRole:  {"role_id", false},
	syncapi.EntityUnit:  {"unit_ids", true},
	syncapi.EntityGroup: {"group_ids", true},
}

// inUse says why the unit, group or role old may not be deleted, "" when no live
// user or invite key uses it (as the batch has them now): a deleted row that
// users still point to is one no desktop can show or fix.
func (b *batch) inUse(old model) (string, error) {
	var e syncapi.Entity
	switch old.(type) {
	case *Unit:
		e = syncapi.EntityUnit
	case *Group:
		e = syncapi.EntityGroup
	case *Role:
		e = syncapi.EntityRole
	default:
		return "", nil
	}
	id := old.row().ID
	users, err := b.countUsing(syncapi.EntityUser, e, id)
	if err != nil {
		return "", err
	}
	keys, err := b.countUsing(syncapi.EntityInviteKey, e, id)
	if err != nil || users+keys == 0 {
		return "", err
	}
	var what []string
	if users > 0 {
		what = append(what, plural(users, "user"))
	}
	if keys > 0 {
		what = append(what, plural(keys, "invite key"))
	}
	return fmt.Sprintf("the %s %q is still used by %s: move them to another %s before deleting it",
		e, nameOf(old), strings.Join(what, " and "), e), nil
}

// countUsing counts the live rows of entity by (users or invite keys) that use the
// row (e, id): those in the database that the batch has not changed, and those the
// batch holds.
func (b *batch) countUsing(by, e syncapi.Entity, id string) (int, error) {
	rc := refColumn[e]
	q := b.tx.Table(specs[by].table).Where("deleted_at IS NULL")
	if rc.list {
		q = q.Where(rc.column+" LIKE ?", `%"`+id+`"%`) // IDs are JSON strings; refersTo decides
	} else {
		q = q.Where(rc.column+" = ?", id)
	}
	var found []string
	if err := q.Pluck("id", &found).Error; err != nil {
		return 0, fmt.Errorf("count the %s rows using %s %s: %w", by, e, id, err)
	}
	n := 0
	for _, fid := range found {
		if b.rows[rowKey{by, fid}] == nil {
			n++
		}
	}
	for k, st := range b.rows {
		if k.entity == by && refersTo(st.m, e, id) {
			n++
		}
	}
	return n, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
