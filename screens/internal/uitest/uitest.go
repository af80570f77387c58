// Package uitest holds what the tests of Onboard's screens share: a queue that runs
// the UI callbacks of background work on the test goroutine, finding widgets in a
// window, and stores with sample users.
package uitest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/text/encoding/charmap"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/uitext"
	"onboard/resources"
)

// uiQueue holds the UI callbacks of background work until the test runs them, so
// that all widget code runs on the test goroutine, as it runs on the one UI
// goroutine in the app. (Fyne's test driver would run fyne.Do on the calling
// goroutine, beside the test.)
var uiQueue struct {
	sync.Mutex
	fns []func()
}

// RunMain runs a screen package's tests the way the window runs: background
// results queue for Settle (*onUI, the package's uikit.OnUI, is set to Queue) and
// local times are UTC, as the reference markup shows them.
func RunMain(m *testing.M, onUI *func(func())) {
	time.Local = time.UTC
	*onUI = Queue
	os.Exit(m.Run())
}

// Queue holds f until Settle runs it; RunMain sets uikit.OnUI to it.
func Queue(f func()) {
	uiQueue.Lock()
	uiQueue.fns = append(uiQueue.fns, f)
	uiQueue.Unlock()
}

func EmptyStore(t *testing.T) (*data.Store, *lifecycle.Service) {
	t.Helper()
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, lifecycle.New(st)
}

// Walk calls f for every visible object under o, through widget renderers.
func Walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			Walk(c, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			Walk(c, f)
		}
	}
}

// Texts returns every text drawn in a window, dialogs included, skipping hidden objects.
func Texts(w fyne.Window) map[string]bool {
	out := map[string]bool{}
	roots := append([]fyne.CanvasObject{w.Content()}, w.Canvas().Overlays().List()...)
	for _, r := range roots {
		Walk(r, func(o fyne.CanvasObject) {
			if t, ok := o.(*canvas.Text); ok {
				out[t.Text] = true
			}
		})
	}
	return out
}

// Button finds a visible button by its text in the window or its dialogs.
func Button(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	roots := append([]fyne.CanvasObject{w.Content()}, w.Canvas().Overlays().List()...)
	for _, r := range roots {
		Walk(r, func(o fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok && b.Text == text {
				found = b
			}
		})
	}
	if found == nil {
		t.Fatalf("no button %q on screen; texts: %v", text, Texts(w))
	}
	return found
}

