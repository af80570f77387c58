package syncapi

import (
	"fmt"
	"strings"
)

// Permission is one right: something a role lets its active users do, and for the
// operator rights (Operator in PermissionInfo) also what onboard-server lets an
// operator's token push. The list below is the only one: the desktop's roles screen,
// the CLI, the sync and the server all read it.
type Permission string

// The permissions. What onboard-server lets an operator push:
//
//   - a new user, and a personal key for a user: PermAddUsers;
//   - a change or deletion of a user (and a personal key for a user) that another
//     operator created: PermManageUsers; users the operator created itself need
//     PermAddUsers only;
//   - more than BulkLimit new users within BulkWindow: PermBulkInvite;
//   - a new invite key, and changes of the operator's own: PermAddUsersByLink;
//     changing, revoking or deleting another operator's: PermManageInviteKeys too;
//   - roles: PermManageRoles; units: PermManageUnits; groups: PermManageGroups;
//   - a person's additional permissions (User.ExtraPermissions): PermManageRoles.
const (
	PermAddUsers         Permission = "add-users"
	PermAddUsersByLink   Permission = "add-users-by-link"
	PermBulkInvite       Permission = "bulk-invite"
	PermManageUsers      Permission = "manage-users"
	PermManageRoles      Permission = "manage-roles"
	PermManageUnits      Permission = "manage-units"
	PermManageGroups     Permission = "manage-groups"
	PermManageInviteKeys Permission = "manage-invite-keys"
	PermChat             Permission = "chat"
	PermDirectory        Permission = "directory"
)

// PermissionInfo describes one permission for the people who grant it.
type PermissionInfo struct {
	Name     Permission
	Label    string // short, for a check box: "Add users"
	Help     string // one line: what it allows
	Operator bool   // an operator right: onboard-server grants it to operator tokens too
}

// AllPermissions lists every permission, operator rights first, in the order forms
// show them.
var AllPermissions = []PermissionInfo{
	{PermAddUsers, "Add users", "Create accounts one at a time and hand out their registration keys", true},
	{PermAddUsersByLink, "Add users by link", "Create invite keys and links anyone can register with", true},
	{PermBulkInvite, "Bulk invite", "Import user lists and invite many people at once", true},
	{PermManageUsers, "Manage users", "Edit, deactivate and delete the accounts of other users", true},
	{PermManageRoles, "Manage roles", "Create, rename and delete roles and change their permissions", true},
	{PermManageUnits, "Manage units", "Create, rename and delete units", true},
	{PermManageGroups, "Manage groups", "Create, rename and delete groups", true},
	{PermManageInviteKeys, "Manage invite keys", "Change, revoke and delete the invite keys others created", true},
	{PermChat, "Chat", "Send messages to the members of their units and groups", false},
	{PermDirectory, "See the directory", "See the names of the other members of the organization", false},
}

// OperatorPermissions lists the permissions onboard-server grants to operators.
func OperatorPermissions() []Permission {
	var out []Permission
	for _, p := range AllPermissions {
		if p.Operator {
			out = append(out, p.Name)
		}
	}
	return out
}

// LookupPermission returns the description of p, false when p is not a permission.
func LookupPermission(p Permission) (PermissionInfo, bool) {
	for _, info := range AllPermissions {
		if info.Name == p {
			return info, true
		}
	}
	return PermissionInfo{}, false
}

// ParsePermissionList reads permissions separated by commas (spaces around them and
// repeats are ignored) and refuses any name that is not in AllPermissions, naming it
// and the known ones. The result keeps the order of AllPermissions.
func ParsePermissionList(list string) ([]Permission, error) {
	return CheckPermissions(strings.Split(list, ","))
}

// CheckPermissions is ParsePermissionList for a list already split.
func CheckPermissions(names []string) ([]Permission, error) {
	seen := map[Permission]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if _, ok := LookupPermission(Permission(n)); !ok {
			return nil, fmt.Errorf("unknown permission %q (known: %s)", n, JoinPermissions(allNames()))
		}
		seen[Permission(n)] = true
	}
	var out []Permission
	for _, info := range AllPermissions {
		if seen[info.Name] {
			out = append(out, info.Name)
		}
	}
	return out, nil
}

// JoinPermissions writes permissions separated by commas, as stored and typed.
func JoinPermissions(ps []Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

func allNames() []Permission {
	out := make([]Permission, len(AllPermissions))
	for i, p := range AllPermissions {
		out[i] = p.Name
	}
	return out
}
