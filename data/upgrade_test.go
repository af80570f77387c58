package data

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// upgradeUsers is how many users TestUpgradeKeepsUsersKeysHistoryMailAndSync puts in
// the old file.
const upgradeUsers = 10_000

// userDigest is what TestUpgradeKeepsUsersKeysHistoryMailAndSync compares of each
// user and their live key before and after the upgrade.
type userDigest struct {
	ID, FirstName, LastName, Email, Username, Phase, Key string
	Version, PushedVersion, ServerVersion, SentVersion   int64
}

// digests reads userDigest of every user, in ID order.
func digests(t *testing.T, s *Store) []userDigest {
	t.Helper()
	var out []userDigest
	err := s.db.Raw(`SELECT u.id, u.first_name, u.last_name, u.email, u.username, u.phase,
		coalesce(k.key, '') AS key, u.version, u.pushed_version, u.server_version, u.sent_version
		FROM users u LEFT JOIN personal_keys k ON k.user_id = u.id AND k.revoked_at IS NULL AND k.redeemed_at IS NULL
		ORDER BY u.id`).Scan(&out).Error
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pendingIDs are the IDs of the rows of table a sync would send, in ID order.
func pendingIDs(t *testing.T, s *Store, table string) []string {
	t.Helper()
	var ids []string
	if err := s.db.Raw(`SELECT id FROM ` + table + ` WHERE version > pushed_version ORDER BY id`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestUpgradeKeepsUsersKeysHistoryMailAndSync: a file of schema 11 (before the
// search index) with 10,000 users, their keys, history, queued mails and sync state
// (half of them already on the server, a pull cursor) opens with this build: every
// user and key is as it was, search finds them through the new index, and sync
// carries on where it stopped, with the same rows left to send and none again.
func TestUpgradeKeepsUsersKeysHistoryMailAndSync(t *testing.T) {
	path, old := openOldSchema(t, 11)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, old)
	now := time.Now().UTC()
	names := []string{"Jürgen Groß", "Ayşe Yılmaz", "Юлия Иванова", "Zoë Brontë", "Łukasz Nowak"}
	var sample *User
	err := old.Write(ctx, func(tx *Store) error {
		for i := range upgradeUsers {
			first, last, _ := strings.Cut(names[i%len(names)], " ")
			u := &User{
				FirstName: first, LastName: fmt.Sprintf("%s%d", last, i), Email: fmt.Sprintf("p%05d@schule.example", i),
				Username: fmt.Sprintf("p%05d", i), RoleID: roleID, Phase: PhaseInvited,
			}
			if err := tx.CreateUser(ctx, u, []string{unitID}, nil); err != nil {
				return err
			}
			k := &PersonalKey{UserID: u.ID, Key: fmt.Sprintf("KEY%05d", i), IssuedAt: now, ExpiresAt: now.AddDate(0, 0, 30)}
			if err := tx.AddPersonalKey(ctx, k); err != nil {
				return err
			}
			ev := &AuditEvent{At: now, Actor: "admin", Action: "user.create", EntityType: "user", EntityID: u.ID, Summary: "Created"}
			if err := tx.AddAudit(ctx, ev, nil); err != nil {
				return err
			}
			if i%10 == 0 {
				m := Mail{UserID: &u.ID, Kind: "invitation", MessageID: fmt.Sprintf("<m%05d@schule.example>", i), ToAddr: u.Email, Subject: "Welcome", TextBody: "Key " + k.Key, State: MailQueued, NextAttemptAt: now}
				if err := tx.AddMail(ctx, &m); err != nil {
					return err
				}
			}
			if i == 4321 {
				sample = u
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The first half is on the server; a pull stopped at cursor 77.
	for _, table := range []string{"users", "personal_keys"} {
		if err := old.db.Exec(`UPDATE ` + table + ` SET pushed_version = version, server_version = 1, sent_version = version
			WHERE rowid <= (SELECT max(rowid) / 2 FROM ` + table + `)`).Error; err != nil {
			t.Fatal(err)
		}
	}
	const server = "https://sync.schule.example"
	if err := old.SavePulled(ctx, server, nil, 77); err != nil {
		t.Fatal(err)
	}
	if v, _ := old.SchemaVersion(ctx); v != 11 {
		t.Fatalf("old file has schema %d, want 11", v)
	}
	before := digests(t, old)
	pendingUsers, pendingKeys := pendingIDs(t, old, "users"), pendingIDs(t, old, "personal_keys")
	old.Close()
	if len(before) != upgradeUsers || len(pendingUsers) != upgradeUsers/2 || len(pendingKeys) != upgradeUsers/2 {
		t.Fatalf("old file: %d users, %d and %d pending", len(before), len(pendingUsers), len(pendingKeys))
	}

	cur, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	if v, _ := cur.SchemaVersion(ctx); v != LatestSchema() {
		t.Fatalf("schema after open = %d, want %d", v, LatestSchema())
	}
	if res, err := cur.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity after the upgrade: %q, %v", res, err)
	}
	if after := digests(t, cur); !slices.Equal(after, before) {
		t.Fatal("users, keys or their sync versions changed in the upgrade")
	}
	if got := pendingIDs(t, cur, "users"); !slices.Equal(got, pendingUsers) {
		t.Fatalf("%d users to send after the upgrade, want the %d of before", len(got), len(pendingUsers))
	}
	if got := pendingIDs(t, cur, "personal_keys"); !slices.Equal(got, pendingKeys) {
		t.Fatalf("%d keys to send after the upgrade, want the %d of before", len(got), len(pendingKeys))
	}
	if c, err := cur.SyncCursor(ctx, server); err != nil || c != 77 {
		t.Fatalf("pull cursor after the upgrade: %d, %v", c, err)
	}
	if got := searchIDs(t, cur, "yilmaz4321"); !slices.Equal(got, []string{sample.ID}) {
		t.Fatalf("search after the upgrade finds %v, want %s", got, sample.ID)
	}
	if n, err := cur.CountUsers(ctx, UserQuery{Search: "ИВАНОВА", Status: StatusInvited}, now); err != nil || n != upgradeUsers/len(names) {
		t.Fatalf("search counts %d Ivanovas (%v), want %d", n, err, upgradeUsers/len(names))
	}
	if k, err := cur.PersonalKeyByKey(ctx, "KEY04321"); err != nil || k.UserID != sample.ID {
		t.Fatalf("key after the upgrade: %+v, %v", k, err)
	}
	if h, err := cur.History(ctx, sample.ID); err != nil || len(h) != 1 || h[0].Summary != "Created" {
		t.Fatalf("history after the upgrade: %+v, %v", h, err)
	}
	if counts, err := cur.MailCounts(ctx); err != nil || counts[MailQueued] != upgradeUsers/10 {
		t.Fatalf("outbox after the upgrade: %v, %v", counts, err)
	}
}
