package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/syncapi"
	"onboard/internal/tabular"
)

// The roles, units and groups commands: the command line of the Roles and
// permissions and the Units and groups screens, with the same rules (names unique
// ignoring case, looked up ignoring case; deleting a role with users or invite keys,
// or a unit that is some users' only unit, needs somewhere to move them).

// listFormat reads --format of the list commands.
func listFormat(c *call) *string { return c.fs.String("format", "table", "table or csv") }

func checkListFormat(format string) error {
	if format != "table" && format != "csv" {
		return usagef("--format must be table or csv, not %q", format)
	}
	return nil
}

// writeList prints rows under header as an aligned table, or as CSV; footer (e.g.
// "3 roles") follows the table.
func writeList(w io.Writer, format string, header []string, rows [][]string, footer string) error {
	if format == "csv" {
		cw := csv.NewWriter(w)
		cw.Write(header)
		for _, r := range rows {
			for i := range r {
				r[i] = tabular.SafeCell(r[i])
			}
			cw.Write(r)
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	upper := make([]string, len(header))
	for i, h := range header {
		upper[i] = strings.ToUpper(strings.ReplaceAll(h, "_", " "))
	}
	fmt.Fprintln(tw, strings.Join(upper, "\t"))
	for _, r := range rows {
		for i := range r {
			r[i] = oneCell(r[i])
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, footer)
	return err
}

// ---- roles

// findRole finds a role by name, ignoring case.
func findRole(ctx context.Context, st *data.Store, name string) (data.Role, error) {
	roles, err := st.Roles(ctx)
	if err != nil {
		return data.Role{}, err
	}
	return findNamed("role", name, roles, func(r data.Role) string { return r.Name }, false)
}

// parsePermissions reads a permission list argument; an unknown name is a
// one-line error naming the known ones (exit 1, without the usage).
func parsePermissions(what, list string) ([]string, error) {
	ps, err := syncapi.ParsePermissionList(list)
	if err != nil {
		return nil, fmt.Errorf("%s: %v; onboard roles permissions says what each allows", what, err)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out, nil
}

// permissionText is a role's permissions for people: "chat, directory" or "none".
func permissionText(perms string) string {
	ps := strings.Split(perms, ",")
	var out []string
	for _, p := range ps {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func runRolesList(ctx context.Context, c *call) error {
	format := listFormat(c)
	if _, err := c.parse(); err != nil {
		return err
	}
	if err := checkListFormat(*format); err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	counts, err := c.store.RoleCounts(ctx)
	if err != nil {
		return err
	}
	if len(counts) == 0 && *format == "table" {
		fmt.Fprintln(c.stdout, "No roles yet. Create one with: onboard roles add NAME --permissions P,…, or run: onboard setup --org NAME --preset school")
		return nil
	}
	rows := make([][]string, len(counts))
	for i, r := range counts {
		perms := permissionText(r.Permissions)
		if *format == "csv" {
			perms = syncapi.JoinPermissions(r.PermissionList())
		}
		rows[i] = []string{r.Name, perms, strconv.Itoa(r.Users), strconv.Itoa(r.InviteKeys)}
	}
	return writeList(c.stdout, *format, []string{"name", "permissions", "users", "invite_keys"}, rows,
		display.Plural(len(counts), "role"))
}

func runRolesAdd(ctx context.Context, c *call) error {
	permList := c.fs.String("permissions", "", "the role's permissions, separated by commas (see onboard roles permissions)")
	pos, err := c.parse("NAME")
	if err != nil {
		return err
	}
	perms, err := parsePermissions("--permissions", *permList)
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	r, err := c.svc.CreateRole(ctx, pos[0], perms)
	if err != nil {
		return err
	}
	if len(perms) == 0 {
		fmt.Fprintf(c.stdout, "Created role %s without permissions; give it some with: onboard roles set-permissions %s P,…\n",
			r.Name, shellWord(r.Name))
		return nil
	}
	fmt.Fprintf(c.stdout, "Created role %s with %s.\n", r.Name, permissionText(r.Permissions))
	return nil
}

func runRolesRename(ctx context.Context, c *call) error {
	pos, err := c.parse("OLD", "NEW")
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	r, err := findRole(ctx, c.store, pos[0])
	if err != nil {
		return err
	}
	if err := c.svc.RenameRole(ctx, r.ID, pos[1]); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Renamed role %s to %s.\n", r.Name, strings.TrimSpace(pos[1]))
	return nil
}

func runRolesSetPermissions(ctx context.Context, c *call) error {
	pos, err := c.parse("NAME", "PERMISSIONS")
	if err != nil {
		return err
	}
	perms, err := parsePermissions("PERMISSIONS", pos[1])
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	r, err := findRole(ctx, c.store, pos[0])
	if err != nil {
		return err
	}
	if err := c.svc.SetRolePermissions(ctx, r.ID, perms); err != nil {
		return err
	}
	if len(perms) == 0 {
		fmt.Fprintf(c.stdout, "Role %s has no permissions now.\n", r.Name)
		return nil
	}
	fmt.Fprintf(c.stdout, "Permissions of role %s: %s\n", r.Name, strings.Join(perms, ", "))
	return nil
}

func runRolesDelete(ctx context.Context, c *call) error {
	moveTo := c.fs.String("move-to", "", "the role that gets the users and invite keys of the deleted one")
	pos, err := c.parse("NAME")
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	counts, err := c.store.RoleCounts(ctx)
	if err != nil {
		return err
	}
	find := func(name string) (data.RoleCount, error) {
		return findNamed("role", name, counts, func(r data.RoleCount) string { return r.Name }, false)
	}
	r, err := find(pos[0])
	if err != nil {
		return err
	}
	var target data.RoleCount
	if *moveTo != "" {
		if target, err = find(*moveTo); err != nil {
			return fmt.Errorf("--move-to: %w", err)
		}
		if target.ID == r.ID {
			return fmt.Errorf("--move-to must name another role than %s, the one to delete", r.Name)
		}
	}
	used := lifecycle.RoleUseText(r.Users, r.InviteKeys)
	if used != "" && *moveTo == "" {
		var others []string
		for _, o := range counts {
			if o.ID != r.ID {
				others = append(others, o.Name)
			}
		}
		if len(others) == 0 {
			return fmt.Errorf("role %s still has %s and there is no other role to move them to — create one with: onboard roles add NAME, then: onboard roles delete %s --move-to NAME",
				r.Name, used, shellWord(r.Name))
		}
		return fmt.Errorf("role %s still has %s — move them with: onboard roles delete %s --move-to ROLE (roles: %s)",
			r.Name, used, shellWord(r.Name), nameList(others))
	}
	if err := c.svc.DeleteRole(ctx, r.ID, target.ID); err != nil {
		return err
	}
	if used != "" {
		fmt.Fprintf(c.stdout, "Deleted role %s; %s moved to %s.\n", r.Name, used, target.Name)
		return nil
	}
	fmt.Fprintf(c.stdout, "Deleted role %s.\n", r.Name)
	return nil
}

// runRolesPermissions lists every permission with what it allows.
func runRolesPermissions(_ context.Context, c *call) error {
	if _, err := c.parse(); err != nil {
		return err
	}
	fmt.Fprint(c.stdout, permissionHelp())
	return nil
}

// permissionHelp is the table of permissions roles permissions prints.
func permissionHelp() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, p := range syncapi.AllPermissions {
		mark := ""
		if p.Operator {
			mark = " *"
		}
		fmt.Fprintf(tw, "%s%s\t%s\n", p.Name, mark, p.Help)
	}
	tw.Flush()
	fmt.Fprintf(&b, "* also what onboard-server lets an operator push (see onboard sync)\n")
	return b.String()
}

// ---- units and groups

// catalogKind is what the units and groups commands differ in.
type catalogKind struct {
	kind   string // "unit"
	counts func(st *data.Store, ctx context.Context) ([]data.CatalogCount, error)
	create func(svc *lifecycle.Service, ctx context.Context, name string) (string, error)
	rename func(svc *lifecycle.Service, ctx context.Context, id, name string) error
}

var unitKind = catalogKind{
	kind: "unit", counts: (*data.Store).UnitCounts,
	create: func(svc *lifecycle.Service, ctx context.Context, name string) (string, error) {
		u, err := svc.CreateUnit(ctx, name)
		return u.Name, err
	},
	rename: (*lifecycle.Service).RenameUnit,
}

var groupKind = catalogKind{
	kind: "group", counts: (*data.Store).GroupCounts,
	create: func(svc *lifecycle.Service, ctx context.Context, name string) (string, error) {
		g, err := svc.CreateGroup(ctx, name)
		return g.Name, err
	},
	rename: (*lifecycle.Service).RenameGroup,
}

// find finds an entry by name, ignoring case, among counts.
func (k catalogKind) find(counts []data.CatalogCount, name string) (data.CatalogCount, error) {
	return findNamed(k.kind, name, counts, func(x data.CatalogCount) string { return x.Name }, false)
}

func (k catalogKind) list(ctx context.Context, c *call) error {
	format := listFormat(c)
	if _, err := c.parse(); err != nil {
		return err
	}
	if err := checkListFormat(*format); err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	counts, err := k.counts(c.store, ctx)
	if err != nil {
		return err
	}
	if len(counts) == 0 && *format == "table" {
		msg := fmt.Sprintf("No %ss yet. Create one with: onboard %ss add NAME", k.kind, k.kind)
		if k.kind == "unit" {
			msg += ", or give one to an import or invite with --unit NAME"
		}
		fmt.Fprintln(c.stdout, msg)
		return nil
	}
	rows := make([][]string, len(counts))
	for i, x := range counts {
		rows[i] = []string{x.Name, strconv.Itoa(x.Users)}
	}
	return writeList(c.stdout, *format, []string{"name", "users"}, rows, display.Plural(len(counts), k.kind))
}

func (k catalogKind) add(ctx context.Context, c *call) error {
	pos, err := c.parse("NAME")
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	name, err := k.create(c.svc, ctx, pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Created %s %s.\n", k.kind, name)
	return nil
}

func (k catalogKind) renameCmd(ctx context.Context, c *call) error {
	pos, err := c.parse("OLD", "NEW")
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	counts, err := k.counts(c.store, ctx)
	if err != nil {
		return err
	}
	x, err := k.find(counts, pos[0])
	if err != nil {
		return err
	}
	if err := k.rename(c.svc, ctx, x.ID, pos[1]); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Renamed %s %s to %s.\n", k.kind, x.Name, strings.TrimSpace(pos[1]))
	return nil
}

func runUnitsDelete(ctx context.Context, c *call) error {
	moveTo := c.fs.String("move-to", "", "the unit that gets the users whose only unit is the deleted one")
	pos, err := c.parse("NAME")
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	counts, err := c.store.UnitCounts(ctx)
	if err != nil {
		return err
	}
	u, err := unitKind.find(counts, pos[0])
	if err != nil {
		return err
	}
	var target data.CatalogCount
	if *moveTo != "" {
		if target, err = unitKind.find(counts, *moveTo); err != nil {
			return fmt.Errorf("--move-to: %w", err)
		}
		if target.ID == u.ID {
			return fmt.Errorf("--move-to must name another unit than %s, the one to delete", u.Name)
		}
	}
	sole, err := c.store.UsersOnlyInUnit(ctx, u.ID)
	if err != nil {
		return err
	}
	if sole > 0 && *moveTo == "" {
		var others []string
		for _, o := range counts {
			if o.ID != u.ID {
				others = append(others, o.Name)
			}
		}
		whose := display.PluralOf(sole, "user", "users")
		if len(others) == 0 {
			return fmt.Errorf("unit %s is the only unit of %s and there is no other unit to move them to — create one with: onboard units add NAME, then: onboard units delete %s --move-to NAME",
				u.Name, whose, shellWord(u.Name))
		}
		return fmt.Errorf("unit %s is the only unit of %s — move them with: onboard units delete %s --move-to UNIT (units: %s)",
			u.Name, whose, shellWord(u.Name), nameList(others))
	}
	err = c.svc.DeleteUnit(ctx, u.ID, target.ID)
	if errors.Is(err, lifecycle.ErrUnitHasUsers) {
		// Users joined it since the count: say it the lifecycle's way.
		return fmt.Errorf("%w; add --move-to UNIT", err)
	}
	if err != nil {
		return err
	}
	switch {
	case sole > 0:
		fmt.Fprintf(c.stdout, "Deleted unit %s; %s moved to %s.\n", u.Name, display.PluralOf(sole, "user", "users"), target.Name)
	case u.Users > 0:
		fmt.Fprintf(c.stdout, "Deleted unit %s; %s still in other units.\n", u.Name, display.PluralOf(u.Users, "user is", "users are"))
	default:
		fmt.Fprintf(c.stdout, "Deleted unit %s.\n", u.Name)
	}
	return nil
}

func runGroupsDelete(ctx context.Context, c *call) error {
	pos, err := c.parse("NAME")
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	counts, err := c.store.GroupCounts(ctx)
	if err != nil {
		return err
	}
	g, err := groupKind.find(counts, pos[0])
	if err != nil {
		return err
	}
	if err := c.svc.DeleteGroup(ctx, g.ID); err != nil {
		return err
	}
	if g.Users > 0 {
		fmt.Fprintf(c.stdout, "Deleted group %s; %s no longer in it (no user was deleted).\n", g.Name, display.PluralOf(g.Users, "user is", "users are"))
		return nil
	}
	fmt.Fprintf(c.stdout, "Deleted group %s.\n", g.Name)
	return nil
}
