package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"strings"

	"onboard/internal/server/store"
)

// warnTo receives the warnings of commands other than serve (which logs them as
// JSON); run sets it to its stderr.
var warnTo io.Writer = os.Stderr

// textWarner writes warnings as lines to w.
func textWarner(w io.Writer) func(string) {
	return func(msg string) { fmt.Fprintf(w, "onboard-server: warning: %s\n", msg) }
}

// dbFlags are the flags every command takes for its database and server secret.
type dbFlags struct {
	database      string
	databaseFile  string
	secretFile    string
	replaceSecret bool
}

// addDBFlags registers the database and secret flags on fs.
func addDBFlags(fs *flag.FlagSet) *dbFlags {
	d := &dbFlags{}
	fs.StringVar(&d.database, "database", "", "SQLite file or postgres:// URL")
	fs.StringVar(&d.databaseFile, "database-file", "", "file holding the SQLite path or postgres:// URL")
	fs.StringVar(&d.secretFile, "secret-file", "", "file holding the server secret")
	fs.BoolVar(&d.replaceSecret, "replace-secret", false, "accept a new server secret when the old one is lost")
	return d
}

// dsn returns the database: --database, else the content of --database-file, else
// defaultDatabase. A password on the command line is visible to every user of the
// machine (ps, /proc), so it gets a warning.
func (d *dbFlags) dsn(warn func(string)) (string, error) {
	switch {
	case d.database != "" && d.databaseFile != "":
		return "", usageErr("give --database or --database-file, not both")
	case d.database != "":
		if hasPassword(d.database) {
			warn("the database password given with --database is visible to other users of this machine (ps, /proc); " +
				"give the URL in $ONBOARD_DATABASE or in a file with --database-file instead")
		}
		return d.database, nil
	case d.databaseFile != "":
		b, err := os.ReadFile(d.databaseFile)
		if err != nil {
			return "", fmt.Errorf("--database-file: %w", err)
		}
		dsn := strings.TrimSpace(string(b))
		if dsn == "" {
			return "", fmt.Errorf("--database-file: %s is empty", d.databaseFile)
		}
		if hasPassword(dsn) {
			warnIfShared(d.databaseFile, "database file, which holds a password,", warn)
		}
		return dsn, nil
	}
	return defaultDatabase(), nil
}

// hasPassword reports whether a postgres:// URL carries a password.
func hasPassword(dsn string) bool {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return false
	}
	_, inUser := u.User.Password()
	return inUser || u.Query().Has("password")
}

// secret returns the server secret: from --secret-file, $ONBOARD_SERVER_SECRET_FILE
// or $ONBOARD_SERVER_SECRET, in this order; nil when none is given (the store's
// default then applies: a file beside an SQLite database, an error for PostgreSQL).
func (d *dbFlags) secret(warn func(string)) ([]byte, error) {
	path := d.secretFile
	if path == "" {
		path = os.Getenv("ONBOARD_SERVER_SECRET_FILE")
	}
	if path != "" {
		s, err := store.ReadSecretFile(path)
		if err != nil {
			return nil, fmt.Errorf("%w (make one with: umask 077; openssl rand -hex 32 > %s)", err, path)
		}
		warnIfShared(path, "server secret file", warn)
		return s, nil
	}
	if v := os.Getenv("ONBOARD_SERVER_SECRET"); v != "" {
		return store.ParseSecret([]byte(v), "$ONBOARD_SERVER_SECRET")
	}
	return nil, nil
}

// open opens the store the flags name.
func (d *dbFlags) open(ctx context.Context, warn func(string)) (*store.Store, error) {
	dsn, err := d.dsn(warn)
	if err != nil {
		return nil, err
	}
	secret, err := d.secret(warn)
	if err != nil {
		return nil, err
	}
	var opts []store.Option
	if secret != nil {
		opts = append(opts, store.WithSecret(secret))
	}
	if d.replaceSecret {
		opts = append(opts, store.ReplaceSecret())
	}
	st, err := store.Open(ctx, dsn, opts...)
	if err != nil {
		return nil, err
	}
	if secret == nil {
		warnIfShared(store.DefaultSecretFile(dsn), "server secret file", warn)
	}
	return st, nil
}

// warnIfShared warns when users other than the owner may read the file at path.
func warnIfShared(path, what string, warn func(string)) {
	if runtime.GOOS == "windows" {
		return // no Unix permission bits
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	warn(fmt.Sprintf("the %s %s can be read by other users (mode %04o): chmod 600 %s", what, path, fi.Mode().Perm(), path))
}
