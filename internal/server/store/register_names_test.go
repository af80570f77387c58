package store_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"onboard/internal/keys"
	"onboard/internal/server/store"
	"onboard/internal/server/web"
	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

// TestRegistrationNamesReachTheDesktop runs the registration page on the real store
// for three invitees: one whose names are not locked (they correct them), one whose
// names are locked (a POST with other names changes nothing) and one without a
// name (they must enter it). The pull after the registrations returns each user
// once, at a new version, with the names the rules allow.
func TestRegistrationNamesReachTheDesktop(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st, err := store.Open(ctx, dsn, store.WithSecret(store.SecretForTests))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(web.NewHandler(st, web.Options{
			Limits: web.Limits{Address: 1000, PersonalKey: 1000, Window: time.Minute},
			Hash:   web.HashParams{Time: 1, MemoryKiB: 1024, Threads: 1},
		}))
		t.Cleanup(func() { srv.Close(); st.Close() })
		store.Catalogue(t, st)
		tok, err := st.AddOperator(ctx, "Office", []syncapi.Permission{syncapi.PermAddUsers})
		if err != nil {
			t.Fatal(err)
		}
		op, err := st.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		type person struct {
			first, last string
			locked      bool
			id, key     string
		}
		people := map[string]*person{
			"open":   {first: "Anna", last: "Müller"},
			"locked": {first: "Ben", last: "Braun", locked: true},
			"noname": {},
		}
		var changes []syncapi.Change
		for name, p := range people {
			p.id = uuid.NewString()
			p.key, _ = keys.NewPersonal()
			u, _ := json.Marshal(&syncapi.User{
				FirstName: p.first, LastName: p.last, NamesLocked: p.locked,
				Username: name, Phase: "invited", RoleID: "r1", UnitIDs: []string{"u1"},
			})
			k, _ := json.Marshal(&syncapi.PersonalKey{
				UserID: p.id, KeyHash: syncapi.HashKey(p.key),
				IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour),
			})
			changes = append(changes,
				syncapi.Change{MutationID: "u-" + name, Entity: syncapi.EntityUser, ID: p.id, Data: u},
				syncapi.Change{MutationID: "k-" + name, Entity: syncapi.EntityPersonalKey, ID: uuid.NewString(), Data: k})
		}
		res, err := st.Push(ctx, op, changes)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Status != syncapi.StatusApplied {
				t.Fatalf("push: %+v", r)
			}
		}
		cursor := pullAll(t, st, 0).Cursor

		// GET: which form each one sees.
		for name, p := range people {
			c := newBrowser(t, srv.URL)
			body, _ := c.get(t, "/register?key="+p.key)
			editable := strings.Contains(body, `name="first_name"`)
			fixed := strings.Contains(body, `aria-describedby="names-fixed"`)
			switch {
			case name == "locked" && (editable || !fixed || !strings.Contains(body, "<dd>Ben</dd>")):
				t.Errorf("locked names are not shown fixed:\n%s", body)
			case name == "open" && (!editable || fixed || !strings.Contains(body, `name="first_name" type="text" value="Anna"`)):
				t.Errorf("open names are not editable and prefilled:\n%s", body)
			case name == "noname" && (!editable || !strings.Contains(body, `name="last_name" type="text" value=""`)):
				t.Errorf("the form does not ask for the missing names:\n%s", body)
			}
		}

		// Without names the nameless invitee is told to enter them; the key stays usable.
		c := newBrowser(t, srv.URL)
		form := c.form(t, people["noname"].key, "", "")
		if body, status := c.post(t, form); status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="first_name-error"`) {
			t.Fatalf("no names: %d\n%s", status, body)
		}
		if body, status := c.post(t, withNames(form, " Ada ", "Okafor")); status != http.StatusOK || !strings.Contains(body, "Welcome, Ada!") {
			t.Fatalf("noname: %d\n%s", status, body)
		}
		c = newBrowser(t, srv.URL)
		if body, status := c.post(t, c.form(t, people["open"].key, "Annabelle", "Meyer")); status != http.StatusOK ||
			!strings.Contains(body, "Welcome, Annabelle!") {
			t.Fatalf("open: %d\n%s", status, body)
		}
		// An attacker posts names for the locked invitee.
		c = newBrowser(t, srv.URL)
		if body, status := c.post(t, c.form(t, people["locked"].key, "Mallory", "Evil")); status != http.StatusOK ||
			!strings.Contains(body, "Welcome, Ben!") {
			t.Fatalf("locked: %d\n%s", status, body)
		}
		// And the store alone does not take them either.
		other, _ := keys.NewPersonal()
		uid := uuid.NewString()
		u, _ := json.Marshal(&syncapi.User{
			FirstName: "Cem", LastName: "Demir", NamesLocked: true, Username: "cem",
			Phase: "invited", RoleID: "r1", UnitIDs: []string{"u1"},
		})
		k, _ := json.Marshal(&syncapi.PersonalKey{
			UserID: uid, KeyHash: syncapi.HashKey(other), IssuedAt: time.Now(),
			ExpiresAt: time.Now().Add(time.Hour),
		})
		if _, err := st.Push(ctx, op, []syncapi.Change{
			{MutationID: "u-cem", Entity: syncapi.EntityUser, ID: uid, Data: u},
			{MutationID: "k-cem", Entity: syncapi.EntityPersonalKey, ID: uuid.NewString(), Data: k},
		}); err != nil {
			t.Fatal(err)
		}
		if err := st.RedeemPersonalKey(ctx, other, web.Registration{
			FirstName: "Mallory", LastName: "Evil", Username: "cem",
			PasswordHash: "$argon2id$x",
		}); err != nil {
			t.Fatal(err)
		}

		want := map[string][2]string{
			people["open"].id: {"Annabelle", "Meyer"}, people["locked"].id: {"Ben", "Braun"},
			people["noname"].id: {"Ada", "Okafor"}, uid: {"Cem", "Demir"},
		}
		seen := map[string]bool{}
		for _, r := range pullAll(t, st, cursor).Records { // each row once, in its current state
			w, ok := want[r.ID]
			if !ok || r.Entity != syncapi.EntityUser {
				continue
			}
			var u syncapi.User
			if err := json.Unmarshal(r.Data, &u); err != nil {
				t.Fatal(err)
			}
			if seen[r.ID] {
				t.Errorf("user %s pulled twice", u.Username)
			}
			seen[r.ID] = true
			if u.FirstName != w[0] || u.LastName != w[1] || u.Phase != "active" || r.Version != 2 || u.UpdatedBy != store.RegistrationActor {
				t.Errorf("pulled %s v%d: %q %q %s by %s, want %q %q active v2", u.Username, r.Version, u.FirstName, u.LastName,
					u.Phase, u.UpdatedBy, w[0], w[1])
			}
		}
		if len(seen) != len(want) {
			t.Errorf("pulled %d of the %d registered users", len(seen), len(want))
		}
	})
}

func pullAll(t *testing.T, st *store.Store, cursor int64) *syncapi.PullResponse {
	t.Helper()
	all := &syncapi.PullResponse{Cursor: cursor}
	for i := 0; i < 1000; i++ {
		page, err := st.Pull(context.Background(), all.Cursor, 0)
		if err != nil {
			t.Fatal(err)
		}
		all.Records, all.Cursor = append(all.Records, page.Records...), page.Cursor
		if !page.More {
			return all
		}
	}
	t.Fatal("pull did not end")
	return nil
}

// browser is a client with its own cookies.
type browser struct {
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (b *browser) get(t *testing.T, path string) (string, int) {
	t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return html.UnescapeString(string(body)), resp.StatusCode
}

// form opens the form of key and fills it in, with the names given.
func (b *browser) form(t *testing.T, key, first, last string) url.Values {
	t.Helper()
	body, status := b.get(t, "/register?key="+url.QueryEscape(key))
	m := csrfRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("no form (status %d)\n%s", status, body)
	}
	canon, _ := keys.Parse(keys.Personal, key)
	v := url.Values{
		"csrf": {m[1]}, "key": {canon}, "username": {"user" + canon[:5]},
		"email":    {"user" + strings.ToLower(canon[:5]) + "@example.org"},
		"password": {"Zq8!vL2#pW9@xR4$"}, "password2": {"Zq8!vL2#pW9@xR4$"},
	}
	return withNames(v, first, last)
}

func withNames(v url.Values, first, last string) url.Values {
	v.Set("first_name", first)
	v.Set("last_name", last)
	return v
}

func (b *browser) post(t *testing.T, form url.Values) (string, int) {
	t.Helper()
	resp, err := b.c.PostForm(b.base+"/register", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return html.UnescapeString(string(body)), resp.StatusCode
}
