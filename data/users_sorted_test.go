package data

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// The users read by rowid in the order SortedRowIDs gives are the users ListUsers
// pages through, in the same order, for every sort and direction, ties included.
func TestSortedRowIDsAgreeWithPages(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, _ := seedCatalog(t, s)
	now := time.Now()
	for i := range 120 {
		email := ""
		if i%3 != 0 {
			email = fmt.Sprintf("u%d@example.org", i%50) + fmt.Sprint(i)
		}
		expires := now.Add(time.Duration(i%7) * 24 * time.Hour)
		addUser(t, s, &User{
			FirstName: "Anna", LastName: fmt.Sprintf("Name%d", i%10), Email: email,
			Username: fmt.Sprintf("user%03d", i), RoleID: roleID, Phase: PhaseInvited, KeyExpiresAt: &expires,
		}, nil, nil)
	}
	for _, sort := range []SortColumn{SortName, SortEmail, SortStatus, SortValidUntil, SortUnits, SortUsername} {
		for _, desc := range []bool{false, true} {
			q := UserQuery{Sort: sort, Desc: desc}
			ids, err := s.SortedRowIDs(ctx, q, now)
			if err != nil {
				t.Fatal(err)
			}
			var paged, byRowID []string
			for off := 0; off < len(ids); off += 25 {
				q.Offset, q.Limit = off, 25
				page, err := s.ListUsers(ctx, q, now)
				if err != nil {
					t.Fatal(err)
				}
				at, err := s.UsersAt(ctx, ids[off:min(off+25, len(ids))], now)
				if err != nil {
					t.Fatal(err)
				}
				for i := range page {
					paged = append(paged, page[i].ID)
				}
				for i := range at {
					byRowID = append(byRowID, at[i].ID)
					if at[i].Status != StatusOf(at[i].Phase, at[i].KeyExpiresAt, now) {
						t.Fatalf("UsersAt left the status of %s out", at[i].Username)
					}
				}
			}
			if len(paged) != 120 || !slices.Equal(paged, byRowID) {
				t.Errorf("sort %s desc %v: %d paged users, by rowid they differ: %v", sort, desc, len(paged), !slices.Equal(paged, byRowID))
			}
		}
	}
}
