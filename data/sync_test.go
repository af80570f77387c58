package data

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"onboard/internal/syncapi"
)

// syncFixture is a store with a role, two units, a group and one user in both
// units, everything confirmed by a (pretend) server.
type syncFixture struct {
	s                    *Store
	role, unitA, unitB   string
	group, user, keyText string
}

func newSyncFixture(t *testing.T) *syncFixture {
	t.Helper()
	ctx := context.Background()
	s := openTemp(t)
	f := &syncFixture{s: s}
	f.role, f.unitA = seedCatalog(t, s)
	b, g := &Unit{Name: "Class 5b"}, &Group{Name: "Choir"}
	if err := s.CreateUnit(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	f.unitB, f.group = b.ID, g.ID
	u := &User{FirstName: "Jürgen", LastName: "Groß", Username: "j.gross", Email: "j@example.org", RoleID: f.role, Phase: PhaseNotActivated}
	if err := s.CreateUser(ctx, u, []string{f.unitA, f.unitB}, nil); err != nil {
		t.Fatal(err)
	}
	f.user = u.ID
	f.keyText = "ABCDE-FGHJK-MNPQR-STVWX-YZ012"
	if err := s.AddPersonalKey(ctx, &PersonalKey{UserID: u.ID, Key: f.keyText, IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.confirmAll(t)
	return f
}

// pending returns the pending rows of entity e.
func (f *syncFixture) pending(t *testing.T, e syncapi.Entity) []PendingRow {
	t.Helper()
	rows, err := f.s.PendingRows(context.Background(), e, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// answer records the same answer to every row, as a server would give it.
func (f *syncFixture) answer(t *testing.T, rows []PendingRow, status syncapi.Status, serverVersion int64, reason string) {
	t.Helper()
	var out []PushOutcome
	for i := range rows {
		out = append(out, PushOutcome{Row: &rows[i], Result: syncapi.Result{Status: status, Version: serverVersion, Reason: reason}})
	}
	if err := f.s.RecordPush(context.Background(), out); err != nil {
		t.Fatal(err)
	}
}

// confirmAll answers every pending row as applied in server version 1.
func (f *syncFixture) confirmAll(t *testing.T) {
	t.Helper()
	for e := range syncTables {
		f.answer(t, f.pending(t, e), syncapi.StatusApplied, 1, "")
	}
	if c := f.counts(t); c != (SyncCounts{}) {
		t.Fatalf("after confirming everything: %+v", c)
	}
}

func (f *syncFixture) counts(t *testing.T) SyncCounts {
	t.Helper()
	c, err := f.s.SyncCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ids returns the IDs of rows.
func ids(rows []PendingRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func TestNewAndChangedRowsArePendingUntilConfirmed(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	u, _ := f.s.UserByID(ctx, f.user)
	u.Notes = "needs a locker"
	if err := f.s.SaveUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	rows := f.pending(t, syncapi.EntityUser)
	if len(rows) != 1 || rows[0].ID != f.user || rows[0].ServerVersion != 1 || rows[0].Version != u.Version {
		t.Fatalf("pending users = %+v", rows)
	}
	var w syncapi.User
	if err := json.Unmarshal(rows[0].Data, &w); err != nil {
		t.Fatal(err)
	}
	want := []string{f.unitA, f.unitB}
	slices.Sort(want)
	if w.Notes != "needs a locker" || !slices.Equal(w.UnitIDs, want) || w.RoleID != f.role || w.Phase != "not_activated" {
		t.Fatalf("pushed user = %+v", w)
	}
	if c := f.counts(t); c.Pending != 1 {
		t.Fatalf("counts = %+v", c)
	}
	f.answer(t, rows, syncapi.StatusApplied, 2, "")
	if rows := f.pending(t, syncapi.EntityUser); len(rows) != 0 {
		t.Fatalf("still pending after the server applied it: %+v", rows)
	}
	// A personal key goes as its hash, never its text.
	k, _ := f.s.LiveKey(ctx, f.user)
	k.ExpiresAt = k.ExpiresAt.Add(time.Hour)
	if err := f.s.db.Save(k).Error; err != nil {
		t.Fatal(err)
	}
	keys := f.pending(t, syncapi.EntityPersonalKey)
	if len(keys) != 1 || strings.Contains(string(keys[0].Data), f.keyText) ||
		!strings.Contains(string(keys[0].Data), syncapi.HashKey(f.keyText)) {
		t.Fatalf("pending key = %s", keys[0].Data)
	}
}

func TestAnEditDuringThePushStaysPending(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	u, _ := f.s.UserByID(ctx, f.user)
	u.Mobile = "+49 170 1"
	f.s.SaveUser(ctx, u)
	sent := f.pending(t, syncapi.EntityUser)
	if err := f.s.MarkSent(ctx, sent); err != nil {
		t.Fatal(err)
	}
	// The push is under way; the operator changes the user again.
	u.Mobile = "+49 170 2"
	f.s.SaveUser(ctx, u)
	f.answer(t, sent, syncapi.StatusApplied, 2, "")
	rows := f.pending(t, syncapi.EntityUser)
	if len(rows) != 1 || rows[0].ServerVersion != 2 || rows[0].PushedVersion != sent[0].Version ||
		rows[0].MutationVersion() != u.Version || !strings.Contains(string(rows[0].Data), "+49 170 2") {
		t.Fatalf("after an edit during the push: %+v (sent version %d)", rows, sent[0].Version)
	}
}

func TestALostAnswerIsAskedForAgainUnderTheSameMutation(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	u, _ := f.s.UserByID(ctx, f.user)
	u.Notes = "a"
	f.s.SaveUser(ctx, u)
	sent := f.pending(t, syncapi.EntityUser)
	f.s.MarkSent(ctx, sent) // ... and the answer never comes
	u.Notes = "b"
	f.s.SaveUser(ctx, u)
	// The lost push goes again under its mutation ID and with its own data.
	rows := f.pending(t, syncapi.EntityUser)
	if rows[0].MutationVersion() != sent[0].Version || rows[0].Version != sent[0].Version || !rows[0].Resent ||
		string(rows[0].Data) != string(sent[0].Data) {
		t.Fatalf("after a lost answer: mutation version %d, version %d, resent %v, data %s; want %d, %d, true, %s",
			rows[0].MutationVersion(), rows[0].Version, rows[0].Resent, rows[0].Data, sent[0].Version, sent[0].Version, sent[0].Data)
	}
	// The server had applied it: the old version is confirmed, the new one is next.
	f.answer(t, rows, syncapi.StatusDuplicate, 2, "")
	rows = f.pending(t, syncapi.EntityUser)
	if len(rows) != 1 || rows[0].ServerVersion != 2 || rows[0].MutationVersion() != u.Version || rows[0].Resent ||
		!strings.Contains(string(rows[0].Data), `"notes":"b"`) {
		t.Fatalf("after the duplicate: %+v", rows)
	}
	var kept int64
	f.s.db.Raw("SELECT count(*) FROM sync_sent").Scan(&kept)
	if kept != 0 {
		t.Fatalf("%d payloads kept after the answer", kept)
	}
}

func TestALostPushThatNeverArrivedIsAppliedWithItsOwnDataThenTheNewOne(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	u, _ := f.s.UserByID(ctx, f.user)
	u.Notes = "a"
	f.s.SaveUser(ctx, u)
	sent := f.pending(t, syncapi.EntityUser)
	f.s.MarkSent(ctx, sent) // lost on the way: the server never saw it
	u.Notes = "b"
	f.s.SaveUser(ctx, u)
	rows := f.pending(t, syncapi.EntityUser)
	f.answer(t, rows, syncapi.StatusApplied, 2, "")
	rows = f.pending(t, syncapi.EntityUser)
	if len(rows) != 1 || rows[0].Resent || rows[0].PushedVersion != sent[0].Version || rows[0].ServerVersion != 2 ||
		rows[0].MutationVersion() != u.Version || !strings.Contains(string(rows[0].Data), `"notes":"b"`) {
		t.Fatalf("after the lost push was applied: %+v", rows)
	}
}

func TestLinkChangesCountAsChangesOfTheUser(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(f *syncFixture) error
	}{
		{"units", func(f *syncFixture) error { return f.s.SetUserUnits(ctx, f.user, []string{f.unitA}) }},
		{"groups", func(f *syncFixture) error { return f.s.SetUserGroups(ctx, f.user, []string{f.group}) }},
		{"unit deleted", func(f *syncFixture) error {
			u, _ := f.s.UnitByID(ctx, f.unitB)
			return f.s.TombstoneUnit(ctx, u, time.Now())
		}},
		{"group deleted", func(f *syncFixture) error {
			if err := f.s.SetUserGroups(ctx, f.user, []string{f.group}); err != nil {
				return err
			}
			f.confirmAll(t)
			g, _ := f.s.GroupByID(ctx, f.group)
			return f.s.TombstoneGroup(ctx, g, time.Now())
		}},
		{"users of a unit moved", func(f *syncFixture) error {
			if err := f.s.SetUserUnits(ctx, f.user, []string{f.unitA}); err != nil {
				return err
			}
			f.confirmAll(t)
			return f.s.MoveSoleUnitUsers(ctx, f.unitA, f.unitB)
		}},
		{"key ended", func(f *syncFixture) error {
			_, err := f.s.EndLiveKey(ctx, f.user, time.Now(), true)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSyncFixture(t)
			if err := tc.change(f); err != nil {
				t.Fatal(err)
			}
			users, keys := f.pending(t, syncapi.EntityUser), f.pending(t, syncapi.EntityPersonalKey)
			if tc.name == "key ended" {
				users = keys
			}
			if len(users) != 1 {
				t.Fatalf("pending after the change: users %v, keys %v", ids(users), ids(keys))
			}
		})
	}
}

func TestBulkInsertedUsersArePending(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	var bulk []BulkUser
	for i := range 3 {
		bulk = append(bulk, BulkUser{
			User:    User{Username: "u" + string(rune('a'+i)), RoleID: roleID, Phase: PhaseNotActivated},
			UnitIDs: []string{unitID}, Key: &PersonalKey{Key: "K" + string(rune('a'+i)), IssuedAt: time.Now(), ExpiresAt: time.Now()},
		})
	}
	if err := s.InsertUsersBulk(ctx, bulk, AuditEvent{At: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	users, _ := s.PendingRows(ctx, syncapi.EntityUser, "", 10)
	keys, _ := s.PendingRows(ctx, syncapi.EntityPersonalKey, "", 10)
	if len(users) != 3 || len(keys) != 3 {
		t.Fatalf("pending after a bulk insert: %d users, %d keys", len(users), len(keys))
	}
}

func TestRefusedRowIsNotSentAgainUntilItChanges(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	u, _ := f.s.UserByID(ctx, f.user)
	u.Username = "taken"
	f.s.SaveUser(ctx, u)
	f.answer(t, f.pending(t, syncapi.EntityUser), syncapi.StatusRefused, 0, "the username is already taken")
	if rows := f.pending(t, syncapi.EntityUser); len(rows) != 0 {
		t.Fatalf("a refused row is sent again: %+v", rows)
	}
	if c := f.counts(t); c != (SyncCounts{Refused: 1}) {
		t.Fatalf("counts = %+v", c)
	}
	probs, err := f.s.SyncProblems(ctx)
	if err != nil || len(probs) != 1 || probs[0].Name != "Jürgen Groß" || probs[0].Reason != "the username is already taken" {
		t.Fatalf("problems = %+v, %v", probs, err)
	}
	u.Username = "free"
	f.s.SaveUser(ctx, u)
	if rows := f.pending(t, syncapi.EntityUser); len(rows) != 1 {
		t.Fatalf("the changed row is not sent: %+v", rows)
	}
}

// record makes a server record of a payload.
func record(t *testing.T, e syncapi.Entity, id string, version int64, payload any) syncapi.Record {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return syncapi.Record{Entity: e, ID: id, Version: version, Data: b}
}

// pull stores records as one pulled page and applies the inbox.
func (f *syncFixture) pull(t *testing.T, recs ...syncapi.Record) InboxReport {
	t.Helper()
	ctx := context.Background()
	cur, _ := f.s.SyncCursor(ctx, "https://s")
	if err := f.s.SavePulled(ctx, "https://s", recs, cur+int64(len(recs))); err != nil {
		t.Fatal(err)
	}
	rep, err := f.s.ApplyInbox(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestApplyingPulledRecords(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	newID := NewID()
	// A user who joined with an invite key on the server, and the activation of the
	// local user with the redemption of the key.
	k, _ := f.s.LiveKey(ctx, f.user)
	rep := f.pull(t,
		record(t, syncapi.EntityUser, newID, 1, &syncapi.User{
			FirstName: "Ada", LastName: "Lovelace", Username: "ada",
			Email: "ada@example.org", RoleID: f.role, UnitIDs: []string{f.unitB}, GroupIDs: []string{f.group},
			Phase: "active", ActivatedAt: &now, UpdatedBy: "registration",
		}),
		record(t, syncapi.EntityUser, f.user, 2, &syncapi.User{
			FirstName: "Jürgen", LastName: "Groß", Username: "juergen",
			Email: "j@example.org", RoleID: f.role, UnitIDs: []string{f.unitA, f.unitB}, Phase: "active", ActivatedAt: &now,
			UpdatedBy: "registration",
		}),
		record(t, syncapi.EntityPersonalKey, k.ID, 2, &syncapi.PersonalKey{
			UserID: f.user, KeyHash: syncapi.HashKey(f.keyText),
			IssuedAt: k.IssuedAt, ExpiresAt: k.ExpiresAt, RedeemedAt: &now,
		}),
	)
	if rep.Applied != 3 || rep.Conflicts != 0 || len(rep.Failed) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	ada, err := f.s.UserByID(ctx, newID)
	if err != nil || ada.Status(time.Now()) != StatusActive || ada.UsernameFold != "ada" || ada.SortKey == "" || ada.CreatedBy != "registration" {
		t.Fatalf("new user = %+v, %v", ada, err)
	}
	if g, _ := f.s.UserGroupIDs(ctx, newID); len(g) != 1 || g[0] != f.group {
		t.Fatalf("groups of the new user = %v", g)
	}
	u, _ := f.s.UserByID(ctx, f.user)
	if u.Phase != PhaseActive || u.Username != "juergen" || u.ActivatedAt == nil || !u.ActivatedAt.Equal(now) {
		t.Fatalf("activated user = %+v", u)
	}
	if _, err := f.s.LiveKey(ctx, f.user); err == nil {
		t.Fatal("the redeemed key is still live")
	}
	if got, _ := f.s.PersonalKeyByKey(ctx, f.keyText); got.RedeemedAt == nil {
		t.Fatalf("key after the pull = %+v", got)
	}
	// Nothing of it is pending: it came from the server.
	if c := f.counts(t); c != (SyncCounts{}) {
		t.Fatalf("counts after the pull = %+v", c)
	}
	// The activation is in the user's history.
	hist, _ := f.s.History(ctx, f.user)
	if last := hist[len(hist)-1]; last.Action != ActionSyncPull || last.Summary != "Registered on the server" || last.Actor != "registration" {
		t.Fatalf("last event = %+v", last)
	}
	// The same records again (pulled after a crash, say) change nothing.
	if rep := f.pull(t, record(t, syncapi.EntityUser, f.user, 2, &syncapi.User{Username: "other", RoleID: f.role, Phase: "active"})); rep.Applied != 0 {
		t.Fatalf("an old record was applied again: %+v", rep)
	}
	if cur, _ := f.s.SyncCursor(ctx, "https://s"); cur != 4 {
		t.Fatalf("cursor = %d", cur)
	}
	if cur, _ := f.s.SyncCursor(ctx, "https://other"); cur != 0 {
		t.Fatalf("cursor of another server = %d", cur)
	}
}

func TestAPulledVersionWinsOverALocalChangeWhichGoesToTheHistory(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	u, _ := f.s.UserByID(ctx, f.user)
	u.Notes = "local note"
	f.s.SaveUser(ctx, u)
	rep := f.pull(t, record(t, syncapi.EntityUser, f.user, 2, &syncapi.User{
		FirstName: "Jürgen", LastName: "Groß",
		Username: "j.gross", Email: "j@example.org", RoleID: f.role, UnitIDs: []string{f.unitA}, Notes: "server note",
		Phase: "not_activated", UpdatedBy: "bob",
	}))
	if rep.Applied != 1 || rep.Conflicts != 1 {
		t.Fatalf("report = %+v", rep)
	}
	got, _ := f.s.UserByID(ctx, f.user)
	if got.Notes != "server note" {
		t.Fatalf("notes = %q", got.Notes)
	}
	hist, _ := f.s.History(ctx, f.user)
	ev := hist[len(hist)-1]
	var ch map[string]Change
	json.Unmarshal([]byte(ev.Changes), &ch)
	if ev.Action != ActionSyncConflict || ch["notes"].Old != "local note" || ch["notes"].New != "server note" || len(ch["unit_ids"].Old.([]any)) != 2 {
		t.Fatalf("conflict event = %+v", ev)
	}
	if c := f.counts(t); c != (SyncCounts{}) {
		t.Fatalf("counts = %+v", c)
	}
}

func TestARecordThatCannotBeAppliedWaitsWithoutBlockingTheOthers(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	roleID, okID, waitID := NewID(), NewID(), NewID()
	rep := f.pull(t,
		record(t, syncapi.EntityUser, waitID, 1, &syncapi.User{FirstName: "Wanda", LastName: "Wait", Username: "waits", RoleID: roleID, Phase: "active"}),
		record(t, syncapi.EntityUser, okID, 1, &syncapi.User{Username: "fine", RoleID: f.role, Phase: "active"}),
	)
	if rep.Applied != 1 || len(rep.Failed) != 1 || rep.Failed[0].ID != waitID || rep.Failed[0].Name != "Wanda Wait" ||
		!strings.Contains(rep.Failed[0].Reason, "does not have (yet)") {
		t.Fatalf("report = %+v", rep)
	}
	if c := f.counts(t); c.Inbox != 1 {
		t.Fatalf("counts = %+v", c)
	}
	if probs, _ := f.s.SyncProblems(ctx); len(probs) != 1 || probs[0].ID != waitID || probs[0].Name != "Wanda Wait" {
		t.Fatalf("problems = %+v", probs)
	}
	// The role arrives later: the waiting user is applied after it.
	rep = f.pull(t, record(t, syncapi.EntityRole, roleID, 1, &syncapi.Role{Name: "Parent"}))
	if rep.Applied != 2 || len(rep.Failed) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	if _, err := f.s.UserByID(ctx, waitID); err != nil {
		t.Fatal(err)
	}
}

func TestAPulledUserTakesAUsernameHeldLocally(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	// Two operators created "Max" offline; the server has the other one's.
	mine := &User{FirstName: "Max", Username: "max", RoleID: f.role, Phase: PhaseNotActivated}
	if err := f.s.CreateUser(ctx, mine, []string{f.unitA}, nil); err != nil {
		t.Fatal(err)
	}
	theirs := NewID()
	rep := f.pull(t, record(t, syncapi.EntityUser, theirs, 1, &syncapi.User{FirstName: "Max", Username: "MAX", RoleID: f.role, Phase: "invited"}))
	if rep.Applied != 1 || len(rep.Failed) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	if got, err := f.s.UserHolding(ctx, FieldUsername, "max", ""); err != nil || got.ID != theirs {
		t.Fatalf("holder of max = %v, %v", got, err)
	}
	// The local one keeps its change (the server will refuse it); saving it as it
	// is fails as taken.
	m, _ := f.s.UserByID(ctx, mine.ID)
	if err := f.s.SaveUser(ctx, m); err == nil {
		t.Fatal("saving a second max worked")
	} else if fld, ok := UniqueViolation(err); !ok || fld != FieldUsername {
		t.Fatalf("save: %v", err)
	}
}

func TestTwoLiveKeysOfOneUserKeepTheNewer(t *testing.T) {
	f := newSyncFixture(t)
	ctx := context.Background()
	old, _ := f.s.LiveKey(ctx, f.user)
	newer, older := NewID(), NewID()
	// A key issued elsewhere after the local one: it stays live, the local one is revoked.
	rep := f.pull(t, record(t, syncapi.EntityPersonalKey, newer, 1, &syncapi.PersonalKey{
		UserID: f.user, KeyHash: strings.Repeat("a", 64),
		IssuedAt: old.IssuedAt.Add(time.Minute), ExpiresAt: old.ExpiresAt,
	}))
	if rep.Applied != 1 || len(rep.Failed) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	live, _ := f.s.LiveKey(ctx, f.user)
	if live.ID != newer || live.Key != "" {
		t.Fatalf("live key = %+v", live)
	}
	if keys := f.pending(t, syncapi.EntityPersonalKey); len(keys) != 1 || keys[0].ID != old.ID {
		t.Fatalf("pending keys = %v (the revocation of %s must be pushed)", ids(keys), old.ID)
	}
	// A key issued elsewhere before the live one arrives revoked, and that is pushed.
	rep = f.pull(t, record(t, syncapi.EntityPersonalKey, older, 1, &syncapi.PersonalKey{
		UserID: f.user, KeyHash: strings.Repeat("b", 64),
		IssuedAt: old.IssuedAt, ExpiresAt: old.ExpiresAt,
	}))
	if live, _ := f.s.LiveKey(ctx, f.user); rep.Applied != 1 || live.ID != newer {
		t.Fatalf("report %+v, live key %s", rep, live.ID)
	}
	keys := f.pending(t, syncapi.EntityPersonalKey)
	if len(keys) != 2 || !strings.Contains(string(keys[0].Data)+string(keys[1].Data), strings.Repeat("b", 64)) {
		t.Fatalf("pending keys = %v", ids(keys))
	}
}

func TestSchemaSevenKeepsKeysAndTheirReferences(t *testing.T) {
	path := filepath.Join(t.TempDir(), "six.db")
	old, err := openAt(path, 6)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, old)
	ik := &InviteKey{Label: "Parents", Key: "HMSEDQZAEX", RoleID: roleID, ValidUntil: time.Now().Add(time.Hour), MaxUses: 5}
	if err := old.CreateInviteKey(ctx, ik, []string{unitID}, nil); err != nil {
		t.Fatal(err)
	}
	u := &User{Username: "joined", RoleID: roleID, Phase: PhaseActive, InviteKeyID: &ik.ID}
	// Schema 6 has no extra_permissions column (version 8).
	if err := old.db.Omit("ExtraPermissions").Create(u).Error; err != nil {
		t.Fatal(err)
	}
	if err := old.SetUserUnits(ctx, u.ID, []string{unitID}); err != nil {
		t.Fatal(err)
	}
	if err := old.AddPersonalKey(ctx, &PersonalKey{UserID: u.ID, Key: "K1", IssuedAt: time.Now(), ExpiresAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	old.Close()

	cur, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	if users, err := cur.InviteKeyUsers(ctx, ik.ID, time.Now()); err != nil || len(users) != 1 {
		t.Fatalf("users of the invite key after the upgrade: %v, %v", users, err)
	}
	if units, _, err := cur.InviteKeyLinks(ctx, ik.ID); err != nil || len(units) != 1 {
		t.Fatalf("units of the invite key after the upgrade: %v, %v", units, err)
	}
	if k, err := cur.LiveKey(ctx, u.ID); err != nil || k.Key != "K1" {
		t.Fatalf("key after the upgrade: %+v, %v", k, err)
	}
	var fk int
	cur.db.Raw("PRAGMA foreign_keys").Scan(&fk)
	if fk != 1 {
		t.Fatal("foreign keys are off after the upgrade")
	}
	// Every row of the older file is pending: the first sync sends it all.
	if c, _ := cur.SyncCounts(ctx); c.Pending != 5 {
		t.Fatalf("pending after the upgrade = %+v, want role, unit, invite key, user and key", c)
	}
	// Keys whose text this computer does not have do not collide.
	for range 2 {
		if err := cur.db.Exec(`INSERT INTO invite_keys (id, role_id, valid_until, max_uses, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)`,
			NewID(), roleID, time.Now(), time.Now(), time.Now()).Error; err != nil {
			t.Fatal(err)
		}
	}
}
