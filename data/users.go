package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"

	"onboard/internal/natsort"
)

// UserByID returns a user that is not deleted.
func (s *Store) UserByID(ctx context.Context, id string) (*User, error) {
	var u User
	err := s.rdb.WithContext(ctx).Where("id = ?", id).First(&u).Error
	return &u, notFound(err, "user "+id)
}

// CreateUser stores a new user with its units and groups.
func (s *Store) CreateUser(ctx context.Context, u *User, unitIDs, groupIDs []string) error {
	if err := s.db.WithContext(ctx).Create(u).Error; err != nil {
		return fmt.Errorf("create user %s: %w", u.Username, err)
	}
	if err := s.SetUserUnits(ctx, u.ID, unitIDs); err != nil {
		return err
	}
	if err := s.SetUserGroups(ctx, u.ID, groupIDs); err != nil {
		return err
	}
	// The links counted as changes of the row: u gets the version it now has, so
	// that a save of u counts on from there.
	return wrap(s.db.WithContext(ctx).Raw(`SELECT version FROM users WHERE id = ?`, u.ID).Scan(&u.Version).Error, "create user "+u.Username)
}

// SaveUser writes every field of an existing user and counts the change.
func (s *Store) SaveUser(ctx context.Context, u *User) error {
	return wrap(s.db.WithContext(ctx).Save(u).Error, "save user "+u.Username)
}

// TombstoneUser marks a user deleted; the row stays for sync.
func (s *Store) TombstoneUser(ctx context.Context, u *User, at time.Time) error {
	u.DeletedAt = gorm.DeletedAt{Time: at.UTC(), Valid: true}
	return wrap(s.db.WithContext(ctx).Unscoped().Save(u).Error, "delete user "+u.Username)
}

// SetUserUnits replaces the units of a user.
func (s *Store) SetUserUnits(ctx context.Context, userID string, unitIDs []string) error {
	return s.replaceLinks(ctx, "user_units", "unit_id", userID, unitIDs)
}

// SetUserGroups replaces the groups of a user.
func (s *Store) SetUserGroups(ctx context.Context, userID string, groupIDs []string) error {
	return s.replaceLinks(ctx, "user_groups", "group_id", userID, groupIDs)
}

// replaceLinks replaces the rows of a link table of one user. The links are part of
// the user's row for sync, so the user's version counts the change.
func (s *Store) replaceLinks(ctx context.Context, table, column, userID string, ids []string) error {
	db := s.db.WithContext(ctx)
	if err := bumpUsers(db, "id = ?", userID); err != nil {
		return fmt.Errorf("update %s: %w", table, err)
	}
	if err := db.Exec("DELETE FROM "+table+" WHERE user_id = ?", userID).Error; err != nil {
		return fmt.Errorf("update %s: %w", table, err)
	}
	for _, id := range ids {
		err := db.Exec("INSERT OR IGNORE INTO "+table+" (user_id, "+column+") VALUES (?, ?)", userID, id).Error
		if err != nil {
			return fmt.Errorf("update %s: %w", table, err)
		}
	}
	return nil
}

// UserUnitIDs returns the IDs of a user's units.
func (s *Store) UserUnitIDs(ctx context.Context, userID string) ([]string, error) {
	var ids []string
	err := s.rdb.WithContext(ctx).Raw(`SELECT unit_id FROM user_units WHERE user_id = ? ORDER BY unit_id`, userID).Scan(&ids).Error
	return ids, wrap(err, "read units of user")
}

// UserGroupIDs returns the IDs of a user's groups.
func (s *Store) UserGroupIDs(ctx context.Context, userID string) ([]string, error) {
	var ids []string
	err := s.rdb.WithContext(ctx).Raw(`SELECT group_id FROM user_groups WHERE user_id = ? ORDER BY group_id`, userID).Scan(&ids).Error
	return ids, wrap(err, "read groups of user")
}

// UniqueField names a user field that must be unique.
type UniqueField string

// The unique user fields, named as their columns.
const (
	FieldEmail      UniqueField = "email"
	FieldUsername   UniqueField = "username"
	FieldExternalID UniqueField = "external_id"
)

