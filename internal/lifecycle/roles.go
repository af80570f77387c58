package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/syncapi"
)

func (s *Service) roleTaken(ctx context.Context, tx *data.Store, exceptID string) func(string) (string, error) {
	return func(name string) (string, error) {
		return nameTaken(func() (*data.Role, error) { return tx.RoleByName(ctx, name) },
			func(r *data.Role) string { return r.ID }, func(r *data.Role) string { return r.Name }, exceptID)
	}
}

// rolePermissions checks permission names for a role and returns them as stored.
func rolePermissions(names []string) (string, error) {
	ps, err := syncapi.CheckPermissions(names)
	if err != nil {
		return "", &ValidationError{Problems: []FieldError{{Field: "permissions", Message: err.Error()}}}
	}
	return syncapi.JoinPermissions(ps), nil
}

// CreateRole adds a role with the given permissions (names from syncapi.AllPermissions).
func (s *Service) CreateRole(ctx context.Context, name string, permissions []string) (*data.Role, error) {
	r := &data.Role{Name: strings.TrimSpace(name)}
	return r, s.store.Write(ctx, func(tx *data.Store) error {
		if err := checkCatalogName("role", name, s.roleTaken(ctx, tx, "")); err != nil {
			return err
		}
		perms, err := rolePermissions(permissions)
		if err != nil {
			return err
		}
		r.Permissions = perms
		if err := tx.CreateRole(ctx, r); err != nil {
			return err
		}
		return s.auditCatalog(ctx, tx, "role", r.ID, "create", "Created role "+r.Name+permissionSummary(perms))
	})
}

// permissionSummary is the audit suffix naming the permissions.
func permissionSummary(perms string) string {
	if perms == "" {
		return " without permissions"
	}
	return " with " + perms
}

var roleEntry = catalogEntry[data.Role]{
	kind: "role", find: (*data.Store).RoleByID,
	name: func(r *data.Role) *string { return &r.Name }, save: (*data.Store).SaveRole, taken: (*Service).roleTaken,
}

// RenameRole renames a role; names are unique, ignoring case.
func (s *Service) RenameRole(ctx context.Context, id, name string) error {
	return renameEntry(s, ctx, roleEntry, id, name)
}

// SetRolePermissions replaces the permissions of a role.
func (s *Service) SetRolePermissions(ctx context.Context, id string, permissions []string) error {
	return s.store.Write(ctx, func(tx *data.Store) error {
		r, err := tx.RoleByID(ctx, id)
		if err != nil {
			return err
		}
		perms, err := rolePermissions(permissions)
		if err != nil {
			return err
		}
		if perms == r.Permissions {
			return nil
		}
		r.Permissions = perms
		if err := tx.SaveRole(ctx, r); err != nil {
			return err
		}
		return s.auditCatalog(ctx, tx, "role", id, "permissions", "Permissions of role "+r.Name+": "+orNone(perms))
	})
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// ErrRoleInUse is wrapped when a role to delete still has users or invite keys
// and no role to move them to was given.
var ErrRoleInUse = errors.New("the role still has users")

// DeleteRole deletes a role. Its users and invite keys move to moveTo; without
// moveTo a role that has any is not deleted.
func (s *Service) DeleteRole(ctx context.Context, id, moveTo string) error {
	return s.store.Write(ctx, func(tx *data.Store) error {
		r, err := tx.RoleByID(ctx, id)
		if err != nil {
			return err
		}
		users, keys, err := roleUse(ctx, tx, id)
		if err != nil {
			return err
		}
		summary := "Deleted role " + r.Name
		if users+keys > 0 {
			if moveTo == "" || moveTo == id {
				return fmt.Errorf("%w: %s; choose a role to move them to", ErrRoleInUse, RoleUseText(users, keys))
			}
			target, err := tx.RoleByID(ctx, moveTo)
			if err != nil {
				return err
			}
			if err := tx.MoveRoleMembers(ctx, id, moveTo); err != nil {
				return err
			}
			summary += fmt.Sprintf("; %s moved to %s", RoleUseText(users, keys), target.Name)
		}
		if err := tx.TombstoneRole(ctx, r, s.Now()); err != nil {
			return err
		}
		return s.auditCatalog(ctx, tx, "role", id, "delete", summary)
	})
}

// roleUse counts the users and invite keys of a role.
func roleUse(ctx context.Context, tx *data.Store, id string) (users, keys int, err error) {
	counts, err := tx.RoleCounts(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, c := range counts {
		if c.ID == id {
			return c.Users, c.InviteKeys, nil
		}
	}
	return 0, 0, nil
}

// RoleUseText says what still has a role: "3 users and 1 invite key".
func RoleUseText(users, keys int) string {
	parts := []string{}
	if users > 0 {
		parts = append(parts, display.Plural(users, "user"))
	}
	if keys > 0 {
		parts = append(parts, display.Plural(keys, "invite key"))
	}
	return strings.Join(parts, " and ")
}
