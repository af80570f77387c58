package lifecycle

import (
	"context"
	"strings"
	"testing"

	"onboard/data"
)

func TestBulkPlanAndRun(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var ids []string
	for i, n := range []string{"Anna", "Ben", "Chloé", "Dmitri", "Elif"} {
		email := strings.ToLower(strings.ReplaceAll(n, "é", "e")) + "@example.org"
		if i == 4 {
			email = ""
		}
		c := f.create(t, n, "Test", email)
		ids = append(ids, c.User.ID)
	}
	if _, err := f.svc.MarkRegistered(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Deactivate(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	plan, err := f.svc.PlanBulk(ctx, ids, ActionResend)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Eligible) != 2 || len(plan.Skipped) != 3 {
		t.Fatalf("plan: %d eligible, skipped %+v", len(plan.Eligible), plan.Skipped)
	}
	if got := SkipSummary(plan.Skipped); got != "1 active, 1 deactivated, 1 without an email address" {
		t.Fatalf("summary %q", got)
	}
	var calls []int
	res, err := f.svc.RunBulk(ctx, ids, BulkOp{Action: ActionResend}, func(done, total int) { calls = append(calls, done) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 2 || len(res.Skipped) != 3 || len(calls) != 1 || calls[0] != 5 {
		t.Fatalf("result %+v, progress %v", res, calls)
	}
	for _, id := range ids[2:4] {
		if st := f.status(t, id); st != data.StatusInvited {
			t.Fatalf("resent user is %s", st)
		}
	}
	// Deactivate all: the deactivated one is skipped, the rest change.
	res, err = f.svc.RunBulk(ctx, ids, BulkOp{Action: ActionDeactivate}, nil)
	if err != nil || res.Done != 4 || len(res.Skipped) != 1 {
		t.Fatalf("deactivate: %+v %v", res, err)
	}
	res, err = f.svc.RunBulk(ctx, ids, BulkOp{Action: ActionAddToGroup, GroupID: f.group}, nil)
	if err != nil || res.Done != 5 {
		t.Fatalf("add to group: %+v %v", res, err)
	}
	res, err = f.svc.RunBulk(ctx, ids, BulkOp{Action: ActionAddToGroup, GroupID: f.group}, nil)
	if err != nil || res.Done != 0 || len(res.Skipped) != 5 || res.Skipped[0].Reason != "already in that group" {
		t.Fatalf("add to group again: %+v %v", res, err)
	}
	res, err = f.svc.RunBulk(ctx, ids, BulkOp{Action: ActionDelete}, nil)
	if err != nil || res.Done != 5 {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if n, _ := f.store.CountUsers(ctx, data.UserQuery{}, f.now); n != 0 {
		t.Fatalf("%d users left after bulk delete", n)
	}
}
