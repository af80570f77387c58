package cli

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"onboard/internal/server/api"
	"onboard/internal/server/store"
	"onboard/internal/syncapi"
)

// syncServer starts an onboard-server on loopback and returns its address and
// store.
func syncServer(t *testing.T) (string, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(st, slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { srv.Close(); st.Close() })
	return srv.URL, st
}

// syncDB makes a database as inviteDB does, set up with onboard config set to
// sync with url as an operator with perms.
func syncDB(t *testing.T, url string, st *store.Store, perms ...syncapi.Permission) string {
	t.Helper()
	keyring.MockInit()
	syncBackoff = time.Millisecond
	t.Cleanup(func() { syncBackoff = 500 * time.Millisecond })
	db := inviteDB(t)
	token := "obt_unknown"
	if st != nil {
		var err error
		if token, err = st.AddOperator(context.Background(), "op"+strconv.Itoa(len(perms)), perms); err != nil {
			t.Fatal(err)
		}
	}
	for _, kv := range [][2]string{{"sync.url", url}, {"sync.token", token}} {
		if code, _, errOut := run(t, "--db", db, "config", "set", kv[0], kv[1]); code != ExitOK {
			t.Fatalf("config set %s: %d %s", kv[0], code, errOut)
		}
	}
	return db
}

func TestSyncPushesAndPulls(t *testing.T) {
	url, st := syncServer(t)
	db := syncDB(t, url+"/", st, store.Permissions...)
	code, out, errOut := run(t, "--db", db, "sync")
	// Role, two units, a group, Anna and her key.
	if code != ExitOK || out != "Pushed 6 changes, pulled 0 changes, 0 conflicts, 0 refused.\n" || errOut != "" {
		t.Fatalf("sync: %d %q %q", code, out, errOut)
	}
	if code, out, _ := run(t, "--db", db, "sync"); code != ExitOK || !strings.HasPrefix(out, "Pushed 0 changes, pulled 0 changes") {
		t.Fatalf("second sync: %d %q", code, out)
	}
	if _, out, _ := run(t, "--db", db, "config", "get", "sync.token"); out != "(stored in the OS keyring)\n" {
		t.Fatalf("config get sync.token: %q", out)
	}
}

func TestSyncListsRefusedChangesAndFails(t *testing.T) {
	url, st := syncServer(t)
	// This operator may neither add users nor manage roles: the units and the group
	// sync, the role, Anna and her key are refused one by one.
	db := syncDB(t, url, st, syncapi.PermAddUsersByLink, syncapi.PermManageUnits, syncapi.PermManageGroups)
	code, out, errOut := run(t, "--db", db, "sync")
	if code != ExitFail || !strings.HasPrefix(out, "Pushed 3 changes, pulled 0 changes, 0 conflicts, 3 refused.\nNot synced:\n") ||
		!strings.Contains(out, "  role Teacher (") || !strings.Contains(out, "needs the manage-roles permission") ||
		!strings.Contains(out, "  user Anna Müller (") || !strings.Contains(out, "  personal key Anna Müller (") ||
		!strings.Contains(out, "needs the add-users or manage-users permission") ||
		errOut != "onboard sync: not everything is synced: 3 changes refused by the server (change them and sync again)\n" {
		t.Fatalf("sync: %d\n%s\n%s", code, out, errOut)
	}
}

func TestSyncErrorsAreOneLine(t *testing.T) {
	url, _ := syncServer(t)
	for _, tc := range []struct {
		name string
		db   func() string
		msg  string
		code int
	}{
		{"no address", func() string { return inviteDB(t) }, "onboard sync: no sync server is set; set one with: onboard config set sync.url", ExitFail},
		{"no token", func() string {
			db := inviteDB(t)
			run(t, "--db", db, "config", "set", "sync.url", url)
			return db
		}, "onboard sync: no operator token is set; set it with: onboard config set sync.token TOKEN", ExitFail},
		{"unknown token", func() string { return syncDB(t, url, nil) }, "onboard sync: the sync server refused the operator token", ExitFail},
		{
			"no server", func() string { return syncDB(t, "http://127.0.0.1:"+strconv.Itoa(freePort(t)), nil) },
			"onboard sync: cannot reach the sync server at http://127.0.0.1:", ExitFail,
		},
		{"argument", func() string { return inviteDB(t) }, "onboard sync: unexpected argument \"now\"", ExitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--db", tc.db(), "sync"}
			if tc.code == ExitUsage {
				args = append(args, "now")
			}
			code, _, errOut := run(t, args...)
			if code != tc.code || !strings.HasPrefix(errOut, tc.msg) || (tc.code == ExitFail && strings.Count(errOut, "\n") != 1) {
				t.Fatalf("%d %q; want %d and %q", code, errOut, tc.code, tc.msg)
			}
		})
	}
}

// TestDemoDataSyncsWhole pushes a demo database, whose users include people who
// joined with an invite key: the key must reach the server before them.
func TestDemoDataSyncsWhole(t *testing.T) {
	url, st := syncServer(t)
	db := syncDB(t, url, st, store.Permissions...)
	if code, _, errOut := run(t, "--db", db, "demo", "--users", "300", "--seed", "7"); code != ExitOK {
		t.Fatalf("demo: %d %s", code, errOut)
	}
	code, out, errOut := run(t, "--db", db, "sync")
	if code != ExitOK || !strings.HasSuffix(out, " 0 conflicts, 0 refused.\n") {
		t.Fatalf("sync of demo data: %d %q %q", code, out, errOut)
	}
}