// UserHolding returns the user (other than exceptID) whose field has value, ignoring
// case, or ErrNotFound.
func (s *Store) UserHolding(ctx context.Context, field UniqueField, value, exceptID string) (*User, error) {
	var u User
	err := s.rdb.WithContext(ctx).
		// "<> ''" lets SQLite use the partial unique index of the field.
		Where(string(field)+"_fold = ? AND "+string(field)+"_fold <> '' AND id <> ?", Fold(value), exceptID).
		First(&u).Error
	return &u, notFound(err, fmt.Sprintf("user with %s %q", field, value))
}

// UniqueViolation reports which unique user field a failed write collided with.
func UniqueViolation(err error) (UniqueField, bool) {
	var se sqlite3.Error
	if !errors.As(err, &se) || se.ExtendedCode != sqlite3.ErrConstraintUnique {
		return "", false
	}
	for _, f := range []UniqueField{FieldEmail, FieldUsername, FieldExternalID} {
		if strings.Contains(se.Error(), "users."+string(f)+"_fold") {
			return f, true
		}
	}
	return "", false
}

// UsernamesStartingWith returns the folded usernames that begin with prefix ("":
// every username), read as a range of the username index.
func (s *Store) UsernamesStartingWith(ctx context.Context, prefix string) ([]string, error) {
	var names []string
	low := Fold(prefix)
	err := s.rdb.WithContext(ctx).Raw(
		`SELECT username_fold FROM users WHERE deleted_at IS NULL AND username_fold >= ? AND username_fold < ?`,
		low, low+"\U0010FFFF").Scan(&names).Error
	return names, wrap(err, "read usernames")
}

// UserQuery selects users for a list. Zero fields do not filter.
type UserQuery struct {
	ID       string // one user only
	Status   Status
	Search   string   // part of name, email, username or external ID
	UnitIDs  []string // in any of these units (none: any unit)
	GroupIDs []string // in any of these groups (none: any group)
	RoleID   string
	// ExpiringBefore, when set, keeps the users still to register whose key works
	// now and ends before it (the expiry radar).
	ExpiringBefore *time.Time
	Letter         LetterFilter // the state of the live key's letter; "" any
	Sort           SortColumn   // "" sorts by name
	Desc           bool
	Offset         int
	Limit          int // 0 means no limit
}

// SortColumn names a column a user list can be sorted by.
type SortColumn string

// The sortable columns.
const (
	SortName       SortColumn = "name"
	SortEmail      SortColumn = "email"
	SortUsername   SortColumn = "username"
	SortUnits      SortColumn = "units"
	SortGroups     SortColumn = "groups"
	SortRole       SortColumn = "role"
	SortStatus     SortColumn = "status"
	SortValidUntil SortColumn = "valid_until"
	SortExternalID SortColumn = "external_id"
)

// sortExpr is the primary ORDER BY expression of each column; ties go by name.
var sortExpr = map[SortColumn]string{
	SortEmail:      "u.email_fold",
	SortUsername:   "u.username_fold",
	SortUnits:      "(SELECT min(n.name_fold) FROM user_units x JOIN units n ON n.id = x.unit_id WHERE x.user_id = u.id)",
	SortGroups:     "(SELECT min(g.name_fold) FROM user_groups x JOIN groups g ON g.id = x.group_id WHERE x.user_id = u.id)",
	SortRole:       "(SELECT r.name_fold FROM roles r WHERE r.id = u.role_id)",
	SortValidUntil: "u.key_expires_at",
	SortExternalID: "u.external_id_fold",
}

// from is the FROM clause of q. A search of minIndexedSearch characters or more
// starts from its matches in the trigram index users_fts and reads only their rows
// (CROSS JOIN keeps that order: SQLite would rather walk the users of a status and
// look each up among the matches). A shorter search scans the narrow users_search
// index, which holds every column a status filter and a search need; SQLite would
// otherwise walk another index and read each user's row.
func (q UserQuery) from() string {
	t, indexed := q.searchTerm()
	switch {
	case indexed:
		return "users_fts CROSS JOIN users u ON u.rowid = users_fts.rowid"
	case t != "":
		return "users u INDEXED BY users_search"
	}
	return "users u"
}

