package lifecycle

import (
	"context"
	"strings"
	"testing"

	"onboard/data"
	"onboard/internal/settings"
)

// mails returns the outbox, newest first.
func (f *fixture) mails(t *testing.T) []data.Mail {
	t.Helper()
	ms, err := f.store.Mails(context.Background(), data.MailQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestImportWithInviteQueuesOneMailPerAddress(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := settings.Set(ctx, f.store, settings.RegistrationURL, "https://onboard.example.org"); err != nil {
		t.Fatal(err)
	}
	in := func(first, email string) ImportCreate {
		return ImportCreate{In: UserInput{FirstName: first, LastName: "Import", Email: email, Username: strings.ToLower(first), RoleID: f.roleID, UnitIDs: f.units[:1]}}
	}
	out, err := f.svc.Import(ctx, &ImportBatch{
		FileName: "list.csv", Invite: true,
		Create: []ImportCreate{in("Anna", "anna@example.org"), in("Ben", ""), in("Cem", "cem@example.org")},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ms := f.mails(t)
	if len(ms) != 2 {
		t.Fatalf("%d mails queued, want 2 (Ben has no address)", len(ms))
	}
	keys := map[string]string{}
	for _, c := range out.Created {
		keys[c.UserID] = c.Key
	}
	for _, m := range ms {
		key := keys[*m.UserID]
		if m.State != data.MailQueued || !strings.Contains(m.TextBody, "https://onboard.example.org/register?key="+key) ||
			!strings.Contains(m.HTMLBody, key) || m.MessageID == "" {
			t.Errorf("mail to %s: %+v", m.ToAddr, m)
		}
	}
	if st := f.status(t, out.Created[1].UserID); st != data.StatusNotActivated {
		t.Errorf("Ben without an address is %s", st)
	}
}

func TestInvitationMailsFollowTheTemplateAndCancelTheOldOne(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := settings.Set(ctx, f.store, settings.OrgName, "Schule am See"); err != nil {
		t.Fatal(err)
	}
	c := f.create(t, "Zoë", "Weiß", "zoe@example.org")
	inv, err := f.svc.SendInvitation(ctx, c.User.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	ms := f.mails(t)
	if len(ms) != 1 || ms[0].Subject != "Your account at Schule am See" || ms[0].ToName != "Zoë Weiß" ||
		!strings.Contains(ms[0].TextBody, inv.Key) {
		t.Fatalf("invitation mail %+v", ms)
	}
	again, err := f.svc.ResendInvitation(ctx, c.User.ID, ResendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms = f.mails(t)
	if len(ms) != 2 || ms[0].State != data.MailQueued || !strings.Contains(ms[0].TextBody, again.Key) ||
		ms[1].State != data.MailCancelled || ms[1].LastError != "replaced by a newer invitation" {
		t.Fatalf("after the resend: %+v", ms)
	}
	// A damaged template stops the invitation and writes nothing.
	if err := f.store.SetSetting(ctx, "mail.template", `{"Subject":"Hi {nope}","Body":"x"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ResendInvitation(ctx, c.User.ID, ResendOptions{}); err == nil || !strings.Contains(err.Error(), "{nope}") {
		t.Fatalf("resend with a bad template: %v", err)
	}
	if got := f.mails(t); len(got) != 2 {
		t.Fatalf("%d mails after the refused resend", len(got))
	}
}

func TestRetryOfAReplacedInvitationSendsANewKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.create(t, "Anna", "Alt", "anna@example.org")
	if _, err := f.svc.SendInvitation(ctx, c.User.ID, 0); err != nil {
		t.Fatal(err)
	}
	old := f.mails(t)[0]
	fail := data.MailResult{State: data.MailFailed, Attempts: 1, Error: "550 no", At: f.now}
	if err := f.store.RecordMailAttempt(ctx, old.ID, fail); err != nil {
		t.Fatal(err)
	}
	// The failed mail still holds the live key: retry sends it again as it is.
	if err := f.svc.RetryMail(ctx, old.ID, ""); err != nil {
		t.Fatal(err)
	}
	if ms := f.mails(t); len(ms) != 1 || ms[0].State != data.MailQueued {
		t.Fatalf("after retry: %+v", ms)
	}
	if err := f.store.RecordMailAttempt(ctx, old.ID, fail); err != nil {
		t.Fatal(err)
	}
	// A new key makes the old mail useless: retry sends a new invitation instead.
	if _, err := f.svc.NewKey(ctx, c.User.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RetryMail(ctx, old.ID, ""); err != nil {
		t.Fatal(err)
	}
	live, _ := f.store.LiveKey(ctx, c.User.ID)
	ms := f.mails(t)
	if len(ms) != 2 || ms[0].State != data.MailQueued || !strings.Contains(ms[0].TextBody, live.Key) || ms[1].State != data.MailFailed {
		t.Fatalf("after retry of a stale mail: %+v", ms)
	}
}
