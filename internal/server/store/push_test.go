package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

func TestPushCreatesRowsOfEveryEntity(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		uid, unit, group, role := newID(), newID(), newID(), newID()
		res := push(t, s, op,
			change(t, syncapi.EntityUnit, unit, 0, &syncapi.Unit{Name: "5a"}),
			change(t, syncapi.EntityGroup, group, 0, &syncapi.Unit{Name: "Parents"}),
			change(t, syncapi.EntityRole, role, 0, &syncapi.Role{Name: "Pupil", Permissions: []string{"chat"}}),
			change(t, syncapi.EntityUser, uid, 0, user("anna")),
		)
		wantStatus(t, res, syncapi.StatusApplied, syncapi.StatusApplied, syncapi.StatusApplied, syncapi.StatusApplied)
		for _, r := range res {
			if r.Version != 1 {
				t.Errorf("version %d, want 1", r.Version)
			}
		}
		inviteKey(t, s, op, 5, time.Now().Add(time.Hour))
		invitee(t, s, op, "ben", time.Now().Add(time.Hour))

		recs, _ := pullAll(t, s, 0, 0)
		got := map[syncapi.Entity]int{}
		for _, r := range recs {
			got[r.Entity]++
			if r.Entity == syncapi.EntityInviteKey && strings.Contains(string(r.Data), `"key"`) {
				t.Errorf("pulled invite key carries its key: %s", r.Data)
			}
		}
		want := map[syncapi.Entity]int{"unit": 1, "group": 1, "role": 1, "user": 2, "invite_key": 1, "personal_key": 1}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("pulled %v, want %v", got, want)
		}
		var u syncapi.User
		for _, r := range recs {
			if r.ID == uid {
				if err := json.Unmarshal(r.Data, &u); err != nil {
					t.Fatal(err)
				}
			}
		}
		if u.Username != "anna" || u.LastName != "Müller" || u.UpdatedBy != "Office" || len(u.UnitIDs) != 1 {
			t.Errorf("pulled user %+v", u)
		}
	})
}

func TestPushSameBatchTwiceChangesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		id := newID()
		batch := []syncapi.Change{
			change(t, syncapi.EntityUser, id, 0, user("anna")),
			change(t, syncapi.EntityUser, id, 1, user("anna.m")), // changed again in the same batch
			change(t, syncapi.EntityUnit, newID(), 0, &syncapi.Unit{Name: "5a"}),
		}
		first := push(t, s, op, batch...)
		wantStatus(t, first, syncapi.StatusApplied, syncapi.StatusApplied, syncapi.StatusApplied)
		if first[1].Version != 2 {
			t.Errorf("second change of the row: version %d, want 2", first[1].Version)
		}
		_, cursor := pullAll(t, s, 0, 0)
		second := push(t, s, op, batch...)
		wantStatus(t, second, syncapi.StatusDuplicate, syncapi.StatusDuplicate, syncapi.StatusDuplicate)
		for i := range first {
			if second[i].Version != first[i].Version {
				t.Errorf("duplicate %d: version %d, want %d", i, second[i].Version, first[i].Version)
			}
		}
		if recs, _ := pullAll(t, s, cursor, 0); len(recs) != 0 {
			t.Errorf("the duplicate push logged %d changes", len(recs))
		}
	})
}

func TestPushStaleBaseIsAConflictWithTheCurrentRow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		a := operator(t, s, "A", allPerms()...)
		b := operator(t, s, "B", allPerms()...)
		id := newID()
		wantStatus(t, push(t, s, a, change(t, syncapi.EntityUser, id, 0, user("anna"))), syncapi.StatusApplied)
		edit := user("anna")
		edit.Notes = "A's note"
		wantStatus(t, push(t, s, a, change(t, syncapi.EntityUser, id, 1, edit)), syncapi.StatusApplied)

		stale := user("anna")
		stale.Notes = "B's note"
		res := push(t, s, b, change(t, syncapi.EntityUser, id, 1, stale))
		wantStatus(t, res, syncapi.StatusConflict)
		cur := res[0].Current
		if cur == nil || cur.Version != 2 || res[0].Version != 2 {
			t.Fatalf("conflict answer %+v, want the current row at version 2", res[0])
		}
		var u syncapi.User
		if err := json.Unmarshal(cur.Data, &u); err != nil || u.Notes != "A's note" {
			t.Errorf("current row %s (%v), want A's note", cur.Data, err)
		}
		// A new row that exists already is a conflict too.
		res = push(t, s, b, change(t, syncapi.EntityUser, id, 0, stale))
		wantStatus(t, res, syncapi.StatusConflict)
		// Based on the current version, B's change applies.
		wantStatus(t, push(t, s, b, change(t, syncapi.EntityUser, id, 2, stale)), syncapi.StatusApplied)
	})
}

