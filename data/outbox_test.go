package data

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// outboxEpoch is the fixed clock of the outbox tests.
var outboxEpoch = time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)

// newMail is a mail to addr, due at due, created at created (zero: now).
func newMail(userID *string, kind, addr string, due, created time.Time) Mail {
	return Mail{
		Row: Row{CreatedAt: created}, UserID: userID, Kind: kind, MessageID: "<" + NewID() + "@onboard>",
		ToName: "Anna", ToAddr: addr, Subject: "Your key", TextBody: "Hello", NextAttemptAt: due,
	}
}

// addMails queues mails and returns their IDs in order.
func addMails(t *testing.T, s *Store, mails ...Mail) []string {
	t.Helper()
	if err := s.AddMails(context.Background(), mails); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range mails {
		if m.ID == "" {
			t.Fatal("a queued mail has no ID")
		}
		out = append(out, m.ID)
	}
	return out
}

// mailIDs returns the IDs of mails, in order.
func mailIDs(mails []Mail) []string {
	out := []string{}
	for _, m := range mails {
		out = append(out, m.ID)
	}
	return out
}

// mustMail reads one mail.
func mustMail(t *testing.T, s *Store, id string) *Mail {
	t.Helper()
	m, err := s.MailByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAddMailQueuesItUnlessAStateIsGiven(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	local := time.FixedZone("CEST", 7200)
	m := newMail(nil, MailTest, "admin@example.org", outboxEpoch.In(local), time.Time{})
	if err := s.AddMail(ctx, &m); err != nil {
		t.Fatal(err)
	}
	got := mustMail(t, s, m.ID)
	if got.State != MailQueued || got.Attempts != 0 || got.ClaimedUntil != nil || got.SentAt != nil || got.Version != 1 {
		t.Fatalf("queued mail %+v", got)
	}
	if !got.NextAttemptAt.Equal(outboxEpoch) || got.NextAttemptAt.Location() != time.UTC {
		t.Fatalf("next attempt %v, want %v in UTC", got.NextAttemptAt, outboxEpoch)
	}
	sent := newMail(nil, MailTest, "b@example.org", outboxEpoch, time.Time{})
	sent.State = MailSent
	batch := []Mail{sent, newMail(nil, MailTest, "c@example.org", outboxEpoch, time.Time{})}
	ids := addMails(t, s, batch...)
	if st := mustMail(t, s, ids[0]).State; st != MailSent {
		t.Fatalf("a mail queued as sent is %s", st)
	}
	if st := mustMail(t, s, ids[1]).State; st != MailQueued {
		t.Fatalf("a mail of a batch without state is %q, want queued", st)
	}
	if err := s.AddMails(ctx, nil); err != nil {
		t.Fatalf("an empty batch: %v", err)
	}
	// The message ID is the same for every attempt, so it is unique.
	dup := newMail(nil, MailTest, "d@example.org", outboxEpoch, time.Time{})
	dup.MessageID = m.MessageID
	if err := s.AddMail(ctx, &dup); err == nil || !strings.Contains(err.Error(), "outbox.message_id") {
		t.Fatalf("a second mail with the same message ID: %v", err)
	}
	if _, err := s.MailByID(ctx, NewID()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown mail: %v, want ErrNotFound", err)
	}
}

func TestClaimMailsHoldsThemForTheLease(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	now := outboxEpoch
	ids := addMails(t, s,
		newMail(nil, MailTest, "later@example.org", now.Add(time.Hour), now),            // 0: not yet due
		newMail(nil, MailTest, "second@example.org", now.Add(-time.Minute), now.Add(2)), // 1
		newMail(nil, MailTest, "first@example.org", now.Add(-time.Hour), now.Add(1)),    // 2: due longest
		newMail(nil, MailTest, "third@example.org", now.Add(-time.Minute), now.Add(3)),  // 3: same time as 1, created later
	)
	sent := newMail(nil, MailTest, "sent@example.org", now.Add(-2*time.Hour), now)
	sent.State = MailSent
	addMails(t, s, sent)

	lease := 5 * time.Minute
	got, err := s.ClaimMails(ctx, now, lease, 2, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mailIDs(got), []string{ids[2], ids[1]}) {
		t.Fatalf("first claim %v, want the two due longest %v", mailIDs(got), []string{ids[2], ids[1]})
	}
	if c := mustMail(t, s, ids[2]).ClaimedUntil; c == nil || !c.Equal(now.Add(lease)) {
		t.Fatalf("claimed until %v, want %v", c, now.Add(lease))
	}
	// Another sender gets what is left and due, not the held mails.
	if got, _ := s.ClaimMails(ctx, now, lease, 10, true, nil); !slices.Equal(mailIDs(got), []string{ids[3]}) {
		t.Fatalf("second claim %v, want only %s", mailIDs(got), ids[3])
	}
	if got, _ := s.ClaimMails(ctx, now, lease, 10, true, nil); len(got) != 0 {
		t.Fatalf("third claim %v, want nothing", mailIDs(got))
	}
	// Not only the due ones: the one due later.
	if got, _ := s.ClaimMails(ctx, now, lease, 10, false, nil); !slices.Equal(mailIDs(got), []string{ids[0]}) {
		t.Fatalf("claim of every queued mail %v, want %s", mailIDs(got), ids[0])
	}
	// When the lease ends, a sender that died leaves them to be claimed again.
	again, err := s.ClaimMails(ctx, now.Add(lease), lease, 10, true, []string{ids[1]})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mailIDs(again), []string{ids[2], ids[3]}) {
		t.Fatalf("claim after the lease skipping %s: %v, want %v", ids[1], mailIDs(again), []string{ids[2], ids[3]})
	}
	for _, m := range again {
		if m.State != MailQueued || m.ToAddr == "" || m.Subject != "Your key" {
			t.Fatalf("claimed mail %+v", m)
		}
	}
}

