package data

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestInsertUsersBulkIsAllOrNothing(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	exp := time.Now().Add(time.Hour)
	var users []BulkUser
	for i := 0; i < 2500; i++ {
		name := "user" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + time.Duration(i).String()
		users = append(users, BulkUser{
			User:    User{FirstName: "Zoë", LastName: "Öztürk", Username: name, RoleID: roleID, Phase: PhaseNotActivated, KeyExpiresAt: &exp},
			UnitIDs: []string{unitID},
			Key:     &PersonalKey{Key: "K" + name, IssuedAt: time.Now(), ExpiresAt: exp},
		})
	}
	var seen []int
	if err := s.InsertUsersBulk(ctx, users, AuditEvent{At: time.Now(), Actor: "t", Action: "user.create"}, func(n int) { seen = append(seen, n) }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 3 || seen[2] != 2500 {
		t.Fatalf("progress calls %v", seen)
	}
	rows, err := s.ListUsers(ctx, UserQuery{Status: StatusNotActivated, Limit: 5}, time.Now())
	if err != nil || len(rows) != 5 || rows[0].Units != "Class 5a" || !strings.HasPrefix(rows[0].Key, "Kuser") {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	if h, _ := s.History(ctx, users[7].User.ID); len(h) != 1 || h[0].Action != "user.create" || h[0].Summary != "2500 users at once" {
		t.Fatalf("history of a bulk user: %+v", h)
	}
	var events int
	s.db.Raw("SELECT count(*) FROM audit_events").Scan(&events)
	if events != 1 {
		t.Fatalf("%d audit events for one bulk insert, want 1", events)
	}

	// A second batch with a taken username in its middle stores nothing and names it.
	more := []BulkUser{
		{User: User{FirstName: "A", Username: "fresh1", RoleID: roleID, Phase: PhaseNotActivated}, UnitIDs: []string{unitID}},
		{User: User{FirstName: "B", Username: strings.ToUpper(users[3].User.Username), RoleID: roleID, Phase: PhaseNotActivated}, UnitIDs: []string{unitID}},
	}
	err = s.InsertUsersBulk(ctx, more, AuditEvent{At: time.Now()}, nil)
	if f, ok := UniqueViolation(err); !ok || f != FieldUsername || !strings.Contains(err.Error(), strings.ToUpper(users[3].User.Username)) {
		t.Fatalf("duplicate in bulk: %v", err)
	}
	if n, _ := s.CountAllUsers(ctx); n != 2500 {
		t.Fatalf("%d users after a failed batch, want 2500", n)
	}
}

// schemaOf returns the SQL of every index and trigger in s.
func schemaOf(t *testing.T, s *Store) []string {
	t.Helper()
	var defs []string
	if err := s.db.Raw(`SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema
		WHERE type IN ('index', 'trigger') ORDER BY name`).Scan(&defs).Error; err != nil {
		t.Fatal(err)
	}
	return defs
}

// TestLargeBulkInsertBuildsTheIndexesAgain: a bulk insert of rebuildIndexesMin
// users into an empty store, which drops the indexes for the insert, leaves the
// same indexes behind, found in step with the rows; a duplicate among the users is
// still refused by the unique index, and nothing of that insert stays.
func TestLargeBulkInsertBuildsTheIndexesAgain(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	before := schemaOf(t, s)
	batch := func(dup bool) []BulkUser {
		users := make([]BulkUser, rebuildIndexesMin)
		for i := range users {
			name := fmt.Sprintf("pupil%d", i)
			if dup && i == len(users)-1 {
				name = "PUPIL7"
			}
			users[i] = BulkUser{
				User:    User{FirstName: "Zoë", LastName: fmt.Sprintf("Öztürk%d", i), Username: name, Email: name + "@example.org", RoleID: roleID, Phase: PhaseNotActivated},
				UnitIDs: []string{unitID},
			}
		}
		return users
	}
	if rebuild, err := s.rebuildsIndexes(ctx, rebuildIndexesMin); err != nil || !rebuild {
		t.Fatalf("an insert of %d users into an empty store keeps the indexes (%v)", rebuildIndexesMin, err)
	}
	err := s.InsertUsersBulk(ctx, batch(true), AuditEvent{At: time.Now()}, nil)
	if f, ok := UniqueViolation(err); !ok || f != FieldEmail && f != FieldUsername {
		t.Fatalf("a duplicate among %d users: %v", rebuildIndexesMin, err)
	}
	if n, _ := s.CountAllUsers(ctx); n != 0 {
		t.Fatalf("%d users stored by a refused insert", n)
	}
	if got := schemaOf(t, s); !slices.Equal(got, before) {
		t.Fatalf("indexes after a refused insert:\n%v\nwant\n%v", got, before)
	}

	if err := s.InsertUsersBulk(ctx, batch(false), AuditEvent{At: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	if got := schemaOf(t, s); !slices.Equal(got, before) {
		t.Fatalf("indexes after the insert:\n%v\nwant\n%v", got, before)
	}
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity after the insert: %q, %v", res, err)
	}
	if u, err := s.UserHolding(ctx, FieldUsername, "PUPIL7", ""); err != nil || u.Email != "pupil7@example.org" {
		t.Fatalf("user by username through the index: %+v, %v", u, err)
	}
	if n, _ := s.CountUsers(ctx, UserQuery{Search: "öztürk19999", UnitIDs: []string{unitID}}, time.Now()); n != 1 {
		t.Fatalf("search after the insert finds %d users", n)
	}
	dup := User{FirstName: "A", Username: "pupil8", RoleID: roleID, Phase: PhaseNotActivated}
	if f, ok := UniqueViolation(s.CreateUser(ctx, &dup, nil, nil)); !ok || f != FieldUsername {
		t.Fatalf("a taken username after the insert: %v, %v", f, ok)
	}
}

func TestSortKeyIgnoresCaseAndAccents(t *testing.T) {
	names := [][2]string{{"Zimmer", "Anna"}, {"öztürk", "Ömer"}, {"Ozols", "Zane"}, {"Müller", "Ben"}, {"Mueller", "Anna"}, {"Groß", "Jan"}, {"Gross", "Adam"}}
	var keys []string
	for i, n := range names {
		keys = append(keys, SortKey(n[0], n[1], string(rune('a'+i))))
	}
	order := func(i, j int) bool { return keys[i] < keys[j] }
	// Gross Adam < Groß Jan < Mueller < Müller < Ozols < öztürk < Zimmer
	want := [][2]int{{6, 5}, {5, 4}, {4, 3}, {3, 2}, {2, 1}, {1, 0}}
	for _, w := range want {
		if !order(w[0], w[1]) {
			t.Errorf("%v should sort before %v", names[w[0]], names[w[1]])
		}
	}
}

func TestInsertUsersStreamRollsBackWhenTheSourceFails(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	broken := errors.New("row 2501: the file ended in the middle of a quoted field")
	batches := func(yield func([]BulkUser, error) bool) {
		for b := 0; b < 3; b++ {
			batch := make([]BulkUser, 1000)
			for i := range batch {
				batch[i] = BulkUser{User: User{
					FirstName: "A", Username: fmt.Sprintf("u%d-%d", b, i), RoleID: roleID,
					Phase: PhaseNotActivated,
				}, UnitIDs: []string{unitID}}
			}
			if !yield(batch, nil) {
				return
			}
		}
		yield(nil, broken)
	}
	err := s.InsertUsersStream(ctx, batches, 0, AuditEvent{At: time.Now()}, nil)
	if !errors.Is(err, broken) {
		t.Fatalf("err = %v, want the source's error", err)
	}
	if n, _ := s.CountAllUsers(ctx); n != 0 {
		t.Fatalf("%d users stored although the source failed", n)
	}
}

func TestSearchMatchesNamesEmailUsernameAndExternalID(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	for _, u := range []*User{
		{FirstName: "Jürgen", LastName: "Groß", Email: "jg@schule.example", Username: "jgross", ExternalID: "S-00123"},
		{FirstName: "Ömer", LastName: "Yılmaz", Email: "oemer@example.org", Username: "oemer"},
		{FirstName: "Юлия", LastName: "Иванова", Username: "iuliia"},
	} {
		u.RoleID, u.Phase = roleID, PhaseNotActivated
		if err := s.CreateUser(ctx, u, []string{unitID}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for term, want := range map[string]string{
		"jurgen gross": "jgross", "GROSS": "jgross", "schule.example": "jgross", "s-00123": "jgross",
		"omer": "oemer", "YILMAZ": "oemer", "yılmaz": "oemer", "юлия": "iuliia", "ИВАНОВА": "iuliia", "iuliia": "iuliia", "nobody": "",
	} {
		rows, err := s.ListUsers(ctx, UserQuery{Search: term}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(rows) == 1 {
			got = rows[0].Username
		}
		if len(rows) > 1 || got != want {
			t.Errorf("search %q found %d rows (%q), want %q", term, len(rows), got, want)
		}
		if n, _ := s.CountUsers(ctx, UserQuery{Search: term}, time.Now()); n != len(rows) {
			t.Errorf("search %q: count %d, list %d", term, n, len(rows))
		}
	}
}
