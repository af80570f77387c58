package screens

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/screens/internal/uitest"
)

func TestSetupDialogSchoolPreset(t *testing.T) {
	test.NewTempApp(t)
	st, svc := uitest.EmptyStore(t)
	ctx := context.Background()
	w := test.NewWindow(widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 800))
	t.Cleanup(w.Close)
	d := ShowSetupDialog(st, svc, w, false)
	uitest.Settle(d.wait)
	var done *lifecycle.SetupResult
	d.OnDone = func(res *lifecycle.SetupResult) { done = res }
	// Without a name the problem shows under the field and nothing is stored.
	test.Tap(uitest.Button(t, w, "Set up"))
	uitest.Settle(d.wait)
	if d.messages["organization"].Text != "the organization name is required" {
		t.Fatalf("organization message %q", d.messages["organization"].Text)
	}
	if roles, _ := st.Roles(ctx); len(roles) != 0 {
		t.Fatalf("a refused setup created %d roles", len(roles))
	}
	test.Type(d.org, "Goethe-Schule")
	d.url.SetText("notaurl")
	d.language.SetSelected("Deutsch")
	d.units.SetText("5a, 5b\n6a")
	test.Tap(uitest.Button(t, w, "Set up"))
	uitest.Settle(d.wait)
	if d.messages["registration_url"].Text == "" || done != nil {
		t.Fatalf("a bad address passed: %q, %+v", d.messages["registration_url"].Text, done)
	}
	d.url.SetText("https://onboard.example.org")
	test.Tap(uitest.Button(t, w, "Set up"))
	uitest.Settle(d.wait)
	if done == nil || len(done.CreatedRoles) != 4 || len(done.CreatedUnits) != 3 {
		t.Fatalf("setup result %+v", done)
	}
	if lang, _ := settings.Get(ctx, st, settings.Language); lang != "de" {
		t.Fatalf("language %q", lang)
	}
	if need, _ := svc.NeedsSetup(ctx); need {
		t.Fatal("the setup would open again")
	}
}

func TestSetupDialogSkip(t *testing.T) {
	test.NewTempApp(t)
	st, svc := uitest.EmptyStore(t)
	w := test.NewWindow(widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 800))
	t.Cleanup(w.Close)
	d := ShowSetupDialog(st, svc, w, false)
	uitest.Settle(d.wait)
	if !uitest.Texts(w)["School: Student, Teacher, Staff, Parent"] || !uitest.Texts(w)["Welcome to Onboard"] {
		t.Fatalf("setup texts: %v", uitest.Texts(w))
	}
	test.Tap(uitest.Button(t, w, "Skip for now"))
	uitest.Settle(d.wait)
	if need, _ := svc.NeedsSetup(context.Background()); need {
		t.Fatal("a skipped setup would open again")
	}
}
