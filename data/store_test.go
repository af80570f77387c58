package data

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openTemp opens a new store in a temporary folder, closed when the test ends.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openOldSchema creates a database file of the given (older) schema version and
// returns its path and the store open on it (the test closes it before it opens
// the file with this build).
func openOldSchema(t *testing.T, version int) (string, *Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := openAt(path, version)
	if err != nil {
		t.Fatal(err)
	}
	return path, old
}

// seedCatalog creates one role and one unit and returns their IDs.
func seedCatalog(t *testing.T, s *Store) (roleID, unitID string) {
	t.Helper()
	ctx := context.Background()
	r := &Role{Name: "Student"}
	u := &Unit{Name: "Class 5a"}
	if err := s.CreateRole(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	return r.ID, u.ID
}

func TestPragmas(t *testing.T) {
	s := openTemp(t)
	var mode string
	var sync, fk, timeout, pageSize int
	s.db.Raw("PRAGMA page_size").Scan(&pageSize)
	if pageSize != 16384 {
		t.Errorf("a new file has page size %d, want 16384", pageSize)
	}
	s.db.Raw("PRAGMA journal_mode").Scan(&mode)
	s.db.Raw("PRAGMA synchronous").Scan(&sync)
	s.db.Raw("PRAGMA foreign_keys").Scan(&fk)
	s.db.Raw("PRAGMA busy_timeout").Scan(&timeout)
	if mode != "wal" || sync != 2 || fk != 1 || timeout != int(busyTimeout.Milliseconds()) {
		t.Fatalf("journal_mode=%s synchronous=%d foreign_keys=%d busy_timeout=%d; want wal 2 1 %d",
			mode, sync, fk, timeout, busyTimeout.Milliseconds())
	}
	var mmap int
	s.rdb.Raw("PRAGMA mmap_size").Scan(&mmap)
	if mmap != readerMmapSize {
		t.Errorf("a reader maps %d bytes, want %d", mmap, readerMmapSize)
	}
	// The reader pool cannot write.
	if err := s.rdb.Exec("INSERT INTO settings (key, value, updated_at) VALUES ('x', 'y', 0)").Error; err == nil {
		t.Fatal("the read pool accepted a write")
	}
}

func TestMigrationUpgradesFirstSchemaInPlace(t *testing.T) {
	path, old := openOldSchema(t, 1)
	ctx := context.Background()
	// Rows as Onboard with schema 1 wrote them (raw SQL: today's models have more columns).
	roleID, unitID, userID := NewID(), NewID(), NewID()
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO roles (id, name, name_fold, created_at, updated_at) VALUES (?, 'Student', 'student', ?, ?)`, []any{roleID, time.Now(), time.Now()}},
		{`INSERT INTO units (id, name, name_fold, created_at, updated_at) VALUES (?, 'Class 5a', 'class 5a', ?, ?)`, []any{unitID, time.Now(), time.Now()}},
		{
			`INSERT INTO users (id, first_name, last_name, email, email_fold, username, username_fold, role_id, phase, sort_key, created_at, updated_at)
			VALUES (?, 'Jürgen', 'Groß', 'j.gross@example.org', 'j.gross@example.org', 'j.gross', 'j.gross', ?, 'invited', 'gross', ?, ?)`,
			[]any{userID, roleID, time.Now(), time.Now()},
		},
		{`INSERT INTO user_units (user_id, unit_id) VALUES (?, ?)`, []any{userID, unitID}},
	} {
		if err := old.db.Exec(stmt.sql, stmt.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	u := &User{Row: Row{ID: userID}}
	if v, _ := old.SchemaVersion(ctx); v != 1 {
		t.Fatalf("old file has schema %d, want 1", v)
	}
	if err := old.db.Exec("SELECT 1 FROM settings").Error; err == nil {
		t.Fatal("schema 1 already has the settings table; the test no longer tests an upgrade")
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
	got, err := cur.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FirstName != "Jürgen" || got.LastName != "Groß" || got.Email != "j.gross@example.org" || got.Phase != PhaseInvited {
		t.Fatalf("user after upgrade = %+v", got)
	}
	units, _ := cur.UserUnitIDs(ctx, u.ID)
	if len(units) != 1 || units[0] != unitID {
		t.Fatalf("units after upgrade = %v", units)
	}
	if err := cur.SetSetting(ctx, "org.name", "Schule"); err != nil {
		t.Fatal(err)
	}
	// Schema 3 filled in the search text of existing users.
	if rows, err := cur.ListUsers(ctx, UserQuery{Search: "jurgen gross"}, time.Now()); err != nil || len(rows) != 1 {
		t.Fatalf("search in the upgraded file: %v, %v", rows, err)
	}
	var applied int
	cur.db.Raw("SELECT count(*) FROM schema_migrations").Scan(&applied)
	if applied != len(migrations) {
		t.Fatalf("schema_migrations has %d rows, want %d", applied, len(migrations))
	}
}

func TestOpenRefusesBadFilesWithoutTouchingThem(t *testing.T) {
	dir := t.TempDir()
	notSQLite := filepath.Join(dir, "users.csv")
	os.WriteFile(notSQLite, []byte("first_name;last_name\nAnna;Müller\n"), 0o644)

	otherSQLite := filepath.Join(dir, "other.db")
	o, err := openAt(otherSQLite, 0) // schema_migrations only; make it another program's file
	if err != nil {
		t.Fatal(err)
	}
	o.db.Exec("DROP TABLE schema_migrations")
	o.db.Exec("CREATE TABLE contacts (name TEXT)")
	o.db.Exec("PRAGMA journal_mode=DELETE")
	o.Close()

	newer := filepath.Join(dir, "newer.db")
	n, err := Open(newer)
	if err != nil {
		t.Fatal(err)
	}
	n.db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)")
	n.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	n.Close()

	cases := []struct {
		name, path, want string
		is               error
	}{
		{"folder", dir, "is a folder", ErrNotOnboard},
		{"text file", notSQLite, "not an SQLite file", ErrNotOnboard},
		{"other program's SQLite", otherSQLite, "not an Onboard database", ErrNotOnboard},
		{"newer schema", newer, "newer Onboard", ErrTooNew},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, c.path)
			_, err := Open(c.path)
			var oe *OpenError
			if !errors.As(err, &oe) || !errors.Is(err, c.is) || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
				t.Fatalf("Open(%s) = %v; want an OpenError with %q", c.path, err, c.want)
			}
			if oe.Path != c.path || !bytes.Contains([]byte(err.Error()), []byte(c.path)) {
				t.Fatalf("error %q does not name the path %s", err, c.path)
			}
			if after := snapshot(t, c.path); after != before {
				t.Fatalf("Open changed the file:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestOpenRefusesUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file; permissions cannot make a file unreadable")
	}
	path := filepath.Join(t.TempDir(), "locked.db")
	os.WriteFile(path, []byte("x"), 0o000)
	_, err := Open(path)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(path)) || !bytes.Contains([]byte(err.Error()), []byte("cannot read")) {
		t.Fatalf("Open(unreadable) = %v", err)
	}
}

// snapshot describes a path's content and modification time, for "not modified" checks.
func snapshot(t *testing.T, path string) string {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.IsDir() {
		entries, _ := os.ReadDir(path)
		names := ""
		for _, e := range entries {
			names += e.Name() + ","
		}
		return "dir:" + names + st.ModTime().String()
	}
	b, _ := os.ReadFile(path)
	return string(b) + "|" + st.ModTime().String()
}

func TestUniqueFieldsIgnoreCaseInTheDatabase(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	first := &User{FirstName: "Ömer", LastName: "Öztürk", Email: "Oemer@Example.org", Username: "Ömer", ExternalID: "AB-1", RoleID: roleID, Phase: PhaseNotActivated}
	if err := s.CreateUser(ctx, first, []string{unitID}, nil); err != nil {
		t.Fatal(err)
	}
	dups := []struct {
		field UniqueField
		u     User
	}{
		{FieldEmail, User{Email: "oemer@EXAMPLE.ORG", Username: "other1"}},
		{FieldUsername, User{Username: "ÖMER"}},                           // non-ASCII case
		{FieldUsername, User{Username: "O\u0308mer"}},                     // decomposed Ö
		{FieldExternalID, User{Username: "other3", ExternalID: " ab-1 "}}, // spaces and case
	}
	for _, d := range dups {
		u := d.u
		u.RoleID, u.Phase = roleID, PhaseNotActivated
		err := s.CreateUser(ctx, &u, []string{unitID}, nil)
		if f, ok := UniqueViolation(err); !ok || f != d.field {
			t.Errorf("duplicate %s %+v: err = %v; want a unique violation on %s", d.field, d.u, err, d.field)
		}
	}
	// The index itself enforces it, not only the hooks: a raw insert fails too.
	err := s.db.Exec(`INSERT INTO users (id, username, username_fold, email, email_fold, role_id, created_at, updated_at)
		VALUES ('raw', 'raw', 'raw', 'x@y.z', 'oemer@example.org', ?, 0, 0)`, roleID).Error
	if f, ok := UniqueViolation(err); !ok || f != FieldEmail {
		t.Fatalf("raw duplicate insert: %v", err)
	}
	// A deleted user's email and username are free again.
	if err := s.TombstoneUser(ctx, first, time.Now()); err != nil {
		t.Fatal(err)
	}
	again := &User{FirstName: "Ömer", Email: "oemer@example.org", Username: "ömer", RoleID: roleID, Phase: PhaseNotActivated}
	if err := s.CreateUser(ctx, again, []string{unitID}, nil); err != nil {
		t.Fatalf("re-create after delete: %v", err)
	}
}

func TestStatusConditionMatchesStatusOf(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	past, future, edge := now.Add(-time.Hour), now.Add(time.Hour), now
	expiries := []*time.Time{nil, &past, &future, &edge}
	phases := []Phase{PhaseNotActivated, PhaseInvited, PhaseActive, PhaseDeactivated}
	want := map[Status]int{}
	for i, ph := range phases {
		for j, exp := range expiries {
			u := &User{Username: string(rune('a'+i)) + string(rune('a'+j)), RoleID: roleID, Phase: ph, KeyExpiresAt: exp}
			if err := s.CreateUser(ctx, u, []string{unitID}, nil); err != nil {
				t.Fatal(err)
			}
			want[StatusOf(ph, exp, now)]++
		}
	}
	total := 0
	for _, st := range Statuses {
		rows, err := s.ListUsers(ctx, UserQuery{Status: st}, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != want[st] {
			t.Errorf("SQL finds %d %s users, StatusOf says %d", len(rows), st, want[st])
		}
		for _, r := range rows {
			if r.Status != st {
				t.Errorf("row %s listed under %s has status %s", r.Username, st, r.Status)
			}
		}
		total += len(rows)
	}
	if total != len(phases)*len(expiries) {
		t.Fatalf("statuses cover %d of %d users", total, len(phases)*len(expiries))
	}
	if want[StatusExpired] == 0 || want[StatusInvited] == 0 {
		t.Fatal("the table no longer exercises expired and invited users")
	}
}

func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	u := &User{FirstName: "Юлия", Username: "iuliia", RoleID: roleID, Phase: PhaseNotActivated}
	if err := s.CreateUser(ctx, u, []string{unitID}, nil); err != nil {
		t.Fatal(err)
	}
	// A second handle, like the open app, holds a read transaction during the backup.
	app, err := Open(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	tx := app.rdb.Begin()
	var n int
	tx.Raw("SELECT count(*) FROM users").Scan(&n)
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	info, err := CheckBackup(backup)
	if err != nil || info.Users != 1 || info.Schema != LatestSchema() || info.Modified.IsZero() {
		t.Fatalf("CheckBackup = %+v, %v", info, err)
	}

	// Change the live data, then restore the backup.
	if err := s.TombstoneUser(ctx, u, time.Now()); err != nil {
		t.Fatal(err)
	}
	saved, err := s.Restore(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	got, err := app.UserByID(ctx, u.ID) // the other handle sees the restored content
	if err != nil || got.FirstName != "Юлия" {
		t.Fatalf("after restore: %v %v", got, err)
	}
	if res, _ := s.IntegrityCheck(ctx); res != "ok" {
		t.Fatalf("integrity after restore: %s", res)
	}
	// The content before the restore was kept.
	prev, err := Open(saved)
	if err != nil {
		t.Fatal(err)
	}
	defer prev.Close()
	if _, err := prev.UserByID(ctx, u.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the saved pre-restore file should have the user deleted: %v", err)
	}

	// A file that is not an Onboard database is refused and nothing changes.
	bogus := filepath.Join(dir, "bogus.db")
	os.WriteFile(bogus, []byte("SQLite format 3\x00 but not really"), 0o644)
	if _, err := s.Restore(ctx, bogus); err == nil {
		t.Fatal("restore accepted a bogus file")
	}
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)
	if _, err := s.Restore(ctx, empty); !errors.Is(err, ErrNotOnboard) {
		t.Fatalf("restore of an empty file: %v", err)
	}
	if _, err := s.UserByID(ctx, u.ID); err != nil {
		t.Fatalf("a refused restore changed the data: %v", err)
	}

	// A file of a newer Onboard is refused before anything changes.
	newer := filepath.Join(dir, "newer.db")
	if err := s.Backup(ctx, newer); err != nil {
		t.Fatal(err)
	}
	nb, err := Open(newer)
	if err != nil {
		t.Fatal(err)
	}
	if err := nb.db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', ?)`, LatestSchema()+1, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	nb.Close()
	if _, err := CheckBackup(newer); err == nil || !strings.Contains(err.Error(), "newer Onboard") {
		t.Errorf("CheckBackup of a newer file: %v", err)
	}
}

func TestManyRowsReadsRefuseACancelledContext(t *testing.T) {
	st := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.UserIDs(ctx, UserQuery{}, time.Now()); !errors.Is(err, context.Canceled) {
		t.Errorf("UserIDs = %v, want context.Canceled", err)
	}
	if _, err := st.LetterRows(ctx, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("LetterRows = %v, want context.Canceled", err)
	}
}
