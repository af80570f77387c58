package data

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"onboard/internal/atomicfile"

	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Errors callers can test for with errors.Is.
var (
	// ErrNotFound means the row does not exist (or is deleted).
	ErrNotFound = errors.New("not found")
	// ErrNotOnboard means a file is not an Onboard database.
	ErrNotOnboard = errors.New("not an Onboard database")
	// ErrTooNew means the file was written by a newer Onboard.
	ErrTooNew = errors.New("database is newer than this Onboard")
)

// OpenError reports why a database file could not be opened, naming the file.
type OpenError struct {
	Path   string
	Reason string
	Err    error
}

func (e *OpenError) Error() string { return fmt.Sprintf("database %s: %s", e.Path, e.Reason) }

// Unwrap returns the underlying error.
func (e *OpenError) Unwrap() error { return e.Err }

// busyTimeout is how long a connection waits for a lock before giving up.
const busyTimeout = 10 * time.Second

// Store is the local database. Writes go through one connection (SQLite has one
// writer; BEGIN IMMEDIATE avoids lock upgrades), reads through a small pool that WAL
// lets run beside a write. A Store handed to a Write callback is bound to that
// transaction for reads and writes alike.
type Store struct {
	path string
	db   *gorm.DB // the writer, or the transaction
	rdb  *gorm.DB // the readers, or the transaction
}

// DefaultPath is the database used when neither --db nor ONBOARD_DB is given:
// Onboard/onboard.db in the user's configuration folder.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the configuration folder: %w", err)
	}
	return filepath.Join(dir, "Onboard", "onboard.db"), nil
}

// Open opens (creating if needed) the Onboard database at path and brings its schema
// up to date. A path that is a directory, unreadable, not SQLite, or an SQLite file of
// another program is refused without touching the file.
func Open(path string) (*Store, error) { return openAt(path, LatestSchema()) }

func openAt(path string, schema int) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &OpenError{Path: path, Reason: err.Error(), Err: err}
	}
	if err := checkFile(abs); err != nil {
		return nil, err
	}
	if err := atomicfile.CreatePrivate(abs); err != nil {
		return nil, &OpenError{Path: abs, Reason: "cannot create it: " + err.Error(), Err: err}
	}
	gcfg := &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
	}
	// The writer's page cache is 16 MiB: 64 MiB made an import of 100,000 users
	// into as many 17% slower and 50 MB bigger (measured 5.5 s / 244 MB against
	// 6.6 s / 296 MB), and a bigger one did not help.
	writer, err := gorm.Open(sqlite.Open(dsn(abs, "_synchronous=FULL&_txlock=immediate&_cache_size=-16384")), gcfg)
	if err != nil {
		return nil, &OpenError{Path: abs, Reason: err.Error(), Err: err}
	}
	wsql, _ := writer.DB()
	wsql.SetMaxOpenConns(1)
	wsql.SetConnMaxIdleTime(0)
	// A new file gets 16 KiB pages (bulk inserts measured ~15% faster than with 4 KiB);
	// the page size must be set before WAL mode writes the file's header, and is
	// ignored for an existing file.
	for _, pragma := range []string{"PRAGMA page_size = 16384", "PRAGMA journal_mode = WAL"} {
		if err := writer.Exec(pragma).Error; err != nil {
			wsql.Close()
			return nil, &OpenError{Path: abs, Reason: err.Error(), Err: err}
		}
	}
	if err := migrate(writer, schema); err != nil {
		wsql.Close()
		reason := err.Error()
		return nil, &OpenError{Path: abs, Reason: reason, Err: err}
	}
	reader, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: readerDriver, DSN: dsn(abs, "_query_only=true")}), gcfg)
	if err != nil {
		wsql.Close()
		return nil, &OpenError{Path: abs, Reason: err.Error(), Err: err}
	}
	rsql, _ := reader.DB()
	rsql.SetMaxOpenConns(4)
	return &Store{path: abs, db: writer, rdb: reader}, nil
}

// readerDriver is the database/sql driver of the read pool: mattn/go-sqlite3 with
// memory-mapped reads. A query that reads rows scattered over the file, such as the
// matches of a search, then reads them in place from the system's page cache instead
// of copying each page into its own cache (measured: BenchmarkUsersQuery100k's
// searches twice as fast).
const readerDriver = "sqlite3_onboard_reader"

// readerMmapSize is how much of the file each reader maps. The mapped pages count
// as the app's memory (resident, per connection), and one query that reads every
// user (the users of each unit) maps all it may: 2 GiB put the window on a million
// users at 1.9 GB resident, 64 MiB at 323 MB, none at 243 MB. 32 MiB keeps the
// window under 300 MB there and still maps the hot first part of the file.
const readerMmapSize = 32 << 20

func init() {
	sql.Register(readerDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(fmt.Sprintf("PRAGMA mmap_size = %d", readerMmapSize), nil)
		return err
	}})
}

// dsn builds a file: URI for mattn/go-sqlite3 with foreign keys and the busy timeout
// on, plus extra query parameters.
func dsn(path, extra string) string {
	p := filepath.ToSlash(path)
	if runtime.GOOS == "windows" {
		p = "/" + p
	}
	u := url.URL{Scheme: "file", Path: p}
	q := fmt.Sprintf("_foreign_keys=on&_mutex=no&_busy_timeout=%d", busyTimeout.Milliseconds())
	if extra != "" {
		q += "&" + extra
	}
	return u.String() + "?" + q
}

