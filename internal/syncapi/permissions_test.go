package syncapi

import (
	"regexp"
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
	want := "add-users,add-users-by-link,bulk-invite,manage-users,manage-roles,manage-units,manage-groups,manage-invite-keys"
	if ops != want {
		t.Errorf("operator permissions %q, want %q", ops, want)
	}
	kebab := regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)
	for _, p := range AllPermissions {
		if p.Label == "" || p.Help == "" {
			t.Errorf("%s has no label or help", p.Name)
		}
		if !kebab.MatchString(string(p.Name)) {
			t.Errorf("%q is not kebab-case", p.Name)
		}
	}
}
