// Package e2e runs Onboard's two programs as real processes on loopback: the
// desktop's command line against a store file, onboard-server with its own
// database, and registration through the server's web form over HTTP.
package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/lifecycle"
)

// build compiles both programs once per test run.
func build(t *testing.T) (onboard, server string) {
	t.Helper()
	dir := t.TempDir()
	onboard, server = filepath.Join(dir, "onboard"), filepath.Join(dir, "onboard-server")
	for _, b := range [][]string{
		{"build", "-tags", "migrated_fynedo,sqlite_fts5", "-o", onboard, "onboard"},
		{"build", "-o", server, "onboard/cmd/onboard-server"},
	} {
		if out, err := exec.Command("go", b...).CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(b, " "), err, out)
		}
	}
	return onboard, server
}

// env keeps the programs away from the user's keyring and configuration.
func env(t *testing.T) []string {
	home := t.TempDir()
	return append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "DBUS_SESSION_BUS_ADDRESS=disabled:", "LANG=en_US.UTF-8")
}

// runOK runs a program and returns its standard output, failing on a non-zero exit.
func runOK(t *testing.T, environ []string, name string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = environ, &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer starts onboard-server on a fresh database with an operator and
// returns its address and the operator's token.
func startServer(t *testing.T, server string, environ []string) (base, token string) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "server.db")
	out := runOK(t, environ, server, "operator", "add", "office", "--permissions", "add-users,add-users-by-link,bulk-invite,manage-roles,manage-units,manage-groups", "--database", db)
	token = regexp.MustCompile(`obs_[A-Za-z0-9_-]+`).FindString(out)
	if token == "" {
		t.Fatalf("no token in %q", out)
	}
	port := freePort(t)
	base = fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, server, "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--database", db, "--org-name", "Schule am See")
	cmd.Env, cmd.Stderr = environ, io.Discard
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	for i := 0; ; i++ {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base, token
			}
		}
		if i == 100 {
			t.Fatalf("the server did not answer /healthz: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// users returns the rows of `onboard users list --format csv` with status st.
func users(t *testing.T, onboard string, environ []string, db, st string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(runOK(t, environ, onboard, "--db", db, "users", "list", "--status", st, "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[1:]
}

// submit opens page (which sets the CSRF cookie), then posts the form with fields
// added to the page's hidden inputs, and returns the answer's status and body.
func submit(t *testing.T, page string, fields url.Values) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	res, err := c.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", page, res.Status, body)
	}
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)">`).FindAllStringSubmatch(string(body), -1) {
		form.Set(m[1], m[2])
	}
	for k, v := range fields {
		form[k] = v
	}
	action := strings.SplitN(page, "?", 2)[0]
	res, err = c.PostForm(action, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ = io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

const password = "correct horse battery staple 42"

// TestOfflineUsersRegisterAndComeBackActive is the whole round: users made offline
// are pushed, one registers with the personal key of their letter through the web
// form, and after the next sync the desktop shows them active; a person joining
// with an invite key appears as a new active user.
func TestOfflineUsersRegisterAndComeBackActive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both programs")
	}
	onboard, server := build(t)
	environ := env(t)
	base, token := startServer(t, server, environ)
	db := filepath.Join(t.TempDir(), "office.db")

	runOK(t, environ, onboard, "--db", db, "demo", "--users", "40", "--seed", "9")
	runOK(t, environ, onboard, "--db", db, "config", "set", "sync.url", base)
	runOK(t, environ, onboard, "--db", db, "config", "set", "sync.token", token)
	runOK(t, environ, onboard, "--db", db, "config", "set", "registration.url", base)
	runOK(t, environ, onboard, "--db", db, "sync")

	waiting := users(t, onboard, environ, db, "not-activated")
	if len(waiting) == 0 {
		t.Fatal("no not-activated demo user")
	}
	person := waiting[0] // first_name,last_name,email,username,…,key
	username, key := person[3], person[11]
	status, body := submit(t, base+"/register?key="+url.QueryEscape(key), url.Values{
		"username": {username}, "email": {"registered." + username + "@example.org"},
		"password": {password}, "password2": {password}, "terms": {"yes"},
	})
	if status != http.StatusOK || !strings.Contains(body, person[0]) {
		t.Fatalf("registration answered %d:\n%s", status, body)
	}
	// The same key again gets the one answer for bad keys.
	if status := get(t, base+"/register?key="+url.QueryEscape(key)); status == http.StatusOK {
		t.Fatal("the redeemed key still opens the form")
	}

	runOK(t, environ, onboard, "--db", db, "sync")
	if !hasUser(users(t, onboard, environ, db, "active"), username) {
		t.Fatalf("%s is not active after the sync", username)
	}

	// An invite key made in the office reaches the server with the next sync.
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	roles, _ := st.Roles(context.Background())
	units, _ := st.Units(context.Background())
	ik, err := lifecycle.New(st).CreateInviteKey(context.Background(), lifecycle.InviteKeyInput{
		Label:  "Parents 5a",
		RoleID: roles[0].ID, UnitIDs: []string{units[0].ID}, ValidUntil: time.Now().AddDate(0, 0, 7), MaxUses: 5,
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	runOK(t, environ, onboard, "--db", db, "sync")
	status, body = submit(t, base+"/join?key="+url.QueryEscape(ik.Key), url.Values{
		"first_name": {"Ömer"}, "last_name": {"Yılmaz"}, "username": {"oemer.yilmaz"}, "email": {"oemer@example.org"},
		"password": {password}, "password2": {password}, "terms": {"yes"},
	})
	if status != http.StatusOK {
		t.Fatalf("join answered %d:\n%s", status, body)
	}
	runOK(t, environ, onboard, "--db", db, "sync")
	if !hasUser(users(t, onboard, environ, db, "active"), "oemer.yilmaz") {
		t.Fatal("the user who joined with the invite key is not in the office's list after the sync")
	}
}

// get opens a page and returns its status.
func get(t *testing.T, page string) int {
	t.Helper()
	res, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func hasUser(rows [][]string, username string) bool {
	for _, r := range rows {
		if r[3] == username {
			return true
		}
	}
	return false
}
