package lifecycle

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/keys"
	"onboard/internal/settings"
)

// fixture is a store with one role, two units and a group, and a service on a clock
// the test moves.
type fixture struct {
	store  *data.Store
	svc    *Service
	now    time.Time
	roleID string
	units  []string
	group  string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{store: st, now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	f.svc = New(st, WithClock(func() time.Time { return f.now }), WithActor("test-admin"))
	ctx := context.Background()
	r := &data.Role{Name: "Student"}
	u1, u2 := &data.Unit{Name: "Class 5a"}, &data.Unit{Name: "Class 5b"}
	g := &data.Group{Name: "Choir"}
	for _, err := range []error{st.CreateRole(ctx, r), st.CreateUnit(ctx, u1), st.CreateUnit(ctx, u2), st.CreateGroup(ctx, g)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	f.roleID, f.units, f.group = r.ID, []string{u1.ID, u2.ID}, g.ID
	return f
}

func (f *fixture) input(first, last, email string) UserInput {
	return UserInput{FirstName: first, LastName: last, Email: email, RoleID: f.roleID, UnitIDs: f.units[:1]}
}

func (f *fixture) create(t *testing.T, first, last, email string) *Created {
	t.Helper()
	c, err := f.svc.CreateUser(context.Background(), f.input(first, last, email), 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) status(t *testing.T, id string) data.Status {
	t.Helper()
	u, err := f.store.UserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u.Status(f.now)
}

func (f *fixture) history(t *testing.T, id string) []string {
	t.Helper()
	evs, err := f.store.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Actor != "test-admin" {
			t.Errorf("event %s has actor %q", e.Action, e.Actor)
		}
		out = append(out, e.Action)
	}
	return out
}

func TestCreateUserGivesKeyAndDerivesUsername(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, "Anna", "Müller", "Anna.Mueller@example.org")
	if c.User.Username != "anna.mueller" {
		t.Errorf("username = %q, want anna.mueller", c.User.Username)
	}
	if _, err := keys.Parse(keys.Personal, c.Key); err != nil || len(c.Key) != 29 {
		t.Errorf("key %q: %v", c.Key, err)
	}
	if st := f.status(t, c.User.ID); st != data.StatusNotActivated {
		t.Errorf("status = %s", st)
	}
	if want := f.now.AddDate(0, 0, settings.DefaultValidDays); !c.User.KeyExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", c.User.KeyExpiresAt, want)
	}
	// Same local part elsewhere: numeric suffix.
	c2 := f.create(t, "Anna", "Müller", "anna.mueller@other.example")
	c3 := f.create(t, "Anna", "Müller", "")
	if c2.User.Username != "anna.mueller2" || c3.User.Username != "anna.mueller3" {
		t.Errorf("usernames = %q, %q; want anna.mueller2, anna.mueller3", c2.User.Username, c3.User.Username)
	}
	c4 := f.create(t, "Юлия", "Ξανθή", "")
	if c4.User.Username != "iuliia.xanthi" {
		t.Errorf("transliterated username = %q", c4.User.Username)
	}
	if h := f.history(t, c.User.ID); strings.Join(h, ",") != string(ActionCreate) {
		t.Errorf("history = %v", h)
	}
}

