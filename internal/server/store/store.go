// Package store is onboard-server's database: operators and their tokens, the
// synchronised rows (users, units, groups, roles, personal and invite keys), the
// change log clients pull from, the applied mutations that make pushes idempotent,
// rate-limit counters, the codes sent by email at registration (as HMACs) and
// settings.
//
// The same code runs on SQLite (one file, the default) and on PostgreSQL (several
// server processes sharing one database). Nothing that matters lives in memory:
// every decision (a key's redemption, an invite key's use count, a rate limit, the
// order of the change log) is taken inside the database, so any number of server
// processes on one PostgreSQL behave as one.
//
// Every write of a synchronised row bumps the row's version and appends the row to
// the change log in the same transaction; deleted rows stay as tombstones
// (deleted_at) so that clients learn about the deletion.
package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"onboard/internal/atomicfile"

	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/text/unicode/norm"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Errors callers can test for with errors.Is.
var (
	// ErrNotFound means the row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized means a token is unknown or revoked.
	ErrUnauthorized = errors.New("invalid or revoked token")
	// ErrInvalid means an argument was refused; the wrapping error says why.
	ErrInvalid = errors.New("invalid")
)

// Dialect names the database a Store runs on.
type Dialect string

// The supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// busyTimeout is how long an SQLite connection waits for a lock.
const busyTimeout = 10 * time.Second

// writeAttempts bounds how often a write transaction is retried after a transient
// failure (a unique-index race, a serialization failure or a deadlock between
// server processes on PostgreSQL).
const writeAttempts = 5

// Store is the server's database. On SQLite, writes go through one connection
// (SQLite has one writer; BEGIN IMMEDIATE avoids lock upgrades) and reads through a
// small pool that WAL lets run beside the writer. On PostgreSQL one pool does both.
type Store struct {
	dialect Dialect
	db      *gorm.DB // writes
	rdb     *gorm.DB // reads
	secret  []byte   // HMAC key for new invite keys, derived from the server secret
	// legacySecret is the invite-key HMAC key databases kept in settings before the
	// server secret; nil for newer databases. Only to verify keys made then.
	legacySecret []byte
	keys         *serverKeys // subkeys of the server secret
}

// Open opens the database named by dsn, creating and migrating it as needed: a
// postgres:// or postgresql:// URL opens PostgreSQL, anything else is an SQLite
// file path. The server secret comes from WithSecret; see there for the default.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	if dsn == "" {
		return nil, fmt.Errorf("store: open: %w: empty database name", ErrInvalid)
	}
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	secret, created, err := resolveSecret(dsn, &o)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s, err := openWithSecret(ctx, dsn, secret, o.replace)
	if errors.Is(err, ErrWrongSecret) && created != "" {
		// A database restored without its secret file must not get a new secret
		// silently: the file made just now goes again, and the next start fails alike.
		os.Remove(created)
	}
	return s, err
}

// openWithSecret opens, migrates and checks the database with the resolved server secret.
func openWithSecret(ctx context.Context, dsn string, secret []byte, replace bool) (*Store, error) {
	gcfg := &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		NowFunc:                now,
		SkipDefaultTransaction: true,
		TranslateError:         true,
	}
	var s *Store
	var err error
	if isPostgres(dsn) {
		db, err := gorm.Open(postgres.Open(dsn), gcfg)
		if err != nil {
			return nil, fmt.Errorf("store: open PostgreSQL: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("store: open PostgreSQL: %w", err)
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		s = &Store{dialect: Postgres, db: db, rdb: db}
	} else {
		if s, err = openSQLite(dsn, gcfg); err != nil {
			return nil, err
		}
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.setupSecret(ctx, secret, replace); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.sealPlainTOTPSecrets(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(path string, gcfg *gorm.Config) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := atomicfile.CreatePrivate(abs); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	writer, err := gorm.Open(sqlite.Open(sqliteDSN(abs, "_synchronous=FULL&_txlock=immediate&_cache_size=-65536")), gcfg)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	wsql, err := writer.DB()
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	wsql.SetMaxOpenConns(1)
	wsql.SetConnMaxIdleTime(0)
	// A new file gets 16 KiB pages (bulk inserts are faster than with 4 KiB); the
	// page size must be set before WAL mode writes the file's header, and is ignored
	// for an existing file.
	for _, pragma := range []string{"PRAGMA page_size = 16384", "PRAGMA journal_mode = WAL"} {
		if err := writer.Exec(pragma).Error; err != nil {
			wsql.Close()
			return nil, fmt.Errorf("store: open %s: %s: %w", abs, pragma, err)
		}
	}
	reader, err := gorm.Open(sqlite.Open(sqliteDSN(abs, "_query_only=true")), gcfg)
	if err != nil {
		wsql.Close()
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	rsql, err := reader.DB()
	if err != nil {
		wsql.Close()
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	rsql.SetMaxOpenConns(4)
	return &Store{dialect: SQLite, db: writer, rdb: reader}, nil
}

// sqliteDSN builds a file: URI for mattn/go-sqlite3 with foreign keys and the busy
// timeout on, plus extra query parameters.
func sqliteDSN(path, extra string) string {
	p := filepath.ToSlash(path)
	if runtime.GOOS == "windows" {
		p = "/" + p
	}
	u := url.URL{Scheme: "file", Path: p}
	return fmt.Sprintf("%s?_foreign_keys=on&_busy_timeout=%d&%s", u.String(), busyTimeout.Milliseconds(), extra)
}

// Dialect reports which database the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the connection pools.
func (s *Store) Close() error {
	var errs []error
	pools := []*gorm.DB{s.db}
	if s.rdb != s.db {
		pools = append(pools, s.rdb)
	}
	for _, g := range pools {
		if d, err := g.DB(); err == nil {
			errs = append(errs, d.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the database answers a query, for the health endpoint.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.rdb.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// now is the store's clock: UTC, truncated to microseconds so that times read back
// equal times written on both databases (PostgreSQL keeps microseconds).
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// dbTime brings a time from a client into the stored form (see now).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// dbTimePtr is dbTime for optional times.
func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := dbTime(*t)
	return &v
}

// errRetry makes write run its transaction again: a conditional update found the
// row changed by a concurrent transaction after it was read.
var errRetry = errors.New("row changed concurrently")

// write runs fn in one write transaction and retries it from the start when it
// failed for a transient reason: a unique index refused a row another transaction
// committed meanwhile, PostgreSQL reported a serialization failure or a deadlock, or
// fn returned errRetry. fn must therefore read everything it decides on inside tx.
func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var err error
	for attempt := 0; attempt < writeAttempts; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		err = s.db.WithContext(s.queryCtx(ctx)).Transaction(fn)
		if !retryable(err) {
			return err
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", writeAttempts, err)
}

// retryable reports whether a failed transaction may succeed when run again.
func retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errRetry) || errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
	}
	return false
}

// randomBytes returns n bytes from crypto/rand.
func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("random source: %w", err)
	}
	return b, nil
}

// fold returns the form of s that case-insensitive uniqueness compares: trimmed,
// Unicode NFC (a decomposed "ü" equals a composed one) and lower case. It must
// equal the desktop app's data.Fold, so that both agree on what collides (a test
// checks).
func fold(s string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimSpace(s)))
}

// chunks splits ids into slices of at most n, for IN lists within the databases'
// limits on bound parameters.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
