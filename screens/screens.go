package screens

import (
	"fyne.io/fyne/v2/lang"

	"onboard/internal/syncapi"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// Permissions are what the operator signed in to the server may do (see uikit).
type Permissions = uikit.Permissions

// NewPermissions are the permissions of operator me; without a server set up
// (syncSetUp false) everything is allowed.
func NewPermissions(syncSetUp bool, me *syncapi.Me) Permissions {
	return uikit.NewPermissions(syncSetUp, me)
}

// SetOnUI replaces how background work hands its results to the UI goroutine
// (fyne.Do). Tests of the window use it to run those results on the test goroutine.
func SetOnUI(f func(func())) { uikit.OnUI = f }

// permissionTexts are the names and explanations of the permissions as the window
// shows them, translated where they are shown (syncapi.AllPermissions holds the
// same English texts for the command line and the server).
var permissionTexts = map[syncapi.Permission][2]string{
	syncapi.PermAddUsers: {
		resources.Mark("Add users"),
		resources.Mark("Create accounts one at a time and hand out their registration keys"),
	},
	syncapi.PermAddUsersByLink: {
		resources.Mark("Add users by link"),
		resources.Mark("Create invite keys and links anyone can register with"),
	},
	syncapi.PermBulkInvite: {
		resources.Mark("Bulk invite"),
		resources.Mark("Import user lists and invite many people at once"),
	},
	syncapi.PermManageRoles: {
		resources.Mark("Manage roles"),
		resources.Mark("Create, rename and delete roles and change their permissions"),
	},
	syncapi.PermManageUsers: {
		resources.Mark("Manage users"),
		resources.Mark("Edit, deactivate and delete the accounts of other users"),
	},
	syncapi.PermManageUnits: {
		resources.Mark("Manage units"),
		resources.Mark("Create, rename and delete units"),
	},
	syncapi.PermManageGroups: {
		resources.Mark("Manage groups"),
		resources.Mark("Create, rename and delete groups"),
	},
	syncapi.PermManageInviteKeys: {
		resources.Mark("Manage invite keys"),
		resources.Mark("Change, revoke and delete the invite keys others created"),
	},
	syncapi.PermChat: {
		resources.Mark("Chat"),
		resources.Mark("Send messages to the members of their units and groups"),
	},
	syncapi.PermDirectory: {
		resources.Mark("See the directory"),
		resources.Mark("See the names of the other members of the organization"),
	},
}

// permissionLabel is the name of a permission in the window's language.
func permissionLabel(info syncapi.PermissionInfo) string {
	if t, ok := permissionTexts[info.Name]; ok {
		return lang.L(t[0])
	}
	return info.Label
}

// permissionHelp is what a permission allows, in the window's language.
func permissionHelp(info syncapi.PermissionInfo) string {
	if t, ok := permissionTexts[info.Name]; ok {
		return lang.L(t[1])
	}
	return info.Help
}
