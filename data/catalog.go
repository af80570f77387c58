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
