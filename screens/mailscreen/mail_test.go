package mailscreen

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/mail"
	"onboard/internal/settings"
	"onboard/screens/internal/uitest"
)

func openMail(t *testing.T, f *uitest.Outbox) (*Screen, fyne.Window, *int) {
	t.Helper()
	s, w := uitest.ShowScreen(t, 1200, 800, func(w fyne.Window) *Screen { return New(f.St, f.Svc, w) }, (*Screen).wait)
	queued := 0
	s.OnQueued = func() { queued++ }
	return s, w, &queued
}

// rowOf finds the table row of the mail to addr, loading the pages.
func rowOf(t *testing.T, s *Screen, addr string) int {
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
	f := uitest.NewOutbox(t)
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
	if !strings.Contains(s.answer.Text, "Recipient address Rejected") || !s.retry.Visible() || !s.editAddr.Visible() {
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
	f := uitest.NewOutbox(t)
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
	m, err := f.St.MailByID(context.Background(), f.MailOf["ben@exmaple.org"])
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
	f := uitest.NewOutbox(t)
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
	uitest.MustShow(t, w, "Recipient address Rejected")

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
		if n, _ := f.St.MailCounts(ctx); n[data.MailQueued] != 2 {
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
	u, err := f.St.UserByID(ctx, f.ByAddr["cem@exmaple.org"].ID)
	if err != nil || u.Email != "cem@example.org" {
		t.Fatalf("user after resend: %+v, %v", u, err)
	}
	mails, err := f.St.Mails(ctx, data.MailQuery{UserID: u.ID})
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
	f := uitest.NewOutbox(t)
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

	e.Body.SetText("Hello {first_name},\nplease welcome {frist_name} too.")
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
	e.Body.SetText("Hallo {first_name},\nIhr Schlüssel: {key}\nGültig bis {valid_until}")
	e.Lang.SetSelected("Deutsch")
	if s.TemplateError() != "" || !s.CanSaveTemplate() {
		t.Fatalf("a good template: error %q, can save %v", s.TemplateError(), s.CanSaveTemplate())
	}
	if e.prevSubject.Text != "Subject: Willkommen bei Gymnasium am Stadtpark" ||
		!strings.Contains(e.prevText.Text, "Hallo Zoë,\nIhr Schlüssel: 7QK3M-XW9RT-2HDPA-EB4N6-VCJ5F") {
		t.Errorf("the preview does not follow the template: %q\n%s", e.prevSubject.Text, e.prevText.Text)
	}
	test.Tap(uitest.Button(t, w, "Save template"))
	uitest.Settle(s.wait)
	saved, err := settings.MailTemplate(context.Background(), f.St)
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
