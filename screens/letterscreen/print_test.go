package letterscreen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onboard/data"
	"onboard/internal/letters"
	"onboard/internal/lifecycle"
	"onboard/internal/pdfcheck"
	"onboard/internal/settings"
	"onboard/screens/internal/uitest"
)

// openPrint opens the print dialog for ids on a test window and waits for it to load.
func openPrint(t *testing.T, st *data.Store, svc Service, ids []string) (*PrintDialog, fyne.Window) {
	t.Helper()
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1200, 800))
	t.Cleanup(w.Close)
	p := ShowPrintDialog(w, Deps{Settings: st, Service: svc}, ids)
	uitest.Settle(p.Wait)
	return p, w
}

// hasLetterEvent reports whether the user's history records a printed letter.
func hasLetterEvent(t *testing.T, st *data.Store, id string) bool {
	t.Helper()
	events, err := st.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(events, func(e data.AuditEvent) bool { return e.Action == string(lifecycle.ActionLetter) })
}

func TestPrintLettersCountsSavesAndRecords(t *testing.T) {
	test.NewTempApp(t)
	st, svc, ids := uitest.LetterUsers(t)
	p, w := openPrint(t, st, svc, ids)
	want := "3 letters to print, 2 skipped: 1 already active, 1 key expired (renew expired keys to print)"
	if got := p.CountsText(); got != want {
		t.Fatalf("counts %q, want %q", got, want)
	}
	if !p.CanSave() || p.Message() != "" {
		t.Fatalf("can save %v, message %q", p.CanSave(), p.Message())
	}
	if got := pageText(p.preview.Page()); !strings.Contains(got, "Anna Letter") {
		t.Errorf("the preview is not Anna's letter:\n%s", got)
	}
	shown := uitest.Texts(w)
	for _, s := range []string{
		"Print registration letters", "Saved template", "A4", "Blank back pages for duplex printing",
		"Renew expired keys", "Skipped users (2)", "Save…", "Close",
	} {
		if !shown[s] {
			t.Errorf("%q is not shown", s)
		}
	}

	path := filepath.Join(t.TempDir(), "letters.pdf")
	p.SaveTo(path)
	uitest.Settle(p.Wait)
	if p.Message() != "" {
		t.Fatalf("message after saving: %q", p.Message())
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("the file is not a PDF (%d bytes): %v", len(b), err)
	}
	if p.SavedResult != (letters.Result{Letters: 3, Pages: 3}) {
		t.Errorf("result %+v", p.SavedResult)
	}
	if got := p.ResultText(); got != "Saved 3 letters (3 pages) to "+path+"." {
		t.Errorf("result line %q", got)
	}
	if !uitest.Texts(w)["Open"] {
		t.Error("no Open button after saving")
	}
	for i, id := range ids {
		if got := hasLetterEvent(t, st, id); got != (i < 3) {
			t.Errorf("user %d: letter in the history %v", i, got)
		}
	}
	pdfcheck.Need(t, "pdftotext")
	out := pdfcheck.Run(t, "pdftotext", path, "-")
	for _, name := range []string{"Anna Letter", "Ben Letter", "Cem Letter"} {
		if !strings.Contains(out, name) {
			t.Errorf("the PDF lacks %s", name)
		}
	}
}

func TestPrintLettersRenewsExpiredKeysOnlyWhenAsked(t *testing.T) {
	test.NewTempApp(t)
	st, svc, ids := uitest.LetterUsers(t)
	p, _ := openPrint(t, st, svc, ids)
	p.renew.SetChecked(true)
	want := "4 letters to print (1 with a new key), 1 skipped: 1 already active"
	if got := p.CountsText(); got != want {
		t.Fatalf("counts %q, want %q", got, want)
	}
	if u, _ := st.UserByID(context.Background(), ids[4]); !u.KeyExpiresAt.Before(svc.Now()) {
		t.Fatal("ticking renew changed the key already")
	}
	p.duplex.SetChecked(true)
	path := filepath.Join(t.TempDir(), "letters.pdf")
	p.SaveTo(path)
	uitest.Settle(p.Wait)
	if p.SavedResult != (letters.Result{Letters: 4, Pages: 8}) {
		t.Fatalf("result %+v, message %q", p.SavedResult, p.Message())
	}
	if !strings.Contains(p.ResultText(), "1 user got a new key.") {
		t.Errorf("result line %q", p.ResultText())
	}
	if u, _ := st.UserByID(context.Background(), ids[4]); !u.KeyExpiresAt.After(svc.Now()) {
		t.Error("the expired key was not renewed")
	}
	if got := p.CountsText(); got != "4 letters to print, 1 skipped: 1 already active" {
		t.Errorf("counts after renewing: %q", got)
	}
}

// cancelAfterPrepare cancels the save once it knows who gets a letter.
type cancelAfterPrepare struct {
	*lifecycle.Service
	p *PrintDialog
}

func (c cancelAfterPrepare) PrepareLetters(ctx context.Context, ids []string, renew bool) (*lifecycle.LetterBatch, error) {
	b, err := c.Service.PrepareLetters(ctx, ids, renew)
	if c.p != nil && c.p.cancel != nil {
		c.p.cancel()
	}
	return b, err
}

