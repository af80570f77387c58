package cli

import (
	"context"
	"fmt"
	"strings"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/userrules"
)

// maxNamedInMessage is how many existing names an error message lists.
const maxNamedInMessage = 20

// catalogIDs are the IDs of a role, units and groups named on the command line.
type catalogIDs struct {
	role          string
	units, groups []string
	// newUnits are the units named that do not exist yet, with their IDs (also in
	// units) set; see resolveCatalog.
	newUnits []data.Unit
}

// resolveCatalog finds the role, units and groups by name (ignoring case). An
// unknown role or group is an error naming the ones that exist and how to create
// it. An unknown unit is an error too, unless createUnits is set: then it gets a new
// ID and is listed in newUnits for the caller to create in the transaction that
// uses it. Roles are never created this way: they carry permissions.
func resolveCatalog(ctx context.Context, st *data.Store, role string, units, groups []string, createUnits bool) (catalogIDs, error) {
	var ids catalogIDs
	if role != "" {
		roles, err := st.Roles(ctx)
		if err != nil {
			return ids, err
		}
		r, err := findNamed("role", role, roles, func(r data.Role) string { return r.Name }, true)
		if err != nil {
			return ids, err
		}
		ids.role = r.ID
	}
	all, err := st.Units(ctx)
	if err != nil {
		return ids, err
	}
	for _, name := range units {
		u, err := findNamed("unit", name, all, func(u data.Unit) string { return u.Name }, false)
		if err != nil && !createUnits {
			return ids, err
		}
		if err != nil {
			if msg := userrules.NameProblem("unit name", name); msg != "" {
				return ids, fmt.Errorf("--unit %q: %s", name, msg)
			}
			u = data.Unit{Row: data.Row{ID: data.NewID()}, Name: strings.TrimSpace(name)}
			all = append(all, u) // --unit 7c --unit 7C is one new unit
			ids.newUnits = append(ids.newUnits, u)
		}
		ids.units = lifecycle.Union(ids.units, []string{u.ID})
	}
	allGroups, err := st.Groups(ctx)
	if err != nil {
		return ids, err
	}
	for _, name := range groups {
		g, err := findNamed("group", name, allGroups, func(g data.Group) string { return g.Name }, true)
		if err != nil {
			return ids, err
		}
		ids.groups = lifecycle.Union(ids.groups, []string{g.ID})
	}
	return ids, nil
}

// newUnitNames lists the names of units.
func newUnitNames(units []data.Unit) string {
	names := make([]string, len(units))
	for i, u := range units {
		names[i] = u.Name
	}
	return strings.Join(names, ", ")
}

// findNamed returns the item named name (ignoring case). When there is none, the
// error is one line naming the items there are and, with create set, the command
// that creates the missing one.
func findNamed[T any](kind, name string, items []T, nameOf func(T) string, create bool) (T, error) {
	names := make([]string, 0, len(items))
	for _, it := range items {
		if data.Fold(nameOf(it)) == data.Fold(strings.TrimSpace(name)) {
			return it, nil
		}
		names = append(names, nameOf(it))
	}
	var zero T
	return zero, noSuch(kind, strings.TrimSpace(name), names, create)
}

// noSuch is the error for a name of kind that does not exist, e.g.
//
//	there is no role "Student"; roles: Teacher, Staff — create it with: onboard roles add Student
func noSuch(kind, name string, names []string, create bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "there is no %s %q", kind, name)
	if len(names) == 0 {
		fmt.Fprintf(&b, " and no %ss yet", kind)
	} else {
		fmt.Fprintf(&b, "; %ss: %s", kind, nameList(names))
	}
	if create {
		fmt.Fprintf(&b, " — create it with: onboard %ss add %s", kind, shellWord(name))
		if kind == "role" && len(names) == 0 {
			b.WriteString(", or run: onboard setup --org NAME --preset school")
		}
	}
	return &lineError{b.String()}
}

// lineError is a one-line error message written for the person at the terminal.
type lineError struct{ msg string }

func (e *lineError) Error() string { return e.msg }

// nameList joins names for a message; a long list is cut after maxNamedInMessage.
func nameList(names []string) string {
	if len(names) <= maxNamedInMessage {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamedInMessage], ", "), len(names)-maxNamedInMessage)
}

// shellWord quotes s for a command line the user can copy: as it is when it is
// one plain word, else in double quotes.
func shellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ',' || r == ':' || r == '@' || r == '+' ||
			'0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r > 127)
	}) < 0 {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return `"` + r.Replace(s) + `"`
}
