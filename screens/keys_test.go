package screens

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/screens/internal/uitest"
)

func newKeysScreen(t *testing.T) (*KeysScreen, fyne.Window, *data.Store, *lifecycle.Service) {
	t.Helper()
	st, svc, _ := uitest.OpenStore(t)
	s, w := showScreen(t, 1200, 700, func(w fyne.Window) *KeysScreen { return NewKeysScreen(st, svc, w) })
	return s, w, st, svc
}

func TestInviteKeyWizardCreatesAndRevokeChangesState(t *testing.T) {
	test.NewTempApp(t)
	s, w, st, svc := newKeysScreen(t)
	if !s.empty.Visible() {
		t.Fatal("no empty state without keys")
	}
	s.NewKey()
	uitest.Settle(s.wait)
	f := s.lastForm
	test.Type(f.label, "Parents 5a")
	f.maxUses.SetText("25")
	f.units.SetSelected([]string{"Werk Süd"})
	test.Tap(uitest.Button(t, w, "Create key"))
	uitest.Settle(s.wait)
	if s.Last == nil {
		t.Fatalf("no key created; texts %v", uitest.Texts(w))
	}
	keys, _ := st.InviteKeys(context.Background())
	if len(keys) != 1 || keys[0].Label != "Parents 5a" || keys[0].MaxUses != 25 {
		t.Fatalf("stored keys %+v", keys)
	}
	shown := uitest.Texts(w)
	if !shown[keys[0].Key] || !shown["Parents 5a"] || !shown["0 / 25"] || !shown["Active"] {
		t.Fatalf("list does not show the key: %v", shown)
	}
	// A user who registered with it is listed.
	u := &data.User{
		FirstName: "Elif", LastName: "Doğan", Username: "elif", RoleID: keys[0].RoleID,
		Phase: data.PhaseActive, InviteKeyID: &keys[0].ID,
	}
	units, _ := st.Units(context.Background())
	if err := st.CreateUser(context.Background(), u, []string{units[0].ID}, nil); err != nil {
		t.Fatal(err)
	}
	s.Reload()
	uitest.Settle(s.wait)
	if !strings.Contains(s.users.Text, "Elif Doğan") {
		t.Fatalf("registered users: %q", s.users.Text)
	}
	test.Tap(uitest.Button(t, w, "Revoke…"))
	test.Tap(uitest.Button(t, w, "Yes"))
	uitest.Settle(s.wait)
	k, _ := st.InviteKeyByID(context.Background(), keys[0].ID)
	if lifecycle.InviteKeyState(k, svc.Now()) != lifecycle.InviteKeyRevoked || !uitest.Texts(w)["Revoked"] || !s.revoke.Disabled() {
		t.Fatalf("after revoke: state %s", lifecycle.InviteKeyState(k, svc.Now()))
	}
}

func TestInviteKeyWizardRefusesPastDateAndMissingUnit(t *testing.T) {
	test.NewTempApp(t)
	s, w, st, _ := newKeysScreen(t)
	s.NewKey()
	uitest.Settle(s.wait)
	f := s.lastForm
	f.validUntil.SetText(time.Now().AddDate(0, 0, -1).Format("2006-01-02"))
	test.Tap(uitest.Button(t, w, "Create key"))
	uitest.Settle(s.wait)
	shown := uitest.Texts(w)
	if !shown["valid until must be in the future"] || !shown["at least one unit is required"] {
		t.Fatalf("messages missing: %v", shown)
	}
	f.validUntil.SetText("31.12.2026")
	test.Tap(uitest.Button(t, w, "Create key"))
	uitest.Settle(s.wait)
	if !uitest.Texts(w)["enter a date as YYYY-MM-DD, e.g. 2026-12-31"] {
		t.Fatal("a German date format is not explained")
	}
	if keys, _ := st.InviteKeys(context.Background()); len(keys) != 0 {
		t.Fatalf("created %d keys from a bad form", len(keys))
	}
}