var sqliteHeader = []byte("SQLite format 3\x00")

// checkFile refuses a path Onboard must not open or create, without changing it.
func checkFile(path string) error {
	fail := func(reason string, err error) error { return &OpenError{Path: path, Reason: reason, Err: err} }
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fail("cannot create its folder: "+err.Error(), err)
		}
		return nil
	}
	if err != nil {
		return fail(err.Error(), err)
	}
	if st.IsDir() {
		return fail("is a folder, not a database file", ErrNotOnboard)
	}
	f, err := os.Open(path)
	if err != nil {
		return fail("cannot read it: "+errors.Unwrap(err).Error(), err)
	}
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	f.Close()
	if n == 0 && st.Size() == 0 {
		return nil // an empty file becomes a new database
	}
	if err != nil || !bytes.Equal(head, sqliteHeader) {
		return fail("is not an Onboard database (not an SQLite file)", ErrNotOnboard)
	}
	return checkOnboardSchema(path)
}

// checkOnboardSchema opens an SQLite file read-only and refuses it unless it is an
// Onboard database (or a brand-new empty one) of a version this build can read.
func checkOnboardSchema(path string) error {
	fail := func(reason string, err error) error { return &OpenError{Path: path, Reason: reason, Err: err} }
	db, err := sql.Open("sqlite3", dsn(path, "mode=ro"))
	if err != nil {
		return fail(err.Error(), err)
	}
	defer db.Close()
	var appID, tables, hasMigrations int
	if err := db.QueryRow(`PRAGMA application_id`).Scan(&appID); err != nil {
		return fail("cannot read it: "+err.Error(), err)
	}
	err = db.QueryRow(`SELECT count(*), coalesce(sum(name = 'schema_migrations'), 0) FROM sqlite_master WHERE type = 'table'`).
		Scan(&tables, &hasMigrations)
	if err != nil {
		return fail("cannot read it: "+err.Error(), err)
	}
	if tables == 0 {
		return nil
	}
	if appID != applicationID || hasMigrations == 0 {
		return fail("is an SQLite file of another program, not an Onboard database", ErrNotOnboard)
	}
	var version int
	if err := db.QueryRow(`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fail("cannot read its schema version: "+err.Error(), err)
	}
	if version > LatestSchema() {
		return fail(fmt.Sprintf("was written by a newer Onboard (schema %d, this one knows up to %d); update Onboard", version, LatestSchema()), ErrTooNew)
	}
	return nil
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close closes both connection pools.
func (s *Store) Close() error {
	var errs []error
	for _, g := range []*gorm.DB{s.rdb, s.db} {
		if d, err := g.DB(); err == nil {
			errs = append(errs, d.Close())
		}
	}
	return errors.Join(errs...)
}

// Write runs fn in one write transaction: everything fn does through tx is committed
// together or not at all. Called on the tx of another Write, it runs fn under a
// savepoint of that transaction: a failure of fn undoes only what fn did.
func (s *Store) Write(ctx context.Context, fn func(tx *Store) error) error {
	if _, nested := s.db.Statement.ConnPool.(gorm.TxCommitter); nested {
		return s.underSavepoint(ctx, fn)
	}
	return s.db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		return fn(&Store{path: s.path, db: g, rdb: g})
	})
}

// savepoints numbers the savepoints of nested writes.
var savepoints atomic.Uint64

// underSavepoint is Write inside a transaction. It releases its savepoint when fn
// is done, unlike gorm's nested Transaction, which leaves every savepoint open until
// the transaction ends: SQLite then checks each open savepoint for every page a
// statement writes, and an import updating 20,000 users, one nested write each,
// took 270 s instead of 7.
func (s *Store) underSavepoint(ctx context.Context, fn func(tx *Store) error) error {
	name := fmt.Sprintf("write%d", savepoints.Add(1))
	g := s.db.WithContext(ctx)
	if err := g.Exec("SAVEPOINT " + name).Error; err != nil {
		return fmt.Errorf("write: %w", err)
	}
	done := false
	defer func() {
		if !done { // fn failed or panicked: undo its part, then leave the savepoint
			g.Exec("ROLLBACK TO " + name)
			g.Exec("RELEASE " + name)
		}
	}()
	if err := fn(&Store{path: s.path, db: g, rdb: g}); err != nil {
		return err
	}
	done = true
	return wrap(g.Exec("RELEASE "+name).Error, "write")
}

// SchemaVersion returns the version of the file's schema.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(s.rdb.WithContext(ctx))
}

// IntegrityCheck runs PRAGMA integrity_check and returns its answer ("ok" when sound).
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	err := s.rdb.WithContext(ctx).Raw(`PRAGMA integrity_check`).Scan(&res).Error
	return res, err
}

// notFound turns gorm's not-found error into ErrNotFound, wrapping others with what.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// manyRows returns the reader for a query that returns many rows, under ctx without
// its cancellation: with a cancellable context the SQLite driver starts a goroutine
// for every row it reads (the IDs of 19,000 users took 0.97 s instead of 0.05 s).
// The query is bounded, so it fails at once when ctx is already done and otherwise
// runs to its end.
func (s *Store) manyRows(ctx context.Context) (*gorm.DB, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.rdb.WithContext(context.WithoutCancel(ctx)), nil
}
