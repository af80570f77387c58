package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onboard/internal/keys"
	"onboard/internal/server/web"
	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

func registration(username string) web.Registration {
	return web.Registration{
		FirstName: "New", LastName: "Person", Username: username,
		Email: username + "@example.net", Mobile: "+49 170 1", PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
		TOTPSecret: "JBSWY3DPEHPK3PXP", TermsAt: time.Now(),
	}
}

func TestRedeemPersonalKeyActivatesTheUserForThePull(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		op := operator(t, s, "Office", allPerms()...)
		uid, key := invitee(t, s, op, "anna", time.Now().Add(time.Hour))
		_, cursor := pullAll(t, s, 0, 0)

		// Lower case, without hyphens, O for 0: still the same key.
		typed := strings.ToLower(strings.ReplaceAll(key, "-", ""))
		inv, err := s.PersonalKey(ctx, typed)
		if err != nil {
			t.Fatalf("PersonalKey: %v", err)
		}
		if inv.UserID != uid || inv.FirstName != "Anna" || inv.LastName != "Müller" || inv.Username != "anna" {
			t.Errorf("invitee %+v", inv)
		}
		if err := s.RedeemPersonalKey(ctx, typed, registration("anna.m")); err != nil {
			t.Fatalf("RedeemPersonalKey: %v", err)
		}
		if _, err := s.PersonalKey(ctx, key); !errors.Is(err, web.ErrBadKey) {
			t.Errorf("redeemed key: %v, want ErrBadKey", err)
		}
		recs, _ := pullAll(t, s, cursor, 0)
		if len(recs) != 2 {
			t.Fatalf("pulled %d records after the redemption, want the key and the user", len(recs))
		}
		for _, r := range recs {
			switch r.Entity {
			case syncapi.EntityUser:
				var u syncapi.User
				if err := json.Unmarshal(r.Data, &u); err != nil {
					t.Fatal(err)
				}
				// Anna's names are not locked, so the registration's names replace them.
				if u.Phase != "active" || u.ActivatedAt == nil || u.Username != "anna.m" || r.Version != 2 ||
					u.FirstName != "New" || u.LastName != "Person" || u.Email != "anna.m@example.net" {
					t.Errorf("pulled user v%d %+v", r.Version, u)
				}
				if strings.Contains(string(r.Data), "argon2") || strings.Contains(string(r.Data), "JBSWY3DP") {
					t.Errorf("pulled user carries the password hash or TOTP secret: %s", r.Data)
				}
			case syncapi.EntityPersonalKey:
				var k syncapi.PersonalKey
				if err := json.Unmarshal(r.Data, &k); err != nil || k.RedeemedAt == nil {
					t.Errorf("pulled key %s (%v), want redeemed", r.Data, err)
				}
			}
		}
		var u User
		if err := s.rdb.Where("id = ?", uid).Take(&u).Error; err != nil {
			t.Fatal(err)
		}
		if u.PasswordHash == "" || u.TOTPSecret == "" || u.TermsAcceptedAt == nil || u.UpdatedBy != RegistrationActor {
			t.Errorf("stored user %+v", u)
		}
		if secret, err := s.UserTOTPSecret(context.Background(), uid); err != nil || secret != "JBSWY3DPEHPK3PXP" {
			t.Errorf("UserTOTPSecret: %q, %v", secret, err)
		}
	})
}

func TestRedeemRacesHaveExactlyOneWinner(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		stores := []*Store{open(t, dsn), open(t, dsn)} // two server processes on one database
		op := operator(t, stores[0], "Office", allPerms()...)
		_, key := invitee(t, stores[0], op, "anna", time.Now().Add(time.Hour))
		ok, bad := race(t, 100, func(i int) error {
			return stores[i%2].RedeemPersonalKey(context.Background(), key, registration(fmt.Sprintf("p%d", i)))
		})
		if ok != 1 || bad != 99 {
			t.Errorf("%d succeeded, %d bad key; want 1 and 99", ok, bad)
		}
	})
}

