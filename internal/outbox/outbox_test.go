package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/lifecycle"
	"onboard/internal/mail"
	"onboard/internal/mail/smtptest"
	"onboard/internal/outbox"
	"onboard/internal/settings"
)

func TestInvitationIsQueuedAndDelivered(t *testing.T) {
	srv := smtptest.Start(t)
	e := newEnv(t, srv, mail.SecurityNone)
	ctx := context.Background()
	c := e.user(t, "Anna", "Müller", "anna@example.org")
	if ms := e.mails(t); len(ms) != 0 {
		t.Fatalf("a new user has %d mails", len(ms))
	}
	inv, err := e.svc.SendInvitation(ctx, c.User.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The invitation, the status and the key were written together.
	m := e.only(t)
	if m.State != data.MailQueued || m.Attempts != 0 || !m.NextAttemptAt.Equal(e.now) || m.UserID == nil ||
		*m.UserID != c.User.ID || m.Kind != data.MailInvitation || m.ToAddr != "anna@example.org" || m.ToName != "Anna Müller" {
		t.Fatalf("queued mail: %+v", m)
	}
	if st := e.status(t, c.User.ID); st != data.StatusInvited {
		t.Fatalf("status %s, want invited", st)
	}
	if live, err := e.store.LiveKey(ctx, c.User.ID); err != nil || live.Key != inv.Key {
		t.Fatalf("live key %+v, %v; want %s", live, err, inv.Key)
	}
	if srv.Connections() != 0 {
		t.Fatal("queueing talked to the mail server")
	}

	res := e.mustDrain(t, false)
	if res != (outbox.Result{Sent: 1}) {
		t.Fatalf("drain: %+v", res)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("the server received %d mails, want 1", len(got))
	}
	r := got[0]
	if !slices.Equal(r.To, []string{"anna@example.org"}) || r.From != testFrom {
		t.Errorf("envelope from %q to %v", r.From, r.To)
	}
	to, err := r.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Anna Müller" || to[0].Address != "anna@example.org" {
		t.Errorf("To header %q: %v, %v", r.Header.Get("To"), to, err)
	}
	from, err := r.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != testOrg || from[0].Address != testFrom {
		t.Errorf("From header %q: %v, %v", r.Header.Get("From"), from, err)
	}
	if want := "Your account at " + testOrg; r.Subject != want {
		t.Errorf("subject %q, want %q", r.Subject, want)
	}
	link := testBase + "/register?key=" + inv.Key
	for _, want := range []string{"Dear Anna Müller", "Your key: " + inv.Key, link, testOrg} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("the text lacks %q:\n%s", want, r.Text)
		}
	}
	if !strings.Contains(r.HTML, "<html") || !strings.Contains(r.HTML, inv.Key) || !strings.Contains(r.HTML, `href="`+link+`"`) {
		t.Errorf("HTML part:\n%s", r.HTML)
	}
	if r.MessageID != m.MessageID || r.MessageID == "" || !strings.HasSuffix(r.MessageID, "@schule.example") {
		t.Errorf("Message-ID %q, stored %q", r.MessageID, m.MessageID)
	}
	sent := e.mailByID(t, m.ID)
	if sent.State != data.MailSent || sent.Attempts != 1 || sent.SentAt == nil || !sent.SentAt.Equal(e.now) ||
		sent.LastError != "" || sent.ClaimedUntil != nil {
		t.Errorf("after sending: %+v", sent)
	}
	if st := e.status(t, c.User.ID); st != data.StatusInvited {
		t.Errorf("status %s after sending, want invited", st)
	}
	// Nothing is left: another drain does not connect.
	if res := e.mustDrain(t, true); res != (outbox.Result{}) || srv.Connections() != 1 {
		t.Errorf("second drain %+v, %d connections", res, srv.Connections())
	}
}

