package data_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/demo"
)

// TestIndexedSearchFindsWhatTheScanFinds compares every way of asking for a search
// with the scan of the search texts it replaced, on demo data with German, Turkish,
// Polish, Greek and Cyrillic names and some deleted users: searches of one, two
// (scanned) and more characters (the trigram index), inside words, across first and
// last name, in emails, with accents, ß and the Turkish dotless ı in either the
// search or the name.
func TestIndexedSearchFindsWhatTheScanFinds(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	if _, err := demo.Fill(ctx, st, demo.Options{Users: 3000, Seed: 11, Now: now, Actor: "demo"}); err != nil {
		t.Fatal(err)
	}
	deleted := tombstoneSome(t, st, "Groß", now)

	searches := []string{
		"a", "ß", "ı", "Ö", "ж", // one character
		"an", "ss", "YI", "ül", "ëh", "ел", "ıl", // two
		"ann", "anna", "nna", "üll", "MÜLLER", "mueller", "muller", "Muller", "groß", "GROSS", "gross", "roß",
		"yılmaz", "YILMAZ", "yilmaz", "ılm", "İbrahim", "ibra", "çağ", "cag", "ağl", "şah", "sahin",
		"łukasz", "lukasz", "ukas", "zoë", "zoe", "brontë", "ångström", "angstrom",
		"юлия", "Юлия", "ули", "иванова", "наталья", "ёлк", "Ξανθή", "ξανθη", "παπαδ",
		"anna müller", "a m", "example", "@", ".org", "ngst", "nowhere at all", `quo"te`,
	}
	for _, s := range searches {
		want, err := st.ScanSearch(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		q := data.UserQuery{Search: s}
		got, err := st.UserIDs(ctx, q, now)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("search %q: %d users, the scan finds %d", s, len(got), len(want))
		}
		if n, err := st.CountUsers(ctx, q, now); err != nil || n != len(want) {
			t.Errorf("search %q: count %d (%v), the scan finds %d", s, n, err, len(want))
		}
		counts, err := st.CountByStatus(ctx, q, now)
		if sum := sumCounts(counts); err != nil || sum != len(want) {
			t.Errorf("search %q: counts by status add up to %d (%v), the scan finds %d", s, sum, err, len(want))
		}
		for _, id := range got {
			if deleted[id] {
				t.Errorf("search %q finds the deleted user %s", s, id)
			}
		}
	}
	for _, s := range []string{"anna", "yılmaz", "groß", "ıl", "юлия"} {
		if want, _ := st.ScanSearch(ctx, s); len(want) == 0 {
			t.Errorf("search %q finds nobody in the demo data; the comparison proves little", s)
		}
	}
}

// tombstoneSome deletes the users named last and returns their IDs.
func tombstoneSome(t *testing.T, st *data.Store, last string, now time.Time) map[string]bool {
	t.Helper()
	ctx := context.Background()
	rows, err := st.ListUsers(ctx, data.UserQuery{Search: last, Limit: 20}, now)
	if err != nil || len(rows) == 0 {
		t.Fatalf("no users named %s to delete: %v", last, err)
	}
	deleted := map[string]bool{}
	for _, r := range rows {
		u, err := st.UserByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.TombstoneUser(ctx, u, now); err != nil {
			t.Fatal(err)
		}
		deleted[r.ID] = true
	}
	return deleted
}

func sumCounts(counts map[data.Status]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}
