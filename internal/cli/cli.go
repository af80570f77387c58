// Package cli is Onboard's command line: it parses the arguments, opens the store and
// runs the same services the window uses, without opening a window.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"onboard/data"
	"onboard/internal/lifecycle"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitFail  = 1
	ExitUsage = 2
)

// EnvDB is the environment variable naming the database file.
const EnvDB = "ONBOARD_DB"

// Version is the program version, set at build time with -ldflags.
var Version = "dev"

// Invocation is what the arguments ask for.
type Invocation struct {
	DB      string   // database path from --db, "" when not given
	Screen  string   // screen to open first (window only)
	Open    string   // a user list to open in the import wizard (window only)
	Command []string // the command words and their arguments; empty: open the window
}

// Usage is the help text.
const Usage = `Usage: onboard [--db PATH] [COMMAND]

Without a command, Onboard opens its window.

Commands:
  setup --org NAME [--preset school|company|none] [--registration-url URL]
        [--language en|de] [--units "5a, 5b, 6a"] [--force]
                                   set up the organization: its name, address and
                                   language, the preset's roles (school: Student,
                                   Teacher, Staff, Parent; company: Employee,
                                   Manager, External) and the first units; running
                                   it again adds only what is missing; --force sets
                                   up again an organization named otherwise
  roles list [--format table|csv]  list the roles with their permissions, users and
                                   invite keys
  roles add NAME [--permissions P,...]
                                   create a role with these permissions
  roles rename OLD NEW             rename a role
  roles set-permissions NAME P,... replace the permissions of a role ("" for none)
  roles delete NAME [--move-to ROLE]
                                   delete a role; its users and invite keys move to
                                   ROLE (required when it has any)
  roles permissions                list every permission and what it allows
  units list [--format table|csv]  list the units with their numbers of users
  units add NAME | rename OLD NEW  create or rename a unit
  units delete NAME [--move-to UNIT]
                                   delete a unit; users who have no other unit
                                   move to UNIT (required when there are any)
  groups list [--format table|csv] | add NAME | rename OLD NEW | delete NAME
                                   the same for groups; a deleted group's users
                                   stay, without it
  demo [--users N] [--seed S]      add N realistic sample users (default 200)
  users list [--status S] [--search TEXT] [--expiring-within DAYS]
         [--letter printed-not-handed-out|handed-out-not-registered]
         [--format table|csv]
                                   list users; S is not-activated, invited,
                                   expired, active or deactivated;
                                   --expiring-within keeps those still to
                                   register whose key runs out within DAYS;
                                   --letter keeps those whose letter was
                                   printed and not handed out, or handed out
                                   to someone who has not registered
  users export [--status S] [--search TEXT] [--unit U]... [--role R]
         [--group G]... --format csv|xlsx -o FILE [--with-keys]
                                   write the users the filters select (all
                                   without filters) to a CSV or XLSX file that
                                   import reads back unchanged; --with-keys adds
                                   each user's personal key
  users extend (--user ID | --unit U | --group G | --status S)...
         [--days N]
                                   keep the keys of the users selected and make
                                   them work N days from today (default
                                   invite.valid_days): letters already printed
                                   stay good; users without a key, registered
                                   or deactivated ones are listed and skipped
  import FILE [--sheet NAME] [--encoding auto|utf-8|utf-16|windows-1252|
         iso-8859-15|macintosh|ibm850|ibm437]
         [--delimiter auto|comma|semicolon|tab|pipe] [--no-header]
         [--map "Header=field,..."] [--date-order auto|dmy|mdy]
         [--role R] [--unit U]... [--group G]...
         [--on-conflict skip|update|rename|fail] [--invite] [--valid-days N]
         [--update [--absent keep|deactivate|delete] [--absent-in U]...]
         [--saved-choices] [--dry-run] [--skip-invalid] [--report FILE.csv]
                                   import users from a CSV, TSV or XLSX file;
                                   nothing is written when a row has errors
                                   unless --skip-invalid is given; a unit named
                                   (by --unit or the file) that does not exist is
                                   created; the role must exist. --update matches
                                   the rows to existing users (external ID, email,
                                   username, else name), prints the changes and
                                   applies them (units follow the file); users of
                                   the file's units it does not list are kept,
                                   deactivated or deleted as --absent says; the
                                   column mapping saved for lists with the same
                                   column titles is used unless --map is given,
                                   its other choices with --saved-choices
  import --undo                    undo the last import: the data goes back to
                                   the backup taken before it (refused when
                                   anything changed since)
  import --template csv|xlsx FILE  write a sample file to fill in
  invite (--emails TEXT | --emails-file FILE) --role R --unit U [--unit U]...
         [--group G]... [--valid-days N]
                                   invite every address in TEXT or FILE (- for
                                   standard input): each becomes an invited user
                                   with a personal key and a queued invitation mail;
                                   a --unit that does not exist is created
  letters -o FILE.pdf [--status S] [--unit U]... [--group G]... [--user ID]...
          [--paper a4|letter] [--duplex] [--renew-expired] [--template saved|en|de]
                                   print a registration letter for each selected
                                   user (all users without filters); users
                                   without a usable key are listed and skipped
  letters handed-out (--user ID... | --key KEY_OR_LINK...)
                                   record that these users' letters were handed
                                   out (--key: the key on the letter or the link
                                   its QR code holds) and print each result;
                                   letters handed out before keep their date
  sheets -o FILE.pdf [--unit U]... [--status S] [--paper a4|letter]
         [--language en|de]
                                   print a class sheet per unit (every unit
                                   without --unit): its users with name,
                                   username and status, a box to tick when the
                                   letter is handed out and room for a
                                   signature; without --status everyone but the
                                   deactivated
  mail send                        send every queued mail now; exit 0 only when the
                                   outbox is empty afterwards
  mail list [--state S] [--limit N]
                                   list the outbox (S: queued, sent, failed,
                                   cancelled) with the server's last answer
  mail retry (ID... | --failed) [--to ADDRESS]
                                   queue failed mails again; --to resends an
                                   invitation to a corrected address (new key)
  mail test ADDRESS                send a test mail now and print the answer
  sync                             send this computer's changes to the server set
                                   in sync.url (as the operator of sync.token) and
                                   fetch the changes made elsewhere; exit 0 only
                                   when everything was pushed and pulled
  config list                      print every setting, its value and what it means
  config get KEY                   print the value of setting KEY
  config set KEY VALUE             check VALUE and store it as setting KEY; KEY is
                                   org.name, org.logo, org.language,
                                   registration.url, letters.paper,
                                   invite.valid_days, smtp.host, smtp.port,
                                   smtp.security, smtp.user, smtp.password,
                                   smtp.from, sync.url or sync.token
  backup FILE                      write a consistent copy of the database to FILE
  restore FILE                     replace the database with the backup in FILE
                                   (the current content is saved beside it first)
  version                          print the version
  help                             print this help

Options:
  --db PATH      the database file (default: $ONBOARD_DB, else
                 <user config folder>/Onboard/onboard.db)
  --screen NAME  open the window on users, invite-keys, units, roles, imports,
                 letters, mail or settings; setup opens the organization's setup
  --open FILE    open the window with FILE (CSV, TSV or XLSX) in the import wizard
`

