package screens

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/lifecycle"
	"onboard/internal/mail"
	"onboard/internal/settings"
	"onboard/screens/internal/uitest"
)

// outboxFixture is a store whose outbox holds mails in every state.
type outboxFixture struct {
	st     *data.Store
	svc    *lifecycle.Service
	byAddr map[string]*data.User // the invited users by address
	mailOf map[string]string     // the ID of each address's first mail
}

// rejected is the answer the failed mails got.
const rejected = "recipient <%s>: the mail server answered 550 5.1.1 <%s>: Recipient address rejected"

// newOutbox invites five people and settles their mails: anna's is sent, ben's and
// cem's failed, dana's is waiting, and eva's first was cancelled by a resend, whose
// mail waits too.
func newOutbox(t *testing.T) *outboxFixture {
	t.Helper()
	st, _, base := uitest.OpenStore(t)
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
	f := &outboxFixture{st: st, svc: svc, byAddr: map[string]*data.User{}, mailOf: map[string]string{}}
	for _, inv := range res.Invited {
		f.byAddr[inv.User.Email] = inv.User
		mails, err := st.Mails(ctx, data.MailQuery{UserID: inv.User.ID})
		if err != nil || len(mails) != 1 {
			t.Fatalf("mails of %s: %v, %v", inv.User.Email, mails, err)
		}
		f.mailOf[inv.User.Email] = mails[0].ID
	}
	if _, err := svc.ResendInvitation(ctx, f.byAddr["eva@example.org"].ID, lifecycle.ResendOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := st.ClaimMails(ctx, now, time.Minute, 100, false, nil); err != nil {
		t.Fatal(err)
	}
	record := func(addr string, r data.MailResult) {
		r.At = now
		if err := st.RecordMailAttempt(ctx, f.mailOf[addr], r); err != nil {
			t.Fatal(err)
		}
	}
	record("anna@example.org", data.MailResult{State: data.MailSent, Attempts: 1})
	for _, a := range []string{"ben@exmaple.org", "cem@exmaple.org"} {
		record(a, data.MailResult{State: data.MailFailed, Attempts: 1, Error: strings.ReplaceAll(rejected, "%s", a)})
	}
	record("dana@example.org", data.MailResult{
		State: data.MailQueued, Attempts: 1, NextAttemptAt: now.Add(time.Hour),
		Error: "the mail server answered 451 4.3.0 Try again later",
	})
	mails, err := st.Mails(ctx, data.MailQuery{UserID: f.byAddr["eva@example.org"].ID, State: data.MailQueued})
	if err != nil || len(mails) != 1 {
		t.Fatalf("eva's new mail: %v, %v", mails, err)
	}
	if err := st.RecordMailAttempt(ctx, mails[0].ID, data.MailResult{State: data.MailQueued, NextAttemptAt: now, At: now}); err != nil {
		t.Fatal(err)
	}
	return f
}

func openMail(t *testing.T, f *outboxFixture) (*MailScreen, fyne.Window, *int) {
	t.Helper()
	s, w := showScreen(t, 1200, 800, func(w fyne.Window) *MailScreen { return NewMailScreen(f.st, f.svc, w) })
	queued := 0
	s.OnQueued = func() { queued++ }
	return s, w, &queued
}

// rowOf finds the table row of the mail to addr, loading the pages.
func rowOf(t *testing.T, s *MailScreen, addr string) int {
	t.Helper()
	for row := 0; row < s.Total(); row++ {
		if s.CellText(row, 0) == "" {
			uitest.Settle(s.wait)
		}
		if s.CellText(row, 0) == addr {
			return row
		}
	}
	t.Fatalf("no mail to %s in the table", addr)
	return -1
}

func TestMailScreenListsTheOutboxWithCountsPerState(t *testing.T) {
	test.NewTempApp(t)
	f := newOutbox(t)
	s, w, _ := openMail(t, f)
	want := map[data.MailState]int{data.MailQueued: 2, data.MailSent: 1, data.MailFailed: 2, data.MailCancelled: 1}
	for st, n := range want {
		if s.Counts()[st] != n {
			t.Errorf("%s: %d, want %d", st, s.Counts()[st], n)
		}
	}
	if s.Total() != 6 {
		t.Fatalf("total %d", s.Total())
	}
	opts := strings.Join(s.stateSelect.Options, "|")
	if opts != "All mails (6)|Queued (2)|Sent (1)|Failed (2)|Cancelled (1)" || s.stateSelect.Selected != "All mails (6)" {
		t.Errorf("filter %q, selected %q", opts, s.stateSelect.Selected)
	}
	if !uitest.Texts(w)["6 mails: 2 queued, 1 sent, 2 failed, 1 cancelled"] {
		t.Error("no summary")
	}
	// Newest first: eva's second invitation was queued last.
	s.CellText(0, 0)
	uitest.Settle(s.wait)
	if got := s.CellText(0, 0); got != "eva@example.org" || s.CellText(0, 3) != "Queued" || s.CellText(0, 5) != "now" {
		t.Errorf("first row: %q %q %q", got, s.CellText(0, 3), s.CellText(0, 5))
	}
	if got := s.CellText(0, 1); got != "Your account at Gymnasium am Stadtpark" {
		t.Errorf("subject %q", got)
	}
	anna := rowOf(t, s, "anna@example.org")
	if s.CellText(anna, 3) != "Sent" || s.CellText(anna, 5) == "" || s.CellText(anna, 4) != "1" {
		t.Errorf("anna: %q %q %q", s.CellText(anna, 3), s.CellText(anna, 4), s.CellText(anna, 5))
	}
	dana := rowOf(t, s, "dana@example.org")
	if !strings.Contains(s.CellText(dana, 6), "451 4.3.0 Try again later") {
		t.Errorf("dana's answer %q", s.CellText(dana, 6))
	}

	s.stateSelect.SetSelected("Failed (2)")
	uitest.Settle(s.wait)
	if s.Total() != 2 {
		t.Fatalf("failed: total %d", s.Total())
	}
	s.CellText(0, 0)
	uitest.Settle(s.wait)
	for row := range 2 {
		if s.CellText(row, 3) != "Failed" || !strings.Contains(s.CellText(row, 6), "550 5.1.1") {
			t.Errorf("failed row %d: %q %q", row, s.CellText(row, 3), s.CellText(row, 6))
		}
	}
	// Choosing a row shows the full answer and the actions.
	s.table.Select(widget.TableCellID{Row: 0, Col: 2})
	uitest.Settle(s.wait)
	if !strings.Contains(s.answer.Text, "Recipient address rejected") || !s.retry.Visible() || !s.editAddr.Visible() {
		t.Errorf("detail: %q, retry %v, edit %v", s.answer.Text, s.retry.Visible(), s.editAddr.Visible())
	}

	s.SetState(data.MailSent)
	uitest.Settle(s.wait)
	if s.Total() != 1 || s.stateSelect.Selected != "Sent (1)" {
		t.Errorf("sent: total %d, selected %q", s.Total(), s.stateSelect.Selected)
	}
}

func TestMailScreenRetryQueuesAFailedMailAgain(t *testing.T) {
	test.NewTempApp(t)
	f := newOutbox(t)
	s, _, queued := openMail(t, f)
	s.SetState(data.MailFailed)
	uitest.Settle(s.wait)
	row := rowOf(t, s, "ben@exmaple.org")
	for _, it := range s.rowMenuItems(s.mailAt(row)) {
		if it.Label == "Retry" {
			it.Action()
		}
	}
	uitest.Settle(s.wait)
	m, err := f.st.MailByID(context.Background(), f.mailOf["ben@exmaple.org"])
	if err != nil {
		t.Fatal(err)
	}
	if m.State != data.MailQueued || m.Attempts != 0 || m.LastError != "" || m.ToAddr != "ben@exmaple.org" {
		t.Errorf("after retry: %s, %d attempts, %q, to %s", m.State, m.Attempts, m.LastError, m.ToAddr)
	}
	if *queued != 1 {
		t.Errorf("the sender was woken %d times", *queued)
	}
	if s.Total() != 1 || s.Counts()[data.MailQueued] != 3 || s.Counts()[data.MailFailed] != 1 {
		t.Errorf("after retry: total %d, counts %v", s.Total(), s.Counts())
	}
}

func TestMailScreenEditAddressAndResend(t *testing.T) {
	test.NewTempApp(t)
	f := newOutbox(t)
	ctx := context.Background()
	s, w, queued := openMail(t, f)
	s.SetState(data.MailFailed)
	uitest.Settle(s.wait)
	row := rowOf(t, s, "cem@exmaple.org")
	for _, it := range s.rowMenuItems(s.mailAt(row)) {
		if it.Label == "Edit address and resend…" {
			it.Action()
		}
	}
	e := s.lastEdit
	if e == nil || e.entry.Text != "cem@exmaple.org" {
		t.Fatal("no dialog with the refused address")
	}
	uitest.MustShow(t, w, "Recipient address rejected")

	// A bad address: the dialog says why and nothing changes.
	for _, bad := range []struct{ addr, msg string }{
		{"cem@example", "is not a valid email address"},
		{"anna@example.org", "Already used by"},
	} {
		e.entry.SetText(bad.addr)
		test.Tap(uitest.Button(t, w, "Resend"))
		uitest.Settle(s.wait)
		if !e.msg.Visible() || !strings.Contains(e.msg.Text, bad.msg) {
			t.Errorf("%s: message %q", bad.addr, e.msg.Text)
		}
		if n, _ := f.st.MailCounts(ctx); n[data.MailQueued] != 2 {
			t.Fatalf("%s: queued %d", bad.addr, n[data.MailQueued])
		}
	}
	if *queued != 0 {
		t.Error("the sender was woken for a refused address")
	}

	// A good address: the user's email changes and a new invitation is queued.
	e.entry.SetText("cem@example.org")
	test.Tap(uitest.Button(t, w, "Resend"))
	uitest.Settle(s.wait)
	if e.msg.Visible() {
		t.Fatalf("message %q", e.msg.Text)
	}
	u, err := f.st.UserByID(ctx, f.byAddr["cem@exmaple.org"].ID)
	if err != nil || u.Email != "cem@example.org" {
		t.Fatalf("user after resend: %+v, %v", u, err)
	}
	mails, err := f.st.Mails(ctx, data.MailQuery{UserID: u.ID})
	if err != nil || len(mails) != 2 {
		t.Fatalf("cem's mails: %v, %v", mails, err)
	}
	if mails[0].State != data.MailQueued || mails[0].ToAddr != "cem@example.org" || mails[1].State != data.MailFailed {
		t.Errorf("newest %s to %s, older %s", mails[0].State, mails[0].ToAddr, mails[1].State)
	}
	if *queued != 1 {
		t.Errorf("the sender was woken %d times", *queued)
	}
	if s.Counts()[data.MailQueued] != 3 {
		t.Errorf("counts after resend %v", s.Counts())
	}
}

func TestMailTemplateEditorShowsPlaceholderErrorsPreviewsAndSaves(t *testing.T) {
	test.NewTempApp(t)
	f := newOutbox(t)
	s, w, _ := openMail(t, f)
	s.ShowTemplate()
	uitest.Settle(s.wait)
	e := s.template
	if e.Template() != mail.DefaultTemplate("en") || s.CanSaveTemplate() {
		t.Fatalf("template without a saved one: %+v, can save %v", e.Template(), s.CanSaveTemplate())
	}
	if e.prevSubject.Text != "Subject: Your account at Gymnasium am Stadtpark" || !strings.Contains(e.prevText.Text, "Dear Zoë Łukasiewicz,") {
		t.Errorf("preview: %q\n%s", e.prevSubject.Text, e.prevText.Text)
	}
	if !strings.Contains(e.prevNote.Text, "HTML version") {
		t.Errorf("note %q", e.prevNote.Text)
	}

	e.body.SetText("Hello {first_name},\nplease welcome {frist_name} too.")
	msg := s.TemplateError()
	for _, want := range []string{"Body, line 2, column 16", "{frist_name}"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if s.CanSaveTemplate() {
		t.Error("Save template is enabled with a placeholder error")
	}
	e.subject.SetText("Willkommen\nbei uns")
	if !strings.Contains(s.TemplateError(), "single line") {
		t.Errorf("two-line subject: %q", s.TemplateError())
	}

	e.subject.SetText("Willkommen bei {organization}")
	e.body.SetText("Hallo {first_name},\nIhr Schlüssel: {key}\nGültig bis {valid_until}")
	e.lang.SetSelected("Deutsch")
	if s.TemplateError() != "" || !s.CanSaveTemplate() {
		t.Fatalf("a good template: error %q, can save %v", s.TemplateError(), s.CanSaveTemplate())
	}
	if e.prevSubject.Text != "Subject: Willkommen bei Gymnasium am Stadtpark" ||
		!strings.Contains(e.prevText.Text, "Hallo Zoë,\nIhr Schlüssel: 7QK3M-XW9RT-2HDPA-EB4N6-VCJ5F") {
		t.Errorf("the preview does not follow the template: %q\n%s", e.prevSubject.Text, e.prevText.Text)
	}
	test.Tap(uitest.Button(t, w, "Save template"))
	uitest.Settle(s.wait)
	saved, err := settings.MailTemplate(context.Background(), f.st)
	if err != nil {
		t.Fatal(err)
	}
	want := mail.Template{Lang: "de", Subject: "Willkommen bei {organization}", Body: "Hallo {first_name},\nIhr Schlüssel: {key}\nGültig bis {valid_until}"}
	if saved != want {
		t.Fatalf("stored %+v, want %+v", saved, want)
	}
	if s.CanSaveTemplate() || !uitest.Texts(w)["Template saved. New invitations use it."] {
		t.Error("after saving: Save still enabled or no confirmation")
	}

	// Start from a default asks before replacing the admin's text.
	e.StartFrom("en")
	if e.Template() != want {
		t.Fatal("the text was replaced without asking")
	}
	test.Tap(uitest.Button(t, w, "Replace"))
	if e.Template() != mail.DefaultTemplate("en") {
		t.Fatalf("after confirming: %+v", e.Template())
	}
	test.Tap(uitest.Button(t, w, "Revert"))
	if e.Template() != want {
		t.Errorf("after revert: %+v", e.Template())
	}
}

func TestUsersScreenShowsAFailedInvitationMail(t *testing.T) {
	test.NewTempApp(t)
	f := newOutbox(t)
	s, w := newScreen(t, f.st, f.svc)
	s.SetStatusFilter(data.StatusInvited)
	uitest.Settle(s.wait)
	statuses := map[string]string{}
	for row := 0; row < s.Total(); row++ {
		s.CellText(row, 0)
		uitest.Settle(s.wait)
		statuses[s.CellText(row, 2)] = s.CellText(row, colStatus)
	}
	want := map[string]string{
		"anna@example.org": "Invited", "ben@exmaple.org": "Invited · mail failed",
		"cem@exmaple.org": "Invited · mail failed", "dana@example.org": "Invited", "eva@example.org": "Invited",
	}
	for a, st := range want {
		if statuses[a] != st {
			t.Errorf("%s: status %q, want %q", a, statuses[a], st)
		}
	}
	s.detail.show(f.byAddr["ben@exmaple.org"].ID)
	uitest.Settle(s.wait)
	if got := s.detail.values["Invitation"].Text; got != "Email failed" {
		t.Errorf("detail: %q", got)
	}
	if got := s.detail.failure.Text; !strings.Contains(got, "550 5.1.1 <ben@exmaple.org>: Recipient address rejected") {
		t.Errorf("the server's answer: %q", got)
	}
	test.Tap(uitest.Button(t, w, "Resend invitation…"))
	if !uitest.Texts(w)["Resend invitation to "+f.byAddr["ben@exmaple.org"].FullName()] {
		t.Error("no resend dialog")
	}
	w.Canvas().Overlays().Top().Hide()
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())

	// A user who registered meanwhile: the button stays, and the refusal of the
	// lifecycle is shown as it is.
	cem := f.byAddr["cem@exmaple.org"]
	if _, err := f.svc.MarkRegistered(context.Background(), cem.ID); err != nil {
		t.Fatal(err)
	}
	s.detail.show(cem.ID)
	uitest.Settle(s.wait)
	test.Tap(uitest.Button(t, w, "Resend invitation…"))
	test.Tap(uitest.Button(t, w, "Resend"))
	uitest.Settle(s.wait)
	uitest.MustShow(t, w, "the user is active")
	s.detail.show(f.byAddr["dana@example.org"].ID)
	uitest.Settle(s.wait)
	if got := s.detail.values["Invitation"].Text; got != "Email queued, not sent yet" || s.detail.mailBox.Visible() {
		t.Errorf("dana: %q, resend shown %v", got, s.detail.resend.Visible())
	}
}
