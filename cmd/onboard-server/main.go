// Command onboard-server is Onboard's server: the sync API the desktop apps push
// their changes to and pull activations from, and the registration pages where
// invited people redeem their keys. It is headless (no Fyne) and keeps everything in
// one database: an SQLite file by default, or PostgreSQL (a postgres:// URL) for
// several server processes behind a load balancer.
//
//	onboard-server serve [--listen ADDR] [--database DSN | --database-file FILE] [--secret-file FILE] [--org-name NAME]
//	                     [--trust-proxy LIST] [--tls-cert FILE --tls-key FILE | --insecure-http]
//	                     [--max-conns-per-client N] [--max-conns N]
//	onboard-server operator add NAME --permissions add-users,add-users-by-link,bulk-invite,manage-roles
//	onboard-server operator list
//	onboard-server operator revoke NAME
//	onboard-server config set KEY VALUE
//	onboard-server config list
//
// Every command takes --database (default $ONBOARD_DATABASE, $ONBOARD_SERVER_DATABASE
// or onboard-server.db) or --database-file, and --secret-file (see secrets.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"onboard/internal/server/api"
	"onboard/internal/server/store"
	"onboard/internal/server/web"
	"onboard/internal/syncapi"
)

// usage is the help text; the permissions it lists come from the catalogue.
var usage = `usage:
  onboard-server serve [--listen ADDR] [--database DSN] [--org-name NAME] [--trust-proxy LIST]
                       [--database-file FILE] [--secret-file FILE] [--replace-secret]
                       [--tls-cert FILE --tls-key FILE | --insecure-http]
                       [--max-conns-per-client N] [--max-conns N]
  onboard-server operator add NAME --permissions LIST [--database DSN]
  onboard-server operator list [--database DSN]
  onboard-server operator revoke NAME [--database DSN]
  onboard-server config set KEY VALUE [--database DSN]
  onboard-server config list [--database DSN]

DSN is an SQLite file path or a postgres:// URL (default: $ONBOARD_DATABASE,
$ONBOARD_SERVER_DATABASE or onboard-server.db); every command also takes
--database-file FILE instead, which keeps a PostgreSQL password out of the process
list. The server secret (for invite keys, two-factor secrets and the forms) lives
outside the database: --secret-file FILE, $ONBOARD_SERVER_SECRET_FILE or the secret
itself in $ONBOARD_SERVER_SECRET; without one, an SQLite database uses DSN.secret
beside it (created on first use), and PostgreSQL refuses to start. --replace-secret
accepts a new secret when the old one is lost. Permissions: ` + strings.Join(permissionNames(), ", ") + `.
Settings: org.name, terms, require_2fa, password.min_length (8-64), password.classes,
ratelimit.address_failures, ratelimit.key_failures, ratelimit.invite_key_failures
(failed registration attempts per client address, personal key and invite key,
1-100000), ratelimit.code_sends (email codes per key, 1-100000) and
ratelimit.window (1m-24h, such as 10m). twofactor.method (app, email or choice)
is the second factor when require_2fa is true; email and choice send codes through
smtp.host, smtp.port (default 587), smtp.security (starttls, tls or none),
smtp.user, smtp.password and smtp.from, which must be set first. config list
shows smtp.password as ******** when it is set.

serve listens on localhost:8080 unless --listen says otherwise. An address other
machines can reach needs --tls-cert and --tls-key (HTTPS), or --insecure-http when
TLS ends in front of the server. --trust-proxy lists the reverse proxies (addresses
or CIDR networks, such as 127.0.0.1,10.0.0.0/8) whose X-Forwarded-For and
X-Forwarded-Proto are believed. --max-conns-per-client (default 64; not for trusted
proxies) and --max-conns (default 4096) cap open connections.
`

// permissionNames are the operator permissions (syncapi.OperatorPermissions).
func permissionNames() []string {
	var out []string
	for _, p := range syncapi.OperatorPermissions() {
		out = append(out, string(p))
	}
	return out
}

// Timeouts of the HTTP server.
const (
	shutdownTimeout = 15 * time.Second
	pruneEvery      = 10 * time.Minute
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks a mistake in the command line: exit status 2 and the usage.
var errUsage = errors.New("usage")

// run runs one command and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	warnTo = stderr
	err := dispatch(ctx, args, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "onboard-server: %v\n\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "onboard-server: %v\n", err)
		return 1
	}
}

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("no command given")
	}
	cmd, rest := args[0], args[1:]
	if len(rest) > 0 && (cmd == "operator" || cmd == "config") {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, stderr)
	case "operator add":
		return operatorAdd(ctx, rest, stdout)
	case "operator list":
		return operatorList(ctx, rest, stdout)
	case "operator revoke":
		return withStore(ctx, "operator revoke", rest, 1, nil, func(st *store.Store, pos []string) error {
			if err := st.RevokeOperator(ctx, pos[0]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Operator %s is revoked; its token no longer works.\n", pos[0])
			return nil
		})
	case "config set":
		return withStore(ctx, "config set", rest, 2, nil, func(st *store.Store, pos []string) error {
			return st.SetSetting(ctx, pos[0], pos[1])
		})
	case "config list":
		return withStore(ctx, "config list", rest, 0, nil, func(st *store.Store, _ []string) error {
			return listSettings(ctx, st, stdout)
		})
	case "-h", "--help", "help":
		return flag.ErrHelp
	}
	return usageErr("unknown command %q", strings.Join(args[:min(2, len(args))], " "))
}

