package screens

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onboard/lifecycle"
)

// TestUsersScreenMarkup compares the users screen and the new-user dialog with
// their reference markup (testdata/*.xml), on a fixed clock.
func TestUsersScreenMarkup(t *testing.T) {
	test.NewTempApp(t)
	st, _, base := openStore(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	svc := lifecycle.New(st, lifecycle.WithClock(func() time.Time { return now }), lifecycle.WithActor("admin"))
	for _, n := range [][3]string{{"Anna", "Müller", "anna@example.org"}, {"Юлия", "Иванова", ""}, {"Ömer", "Yılmaz", "oemer@example.org"}} {
		in := base
		in.FirstName, in.LastName, in.Email = n[0], n[1], n[2]
		if _, err := svc.CreateUser(context.Background(), in, 0); err != nil {
			t.Fatal(err)
		}
	}
	w := test.NewWindow(nil)
	defer w.Close()
	s := NewUsersScreen(st, svc, w)
	w.SetContent(s.Content())
	w.Resize(fyne.NewSize(1400, 600))
	s.Reload()
	settle(s.wait)
	test.AssertRendersToMarkup(t, "users_screen.xml", w.Canvas())

	f := s.NewUser("")
	test.Type(f.first, "Zoë")
	test.Type(f.email, "anna@example.org")
	settle(f.wait, s.wait)
	test.AssertRendersToMarkup(t, "new_user_dialog.xml", w.Canvas())
}
