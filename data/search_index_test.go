package data

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// searchIDs returns the IDs of the users a search finds, in ID order.
func searchIDs(t *testing.T, s *Store, search string) []string {
	t.Helper()
	ids, err := s.UserIDs(context.Background(), UserQuery{Search: search}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// indexed counts the entries of the trigram index that hold the folded term.
func indexed(t *testing.T, s *Store, term string) int {
	t.Helper()
	var n int
	if err := s.db.Raw(`SELECT count(*) FROM users_fts WHERE users_fts MATCH ?`, `"`+term+`"`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSearchIndexFollowsEveryWriteOfAUser(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	u := addUser(t, s, &User{FirstName: "Jürgen", LastName: "Groß", Username: "jg", RoleID: roleID}, []string{unitID}, nil)
	other := addUser(t, s, &User{FirstName: "Ayşe", LastName: "Yılmaz", Username: "ay", RoleID: roleID}, nil, nil)
	if got := searchIDs(t, s, "GROSS"); !slices.Equal(got, []string{u.ID}) {
		t.Fatalf("a new user: search finds %v", got)
	}

	u.LastName = "Weiß"
	if err := s.SaveUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, "gross"); len(got) != 0 || indexed(t, s, "gross") != 0 {
		t.Fatalf("after a rename the old name still finds %v", got)
	}
	if got := searchIDs(t, s, "weiss"); !slices.Equal(got, []string{u.ID}) {
		t.Fatalf("after a rename the new name finds %v", got)
	}

	if err := s.TombstoneUser(ctx, u, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, "weiss"); len(got) != 0 || indexed(t, s, "weiss") != 0 {
		t.Fatalf("a deleted user is found (%v) or indexed", got)
	}
	// Sync brings a deleted user back by clearing deleted_at.
	if err := s.db.Exec(`UPDATE users SET deleted_at = NULL WHERE id = ?`, u.ID).Error; err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, "weiss"); !slices.Equal(got, []string{u.ID}) {
		t.Fatalf("a user brought back: search finds %v", got)
	}
	if err := s.db.Exec(`DELETE FROM users WHERE id = ?`, u.ID).Error; err != nil {
		t.Fatal(err)
	}
	if indexed(t, s, "weiss") != 0 {
		t.Fatal("a removed row is still indexed")
	}
	if err := s.db.Exec(`INSERT INTO users_fts (users_fts) VALUES ('integrity-check')`).Error; err != nil {
		t.Fatalf("index after the writes: %v", err)
	}

	// Three characters and more are answered by the index, fewer by the scan.
	if err := s.db.Exec(`INSERT INTO users_fts (users_fts) VALUES ('delete-all')`).Error; err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, "yıl"); len(got) != 0 {
		t.Fatalf("a search of three characters did not use the index: %v", got)
	}
	if got := searchIDs(t, s, "YI"); !slices.Equal(got, []string{other.ID}) {
		t.Fatalf("a search of two characters finds %v", got)
	}
}

func TestMigrationIndexesTheSearchTextOfSchema10Users(t *testing.T) {
	path, old := openOldSchema(t, 10)
	ctx := context.Background()
	roleID, _ := seedCatalog(t, old)
	ayse := addUser(t, old, &User{FirstName: "Ayşe", LastName: "Yılmaz", Username: "ayse", RoleID: roleID}, nil, nil)
	gone := addUser(t, old, &User{FirstName: "Mehmet", LastName: "Yılmaz", Username: "mehmet", RoleID: roleID}, nil, nil)
	if err := old.TombstoneUser(ctx, gone, time.Now()); err != nil {
		t.Fatal(err)
	}
	if v, _ := old.SchemaVersion(ctx); v != 10 {
		t.Fatalf("old file has schema %d, want 10", v)
	}
	if err := old.db.Exec("SELECT 1 FROM users_fts").Error; err == nil {
		t.Fatal("schema 10 already has the search index; the test no longer tests an upgrade")
	}
	old.Close()

	cur, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	if v, _ := cur.SchemaVersion(ctx); v != LatestSchema() {
		t.Fatalf("schema after open = %d, want %d", v, LatestSchema())
	}
	if n := indexed(t, cur, "yilmaz"); n != 1 {
		t.Fatalf("the upgrade indexed %d users named Yılmaz, want the live one", n)
	}
	for _, search := range []string{"YILMAZ", "yılm", "ayse yil"} {
		if got := searchIDs(t, cur, search); !slices.Equal(got, []string{ayse.ID}) {
			t.Errorf("search %q in the upgraded file finds %v", search, got)
		}
	}
}

// The index refers to users by rowid, which VACUUM INTO keeps (a table with indexes
// is copied row by row with its rowids): a backup's index still names the right users
// after rows were removed before them.
func TestBackupKeepsTheSearchIndexInStep(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, _ := seedCatalog(t, s)
	first := addUser(t, s, &User{FirstName: "Anna", LastName: "Nowak", Username: "an", RoleID: roleID}, nil, nil)
	addUser(t, s, &User{FirstName: "Björn", LastName: "Åsa", Username: "ba", RoleID: roleID}, nil, nil)
	last := addUser(t, s, &User{FirstName: "Zoë", LastName: "Brontë", Username: "zb", RoleID: roleID}, nil, nil)
	if err := s.db.Exec(`DELETE FROM users WHERE id = ?`, first.ID).Error; err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := searchIDs(t, b, "bronte"); !slices.Equal(got, []string{last.ID}) {
		t.Fatalf("search in the backup finds %v, want %s", got, last.ID)
	}
}

// A bulk insert indexes its users itself, without the insert trigger, and leaves the
// trigger in place whether it commits or rolls back.
func TestBulkInsertIndexesItsUsersAndKeepsTheTrigger(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, _ := seedCatalog(t, s)
	bulk := []BulkUser{{User: User{FirstName: "Łukasz", LastName: "Wójcik", Username: "lw", RoleID: roleID, Phase: PhaseNotActivated}}}
	if err := s.InsertUsersBulk(ctx, bulk, AuditEvent{At: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, "wojc"); !slices.Equal(got, []string{bulk[0].User.ID}) {
		t.Fatalf("a user of a bulk insert: search finds %v", got)
	}
	failed := []BulkUser{{User: User{FirstName: "Dup", Username: "LW", RoleID: roleID, Phase: PhaseNotActivated}}}
	if err := s.InsertUsersBulk(ctx, failed, AuditEvent{At: time.Now()}, nil); err == nil {
		t.Fatal("a bulk insert of a taken username succeeded")
	}
	later := addUser(t, s, &User{FirstName: "Zoë", LastName: "Brontë", Username: "zb", RoleID: roleID}, nil, nil)
	if got := searchIDs(t, s, "bront"); !slices.Equal(got, []string{later.ID}) {
		t.Fatalf("a user created after bulk inserts: search finds %v", got)
	}
}