func TestInviteKeyNeverExceedsItsMaximumUses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		stores := []*Store{open(t, dsn), open(t, dsn)}
		op := operator(t, stores[0], "Office", allPerms()...)
		kid, key := inviteKey(t, stores[0], op, 10, time.Now().Add(time.Hour))
		label, err := stores[1].InviteKey(context.Background(), strings.ToLower(key))
		if err != nil || label != "Class 5a" {
			t.Fatalf("InviteKey: %q, %v", label, err)
		}
		_, cursor := pullAll(t, stores[0], 0, 0)
		ok, bad := race(t, 100, func(i int) error {
			return stores[i%2].JoinWithInviteKey(context.Background(), key, registration(fmt.Sprintf("joiner%d", i)))
		})
		if ok != 10 || bad != 90 {
			t.Errorf("%d joined, %d refused; want 10 and 90", ok, bad)
		}
		recs, _ := pullAll(t, stores[1], cursor, 0)
		users := 0
		for _, r := range recs {
			switch r.Entity {
			case syncapi.EntityUser:
				users++
				var u syncapi.User
				if err := json.Unmarshal(r.Data, &u); err != nil {
					t.Fatal(err)
				}
				if u.Phase != "active" || u.InviteKeyID == nil || *u.InviteKeyID != kid || u.RoleID != "r1" ||
					fmt.Sprint(u.UnitIDs, u.GroupIDs) != "[u1] [g1]" || u.FirstName != "New" {
					t.Errorf("joined user %+v", u)
				}
			case syncapi.EntityInviteKey:
				var k syncapi.InviteKey
				if err := json.Unmarshal(r.Data, &k); err != nil || k.Uses != 10 {
					t.Errorf("pulled invite key %s (%v), want 10 uses", r.Data, err)
				}
			}
		}
		if users != 10 {
			t.Errorf("pulled %d new users, want 10", users)
		}
		if _, err := stores[0].InviteKey(context.Background(), key); !errors.Is(err, web.ErrBadKey) {
			t.Errorf("used-up key: %v, want ErrBadKey", err)
		}
	})
}

func TestBadKeysAllGetTheSameAnswer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		op := operator(t, s, "Office", allPerms()...)
		unknown, _ := keys.NewPersonal()
		_, expired := invitee(t, s, op, "expired", time.Now().Add(-time.Minute))
		_, used := invitee(t, s, op, "used", time.Now().Add(time.Hour))
		if err := s.RedeemPersonalKey(ctx, used, registration("used")); err != nil {
			t.Fatal(err)
		}
		revokedUser, revoked := invitee(t, s, op, "revoked", time.Now().Add(time.Hour))
		// Revoke the key by pushing it again with revoked_at (its row is the second one).
		recs, _ := pullAll(t, s, 0, 0)
		for _, r := range recs {
			var k syncapi.PersonalKey
			if r.Entity == syncapi.EntityPersonalKey && json.Unmarshal(r.Data, &k) == nil && k.UserID == revokedUser {
				now := time.Now()
				k.RevokedAt = &now
				wantStatus(t, push(t, s, op, change(t, syncapi.EntityPersonalKey, r.ID, r.Version, &k)), syncapi.StatusApplied)
			}
		}
		deletedUser, ofDeleted := invitee(t, s, op, "deleted", time.Now().Add(time.Hour))
		wantStatus(t, push(t, s, op, syncapi.Change{
			MutationID: "d", Entity: syncapi.EntityUser, ID: deletedUser,
			BaseVersion: 1, Deleted: true,
		}), syncapi.StatusApplied)
		for name, key := range map[string]string{
			"unknown": unknown, "malformed": "ABCDE", "mistyped": swap(unknown),
			"expired": expired, "used": used, "revoked": revoked, "user deleted": ofDeleted, "empty": "",
		} {
			if _, err := s.PersonalKey(ctx, key); err != web.ErrBadKey {
				t.Errorf("PersonalKey(%s): %v, want ErrBadKey", name, err)
			}
			if err := s.RedeemPersonalKey(ctx, key, registration("x"+name)); err != web.ErrBadKey {
				t.Errorf("RedeemPersonalKey(%s): %v, want ErrBadKey", name, err)
			}
		}

		unknownInvite, _ := keys.NewInvite()
		_, expiredInvite := inviteKey(t, s, op, 5, time.Now().Add(-time.Minute))
		_, usedUp := inviteKey(t, s, op, 1, time.Now().Add(time.Hour))
		if err := s.JoinWithInviteKey(ctx, usedUp, registration("first")); err != nil {
			t.Fatal(err)
		}
		rid, revokedInvite := inviteKey(t, s, op, 5, time.Now().Add(time.Hour))
		now := time.Now()
		wantStatus(t, push(t, s, op, change(t, syncapi.EntityInviteKey, rid, 1, &syncapi.InviteKey{
			Label:  "Class 5a",
			RoleID: "r1", UnitIDs: []string{"u1"}, ValidUntil: now.Add(time.Hour), MaxUses: 5, RevokedAt: &now,
		})), syncapi.StatusApplied)
		for name, key := range map[string]string{
			"unknown": unknownInvite, "malformed": "12", "expired": expiredInvite,
			"used up": usedUp, "revoked": revokedInvite, "personal key as invite key": unknown,
		} {
			if _, err := s.InviteKey(ctx, key); err != web.ErrBadKey {
				t.Errorf("InviteKey(%s): %v, want ErrBadKey", name, err)
			}
			if err := s.JoinWithInviteKey(ctx, key, registration("y"+strings.ReplaceAll(name, " ", ""))); err != web.ErrBadKey {
				t.Errorf("JoinWithInviteKey(%s): %v, want ErrBadKey", name, err)
			}
		}
	})
}

