package lifecycle

import (
	"context"
	"errors"
	"strings"
	"testing"

	"onboard/data"
)

// TestExtendValidityKeepsTheKey: an expired key gets a new end date and works
// again, the same key as the printed letter; the change is audited and counted for
// sync on the key and the user. Users without a key and registered users are
// refused; a bulk run extends the others and skips those.
func TestExtendValidityKeepsTheKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.create(t, "Zoë", "Brontë", "zoe@example.org")
	if _, err := f.svc.SendInvitation(ctx, c.User.ID, 7); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.AddDate(0, 0, 10)
	if st := f.status(t, c.User.ID); st != data.StatusExpired {
		t.Fatalf("status after 10 days %s, want expired", st)
	}
	before, _ := f.store.LiveKey(ctx, c.User.ID)
	u, err := f.svc.ExtendValidity(ctx, c.User.ID, 21)
	if err != nil {
		t.Fatal(err)
	}
	after, err := f.store.LiveKey(ctx, c.User.ID)
	if err != nil || after.Key != c.Key || after.ID != before.ID {
		t.Fatalf("key after extending: %+v, %v; want the same key %s", after, err, c.Key)
	}
	want := f.now.AddDate(0, 0, 21)
	if !after.ExpiresAt.Equal(want) || u.KeyExpiresAt == nil || !u.KeyExpiresAt.Equal(want) {
		t.Fatalf("key ends %v, user's key %v; want %v", after.ExpiresAt, u.KeyExpiresAt, want)
	}
	if after.Version <= before.Version {
		t.Errorf("the key's version stayed %d: sync would not send the new date", after.Version)
	}
	if st := f.status(t, c.User.ID); st != data.StatusInvited {
		t.Errorf("status after extending %s, want invited again", st)
	}
	h, _ := f.store.History(ctx, c.User.ID)
	last := h[len(h)-1]
	if last.Action != string(ActionExtend) || !strings.Contains(last.Changes, "key_expires_at") || !strings.Contains(last.Summary, "the key stays the same") {
		t.Errorf("last event %+v", last)
	}

	noKey := f.create(t, "Ben", "Ohne", "")
	if _, err := f.store.EndLiveKey(ctx, noKey.User.ID, f.now, false); err != nil {
		t.Fatal(err)
	}
	var te *TransitionError
	if _, err := f.svc.ExtendValidity(ctx, noKey.User.ID, 0); !errors.As(err, &te) || !strings.Contains(err.Error(), "no key") {
		t.Errorf("extending without a key: %v", err)
	}
	active := f.create(t, "Cem", "Aktiv", "cem@example.org")
	if _, err := f.svc.MarkRegistered(ctx, active.User.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ExtendValidity(ctx, active.User.ID, 0); !errors.As(err, &te) || te.Status != data.StatusActive {
		t.Errorf("extending an active user: %v", err)
	}

	other := f.create(t, "Dora", "Brief", "")
	res, err := f.svc.RunBulk(ctx, []string{other.User.ID, active.User.ID, noKey.User.ID}, BulkOp{Action: ActionExtend, ValidDays: 30}, nil)
	if err != nil || res.Done != 1 || len(res.Skipped) != 2 {
		t.Fatalf("bulk extend: %+v, %v", res, err)
	}
	if k, _ := f.store.LiveKey(ctx, other.User.ID); k.Key != other.Key || !k.ExpiresAt.Equal(f.now.AddDate(0, 0, 30)) {
		t.Errorf("bulk: Dora's key %+v", k)
	}
}