func TestTemporaryReplyIsRetriedAfterBackoff(t *testing.T) {
	const busy = "4.7.0 Too busy, try again later"
	srv := smtptest.Start(t, smtptest.FailData(1, 421, busy))
	e := newEnv(t, srv, mail.SecurityNone)
	_, _ = e.invite(t, "Anna", "Müller", "anna@example.org")
	e.now = e.now.Add(time.Second) // queued after Anna's
	_, _ = e.invite(t, "Ben", "Weber", "ben@example.org")
	ms := e.mails(t)
	anna, ben := ms[1], ms[0]
	if anna.ToAddr != "anna@example.org" {
		t.Fatalf("order: %s first", anna.ToAddr)
	}

	// Anna's mail gets 421 and the server hangs up; Ben's goes over a new connection.
	res := e.mustDrain(t, false)
	if res != (outbox.Result{Sent: 1, Retrying: 1}) {
		t.Fatalf("first drain: %+v", res)
	}
	if srv.Connections() != 2 {
		t.Errorf("%d connections, want 2 (a new one after the 421)", srv.Connections())
	}
	m := e.mailByID(t, anna.ID)
	wantNext := e.now.Add(mail.Backoff(1, e.jitter))
	if m.State != data.MailQueued || m.Attempts != 1 || !strings.Contains(m.LastError, "421 "+busy) ||
		!m.NextAttemptAt.Equal(wantNext) || m.ClaimedUntil != nil {
		t.Fatalf("after 421: state %s, attempts %d, error %q, next %v (want %v), claimed %v",
			m.State, m.Attempts, m.LastError, m.NextAttemptAt, wantNext, m.ClaimedUntil)
	}
	if next, err := e.store.NextMailAttempt(context.Background()); err != nil || !next.Equal(wantNext) {
		t.Errorf("next attempt %v, %v; want %v", next, err, wantNext)
	}

	// Not due yet: nothing is tried.
	e.now = wantNext.Add(-time.Second)
	if res := e.mustDrain(t, false); res != (outbox.Result{}) {
		t.Fatalf("drain before the retry is due: %+v", res)
	}
	if n := commands(srv, "DATA", ""); n != 2 {
		t.Fatalf("%d DATA commands before the retry, want 2", n)
	}

	e.now = wantNext.Add(time.Second)
	if res := e.mustDrain(t, false); res != (outbox.Result{Sent: 1}) {
		t.Fatalf("retry: %+v", res)
	}
	var toAnna []smtptest.Received
	for _, r := range srv.Received() {
		if r.To[0] == "anna@example.org" {
			toAnna = append(toAnna, r)
		}
	}
	if len(toAnna) != 1 || toAnna[0].MessageID != anna.MessageID {
		t.Fatalf("Anna's mail arrived %d times: %+v; want once with Message-ID %s", len(toAnna), toAnna, anna.MessageID)
	}
	m = e.mailByID(t, anna.ID)
	if m.State != data.MailSent || m.Attempts != 2 || m.LastError != "" || !m.SentAt.Equal(e.now) {
		t.Fatalf("after the retry: %+v", m)
	}
	if ms := e.mailByID(t, ben.ID); ms.State != data.MailSent || ms.Attempts != 1 {
		t.Fatalf("Ben's mail: %+v", ms)
	}
}

func TestPermanentRecipientRejectionFailsOnce(t *testing.T) {
	const rejected = "5.1.1 <nobody@example.org>: Recipient address rejected"
	srv := smtptest.Start(t, smtptest.RejectRcpt("nobody@example.org", 550, rejected))
	e := newEnv(t, srv, mail.SecurityNone)
	_, _ = e.invite(t, "No", "Body", "nobody@example.org")
	e.now = e.now.Add(time.Second)
	_, _ = e.invite(t, "Anna", "Müller", "anna@example.org")
	nobody := e.mails(t)[1]

	if res := e.mustDrain(t, false); res != (outbox.Result{Sent: 1, Failed: 1}) {
		t.Fatalf("drain: %+v", res)
	}
	m := e.mailByID(t, nobody.ID)
	if m.State != data.MailFailed || m.Attempts != 1 || !strings.Contains(m.LastError, "550 "+rejected) || m.SentAt != nil {
		t.Fatalf("rejected mail: state %s, attempts %d, error %q", m.State, m.Attempts, m.LastError)
	}
	// The connection survived the rejection: Anna's mail went over the same one.
	if srv.Connections() != 1 || len(srv.Received()) != 1 || srv.Received()[0].To[0] != "anna@example.org" {
		t.Fatalf("%d connections, received %+v", srv.Connections(), srv.Received())
	}
	// Later drains, also "send all" days later, do not try it again.
	for range 3 {
		e.now = e.now.Add(24 * time.Hour)
		if res := e.mustDrain(t, true); res != (outbox.Result{}) {
			t.Fatalf("later drain: %+v", res)
		}
	}
	if n := commands(srv, "RCPT", "nobody@example.org"); n != 1 {
		t.Fatalf("the server saw RCPT for the rejected address %d times, want 1", n)
	}
	if m := e.mailByID(t, nobody.ID); m.State != data.MailFailed || m.Attempts != 1 {
		t.Fatalf("later: %+v", m)
	}
}

