package screens

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/screens/internal/uikit"
	"onboard/screens/internal/uitest"
)

// newBulkInvite shows the bulk invite on a test window, loaded, with a store that
// has one role, one unit and a second unit.
func newBulkInvite(t *testing.T) (*BulkInvite, fyne.Window, *data.Store, *lifecycle.Service, lifecycle.UserInput) {
	t.Helper()
	st, svc, base := uitest.OpenStore(t)
	if err := st.CreateUnit(context.Background(), &data.Unit{Name: "Werk Nord"}); err != nil {
		t.Fatal(err)
	}
	b, w := showBulkInvite(t, st, svc)
	return b, w, st, svc, base
}

// showBulkInvite shows the bulk invite on a test window, loaded.
func showBulkInvite(t *testing.T, cat Catalog, svc EmailInviter) (*BulkInvite, fyne.Window) {
	t.Helper()
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	b := NewBulkInvite(cat, svc, w)
	w.SetContent(b.Content())
	w.Resize(fyne.NewSize(900, 700))
	uitest.Settle(b.wait)
	return b, w
}

func TestBulkInvitePasteInviteAndSendMore(t *testing.T) {
	test.NewTempApp(t)
	b, w, st, svc, base := newBulkInvite(t)
	uitest.CreateUser(t, svc, base, "Anna", "Müller", "anna@example.org")
	if !b.invite.Disabled() || b.invite.Text != "Invite 0 people" || b.summary.Text != "0 addresses recognised" {
		t.Fatalf("empty form: button %q disabled %v, summary %q", b.invite.Text, b.invite.Disabled(), b.summary.Text)
	}
	if b.role.Selected != "Teacher" || len(b.unitBox.Selected()) != 0 || b.days.Text != "7" {
		t.Fatalf("defaults: role %q, units %v, days %q", b.role.Selected, b.unitBox.Selected(), b.days.Text)
	}

	// Paste a list, then type one more address.
	clipboard := fyne.CurrentApp().Clipboard()
	clipboard.SetContent("ANNA@example.org, \"Weber, Ben\" <ben@example.org>\ncem@example.org; dora@example\nhello\n")
	b.entry.TypedShortcut(&fyne.ShortcutPaste{Clipboard: clipboard})
	test.Type(b.entry, "Elif Doğan <elif@example.org>")
	if !b.invite.Disabled() {
		t.Fatal("the button is enabled before the list was read")
	}
	uitest.Settle(b.wait)
	if b.summary.Text != "4 addresses recognised · 2 could not be read" {
		t.Fatalf("summary %q of %q", b.summary.Text, b.entry.Text)
	}
	shown := uitest.Texts(w)
	for _, want := range []string{`dora@example — "dora@example" is not a valid email address`, "hello — not an email address"} {
		if !shown[want] {
			t.Errorf("unreadable part %q not listed; texts %v", want, uitest.Keys(shown))
		}
	}
	if !b.invite.Disabled() {
		t.Fatal("the button is enabled without a unit")
	}
	b.unitBox.SetSelected([]string{"Werk Süd", "Werk Nord"})
	b.days.SetText("0")
	if !b.invite.Disabled() || !uitest.Texts(w)["Enter how many days the keys are valid: a whole number from 1 to 180."] {
		t.Fatal("a validity of 0 days is not pointed out")
	}
	b.days.SetText("14")
	if b.invite.Disabled() || b.invite.Text != "Invite 4 people" {
		t.Fatalf("button %q disabled %v", b.invite.Text, b.invite.Disabled())
	}

	var reported *lifecycle.InviteEmailsResult
	b.OnInvited = func(res *lifecycle.InviteEmailsResult) { reported = res }
	test.Tap(b.invite)
	uitest.Settle(b.wait)
	if b.Last == nil || len(b.Last.Invited) != 3 || reported != b.Last {
		t.Fatalf("result %+v; texts %v", b.Last, uitest.Keys(uitest.Texts(w)))
	}
	shown = uitest.Texts(w)
	for _, want := range []string{
		"3 invited", "Not invited (3):", "ANNA@example.org — already a member (Anna Müller)",
		`dora@example — could not be read: "dora@example" is not a valid email address`,
		"hello — could not be read: not an email address", "Send more invites",
	} {
		if !shown[want] {
			t.Errorf("result does not show %q; texts %v", want, uitest.Keys(shown))
		}
	}
	if shown["Invite 4 people"] {
		t.Error("the form is still shown beside the result")
	}
	ctx := context.Background()
	rows, err := st.ListUsers(ctx, data.UserQuery{Status: data.StatusInvited}, svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join([]string{r.Email, r.Username, r.FirstName, r.LastName}, "|"))
		if !strings.Contains(r.Units, "Werk Nord") || !strings.Contains(r.Units, "Werk Süd") {
			t.Errorf("%s: units %q, want both", r.Email, r.Units)
		}
		if r.KeyExpiresAt == nil || r.KeyExpiresAt.Sub(svc.Now()).Hours() < 13*24 {
			t.Errorf("%s: key expires %v, want in 14 days", r.Email, r.KeyExpiresAt)
		}
	}
	slices.Sort(got)
	if want := "ben@example.org|ben|Ben|Weber;cem@example.org|cem||;elif@example.org|elif|Elif|Doğan"; strings.Join(got, ";") != want {
		t.Fatalf("invited users %q, want %q", strings.Join(got, ";"), want)
	}

	// Copy hands out the keys while emails are not sent.
	test.Tap(uitest.Button(t, w, "Copy addresses and keys"))
	if clip := clipboard.Content(); !strings.Contains(clip, "ben@example.org\t"+b.Last.Invited[0].Key+"\n") {
		t.Fatalf("clipboard %q", clip)
	}

	test.Tap(uitest.Button(t, w, "Send more invites"))
	uitest.Settle(b.wait)
	if b.entry.Text != "" || b.summary.Text != "0 addresses recognised" || !b.invite.Disabled() || !b.form.Visible() {
		t.Fatalf("send more: text %q, summary %q, disabled %v", b.entry.Text, b.summary.Text, b.invite.Disabled())
	}
	if b.role.Selected != "Teacher" || len(b.unitBox.Selected()) != 2 || b.days.Text != "14" || uitest.Texts(w)["3 invited"] {
		t.Fatalf("send more forgot the choices: %q %v %q", b.role.Selected, b.unitBox.Selected(), b.days.Text)
	}
	test.Type(b.entry, "ben@example.org fatma@example.org")
	uitest.Settle(b.wait)
	test.Tap(b.invite)
	uitest.Settle(b.wait)
	if len(b.Last.Invited) != 1 || b.Last.Invited[0].User.Email != "fatma@example.org" || !uitest.Texts(w)["1 invited"] {
		t.Fatalf("second run: %+v", b.Last)
	}
}

