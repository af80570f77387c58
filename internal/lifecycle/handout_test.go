package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"onboard/data"
	"onboard/internal/letters"
)

// handedOutNames lists the last names of the users whose letters are handed out
// and who have not registered.
func (f *fixture) handedOutNames(t *testing.T) []string {
	t.Helper()
	rows, err := f.store.ListUsers(context.Background(), data.UserQuery{Letter: data.LetterHandedOutNotRegistered}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.FirstName)
	}
	return out
}

func TestHandOutByScan(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	anna, ben, chloe := f.create(t, "Anna", "Müller", ""), f.create(t, "Ben", "Weber", ""), f.create(t, "Chloé", "Roy", "")
	link := "  " + letters.Link("https://onboard.schule.example", anna.Key) + " \n"
	h, err := f.svc.HandOutByScan(ctx, link)
	if err != nil || h.UserID != anna.User.ID || h.Already || h.By != "test-admin" || h.Text() != "Anna Müller (Class 5a) — handed out" {
		t.Fatalf("scan of the link: %+v, %v", h, err)
	}
	typed := strings.ToLower(ben.Key)
	if !strings.Contains(typed, "-") {
		t.Fatalf("key %q has no dashes", typed)
	}
	if h, err = f.svc.HandOutByScan(ctx, typed); err != nil || h.UserID != ben.User.ID || h.Already {
		t.Fatalf("typed key: %+v, %v", h, err)
	}
	if h, err = f.svc.HandOutByScan(ctx, strings.ReplaceAll(typed, "-", "")); err != nil || !h.Already || h.By != "test-admin" ||
		!h.At.Equal(f.now) || !strings.HasPrefix(h.Text(), "Ben Weber (Class 5a) — already handed out on 22 November 2026 by test-admin") {
		t.Fatalf("second scan: %+v, %v", h, err)
	}
	if got := f.handedOutNames(t); !slices.Equal(got, []string{"Anna", "Ben"}) {
		t.Fatalf("handed out: %v", got)
	}
	if got := f.history(t, anna.User.ID); got[len(got)-1] != string(ActionHandOut) {
		t.Fatalf("Anna's history: %v", got)
	}
	if got := f.history(t, ben.User.ID); len(got) != 2 {
		t.Fatalf("Ben's history after two scans: %v", got)
	}
	for _, text := range []string{"", "nonsense", "https://x.example/register?key=" + strings.ToLower(chloe.Key) + "x"} {
		if _, err := f.svc.HandOutByScan(ctx, text); !errors.Is(err, ErrNoLetter) {
			t.Fatalf("scan of %q: %v, want no letter", text, err)
		}
	}
	// A revoked key carries no letter any more, the new one does.
	if _, err := f.svc.NewKey(ctx, chloe.User.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.HandOutByScan(ctx, chloe.Key); !errors.Is(err, ErrNoLetter) {
		t.Fatalf("revoked key: %v", err)
	}
	if _, err := f.svc.MarkRegistered(ctx, anna.User.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.HandOutByScan(ctx, anna.Key); !errors.Is(err, ErrNoLetter) {
		t.Fatalf("redeemed key: %v", err)
	}
	if got := f.handedOutNames(t); !slices.Equal(got, []string{"Ben"}) {
		t.Fatalf("handed out after Anna registered: %v", got)
	}
}

func TestHandOutByScanOfARegisteredUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	anna := f.create(t, "Anna", "Müller", "")
	// A user marked active while the key stays live (as a pull can leave it).
	u, _ := f.store.UserByID(ctx, anna.User.ID)
	u.Phase = data.PhaseActive
	if err := f.store.SaveUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.HandOutByScan(ctx, anna.Key)
	var te *TransitionError
	if !errors.As(err, &te) || te.Status != data.StatusActive {
		t.Fatalf("scan of a registered user's key: %v", err)
	}
}

// handOutMix creates Anna (with a letter to hand out), Ben (registered), Chloé
// (without a key) and Dmitri (letter handed out) and returns their IDs.
func (f *fixture) handOutMix(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for _, n := range []string{"Anna", "Ben", "Chloé", "Dmitri"} {
		ids = append(ids, f.create(t, n, "Test", "").User.ID)
	}
	if _, err := f.svc.MarkRegistered(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CancelInvitation(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.MarkHandedOut(ctx, ids[3:]); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestMarkHandedOutSkips(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := f.handOutMix(t)
	res, err := f.svc.MarkHandedOut(ctx, append(ids, "no-such-id"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Done) != 1 || res.Done[0].UserID != ids[0] {
		t.Fatalf("done %+v, want Anna", res.Done)
	}
	if got := SkipSummary(res.Skipped); got != "1 active, 1 already handed out, 1 deleted meanwhile, 1 no registration key" {
		t.Fatalf("skipped: %s", got)
	}
	if got := f.history(t, ids[0]); got[len(got)-1] != string(ActionHandOut) {
		t.Fatalf("Anna's history: %v", got)
	}
	if got := f.handedOutNames(t); !slices.Equal(got, []string{"Anna", "Dmitri"}) {
		t.Fatalf("handed out: %v", got)
	}
}

func TestRecordLettersMarksPrinted(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	anna, ben := f.create(t, "Anna", "Müller", ""), f.create(t, "Ben", "Weber", "")
	batch, err := f.svc.PrepareLetters(ctx, []string{anna.User.ID}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RecordLetters(ctx, batch.Recipients, "/tmp/x.pdf"); err != nil {
		t.Fatal(err)
	}
	rows, err := f.store.ListUsers(ctx, data.UserQuery{Letter: data.LetterPrintedNotHandedOut}, f.now)
	if err != nil || len(rows) != 1 || rows[0].ID != anna.User.ID {
		t.Fatalf("printed, not handed out: %+v, %v (Ben is %s)", rows, err, ben.User.ID)
	}
}

func TestBulkHandOutPlansAndRuns(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := f.handOutMix(t)
	plan, err := f.svc.PlanBulk(ctx, ids, ActionHandOut)
	if err != nil || !slices.Equal(plan.Eligible, ids[:1]) ||
		SkipSummary(plan.Skipped) != "1 active, 1 already handed out, 1 no registration key" {
		t.Fatalf("plan %+v (%s), %v", plan, SkipSummary(plan.Skipped), err)
	}
	res, err := f.svc.RunBulk(ctx, ids, BulkOp{Action: ActionHandOut}, nil)
	if err != nil || res.Done != 1 || SkipSummary(res.Skipped) != "1 active, 1 already handed out, 1 no registration key" {
		t.Fatalf("run %+v, %v", res, err)
	}
	if got := f.handedOutNames(t); !slices.Equal(got, []string{"Anna", "Dmitri"}) {
		t.Fatalf("handed out: %v", got)
	}
}
