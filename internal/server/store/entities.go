package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"onboard/internal/keys"
	"onboard/internal/syncapi"
	"onboard/internal/userrules"
)

// model is a synchronised row of one of the entity tables.
type model interface {
	row() *Row
	// clone returns a copy that apply can change without touching the original.
	clone() model
	// apply sets the fields a client owns from a checked payload.
	apply(p any, actor string)
	// complete reports what a row still lacks after apply, or nil.
	complete() error
	// wire returns the row as the protocol's data type.
	wire() any
	// uniques returns the row's values of its unique columns ("" for none).
	uniques() []uniqueValue
}

// uniqueValue is a row's value of one unique column.
type uniqueValue struct {
	Column string // e.g. "username_fold"
	Field  string // how a refusal names it, e.g. "username"
	Value  string
}

// spec describes one synchronised entity: its table, who may push it, and how its
// payloads are decoded, loaded and inserted.
type spec struct {
	// perms are the permissions of which the operator needs one to push the entity
	// at all; batch.authorize decides for users and keys which one the row needs.
	perms  []syncapi.Permission
	denied string // why a change is refused without perm; "" for the generic reason
	table  string
	fresh  func() model
	decode func(s *Store, raw json.RawMessage) (any, []uniqueValue, error)
	load   func(tx *gorm.DB, ids []string) ([]model, error)
	insert func(tx *gorm.DB, ms []model) error
}

// specs lists the synchronised entities.
var specs = map[syncapi.Entity]*spec{
	// Users, personal keys and invite keys: who may push them depends on the row
	// (see batch.authorize).
	syncapi.EntityUser: {
		perms: []syncapi.Permission{syncapi.PermAddUsers, syncapi.PermManageUsers}, table: "users",
		fresh: func() model { return &User{} }, decode: decodeUser,
		load: loadRows[User], insert: insertRows[User],
	},
	syncapi.EntityUnit: {
		perms: []syncapi.Permission{syncapi.PermManageUnits}, table: "units",
		fresh: func() model { return &Unit{} }, decode: decodeName,
		load: loadRows[Unit], insert: insertRows[Unit],
	},
	syncapi.EntityGroup: {
		perms: []syncapi.Permission{syncapi.PermManageGroups}, table: "groups",
		fresh: func() model { return &Group{} }, decode: decodeName,
		load: loadRows[Group], insert: insertRows[Group],
	},
	// Roles say what people may do, so creating, renaming, deleting a role or
	// changing its permissions is for operators trusted with that.
	syncapi.EntityRole: {
		perms: []syncapi.Permission{syncapi.PermManageRoles}, table: "roles",
		denied: "you may not manage roles: creating, renaming or deleting a role or changing its permissions needs the " +
			string(syncapi.PermManageRoles) + " permission",
		fresh: func() model { return &Role{} }, decode: decodeRole,
		load: loadRows[Role], insert: insertRows[Role],
	},
	syncapi.EntityPersonalKey: {
		perms: []syncapi.Permission{syncapi.PermAddUsers, syncapi.PermManageUsers}, table: "personal_keys",
		fresh: func() model { return &PersonalKey{} }, decode: decodePersonalKey,
		load: loadRows[PersonalKey], insert: insertRows[PersonalKey],
	},
	syncapi.EntityInviteKey: {
		perms: []syncapi.Permission{syncapi.PermAddUsersByLink, syncapi.PermManageInviteKeys}, table: "invite_keys",
		fresh: func() model { return &InviteKey{} }, decode: decodeInviteKey,
		load: loadRows[InviteKey], insert: insertRows[InviteKey],
	},
}

// idChunk is how many IDs one IN list holds: well within SQLite's 32,766 and
// PostgreSQL's 65,535 bound parameters.
const idChunk = 1000

// insertBatch is how many rows one INSERT writes: a user has about 30 columns, so
// 500 rows stay within SQLite's 32,766 bound parameters.
const insertBatch = 500

// loadRows reads the rows with the given IDs, deleted ones included.
func loadRows[T any, P interface {
	*T
	model
}](tx *gorm.DB, ids []string) ([]model, error) {
	var out []model
	for _, c := range chunks(ids, idChunk) {
		var rows []T
		if err := tx.Where("id IN ?", c).Find(&rows).Error; err != nil {
			return nil, err
		}
		for i := range rows {
			out = append(out, P(&rows[i]))
		}
	}
	return out, nil
}