// swap exchanges two symbols of a key: a typing error the check symbol catches.
func swap(key string) string {
	b := []byte(key)
	for i := 0; i+1 < len(b); i++ {
		if b[i] != b[i+1] && b[i] != '-' && b[i+1] != '-' {
			b[i], b[i+1] = b[i+1], b[i]
			return string(b)
		}
	}
	return key + "X"
}

func TestTakenUsernameOrEmailLeavesTheKeyUsable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		op := operator(t, s, "Office", allPerms()...)
		invitee(t, s, op, "holder", time.Now().Add(time.Hour))
		_, key := invitee(t, s, op, "anna", time.Now().Add(time.Hour))
		var taken *web.ErrTaken
		err := s.RedeemPersonalKey(ctx, key, registration("HOLDER"))
		if !errors.As(err, &taken) || taken.Field != "username" {
			t.Fatalf("taken username: %v", err)
		}
		r := registration("anna")
		r.Email = "Holder@Example.org"
		if err := s.RedeemPersonalKey(ctx, key, r); !errors.As(err, &taken) || taken.Field != "email" {
			t.Fatalf("taken email: %v", err)
		}
		if err := s.RedeemPersonalKey(ctx, key, registration("anna")); err != nil {
			t.Fatalf("the key was used up by the refused attempts: %v", err)
		}
		_, invite := inviteKey(t, s, op, 1, time.Now().Add(time.Hour))
		if err := s.JoinWithInviteKey(ctx, invite, registration("Anna")); !errors.As(err, &taken) {
			t.Fatalf("join with a taken username: %v", err)
		}
		if err := s.JoinWithInviteKey(ctx, invite, registration("bob")); err != nil {
			t.Fatalf("the refused join counted a use: %v", err)
		}
	})
}

// TestFailuresCountPerBucketAndWindow: failures counted by one store are seen by
// another on the same database, exactly under concurrency, per bucket and window;
// reading the counters writes nothing; names are stored hashed; Prune clears past
// windows.
func TestFailuresCountPerBucketAndWindow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		stores := []*Store{open(t, dsn), open(t, dsn)}
		ctx := context.Background()
		count := func(i int, window time.Duration, buckets ...string) []int {
			t.Helper()
			n, err := stores[i%2].Failures(ctx, window, buckets...)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		fail := func(i int, window time.Duration, buckets ...string) {
			t.Helper()
			if err := stores[i%2].Fail(ctx, window, buckets...); err != nil {
				t.Fatal(err)
			}
		}
		// Shared between the two stores, per bucket; a bucket named twice counts once.
		for i := range 3 {
			fail(i, time.Hour, "addr:192.0.2.1", "key:a")
		}
		fail(0, time.Hour, "key:a", "key:a")
		if got := count(1, time.Hour, "key:a", "addr:192.0.2.1", "addr:192.0.2.2"); !slices.Equal(got, []int{4, 3, 0}) {
			t.Errorf("counters %v, want [4 3 0]", got)
		}
		// Reading writes nothing.
		rows := func() (n, hits int64) {
			stores[0].rdb.Model(&RateLimit{}).Count(&n)
			stores[0].rdb.Model(&RateLimit{}).Select("COALESCE(SUM(hits), 0)").Scan(&hits)
			return n, hits
		}
		n0, h0 := rows()
		for i := range 10 {
			count(i, time.Hour, "addr:192.0.2.1", "addr:192.0.2.9")
		}
		if n1, h1 := rows(); n1 != n0 || h1 != h0 {
			t.Errorf("reading the counters wrote: %d rows %d hits, before %d rows %d hits", n1, h1, n0, h0)
		}
		concurrentFailures(t, stores)
		windowsStartAfresh(t, stores)
		if _, err := stores[0].Failures(ctx, 0, "x"); !errors.Is(err, ErrInvalid) {
			t.Errorf("window 0: %v", err)
		}
		// Buckets are stored hashed; Prune removes past windows.
		var n int64
		stores[0].rdb.Model(&RateLimit{}).Where("bucket LIKE ?", "%192.0.2%").Count(&n)
		if n != 0 {
			t.Error("a bucket name is stored in plain text")
		}
		if err := stores[0].Prune(ctx); err != nil {
			t.Fatal(err)
		}
		stores[0].rdb.Model(&RateLimit{}).Where("expires_at < ?", time.Now()).Count(&n)
		if n != 0 {
			t.Errorf("%d expired counters left after Prune", n)
		}
	})
}