func TestExtendMailClaimsOnlyExtendsHeldQueuedMails(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	now := outboxEpoch
	ids := addMails(t, s,
		newMail(nil, MailTest, "a@example.org", now, now),
		newMail(nil, MailTest, "b@example.org", now, now.Add(1)),
		newMail(nil, MailTest, "c@example.org", now.Add(time.Hour), now.Add(2)),
	)
	if got, _ := s.ClaimMails(ctx, now, time.Minute, 2, true, nil); len(got) != 2 {
		t.Fatalf("claimed %v", mailIDs(got))
	}
	if err := s.RecordMailAttempt(ctx, ids[1], MailResult{State: MailSent, Attempts: 1, At: now}); err != nil {
		t.Fatal(err)
	}
	until := now.Add(10 * time.Minute)
	if err := s.ExtendMailClaims(ctx, ids, until); err != nil {
		t.Fatal(err)
	}
	if c := mustMail(t, s, ids[0]).ClaimedUntil; c == nil || !c.Equal(until) {
		t.Fatalf("held mail claimed until %v, want %v", c, until)
	}
	if c := mustMail(t, s, ids[1]).ClaimedUntil; c != nil {
		t.Fatalf("sent mail claimed until %v, want released", c)
	}
	if c := mustMail(t, s, ids[2]).ClaimedUntil; c != nil {
		t.Fatalf("unclaimed mail claimed until %v, want not claimed", c)
	}
	// Still held after the first lease.
	if got, _ := s.ClaimMails(ctx, now.Add(2*time.Minute), time.Minute, 10, true, nil); len(got) != 0 {
		t.Fatalf("claimed %v while the extended lease runs", mailIDs(got))
	}
	if err := s.ExtendMailClaims(ctx, nil, until); err != nil {
		t.Fatalf("extending nothing: %v", err)
	}
}

func TestRecordMailAttempt(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	now := outboxEpoch
	ids := addMails(t, s,
		newMail(nil, MailTest, "sent@example.org", now, now),
		newMail(nil, MailTest, "retry@example.org", now, now.Add(1)),
		newMail(nil, MailTest, "failed@example.org", now, now.Add(2)),
	)
	if got, _ := s.ClaimMails(ctx, now, time.Minute, 10, true, nil); len(got) != 3 {
		t.Fatalf("claimed %v", mailIDs(got))
	}
	at := now.Add(30 * time.Second)
	retry := now.Add(15 * time.Minute)
	for i, r := range []MailResult{
		{State: MailSent, Attempts: 1, At: at},
		{State: MailQueued, Attempts: 1, NextAttemptAt: retry, Error: "421 try again later", At: at},
		{State: MailFailed, Attempts: 5, Error: "550 no such user", At: at},
	} {
		if err := s.RecordMailAttempt(ctx, ids[i], r); err != nil {
			t.Fatal(err)
		}
	}
	m := mustMail(t, s, ids[0])
	if m.State != MailSent || m.SentAt == nil || !m.SentAt.Equal(at) || m.ClaimedUntil != nil || m.Attempts != 1 || m.Version != 2 {
		t.Fatalf("sent mail %+v", m)
	}
	m = mustMail(t, s, ids[1])
	if m.State != MailQueued || !m.NextAttemptAt.Equal(retry) || m.LastError != "421 try again later" || m.ClaimedUntil != nil || m.SentAt != nil || m.Version != 2 {
		t.Fatalf("mail to try again %+v", m)
	}
	m = mustMail(t, s, ids[2])
	if m.State != MailFailed || m.Attempts != 5 || m.LastError != "550 no such user" || m.SentAt != nil || !m.UpdatedAt.Equal(at) {
		t.Fatalf("failed mail %+v", m)
	}
	// The released mail to try again is due at its new time, not before.
	if got, _ := s.ClaimMails(ctx, retry.Add(-time.Second), time.Minute, 10, true, nil); len(got) != 0 {
		t.Fatalf("claimed %v before the retry is due", mailIDs(got))
	}
	if got, _ := s.ClaimMails(ctx, retry, time.Minute, 10, true, nil); !slices.Equal(mailIDs(got), []string{ids[1]}) {
		t.Fatalf("claimed %v when the retry is due, want %s", mailIDs(got), ids[1])
	}
	// A mail no longer queued keeps its state.
	if err := s.RecordMailAttempt(ctx, ids[0], MailResult{State: MailFailed, Attempts: 2, Error: "late", At: retry}); err != nil {
		t.Fatal(err)
	}
	if m := mustMail(t, s, ids[0]); m.State != MailSent || m.LastError != "" || m.Version != 2 {
		t.Fatalf("an attempt recorded on a sent mail changed it: %+v", m)
	}
}

