package lifecycle

import (
	"context"
	"slices"
	"testing"

	"onboard/data"
)

func TestPrepareLettersSkipsAndRenews(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var ids []string
	for _, n := range []string{"Anna", "Ben", "Chloé", "Dmitri", "Elif"} {
		ids = append(ids, f.create(t, n, "Test", "").User.ID)
	}
	if _, err := f.svc.MarkRegistered(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Deactivate(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CancelInvitation(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	reversed := slices.Clone(ids)
	slices.Reverse(reversed)

	batch, err := f.svc.PrepareLetters(ctx, append(reversed, "no-such-id"), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Recipients) != 2 || batch.Recipients[0].UserID != ids[4] || batch.Recipients[1].UserID != ids[0] {
		t.Fatalf("recipients %+v, want Elif then Anna", batch.Recipients)
	}
	if got := SkipSummary(batch.Skipped); got != "1 already active, 1 deactivated, 1 deleted meanwhile, 1 "+skipNoKey {
		t.Fatalf("skipped: %s", got)
	}
	live, err := f.store.LiveKey(ctx, ids[0])
	if err != nil || batch.Recipients[1].Key != live.Key || batch.Recipients[1].ValidUntil.IsZero() {
		t.Fatalf("Anna's letter key %q, live key %v %v", batch.Recipients[1].Key, live, err)
	}

	// Renewing gives Dmitri (cancelled) a new key; nothing changes for Anna.
	batch, err = f.svc.PrepareLetters(ctx, ids, true)
	if err != nil || len(batch.Recipients) != 3 || batch.Renewed != 1 {
		t.Fatalf("renew: %+v %v", batch, err)
	}
	dmitri := batch.Recipients[1]
	if k, err := f.store.LiveKey(ctx, ids[3]); err != nil || k.Key != dmitri.Key || dmitri.Key == "" {
		t.Fatalf("Dmitri's new key %q is not his live key (%v)", dmitri.Key, err)
	}
	if k, _ := f.store.LiveKey(ctx, ids[0]); k.Key != batch.Recipients[0].Key {
		t.Fatal("Anna's key changed")
	}
	if st := f.status(t, ids[3]); st != data.StatusNotActivated {
		t.Fatalf("Dmitri is %s after the renewal", st)
	}

	if err := f.svc.RecordLetters(ctx, batch.Recipients, "/tmp/x.pdf"); err != nil {
		t.Fatal(err)
	}
	h, err := f.store.History(ctx, ids[3])
	if err != nil || h[len(h)-1].Action != string(ActionLetter) {
		t.Fatalf("history %+v %v", h, err)
	}
}

func TestPrepareLettersRenewsAnExpiredKeyOnlyWhenAsked(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, err := f.svc.CreateUser(ctx, f.input("Frieda", "Late", ""), 1)
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.AddDate(0, 0, 2)
	batch, err := f.svc.PrepareLetters(ctx, []string{c.User.ID}, false)
	if err != nil || len(batch.Recipients) != 0 || len(batch.Skipped) != 1 ||
		batch.Skipped[0].Reason != skipExpired || !batch.Skipped[0].Renewable {
		t.Fatalf("without renewal: %+v %v", batch, err)
	}
	batch, err = f.svc.PrepareLetters(ctx, []string{c.User.ID}, true)
	if err != nil || len(batch.Recipients) != 1 || batch.Renewed != 1 || batch.Recipients[0].Key == c.Key ||
		!batch.Recipients[0].ValidUntil.After(f.now) {
		t.Fatalf("with renewal: %+v %v", batch, err)
	}
	if st := f.status(t, c.User.ID); st != data.StatusNotActivated {
		t.Fatalf("after the renewal Frieda is %s", st)
	}
}
