package data

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// addUser creates u (in the not-activated phase unless it has one) with its units
// and groups, failing the test on an error.
func addUser(t *testing.T, s *Store, u *User, unitIDs, groupIDs []string) *User {
	t.Helper()
	if u.Phase == "" {
		u.Phase = PhaseNotActivated
	}
	if err := s.CreateUser(context.Background(), u, unitIDs, groupIDs); err != nil {
		t.Fatal(err)
	}
	return u
}

// rowVersion reads the change counter of a row of table, deleted or not.
func rowVersion(t *testing.T, s *Store, table, id string) int64 {
	t.Helper()
	var v int64
	if err := s.db.Raw("SELECT version FROM "+table+" WHERE id = ?", id).Scan(&v).Error; err != nil {
		t.Fatal(err)
	}
	return v
}

// lastNames returns the last names of rows, in their order.
func lastNames(rows []UserRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.LastName)
	}
	return out
}

func TestCreateUserStoresItsFieldsAndLinks(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitA := seedCatalog(t, s)
	unitB, g1, g2 := &Unit{Name: "Class 6b"}, &Group{Name: "Choir"}, &Group{Name: "Chess"}
	for _, err := range []error{s.CreateUnit(ctx, unitB), s.CreateGroup(ctx, g1), s.CreateGroup(ctx, g2)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	u := addUser(t, s, &User{
		FirstName: "Zoë", LastName: "Öztürk", Email: " Zoe.Oeztuerk@Example.ORG ", Username: "ZOzturk",
		ExternalID: "S-77", RoleID: roleID,
	}, []string{unitB.ID, unitA, unitA}, []string{g1.ID})
	if u.ID == "" {
		t.Fatal("the new user has no ID")
	}

	got, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FirstName != "Zoë" || got.LastName != "Öztürk" || got.RoleID != roleID || got.Phase != PhaseNotActivated {
		t.Fatalf("stored user %+v", got)
	}
	if u.Version != got.Version {
		t.Fatalf("the created user says version %d, the row has %d", u.Version, got.Version)
	}
	if got.EmailFold != "zoe.oeztuerk@example.org" || got.UsernameFold != "zozturk" || got.ExternalIDFold != "s-77" {
		t.Fatalf("folded columns %q %q %q", got.EmailFold, got.UsernameFold, got.ExternalIDFold)
	}
	wantUnits := []string{unitA, unitB.ID}
	slices.Sort(wantUnits)
	if units, err := s.UserUnitIDs(ctx, u.ID); err != nil || !slices.Equal(units, wantUnits) {
		t.Fatalf("units %v (%v), want %v (the duplicate once, in ID order)", units, err, wantUnits)
	}
	if groups, err := s.UserGroupIDs(ctx, u.ID); err != nil || !slices.Equal(groups, []string{g1.ID}) {
		t.Fatalf("groups %v (%v), want [%s]", groups, err, g1.ID)
	}

	// Setting the links replaces them and counts a change of the user.
	before := rowVersion(t, s, "users", u.ID)
	if err := s.SetUserUnits(ctx, u.ID, []string{unitB.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserGroups(ctx, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	if units, _ := s.UserUnitIDs(ctx, u.ID); !slices.Equal(units, []string{unitB.ID}) {
		t.Fatalf("units after replacing %v, want [%s]", units, unitB.ID)
	}
	if groups, _ := s.UserGroupIDs(ctx, u.ID); len(groups) != 0 {
		t.Fatalf("groups after clearing %v, want none", groups)
	}
	if v := rowVersion(t, s, "users", u.ID); v != before+2 {
		t.Fatalf("version after two link changes = %d, want %d", v, before+2)
	}

	if _, err := s.UserByID(ctx, NewID()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: %v, want ErrNotFound", err)
	}
}

func TestSaveUserCountsTheChangeAndRefreshesFoldedColumns(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	created := addUser(t, s, &User{FirstName: "Anna", LastName: "Meier", Username: "ameier", RoleID: roleID}, []string{unitID}, nil)
	u, err := s.UserByID(ctx, created.ID) // as callers do: read, change, save
	if err != nil {
		t.Fatal(err)
	}
	before := u.Version
	u.LastName, u.Username, u.Email, u.Phase = "Müller", "AMueller", "A.Mueller@Example.org", PhaseInvited
	if err := s.SaveUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != before+1 || got.LastName != "Müller" || got.Phase != PhaseInvited || got.UsernameFold != "amueller" || got.EmailFold != "a.mueller@example.org" {
		t.Fatalf("after save: %+v", got)
	}
	// The search and the sort follow the new name.
	if rows, _ := s.ListUsers(ctx, UserQuery{Search: "MULLER"}, time.Now()); len(rows) != 1 || rows[0].ID != u.ID {
		t.Fatalf("search for the new name: %+v", rows)
	}
	if rows, _ := s.ListUsers(ctx, UserQuery{Search: "meier"}, time.Now()); len(rows) != 0 {
		t.Fatalf("search for the old name still finds %+v", rows)
	}
}

func TestTombstonedUserIsLeftOutButKeptForSync(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	now := time.Now()
	gone := addUser(t, s, &User{FirstName: "Gone", LastName: "Away", Email: "gone@example.org", Username: "gone", ExternalID: "X1", RoleID: roleID}, []string{unitID}, nil)
	kept := addUser(t, s, &User{FirstName: "Kept", LastName: "Here", Username: "kept", RoleID: roleID}, []string{unitID}, nil)
	fresh, err := s.UserByID(ctx, gone.ID)
	if err != nil {
		t.Fatal(err)
	}
	before := fresh.Version
	if err := s.TombstoneUser(ctx, fresh, now); err != nil {
		t.Fatal(err)
	}
	if v := rowVersion(t, s, "users", gone.ID); v != before+1 {
		t.Fatalf("version of the tombstone = %d, want %d (a change for sync)", v, before+1)
	}
	if _, err := s.UserByID(ctx, gone.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted user by ID: %v, want ErrNotFound", err)
	}
	if rows, _ := s.ListUsers(ctx, UserQuery{}, now); len(rows) != 1 || rows[0].ID != kept.ID {
		t.Fatalf("list after delete: %+v", rows)
	}
	if rows, _ := s.ListUsers(ctx, UserQuery{ID: gone.ID}, now); len(rows) != 0 {
		t.Fatalf("list of the deleted user's ID: %+v", rows)
	}
	if n, _ := s.CountUsers(ctx, UserQuery{}, now); n != 1 {
		t.Fatalf("count after delete = %d, want 1", n)
	}
	if ids, _ := s.UserIDs(ctx, UserQuery{}, now); !slices.Equal(ids, []string{kept.ID}) {
		t.Fatalf("IDs after delete %v", ids)
	}
	if briefs, _ := s.UserBriefs(ctx, []string{gone.ID, kept.ID}); len(briefs) != 1 || briefs[0].ID != kept.ID {
		t.Fatalf("briefs after delete %+v", briefs)
	}
	if names, _ := s.UsernamesStartingWith(ctx, "g"); len(names) != 0 {
		t.Fatalf("usernames after delete %v", names)
	}
	if m, _ := s.UsersHolding(ctx, []string{"gone@example.org"}, []string{"gone"}, []string{"x1"}); len(m) != 0 {
		t.Fatalf("holding after delete %+v", m)
	}
	if _, err := s.UserHolding(ctx, FieldUsername, "gone", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("username of a deleted user: %v, want ErrNotFound", err)
	}
	if c, _ := s.StatusCounts(ctx, now); c[StatusNotActivated] != 1 {
		t.Fatalf("status counts after delete %v", c)
	}
	if n, _ := s.CountAllUsers(ctx); n != 2 {
		t.Fatalf("all users = %d, want 2 (the tombstone is kept)", n)
	}
	// The deleted user's unique values are free again.
	addUser(t, s, &User{FirstName: "New", Email: "GONE@example.org", Username: "Gone", ExternalID: "x1", RoleID: roleID}, []string{unitID}, nil)
}

func TestUniqueViolationNamesTheTakenField(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	first := addUser(t, s, &User{FirstName: "A", Email: "anna@example.org", Username: "anna", ExternalID: "S-1", RoleID: roleID}, []string{unitID}, nil)
	for _, tc := range []struct {
		user User
		want UniqueField
	}{
		{User{Email: "ANNA@example.org", Username: "other1"}, FieldEmail},
		{User{Username: " Anna "}, FieldUsername},
		{User{Username: "other2", ExternalID: "s-1"}, FieldExternalID},
	} {
		u := tc.user
		u.RoleID, u.Phase = roleID, PhaseNotActivated
		err := s.CreateUser(ctx, &u, nil, nil)
		if f, ok := UniqueViolation(err); !ok || f != tc.want {
			t.Errorf("create %+v: UniqueViolation(%v) = %q, %v; want %q", tc.user, err, f, ok, tc.want)
		}
	}
	// Saving another user into a taken value is caught the same way.
	second := addUser(t, s, &User{FirstName: "B", Username: "bert", RoleID: roleID}, []string{unitID}, nil)
	second.Email = "Anna@Example.org"
	if f, ok := UniqueViolation(s.SaveUser(ctx, second)); !ok || f != FieldEmail {
		t.Errorf("save into a taken email: %q, %v", f, ok)
	}
	// Empty emails and external IDs are not unique values.
	addUser(t, s, &User{FirstName: "C", Username: "carl", RoleID: roleID}, []string{unitID}, nil)
	addUser(t, s, &User{FirstName: "D", Username: "dora", RoleID: roleID}, []string{unitID}, nil)
	// Other errors are not unique violations.
	if f, ok := UniqueViolation(nil); ok || f != "" {
		t.Errorf("UniqueViolation(nil) = %q, %v", f, ok)
	}
	if _, ok := UniqueViolation(errors.New("users.email_fold")); ok {
		t.Error("a plain error counts as a unique violation")
	}
	dupKey := &PersonalKey{UserID: first.ID, Key: "K1", IssuedAt: time.Now(), ExpiresAt: time.Now()}
	if err := s.AddPersonalKey(ctx, dupKey); err != nil {
		t.Fatal(err)
	}
	err := s.AddPersonalKey(ctx, &PersonalKey{UserID: second.ID, Key: "K1", IssuedAt: time.Now(), ExpiresAt: time.Now()})
	wantUnique(t, err, "personal_keys.key")
	if f, ok := UniqueViolation(err); ok {
		t.Errorf("a duplicate key text is reported as the user field %q", f)
	}
}

func TestUserHoldingIgnoresCaseAndTheUserItself(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	anna := addUser(t, s, &User{FirstName: "Anna", Email: "anna@example.org", Username: "Anna.B", RoleID: roleID}, []string{unitID}, nil)
	addUser(t, s, &User{FirstName: "Ben", Username: "ben", RoleID: roleID}, []string{unitID}, nil)

	got, err := s.UserHolding(ctx, FieldEmail, "  ANNA@Example.org", "")
	if err != nil || got.ID != anna.ID {
		t.Fatalf("email held: %+v, %v; want Anna", got, err)
	}
	if got, err := s.UserHolding(ctx, FieldUsername, "anna.b", NewID()); err != nil || got.ID != anna.ID {
		t.Fatalf("username held: %+v, %v; want Anna", got, err)
	}
	if _, err := s.UserHolding(ctx, FieldEmail, "anna@example.org", anna.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("email held only by the excepted user: %v, want ErrNotFound", err)
	}
	// Nobody holds the empty external ID, although both users have none.
	if _, err := s.UserHolding(ctx, FieldExternalID, "", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty external ID: %v, want ErrNotFound", err)
	}
}

func TestUsersHoldingMatchesAnyOfTheFoldedValues(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	a := addUser(t, s, &User{FirstName: "Anna", Email: "Anna@Example.org", Username: "anna", RoleID: roleID}, []string{unitID}, nil)
	b := addUser(t, s, &User{FirstName: "Ben", Username: "BEN", ExternalID: "S-2", RoleID: roleID}, []string{unitID}, nil)
	c := addUser(t, s, &User{FirstName: "Cem", Username: "cem", ExternalID: "S-3", RoleID: roleID}, []string{unitID}, nil)
	addUser(t, s, &User{FirstName: "Dora", Username: "dora", RoleID: roleID}, []string{unitID}, nil)

	// The empty email and external ID match no one, although Ben, Cem and Dora have none.
	m, err := s.UsersHolding(ctx, []string{"anna@example.org", ""}, []string{"ben", "anna"}, []string{"s-3", ""})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]UserMatch{}
	for _, x := range m {
		got[x.ID] = x
	}
	if len(m) != 3 || len(got) != 3 {
		t.Fatalf("matches %+v, want Anna, Ben and Cem once each", m)
	}
	if got[a.ID].EmailFold != "anna@example.org" || got[b.ID].UsernameFold != "ben" || got[c.ID].ExternalIDFold != "s-3" {
		t.Fatalf("folded values of the matches %+v", got)
	}
	if ben := got[b.ID]; ben.FullName() != "Ben" {
		t.Fatalf("full name of a match %q", ben.FullName())
	}
	if m, err := s.UsersHolding(ctx, nil, nil, nil); err != nil || len(m) != 0 {
		t.Fatalf("no values: %+v, %v", m, err)
	}
}

func TestUsernamesStartingWith(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	for _, n := range []string{"Anna", "andreas", "an", "bob", "Ämil"} {
		addUser(t, s, &User{FirstName: n, Username: n, RoleID: roleID}, []string{unitID}, nil)
	}
	names, err := s.UsernamesStartingWith(ctx, "AN")
	slices.Sort(names)
	if err != nil || !slices.Equal(names, []string{"an", "andreas", "anna"}) {
		t.Fatalf("starting with AN: %v, %v", names, err)
	}
	if names, _ := s.UsernamesStartingWith(ctx, "ä"); !slices.Equal(names, []string{"ämil"}) {
		t.Fatalf("starting with ä: %v", names)
	}
	if names, _ := s.UsernamesStartingWith(ctx, ""); len(names) != 5 {
		t.Fatalf("every username: %v", names)
	}
	if names, _ := s.UsernamesStartingWith(ctx, "anna.x"); len(names) != 0 {
		t.Fatalf("a longer prefix: %v", names)
	}
}

// sortFixture is three users that every sortable column orders differently.
type sortFixture struct {
	s      *Store
	now    time.Time
	unit5a string
}

func newSortFixture(t *testing.T) *sortFixture {
	t.Helper()
	s := openTemp(t)
	ctx := context.Background()
	student, unit5a := seedCatalog(t, s)
	admin, zeta := &Role{Name: "Admin"}, &Unit{Name: "Zeta"}
	if err := s.CreateRole(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUnit(ctx, zeta); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	soon, later := now.Add(time.Hour), now.Add(48*time.Hour)
	addUser(t, s, &User{FirstName: "Amy", LastName: "Zander", Email: "b@example.org", Username: "c", ExternalID: "E2", RoleID: student, Phase: PhaseActive, KeyExpiresAt: &later}, []string{unit5a}, nil)
	addUser(t, s, &User{FirstName: "Bob", LastName: "Ötzi", Email: "c@example.org", Username: "a", ExternalID: "E3", RoleID: admin.ID, Phase: PhaseInvited, KeyExpiresAt: &soon}, []string{zeta.ID}, nil)
	addUser(t, s, &User{FirstName: "Cem", LastName: "müller", Email: "a@example.org", Username: "b", ExternalID: "E1", RoleID: student, Phase: PhaseDeactivated}, []string{zeta.ID}, nil)
	return &sortFixture{s: s, now: now, unit5a: unit5a}
}

func (f *sortFixture) list(t *testing.T, q UserQuery) []string {
	t.Helper()
	rows, err := f.s.ListUsers(context.Background(), q, f.now)
	if err != nil {
		t.Fatal(err)
	}
	return lastNames(rows)
}

func TestListUsersSortsByEachColumn(t *testing.T) {
	f := newSortFixture(t)
	for _, tc := range []struct {
		sort SortColumn
		desc bool
		want []string
	}{
		{"", false, []string{"müller", "Ötzi", "Zander"}}, // case and accents ignored
		{SortName, true, []string{"Zander", "Ötzi", "müller"}},
		{SortEmail, false, []string{"müller", "Zander", "Ötzi"}},
		{SortUsername, false, []string{"Ötzi", "müller", "Zander"}},
		{SortUsername, true, []string{"Zander", "müller", "Ötzi"}},
		{SortRole, false, []string{"Ötzi", "müller", "Zander"}},  // Admin, then Student by name
		{SortUnits, false, []string{"Zander", "müller", "Ötzi"}}, // 5a, then Zeta by name
		{SortStatus, false, []string{"Ötzi", "Zander", "müller"}},
		{SortStatus, true, []string{"müller", "Zander", "Ötzi"}},
		{SortValidUntil, false, []string{"müller", "Ötzi", "Zander"}}, // no key first
		{SortExternalID, false, []string{"müller", "Zander", "Ötzi"}},
	} {
		if got := f.list(t, UserQuery{Sort: tc.sort, Desc: tc.desc}); !slices.Equal(got, tc.want) {
			t.Errorf("sort %q desc %v: %v, want %v", tc.sort, tc.desc, got, tc.want)
		}
	}
}

func TestListUsersPagesAndCountsIgnoreThePage(t *testing.T) {
	f := newSortFixture(t)
	ctx := context.Background()
	if got := f.list(t, UserQuery{Limit: 2}); !slices.Equal(got, []string{"müller", "Ötzi"}) {
		t.Errorf("first page: %v", got)
	}
	if got := f.list(t, UserQuery{Limit: 2, Offset: 2}); !slices.Equal(got, []string{"Zander"}) {
		t.Errorf("second page: %v", got)
	}
	if got := f.list(t, UserQuery{Sort: SortEmail, Desc: true, Limit: 1, Offset: 1}); !slices.Equal(got, []string{"Zander"}) {
		t.Errorf("middle of the email order, descending: %v", got)
	}
	if got := f.list(t, UserQuery{Limit: 2, Offset: 3}); len(got) != 0 {
		t.Errorf("past the end: %v", got)
	}
	q := UserQuery{Search: "example.org", Limit: 1, Offset: 1}
	if n, err := f.s.CountUsers(ctx, q, f.now); err != nil || n != 3 {
		t.Errorf("count with a page: %d, %v; want 3", n, err)
	}
	ids, err := f.s.UserIDs(ctx, q, f.now)
	if err != nil || len(ids) != 3 {
		t.Fatalf("IDs with a page: %v, %v; want all 3", ids, err)
	}
	rows, _ := f.s.ListUsers(ctx, UserQuery{}, f.now)
	for i := range rows {
		if ids[i] != rows[i].ID {
			t.Fatalf("IDs %v are not in name order like the list %v", ids, lastNames(rows))
		}
	}
	if got := f.list(t, UserQuery{UnitIDs: []string{f.unit5a}, Search: "AMY"}); !slices.Equal(got, []string{"Zander"}) {
		t.Errorf("unit and search together: %v", got)
	}
	if got := f.list(t, UserQuery{UnitIDs: []string{f.unit5a}, Search: "bob"}); len(got) != 0 {
		t.Errorf("a search outside the unit: %v", got)
	}
}

func TestStatusFilterAndCounts(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitA := seedCatalog(t, s)
	unitB := &Unit{Name: "Class 7"}
	if err := s.CreateUnit(ctx, unitB); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	past, future := now.Add(-time.Minute), now.Add(time.Minute)
	for _, u := range []struct {
		name  string
		phase Phase
		exp   *time.Time
		unit  string
	}{
		{"n1", PhaseNotActivated, nil, unitA},
		{"n2", PhaseNotActivated, &future, unitB.ID},
		{"i1", PhaseInvited, &future, unitA},
		{"e1", PhaseNotActivated, &past, unitA},
		{"e2", PhaseInvited, &past, unitB.ID},
		{"a1", PhaseActive, &past, unitA}, // an active user's old key does not expire them
		{"d1", PhaseDeactivated, nil, unitB.ID},
	} {
		addUser(t, s, &User{FirstName: u.name, LastName: u.name, Username: u.name, RoleID: roleID, Phase: u.phase, KeyExpiresAt: u.exp}, []string{u.unit}, nil)
	}
	want := map[Status][]string{
		StatusNotActivated: {"n1", "n2"}, StatusInvited: {"i1"}, StatusExpired: {"e1", "e2"},
		StatusActive: {"a1"}, StatusDeactivated: {"d1"},
	}
	for st, names := range want {
		rows, err := s.ListUsers(ctx, UserQuery{Status: st}, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := lastNames(rows); !slices.Equal(got, names) {
			t.Errorf("status %s: %v, want %v", st, got, names)
		}
		for _, r := range rows {
			if r.Status != st {
				t.Errorf("row %s of the %s list has status %s", r.LastName, st, r.Status)
			}
		}
		if n, _ := s.CountUsers(ctx, UserQuery{Status: st}, now); n != len(names) {
			t.Errorf("count of %s = %d, want %d", st, n, len(names))
		}
	}
	counts, err := s.StatusCounts(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := map[Status]int{StatusNotActivated: 2, StatusInvited: 1, StatusExpired: 2, StatusActive: 1, StatusDeactivated: 1}
	for _, st := range Statuses {
		if counts[st] != wantCounts[st] {
			t.Errorf("status counts %v, want %v", counts, wantCounts)
			break
		}
	}
	// The other filters apply, the status filter does not.
	counts, err = s.CountByStatus(ctx, UserQuery{UnitIDs: []string{unitB.ID}, Status: StatusActive}, now)
	if err != nil {
		t.Fatal(err)
	}
	wantB := map[Status]int{StatusNotActivated: 1, StatusExpired: 1, StatusDeactivated: 1}
	for _, st := range Statuses {
		if counts[st] != wantB[st] {
			t.Errorf("counts in unit B %v, want %v", counts, wantB)
			break
		}
	}
	// An hour later, the keys valid for a minute have run out too.
	later := now.Add(time.Hour)
	if c, _ := s.StatusCounts(ctx, later); c[StatusExpired] != 4 || c[StatusNotActivated] != 1 || c[StatusInvited] != 0 {
		t.Errorf("counts an hour later %v", c)
	}
}

func TestListUsersRowCarriesRoleLinksKeyAndMail(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitA := seedCatalog(t, s)
	unitB, g := &Unit{Name: "Class 6"}, &Group{Name: "Choir"}
	if err := s.CreateUnit(ctx, unitB); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	u := addUser(t, s, &User{FirstName: "Anna", LastName: "Berg", Email: "anna@example.org", Username: "anna", RoleID: roleID, Phase: PhaseInvited}, []string{unitA, unitB.ID}, []string{g.ID})
	plain := addUser(t, s, &User{Username: "solo", RoleID: roleID}, []string{unitA}, nil)
	now := time.Now().UTC()
	if err := s.AddPersonalKey(ctx, &PersonalKey{UserID: u.ID, Key: "OLD", IssuedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EndLiveKey(ctx, u.ID, now, false); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPersonalKey(ctx, &PersonalKey{UserID: u.ID, Key: "LIVE", IssuedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for i, st := range []MailState{MailSent, MailFailed} {
		m := &Mail{
			Row: Row{CreatedAt: now.Add(time.Duration(i) * time.Minute)}, UserID: &u.ID, Kind: MailInvitation,
			MessageID: NewID(), ToAddr: u.Email, Subject: "Welcome", TextBody: "Hi", State: st, NextAttemptAt: now,
		}
		if st == MailFailed {
			m.LastError = "550 mailbox unavailable"
		}
		if err := s.AddMail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// A newer mail of another kind does not count.
	if err := s.AddMail(ctx, &Mail{Row: Row{CreatedAt: now.Add(time.Hour)}, UserID: &u.ID, Kind: MailTest, MessageID: NewID(), ToAddr: "x", Subject: "t", TextBody: "t", NextAttemptAt: now}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.ListUsers(ctx, UserQuery{}, now)
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	var r UserRow
	for _, x := range rows {
		if x.ID == u.ID {
			r = x
		}
	}
	units := strings.Split(r.Units, ", ")
	slices.Sort(units)
	if r.Role != "Student" || !slices.Equal(units, []string{"Class 5a", "Class 6"}) || r.Groups != "Choir" {
		t.Errorf("role %q units %q groups %q", r.Role, r.Units, r.Groups)
	}
	if r.Key != "LIVE" || r.MailState != MailFailed || r.MailError != "550 mailbox unavailable" || r.Status != StatusInvited || r.FullName() != "Anna Berg" {
		t.Errorf("key %q mail %q %q status %q name %q", r.Key, r.MailState, r.MailError, r.Status, r.FullName())
	}
	rows, _ = s.ListUsers(ctx, UserQuery{ID: plain.ID}, now)
	if len(rows) != 1 || rows[0].Key != "" || rows[0].MailState != "" || rows[0].Groups != "" || rows[0].FullName() != "solo" {
		t.Errorf("user without key, mail or groups: %+v", rows)
	}
}

func TestUserBriefsReadsLongListsInParts(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	var want []string
	for _, n := range []string{"a", "b", "c"} {
		want = append(want, addUser(t, s, &User{FirstName: n, Username: n, RoleID: roleID, Phase: PhaseInvited}, []string{unitID}, nil).ID)
	}
	ids := make([]string, 0, 1200)
	for len(ids) < 1200 {
		ids = append(ids, NewID())
	}
	// Users at the edges of the parts of 500.
	ids[499], ids[500], ids[1199] = want[0], want[1], want[2]
	briefs, err := s.UserBriefs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range briefs {
		if b.Phase != PhaseInvited || b.FirstName == "" {
			t.Errorf("brief %+v", b)
		}
		got = append(got, b.ID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("briefs of %v, want %v", got, want)
	}
	if b, err := s.UserBriefs(ctx, nil); err != nil || len(b) != 0 {
		t.Fatalf("no IDs: %v, %v", b, err)
	}
}

// TestExpiringUsersAndTheirUnits: the radar finds the users still to register whose
// key works now and ends within the window — not the expired, not those beyond it,
// not the registered — and counts them per unit.
func TestExpiringUsersAndTheirUnits(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	other := &Unit{Name: "Class 10a"}
	if err := s.CreateUnit(ctx, other); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	soon := addUser(t, s, &User{FirstName: "Soon", Username: "soon", RoleID: roleID, Phase: PhaseInvited, KeyExpiresAt: at(48 * time.Hour)}, []string{unitID, other.ID}, nil)
	letter := addUser(t, s, &User{FirstName: "Letter", Username: "letter", RoleID: roleID, Phase: PhaseNotActivated, KeyExpiresAt: at(6 * 24 * time.Hour)}, []string{unitID}, nil)
	addUser(t, s, &User{FirstName: "Later", Username: "later", RoleID: roleID, Phase: PhaseInvited, KeyExpiresAt: at(30 * 24 * time.Hour)}, []string{unitID}, nil)
	addUser(t, s, &User{FirstName: "Gone", Username: "gone", RoleID: roleID, Phase: PhaseInvited, KeyExpiresAt: at(-time.Hour)}, []string{unitID}, nil)
	addUser(t, s, &User{FirstName: "Done", Username: "done", RoleID: roleID, Phase: PhaseActive, KeyExpiresAt: at(time.Hour)}, []string{unitID}, nil)

	until := now.AddDate(0, 0, 7)
	ids, err := s.UserIDs(ctx, UserQuery{ExpiringBefore: &until}, now)
	slices.Sort(ids)
	want := []string{soon.ID, letter.ID}
	slices.Sort(want)
	if err != nil || !slices.Equal(ids, want) {
		t.Fatalf("expiring within 7 days: %v, %v; want Soon and Letter", ids, err)
	}
	counts, err := s.ExpiringByUnit(ctx, now, until)
	if err != nil || len(counts) != 2 || counts[0].Name != "Class 5a" || counts[0].Users != 2 || counts[1].Name != "Class 10a" || counts[1].Users != 1 {
		t.Fatalf("per unit: %+v, %v", counts, err)
	}
}