func OpenStore(t *testing.T) (*data.Store, *lifecycle.Service, lifecycle.UserInput) {
	t.Helper()
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	r, u := &data.Role{Name: "Teacher"}, &data.Unit{Name: "Werk Süd"}
	if err := st.CreateRole(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	return st, lifecycle.New(st), lifecycle.UserInput{RoleID: r.ID, UnitIDs: []string{u.ID}}
}

// CreateUser stores a user with base's role and unit and returns it with its key.
func CreateUser(t *testing.T, svc *lifecycle.Service, base lifecycle.UserInput, first, last, email string) *lifecycle.Created {
	t.Helper()
	in := base
	in.FirstName, in.LastName, in.Email = first, last, email
	c, err := svc.CreateUser(context.Background(), in, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func Keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Settle waits for the background work (waits) and runs the queued UI callbacks,
// again and again until nothing is left to do.
func Settle(waits ...func()) {
	for {
		for _, w := range waits {
			w()
		}
		uiQueue.Lock()
		fns := uiQueue.fns
		uiQueue.fns = nil
		uiQueue.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, f := range fns {
			f()
		}
	}
}

// ShownContaining returns the drawn texts that contain part.
func ShownContaining(w fyne.Window, part string) []string {
	var out []string
	for text := range Texts(w) {
		if strings.Contains(text, part) {
			out = append(out, text)
		}
	}
	return out
}

// MustShow fails unless some drawn text contains each part.
func MustShow(t *testing.T, w fyne.Window, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if len(ShownContaining(w, p)) == 0 {
			t.Errorf("%q is not shown; shown: %v", p, Texts(w))
		}
	}
}

// MustShowWhole fails unless each text is shown in w as one whole text.
func MustShowWhole(t *testing.T, w fyne.Window, texts ...string) {
	t.Helper()
	shown := Texts(w)
	for _, text := range texts {
		if !shown[text] {
			t.Errorf("%q is not shown; shown: %q", text, Keys(shown))
		}
	}
}

// Drawn reports whether o is visible in the window, in its content or a dialog.
func Drawn(w fyne.Window, o fyne.CanvasObject) bool {
	found := false
	for _, root := range append([]fyne.CanvasObject{w.Canvas().Content()}, w.Canvas().Overlays().List()...) {
		Walk(root, func(x fyne.CanvasObject) { found = found || x == o })
	}
	return found
}

// German switches the window's texts, numbers and dates to German until the test
// ends.
func German(t *testing.T) {
	t.Helper()
	resources.SetLanguage("de")
	display.SetLanguage("de")
	uitext.SetTranslator(func(s string) string { return lang.L(s) })
	t.Cleanup(func() {
		resources.SetLanguage("en")
		display.SetLanguage("en")
		uitext.SetTranslator(nil)
	})
}

// CloseDialogs removes every dialog from the window.
func CloseDialogs(w fyne.Window) {
	for o := w.Canvas().Overlays().Top(); o != nil; o = w.Canvas().Overlays().Top() {
		w.Canvas().Overlays().Remove(o)
	}
}

// Visible returns the visible objects of type T in the window's dialogs.
func Visible[T fyne.CanvasObject](w fyne.Window) []T {
	var out []T
	for _, r := range w.Canvas().Overlays().List() {
		Walk(r, func(o fyne.CanvasObject) {
			if x, ok := o.(T); ok {
				out = append(out, x)
			}
		})
	}
	return out
}

// LabelWithText finds a visible label in the dialogs by its exact text.
func LabelWithText(t *testing.T, w fyne.Window, text string) *widget.Label {
	t.Helper()
	for _, l := range Visible[*widget.Label](w) {
		if l.Text == text {
			return l
		}
	}
	t.Fatalf("no label %q is shown", text)
	return nil
}

// WriteCP1252 writes lines as a Windows-1252 file with CRLF line ends, as an older
// German Excel saves "CSV (semicolon separated)".
func WriteCP1252(t testing.TB, name string, lines ...string) string {
	t.Helper()
	text, err := charmap.Windows1252.NewEncoder().String(strings.Join(lines, "\r\n") + "\r\n")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ButtonAt finds the n-th visible button with a text (0 is the first found).
func ButtonAt(t *testing.T, w fyne.Window, text string, n int) *widget.Button {
	t.Helper()
	var found []*widget.Button
	Walk(w.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			found = append(found, b)
		}
	})
	if n >= len(found) {
		t.Fatalf("only %d buttons %q", len(found), text)
	}
	return found[n]
}

// LabelShown reports whether a label with text is on screen (a dialog's message
// wraps, so its drawn lines differ).
func LabelShown(w fyne.Window, text string) bool {
	found := false
	for _, r := range append([]fyne.CanvasObject{w.Content()}, w.Canvas().Overlays().List()...) {
		Walk(r, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && l.Text == text {
				found = true
			}
		})
	}
	return found
}

// Center is the middle of o on its canvas.
func Center(o fyne.CanvasObject) fyne.Position {
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	return p.Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2))
}

// CheckUnder returns the visible check box with text under o; the test fails when
// there is none.
func CheckUnder(t *testing.T, o fyne.CanvasObject, text string) *widget.Check {
	t.Helper()
	var found *widget.Check
	var shown []string
	Walk(o, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok {
			shown = append(shown, c.Text)
			if c.Text == text {
				found = c
			}
		}
	})
	if found == nil {
		t.Fatalf("no check box %q; shown %v", text, shown)
	}
	return found
}

// Screen is a screen a test can open and load.
type Screen interface {
	Content() fyne.CanvasObject
	Reload()
}

// ShowScreen builds a screen on a test window of the given size, loads it and lets
// its background work finish (wait).
func ShowScreen[S Screen](t *testing.T, width, height float32, build func(w fyne.Window) S, wait func(S)) (S, fyne.Window) {
	t.Helper()
	w := test.NewWindow(nil)
	s := build(w)
	w.SetContent(s.Content())
	w.Resize(fyne.NewSize(width, height))
	t.Cleanup(w.Close)
	s.Reload()
	Settle(func() { wait(s) })
	return s, w
}