// Parse reads the global options and the command. It returns ok=false with an exit
// code when it has already answered (help, or a usage error printed to stderr).
func Parse(args []string, stderr io.Writer) (inv Invocation, code int, ok bool) {
	fs := newFlagSet("onboard")
	fs.StringVar(&inv.DB, "db", "", "database file")
	fs.StringVar(&inv.Screen, "screen", "", "screen to open first")
	fs.StringVar(&inv.Open, "open", "", "user list to open in the import wizard")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, Usage)
			return inv, ExitOK, false
		}
		fmt.Fprintf(stderr, "onboard: %v\n\n%s", err, Usage)
		return inv, ExitUsage, false
	}
	inv.Command = fs.Args()
	return inv, 0, true
}

// newFlagSet makes a flag set that prints nothing itself: the caller prints the
// error, once, with the usage (and the usage alone for -h).
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// ResolveDB picks the database path: the flag, else $ONBOARD_DB, else the default.
func ResolveDB(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if env := os.Getenv(EnvDB); env != "" {
		return env, nil
	}
	return data.DefaultPath()
}

// command is one subcommand: its flags are parsed from args; it gets the opened store.
type command struct {
	name string
	run  func(ctx context.Context, c *call) error
	// noStore commands do not open the database.
	noStore bool
}

// call is the state of one running command.
type call struct {
	inv    Invocation
	fs     *flag.FlagSet
	args   []string
	store  *data.Store
	svc    *lifecycle.Service
	stdout io.Writer
	stderr io.Writer
	open   func() error // opens store and svc; nil for commands without a store
}

// usageError is a mistake in the command line: exit code 2 with the usage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

