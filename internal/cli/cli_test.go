package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"onboard/internal/export"
	"onboard/internal/keys"
)

// run runs the command line args and returns the exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	inv, code, ok := Parse(args, &errOut)
	if ok {
		code = Run(context.Background(), inv, &out, &errOut)
	}
	return code, out.String(), errOut.String()
}

func TestDemoThenListAsTableAndCSV(t *testing.T) {
	db := filepath.Join(t.TempDir(), "o.db")
	code, out, errOut := run(t, "--db", db, "demo", "--users", "300", "--seed", "5")
	if code != ExitOK || !strings.Contains(out, "Added 300 demo users") {
		t.Fatalf("demo: %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, "users", "list", "--db", db)
	if code != ExitOK || !strings.HasPrefix(out, "NAME") || !strings.HasSuffix(out, "300 users\n") {
		t.Fatalf("users list: %d\n%s", code, out)
	}
	code, out, _ = run(t, "--db", db, "users", "list", "--status", "expired", "--format", "csv")
	if code != ExitOK {
		t.Fatalf("csv: %d", code)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(export.Header(true), ",") || len(recs) < 2 {
		t.Fatalf("csv header %v, %d rows", recs[0], len(recs))
	}
	for _, r := range recs[1:] {
		if r[9] != "expired" || !keys.Valid(keys.Personal, r[11]) {
			t.Fatalf("csv row %v: want expired with a key", r)
		}
	}
	// The status counts across the filters add up to all users.
	sum := 0
	for _, st := range []string{"not-activated", "invited", "expired", "active", "deactivated"} {
		_, out, _ := run(t, "--db", db, "users", "list", "--status", st, "--format", "csv")
		sum += strings.Count(out, "\n") - 1
	}
	if sum != 300 {
		t.Fatalf("statuses add up to %d users, want 300", sum)
	}
}

func TestUsageErrorsExit2AndCreateNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "never.db")
	for _, args := range [][]string{
		{"--db", db, "frobnicate"},
		{"--db", db, "users"},
		{"--db", db, "users", "list", "--status", "sleeping"},
		{"--db", db, "users", "list", "--format", "xml"},
		{"--db", db, "users", "list", "--nope"},
		{"--db", db, "demo", "--users", "-1"},
		{"--db", db, "backup"},
		{"--db", db, "restore", "a", "b"},
		{"--bogus"},
	} {
		code, _, errOut := run(t, args...)
		if code != ExitUsage || !strings.Contains(errOut, "Usage: onboard") {
			t.Errorf("%v: exit %d, stderr %q; want 2 with the usage", args, code, errOut)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatal("a usage error created the database file")
	}
}

func TestBadDatabasePathIsOneLineError(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "list.xlsx")
	os.WriteFile(notDB, []byte("PK\x03\x04 not a database"), 0o644)
	for _, path := range []string{dir, notDB} {
		code, _, errOut := run(t, "--db", path, "users", "list")
		if code != ExitFail || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, path) {
			t.Errorf("--db %s: exit %d, stderr %q; want 1 and one line naming the path", path, code, errOut)
		}
	}
	b, _ := os.ReadFile(notDB)
	if string(b) != "PK\x03\x04 not a database" {
		t.Fatal("the file was modified")
	}
}

func TestEnvironmentVariableAndFlagPrecedence(t *testing.T) {
	dir := t.TempDir()
	envDB, flagDB := filepath.Join(dir, "env.db"), filepath.Join(dir, "flag.db")
	t.Setenv(EnvDB, envDB)
	if code, _, e := run(t, "demo", "--users", "3"); code != ExitOK {
		t.Fatal(e)
	}
	if code, _, e := run(t, "demo", "--users", "5", "--db", flagDB); code != ExitOK {
		t.Fatal(e)
	}
	_, outEnv, _ := run(t, "users", "list")
	_, outFlag, _ := run(t, "--db", flagDB, "users", "list")
	if !strings.HasSuffix(outEnv, "3 users\n") || !strings.HasSuffix(outFlag, "5 users\n") {
		t.Fatalf("env list ends %q, flag list ends %q", outEnv[len(outEnv)-10:], outFlag[len(outFlag)-10:])
	}
}

func TestBackupRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	db, bak := filepath.Join(dir, "o.db"), filepath.Join(dir, "bak.db")
	run(t, "--db", db, "demo", "--users", "20")
	if code, out, e := run(t, "--db", db, "backup", bak); code != ExitOK || !strings.Contains(out, bak) {
		t.Fatalf("backup: %d %s %s", code, out, e)
	}
	run(t, "--db", db, "demo", "--users", "7")
	code, out, e := run(t, "--db", db, "restore", bak)
	if code != ExitOK || !strings.Contains(out, "before-restore") {
		t.Fatalf("restore: %d %s %s", code, out, e)
	}
	if _, out, _ := run(t, "--db", db, "users", "list"); !strings.HasSuffix(out, "20 users\n") {
		t.Fatalf("after restore: %s", out[len(out)-12:])
	}
	csvFile := filepath.Join(dir, "users.csv")
	os.WriteFile(csvFile, []byte("a,b\n"), 0o644)
	code, _, e = run(t, "--db", db, "restore", csvFile)
	if code != ExitFail || !strings.Contains(e, "not an Onboard database") {
		t.Fatalf("restore of a CSV: %d %q", code, e)
	}
}