func TestCancelQueuedMailsOfOneUserAndKind(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	anna := addUser(t, s, &User{FirstName: "Anna", Username: "anna", RoleID: roleID}, []string{unitID}, nil)
	ben := addUser(t, s, &User{FirstName: "Ben", Username: "ben", RoleID: roleID}, []string{unitID}, nil)
	now := outboxEpoch
	sentInvite := newMail(&anna.ID, MailInvitation, "anna@example.org", now, now)
	sentInvite.State = MailSent
	ids := addMails(t, s,
		newMail(&anna.ID, MailInvitation, "anna@example.org", now, now.Add(1)), // 0: cancelled
		newMail(&anna.ID, MailInvitation, "anna@example.org", now, now.Add(2)), // 1: cancelled
		newMail(&anna.ID, MailTest, "anna@example.org", now, now.Add(3)),       // 2: other kind
		newMail(&ben.ID, MailInvitation, "ben@example.org", now, now.Add(4)),   // 3: other user
		sentInvite, // 4: not queued
	)
	at := now.Add(time.Hour)
	n, err := s.CancelQueuedMails(ctx, anna.ID, MailInvitation, "a new key was issued", at)
	if err != nil || n != 2 {
		t.Fatalf("cancelled %d, %v; want 2", n, err)
	}
	for i, want := range []MailState{MailCancelled, MailCancelled, MailQueued, MailQueued, MailSent} {
		m := mustMail(t, s, ids[i])
		if m.State != want {
			t.Errorf("mail %d is %s, want %s", i, m.State, want)
		}
		if want == MailCancelled && (m.LastError != "a new key was issued" || m.Version != 2 || !m.UpdatedAt.Equal(at)) {
			t.Errorf("cancelled mail %+v; want the reason, version 2 and updated at %v", m, at)
		}
		if want != MailCancelled && m.Version != 1 {
			t.Errorf("mail %d left alone has version %d", i, m.Version)
		}
	}
	if n, _ := s.CancelQueuedMails(ctx, anna.ID, MailInvitation, "again", at); n != 0 {
		t.Fatalf("cancelling again: %d, want 0", n)
	}
	// A cancelled mail is not claimed.
	if got, _ := s.ClaimMails(ctx, at, time.Minute, 10, false, nil); !slices.Equal(mailIDs(got), []string{ids[2], ids[3]}) {
		t.Fatalf("claimed %v after the cancel, want %v", mailIDs(got), ids[2:4])
	}
}

