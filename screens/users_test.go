package screens

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/lifecycle"
)

func openStore(t *testing.T) (*data.Store, *lifecycle.Service, lifecycle.UserInput) {
	t.Helper()
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	r, u := &data.Role{Name: "Teacher"}, &data.Unit{Name: "Werk Süd"}
	if err := st.CreateRole(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	return st, lifecycle.New(st), lifecycle.UserInput{RoleID: r.ID, UnitIDs: []string{u.ID}}
}

// texts returns every text drawn in a window's content, skipping hidden objects.
func texts(w fyne.Window) map[string]bool {
	out := map[string]bool{}
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *canvas.Text:
			out[x.Text] = true
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(w.Content())
	return out
}

func TestUsersScreenShowsUsersFromTheStore(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := openStore(t)
	ctx := context.Background()
	for _, n := range [][3]string{{"Ömer", "Yılmaz", "oemer@example.org"}, {"Anna", "Müller", "anna@example.org"}, {"Ben", "Becker", ""}} {
		in := base
		in.FirstName, in.LastName, in.Email = n[0], n[1], n[2]
		if _, err := svc.CreateUser(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
	}
	s := NewUsersScreen(st, time.Now)
	w := test.NewWindow(s.Content())
	defer w.Close()
	w.Resize(fyne.NewSize(1100, 500))
	s.Reload()
	s.wait()
	if s.Total() != 3 || s.EmptyShown() {
		t.Fatalf("total %d, empty shown %v", s.Total(), s.EmptyShown())
	}
	s.CellText(0, 0) // starts the first page load
	s.wait()
	want := [][]string{
		{"Ben Becker", "", "ben.becker", "Werk Süd", "Teacher", "Not activated"},
		{"Anna Müller", "anna@example.org", "anna", "Werk Süd", "Teacher", "Not activated"},
		{"Ömer Yılmaz", "oemer@example.org", "oemer", "Werk Süd", "Teacher", "Not activated"},
	}
	for r, row := range want {
		for c, cell := range row {
			if got := s.CellText(r, c); got != cell {
				t.Errorf("cell (%d,%d) = %q, want %q", r, c, got, cell)
			}
		}
	}
	shown := texts(w)
	for _, x := range []string{"Name", "Email", "Status", "Anna Müller", "Ömer Yılmaz", "anna@example.org"} {
		if !shown[x] {
			t.Errorf("%q is not drawn in the window; drawn: %v", x, shown)
		}
	}
	if !shown["All 3 · Not activated 3 · Invited 0 · Expired 0 · Active 0 · Deactivated 0"] {
		t.Errorf("status summary not drawn; texts: %v", shown)
	}
}

func TestUsersScreenEmptyState(t *testing.T) {
	test.NewTempApp(t)
	st, _, _ := openStore(t)
	s := NewUsersScreen(st, time.Now)
	w := test.NewWindow(s.Content())
	defer w.Close()
	s.Reload()
	s.wait()
	if !s.EmptyShown() || s.Total() != 0 {
		t.Fatalf("empty state shown %v with %d users", s.EmptyShown(), s.Total())
	}
	if !texts(w)["No users yet."] {
		t.Fatal("the empty-state message is not drawn")
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
}