func TestDroppedConnectionAfterDataIsRetriedWithSameMessageID(t *testing.T) {
	srv := smtptest.Start(t, smtptest.DropAfterData(1))
	e := newEnv(t, srv, mail.SecurityNone)
	_, _ = e.invite(t, "Anna", "Müller", "anna@example.org")
	stored := e.only(t)

	if res := e.mustDrain(t, false); res != (outbox.Result{Retrying: 1}) {
		t.Fatalf("drain: %+v", res)
	}
	m := e.mailByID(t, stored.ID)
	if m.State != data.MailQueued || m.Attempts != 1 || m.LastError == "" || !m.NextAttemptAt.After(e.now) {
		t.Fatalf("after the dropped connection: %+v", m)
	}
	t.Logf("answer recorded: %s", m.LastError)

	e.now = m.NextAttemptAt
	if res := e.mustDrain(t, false); res != (outbox.Result{Sent: 1}) {
		t.Fatalf("retry: %+v", res)
	}
	got := srv.Received()
	if len(got) == 0 {
		t.Fatal("the mail never arrived")
	}
	for _, r := range got {
		if r.MessageID != stored.MessageID {
			t.Fatalf("arrived with Message-ID %q, stored %q", r.MessageID, stored.MessageID)
		}
	}
	// The server read the data of the first attempt but dropped it unrecorded, so
	// it arrived once; a server that kept it would have it twice with the same ID.
	t.Logf("arrived %d time(s), %d DATA commands", len(got), commands(srv, "DATA", ""))
	if m := e.mailByID(t, stored.ID); m.State != data.MailSent || m.Attempts != 2 {
		t.Fatalf("after the retry: %+v", m)
	}
}

func TestStartTLSRequiredButNotOfferedWaits(t *testing.T) {
	srv := smtptest.Start(t) // no STARTTLS
	e := newEnv(t, srv, mail.SecurityStartTLS)
	_, _ = e.invite(t, "Anna", "Müller", "anna@example.org")

	res, err := e.drain(t, false)
	var ue *outbox.UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "STARTTLS") || !errors.Is(err, mail.ErrNoSTARTTLS) {
		t.Fatalf("drain: %T %v; want an *outbox.UnreachableError about STARTTLS", err, err)
	}
	if res != (outbox.Result{Waiting: 1}) {
		t.Fatalf("result %+v", res)
	}
	m := e.only(t)
	if m.State != data.MailQueued || m.Attempts != 0 || !strings.Contains(m.LastError, "STARTTLS") || m.ClaimedUntil != nil {
		t.Fatalf("mail: %+v", m)
	}
	if n := commands(srv, "MAIL", ""); n != 0 || len(srv.Received()) != 0 {
		t.Fatalf("the server saw %d MAIL commands and received %d mails over plain text", n, len(srv.Received()))
	}

	// With a server that offers STARTTLS the same mail goes out encrypted.
	tlsSrv := smtptest.Start(t, smtptest.WithSTARTTLS())
	_, port := tlsSrv.Addr()
	e.configure(t, port, mail.SecurityStartTLS)
	e.srv, e.tls = tlsSrv, true
	e.now = e.now.Add(time.Hour)
	if res := e.mustDrain(t, false); res != (outbox.Result{Sent: 1}) {
		t.Fatalf("drain over STARTTLS: %+v", res)
	}
	got := tlsSrv.Received()
	if len(got) != 1 || !got[0].TLS || got[0].MessageID != m.MessageID {
		t.Fatalf("received over STARTTLS: %+v", got)
	}
	if m := e.only(t); m.State != data.MailSent || m.Attempts != 1 {
		t.Fatalf("after STARTTLS: %+v", m)
	}
}

