package cli

import (
	"context"
	"strings"
)

// stringList is a flag that may be given several times (--unit A --unit B); each
// value is kept in order, trimmed, and empty values are dropped.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

// Set adds one value.
func (l *stringList) Set(v string) error {
	if v = strings.TrimSpace(v); v != "" {
		*l = append(*l, v)
	}
	return nil
}

// newUserFlags are the flags import and invite share: the role, units and groups
// the new users get, by name, and how many days their keys are valid (0: the
// organization's setting).
type newUserFlags struct {
	role          *string
	units, groups stringList
	validDays     *int
}

// newUserHelp are the help texts of the newUserFlags, which say what the flags mean
// to each command.
type newUserHelp struct {
	role, unit, group, validDays string
}

// addNewUserFlags defines --role, --unit, --group and --valid-days on the command's
// flags.
func (c *call) addNewUserFlags(help newUserHelp) *newUserFlags {
	f := &newUserFlags{}
	f.role = c.fs.String("role", "", help.role)
	c.fs.Var(&f.units, "unit", help.unit)
	c.fs.Var(&f.groups, "group", help.group)
	f.validDays = c.fs.Int("valid-days", 0, help.validDays)
	return f
}

// resolve looks up the role, units and groups given (see resolveCatalog); units
// that do not exist yet are returned as new units.
func (f *newUserFlags) resolve(ctx context.Context, c *call) (catalogIDs, error) {
	return resolveCatalog(ctx, c.store, *f.role, f.units, f.groups, true)
}
