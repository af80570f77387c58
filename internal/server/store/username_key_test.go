package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"onboard/internal/server/web"
	"onboard/internal/testdb"
)

// TestLookAlikeUsernamesAreTaken: a registration whose username only looks like a
// stored one (other case, fullwidth, dotless ı, Cyrillic look-alikes) is refused as
// taken, and the key stays usable.
func TestLookAlikeUsernamesAreTaken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		op := operator(t, s, "Office", allPerms()...)
		invitee(t, s, op, "admin", time.Now().Add(time.Hour))
		_, key := invitee(t, s, op, "anna", time.Now().Add(time.Hour))
		_, invite := inviteKey(t, s, op, 10, time.Now().Add(time.Hour))
		for _, u := range []string{"\uff41dmin", "adm\u0131n", "\u0430dmin", "\u0430\u0501m\u0456n", "ADM\u0130N"} {
			var taken *web.ErrTaken
			r := registration(u)
			r.Email = "new@example.net"
			if err := s.RedeemPersonalKey(ctx, key, r); !errors.As(err, &taken) || taken.Field != "username" {
				t.Errorf("redeem as %q: %v", u, err)
			}
			if err := s.JoinWithInviteKey(ctx, invite, r); !errors.As(err, &taken) || taken.Field != "username" {
				t.Errorf("join as %q: %v", u, err)
			}
		}
		// The user's own username is no conflict, and other names are free.
		if err := s.RedeemPersonalKey(ctx, key, registration("Anna")); err != nil {
			t.Fatalf("redeem as the own username: %v", err)
		}
		if err := s.JoinWithInviteKey(ctx, invite, registration("admins")); err != nil {
			t.Fatalf("join as admins: %v", err)
		}
	})
}

// TestLookAlikeRedemptionsRace: two people redeem their personal keys at once
// with look-alike usernames; at most one of each pair gets the name. (Joins with one
// invite key are serialized by the key's row anyway.)
func TestLookAlikeRedemptionsRace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		op := operator(t, s, "Office", allPerms()...)
		for n, pair := range [][2]string{{"admin", "\uff41dmin"}, {"root", "r\u043e\u043et"}, {"kim", "k\u0131m"}, {"ida", "\u0456da"}, {"max", "MAX"}} {
			var keys [2]string
			for i := range keys {
				_, keys[i] = invitee(t, s, op, fmt.Sprintf("p%d-%d", n, i), time.Now().Add(time.Hour))
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, u := range pair {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := registration(fmt.Sprintf("p%d-%d", n, i))
					r.Username = u
					errs[i] = s.RedeemPersonalKey(ctx, keys[i], r)
				}()
			}
			wg.Wait()
			var taken *web.ErrTaken
			ok := 0
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.As(err, &taken):
					t.Errorf("%q: %v", pair[i], err)
				}
			}
			if ok != 1 {
				t.Errorf("%q: %d redemptions succeeded (%v)", pair, ok, errs)
			}
		}
	})
}