func TestTemporaryFailuresGiveUpAfterMaxAttempts(t *testing.T) {
	const later = "4.3.0 Try again later"
	srv := smtptest.Start(t, smtptest.FailData(1000, 451, later))
	e := newEnv(t, srv, mail.SecurityNone)
	_, _ = e.invite(t, "Anna", "Müller", "anna@example.org")
	id := e.only(t).ID
	first := e.now
	for attempt := 1; attempt <= mail.MaxAttempts; attempt++ {
		res := e.mustDrain(t, false)
		m := e.mailByID(t, id)
		if attempt < mail.MaxAttempts {
			want := e.now.Add(mail.Backoff(attempt, e.jitter))
			if res != (outbox.Result{Retrying: 1}) || m.State != data.MailQueued || m.Attempts != attempt ||
				!m.NextAttemptAt.Equal(want) || !strings.Contains(m.LastError, "451 "+later) {
				t.Fatalf("attempt %d: %+v; mail %s, %d attempts, next %v (want %v), %q",
					attempt, res, m.State, m.Attempts, m.NextAttemptAt, want, m.LastError)
			}
			e.now = m.NextAttemptAt
			continue
		}
		if res != (outbox.Result{Failed: 1}) || m.State != data.MailFailed || m.Attempts != mail.MaxAttempts ||
			!strings.HasPrefix(m.LastError, "gave up after 12 attempts") || !strings.Contains(m.LastError, "451 "+later) {
			t.Fatalf("last attempt: %+v; mail %s, %d attempts, %q", res, m.State, m.Attempts, m.LastError)
		}
	}
	t.Logf("gave up %v after the first attempt", e.now.Sub(first))
	if n := commands(srv, "DATA", ""); n != mail.MaxAttempts {
		t.Fatalf("%d DATA commands, want %d", n, mail.MaxAttempts)
	}
	e.now = e.now.Add(24 * time.Hour)
	if res := e.mustDrain(t, true); res != (outbox.Result{}) || commands(srv, "DATA", "") != mail.MaxAttempts {
		t.Fatalf("a failed mail was tried again: %+v", res)
	}
}

func TestUnreachableServerCountsNoAttempts(t *testing.T) {
	e := newEnv(t, nil, mail.SecurityNone)
	e.configure(t, closedPort(t), mail.SecurityNone)
	_, _ = e.invite(t, "Anna", "Müller", "anna@example.org")
	_, _ = e.invite(t, "Ben", "Weber", "ben@example.org")
	for round := range 20 {
		res, err := e.drain(t, round%2 == 0)
		var ue *outbox.UnreachableError
		if !errors.As(err, &ue) || res != (outbox.Result{Waiting: 2}) {
			t.Fatalf("round %d: %+v, %v; want 2 waiting and an *outbox.UnreachableError", round, res, err)
		}
		for _, m := range e.mails(t) {
			if m.State != data.MailQueued || m.Attempts != 0 || !strings.HasPrefix(m.LastError, "waiting: ") || m.ClaimedUntil != nil {
				t.Fatalf("round %d: %+v", round, m)
			}
		}
		e.now = e.now.Add(time.Hour) // a day offline
	}
	t.Logf("waiting mail's answer: %s", e.mails(t)[0].LastError)

	// Back online: both go out at their first attempt.
	srv := smtptest.Start(t)
	_, port := srv.Addr()
	e.configure(t, port, mail.SecurityNone)
	if res := e.mustDrain(t, false); res != (outbox.Result{Sent: 2}) {
		t.Fatalf("online: %+v", res)
	}
	for _, m := range e.mails(t) {
		if m.State != data.MailSent || m.Attempts != 1 {
			t.Fatalf("online: %+v", m)
		}
	}
	if len(srv.Received()) != 2 {
		t.Fatalf("received %d", len(srv.Received()))
	}
}