func TestPushRefusesPerChangeWithoutBlockingTheRest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Users only", "add-users")
		none := operator(t, s, "Nothing")
		res := push(t, s, op,
			change(t, syncapi.EntityInviteKey, newID(), 0, &syncapi.InviteKey{
				Label: "x", Key: "0000000000",
				ValidUntil: time.Now().Add(time.Hour), MaxUses: 3,
			}),
			change(t, syncapi.EntityUser, newID(), 0, user("anna")),
			syncapi.Change{MutationID: "m-bad", Entity: "spaceship", ID: newID()},
			syncapi.Change{MutationID: "m-id", Entity: syncapi.EntityUnit, ID: "not-a-uuid", Data: raw(t, &syncapi.Unit{Name: "x"})},
			syncapi.Change{MutationID: "m-data", Entity: syncapi.EntityUser, ID: newID(), Data: json.RawMessage(`{"phase":"flying"}`)},
			change(t, syncapi.EntityUser, newID(), 5, user("ghost")),
			change(t, syncapi.EntityUnit, newID(), 0, &syncapi.Unit{Name: "5a"}),
		)
		wantStatus(t, res, syncapi.StatusRefused, syncapi.StatusApplied, syncapi.StatusRefused,
			syncapi.StatusRefused, syncapi.StatusRefused, syncapi.StatusRefused, syncapi.StatusRefused)
		if !strings.Contains(res[0].Reason, "add-users-by-link") || !strings.Contains(res[6].Reason, "manage-units") {
			t.Errorf("refusal reasons %q, %q do not name the permission", res[0].Reason, res[6].Reason)
		}
		res = push(t, s, none,
			change(t, syncapi.EntityUser, newID(), 0, user("ben")),
			change(t, syncapi.EntityGroup, newID(), 0, &syncapi.Unit{Name: "Parents"}))
		wantStatus(t, res, syncapi.StatusRefused, syncapi.StatusRefused)

		// More than BulkLimit new users in one push need bulk-invite.
		var many []syncapi.Change
		for i := 0; i <= syncapi.BulkLimit; i++ {
			many = append(many, change(t, syncapi.EntityUser, newID(), 0, user(fmt.Sprintf("bulk%d", i))))
		}
		many = append(many, change(t, syncapi.EntityUnit, newID(), 0, &syncapi.Unit{Name: "5b"}))
		res = push(t, s, operator(t, s, "Users and units", "add-users", "manage-units"), many...)
		for i, r := range res[:len(res)-1] {
			if r.Status != syncapi.StatusRefused || !strings.Contains(r.Reason, "bulk-invite") {
				t.Fatalf("bulk user %d: %+v, want refused for bulk-invite", i, r)
			}
		}
		wantStatus(t, res[len(res)-1:], syncapi.StatusApplied)
		bulk := operator(t, s, "Bulk", "add-users", "bulk-invite")
		for _, r := range push(t, s, bulk, many[:len(many)-1]...) {
			if r.Status != syncapi.StatusApplied {
				t.Fatalf("with bulk-invite: %+v", r)
			}
		}
	})
}

func TestPushKeepsUsernamesAndEmailsUnique(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		anna, other := newID(), newID()
		dup := user("ANNA")
		dup.Email = "someone@example.org"
		sameMail := user("annika")
		sameMail.Email = "Anna@Example.org"
		res := push(t, s, op,
			change(t, syncapi.EntityUser, anna, 0, user("anna")),
			change(t, syncapi.EntityUser, other, 0, dup),
			change(t, syncapi.EntityUser, newID(), 0, sameMail))
		wantStatus(t, res, syncapi.StatusApplied, syncapi.StatusRefused, syncapi.StatusRefused)
		if res[1].Reason != "the username is already taken" || res[2].Reason != "the email is already taken" {
			t.Errorf("reasons %q, %q", res[1].Reason, res[2].Reason)
		}
		// In a later batch, too; after anna is deleted, the name is free.
		wantStatus(t, push(t, s, op, change(t, syncapi.EntityUser, other, 0, dup)), syncapi.StatusRefused)
		del := syncapi.Change{MutationID: "del-" + anna, Entity: syncapi.EntityUser, ID: anna, BaseVersion: 1, Deleted: true}
		res = push(t, s, op, del, change(t, syncapi.EntityUser, other, 0, dup))
		wantStatus(t, res, syncapi.StatusApplied, syncapi.StatusApplied)
		recs, _ := pullAll(t, s, 0, 0)
		for _, r := range recs {
			if r.ID == anna && (!r.Deleted || r.Version != 2 || r.Data != nil) {
				t.Errorf("deleted user pulled as %+v", r)
			}
		}
	})
}