// insertRows inserts new rows in batches.
func insertRows[T any, P interface {
	*T
	model
}](tx *gorm.DB, ms []model) error {
	rows := make([]T, len(ms))
	for i, m := range ms {
		rows[i] = *m.(P)
	}
	return tx.CreateInBatches(rows, insertBatch).Error
}

// Limits on pushed values, so that no value can break an index (PostgreSQL refuses
// index entries over about 2.7 kB) or bloat the database.
const (
	maxShort = 256    // names, username, email, mobile, IDs
	maxLong  = 10000  // notes, invitation text, terms-like texts
	maxIDs   = 1000   // units or groups of one user or key
	maxUses  = 100000 // of one invite key
)

// errPayload is the reason a change's data is refused.
type errPayload struct{ msg string }

func (e *errPayload) Error() string { return e.msg }

func payloadErr(format string, args ...any) error { return &errPayload{fmt.Sprintf(format, args...)} }

// checkLen refuses a string longer than max bytes or not valid UTF-8.
func checkLen(field, v string, max int) error {
	if len(v) > max {
		return payloadErr("%s is longer than %d bytes", field, max)
	}
	if !utf8.ValidString(v) {
		return payloadErr("%s is not valid UTF-8", field)
	}
	return nil
}

// lenCheck is one string checkLens checks.
type lenCheck struct {
	field, value string
	max          int
}

func checkLens(cs ...lenCheck) error {
	for _, c := range cs {
		if err := checkLen(c.field, c.value, c.max); err != nil {
			return err
		}
	}
	return nil
}

func checkIDs(field string, ids []string) error {
	if len(ids) > maxIDs {
		return payloadErr("%s has more than %d entries", field, maxIDs)
	}
	for _, id := range ids {
		if err := checkLen(field, id, maxShort); err != nil {
			return err
		}
	}
	return nil
}

// checkPermissions checks a pushed list of permissions against the catalogue
// (syncapi.AllPermissions) and returns it as the catalogue orders it, without
// repeats; an unknown name is refused, naming it.
func checkPermissions(field string, names []string) ([]string, error) {
	if len(names) > maxIDs {
		return nil, payloadErr("%s has more than %d entries", field, maxIDs)
	}
	for _, n := range names {
		if err := checkLen(field, n, maxShort); err != nil {
			return nil, err
		}
	}
	ps, err := syncapi.CheckPermissions(names)
	if err != nil {
		return nil, payloadErr("%s: %v", field, err)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out, nil
}

func unmarshal(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return payloadErr("the change has no data")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return payloadErr("the data is not valid: %v", err)
	}
	return nil
}

// jsonList stores a list of IDs as a JSON array ("[]" for none).
func jsonList(ids []string) string {
	if len(ids) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ids) // strings always marshal
	return string(b)
}

// parseList reads a JSON array column.
func parseList(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out) // the column is only written by jsonList
	return out
}

// The phases of a user's lifecycle, as the desktop app stores them (userrules).
const (
	phaseNotActivated = string(userrules.PhaseNotActivated)
	phaseInvited      = string(userrules.PhaseInvited)
	phaseActive       = string(userrules.PhaseActive)
)

// fieldsProblem is the refusal of a pushed user whose fields break the desktop's
// rules (userrules.Check), "" when they keep them: a row a desktop could not apply
// would stop every desktop's sync. A value the server already holds for the user
// (old, nil for a new user) is not checked again, as the desktop does not check it
// again on edit: a username valid under earlier rules keeps syncing.
func fieldsProblem(old model, payload any) string {
	u, ok := payload.(*syncapi.User)
	if !ok {
		return ""
	}
	pushed := userrules.Fields{
		FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Username: u.Username,
		Mobile: u.Mobile, ExternalID: u.ExternalID, InvitationText: u.InvitationText, Notes: u.Notes,
		NamesMayBeEmpty: true, // invited from a list of addresses; the person fills them in
	}
	probs := userrules.Check(pushed)
	if o, ok := old.(*User); ok && o != nil {
		kept := userrules.Kept(pushed, userrules.Fields{
			FirstName: o.FirstName, LastName: o.LastName, Email: o.Email, Username: o.Username,
			Mobile: o.Mobile, ExternalID: o.ExternalID, InvitationText: o.InvitationText, Notes: o.Notes,
		})
		probs = slices.DeleteFunc(probs, func(p userrules.Problem) bool { return kept[p.Field] })
	}
	if u.RoleID == "" {
		probs = append(probs, userrules.Problem{Field: "role_id", Message: "role is required"})
	}
	if len(u.UnitIDs) == 0 {
		probs = append(probs, userrules.Problem{Field: "unit_ids", Message: "at least one unit is required"})
	}
	msgs := make([]string, len(probs))
	for i, p := range probs {
		msgs[i] = p.Field + ": " + p.Message
	}
	return strings.Join(msgs, "; ")
}

