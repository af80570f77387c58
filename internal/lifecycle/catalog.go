package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"onboard/data"
	"onboard/internal/uitext"
	"onboard/internal/userrules"
)

// takenNameText says that another unit, group or role (kind) is named other.
func takenNameText(kind, other string) string {
	switch kind {
	case "unit":
		return uitext.F("a unit named “%s” already exists", other)
	case "group":
		return uitext.F("a group named “%s” already exists", other)
	case "role":
		return uitext.F("a role named “%s” already exists", other)
	}
	return fmt.Sprintf("a %s named “%s” already exists", kind, other)
}

// checkCatalogName validates the name of a unit, group or role; taken returns the
// name of another entry that has it, ignoring case ("" when there is none).
func checkCatalogName(kind, name string, taken func(string) (string, error)) error {
	name = strings.TrimSpace(name)
	msg := userrules.CatalogNameProblem(name)
	if msg == "" {
		other, err := taken(name)
		if err != nil {
			return err
		}
		if other != "" {
			msg = takenNameText(kind, other)
		}
	}
	if msg != "" {
		return &ValidationError{Problems: []FieldError{{Field: "name", Message: msg, Missing: name == ""}}}
	}
	return nil
}

// nameTaken returns the name of the entry find finds, unless it is exceptID ("" when
// find finds none).
func nameTaken[T any](find func() (*T, error), idOf, nameOf func(*T) string, exceptID string) (string, error) {
	x, err := find()
	if errors.Is(err, data.ErrNotFound) {
		return "", nil
	}
	if err != nil || idOf(x) == exceptID {
		return "", err
	}
	return nameOf(x), nil
}

func (s *Service) auditCatalog(ctx context.Context, tx *data.Store, kind, id, action, summary string) error {
	return tx.AddAudit(ctx, &data.AuditEvent{
		At: s.Now(), Actor: s.actor, Action: kind + "." + action,
		EntityType: kind, EntityID: id, Summary: summary,
	}, nil)
}

func (s *Service) unitTaken(ctx context.Context, tx *data.Store, exceptID string) func(string) (string, error) {
	return func(name string) (string, error) {
		return nameTaken(func() (*data.Unit, error) { return tx.UnitByName(ctx, name) },
			func(u *data.Unit) string { return u.ID }, func(u *data.Unit) string { return u.Name }, exceptID)
	}
}

func (s *Service) groupTaken(ctx context.Context, tx *data.Store, exceptID string) func(string) (string, error) {
	return func(name string) (string, error) {
		return nameTaken(func() (*data.Group, error) { return tx.GroupByName(ctx, name) },
			func(g *data.Group) string { return g.ID }, func(g *data.Group) string { return g.Name }, exceptID)
	}
}

// CreateUnit adds a unit.
func (s *Service) CreateUnit(ctx context.Context, name string) (*data.Unit, error) {
	u := &data.Unit{Name: strings.TrimSpace(name)}
	return u, s.store.Write(ctx, func(tx *data.Store) error {
		if err := checkCatalogName("unit", name, s.unitTaken(ctx, tx, "")); err != nil {
			return err
		}
		if err := tx.CreateUnit(ctx, u); err != nil {
			return err
		}
		return s.auditCatalog(ctx, tx, "unit", u.ID, "create", "Created unit "+u.Name)
	})
}

// catalogEntry is how renameEntry reaches one kind of named entry.
type catalogEntry[T any] struct {
	kind  string
	find  func(tx *data.Store, ctx context.Context, id string) (*T, error)
	name  func(*T) *string
	save  func(tx *data.Store, ctx context.Context, x *T) error
	taken func(s *Service, ctx context.Context, tx *data.Store, exceptID string) func(string) (string, error)
}

// renameEntry renames the entry id of kind e: names are unique, ignoring case.
func renameEntry[T any](s *Service, ctx context.Context, e catalogEntry[T], id, name string) error {
	return s.store.Write(ctx, func(tx *data.Store) error {
		x, err := e.find(tx, ctx, id)
		if err != nil {
			return err
		}
		if err := checkCatalogName(e.kind, name, e.taken(s, ctx, tx, id)); err != nil {
			return err
		}
		n := e.name(x)
		old := *n
		*n = strings.TrimSpace(name)
		if err := e.save(tx, ctx, x); err != nil {
			return err
		}
		return s.auditCatalog(ctx, tx, e.kind, id, "rename", "Renamed "+e.kind+" "+old+" to "+*n)
	})
}

var unitEntry = catalogEntry[data.Unit]{
	kind: "unit", find: (*data.Store).UnitByID,
	name: func(u *data.Unit) *string { return &u.Name }, save: (*data.Store).SaveUnit, taken: (*Service).unitTaken,
}

var groupEntry = catalogEntry[data.Group]{
	kind: "group", find: (*data.Store).GroupByID,
	name: func(g *data.Group) *string { return &g.Name }, save: (*data.Store).SaveGroup, taken: (*Service).groupTaken,
}

// RenameUnit renames a unit.
func (s *Service) RenameUnit(ctx context.Context, id, name string) error {
	return renameEntry(s, ctx, unitEntry, id, name)
}

// ErrUnitHasUsers is wrapped when a unit to delete is the only unit of some users
// and no unit to move them to was given.
var ErrUnitHasUsers = errors.New("the unit is the only unit of some users")

// DeleteUnit deletes a unit. Users whose only unit it is move to moveTo; without
// moveTo such a unit is not deleted. Users with other units just lose this one.
func (s *Service) DeleteUnit(ctx context.Context, id, moveTo string) error {
	return s.store.Write(ctx, func(tx *data.Store) error {
		u, err := tx.UnitByID(ctx, id)
		if err != nil {
			return err
		}
		sole, err := tx.UsersOnlyInUnit(ctx, id)
		if err != nil {
			return err
		}
		summary := "Deleted unit " + u.Name
		if sole > 0 {
			if moveTo == "" || moveTo == id {
				return fmt.Errorf("%w: %d users have no other unit; choose a unit to move them to", ErrUnitHasUsers, sole)
			}
			target, err := tx.UnitByID(ctx, moveTo)
			if err != nil {
				return err
			}
			if err := tx.MoveSoleUnitUsers(ctx, id, moveTo); err != nil {
				return err
			}
			summary += fmt.Sprintf("; %d users moved to %s", sole, target.Name)
		}
		if err := tx.TombstoneUnit(ctx, u, s.Now()); err != nil {
			return err
		}
		return s.auditCatalog(ctx, tx, "unit", id, "delete", summary)
	})
}

// CreateGroup adds a group.
func (s *Service) CreateGroup(ctx context.Context, name string) (*data.Group, error) {
	g := &data.Group{Name: strings.TrimSpace(name)}
	return g, s.store.Write(ctx, func(tx *data.Store) error {
		if err := checkCatalogName("group", name, s.groupTaken(ctx, tx, "")); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, g); err != nil {
			return err
		}
		return s.auditCatalog(ctx, tx, "group", g.ID, "create", "Created group "+g.Name)
	})
}

// RenameGroup renames a group.
func (s *Service) RenameGroup(ctx context.Context, id, name string) error {
	return renameEntry(s, ctx, groupEntry, id, name)
}

// DeleteGroup deletes a group; its users stay, without it.
func (s *Service) DeleteGroup(ctx context.Context, id string) error {
	return s.store.Write(ctx, func(tx *data.Store) error {
		g, err := tx.GroupByID(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.TombstoneGroup(ctx, g, s.Now()); err != nil {
			return err
		}
		return s.auditCatalog(ctx, tx, "group", id, "delete", "Deleted group "+g.Name)
	})
}