func TestPullPagesEveryChangedRowOnceWithAGrowingCursor(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		const n = 1234
		ids := make([]string, n)
		var batch []syncapi.Change
		for i := range ids {
			ids[i] = newID()
			batch = append(batch, change(t, syncapi.EntityUser, ids[i], 0, user(fmt.Sprintf("u%d", i))))
			if len(batch) == 500 || i == n-1 {
				push(t, s, op, batch...)
				batch = nil
			}
		}
		first, cursor := pullAll(t, s, 0, 100)
		if len(first) != n {
			t.Fatalf("pulled %d records, want %d", len(first), n)
		}
		// Change every third row twice and one other row once: each must come
		// again exactly once, at its final version, after the cursor.
		want := map[string]int64{}
		for i := 0; i < n; i += 3 {
			u := user(fmt.Sprintf("u%d", i))
			u.Notes = "1"
			batch = append(batch, change(t, syncapi.EntityUser, ids[i], 1, u))
			u.Notes = "2"
			batch = append(batch, change(t, syncapi.EntityUser, ids[i], 2, u))
			want[ids[i]] = 3
		}
		push(t, s, op, batch...)
		wantStatus(t, push(t, s, op, change(t, syncapi.EntityUser, ids[n-2], 1, user("last"))), syncapi.StatusApplied)
		want[ids[n-2]] = 2
		again, end := pullAll(t, s, cursor, 7)
		seen := map[string]int{}
		for _, r := range again {
			seen[r.ID]++
			if r.Version != want[r.ID] {
				t.Errorf("row %s pulled at version %d, want %d", r.ID, r.Version, want[r.ID])
			}
		}
		if len(seen) != len(want) || len(again) != len(want) {
			t.Errorf("pulled %d records of %d rows, want each of %d rows once", len(again), len(seen), len(want))
		}
		if end <= cursor {
			t.Errorf("cursor %d did not grow past %d", end, cursor)
		}
		// Nothing new: an empty page keeps the cursor.
		page, err := s.Pull(context.Background(), end, 0)
		if err != nil || len(page.Records) != 0 || page.Cursor != end || page.More {
			t.Errorf("empty pull: %+v, %v", page, err)
		}
	})
}

// TestChangeLogNeverSkipsUnderConcurrentPushes pulls while several pushers commit at
// once: every row must be pulled although transactions take sequence numbers and
// commit in different orders (see appendLog).
func TestChangeLogNeverSkipsUnderConcurrentPushes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		s2 := open(t, dsn) // a second server process on the same database
		op := operator(t, s, "Office", allPerms()...)
		const pushers, rounds, per = 6, 15, 5
		var wg sync.WaitGroup
		want := sync.Map{}
		errs := make(chan error, pushers)
		for p := 0; p < pushers; p++ {
			wg.Add(1)
			go func(p int) {
				defer wg.Done()
				st := []*Store{s, s2}[p%2]
				for r := 0; r < rounds; r++ {
					var batch []syncapi.Change
					for i := 0; i < per; i++ {
						id := newID()
						want.Store(id, true)
						batch = append(batch, change(t, syncapi.EntityUnit, id, 0, &syncapi.Unit{Name: id}))
					}
					if _, err := st.Push(context.Background(), op, batch); err != nil {
						errs <- err
						return
					}
				}
			}(p)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		seen := map[string]bool{}
		var cursor int64
		for finished := false; !finished; {
			select {
			case <-done:
				finished = true
			default:
			}
			page, err := s2.Pull(context.Background(), cursor, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Records {
				seen[r.ID] = true
			}
			cursor = page.Cursor
		}
		close(errs)
		for err := range errs {
			t.Fatalf("push: %v", err)
		}
		recs, _ := pullAll(t, s, cursor, 0)
		for _, r := range recs {
			seen[r.ID] = true
		}
		missing := 0
		want.Range(func(k, _ any) bool {
			if !seen[k.(string)] {
				missing++
			}
			return true
		})
		if missing > 0 || len(seen) != pushers*rounds*per {
			t.Errorf("the puller missed %d of %d rows (saw %d)", missing, pushers*rounds*per, len(seen))
		}
	})
}

func TestConcurrentConflictingPushesApplyOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		stores := []*Store{open(t, dsn), open(t, dsn)}
		op := operator(t, stores[0], "Office", allPerms()...)
		id := newID()
		wantStatus(t, push(t, stores[0], op, change(t, syncapi.EntityUnit, id, 0, &syncapi.Unit{Name: "5a"})), syncapi.StatusApplied)
		const n = 20
		statuses := make(chan syncapi.Status, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				res, err := stores[i%2].Push(context.Background(), op,
					[]syncapi.Change{change(t, syncapi.EntityUnit, id, 1, &syncapi.Unit{Name: fmt.Sprint(i)})})
				if err != nil {
					t.Error(err)
					return
				}
				statuses <- res[0].Status
			}(i)
		}
		wg.Wait()
		close(statuses)
		count := map[syncapi.Status]int{}
		for st := range statuses {
			count[st]++
		}
		if count[syncapi.StatusApplied] != 1 || count[syncapi.StatusConflict] != n-1 {
			t.Errorf("statuses %v, want 1 applied and %d conflicts", count, n-1)
		}
	})
}

// TestChangeLogWaitsForAnEarlierUncommittedEntry holds a transaction open between
// its change-log insert and its commit while another server pushes: the other push
// must not become visible with a higher sequence number first, or a pull in between
// would move the cursor past the held entry and never return it.
func TestChangeLogWaitsForAnEarlierUncommittedEntry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s, s2 := open(t, dsn), open(t, dsn)
		ctx := context.Background()
		op := operator(t, s, "Office", allPerms()...)
		a, b := newID(), newID()
		push(t, s, op, change(t, syncapi.EntityUnit, a, 0, &syncapi.Unit{Name: "a"}))
		_, cursor := pullAll(t, s, 0, 0)

		held := s.db.Begin()
		if err := s.appendLog(held, []logEntry{{syncapi.EntityUnit, a, true}}); err != nil {
			t.Fatal(err)
		}
		pushed := make(chan error, 1)
		go func() {
			_, err := s2.Push(ctx, op, []syncapi.Change{change(t, syncapi.EntityUnit, b, 0, &syncapi.Unit{Name: "b"})})
			pushed <- err
		}()
		time.Sleep(300 * time.Millisecond)
		early, mid := pullAll(t, s2, cursor, 0)
		if err := held.Commit().Error; err != nil {
			t.Fatal(err)
		}
		if err := <-pushed; err != nil {
			t.Fatal(err)
		}
		late, _ := pullAll(t, s2, mid, 0)
		seen := map[string]bool{}
		for _, r := range append(early, late...) {
			seen[r.ID] = true
		}
		if !seen[a] || !seen[b] {
			t.Errorf("pulled a: %v, b: %v (early %d records, late %d); want both", seen[a], seen[b], len(early), len(late))
		}
	})
}

func TestAMutationReplayedWithOtherDataIsAConflict(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		op := operator(t, s, "Office", allPerms()...)
		id := newID()
		first := change(t, syncapi.EntityUser, id, 0, user("anna"))
		wantStatus(t, push(t, s, op, first), syncapi.StatusApplied)
		// The same change again, with other white space: a duplicate.
		again := first
		again.Data = append(json.RawMessage(" "), first.Data...)
		wantStatus(t, push(t, s, op, again), syncapi.StatusDuplicate)
		// The same mutation ID with other data is answered with the server's row.
		other := user("anna")
		other.Notes = "replayed"
		replay := first
		replay.Data = raw(t, other)
		res := push(t, s, op, replay)
		wantStatus(t, res, syncapi.StatusConflict)
		if res[0].Current == nil || res[0].Current.Version != 1 || strings.Contains(string(res[0].Current.Data), "replayed") {
			t.Fatalf("conflict answer: %+v", res[0])
		}
	})
}