func decodeUser(_ *Store, raw json.RawMessage) (any, []uniqueValue, error) {
	var u syncapi.User
	if err := unmarshal(raw, &u); err != nil {
		return nil, nil, err
	}
	if !slices.Contains(userrules.Phases, userrules.Phase(u.Phase)) {
		return nil, nil, payloadErr("phase %q is not one of not_activated, invited, active, deactivated", u.Phase)
	}
	err := checkLens(lenCheck{"first_name", u.FirstName, maxShort}, lenCheck{"last_name", u.LastName, maxShort},
		lenCheck{"email", u.Email, maxShort}, lenCheck{"username", u.Username, maxShort},
		lenCheck{"mobile", u.Mobile, maxShort}, lenCheck{"external_id", u.ExternalID, maxShort},
		lenCheck{"role_id", u.RoleID, maxShort}, lenCheck{"invitation_text", u.InvitationText, maxLong},
		lenCheck{"notes", u.Notes, maxLong})
	if err == nil {
		err = errors.Join(checkIDs("unit_ids", u.UnitIDs), checkIDs("group_ids", u.GroupIDs))
	}
	if err == nil {
		u.ExtraPermissions, err = checkPermissions("extra_permissions", u.ExtraPermissions)
	}
	if err != nil {
		return nil, nil, err
	}
	return &u, userUniques(fold(u.Username), fold(u.Email), fold(u.ExternalID)), nil
}

func userUniques(username, email, externalID string) []uniqueValue {
	return []uniqueValue{
		{Column: "username_fold", Field: "username", Value: username},
		{Column: "email_fold", Field: "email", Value: email},
		{Column: "external_id_fold", Field: "external ID", Value: externalID},
	}
}

func (u *User) clone() model { c := *u; return &c }

func (u *User) apply(p any, actor string) {
	w := p.(*syncapi.User)
	u.FirstName, u.LastName, u.NamesLocked = w.FirstName, w.LastName, w.NamesLocked
	u.Email, u.EmailFold = w.Email, fold(w.Email)
	u.Username, u.UsernameFold = w.Username, fold(w.Username)
	u.Mobile = w.Mobile
	u.ExternalID, u.ExternalIDFold = w.ExternalID, fold(w.ExternalID)
	u.RoleID, u.ExtraPermissions = w.RoleID, jsonList(w.ExtraPermissions)
	u.UnitIDs, u.GroupIDs = jsonList(w.UnitIDs), jsonList(w.GroupIDs)
	u.InvitationText, u.Notes = w.InvitationText, w.Notes
	u.Phase = w.Phase
	u.KeyExpiresAt, u.InvitedAt = dbTimePtr(w.KeyExpiresAt), dbTimePtr(w.InvitedAt)
	u.ActivatedAt, u.DeactivatedAt = dbTimePtr(w.ActivatedAt), dbTimePtr(w.DeactivatedAt)
	u.InviteKeyID = w.InviteKeyID
	u.UpdatedBy = actor
}

func (u *User) complete() error { return nil }

func (u *User) wire() any {
	return &syncapi.User{
		FirstName: u.FirstName, LastName: u.LastName, NamesLocked: u.NamesLocked,
		Email: u.Email, Username: u.Username, Mobile: u.Mobile, ExternalID: u.ExternalID,
		RoleID: u.RoleID, ExtraPermissions: parseList(u.ExtraPermissions), UnitIDs: parseList(u.UnitIDs), GroupIDs: parseList(u.GroupIDs),
		InvitationText: u.InvitationText, Notes: u.Notes, Phase: u.Phase,
		KeyExpiresAt: u.KeyExpiresAt, InvitedAt: u.InvitedAt, ActivatedAt: u.ActivatedAt,
		DeactivatedAt: u.DeactivatedAt, InviteKeyID: u.InviteKeyID, UpdatedBy: u.UpdatedBy,
	}
}

