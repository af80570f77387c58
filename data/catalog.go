package data

import (
	"context"
	"fmt"
	"strings"

	"onboard/internal/natsort"
)

// Roles returns every role, in the natural order of their names (natsort).
func (s *Store) Roles(ctx context.Context) ([]Role, error) {
	var out []Role
	err := s.rdb.WithContext(ctx).Find(&out).Error
	natsort.Slice(out, func(x Role) string { return x.Name })
	return out, notFound(err, "list roles")
}

// Units returns every unit, in the natural order of their names ("5a" before "10a").
func (s *Store) Units(ctx context.Context) ([]Unit, error) {
	var out []Unit
	err := s.rdb.WithContext(ctx).Find(&out).Error
	natsort.Slice(out, func(x Unit) string { return x.Name })
	return out, notFound(err, "list units")
}

// Groups returns every group, in the natural order of their names.
func (s *Store) Groups(ctx context.Context) ([]Group, error) {
	var out []Group
	err := s.rdb.WithContext(ctx).Find(&out).Error
	natsort.Slice(out, func(x Group) string { return x.Name })
	return out, notFound(err, "list groups")
}

// RoleByName finds a role by its name, ignoring case.
func (s *Store) RoleByName(ctx context.Context, name string) (*Role, error) {
	var r Role
	err := s.rdb.WithContext(ctx).Where("name_fold = ?", Fold(name)).First(&r).Error
	return &r, notFound(err, fmt.Sprintf("role %q", name))
}

// UnitByName finds a unit by its name, ignoring case.
func (s *Store) UnitByName(ctx context.Context, name string) (*Unit, error) {
	var u Unit
	err := s.rdb.WithContext(ctx).Where("name_fold = ?", Fold(name)).First(&u).Error
	return &u, notFound(err, fmt.Sprintf("unit %q", name))
}

// GroupByName finds a group by its name, ignoring case.
func (s *Store) GroupByName(ctx context.Context, name string) (*Group, error) {
	var g Group
	err := s.rdb.WithContext(ctx).Where("name_fold = ?", Fold(name)).First(&g).Error
	return &g, notFound(err, fmt.Sprintf("group %q", name))
}

// CreateRole stores a new role.
func (s *Store) CreateRole(ctx context.Context, r *Role) error {
	r.Name = strings.TrimSpace(r.Name)
	return wrap(s.db.WithContext(ctx).Create(r).Error, "create role "+r.Name)
}

// CreateUnit stores a new unit.
func (s *Store) CreateUnit(ctx context.Context, u *Unit) error {
	u.Name = strings.TrimSpace(u.Name)
	return wrap(s.db.WithContext(ctx).Create(u).Error, "create unit "+u.Name)
}

// CreateGroup stores a new group.
func (s *Store) CreateGroup(ctx context.Context, g *Group) error {
	g.Name = strings.TrimSpace(g.Name)
	return wrap(s.db.WithContext(ctx).Create(g).Error, "create group "+g.Name)
}

// wrap adds context to an error, leaving nil alone.
func wrap(err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// RoleByID returns a role.
func (s *Store) RoleByID(ctx context.Context, id string) (*Role, error) {
	var r Role
	err := s.rdb.WithContext(ctx).Where("id = ?", id).First(&r).Error
	return &r, notFound(err, "role "+id)
}

// GroupByID returns a group.
func (s *Store) GroupByID(ctx context.Context, id string) (*Group, error) {
	var g Group
	err := s.rdb.WithContext(ctx).Where("id = ?", id).First(&g).Error
	return &g, notFound(err, "group "+id)
}

// Refs are the role, units and groups a user or an invite key refers to.
type Refs struct {
	RoleID   string
	UnitIDs  []string
	GroupIDs []string
}

// RefsFound says which of the references of a Refs name rows that exist and are
// not deleted.
type RefsFound struct {
	Role   bool // the role exists
	Units  bool // every unit exists
	Groups bool // every group exists
}

// FindRefs checks the references of r in one query (listing every role, unit and
// group for each user of a long import cost more than the update itself).
func (s *Store) FindRefs(ctx context.Context, r Refs) (RefsFound, error) {
	units, groups := distinct(r.UnitIDs), distinct(r.GroupIDs)
	var n struct{ Roles, Units, Groups int }
	err := s.rdb.WithContext(ctx).Raw(`SELECT
		(SELECT count(*) FROM roles WHERE id = ? AND deleted_at IS NULL) AS roles,
		(SELECT count(*) FROM units WHERE id IN ? AND deleted_at IS NULL) AS units,
		(SELECT count(*) FROM groups WHERE id IN ? AND deleted_at IS NULL) AS groups`,
		r.RoleID, orNone(units), orNone(groups)).Scan(&n).Error
	if err != nil {
		return RefsFound{}, fmt.Errorf("check role, units and groups: %w", err)
	}
	return RefsFound{Role: n.Roles == 1, Units: n.Units == len(units), Groups: n.Groups == len(groups)}, nil
}

// distinct is ids without repetitions.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// orNone is ids, or a list matching no row when it is empty (IN () is not SQL).
func orNone(ids []string) []string {
	if len(ids) == 0 {
		return []string{""}
	}
	return ids
}
