package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"
	"unicode"

	"onboard/data"
	"onboard/internal/keys"
)

func openStore(tb testing.TB) *data.Store {
	tb.Helper()
	st, err := data.Open(filepath.Join(tb.TempDir(), "demo.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func TestFillMakesEveryStatusAndRealisticNames(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	counts, err := Fill(ctx, st, Options{Users: 2000, Seed: 1, Now: now, Actor: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := st.StatusCounts(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range data.Statuses {
		if counts[s] == 0 || counts[s] != stored[s] {
			t.Errorf("%s: made %d, store counts %d", s, counts[s], stored[s])
		}
		total += stored[s]
	}
	if total != 2000 {
		t.Fatalf("store has %d users, want 2000", total)
	}
	rows, err := st.ListUsers(ctx, data.UserQuery{}, now)
	if err != nil {
		t.Fatal(err)
	}
	scripts := map[string]bool{}
	for _, r := range rows {
		for _, c := range r.FirstName + r.LastName {
			switch {
			case unicode.Is(unicode.Cyrillic, c):
				scripts["cyrillic"] = true
			case unicode.Is(unicode.Greek, c):
				scripts["greek"] = true
			case c == 'ü' || c == 'ö' || c == 'ä' || c == 'ß':
				scripts["german"] = true
			case c == 'ł' || c == 'Ł' || c == 'ó':
				scripts["polish"] = true
			case c == 'ş' || c == 'ı' || c == 'ğ':
				scripts["turkish"] = true
			}
		}
		if r.Units == "" || r.Role == "" {
			t.Fatalf("user %s lacks unit or role", r.Username)
		}
		hasKey := r.Status == data.StatusNotActivated || r.Status == data.StatusInvited || r.Status == data.StatusExpired
		if hasKey != (r.Key != "") || (hasKey && !keys.Valid(keys.Personal, r.Key)) {
			t.Fatalf("user %s (%s) has key %q", r.Username, r.Status, r.Key)
		}
	}
	if len(scripts) != 5 {
		t.Fatalf("names cover %v, want German, Polish, Turkish, Greek and Cyrillic", scripts)
	}
	ikeys, err := st.InviteKeys(ctx)
	if err != nil || len(ikeys) != 3 {
		t.Fatalf("invite keys: %d, %v", len(ikeys), err)
	}
	for _, k := range ikeys {
		used, _ := st.InviteKeyUsers(ctx, k.ID, now)
		if k.Uses != len(used) || k.Uses > k.MaxUses {
			t.Errorf("key %s: %d uses recorded, %d users registered with it, max %d", k.Label, k.Uses, len(used), k.MaxUses)
		}
	}
	// A second run adds users without clashing with the first.
	if _, err := Fill(ctx, st, Options{Users: 500, Seed: 1, Now: now}); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.CountUsers(ctx, data.UserQuery{}, now); n != 2500 {
		t.Fatalf("after a second run: %d users", n)
	}
	if res, _ := st.IntegrityCheck(ctx); res != "ok" {
		t.Fatal(res)
	}
}

// BenchmarkDemo100k measures `onboard demo --users 100000` minus process start:
// target ≤ 3 s.
func BenchmarkDemo100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := openStore(b)
		b.StartTimer()
		if _, err := Fill(context.Background(), st, Options{Users: 100_000, Seed: uint64(i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListUsersPage measures one page of 100 users, filtered by status, at
// offset 50,000 of 100,000 users (a term start: most users not activated yet):
// target ≤ 10 ms.
func BenchmarkListUsersPage(b *testing.B) {
	st := openStore(b)
	ctx := context.Background()
	now := time.Now()
	if _, err := Fill(ctx, st, Options{Users: 100_000, Seed: 3, Now: now, Mix: []int{62, 15, 5, 13, 5}}); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		q    data.UserQuery
	}{
		{"not-activated/offset50000", data.UserQuery{Status: data.StatusNotActivated, Offset: 50_000, Limit: 100}},
		{"all/offset50000", data.UserQuery{Offset: 50_000, Limit: 100}},
		{"expired/offset0", data.UserQuery{Status: data.StatusExpired, Limit: 100}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rows, err := st.ListUsers(ctx, bc.q, now)
				if err != nil || len(rows) != 100 {
					b.Fatalf("%d rows, %v", len(rows), err)
				}
			}
		})
	}
}