func (u *User) uniques() []uniqueValue {
	return userUniques(u.UsernameFold, u.EmailFold, u.ExternalIDFold)
}

func decodeName(_ *Store, raw json.RawMessage) (any, []uniqueValue, error) {
	var u syncapi.Unit
	if err := unmarshal(raw, &u); err != nil {
		return nil, nil, err
	}
	if err := checkName(u.Name); err != nil {
		return nil, nil, err
	}
	return &u, nil, nil
}

func (u *Unit) clone() model                  { c := *u; return &c }
func (u *Unit) apply(p any, _ string)         { u.Name = p.(*syncapi.Unit).Name }
func (u *Unit) complete() error               { return nil }
func (u *Unit) wire() any                     { return &syncapi.Unit{Name: u.Name} }
func (u *Unit) uniques() []uniqueValue        { return nil }
func (g *Group) clone() model                 { c := *g; return &c }
func (g *Group) apply(p any, _ string)        { g.Name = p.(*syncapi.Unit).Name }
func (g *Group) complete() error              { return nil }
func (g *Group) wire() any                    { return &syncapi.Unit{Name: g.Name} }
func (g *Group) uniques() []uniqueValue       { return nil }
func (r *Role) clone() model                  { c := *r; return &c }
func (r *Role) complete() error               { return nil }
func (r *Role) uniques() []uniqueValue        { return nil }
func (k *PersonalKey) clone() model           { c := *k; return &c }
func (k *PersonalKey) complete() error        { return nil }
func (k *InviteKey) clone() model             { c := *k; return &c }
func (k *PersonalKey) uniques() []uniqueValue { return keyUniques("key_hash", k.KeyHash) }
func (k *InviteKey) uniques() []uniqueValue   { return keyUniques("key_hmac", k.KeyHMAC) }

func keyUniques(column, value string) []uniqueValue {
	return []uniqueValue{{Column: column, Field: "key", Value: value}}
}

// checkName refuses the name of a unit, group or role that the desktop would not
// take (userrules.CatalogNameProblem).
func checkName(name string) error {
	if err := checkLen("name", name, maxShort); err != nil {
		return err
	}
	if msg := userrules.CatalogNameProblem(name); msg != "" {
		return payloadErr("name: %s", msg)
	}
	return nil
}

func decodeRole(_ *Store, raw json.RawMessage) (any, []uniqueValue, error) {
	var r syncapi.Role
	if err := unmarshal(raw, &r); err != nil {
		return nil, nil, err
	}
	if err := checkName(r.Name); err != nil {
		return nil, nil, err
	}
	var err error
	if r.Permissions, err = checkPermissions("permissions", r.Permissions); err != nil {
		return nil, nil, err
	}
	return &r, nil, nil
}

func (r *Role) apply(p any, _ string) {
	w := p.(*syncapi.Role)
	r.Name, r.Permissions = w.Name, jsonList(w.Permissions)
}

func (r *Role) wire() any { return &syncapi.Role{Name: r.Name, Permissions: parseList(r.Permissions)} }

func decodePersonalKey(_ *Store, raw json.RawMessage) (any, []uniqueValue, error) {
	var k syncapi.PersonalKey
	if err := unmarshal(raw, &k); err != nil {
		return nil, nil, err
	}
	if err := checkLen("user_id", k.UserID, maxShort); err != nil {
		return nil, nil, err
	}
	if k.UserID == "" {
		return nil, nil, payloadErr("user_id is empty")
	}
	if b, err := hex.DecodeString(k.KeyHash); err != nil || len(b) != sha256.Size {
		return nil, nil, payloadErr("key_hash is not a hex SHA-256")
	}
	if k.ExpiresAt.IsZero() {
		return nil, nil, payloadErr("expires_at is missing")
	}
	return &k, keyUniques("key_hash", k.KeyHash), nil
}

