package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets a test run this binary as the real program: with
// ONBOARD_TEST_RUN_MAIN set, the test binary behaves like onboard itself.
func TestMain(m *testing.M) {
	if os.Getenv("ONBOARD_TEST_RUN_MAIN") != "" {
		os.Exit(run())
	}
	os.Exit(m.Run())
}

// onboard runs the program with args under a C.UTF-8 locale (Debian's default)
// and returns its exit code and stderr.
func onboard(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ONBOARD_TEST_RUN_MAIN=1", "LANG=C.UTF-8", "LC_ALL=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stderr.String()
}

func TestBadDatabaseGivesOneLineAndExit1(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "export.csv")
	os.WriteFile(notDB, []byte("Vorname;Nachname\n"), 0o644)
	for _, args := range [][]string{
		{"--db", dir, "users", "list"},
		{"--db", notDB, "backup", filepath.Join(dir, "b.db")},
		{"--db", notDB}, // the window: refused before it opens
	} {
		code, stderr := onboard(t, args...)
		if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, args[1]) {
			t.Errorf("onboard %v: exit %d, stderr %q; want exit 1 and one line naming the path", args, code, stderr)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	db := filepath.Join(t.TempDir(), "o.db")
	for _, args := range [][]string{{"--db", db, "launch"}, {"--nonsense"}, {"--db", db, "--screen", "reports"}} {
		if code, stderr := onboard(t, args...); code != 2 || stderr == "" {
			t.Errorf("onboard %v: exit %d, stderr %q; want 2", args, code, stderr)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatal("a usage error created the database")
	}
}
