package screens

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/syncapi"
	"onboard/screens/internal/uitest"
)

func TestRolesScreenCreateRenameConflictPermissionsDeleteWithMove(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t) // one role, Teacher
	ctx := context.Background()
	in := base
	in.FirstName, in.LastName = "Anna", "Müller"
	if _, err := svc.CreateUser(ctx, in, 0); err != nil {
		t.Fatal(err)
	}
	changes := 0
	s, w := showScreen(t, 1100, 700, func(w fyne.Window) *RolesScreen {
		s := NewRolesScreen(st, svc, w)
		s.OnChanged = func() { changes++ }
		return s
	})
	if !uitest.Texts(w)["Teacher — 1 user"] || !uitest.Texts(w)["Permissions of Teacher"] {
		t.Fatalf("role list: %v", uitest.Texts(w))
	}
	// Every permission of the catalogue is a check box with its explanation.
	helps := map[string]bool{}
	uitest.Walk(s.perms, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			helps[l.Text] = true
		}
	})
	for _, info := range syncapi.AllPermissions {
		if !uitest.Texts(w)[info.Label] || !helps[info.Help] {
			t.Fatalf("permission %s not shown with its help: %v", info.Name, helps)
		}
	}
	test.Tap(uitest.Button(t, w, "New role"))
	test.Type(s.lastEntry, "Student")
	test.Tap(uitest.Button(t, w, "Save"))
	uitest.Settle(s.wait)
	if !uitest.Texts(w)["Student — 0 users"] || !uitest.Texts(w)["Permissions of Student"] {
		t.Fatalf("the new role is not listed and chosen: %v", uitest.Texts(w))
	}
	// Ticking a box stores it at once.
	chat := s.checks[syncapi.PermChat]
	test.TapAt(chat, fyne.NewPos(5, chat.Size().Height/2)) // the box sits in the middle of its row
	uitest.Settle(s.wait)
	if r, _ := st.RoleByName(ctx, "Student"); r.Permissions != "chat" {
		t.Fatalf("Student permissions = %q", r.Permissions)
	}
	if !uitest.Texts(w)["Saved. The permissions of Student are changed."] {
		t.Fatalf("no confirmation: %v", uitest.Texts(w))
	}
	// Renaming to a taken name (other case) shows the message and changes nothing.
	test.Tap(uitest.Button(t, w, "Rename…"))
	s.lastEntry.SetText("TEACHER")
	test.Tap(uitest.Button(t, w, "Save"))
	uitest.Settle(s.wait)
	if s.lastMsg.Text != "a role named “Teacher” already exists" {
		t.Fatalf("rename message %q", s.lastMsg.Text)
	}
	test.Tap(uitest.Button(t, w, "Cancel"))
	if _, err := st.RoleByName(ctx, "Student"); err != nil {
		t.Fatalf("refused rename changed the role: %v", err)
	}
	// Deleting Teacher asks where Anna goes, then moves her to Student.
	s.list.Select(1) // Teacher, after Student
	test.Tap(uitest.Button(t, w, "Delete…"))
	uitest.Settle(s.wait)
	if !uitest.Texts(w)["Move them to"] {
		t.Fatalf("no move question: %v", uitest.Texts(w))
	}
	test.Tap(uitest.Button(t, w, "Move and delete"))
	uitest.Settle(s.wait)
	counts, _ := st.RoleCounts(ctx)
	if len(counts) != 1 || counts[0].Name != "Student" || counts[0].Users != 1 {
		t.Fatalf("after delete: %+v", counts)
	}
	if changes != 3 { // create, permissions, delete (the refused rename changed nothing)
		t.Fatalf("the window was told of %d changes; want one per change", changes)
	}
}

func TestRolesScreenEmptyAndWithoutTheRight(t *testing.T) {
	test.NewTempApp(t)
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := lifecycle.New(st)
	s, w := showScreen(t, 1100, 700, func(w fyne.Window) *RolesScreen { return NewRolesScreen(st, svc, w) })
	found := false
	for text := range uitest.Texts(w) {
		found = found || strings.HasPrefix(text, "No roles yet.")
	}
	if !found {
		t.Fatalf("an empty list says nothing about what to do: %v", uitest.Texts(w))
	}
	s.SetPermissions(NewPermissions(true, &syncapi.Me{Operator: "bob", Permissions: []syncapi.Permission{syncapi.PermAddUsers}}))
	if !uitest.Button(t, w, "New role").Disabled() {
		t.Fatal("New role is on for an operator without manage-roles")
	}
	if !strings.Contains(s.hint.Text, "manage-roles") {
		t.Fatalf("hint %q does not name the missing permission", s.hint.Text)
	}
}
