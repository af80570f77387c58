package store

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"onboard/internal/keys"
	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

// SecretForTests is the server secret of the tests' stores (PostgreSQL has no
// default secret); the external test package uses it too.
var SecretForTests = []byte("the server secret of the store tests, 32+ bytes")

func open(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, WithSecret(SecretForTests))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	catalogue(t, s)
	return s
}

// catalogue gives the store the role r1, the unit u1 and the group g1 that the
// test users and invite keys refer to, without logging them as changes, so that
// the tests' pulls see only their own rows.
func catalogue(t testing.TB, s *Store) {
	t.Helper()
	at := now()
	for _, m := range []any{
		&Role{Row: Row{ID: "r1", Version: 1, CreatedAt: at, UpdatedAt: at}, Name: "Pupil", Permissions: "[]"},
		&Unit{Row: Row{ID: "u1", Version: 1, CreatedAt: at, UpdatedAt: at}, Name: "5a"},
		&Group{Row: Row{ID: "g1", Version: 1, CreatedAt: at, UpdatedAt: at}, Name: "Parents"},
	} {
		if err := s.db.Clauses(clause.OnConflict{DoNothing: true}).Create(m).Error; err != nil {
			t.Fatalf("catalogue: %v", err)
		}
	}
}

// operator adds an operator and returns it, authenticated.
func operator(t testing.TB, s *Store, name string, perms ...syncapi.Permission) *Operator {
	t.Helper()
	ctx := context.Background()
	tok, err := s.AddOperator(ctx, name, perms)
	if err != nil {
		t.Fatalf("AddOperator: %v", err)
	}
	op, err := s.Authenticate(ctx, tok)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return op
}

func allPerms() []syncapi.Permission { return Permissions }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func raw(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// change builds a change whose mutation ID is derived like the desktop's.
func change(t testing.TB, e syncapi.Entity, id string, base int64, v any) syncapi.Change {
	return syncapi.Change{
		MutationID: syncapi.MutationID(e, id, base+1) + "-" + newID()[24:], Entity: e, ID: id,
		BaseVersion: base, Data: raw(t, v),
	}
}

func user(username string) *syncapi.User {
	return &syncapi.User{
		FirstName: "Anna", LastName: "Müller", Username: username,
		Email: username + "@example.org", RoleID: "r1", UnitIDs: []string{"u1"}, Phase: "invited",
	}
}

func push(t testing.TB, s *Store, op *Operator, changes ...syncapi.Change) []syncapi.Result {
	t.Helper()
	res, err := s.Push(context.Background(), op, changes)
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if len(res) != len(changes) {
		t.Fatalf("Push: %d results for %d changes", len(res), len(changes))
	}
	return res
}

func wantStatus(t testing.TB, res []syncapi.Result, want ...syncapi.Status) {
	t.Helper()
	for i, r := range res {
		if r.Status != want[i] {
			t.Errorf("result %d: %s (%s), want %s", i, r.Status, r.Reason, want[i])
		}
	}
}

// invitee pushes a user with a personal key and returns the user's ID and the key.
func invitee(t testing.TB, s *Store, op *Operator, username string, expires time.Time) (string, string) {
	t.Helper()
	key, err := keys.NewPersonal()
	if err != nil {
		t.Fatal(err)
	}
	uid, kid := newID(), newID()
	res := push(t, s, op,
		change(t, syncapi.EntityUser, uid, 0, user(username)),
		change(t, syncapi.EntityPersonalKey, kid, 0, &syncapi.PersonalKey{
			UserID:  uid,
			KeyHash: syncapi.HashKey(key), IssuedAt: time.Now(), ExpiresAt: expires,
		}))
	wantStatus(t, res, syncapi.StatusApplied, syncapi.StatusApplied)
	return uid, key
}

// inviteKey pushes an invite key and returns its ID and key.
func inviteKey(t testing.TB, s *Store, op *Operator, maxUses int, validUntil time.Time) (string, string) {
	t.Helper()
	key, err := keys.NewInvite()
	if err != nil {
		t.Fatal(err)
	}
	id := newID()
	res := push(t, s, op, change(t, syncapi.EntityInviteKey, id, 0, &syncapi.InviteKey{
		Label: "Class 5a",
		Key:   key, RoleID: "r1", UnitIDs: []string{"u1"}, GroupIDs: []string{"g1"}, ValidUntil: validUntil, MaxUses: maxUses,
	}))
	wantStatus(t, res, syncapi.StatusApplied)
	return id, key
}

// pullAll pulls from cursor until More is false, limit records a page.
func pullAll(t testing.TB, s *Store, cursor int64, limit int) ([]syncapi.Record, int64) {
	t.Helper()
	var out []syncapi.Record
	for i := 0; i < 100000; i++ {
		page, err := s.Pull(context.Background(), cursor, limit)
		if err != nil {
			t.Fatalf("Pull: %v", err)
		}
		for _, r := range page.Records {
			if r.Seq <= cursor {
				t.Fatalf("record seq %d not after cursor %d", r.Seq, cursor)
			}
		}
		if page.Cursor < cursor {
			t.Fatalf("cursor went back from %d to %d", cursor, page.Cursor)
		}
		out = append(out, page.Records...)
		cursor = page.Cursor
		if !page.More {
			return out, cursor
		}
	}
	t.Fatal("pull did not end")
	return nil, 0
}
