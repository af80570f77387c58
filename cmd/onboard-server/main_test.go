package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestMain lets the test binary run as onboard-server itself (for the signal test).
func TestMain(m *testing.M) {
	if os.Getenv("ONBOARD_SERVER_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func TestTheServerDoesNotImportFyne(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "fyne.io/") {
			t.Errorf("onboard-server depends on %s", pkg)
		}
	}
}

func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

var tokenRE = regexp.MustCompile(`obs_[A-Za-z0-9_-]{43}`)

func TestOperatorCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	code, out, errOut := cli(t, "operator", "add", "Front Office", "--permissions", "add-users,bulk-invite", "--database", db)
	if code != 0 || !tokenRE.MatchString(out) {
		t.Fatalf("operator add: %d %q %q", code, out, errOut)
	}
	raw, _ := os.ReadFile(db)
	if bytes.Contains(raw, []byte(tokenRE.FindString(out))) {
		t.Error("the database file holds the token in plain text")
	}
	if code, _, errOut := cli(t, "operator", "add", "--database", db, "Other", "--permissions", "add-users,fly"); code != 1 || !strings.Contains(errOut, "fly") {
		t.Errorf("unknown permission: %d %q", code, errOut)
	}
	code, out, _ = cli(t, "operator", "list", "--database", db)
	if code != 0 || !strings.Contains(out, "Front Office") || !strings.Contains(out, "add-users,bulk-invite") || strings.Contains(out, "obs_") {
		t.Errorf("operator list: %d\n%s", code, out)
	}
	if code, _, errOut := cli(t, "operator", "revoke", "front office", "--database", db); code != 0 {
		t.Errorf("operator revoke: %d %s", code, errOut)
	}
	if code, _, errOut := cli(t, "operator", "revoke", "nobody", "--database", db); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("revoke of an unknown operator: %d %q", code, errOut)
	}
	_, out, _ = cli(t, "operator", "list", "--database", db)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || strings.HasSuffix(lines[1], " -") {
		t.Errorf("revoked operator listed as\n%s", out)
	}
	for _, bad := range [][]string{{}, {"fly"}, {"operator"}, {"operator", "add"}, {"serve", "--nope"}, {"config", "set", "x"}} {
		if code, _, errOut := cli(t, bad...); code != 2 || !strings.Contains(errOut, "usage:") {
			t.Errorf("%q: %d %q, want the usage and status 2", bad, code, errOut)
		}
	}
}

func TestConfigCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	for _, kv := range [][2]string{{"org.name", "Example School"}, {"password.min_length", "16"}, {"require_2fa", "true"}} {
		if code, _, errOut := cli(t, "config", "set", kv[0], kv[1], "--database", db); code != 0 {
			t.Fatalf("config set %s: %d %s", kv[0], code, errOut)
		}
	}
	if code, _, errOut := cli(t, "config", "set", "password.min_length", "100", "--database", db); code != 1 || !strings.Contains(errOut, "8 to 64") {
		t.Errorf("out of range: %d %q", code, errOut)
	}
	_, out, _ := cli(t, "config", "list", "--database", db)
	for _, want := range []string{"org.name=Example School", "password.min_length=16", "require_2fa=true", "password.classes=false", "terms="} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("config list lacks %q:\n%s", want, out)
		}
	}
}