// minIndexedSearch is the length, in characters, of the shortest search the trigram
// index users_fts answers; shorter ones scan the search texts.
const minIndexedSearch = 3

// searchTerm is q's search folded like the search texts, and whether users_fts can
// answer it.
func (q UserQuery) searchTerm() (term string, indexed bool) {
	term = sortFold(q.Search)
	return term, utf8.RuneCountInString(term) >= minIndexedSearch
}

// searchCondition is the filter of a non-empty search term, with its argument. The
// index finds the term as one phrase of consecutive trigrams, which is where the term
// occurs in a search text: the same users as instr, without reading the others.
func searchCondition(term string, indexed bool) (string, any) {
	if !indexed {
		return `instr(u.search_text, ?) > 0`, term
	}
	return `users_fts MATCH ?`, `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
}

// statusRank is the index in Statuses of a user's status (one argument: now), the
// rule of StatusOf in SQL.
const statusRank = `CASE WHEN u.phase = 'active' THEN 3 WHEN u.phase = 'deactivated' THEN 4
	WHEN u.key_expires_at < ? THEN 2 WHEN u.phase = 'invited' THEN 1 ELSE 0 END`

// orderBy is the ORDER BY clause of q at time now, with its arguments.
func (q UserQuery) orderBy(now time.Time) (string, []any) {
	dir := ""
	if q.Desc {
		dir = " DESC"
	}
	// The rowid last: users with the same sort key come in one order every time,
	// so that pages and a sorted list of rowids (SortedRowIDs) agree.
	if q.Sort == SortStatus {
		return statusRank + dir + `, u.sort_key` + dir + `, u.rowid` + dir, []any{now.UTC()}
	}
	if e, ok := sortExpr[q.Sort]; ok {
		return e + dir + ", u.sort_key" + dir + ", u.rowid" + dir, nil
	}
	return "u.sort_key" + dir + ", u.rowid" + dir, nil
}

// UserRow is one line of a user list, with names of the role, units and groups.
type UserRow struct {
	ID           string
	FirstName    string
	LastName     string
	Email        string
	Username     string
	Mobile       string
	ExternalID   string
	Role         string
	Units        string // comma-separated names
	Groups       string // comma-separated names
	Phase        Phase
	KeyExpiresAt *time.Time
	Key          string // the live personal key, "" when there is none
	CreatedAt    time.Time
	HandedOutAt  *time.Time // when the letter of the live key was handed out
	MailState    MailState  // of the latest invitation mail, "" when none was queued
	MailError    string     // the server's answer to its last attempt
	Status       Status     `gorm:"-"`
}

// FullName is "First Last", or the username when both names are empty.
func (r *UserRow) FullName() string {
	return (&User{FirstName: r.FirstName, LastName: r.LastName, Username: r.Username}).FullName()
}

// where builds the filter of q at time now.
func (q UserQuery) where(now time.Time) (string, []any) {
	conds := []string{"u.deleted_at IS NULL"}
	var args []any
	if q.Status != "" {
		c, a := statusCondition(q.Status, now)
		conds = append(conds, c)
		args = append(args, a...)
	}
	if t, indexed := q.searchTerm(); t != "" {
		c, a := searchCondition(t, indexed)
		conds = append(conds, c)
		args = append(args, a)
	}
	if len(q.UnitIDs) > 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM user_units x WHERE x.user_id = u.id AND x.unit_id IN ?)")
		args = append(args, q.UnitIDs)
	}
	if len(q.GroupIDs) > 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM user_groups x WHERE x.user_id = u.id AND x.group_id IN ?)")
		args = append(args, q.GroupIDs)
	}
	if q.ID != "" {
		conds = append(conds, "u.id = ?")
		args = append(args, q.ID)
	}
	if q.RoleID != "" {
		conds = append(conds, "u.role_id = ?")
		args = append(args, q.RoleID)
	}
	if q.ExpiringBefore != nil {
		conds = append(conds, expiringCondition)
		args = append(args, now.UTC(), q.ExpiringBefore.UTC())
	}
	if q.Letter != "" {
		conds = append(conds, letterCondition(q.Letter))
	}
	return strings.Join(conds, " AND "), args
}

// expiringCondition keeps the users still to register whose key works at the first
// argument and ends before the second.
const expiringCondition = "u.phase IN ('not_activated','invited') AND u.key_expires_at >= ? AND u.key_expires_at < ?"

// ExpiringByUnit counts, per unit in natural order, the users still to register
// whose key works at now and ends before until; units without any are left out.
func (s *Store) ExpiringByUnit(ctx context.Context, now, until time.Time) ([]CatalogCount, error) {
	var out []CatalogCount
	err := s.rdb.WithContext(ctx).Raw(`SELECT n.id, n.name, count(*) AS users
		FROM users u JOIN user_units x ON x.user_id = u.id JOIN units n ON n.id = x.unit_id
		WHERE u.deleted_at IS NULL AND `+expiringCondition+` GROUP BY n.id, n.name`, now.UTC(), until.UTC()).Scan(&out).Error
	natsort.Slice(out, func(c CatalogCount) string { return c.Name })
	return out, wrap(err, "count expiring keys")
}

// ListUsers returns one page of users matching q in q's order (by default by last
// and first name). The page is chosen first (rowids in order, from the indexes alone
// when sorted by name), then only its rows are joined with roles, units, groups and
// keys: deep pages cost little more than the first.
func (s *Store) ListUsers(ctx context.Context, q UserQuery, now time.Time) ([]UserRow, error) {
	where, args := q.where(now)
	order, orderArgs := q.orderBy(now)
	page := `SELECT u.rowid FROM ` + q.from() + ` WHERE ` + where + ` ORDER BY ` + order
	args = append(args, orderArgs...)
	if q.Limit > 0 {
		page += " LIMIT ? OFFSET ?"
		args = append(args, q.Limit, q.Offset)
	}
	sqlText := `SELECT ` + userRowColumns + ` FROM users u JOIN roles r ON r.id = u.role_id
		WHERE u.rowid IN (` + page + `)
		ORDER BY ` + order
	args = append(args, orderArgs...)
	var rows []UserRow
	db, err := s.manyRows(ctx)
	if err != nil {
		return nil, err
	}
	if err := db.Raw(sqlText, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	for i := range rows {
		rows[i].Status = StatusOf(rows[i].Phase, rows[i].KeyExpiresAt, now)
	}
	return rows, nil
}

// UserIDs returns the IDs of every user matching q (ignoring its offset and limit),
// for "select all matching".
func (s *Store) UserIDs(ctx context.Context, q UserQuery, now time.Time) ([]string, error) {
	where, args := q.where(now)
	var ids []string
	db, err := s.manyRows(ctx)
	if err != nil {
		return nil, err
	}
	err = db.Raw(`SELECT u.id FROM `+q.from()+` WHERE `+where+` ORDER BY u.sort_key`, args...).Scan(&ids).Error
	return ids, wrap(err, "list user IDs")
}

// UserBrief is what a bulk action needs to know of a user beforehand.
type UserBrief struct {
	ID           string
	FirstName    string
	LastName     string
	Email        string
	Phase        Phase
	KeyExpiresAt *time.Time
}

// UserBriefs returns the briefs of the given users that exist, in no order.
func (s *Store) UserBriefs(ctx context.Context, ids []string) ([]UserBrief, error) {
	var out []UserBrief
	for start := 0; start < len(ids); start += 500 {
		var part []UserBrief
		err := s.rdb.WithContext(ctx).Raw(`SELECT id, first_name, last_name, email, phase, key_expires_at
			FROM users WHERE deleted_at IS NULL AND id IN ?`, ids[start:min(start+500, len(ids))]).Scan(&part).Error
		if err != nil {
			return nil, wrap(err, "read users")
		}
		out = append(out, part...)
	}
	return out, nil
}

// CountUsers counts the users matching q (ignoring its offset and limit).
func (s *Store) CountUsers(ctx context.Context, q UserQuery, now time.Time) (int, error) {
	where, args := q.where(now)
	var n int
	err := s.rdb.WithContext(ctx).Raw(`SELECT count(*) FROM `+q.from()+` WHERE `+where, args...).Scan(&n).Error
	return n, wrap(err, "count users")
}

// StatusCounts counts the users of each status at time now.
func (s *Store) StatusCounts(ctx context.Context, now time.Time) (map[Status]int, error) {
	return s.CountByStatus(ctx, UserQuery{}, now)
}

// CountByStatus counts the users matching q's other filters in each status, in one
// pass (q.Status is ignored). It groups by the stored phase, which an index has in
// order, and counts the expired among the pending phases.
func (s *Store) CountByStatus(ctx context.Context, q UserQuery, now time.Time) (map[Status]int, error) {
	q.Status = ""
	where, args := q.where(now)
	var rows []struct {
		Phase   Phase
		Count   int
		Expired int
	}
	err := s.rdb.WithContext(ctx).Raw(`SELECT u.phase AS phase, count(*) AS count,
		coalesce(sum(u.key_expires_at < ?), 0) AS expired FROM `+q.from()+` WHERE `+where+` GROUP BY u.phase`,
		append([]any{now.UTC()}, args...)...).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "count users")
	}
	counts := make(map[Status]int, len(Statuses))
	for _, r := range rows {
		switch r.Phase {
		case PhaseActive:
			counts[StatusActive] += r.Count
		case PhaseDeactivated:
			counts[StatusDeactivated] += r.Count
		default:
			counts[StatusExpired] += r.Expired
			counts[StatusOf(r.Phase, nil, now)] += r.Count - r.Expired
		}
	}
	return counts, nil
}

// CountAllUsers counts every user row, deleted ones included.
func (s *Store) CountAllUsers(ctx context.Context) (int, error) {
	var n int
	err := s.rdb.WithContext(ctx).Raw(`SELECT count(*) FROM users`).Scan(&n).Error
	return n, wrap(err, "count users")
}

// UserMatch is an existing user found by UsersHolding, with the folded values it
// holds.
type UserMatch struct {
	ID             string
	FirstName      string
	LastName       string
	Username       string
	EmailFold      string
	UsernameFold   string
	ExternalIDFold string
}

// FullName is "First Last", or the username when both names are empty.
func (m *UserMatch) FullName() string {
	return (&User{FirstName: m.FirstName, LastName: m.LastName, Username: m.Username}).FullName()
}

// UsersHolding returns the users whose email, username or external ID is among the
// given folded values (see Fold): one query for a whole file's worth of values.
func (s *Store) UsersHolding(ctx context.Context, emails, usernames, externalIDs []string) ([]UserMatch, error) {
	var out []UserMatch
	err := s.rdb.WithContext(ctx).Raw(`
		SELECT id, first_name, last_name, username, email_fold, username_fold, external_id_fold FROM users
		WHERE deleted_at IS NULL AND email_fold <> '' AND email_fold IN (SELECT value FROM json_each(?))
		UNION
		SELECT id, first_name, last_name, username, email_fold, username_fold, external_id_fold FROM users
		WHERE deleted_at IS NULL AND username_fold IN (SELECT value FROM json_each(?))
		UNION
		SELECT id, first_name, last_name, username, email_fold, username_fold, external_id_fold FROM users
		WHERE deleted_at IS NULL AND external_id_fold <> '' AND external_id_fold IN (SELECT value FROM json_each(?))`,
		jsonList(emails), jsonList(usernames), jsonList(externalIDs)).Scan(&out).Error
	return out, wrap(err, "look up existing users")
}

// jsonList encodes strings as a JSON array for json_each.
func jsonList(list []string) string {
	if list == nil {
		return "[]"
	}
	b, _ := json.Marshal(list) // strings always encode
	return string(b)
}