// concurrentFailures: 40 failures on two buckets at once, through two stores, are
// counted exactly (and do not deadlock on PostgreSQL, whatever order they name the
// buckets in).
func concurrentFailures(t *testing.T, stores []*Store) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			b := []string{"key:concurrent", "addr:concurrent"}
			if i%2 == 1 {
				b[0], b[1] = b[1], b[0]
			}
			if err := stores[i%2].Fail(ctx, time.Hour, b...); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, err := stores[0].Failures(ctx, time.Hour, "key:concurrent", "addr:concurrent"); err != nil || !slices.Equal(got, []int{40, 40}) {
		t.Errorf("%v after 40 concurrent failures (%v)", got, err)
	}
}

// windowsStartAfresh: a failure counts in its window only.
func windowsStartAfresh(t *testing.T, stores []*Store) {
	t.Helper()
	ctx := context.Background()
	const w = 300 * time.Millisecond
	time.Sleep(time.Until(time.Now().Truncate(w).Add(w))) // the start of a window
	if err := stores[0].Fail(ctx, w, "short"); err != nil {
		t.Fatal(err)
	}
	if got, err := stores[1].Failures(ctx, w, "short"); err != nil || got[0] != 1 {
		t.Errorf("%v in the window, want 1 (%v)", got, err)
	}
	time.Sleep(w)
	if got, err := stores[1].Failures(ctx, w, "short"); err != nil || got[0] != 0 {
		t.Errorf("the next window starts with %v (%v)", got, err)
	}
}

// race runs attempt(0…n-1) at once and counts the successes and the ErrBadKey
// answers; any other error fails t.
func race(t *testing.T, n int, attempt func(i int) error) (ok, bad int) {
	t.Helper()
	var okN, badN atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			err := attempt(i)
			switch {
			case err == nil:
				okN.Add(1)
			case errors.Is(err, web.ErrBadKey):
				badN.Add(1)
			default:
				t.Errorf("attempt %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(okN.Load()), int(badN.Load())
}

// TestAnExtendedKeyWorksAgain: the desktop's "Extend validity" pushes the same key
// with a later end; the server takes the new date, so the expired key of a printed
// letter registers again.
func TestAnExtendedKeyWorksAgain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := context.Background()
		op := operator(t, s, "Office", allPerms()...)
		uid, key := invitee(t, s, op, "late", time.Now().Add(-time.Hour))
		if _, err := s.PersonalKey(ctx, key); !errors.Is(err, web.ErrBadKey) {
			t.Fatalf("the expired key: %v, want ErrBadKey", err)
		}
		recs, _ := pullAll(t, s, 0, 0)
		for _, r := range recs {
			var k syncapi.PersonalKey
			if r.Entity == syncapi.EntityPersonalKey && json.Unmarshal(r.Data, &k) == nil && k.UserID == uid {
				k.ExpiresAt = time.Now().AddDate(0, 0, 30)
				wantStatus(t, push(t, s, op, change(t, syncapi.EntityPersonalKey, r.ID, r.Version, &k)), syncapi.StatusApplied)
			}
		}
		if inv, err := s.PersonalKey(ctx, key); err != nil || inv.UserID != uid {
			t.Fatalf("the extended key: %+v, %v", inv, err)
		}
		if err := s.RedeemPersonalKey(ctx, key, registration("late")); err != nil {
			t.Fatalf("registering with the extended key: %v", err)
		}
	})
}