// apply takes the client's fields; RedeemedAt belongs to the server, which alone
// redeems keys.
func (k *PersonalKey) apply(p any, _ string) {
	w := p.(*syncapi.PersonalKey)
	k.UserID, k.KeyHash = w.UserID, w.KeyHash
	k.IssuedAt, k.ExpiresAt = dbTime(w.IssuedAt), dbTime(w.ExpiresAt)
	k.RevokedAt = dbTimePtr(w.RevokedAt)
}

func (k *PersonalKey) wire() any {
	return &syncapi.PersonalKey{
		UserID: k.UserID, KeyHash: k.KeyHash, IssuedAt: k.IssuedAt,
		ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt, RedeemedAt: k.RedeemedAt,
	}
}

// inviteKeyPayload is a decoded invite key with the HMAC of its key ("" when the
// change does not carry the key).
type inviteKeyPayload struct {
	syncapi.InviteKey
	hmac string
}

func decodeInviteKey(s *Store, raw json.RawMessage) (any, []uniqueValue, error) {
	var k inviteKeyPayload
	if err := unmarshal(raw, &k.InviteKey); err != nil {
		return nil, nil, err
	}
	err := checkLens(lenCheck{"label", k.Label, maxShort}, lenCheck{"role_id", k.RoleID, maxShort})
	if err == nil {
		err = errors.Join(checkIDs("unit_ids", k.UnitIDs), checkIDs("group_ids", k.GroupIDs))
	}
	if err != nil {
		return nil, nil, err
	}
	switch {
	case userrules.HasControl(k.Label):
		return nil, nil, payloadErr("label must be one line")
	case k.RoleID == "":
		return nil, nil, payloadErr("role_id: role is required")
	case len(k.UnitIDs) == 0:
		return nil, nil, payloadErr("unit_ids: at least one unit is required")
	}
	if k.MaxUses < 1 || k.MaxUses > maxUses {
		return nil, nil, payloadErr("max_uses must be from 1 to %d", maxUses)
	}
	if k.ValidUntil.IsZero() {
		return nil, nil, payloadErr("valid_until is missing")
	}
	var uniq []uniqueValue
	if k.Key != "" {
		canon, err := keys.Parse(keys.Invite, k.Key)
		if err != nil {
			return nil, nil, payloadErr("key: %v", err)
		}
		k.hmac = s.inviteHMAC(canon)
		uniq = keyUniques("key_hmac", k.hmac)
	}
	k.Key = "" // forgotten from here on
	return &k, uniq, nil
}

// apply takes the client's fields; Uses belongs to the server, which alone counts
// registrations. A change without the key keeps the stored HMAC.
func (k *InviteKey) apply(p any, _ string) {
	w := p.(*inviteKeyPayload)
	k.Label, k.RoleID = w.Label, w.RoleID
	k.UnitIDs, k.GroupIDs = jsonList(w.UnitIDs), jsonList(w.GroupIDs)
	k.ValidUntil, k.MaxUses, k.RevokedAt = dbTime(w.ValidUntil), w.MaxUses, dbTimePtr(w.RevokedAt)
	if w.hmac != "" {
		k.KeyHMAC = w.hmac
	}
}

func (k *InviteKey) complete() error {
	if k.KeyHMAC == "" {
		return payloadErr("a new invite key needs its key")
	}
	return nil
}

func (k *InviteKey) wire() any {
	return &syncapi.InviteKey{
		Label: k.Label, RoleID: k.RoleID, UnitIDs: parseList(k.UnitIDs),
		GroupIDs: parseList(k.GroupIDs), ValidUntil: k.ValidUntil, MaxUses: k.MaxUses,
		Uses: k.Uses, RevokedAt: k.RevokedAt,
	}
}

// inviteHMAC is what the database keeps of an invite key in canonical form.
func (s *Store) inviteHMAC(canonical string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(canonical))
	return hex.EncodeToString(m.Sum(nil))
}

// record builds the wire form of a row.
func record(e syncapi.Entity, m model) (syncapi.Record, error) {
	r := m.row()
	rec := syncapi.Record{Entity: e, ID: r.ID, Version: r.Version, Deleted: r.DeletedAt != nil}
	if !rec.Deleted {
		b, err := json.Marshal(m.wire())
		if err != nil {
			return rec, fmt.Errorf("encode %s %s: %w", e, r.ID, err)
		}
		rec.Data = b
	}
	return rec, nil
}
