package uitest

import (
	"context"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/lifecycle"
)

// LetterUsers stores three users with live keys (Anna, Ben, Cem), one active (Dana)
// and one whose key expired yesterday (Emil), and returns their IDs in that order,
// with a service whose clock stands two days after they were created.
func LetterUsers(t *testing.T) (*data.Store, *lifecycle.Service, []string) {
	t.Helper()
	st, _, base := OpenStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	svc := lifecycle.New(st, lifecycle.WithClock(func() time.Time { return now }), lifecycle.WithActor("admin"))
	var ids []string
	for _, n := range []string{"Anna", "Ben", "Cem", "Dana"} {
		ids = append(ids, CreateUser(t, svc, base, n, "Letter", "").User.ID)
	}
	if _, err := svc.MarkRegistered(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	in := base
	in.FirstName, in.LastName = "Emil", "Expired"
	c, err := svc.CreateUser(ctx, in, 1)
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, c.User.ID)
	now = now.AddDate(0, 0, 2)
	return st, svc, ids
}