var commands = map[string]command{
	"demo":               {name: "demo", run: runDemo},
	"users":              {name: "users", run: runGroup("users", "list, export or extend"), noStore: true},
	"users list":         {name: "users list", run: runUsersList},
	"users export":       {name: "users export", run: runUsersExport},
	"users extend":       {name: "users extend", run: runUsersExtend},
	"import":             {name: "import", run: runImport},
	"invite":             {name: "invite", run: runInvite},
	"letters":            {name: "letters", run: runLetters},
	"letters handed-out": {name: "letters handed-out", run: runLettersHandedOut},
	"sheets":             {name: "sheets", run: runSheets},
	"setup":              {name: "setup", run: runSetup},
	"roles": {
		name: "roles", run: runGroup("roles", "list, add, rename, delete, set-permissions or permissions"),
		noStore: true,
	},
	"roles list":            {name: "roles list", run: runRolesList},
	"roles add":             {name: "roles add", run: runRolesAdd},
	"roles rename":          {name: "roles rename", run: runRolesRename},
	"roles delete":          {name: "roles delete", run: runRolesDelete},
	"roles set-permissions": {name: "roles set-permissions", run: runRolesSetPermissions},
	"roles permissions":     {name: "roles permissions", run: runRolesPermissions, noStore: true},
	"units":                 {name: "units", run: runGroup("units", "list, add, rename or delete"), noStore: true},
	"units list":            {name: "units list", run: unitKind.list},
	"units add":             {name: "units add", run: unitKind.add},
	"units rename":          {name: "units rename", run: unitKind.renameCmd},
	"units delete":          {name: "units delete", run: runUnitsDelete},
	"groups":                {name: "groups", run: runGroup("groups", "list, add, rename or delete"), noStore: true},
	"groups list":           {name: "groups list", run: groupKind.list},
	"groups add":            {name: "groups add", run: groupKind.add},
	"groups rename":         {name: "groups rename", run: groupKind.renameCmd},
	"groups delete":         {name: "groups delete", run: runGroupsDelete},
	"mail":                  {name: "mail", run: runGroup("mail", "send, list, retry or test"), noStore: true},
	"mail send":             {name: "mail send", run: runMailSend},
	"mail list":             {name: "mail list", run: runMailList},
	"mail retry":            {name: "mail retry", run: runMailRetry},
	"mail test":             {name: "mail test", run: runMailTest},
	"sync":                  {name: "sync", run: runSync},
	"config":                {name: "config", run: runGroup("config", "get, set or list"), noStore: true},
	"config get":            {name: "config get", run: runConfigGet},
	"config set":            {name: "config set", run: runConfigSet},
	"config list":           {name: "config list", run: runConfigList},
	"backup":                {name: "backup", run: runBackup},
	"restore":               {name: "restore", run: runRestore},
	"version":               {name: "version", run: runVersion, noStore: true},
	"help":                  {name: "help", run: runHelp, noStore: true},
}

// runGroup answers a group of commands ("onboard mail") called without one of its
// subcommands, which subs lists.
func runGroup(group, subs string) func(context.Context, *call) error {
	return func(_ context.Context, c *call) error {
		if len(c.args) == 0 {
			return usagef("missing %s", subs)
		}
		return usagef("unknown %s command %q; use %s", group, c.args[0], subs)
	}
}

// lookup finds the command named by the first one or two words.
func lookup(words []string) (command, []string, bool) {
	if len(words) >= 2 {
		if c, ok := commands[words[0]+" "+words[1]]; ok {
			return c, words[2:], true
		}
	}
	if c, ok := commands[words[0]]; ok && !strings.Contains(c.name, " ") {
		return c, words[1:], true
	}
	return command{}, nil, false
}

// Run runs the command of inv and returns the exit code.
func Run(ctx context.Context, inv Invocation, stdout, stderr io.Writer) int {
	cmd, rest, ok := lookup(inv.Command)
	if !ok {
		fmt.Fprintf(stderr, "onboard: unknown command %q\n\n%s", strings.Join(inv.Command, " "), Usage)
		return ExitUsage
	}
	c := &call{inv: inv, stdout: stdout, stderr: stderr, fs: newFlagSet("onboard " + cmd.name)}
	c.fs.StringVar(&c.inv.DB, "db", inv.DB, "database file")
	c.args = rest
	err := func() error {
		if cmd.noStore {
			return cmd.run(ctx, c)
		}
		// Commands parse and check their flags (--db among them) before they open
		// the store, so a usage error never creates a database file.
		c.open = func() error {
			path, err := ResolveDB(c.inv.DB)
			if err != nil {
				return err
			}
			st, err := data.Open(path)
			if err != nil {
				return err
			}
			c.store, c.svc = st, lifecycle.New(st)
			return nil
		}
		defer func() {
			if c.store != nil {
				c.store.Close()
			}
		}()
		return cmd.run(ctx, c)
	}()
	var ue *usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "onboard %s: %s\n\n%s", cmd.name, ue.msg, Usage)
		return ExitUsage
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stderr, Usage)
		return ExitOK
	default:
		fmt.Fprintf(stderr, "onboard %s: %s\n", cmd.name, oneLine(err))
		return ExitFail
	}
}

// oneLine keeps an error message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// parse parses the command's flags and requires exactly the positional arguments
// named in posNames. Commands validate the values, then call open.
func (c *call) parse(posNames ...string) ([]string, error) {
	pos, err := c.parseAll()
	if err != nil {
		return nil, err
	}
	if len(pos) != len(posNames) {
		if len(pos) < len(posNames) {
			return nil, usagef("missing %s", posNames[len(pos)])
		}
		return nil, usagef("unexpected argument %q", pos[len(posNames)])
	}
	return pos, nil
}

// parseAll parses the flags and returns every positional argument.
func (c *call) parseAll() ([]string, error) {
	// Flags may come before and after the positional arguments (import FILE --role R).
	var pos []string
	for args := c.args; ; {
		if err := c.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		rest := c.fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}
