package lifecycle

import (
	"context"
	"fmt"
	"testing"

	"onboard/data"
)

// BenchmarkBulkDeactivate5k deactivates 5,000 users with RunBulk, as the users
// screen's bulk action does (each is reactivated again between the runs, untimed).
// Each user is its own nested write of a transaction of bulkTx users.
func BenchmarkBulkDeactivate5k(b *testing.B) {
	const n = 5000
	f := newFixture(b)
	ctx := context.Background()
	users := make([]data.BulkUser, n)
	ids := make([]string, n)
	for i := range users {
		users[i] = data.BulkUser{
			User:    data.User{FirstName: "Anna", LastName: fmt.Sprint("Bulk", i), Username: fmt.Sprint("anna.bulk", i), RoleID: f.roleID, Phase: data.PhaseActive},
			UnitIDs: f.units[:1],
		}
	}
	if err := f.store.InsertUsersBulk(ctx, users, data.AuditEvent{At: f.now, Action: "create"}, nil); err != nil {
		b.Fatal(err)
	}
	for i := range users {
		ids[i] = users[i].User.ID
	}
	for b.Loop() {
		res, err := f.svc.RunBulk(ctx, ids, BulkOp{Action: ActionDeactivate}, nil)
		if err != nil || res.Done != n {
			b.Fatalf("%v, %d of %d deactivated", err, res.Done, n)
		}
		b.StopTimer()
		if res, err := f.svc.RunBulk(ctx, ids, BulkOp{Action: ActionReactivate}, nil); err != nil || res.Done != n {
			b.Fatalf("%v, %d of %d reactivated", err, res.Done, n)
		}
		b.StartTimer()
	}
}
