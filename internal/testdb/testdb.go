// Package testdb gives the server's tests their databases: a fresh SQLite file, and
// a fresh schema in a real PostgreSQL.
//
// PostgreSQL comes from ONBOARD_TEST_PG (a postgres:// DSN) when it is set.
// Otherwise the first test that needs it starts a throwaway cluster from Debian's
// postgresql package: initdb into a temporary folder (as the postgres user when the
// tests run as root), pg_ctl start on a free loopback port, and a database for the
// tests; Main stops it when the package's tests are done. Without PostgreSQL the
// PostgreSQL runs are skipped when CI is unset and fail when CI is set.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for creating schemas
)

// Backend is one database a test runs against.
type Backend struct {
	Name string // "sqlite" or "postgres", used as the subtest name
	DSN  string
}

// Each runs fn as a subtest against a fresh SQLite file and a fresh PostgreSQL
// schema (see Postgres for when the latter is skipped).
func Each(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns the path of a new SQLite database file in t's temporary folder.
func SQLite(t testing.TB) string {
	return filepath.Join(t.TempDir(), "server.db")
}

// Postgres returns the DSN of a new, empty schema in a PostgreSQL database, dropped
// when t ends. When no PostgreSQL is available it skips t, or fails it when the CI
// environment variable is set.
func Postgres(t testing.TB) string {
	t.Helper()
	base, err := cluster()
	if errors.Is(err, errNotInstalled) {
		if os.Getenv("CI") == "" {
			t.Skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) and ONBOARD_TEST_PG is unset; " +
				"skipping the PostgreSQL run because CI is unset (install the postgresql package, e.g. make deps)")
		}
		t.Fatalf("PostgreSQL is required when CI is set: %v", err)
	}
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	schema := "t_" + randomHex(6)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("PostgreSQL: create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Errorf("PostgreSQL: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("PostgreSQL: drop schema %s: %v", schema, err)
		}
	})
	return withParam(base, "search_path", schema)
}

func withParam(dsn, key, value string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

var errNotInstalled = errors.New("PostgreSQL is not installed")

// The throwaway cluster, started once per test binary.
var (
	once      sync.Once
	clusterDS string
	clusterEr error
	stop      func()
)

// cluster returns the DSN of the database the tests use: ONBOARD_TEST_PG, or the
// throwaway cluster's, starting it on first use.
func cluster() (string, error) {
	once.Do(func() {
		if dsn := os.Getenv("ONBOARD_TEST_PG"); dsn != "" {
			clusterDS = dsn
			return
		}
		clusterDS, stop, clusterEr = start()
	})
	return clusterDS, clusterEr
}

// Main runs the package's tests and stops the throwaway cluster afterwards; call it
// from TestMain: os.Exit(testdb.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if stop != nil {
		stop()
	}
	return code
}

// start creates and starts a cluster in a temporary folder.
func start() (dsn string, stopFn func(), err error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		return "", nil, errNotInstalled
	}
	binDir := filepath.Dir(bins[len(bins)-1]) // the newest version
	dir, err := os.MkdirTemp("", "onboard-pg-")
	if err != nil {
		return "", nil, err
	}
	fail := func(err error) (string, func(), error) {
		os.RemoveAll(dir)
		return "", nil, err
	}
	asPostgres := os.Geteuid() == 0
	if asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("running as root needs the postgres user: %w", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(err)
		}
	}
	run := func(name string, args ...string) error {
		path := filepath.Join(binDir, name)
		var cmd *exec.Cmd
		if asPostgres {
			cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
		} else {
			cmd = exec.Command(path, args...)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w\n%s", name, err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		return fail(err)
	}
	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	opts := fmt.Sprintf("-k %s -p %d -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", dir, port)
	if err := run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		return fail(err)
	}
	stopFn = func() {
		_ = run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	}
	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	if err := createDatabase(admin, "onboard_test"); err != nil {
		stopFn()
		return "", nil, err
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/onboard_test?sslmode=disable", port), stopFn, nil
}

func createDatabase(admin, name string) error {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	return nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
