package screens

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/lifecycle"
	"onboard/screens/internal/uitest"
)

func TestNewUserEnterRightAfterTypingSaves(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	s, _ := newScreen(t, st, svc)
	s.NewUser("")
	uitest.Settle(s.wait)
	f := s.lastForm
	f.role.SetSelected("Teacher")
	f.unitBox.SetSelected([]string{"Werk Süd"})
	test.Type(f.first, "Jana")
	test.Type(f.last, "Nowak")
	f.last.OnSubmitted(f.last.Text) // Enter before the check of the typing ran
	uitest.Settle(f.wait, s.wait)
	if f.Created == nil || f.Created.User.FirstName != "Jana" {
		t.Fatalf("the first Enter was swallowed: created %+v", f.Created)
	}
}

func TestNewUserCancelAsksWhenSomethingWasTyped(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	anna := uitest.CreateUser(t, svc, base, "Anna", "Müller", "").User
	s, w := newScreen(t, st, svc)

	// Nothing typed: Cancel closes at once.
	s.NewUser("")
	uitest.Settle(s.wait)
	test.Tap(uitest.Button(t, w, "Cancel"))
	if len(uitest.ShownContaining(w, "Fields marked * are required")) != 0 {
		t.Fatal("an untouched form did not close")
	}
	// Typed: asked first; Keep editing keeps the form.
	f := typeNewUser(s, "Zoë", "Brontë", "")
	f.cancel()
	uitest.MustShow(t, w, "Discard your changes?")
	test.Tap(uitest.Button(t, w, "Keep editing"))
	uitest.MustShow(t, w, "Fields marked * are required")
	f.cancel()
	test.Tap(uitest.Button(t, w, "Discard"))
	if len(uitest.ShownContaining(w, "Fields marked * are required")) != 0 {
		t.Fatal("Discard did not close the form")
	}
	// Editing a user without changing anything closes at once too.
	s.EditUser(anna.ID)
	uitest.Settle(s.wait)
	uitest.Settle(s.lastForm.wait, s.wait)
	s.lastForm.cancel()
	if len(uitest.ShownContaining(w, "Discard your changes?")) != 0 {
		t.Fatal("an unchanged edit asked before closing")
	}
}

func TestResendAsksForTheOrganizationAndTheMailServerFirst(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	uitest.CreateUser(t, svc, base, "Anna", "Müller", "anna@example.org")
	s, w := newScreen(t, st, svc)
	s.Settings = st
	s.SelectAllMatching()
	uitest.Settle(s.wait)
	s.Bulk(lifecycle.ActionResend)
	uitest.Settle(s.wait)
	uitest.MustShow(t, w, "Organization name needed")
	test.Type(uitest.Visible[*widget.Entry](w)[0], "Gymnasium am Stadtpark")
	test.Tap(uitest.Button(t, w, "Save"))
	uitest.Settle(s.wait)
	uitest.MustShow(t, w, "No mail server is set up yet.")
}

func TestEscapeLeavesTheSearchBox(t *testing.T) {
	test.NewTempApp(t)
	st, svc, _ := uitest.OpenStore(t)
	s, w := newScreen(t, st, svc)
	s.FocusSearch()
	if w.Canvas().Focused() != s.search {
		t.Fatal("Ctrl+F did not focus the search")
	}
	s.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if w.Canvas().Focused() != nil {
		t.Errorf("Escape left the focus on %T", w.Canvas().Focused())
	}
}

func TestNewUserInGermanFlagsAMissingFieldOnlyOnceTouched(t *testing.T) {
	test.NewTempApp(t)
	uitest.German(t)
	st, svc, _ := uitest.OpenStore(t)
	s, w := newScreen(t, st, svc)
	s.NewUser("")
	uitest.Settle(s.wait)
	f := s.lastForm
	test.Type(f.first, "Jana")
	uitest.Settle(f.wait, s.wait)
	if shown := uitest.ShownContaining(w, "ist erforderlich"); len(shown) != 0 {
		t.Errorf("untouched fields flagged at once: %v", shown)
	}
	f.submit() // Enter: now every missing field says so
	uitest.Settle(f.wait, s.wait)
	uitest.MustShow(t, w, "Nachname ist erforderlich")
}