func TestRequeueMailOnlyTakesFailedMails(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	now := outboxEpoch
	failed, failed2, sent := newMail(nil, MailTest, "old@example.org", now, now), newMail(nil, MailTest, "keep@example.org", now, now.Add(1)), newMail(nil, MailTest, "sent@example.org", now, now.Add(2))
	failed.State, failed.Attempts, failed.LastError = MailFailed, 5, "550"
	failed2.State, failed2.Attempts = MailFailed, 3
	sent.State = MailSent
	ids := addMails(t, s, failed, failed2, sent)
	later := now.Add(24 * time.Hour)
	if err := s.RequeueMail(ctx, ids[0], "new@example.org", later); err != nil {
		t.Fatal(err)
	}
	m := mustMail(t, s, ids[0])
	if m.State != MailQueued || m.Attempts != 0 || m.LastError != "" || m.ToAddr != "new@example.org" || !m.NextAttemptAt.Equal(later) || m.Version != 2 {
		t.Fatalf("queued again %+v", m)
	}
	if err := s.RequeueMail(ctx, ids[1], "", later); err != nil {
		t.Fatal(err)
	}
	if m := mustMail(t, s, ids[1]); m.ToAddr != "keep@example.org" || m.State != MailQueued {
		t.Fatalf("queued again to the stored address %+v", m)
	}
	for _, id := range []string{ids[0], ids[2], NewID()} { // queued now, sent, unknown
		if err := s.RequeueMail(ctx, id, "", later); !errors.Is(err, ErrNotFound) {
			t.Errorf("queue %s again: %v, want ErrNotFound", id, err)
		}
	}
	if m := mustMail(t, s, ids[2]); m.State != MailSent {
		t.Fatalf("sent mail is now %s", m.State)
	}
}

func TestMailsListCountsAndNextAttempt(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	roleID, unitID := seedCatalog(t, s)
	anna := addUser(t, s, &User{FirstName: "Anna", Username: "anna", RoleID: roleID}, []string{unitID}, nil)
	now := outboxEpoch
	if next, err := s.NextMailAttempt(ctx); err != nil || !next.IsZero() {
		t.Fatalf("next attempt with an empty outbox: %v, %v; want zero", next, err)
	}
	sent := newMail(&anna.ID, MailInvitation, "anna@example.org", now.Add(-time.Hour), now)
	sent.State = MailSent
	failed := newMail(nil, MailTest, "x@example.org", now.Add(-2*time.Hour), now.Add(time.Minute))
	failed.State = MailFailed
	ids := addMails(t, s,
		sent, // 0, oldest
		failed,
		newMail(&anna.ID, MailInvitation, "anna@example.org", now.Add(2*time.Hour), now.Add(2*time.Minute)),
		newMail(nil, MailTest, "y@example.org", now.Add(time.Hour), now.Add(3*time.Minute)), // 3, newest
	)
	all, err := s.Mails(ctx, MailQuery{})
	if err != nil || !slices.Equal(mailIDs(all), []string{ids[3], ids[2], ids[1], ids[0]}) {
		t.Fatalf("every mail %v, %v; want newest first", mailIDs(all), err)
	}
	if got, _ := s.Mails(ctx, MailQuery{State: MailQueued}); !slices.Equal(mailIDs(got), []string{ids[3], ids[2]}) {
		t.Fatalf("queued mails %v", mailIDs(got))
	}
	if got, _ := s.Mails(ctx, MailQuery{UserID: anna.ID}); !slices.Equal(mailIDs(got), []string{ids[2], ids[0]}) {
		t.Fatalf("Anna's mails %v", mailIDs(got))
	}
	if got, _ := s.Mails(ctx, MailQuery{UserID: anna.ID, State: MailSent}); !slices.Equal(mailIDs(got), []string{ids[0]}) {
		t.Fatalf("Anna's sent mails %v", mailIDs(got))
	}
	if got, _ := s.Mails(ctx, MailQuery{Limit: 2, Offset: 1}); !slices.Equal(mailIDs(got), []string{ids[2], ids[1]}) {
		t.Fatalf("page of mails %v", mailIDs(got))
	}
	counts, err := s.MailCounts(ctx)
	if err != nil || len(counts) != 3 || counts[MailQueued] != 2 || counts[MailSent] != 1 || counts[MailFailed] != 1 || counts[MailCancelled] != 0 {
		t.Fatalf("mail counts %v, %v", counts, err)
	}
	// The earliest queued mail, not the older sent or failed ones.
	next, err := s.NextMailAttempt(ctx)
	if err != nil || !next.Equal(now.Add(time.Hour)) {
		t.Fatalf("next attempt %v, %v; want %v", next, err, now.Add(time.Hour))
	}
	// A sender holding it past its time: the next attempt is when the lease ends.
	if got, _ := s.ClaimMails(ctx, now.Add(time.Hour), 3*time.Hour, 1, true, nil); !slices.Equal(mailIDs(got), []string{ids[3]}) {
		t.Fatalf("claimed %v", mailIDs(got))
	}
	if next, _ := s.NextMailAttempt(ctx); !next.Equal(now.Add(4 * time.Hour)) {
		t.Fatalf("next attempt while held %v, want the end of the lease %v", next, now.Add(4*time.Hour))
	}
}
