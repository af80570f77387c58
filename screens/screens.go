package screens

import (
	"onboard/internal/syncapi"
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
