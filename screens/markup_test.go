package screens

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/screens/internal/uitest"
)

// TestUsersScreenMarkup compares the users screen and the new-user dialog with
// their reference markup (testdata/*.xml), on a fixed clock.
func TestUsersScreenMarkup(t *testing.T) {
	test.NewTempApp(t)
	st, _, base := uitest.OpenStore(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	svc := lifecycle.New(st, lifecycle.WithClock(func() time.Time { return now }), lifecycle.WithActor("admin"))
	for _, n := range [][3]string{{"Anna", "Müller", "anna@example.org"}, {"Юлия", "Иванова", ""}, {"Ömer", "Yılmaz", "oemer@example.org"}} {
		in := base
		in.FirstName, in.LastName, in.Email = n[0], n[1], n[2]
		if _, err := svc.CreateUser(context.Background(), in, 0); err != nil {
			t.Fatal(err)
		}
	}
	s, w := showScreen(t, 1400, 600, func(w fyne.Window) *UsersScreen { return NewUsersScreen(st, svc, w) })
	test.AssertRendersToMarkup(t, "users_screen.xml", w.Canvas())

	s.NewUser("")
	uitest.Settle(s.wait)
	f := s.lastForm
	test.Type(f.first, "Zoë")
	test.Type(f.email, "anna@example.org")
	uitest.Settle(f.wait, s.wait)
	test.AssertRendersToMarkup(t, "new_user_dialog.xml", w.Canvas())
}

// TestKeysScreenMarkup compares the invite keys screen with its reference markup.
func TestKeysScreenMarkup(t *testing.T) {
	test.NewTempApp(t)
	st, _, base := uitest.OpenStore(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	svc := lifecycle.New(st, lifecycle.WithClock(func() time.Time { return now }))
	revoked := now.Add(-time.Hour)
	for _, k := range []*data.InviteKey{
		{Label: "Parents of class 5a", Key: "HMSEDQZAEX", ValidUntil: now.AddDate(0, 0, 14), MaxUses: 30, Uses: 4},
		{Label: "Staff autumn", Key: "7S402HRW5N", ValidUntil: now.AddDate(0, 0, 3), MaxUses: 10, RevokedAt: &revoked},
	} {
		k.RoleID = base.RoleID
		if err := st.CreateInviteKey(context.Background(), k, base.UnitIDs, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, w := showScreen(t, 1200, 500, func(w fyne.Window) *KeysScreen { return NewKeysScreen(st, svc, w) })
	test.AssertRendersToMarkup(t, "keys_screen.xml", w.Canvas())
}
