package store

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"onboard/internal/mail/smtptest"
	"onboard/internal/server/web"
	"onboard/internal/testdb"
)

var (
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
	codeRE   = regexp.MustCompile(`\b[0-9]{6}\b`)
)

// TestEmailCodeAcrossServers runs the registration pages of two server processes
// on one database with the settings of a real organization: the code asked for
// through one is mailed by the server's mail settings and accepted by the other,
// and the user is stored with the email factor.
func TestEmailCodeAcrossServers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		ms := smtptest.Start(t)
		var bases []string
		var s *Store
		for range 2 {
			s = open(t, dsn)
			srv := httptest.NewServer(web.NewHandler(s, web.Options{Secret: s.WebSecret(), Hash: web.HashParams{Time: 1, MemoryKiB: 1024, Threads: 1}}))
			t.Cleanup(srv.Close)
			bases = append(bases, srv.URL)
		}
		host, port := ms.Addr()
		for _, kv := range [][2]string{
			{SettingOrgName, "Example School"},
			{SettingRequire2FA, "true"},
			{SettingSMTPHost, host},
			{SettingSMTPPort, strconv.Itoa(port)},
			{SettingSMTPSecurity, "none"},
			{SettingSMTPFrom, "noreply@example.org"},
			{SettingTwoFactorMethod, "email"},
		} {
			if err := s.SetSetting(ctx, kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
		uid, key := invitee(t, s, operator(t, s, "Office", allPerms()...), "anna", time.Now().Add(time.Hour))

		jar, _ := cookiejar.New(nil)
		hc := &http.Client{Jar: jar}
		do := func(req *http.Request) (int, string) {
			t.Helper()
			res, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		post := func(base string, form url.Values) (int, string) {
			req, _ := http.NewRequest("POST", base+"/register", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return do(req)
		}
		req, _ := http.NewRequest("GET", bases[0]+"/register?key="+key, nil)
		_, page := do(req)
		form := url.Values{
			"first_name": {"Anna"}, "last_name": {"Müller"}, "username": {"anna.m"}, "email": {"anna@example.org"},
			"password": {"Purple-Giraffe 7 dances!"}, "password2": {"Purple-Giraffe 7 dances!"}, "action": {"send_code"},
		}
		for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
			form.Set(m[1], m[2])
		}
		if status, body := post(bases[0], form); status != http.StatusOK || !strings.Contains(body, "We sent a code to anna@example.org") {
			t.Fatalf("send code: %d\n%s", status, body)
		}
		got := ms.WaitReceived(1, 10*time.Second)
		if len(got) != 1 || got[0].To[0] != "anna@example.org" || got[0].Subject != "Your code for Example School" {
			t.Fatalf("mails %+v", got)
		}
		form.Del("action")
		form.Set("email_code", codeRE.FindString(got[0].Text))
		if status, body := post(bases[1], form); status != http.StatusOK || !strings.Contains(body, "Your account is ready") {
			t.Fatalf("code on the other server: %d\n%s", status, body)
		}
		var u User
		if err := s.db.Where("id = ?", uid).Take(&u).Error; err != nil || u.TwoFactor != web.TwoFactorEmail || u.Phase != phaseActive {
			t.Errorf("user: %q %q, %v", u.TwoFactor, u.Phase, err)
		}
	})
}