func TestBulkInviteShowsWhatTheServiceRefuses(t *testing.T) {
	test.NewTempApp(t)
	b, w, st, svc, _ := newBulkInvite(t)
	b.entry.SetText("anna@example.org")
	b.unitBox.SetSelected([]string{"Werk Süd"})
	uitest.Settle(b.wait)
	units, _ := st.Units(context.Background())
	// The unit disappears after the form read it.
	id := uikit.IDByName(units, "Werk Süd", func(u data.Unit) (string, string) { return u.ID, u.Name })
	if err := svc.DeleteUnit(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	test.Tap(b.invite)
	uitest.Settle(b.wait)
	if b.Last != nil || !uitest.Texts(w)["A chosen unit does not exist (any more)."] || b.invite.Disabled() {
		t.Fatalf("result %+v, texts %v", b.Last, uitest.Keys(uitest.Texts(w)))
	}
	if n, _ := st.CountAllUsers(context.Background()); n != 0 {
		t.Fatalf("%d users written", n)
	}
}

func TestBulkInviteDialog(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(1000, 800))
	b := ShowBulkInviteDialog(st, svc, w)
	uitest.Settle(b.wait)
	shown := uitest.Texts(w)
	if !shown["Invite by email"] || !shown["Close"] || !shown["Invite 0 people"] {
		t.Fatalf("dialog texts %v", uitest.Keys(shown))
	}
	if w.Canvas().Focused() != b.entry {
		t.Fatal("the address list does not have the focus")
	}
	test.Tap(uitest.Button(t, w, "Close"))
	if len(w.Canvas().Overlays().List()) != 0 {
		t.Fatal("Close did not close the dialog")
	}
}

func TestBulkInviteNamesTable(t *testing.T) {
	test.NewTempApp(t)
	b, w, st, svc, _ := newBulkInvite(t)
	if b.namesBox.Visible() {
		t.Fatal("the names table shows before there are addresses")
	}
	// A bare address, a spreadsheet row and a display name.
	test.Type(b.entry, "anna@example.org\nBen\tWeber\tben@example.org\nCem Yıldız <cem@example.org>")
	uitest.Settle(b.wait)
	if !b.namesBox.Visible() || len(b.people) != 3 {
		t.Fatalf("names table: visible %v, rows %+v", b.namesBox.Visible(), b.people)
	}
	var rows []string
	for _, p := range b.people {
		rows = append(rows, p.Email+"|"+p.First+"|"+p.Last)
	}
	if want := "anna@example.org||;ben@example.org|Ben|Weber;cem@example.org|Cem|Yıldız"; strings.Join(rows, ";") != want {
		t.Fatalf("rows %q, want %q", strings.Join(rows, ";"), want)
	}
	// Anna's name typed into the table; Cem's last name cleared.
	var entries []*widget.Entry
	uitest.Walk(b.nameList, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok {
			entries = append(entries, e)
		}
	})
	if len(entries) != 6 {
		t.Fatalf("%d name entries drawn", len(entries))
	}
	test.Type(entries[0], "Anna")
	test.Type(entries[1], "Müller")
	entries[5].SetText("")
	b.unitBox.SetSelected([]string{"Werk Süd"})
	uitest.Settle(b.wait)
	test.Tap(b.invite)
	uitest.Settle(b.wait)
	if b.Last == nil || len(b.Last.Invited) != 3 {
		t.Fatalf("invited %+v; shown %v", b.Last, uitest.Keys(uitest.Texts(w)))
	}
	got := map[string]string{}
	rowsNow, err := st.ListUsers(context.Background(), data.UserQuery{}, svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rowsNow {
		got[r.Email] = r.FirstName + "|" + r.LastName
	}
	if got["anna@example.org"] != "Anna|Müller" || got["ben@example.org"] != "Ben|Weber" || got["cem@example.org"] != "Cem|" {
		t.Fatalf("stored names %v", got)
	}
}
