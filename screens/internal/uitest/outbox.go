package uitest

import (
	"context"
	"strings"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
)

// Outbox is a store whose outbox holds mails in every state.
type Outbox struct {
	St     *data.Store
	Svc    *lifecycle.Service
	ByAddr map[string]*data.User // the invited users by address
	MailOf map[string]string     // the ID of each address's first mail
}

// Rejected is the answer the failed mails got.
const Rejected = "recipient <%s>: the mail server answered 550 5.1.1 <%s>: Recipient address Rejected"

// NewOutbox invites five people and settles their mails: anna's is sent, ben's and
// cem's failed, dana's is waiting, and eva's first was cancelled by a resend, whose
// mail waits too.
func NewOutbox(t *testing.T) *Outbox {
	t.Helper()
	st, _, base := OpenStore(t)
	svc := lifecycle.New(st)
	ctx := context.Background()
	if _, err := settings.Set(ctx, st, settings.OrgName, "Gymnasium am Stadtpark"); err != nil {
		t.Fatal(err)
	}
	var addrs []addrlist.Address
	for _, a := range []string{"anna@example.org", "ben@exmaple.org", "cem@exmaple.org", "dana@example.org", "eva@example.org"} {
		addrs = append(addrs, addrlist.Address{Email: a})
	}
	res, err := svc.InviteEmails(ctx, lifecycle.InviteEmailsInput{Addresses: addrs, RoleID: base.RoleID, UnitIDs: base.UnitIDs})
	if err != nil || len(res.Invited) != 5 {
		t.Fatalf("invite: %v, %+v", err, res)
	}
	f := &Outbox{St: st, Svc: svc, ByAddr: map[string]*data.User{}, MailOf: map[string]string{}}
	for _, inv := range res.Invited {
		f.ByAddr[inv.User.Email] = inv.User
		mails, err := st.Mails(ctx, data.MailQuery{UserID: inv.User.ID})
		if err != nil || len(mails) != 1 {
			t.Fatalf("mails of %s: %v, %v", inv.User.Email, mails, err)
		}
		f.MailOf[inv.User.Email] = mails[0].ID
	}
	if _, err := svc.ResendInvitation(ctx, f.ByAddr["eva@example.org"].ID, lifecycle.ResendOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := st.ClaimMails(ctx, now, time.Minute, 100, false, nil); err != nil {
		t.Fatal(err)
	}
	record := func(addr string, r data.MailResult) {
		r.At = now
		if err := st.RecordMailAttempt(ctx, f.MailOf[addr], r); err != nil {
			t.Fatal(err)
		}
	}
	record("anna@example.org", data.MailResult{State: data.MailSent, Attempts: 1})
	for _, a := range []string{"ben@exmaple.org", "cem@exmaple.org"} {
		record(a, data.MailResult{State: data.MailFailed, Attempts: 1, Error: strings.ReplaceAll(Rejected, "%s", a)})
	}
	record("dana@example.org", data.MailResult{
		State: data.MailQueued, Attempts: 1, NextAttemptAt: now.Add(time.Hour),
		Error: "the mail server answered 451 4.3.0 Try again later",
	})
	mails, err := st.Mails(ctx, data.MailQuery{UserID: f.ByAddr["eva@example.org"].ID, State: data.MailQueued})
	if err != nil || len(mails) != 1 {
		t.Fatalf("eva's new mail: %v, %v", mails, err)
	}
	if err := st.RecordMailAttempt(ctx, mails[0].ID, data.MailResult{State: data.MailQueued, NextAttemptAt: now, At: now}); err != nil {
		t.Fatal(err)
	}
	return f
}