func TestPrintLettersCancelLeavesNoFile(t *testing.T) {
	test.NewTempApp(t)
	st, svc, ids := uitest.LetterUsers(t)
	fake := &cancelAfterPrepare{Service: svc}
	p, _ := openPrint(t, st, fake, ids)
	fake.p = p
	dir := t.TempDir()
	p.SaveTo(filepath.Join(dir, "letters.pdf"))
	uitest.Settle(p.Wait)
	if p.Message() != "Cancelled; no file was saved." {
		t.Fatalf("message %q", p.Message())
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("files left: %v", left)
	}
	if hasLetterEvent(t, st, ids[0]) {
		t.Error("a cancelled save was recorded")
	}
	if !p.CanSave() || p.ResultText() != "" {
		t.Errorf("after cancel: can save %v, result %q", p.CanSave(), p.ResultText())
	}
}

func TestPrintLettersShowsWhyItCannotPrint(t *testing.T) {
	test.NewTempApp(t)
	st, svc, ids := uitest.LetterUsers(t)
	ctx := context.Background()

	// A logo that was moved away after it was chosen.
	logo := writePNG(t, t.TempDir())
	if _, err := settings.Set(ctx, st, settings.OrgLogo, logo); err != nil {
		t.Fatal(err)
	}
	os.Remove(logo)
	p, _ := openPrint(t, st, svc, ids)
	if msg := p.Message(); !strings.Contains(msg, "The letters cannot be printed: logo") || p.CanSave() {
		t.Fatalf("missing logo: message %q, can save %v", msg, p.CanSave())
	}
	dir := t.TempDir()
	p.SaveTo(filepath.Join(dir, "letters.pdf"))
	uitest.Settle(p.Wait)
	if msg := p.Message(); !strings.HasPrefix(msg, "No file was saved: logo") {
		t.Errorf("message %q", msg)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("files left: %v", left)
	}

	// Instructions too long for one page.
	if _, err := settings.Set(ctx, st, settings.OrgLogo, ""); err != nil {
		t.Fatal(err)
	}
	long := letters.DefaultTemplate("en")
	long.Body = strings.Repeat("A line of the instructions.\n", 80)
	if err := settings.SaveLetterTemplate(ctx, st, long); err != nil {
		t.Fatal(err)
	}
	p, _ = openPrint(t, st, svc, ids)
	if msg := p.Message(); !strings.Contains(msg, "lines too long for one page") || p.CanSave() {
		t.Fatalf("too long: message %q, can save %v", msg, p.CanSave())
	}
	p.SaveTo(filepath.Join(dir, "letters.pdf"))
	uitest.Settle(p.Wait)
	if msg := p.Message(); !strings.Contains(msg, "No file was saved: the instructions are") || !strings.Contains(msg, "shorten the template") {
		t.Errorf("message %q", msg)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("files left: %v", left)
	}
	// The English default fits.
	p.template.SetSelectedIndex(tplEnglish)
	uitest.Settle(p.Wait)
	if p.Message() != "" || !p.CanSave() {
		t.Errorf("with the English default: message %q, can save %v", p.Message(), p.CanSave())
	}
}

func TestPrintLettersWithNobodyToPrint(t *testing.T) {
	test.NewTempApp(t)
	st, svc, ids := uitest.LetterUsers(t)
	p, _ := openPrint(t, st, svc, ids[3:4])
	if got := p.CountsText(); got != "0 letters to print, 1 skipped: 1 already active" || p.CanSave() {
		t.Fatalf("counts %q, can save %v", got, p.CanSave())
	}
	if got := pageText(p.preview.Page()); !strings.Contains(got, "Zoë Łukasiewicz") {
		t.Errorf("the preview does not show the sample person:\n%s", got)
	}
}

// TestPrintLettersWithClassSheets: with "Class sheets" ticked, a second file beside
// the letters lists the printed users under their unit, and only them; without a
// store for sheets the dialog does not offer them.
func TestPrintLettersWithClassSheets(t *testing.T) {
	test.NewTempApp(t)
	st, svc, ids := uitest.LetterUsers(t)
	if p, w := openPrint(t, st, svc, ids); p.sheets.Visible() || uitest.Texts(w)["Class sheets of their units, in a second file"] {
		t.Error("class sheets are offered without a store to read them")
	}
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1200, 800))
	t.Cleanup(w.Close)
	p := ShowPrintDialog(w, Deps{Settings: st, Service: svc, Sheets: st}, ids)
	uitest.Settle(p.Wait)
	test.Tap(p.sheets)
	path := filepath.Join(t.TempDir(), "letters.pdf")
	p.SaveTo(path)
	uitest.Settle(p.Wait)
	sheetsPath := filepath.Join(filepath.Dir(path), "letters-class-sheets.pdf")
	want := "Saved 3 letters (3 pages) to " + path + ". Class sheets of 1 unit (1 page) saved to " + sheetsPath + "."
	if got := p.ResultText(); got != want || p.Message() != "" {
		t.Fatalf("result line %q, message %q; want %q", got, p.Message(), want)
	}
	pdfcheck.Need(t, "pdftotext")
	text := pdfcheck.Run(t, "pdftotext", sheetsPath, "-")
	for _, s := range []string{"Class sheet: Werk Süd", "Anna Letter", "Ben Letter", "Cem Letter"} {
		if !strings.Contains(text, s) {
			t.Errorf("the class sheet lacks %q:\n%s", s, text)
		}
	}
	for _, s := range []string{"Dana", "Emil"} {
		if strings.Contains(text, s) {
			t.Errorf("the class sheet lists %s, who got no letter", s)
		}
	}
}
