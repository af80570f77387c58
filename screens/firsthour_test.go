package screens

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"onboard/screens/letterscreen"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/pdfcheck"
	"onboard/screens/internal/uitest"
)

// TestFirstHourFromAnEmptyDatabase is what a new admin does first, on a database
// without sample data: the setup with the school preset, one user through the
// dialog and their letter, and two pasted addresses invited by email. (The class list
// from Excel is imported in package importwizard's tests.)
func TestFirstHourFromAnEmptyDatabase(t *testing.T) {
	test.NewTempApp(t)
	st, svc := uitest.EmptyStore(t)
	ctx := context.Background()

	// The setup: the school roles and the first classes.
	w := test.NewWindow(widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 800))
	t.Cleanup(w.Close)
	d := ShowSetupDialog(st, svc, w, false)
	uitest.Settle(d.wait)
	test.Type(d.org, "Goethe-Schule")
	d.units.SetText("5a, 5b\n10a")
	test.Tap(uitest.Button(t, w, "Set up"))
	uitest.Settle(d.wait)
	if need, _ := svc.NeedsSetup(ctx); need {
		t.Fatalf("the setup did not finish: %v", uitest.Keys(uitest.Texts(w)))
	}

	// New user: the roles and classes of the setup are there at once.
	s, uw := newScreen(t, st, svc)
	s.NewUser("")
	uitest.Settle(s.wait)
	f := s.lastForm
	if !slices.Equal(f.role.Options, []string{"Parent", "Staff", "Student", "Teacher"}) {
		t.Fatalf("roles offered %v", f.role.Options)
	}
	test.Type(f.first, "Jana")
	test.Type(f.last, "Nowak")
	f.role.SetSelected("Student")
	f.unitBox.SetSelected([]string{"5a"})
	uitest.Settle(f.wait, s.wait)
	test.Tap(uitest.Button(t, uw, "Create user"))
	uitest.Settle(f.wait, s.wait)
	if f.Created == nil {
		t.Fatalf("no user created; shown %v", uitest.Keys(uitest.Texts(uw)))
	}

	// Their letter.
	pw := test.NewWindow(nil)
	t.Cleanup(pw.Close)
	p := letterscreen.ShowPrintDialog(pw, letterscreen.Deps{Settings: st, Service: svc}, []string{f.Created.User.ID})
	uitest.Settle(p.Wait)
	path := filepath.Join(t.TempDir(), "jana.pdf")
	p.SaveTo(path)
	uitest.Settle(p.Wait)
	if p.Message() != "" || p.SavedResult.Letters != 1 {
		t.Fatalf("letter: message %q, result %+v", p.Message(), p.SavedResult)
	}

	// Two pasted addresses invited by email.
	b, bw := showBulkInvite(t, st, svc)
	test.Type(b.entry, "mara@schule.example, Tom Berg <tom@schule.example>")
	b.role.SetSelected("Parent")
	b.unitBox.SetSelected([]string{"10a"})
	uitest.Settle(b.wait)
	test.Tap(b.invite)
	uitest.Settle(b.wait)
	if b.Last == nil || len(b.Last.Invited) != 2 {
		t.Fatalf("invited %+v; shown %v", b.Last, uitest.Keys(uitest.Texts(bw)))
	}

	rows, err := st.ListUsers(ctx, data.UserQuery{}, svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, strings.TrimSpace(r.FirstName+" "+r.LastName)+"|"+r.Role+"|"+r.Units)
	}
	slices.Sort(got)
	want := []string{"Jana Nowak|Student|5a", "Tom Berg|Parent|10a", "|Parent|10a"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("users %q, want %q", got, want)
	}

	pdfcheck.Need(t, "pdftotext")
	out := pdfcheck.Run(t, "pdftotext", path, "-")
	for _, want := range []string{"Jana Nowak", "Goethe-Schule", f.Created.Key} {
		if !strings.Contains(out, want) {
			t.Errorf("the letter lacks %q:\n%s", want, out)
		}
	}
}