func TestCreateUserValidation(t *testing.T) {
	f := newFixture(t)
	f.create(t, "Anna", "Müller", "anna@example.org")
	in := UserInput{
		FirstName: "", LastName: "Groß", Email: "ANNA@example.org", Username: "x", Mobile: "call me",
		RoleID: "", UnitIDs: nil,
	}
	_, err := f.svc.CreateUser(context.Background(), in, 0)
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	want := map[string]string{
		"first_name": "first name is required",
		"email":      "already used by Anna Müller",
		"username":   "at least 2 characters",
		"mobile":     "may contain digits",
		"role":       "role is required",
		"units":      "at least one unit",
	}
	for field, msg := range want {
		if got := ve.Field(field); !strings.Contains(got, msg) {
			t.Errorf("%s: %q, want it to contain %q", field, got, msg)
		}
	}
	for _, bad := range []string{"anna@example", "anna@@x.org", "a b@x.org", "Anna <a@x.org>", "a@x.org\r\nBcc: evil@x.org"} {
		in := f.input("Bad", "Address", bad)
		if _, err := f.svc.CreateUser(context.Background(), in, 0); !errors.As(err, &ve) || ve.Field("email") == "" {
			t.Errorf("email %q accepted: %v", bad, err)
		}
	}
	if _, err := f.svc.CreateUser(context.Background(), f.input("A", "B", ""), 181); !errors.Is(err, ErrInvalid) {
		t.Errorf("181 days accepted: %v", err)
	}
	n, _ := f.store.CountAllUsers(context.Background())
	if n != 1 {
		t.Fatalf("%d users stored, want only the first", n)
	}
}

