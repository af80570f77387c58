package screens

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/screens/internal/uitest"
)

func TestUsersScreenShowsAFailedInvitationMail(t *testing.T) {
	test.NewTempApp(t)
	f := uitest.NewOutbox(t)
	s, w := newScreen(t, f.St, f.Svc)
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
	s.detail.show(f.ByAddr["ben@exmaple.org"].ID)
	uitest.Settle(s.wait)
	if got := s.detail.values["Invitation"].Text; got != "Email failed" {
		t.Errorf("detail: %q", got)
	}
	if got := s.detail.failure.Text; !strings.Contains(got, "550 5.1.1 <ben@exmaple.org>: Recipient address Rejected") {
		t.Errorf("the server's answer: %q", got)
	}
	test.Tap(uitest.Button(t, w, "Resend invitation…"))
	if !uitest.Texts(w)["Resend invitation to "+f.ByAddr["ben@exmaple.org"].FullName()] {
		t.Error("no resend dialog")
	}
	w.Canvas().Overlays().Top().Hide()
	w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())

	// A user who registered meanwhile: the button stays, and the refusal of the
	// lifecycle is shown as it is.
	cem := f.ByAddr["cem@exmaple.org"]
	if _, err := f.Svc.MarkRegistered(context.Background(), cem.ID); err != nil {
		t.Fatal(err)
	}
	s.detail.show(cem.ID)
	uitest.Settle(s.wait)
	test.Tap(uitest.Button(t, w, "Resend invitation…"))
	test.Tap(uitest.Button(t, w, "Resend"))
	uitest.Settle(s.wait)
	uitest.MustShow(t, w, "the user is active")
	s.detail.show(f.ByAddr["dana@example.org"].ID)
	uitest.Settle(s.wait)
	if got := s.detail.values["Invitation"].Text; got != "Email queued, not sent yet" || s.detail.mailBox.Visible() {
		t.Errorf("dana: %q, resend shown %v", got, s.detail.resend.Visible())
	}
}
