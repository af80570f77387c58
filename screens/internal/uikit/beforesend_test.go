package uikit

import (
	"context"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/settings"
	"onboard/screens/internal/uitest"
)

func TestCheckBeforeSendingAsksForTheNameAndSaysThereIsNoMailServer(t *testing.T) {
	test.NewTempApp(t)
	st, _, _ := uitest.OpenStore(t)
	ctx := context.Background()
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1000, 700))
	t.Cleanup(w.Close)
	var bg sync.WaitGroup
	went, setUp := 0, 0
	check := func(mails bool) {
		CheckBeforeSending(w, &bg, st, mails, func() { went++ }, func() { setUp++ })
		uitest.Settle(bg.Wait)
	}

	// No name: asked first; a blank one is refused in the dialog.
	check(true)
	uitest.MustShow(t, w, "Organization name needed")
	entries := uitest.Visible[*widget.Entry](w)
	if len(entries) != 1 || went != 0 {
		t.Fatalf("%d fields, went on %d", len(entries), went)
	}
	test.Type(entries[0], "   ")
	test.Tap(uitest.Button(t, w, "Save"))
	uitest.Settle(bg.Wait)
	if went != 0 || len(uitest.ShownContaining(w, "Organization name must")) == 0 {
		t.Fatalf("a blank name: went on %d; shown %v", went, uitest.Keys(uitest.Texts(w)))
	}
	entries[0].SetText("Gymnasium am Stadtpark")
	test.Tap(uitest.Button(t, w, "Save"))
	uitest.Settle(bg.Wait)
	if org, _ := settings.Get(ctx, st, settings.OrgName); org != "Gymnasium am Stadtpark" {
		t.Fatalf("org %q", org)
	}
	// Then: no mail server. Setting one up goes there instead.
	uitest.MustShow(t, w, "No mail server is set up yet.")
	test.Tap(uitest.Button(t, w, "Set up the mail server"))
	if went != 0 || setUp != 1 {
		t.Fatalf("set up: went %d, set up %d", went, setUp)
	}
	check(true)
	test.Tap(uitest.Button(t, w, "Queue the mails anyway"))
	if went != 1 {
		t.Fatalf("anyway: went %d", went)
	}
	// Letters need no mail server; with everything set, nothing is asked.
	check(false)
	if went != 2 {
		t.Fatalf("letters: went %d", went)
	}
	if _, err := settings.Set(ctx, st, settings.SMTPHost, "mail.example.org"); err != nil {
		t.Fatal(err)
	}
	uitest.CloseDialogs(w)
	check(true)
	if went != 3 || len(uitest.ShownContaining(w, "mail server")) != 0 {
		t.Fatalf("all set: went %d", went)
	}
}