func TestResendCancelsTheQueuedInvitation(t *testing.T) {
	srv := smtptest.Start(t)
	e := newEnv(t, srv, mail.SecurityNone)
	ctx := context.Background()
	id, key1 := e.invite(t, "Anna", "Müller", "anna@example.org")
	old := e.only(t)
	e.now = e.now.Add(time.Minute)
	re, err := e.svc.ResendInvitation(ctx, id, lifecycle.ResendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if re.Key == key1 {
		t.Fatal("resend kept the key")
	}
	ms := e.mails(t)
	if len(ms) != 2 {
		t.Fatalf("%d mails", len(ms))
	}
	newer := ms[0]
	if newer.ID == old.ID || newer.State != data.MailQueued || newer.MessageID == old.MessageID {
		t.Fatalf("newer mail %+v", newer)
	}
	if m := e.mailByID(t, old.ID); m.State != data.MailCancelled || m.LastError != "replaced by a newer invitation" {
		t.Fatalf("older mail %s %q", m.State, m.LastError)
	}

	if res := e.mustDrain(t, true); res != (outbox.Result{Sent: 1}) {
		t.Fatalf("drain: %+v", res)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].MessageID != newer.MessageID || !strings.Contains(got[0].Text, re.Key) ||
		strings.Contains(got[0].Text, key1) {
		t.Fatalf("received %+v; want only the new key's mail", got)
	}
	if m := e.mailByID(t, old.ID); m.State != data.MailCancelled {
		t.Fatalf("the cancelled mail became %s", m.State)
	}

	// An active user is not sent an invitation again.
	if _, err := e.svc.MarkRegistered(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ResendInvitation(ctx, id, lifecycle.ResendOptions{})
	if !errors.Is(err, lifecycle.ErrForbidden) || !strings.Contains(err.Error(), "Anna Müller") ||
		!strings.Contains(err.Error(), "active") {
		t.Fatalf("resend to an active user: %v", err)
	}
	t.Logf("refused: %v", err)
	if ms := e.mails(t); len(ms) != 2 {
		t.Fatalf("%d mails after the refused resend, want 2", len(ms))
	}
	if counts, _ := e.store.MailCounts(ctx); counts[data.MailQueued] != 0 {
		t.Fatalf("counts %v", counts)
	}
}

func TestHeaderInjectionIsRefusedBeforeQueueing(t *testing.T) {
	const evil = "x@y.example\r\nBcc: evil@z.example"
	srv := smtptest.Start(t, smtptest.RejectRcpt("bounce@example.org", 550, "5.1.1 No such user"))
	e := newEnv(t, srv, mail.SecurityNone)
	ctx := context.Background()

	// Names and addresses with line breaks cannot be stored.
	for _, in := range []lifecycle.UserInput{
		{FirstName: "Anna\r\nBcc: evil@z.example", LastName: "Müller", Email: "anna@example.org"},
		{FirstName: "Anna", LastName: "Müller\nBcc: evil@z.example", Email: "anna@example.org"},
		{FirstName: "Anna", LastName: "Müller", Email: evil},
	} {
		in.RoleID, in.UnitIDs = e.roleID, []string{e.unitID}
		if _, err := e.svc.CreateUser(ctx, in, 0); !errors.Is(err, lifecycle.ErrInvalid) {
			t.Errorf("%q %q %q accepted: %v", in.FirstName, in.LastName, in.Email, err)
		}
	}
	if n, _ := e.store.CountAllUsers(ctx); n != 0 {
		t.Fatalf("%d users stored", n)
	}

	// A pasted list: the address with a line break is invalid, a name with one is
	// dropped.
	res, err := e.svc.InviteEmails(ctx, lifecycle.InviteEmailsInput{
		RoleID: e.roleID, UnitIDs: []string{e.unitID},
		Addresses: []addrlist.Address{{Email: evil}, {Email: "eve@example.org", Name: "Eve\r\nBcc: evil@z.example"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.NotInvited) != 1 || res.NotInvited[0].Kind != lifecycle.NotInvitedInvalid || len(res.Invited) != 1 {
		t.Fatalf("invite: %+v", res)
	}
	m := e.only(t)
	if m.ToAddr != "eve@example.org" || strings.ContainsAny(m.ToName+m.Subject, "\r\n") {
		t.Fatalf("queued %q <%s> %q", m.ToName, m.ToAddr, m.Subject)
	}

	// A template whose subject has a line break is not saved, and a damaged saved
	// one stops the invitation, which then changes nothing.
	bad := mail.Template{Lang: "en", Subject: "Welcome\r\nBcc: evil@z.example", Body: "Your key: {key}"}
	if err := settings.SaveMailTemplate(ctx, e.store, bad); err == nil {
		t.Fatal("a subject with a line break was saved")
	}
	raw, _ := json.Marshal(bad)
	if err := e.store.SetSetting(ctx, "mail.template", string(raw)); err != nil {
		t.Fatal(err)
	}
	c := e.user(t, "Anna", "Müller", "anna@example.org")
	if _, err := e.svc.SendInvitation(ctx, c.User.ID, 0); err == nil || !strings.Contains(err.Error(), "line") {
		t.Fatalf("invitation with a damaged template: %v", err)
	}
	if st := e.status(t, c.User.ID); st != data.StatusNotActivated {
		t.Fatalf("status %s after the refused invitation: the transaction was not undone", st)
	}
	// A multi-line value in the subject is refused as well.
	if err := settings.SaveMailTemplate(ctx, e.store, mail.Template{
		Lang: "en", Subject: "Welcome {invitation_text}",
		Body: "Your key: {key}",
	}); err != nil {
		t.Fatal(err)
	}
	c2, err := e.svc.CreateUser(ctx, lifecycle.UserInput{
		FirstName: "Ben", LastName: "Weber", Email: "ben@example.org",
		RoleID: e.roleID, UnitIDs: []string{e.unitID}, InvitationText: "Hello\nBcc: evil@z.example",
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SendInvitation(ctx, c2.User.ID, 0); !errors.Is(err, lifecycle.ErrInvalid) {
		t.Fatalf("a line break in the subject: %v", err)
	}
	if st := e.status(t, c2.User.ID); st != data.StatusNotActivated {
		t.Fatalf("status %s", st)
	}
	if len(e.mails(t)) != 1 {
		t.Fatalf("%d mails queued, want only Eve's", len(e.mails(t)))
	}
	if err := settings.SaveMailTemplate(ctx, e.store, mail.DefaultTemplate("en")); err != nil {
		t.Fatal(err)
	}

	// A failed invitation cannot be retried to an address with a line break.
	bounceID, _ := e.invite(t, "Bo", "Unce", "bounce@example.org")
	if res := e.mustDrain(t, true); res != (outbox.Result{Sent: 1, Failed: 1}) {
		t.Fatalf("drain: %+v", res)
	}
	failed, err := e.store.Mails(ctx, data.MailQuery{State: data.MailFailed})
	if err != nil || len(failed) != 1 {
		t.Fatalf("failed mails %+v, %v", failed, err)
	}
	if err := e.svc.RetryMail(ctx, failed[0].ID, evil); !errors.Is(err, lifecycle.ErrInvalid) {
		t.Fatalf("retry to %q: %v", evil, err)
	}
	if m := e.mailByID(t, failed[0].ID); m.State != data.MailFailed || m.ToAddr != "bounce@example.org" {
		t.Fatalf("after the refused retry: %+v", m)
	}
	if u, _ := e.store.UserByID(ctx, bounceID); u.Email != "bounce@example.org" {
		t.Fatalf("the user's email became %q", u.Email)
	}
	// The same for a failed mail without a user (a test mail).
	test := &data.Mail{
		Kind: data.MailTest, MessageID: mail.NewMessageID(testFrom), ToAddr: "t@example.org",
		Subject: "Test", TextBody: "Test", State: data.MailFailed, NextAttemptAt: e.now,
	}
	if err := e.store.AddMail(ctx, test); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RetryMail(ctx, test.ID, evil); !errors.Is(err, lifecycle.ErrInvalid) {
		t.Fatalf("retry of a test mail to %q: %v", evil, err)
	}
	if counts, _ := e.store.MailCounts(ctx); counts[data.MailQueued] != 0 {
		t.Fatalf("counts %v", counts)
	}

	// Should such a mail get into the table anyway, the sender refuses it without
	// talking to the server.
	mailsBefore := commands(srv, "MAIL", "")
	sneaked := &data.Mail{
		Kind: data.MailTest, MessageID: mail.NewMessageID(testFrom), ToAddr: evil,
		Subject: "Test", TextBody: "Test", NextAttemptAt: e.now,
	}
	if err := e.store.AddMail(ctx, sneaked); err != nil {
		t.Fatal(err)
	}
	if res := e.mustDrain(t, true); res != (outbox.Result{Failed: 1}) {
		t.Fatalf("drain of the sneaked mail: %+v", res)
	}
	if m := e.mailByID(t, sneaked.ID); m.State != data.MailFailed || m.LastError == "" {
		t.Fatalf("sneaked mail: %+v", m)
	}
	if n := commands(srv, "MAIL", ""); n != mailsBefore {
		t.Fatalf("the server saw %d more MAIL commands", n-mailsBefore)
	}
	// Eve's name lost its line break ("Eve Bcc: evil@z.example" is a quoted name
	// now): no mail has a header line of its own from a user's input.
	for _, r := range srv.Received() {
		head, _, _ := strings.Cut(string(r.Data), "\r\n\r\n")
		for _, line := range strings.Split(head, "\r\n") {
			if strings.HasPrefix(strings.ToLower(line), "bcc") {
				t.Errorf("mail to %v has the header line %q", r.To, line)
			}
		}
		if r.Header.Get("Bcc") != "" || len(r.To) != 1 || r.To[0] == "evil@z.example" {
			t.Errorf("mail to %v carries the injection:\n%s", r.To, head)
		}
	}
}

func TestRunDrainsWhenWokenAndStops(t *testing.T) {
	srv := smtptest.Start(t)
	e := newEnv(t, srv, mail.SecurityNone)
	s := e.sender()
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{}, 1)
	results := make(chan outbox.Result, 10)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s.Run(ctx, wake, func(r outbox.Result, err error) {
			if err != nil {
				t.Errorf("run: %v", err)
			}
			results <- r
		})
	}()
	next := func() outbox.Result {
		t.Helper()
		select {
		case r := <-results:
			return r
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not drain within 30 s")
		}
		return outbox.Result{}
	}
	if r := next(); r != (outbox.Result{}) {
		t.Fatalf("first drain of an empty outbox: %+v", r)
	}
	e.inviteEmails(t, 3)
	wake <- struct{}{}
	if r := next(); r != (outbox.Result{Sent: 3}) {
		t.Fatalf("after wake: %+v", r)
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	if len(srv.Received()) != 3 {
		t.Fatalf("received %d", len(srv.Received()))
	}
}

// cancellingConn cancels the drain's context as soon as the server has accepted
// the mail number at (from 1), as a user closing the window at that moment would.
type cancellingConn struct {
	*mail.Client
	cancel context.CancelFunc
	n, at  int
}

func (c *cancellingConn) Send(ctx context.Context, m *mail.Message) error {
	err := c.Client.Send(ctx, m)
	if c.n++; c.n == c.at {
		c.cancel()
	}
	return err
}

func TestCancelledDrainKeepsWhatTheServerAccepted(t *testing.T) {
	srv := smtptest.Start(t)
	e := newEnv(t, srv, mail.SecurityNone)
	e.inviteEmails(t, 5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := e.sender()
	s.Dial = func(ctx context.Context, c mail.Config) (outbox.Conn, error) {
		cl, err := mail.Dial(ctx, c)
		if err != nil {
			return nil, err
		}
		return &cancellingConn{Client: cl, cancel: cancel, at: 2}, nil
	}
	res, err := s.Drain(ctx, false)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("drain: %+v, %v; want context.Canceled", res, err)
	}
	// The server accepted two mails: both are sent, none is sent again.
	if got := len(srv.Received()); got != 2 || res.Sent != 2 {
		t.Fatalf("the server received %d mails, result %+v; want 2 sent", got, res)
	}
	counts, _ := e.store.MailCounts(context.Background())
	if counts[data.MailSent] != 2 || counts[data.MailQueued] != 3 {
		t.Fatalf("counts %v: a mail the server accepted is still queued", counts)
	}
	// The rest of the batch is given back at once, not held for the lease.
	for _, m := range e.mails(t) {
		if m.ClaimedUntil != nil || (m.State == data.MailQueued && m.Attempts != 0) {
			t.Fatalf("after the cancel: %s %s, %d attempts, claimed until %v", m.ToAddr, m.State, m.Attempts, m.ClaimedUntil)
		}
	}
	if res := e.mustDrain(t, false); res != (outbox.Result{Sent: 3}) || len(srv.Received()) != 5 {
		t.Fatalf("next drain %+v, received %d", res, len(srv.Received()))
	}
}

// lostOnceConn answers its first Send as a client whose idle connection the server
// has closed: nothing sent, and the connection is broken.
type lostOnceConn struct {
	*mail.Client
	lost *bool
	gone bool
}

func (c *lostOnceConn) Send(ctx context.Context, m *mail.Message) error {
	if !*c.lost {
		*c.lost, c.gone = true, true
		return &mail.SendError{Temporary: true, Err: mail.ErrConnectionLost}
	}
	return c.Client.Send(ctx, m)
}

func (c *lostOnceConn) Broken() bool { return c.gone || c.Client.Broken() }

func TestLostIdleConnectionIsRedialledInTheSameDrain(t *testing.T) {
	srv := smtptest.Start(t)
	e := newEnv(t, srv, mail.SecurityNone)
	e.inviteEmails(t, 3)
	lost, dials := false, 0
	s := e.sender()
	s.Dial = func(ctx context.Context, c mail.Config) (outbox.Conn, error) {
		dials++
		cl, err := mail.Dial(ctx, c)
		if err != nil {
			return nil, err
		}
		return &lostOnceConn{Client: cl, lost: &lost}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// "mail send": everything goes out, so the outbox is empty afterwards.
	res, err := s.Drain(ctx, true)
	if err != nil || res != (outbox.Result{Sent: 3}) {
		t.Fatalf("drain: %+v, %v", res, err)
	}
	if dials != 2 || len(srv.Received()) != 3 {
		t.Fatalf("%d dials, %d received", dials, len(srv.Received()))
	}
	for _, m := range e.mails(t) {
		if m.State != data.MailSent || m.Attempts != 1 {
			t.Fatalf("%s: %s, %d attempts (the lost connection must not count)", m.ToAddr, m.State, m.Attempts)
		}
	}
}

// clockConn moves the test's clock after each mail, as a slow server would, and
// runs hook after the mail number at.
type clockConn struct {
	*mail.Client
	e     *env
	step  time.Duration
	n, at int
	hook  func()
}

func (c *clockConn) Send(ctx context.Context, m *mail.Message) error {
	err := c.Client.Send(ctx, m)
	c.e.now = c.e.now.Add(c.step)
	if c.n++; c.n == c.at {
		c.hook()
	}
	return err
}

func TestSlowSenderKeepsItsBatchFromAnotherSender(t *testing.T) {
	srv := smtptest.Start(t)
	e := newEnv(t, srv, mail.SecurityNone)
	e.inviteEmails(t, 6)
	var other outbox.Result
	a := e.sender()
	a.Batch, a.Lease = 6, 2*time.Minute
	a.Dial = func(ctx context.Context, c mail.Config) (outbox.Conn, error) {
		cl, err := mail.Dial(ctx, c)
		if err != nil {
			return nil, err
		}
		// 45 s a mail: after the fourth, three minutes after the claim, a second
		// sender (the window while "mail send" runs) drains.
		return &clockConn{Client: cl, e: e, step: 45 * time.Second, at: 4, hook: func() {
			other = e.mustDrain(t, false)
		}}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := a.Drain(ctx, false)
	if err != nil || res != (outbox.Result{Sent: 6}) {
		t.Fatalf("slow sender: %+v, %v", res, err)
	}
	if other != (outbox.Result{}) {
		t.Fatalf("the second sender took mails of the first one's batch: %+v", other)
	}
	seen := map[string]int{}
	for _, r := range srv.Received() {
		seen[r.MessageID]++
	}
	if len(srv.Received()) != 6 || len(seen) != 6 {
		t.Fatalf("received %d mails with %d Message-IDs, want 6 once each", len(srv.Received()), len(seen))
	}
}

func TestDrainSkipsMoreIDsThanSQLiteHasVariables(t *testing.T) {
	e := newEnv(t, nil, mail.SecurityNone)
	e.inviteEmails(t, 3)
	ms := e.mails(t)
	skip := []string{ms[0].ID}
	for i := range 40_000 {
		skip = append(skip, "no-such-mail-"+string(rune('a'+i%26))+strings.Repeat("x", i%7))
	}
	got, err := e.store.ClaimMails(context.Background(), e.now, time.Minute, 50, true, skip)
	if err != nil || len(got) != 2 {
		t.Fatalf("claim skipping 40,001 IDs: %d mails, %v", len(got), err)
	}
	for _, m := range got {
		if m.ID == ms[0].ID {
			t.Fatal("a skipped mail was claimed")
		}
	}
}