func TestResendIssuesNewKeyAndOldStopsWorking(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.create(t, "Łukasz", "Wójcik", "lukasz@example.org")
	inv, err := f.svc.SendInvitation(ctx, c.User.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Key != c.Key || f.status(t, c.User.ID) != data.StatusInvited {
		t.Fatalf("invite kept key %v, status %s", inv.Key == c.Key, f.status(t, c.User.ID))
	}
	// Eight days later the key has expired: derived from the clock, nothing stored.
	f.now = f.now.AddDate(0, 0, 8)
	if st := f.status(t, c.User.ID); st != data.StatusExpired {
		t.Fatalf("status after 8 days = %s, want expired", st)
	}
	if _, err := f.svc.SendInvitation(ctx, c.User.ID, 0); !errors.Is(err, ErrForbidden) {
		t.Fatalf("invite of an expired user: %v (resend is the action for that)", err)
	}
	re, err := f.svc.ResendInvitation(ctx, c.User.ID, ResendOptions{Email: "lukasz.wojcik@example.org", ValidDays: 14})
	if err != nil {
		t.Fatal(err)
	}
	if re.Key == c.Key {
		t.Fatal("resend kept the old key")
	}
	old, _ := f.store.PersonalKeyByKey(ctx, c.Key)
	if old.RevokedAt == nil {
		t.Fatal("the old key still works after resend")
	}
	live, _ := f.store.LiveKey(ctx, c.User.ID)
	if live.Key != re.Key || !live.ExpiresAt.Equal(f.now.AddDate(0, 0, 14)) {
		t.Fatalf("live key %s expiring %v", live.Key, live.ExpiresAt)
	}
	if st := f.status(t, c.User.ID); st != data.StatusInvited {
		t.Fatalf("status after resend = %s", st)
	}
	u, _ := f.store.UserByID(ctx, c.User.ID)
	if u.Email != "lukasz.wojcik@example.org" {
		t.Fatalf("corrected email not stored: %s", u.Email)
	}
	// Registered users cannot be re-invited.
	if _, err := f.svc.MarkRegistered(ctx, c.User.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.ResendInvitation(ctx, c.User.ID, ResendOptions{})
	var te *TransitionError
	if !errors.As(err, &te) || te.Status != data.StatusActive || !strings.Contains(err.Error(), "Łukasz Wójcik") {
		t.Fatalf("resend for active user: %v", err)
	}
	live2, err := f.store.LiveKey(ctx, c.User.ID)
	if !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("an active user still has a live key: %v", live2)
	}
	want := []string{string(ActionCreate), string(ActionInvite), string(ActionResend), string(ActionRegister)}
	if h := f.history(t, c.User.ID); strings.Join(h, ",") != strings.Join(want, ",") {
		t.Fatalf("history = %v, want %v", h, want)
	}
}

func TestLifecycleTransitions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.create(t, "Zoë", "Brontë", "zoe@example.org")
	id := c.User.ID
	steps := []struct {
		name string
		do   func() error
		want data.Status // status afterwards; "" when the step must be refused
	}{
		{"reactivate a not-activated user", func() error { _, err := f.svc.Reactivate(ctx, id); return err }, ""},
		{"cancel", func() error { _, err := f.svc.CancelInvitation(ctx, id); return err }, data.StatusNotActivated},
		{"cancel again", func() error { _, err := f.svc.CancelInvitation(ctx, id); return err }, ""},
		{"new key", func() error { _, err := f.svc.NewKey(ctx, id, 3); return err }, data.StatusNotActivated},
		{"invite", func() error { _, err := f.svc.SendInvitation(ctx, id, 0); return err }, data.StatusInvited},
		{"deactivate", func() error { _, err := f.svc.Deactivate(ctx, id); return err }, data.StatusDeactivated},
		{"deactivate again", func() error { _, err := f.svc.Deactivate(ctx, id); return err }, ""},
		{"resend while deactivated", func() error {
			_, err := f.svc.ResendInvitation(ctx, id, ResendOptions{})
			return err
		}, ""},
		{"reactivate", func() error { _, err := f.svc.Reactivate(ctx, id); return err }, data.StatusInvited},
		{"register", func() error { _, err := f.svc.MarkRegistered(ctx, id); return err }, data.StatusActive},
		{"new key for active", func() error { _, err := f.svc.NewKey(ctx, id, 0); return err }, ""},
		{"deactivate active", func() error { _, err := f.svc.Deactivate(ctx, id); return err }, data.StatusDeactivated},
		{"reactivate to active", func() error { _, err := f.svc.Reactivate(ctx, id); return err }, data.StatusActive},
	}
	for _, s := range steps {
		before, _ := f.store.UserByID(ctx, id)
		err := s.do()
		if s.want == "" {
			if !errors.Is(err, ErrForbidden) {
				t.Fatalf("%s: err = %v, want a forbidden transition", s.name, err)
			}
			after, _ := f.store.UserByID(ctx, id)
			if after.Version != before.Version {
				t.Fatalf("%s: refused, but the user changed", s.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if st := f.status(t, id); st != s.want {
			t.Fatalf("%s: status %s, want %s", s.name, st, s.want)
		}
	}
	if err := f.svc.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.UserByID(ctx, id); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("deleted user still found: %v", err)
	}
	// The tombstone stays for sync.
	if n, _ := f.store.CountAllUsers(ctx); n != 1 {
		t.Fatalf("tombstone missing: %d rows", n)
	}
	if _, err := f.svc.Reactivate(ctx, id); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("action on a deleted user: %v", err)
	}
}

func TestEditRecordsChangesAndChecksUniqueness(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.create(t, "Anna", "Müller", "anna@example.org")
	b := f.create(t, "Ben", "Becker", "ben@example.org")
	in := f.input("Anna", "Schäfer", "anna@example.org")
	in.UnitIDs, in.GroupIDs = f.units, []string{f.group}
	u, err := f.svc.EditUser(ctx, a.User.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if u.LastName != "Schäfer" || u.Username != "anna" || u.Version < 3 {
		t.Fatalf("edited user = %+v", u)
	}
	evs, _ := f.store.History(ctx, a.User.ID)
	last := evs[len(evs)-1]
	if last.Action != string(ActionEdit) || !strings.Contains(last.Changes, `"last_name":{"old":"Müller","new":"Schäfer"}`) ||
		!strings.Contains(last.Changes, `"units"`) || !strings.Contains(last.Changes, `"groups"`) {
		t.Fatalf("edit event = %+v", last)
	}
	in = f.input("Ben", "Becker", "Anna@Example.org")
	if _, err := f.svc.EditUser(ctx, b.User.ID, in); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "already used by Anna Schäfer") {
		t.Fatalf("edit to a taken email: %v", err)
	}
}

// TestEditWritesOnlyTheLinksThatChange: the same units in another order (and
// repeated) are no change; new groups are, with what they were and are.
func TestEditWritesOnlyTheLinksThatChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.create(t, "Anna", "Müller", "anna@example.org")
	in := f.input("Anna", "Müller", "anna@example.org")
	in.UnitIDs = f.units
	if _, err := f.svc.EditUser(ctx, a.User.ID, in); err != nil {
		t.Fatal(err)
	}
	in.UnitIDs = []string{f.units[1], f.units[0], f.units[1]}
	in.GroupIDs = []string{f.group}
	if _, err := f.svc.EditUser(ctx, a.User.ID, in); err != nil {
		t.Fatal(err)
	}
	evs, err := f.store.History(ctx, a.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if strings.Contains(last.Changes, `"units"`) || !strings.Contains(last.Changes, `"groups":{"old":null,"new":["`+f.group+`"]}`) {
		t.Fatalf("edit event changes = %s", last.Changes)
	}
	units, err := f.store.UserUnitIDs(ctx, a.User.ID)
	if err != nil || !sameSet(units, f.units) || len(units) != 2 {
		t.Fatalf("units %v (%v), want %v", units, err, f.units)
	}
}

func TestInviteKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := InviteKeyInput{Label: "Parents 5a", RoleID: f.roleID, UnitIDs: f.units[:1], ValidUntil: f.now.AddDate(0, 0, 14), MaxUses: 30}
	k, err := f.svc.CreateInviteKey(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !keys.Valid(keys.Invite, k.Key) || InviteKeyState(k, f.now) != InviteKeyActive {
		t.Fatalf("key %s state %s", k.Key, InviteKeyState(k, f.now))
	}
	if InviteKeyState(k, f.now.AddDate(0, 0, 15)) != InviteKeyExpired {
		t.Fatal("key not expired after its validity")
	}
	if _, err := f.svc.RevokeInviteKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	k2, _ := f.store.InviteKeyByID(ctx, k.ID)
	if InviteKeyState(k2, f.now) != InviteKeyRevoked {
		t.Fatal("revoked key not revoked")
	}
	if _, err := f.svc.RevokeInviteKey(ctx, k.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("second revoke: %v", err)
	}
	bad := InviteKeyInput{RoleID: f.roleID, UnitIDs: f.units[:1], ValidUntil: f.now.Add(-time.Hour), MaxUses: 0}
	_, err = f.svc.CreateInviteKey(ctx, bad)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field("valid_until") == "" || ve.Field("max_uses") == "" {
		t.Fatalf("bad invite key: %v", err)
	}
}

func TestValidDaysReadsTheSetting(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := settings.Set(ctx, f.store, settings.InviteValidDays, "30"); err != nil {
		t.Fatal(err)
	}
	if days, err := f.svc.ValidDays(ctx, 0); err != nil || days != 30 {
		t.Fatalf("ValidDays = %d, %v; want 30", days, err)
	}
	if _, err := f.svc.ValidDays(ctx, settings.MaxValidDays+1); err == nil {
		t.Fatal("a validity over the limit was accepted")
	}
}

// A username stored before today's rules (here with a space, which they refuse)
// does not block editing the user's other fields; a new one must follow them.
func TestEditKeepsALegacyUsername(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.create(t, "Anna", "Müller", "")
	u := c.User
	u.Username = "anna müller"
	if err := f.store.SaveUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	in := f.input("Anna", "Schmidt", "")
	in.Username = "anna müller"
	if _, err := f.svc.EditUser(ctx, u.ID, in); err != nil {
		t.Fatalf("editing the last name refused over the stored username: %v", err)
	}
	in.Username = "anna schmidt"
	var verr *ValidationError
	if _, err := f.svc.EditUser(ctx, u.ID, in); !errors.As(err, &verr) || verr.Problems[0].Field != "username" {
		t.Fatalf("a new username breaking the rules: %v", err)
	}
	fresh := f.input("Ben", "Kern", "")
	fresh.Username = "ben kern"
	if probs, err := f.svc.Check(ctx, fresh, ""); err != nil || len(probs) != 1 || probs[0].Field != "username" {
		t.Fatalf("a new user's username breaking the rules: %v %v", probs, err)
	}
}
