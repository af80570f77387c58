package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes content to a new file in dir with mode perm and returns its path.
func writeFile(t *testing.T, dir, name, content string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil { // whatever the umask
		t.Fatal(err)
	}
	return p
}

// orgName is what `config list` says the database's org.name is.
func orgName(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := cli(t, append([]string{"config", "list"}, args...)...)
	if code != 0 {
		t.Fatalf("config list %q: %d %s", args, code, errOut)
	}
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "org.name="); ok {
			return v
		}
	}
	return ""
}

// TestDatabaseFromEnvironmentOrFile: the database can be named without the command
// line: $ONBOARD_DATABASE (before the older $ONBOARD_SERVER_DATABASE, which still
// works) or a file given with --database-file.
func TestDatabaseFromEnvironmentOrFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // where the default onboard-server.db would go
	envDB, oldDB, fileDB := filepath.Join(dir, "env.db"), filepath.Join(dir, "old.db"), filepath.Join(dir, "file.db")

	t.Setenv("ONBOARD_DATABASE", envDB)
	t.Setenv("ONBOARD_SERVER_DATABASE", oldDB)
	if code, _, errOut := cli(t, "config", "set", "org.name", "Env School"); code != 0 {
		t.Fatalf("config set with $ONBOARD_DATABASE: %d %s", code, errOut)
	}
	t.Setenv("ONBOARD_DATABASE", "")
	if code, _, errOut := cli(t, "config", "set", "org.name", "Old School"); code != 0 {
		t.Fatalf("config set with $ONBOARD_SERVER_DATABASE: %d %s", code, errOut)
	}
	t.Setenv("ONBOARD_SERVER_DATABASE", "")
	dsnFile := writeFile(t, dir, "dsn", fileDB+"\n", 0o600)
	if code, _, errOut := cli(t, "config", "set", "org.name", "File School", "--database-file", dsnFile); code != 0 {
		t.Fatalf("config set --database-file: %d %s", code, errOut)
	}
	for db, want := range map[string]string{envDB: "Env School", oldDB: "Old School", fileDB: "File School"} {
		if got := orgName(t, "--database", db); got != want {
			t.Errorf("%s: org.name %q, want %q", filepath.Base(db), got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "onboard-server.db")); err == nil {
		t.Error("a command used the default database")
	}
	if code, _, errOut := cli(t, "config", "list", "--database", envDB, "--database-file", dsnFile); code != 2 || !strings.Contains(errOut, "not both") {
		t.Errorf("--database and --database-file: %d %q", code, errOut)
	}
}

// TestPasswordOnTheCommandLineIsWarnedAbout: a PostgreSQL URL with a password in
// --database gets a warning on stderr (a JSON log line from serve), without the
// password; the same URL from $ONBOARD_DATABASE gets none. PostgreSQL without a
// server secret is refused before connecting.
func TestPasswordOnTheCommandLineIsWarnedAbout(t *testing.T) {
	dir := t.TempDir()
	secret := writeFile(t, dir, "secret", strings.Repeat("ab", 32)+"\n", 0o600)
	pg := "postgres://onboard:hunter2@127.0.0.1:1/onboard?connect_timeout=5" // nothing listens on port 1
	const warning = "visible to other users of this machine"

	code, _, errOut := cli(t, "config", "list", "--database", pg, "--secret-file", secret)
	if code != 1 || !strings.Contains(errOut, warning) {
		t.Errorf("config list --database with a password: %d %q", code, errOut)
	}
	if strings.Contains(errOut, "hunter2") {
		t.Errorf("stderr shows the password: %q", errOut)
	}
	code, _, errOut = cli(t, "serve", "--listen", "127.0.0.1:0", "--database", pg, "--secret-file", secret)
	if code != 1 || !strings.Contains(errOut, `"level":"WARN","msg":"the database password given with --database is `+warning) {
		t.Errorf("serve --database with a password: %d %q", code, errOut)
	}

	t.Setenv("ONBOARD_DATABASE", pg)
	if code, _, errOut := cli(t, "config", "list", "--secret-file", secret); code != 1 || strings.Contains(errOut, warning) {
		t.Errorf("password from $ONBOARD_DATABASE: %d %q, want a connection error without the warning", code, errOut)
	}
	if code, _, errOut := cli(t, "config", "list"); code != 1 || !strings.Contains(errOut, "--secret-file") {
		t.Errorf("PostgreSQL without a secret: %d %q", code, errOut)
	}
}

// TestServerSecretOutsideTheDatabase: the server secret comes from --secret-file,
// $ONBOARD_SERVER_SECRET_FILE or $ONBOARD_SERVER_SECRET, or for SQLite from
// DATABASE.secret (made on first use, mode 0600). A database set up with one secret
// refuses another until --replace-secret, and a secret file others can read gets a
// warning.
func TestServerSecretOutsideTheDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	if code, _, errOut := cli(t, "config", "set", "org.name", "Default", "--database", db); code != 0 {
		t.Fatalf("config set: %d %s", code, errOut)
	}
	if fi, err := os.Stat(db + ".secret"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("default secret file: %v %v", fi, err)
	}

	db2 := filepath.Join(dir, "t.db")
	value := strings.Repeat("c3", 32)
	secret := writeFile(t, dir, "secret", value+"\n", 0o600)
	if code, _, errOut := cli(t, "config", "set", "org.name", "Given", "--database", db2, "--secret-file", secret); code != 0 {
		t.Fatalf("config set --secret-file: %d %s", code, errOut)
	}
	if _, err := os.Stat(db2 + ".secret"); err == nil {
		t.Error("a default secret file was made although --secret-file was given")
	}
	code, _, errOut := cli(t, "config", "list", "--database", db2)
	if code != 1 || !strings.Contains(errOut, "not the one this database was set up with") {
		t.Errorf("without the database's secret: %d %q", code, errOut)
	}
	t.Setenv("ONBOARD_SERVER_SECRET_FILE", secret)
	if got := orgName(t, "--database", db2); got != "Given" {
		t.Errorf("with $ONBOARD_SERVER_SECRET_FILE: %q", got)
	}
	t.Setenv("ONBOARD_SERVER_SECRET_FILE", "")
	t.Setenv("ONBOARD_SERVER_SECRET", value)
	if got := orgName(t, "--database", db2); got != "Given" {
		t.Errorf("with $ONBOARD_SERVER_SECRET: %q", got)
	}
	t.Setenv("ONBOARD_SERVER_SECRET", "too short")
	if code, _, errOut := cli(t, "config", "list", "--database", db2); code != 1 || !strings.Contains(errOut, "at least 32") {
		t.Errorf("short secret: %d %q", code, errOut)
	}
	t.Setenv("ONBOARD_SERVER_SECRET", "")

	other := writeFile(t, dir, "other", strings.Repeat("d4", 32), 0o644)
	code, _, errOut = cli(t, "config", "list", "--database", db2, "--secret-file", other, "--replace-secret")
	if code != 0 || !strings.Contains(errOut, "can be read by other users (mode 0644)") {
		t.Errorf("--replace-secret with a readable file: %d %q", code, errOut)
	}
	if code, _, _ := cli(t, "config", "list", "--database", db2, "--secret-file", secret); code != 1 {
		t.Errorf("the replaced secret still opens the database: %d", code)
	}
}