// listSettings prints every setting as name=value, the mail password as ********
// when it is set, so that it shows neither on the screen nor in logs.
func listSettings(ctx context.Context, st *store.Store, stdout io.Writer) error {
	m, err := st.Settings(ctx)
	if err != nil {
		return err
	}
	for _, name := range store.SettingNames() {
		v := m[name]
		if name == store.SettingSMTPPassword && v != "" {
			v = "********"
		}
		fmt.Fprintf(stdout, "%s=%s\n", name, v)
	}
	return nil
}

// defaultDatabase is the database unless --database or --database-file is given:
// $ONBOARD_DATABASE, else $ONBOARD_SERVER_DATABASE (its older name), else
// onboard-server.db.
func defaultDatabase() string {
	for _, env := range []string{"ONBOARD_DATABASE", "ONBOARD_SERVER_DATABASE"} {
		if v := os.Getenv(env); v != "" {
			return v
		}
	}
	return "onboard-server.db"
}

// parse reads flags and positional arguments in any order ("operator add NAME
// --permissions X" as well as "operator add --permissions X NAME") and checks the
// number of positional arguments.
func parse(fs *flag.FlagSet, args []string, positional int) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageErr("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	if len(pos) != positional {
		return nil, usageErr("%s takes %d argument(s), got %d", fs.Name(), positional, len(pos))
	}
	return pos, nil
}

// withStore parses a command's flags (the database and secret flags plus those
// setup adds), opens the database and runs fn.
func withStore(ctx context.Context, name string, args []string, positional int, setup func(*flag.FlagSet),
	fn func(*store.Store, []string) error,
) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	db := addDBFlags(fs)
	if setup != nil {
		setup(fs)
	}
	pos, err := parse(fs, args, positional)
	if err != nil {
		return err
	}
	st, err := db.open(ctx, textWarner(warnTo))
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st, pos)
}

func operatorAdd(ctx context.Context, args []string, stdout io.Writer) error {
	var perms string
	return withStore(ctx, "operator add", args, 1, func(fs *flag.FlagSet) {
		fs.StringVar(&perms, "permissions", "", "comma-separated: "+strings.Join(permissionNames(), ", "))
	}, func(st *store.Store, pos []string) error {
		list, err := store.ParsePermissions(perms)
		if err != nil {
			return err
		}
		token, err := st.AddOperator(ctx, pos[0], list)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Operator %s added. Its API token (shown only now; keep it secret):\n%s\n", pos[0], token)
		return nil
	})
}

func operatorList(ctx context.Context, args []string, stdout io.Writer) error {
	return withStore(ctx, "operator list", args, 0, nil, func(st *store.Store, _ []string) error {
		ops, err := st.Operators(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tPERMISSIONS\tCREATED\tREVOKED")
		for _, op := range ops {
			revoked := "-"
			if op.RevokedAt != nil {
				revoked = op.RevokedAt.Local().Format("2006-01-02 15:04")
			}
			perms := op.Permissions
			if perms == "" {
				perms = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", op.Name, perms, op.CreatedAt.Local().Format("2006-01-02 15:04"), revoked)
		}
		return tw.Flush()
	})
}

// serve runs the HTTP server until ctx is cancelled (SIGINT or SIGTERM), then
// shuts it down gracefully: no new connections, requests in flight may finish
// within shutdownTimeout.
func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var lc listenConfig
	lc.register(fs)
	db := addDBFlags(fs)
	orgName := fs.String("org-name", "", "set the organization's name (kept in the database)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := lc.check(); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	st, err := db.open(ctx, func(msg string) { log.Warn(msg) })
	if err != nil {
		return err
	}
	defer st.Close()
	if *orgName != "" {
		if err := st.SetSetting(ctx, store.SettingOrgName, *orgName); err != nil {
			return err
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/healthz", api.Health(st, log))
	mux.Handle("/api/v1/", api.New(st, log))
	mux.Handle("/", web.NewHandler(st, web.Options{Log: log, TrustedProxies: lc.trustedRanges, Secret: st.WebSecret()}))
	srv := &http.Server{
		Handler:           api.Logged(log, mux),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := lc.listen(srv, log)
	if err != nil {
		return err
	}
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.Bool("tls", srv.TLSConfig != nil),
		slog.String("database", string(st.Dialect())))
	served := make(chan error, 1)
	go func() { served <- lc.serve(srv, ln) }()
	pruneCtx, stopPrune := context.WithCancel(context.Background())
	defer stopPrune()
	go prune(pruneCtx, st, log)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("timeout", shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// prune clears expired rate-limit counters and old mutations every pruneEvery.
func prune(ctx context.Context, st *store.Store, log *slog.Logger) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := st.Prune(ctx); err != nil && ctx.Err() == nil {
				log.Warn("prune failed", slog.Any("error", err))
			}
		}
	}
}
