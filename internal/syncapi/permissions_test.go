package syncapi

import (
	"strings"
	"testing"
)

func TestParsePermissionList(t *testing.T) {
	got, err := ParsePermissionList(" chat, ADD-USERS ,chat,,")
	if err != nil {
		t.Fatal(err)
	}
	if JoinPermissions(got) != "add-users,chat" {
		t.Errorf("got %q, want the catalogue order without repeats", JoinPermissions(got))
	}
	_, err = ParsePermissionList("chat,everything")
	if err == nil || !strings.Contains(err.Error(), `"everything"`) || !strings.Contains(err.Error(), "manage-roles") {
		t.Errorf("unknown permission: %v, want it named with the known ones", err)
	}
}

func TestOperatorPermissions(t *testing.T) {
	ops := JoinPermissions(OperatorPermissions())
	if ops != "add-users,add-users-by-link,bulk-invite,manage-roles" {
		t.Errorf("operator permissions %q", ops)
	}
	for _, p := range AllPermissions {
		if p.Label == "" || p.Help == "" {
			t.Errorf("%s has no label or help", p.Name)
		}
	}
}