// TestServeAnswersAndStopsOnSIGTERM runs the server as a real process: health, API,
// registration page, one JSON log line per request without the token, and a
// graceful stop on SIGTERM.
func TestServeAnswersAndStopsOnSIGTERM(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	code, out, _ := cli(t, "operator", "add", "Office", "--permissions", "add-users", "--database", db)
	token := tokenRE.FindString(out)
	if code != 0 || token == "" {
		t.Fatal("operator add failed")
	}
	var mu sync.Mutex
	var logged []string
	addr, cmd, readDone := startServe(t, db, func(line string) {
		mu.Lock()
		logged = append(logged, line)
		mu.Unlock()
	}, "--listen", "127.0.0.1:0", "--org-name", "Example School")
	base := "http://" + addr

	get := func(path string, auth bool) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := get("/healthz", false); status != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz: %d %s", status, body)
	}
	if status, body := get("/api/v1/me", true); status != 200 || !strings.Contains(body, `"Example School"`) {
		t.Errorf("me: %d %s", status, body)
	}
	if status, _ := get("/api/v1/me", false); status != 401 {
		t.Errorf("me without a token: %d", status)
	}
	if status, _ := get("/register?key=ABCDE-SECRET", false); status >= 500 || status == 404 {
		t.Errorf("registration page: %d", status)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-readDone
	if err := cmd.Wait(); err != nil {
		t.Errorf("the server did not exit cleanly on SIGTERM: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(logged, "\n")
	if strings.Contains(all, token) || strings.Contains(all, "SECRET") {
		t.Errorf("the log holds the token or a key:\n%s", all)
	}
	requests := 0
	for _, l := range logged {
		var e struct {
			Msg, Method, Path string
			Status            int
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Errorf("log line is not JSON: %q", l)
		}
		if e.Msg == "request" && e.Method != "" && e.Path != "" && e.Status != 0 {
			requests++
		}
	}
	if requests != 4 || !strings.Contains(all, `"msg":"stopped"`) {
		t.Errorf("%d request lines, want 4, and a stop line:\n%s", requests, all)
	}
}

// TestRateLimitSettings: the ratelimit.* settings are listed with their defaults,
// take valid values (stored as typed) and refuse others, naming the setting and
// the allowed range.
func TestRateLimitSettings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	_, out, _ := cli(t, "config", "list", "--database", db)
	for _, want := range []string{"ratelimit.address_failures=20", "ratelimit.key_failures=10", "ratelimit.invite_key_failures=100", "ratelimit.window=10m"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("config list lacks %q:\n%s", want, out)
		}
	}
	for _, kv := range [][2]string{{"ratelimit.address_failures", " 60 "}, {"ratelimit.key_failures", "5"}, {"ratelimit.invite_key_failures", "300"}, {"ratelimit.window", "90m"}} {
		if code, _, errOut := cli(t, "config", "set", kv[0], kv[1], "--database", db); code != 0 {
			t.Fatalf("config set %s %q: %d %s", kv[0], kv[1], code, errOut)
		}
	}
	_, out, _ = cli(t, "config", "list", "--database", db)
	for _, want := range []string{"ratelimit.address_failures=60", "ratelimit.key_failures=5", "ratelimit.invite_key_failures=300", "ratelimit.window=90m"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("config list lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []struct{ key, value, want string }{
		{"ratelimit.address_failures", "0", "ratelimit.address_failures must be a number of failed attempts from 1 to 100000"},
		{"ratelimit.key_failures", "ten", `ratelimit.key_failures must be a number of failed attempts from 1 to 100000, not "ten"`},
		{"ratelimit.invite_key_failures", "1000001", "ratelimit.invite_key_failures must be"},
		{"ratelimit.window", "30s", `ratelimit.window must be a duration from 1m to 24h such as 10m or 1h, not "30s"`},
		{"ratelimit.window", "10", "ratelimit.window must be a duration"},
		{"ratelimit.windows", "10m", "unknown setting"},
	} {
		if code, _, errOut := cli(t, "config", "set", bad.key, bad.value, "--database", db); code != 1 || !strings.Contains(errOut, bad.want) {
			t.Errorf("config set %s %q: %d %q, want %q", bad.key, bad.value, code, errOut, bad.want)
		}
	}
}

// TestTwoFactorSettings: twofactor.method email needs the server's mail first,
// and config list never shows the mail password.
func TestTwoFactorSettings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	_, out, _ := cli(t, "config", "list", "--database", db)
	for _, want := range []string{"twofactor.method=app", "smtp.host=", "smtp.port=587", "smtp.security=starttls", "smtp.password="} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("config list lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := cli(t, "config", "set", "twofactor.method", "email", "--database", db); code != 1 ||
		!strings.Contains(errOut, "set smtp.host, smtp.from") {
		t.Errorf("email without mail: %d %q", code, errOut)
	}
	for _, kv := range [][2]string{
		{"smtp.host", "mail.example.org"},
		{"smtp.user", "office"},
		{"smtp.password", "s3cret-pass"},
		{"smtp.from", "office@example.org"},
		{"twofactor.method", "choice"},
	} {
		if code, _, errOut := cli(t, "config", "set", kv[0], kv[1], "--database", db); code != 0 {
			t.Fatalf("config set %s %q: %d %s", kv[0], kv[1], code, errOut)
		}
	}
	_, out, _ = cli(t, "config", "list", "--database", db)
	if !strings.Contains(out, "twofactor.method=choice\n") || !strings.Contains(out, "smtp.password=********\n") || strings.Contains(out, "s3cret") {
		t.Errorf("config list:\n%s", out)
	}
}
