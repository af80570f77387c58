package screens

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/demo"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/screens/internal/uitest"
)

// windowSizes are the sizes the users screen must fit: the smallest supported
// window, full HD and 4K.
var windowSizes = []fyne.Size{{Width: 1024, Height: 700}, {Width: 1920, Height: 1080}, {Width: 3840, Height: 2160}}

// inFrame puts the users screen into a window the way the app does: the list of
// screens on the left (as wide as its longest label), a status line below.
func inFrame(s *UsersScreen) fyne.CanvasObject {
	nav := widget.NewList(func() int { return 8 },
		func() fyne.CanvasObject { return widget.NewLabel("Roles and permissions") },
		func(widget.ListItemID, fyne.CanvasObject) {})
	split := container.NewHSplit(nav, container.NewStack(s.Content()))
	split.Offset = 0.14
	return container.NewBorder(nil, widget.NewLabel("Database: onboard.db"), nil, nil, split)
}

// framedScreen opens the users screen in an app-like window of size, with users
// demo users, and loads its first page; it returns the service and the role and
// unit for more users too.
func framedScreen(t *testing.T, size fyne.Size, users int) (*UsersScreen, fyne.Window, *lifecycle.Service, lifecycle.UserInput) {
	t.Helper()
	st, svc, base := uitest.OpenStore(t)
	if users > 0 {
		if _, err := demo.Fill(context.Background(), st, demo.Options{Users: users, Seed: 4, Now: svc.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	s := NewUsersScreen(st, svc, w)
	w.SetContent(inFrame(s))
	w.Resize(size)
	s.Reload()
	uitest.Settle(s.wait)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	return s, w, svc, base
}

// layoutAgain lays the window out again, as the real canvas does before it paints
// when a MinSize changed (the test canvas does not).
func layoutAgain(w fyne.Window) { w.Content().Refresh() }

// rect is where o is on the canvas.
type rect struct{ x, y, w, h float32 }

func rectOf(o fyne.CanvasObject) rect {
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	return rect{p.X, p.Y, o.Size().Width, o.Size().Height}
}

func (r rect) overlaps(o rect) bool {
	return r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h
}

func (r rect) String() string { return fmt.Sprintf("(%.0f,%.0f %.0f×%.0f)", r.x, r.y, r.w, r.h) }

// mustBeInWindow fails unless o is drawn and lies wholly inside the window.
func mustBeInWindow(t *testing.T, w fyne.Window, o fyne.CanvasObject, what string) {
	t.Helper()
	size := w.Canvas().Size()
	r := rectOf(o)
	if !uitest.Drawn(w, o) || r.w <= 0 || r.x < 0 || r.y < 0 || r.x+r.w > size.Width+0.5 || r.y+r.h > size.Height+0.5 {
		t.Errorf("%s at %v is not inside the %v window (drawn %v)", what, r, size, uitest.Drawn(w, o))
	}
}

// tableButtons are the visible buttons in the table (header and row menus) by text.
func tableButtons(s *UsersScreen) map[string][]*widget.Button {
	out := map[string][]*widget.Button{}
	uitest.Walk(s.table, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok {
			out[b.Text] = append(out[b.Text], b)
		}
	})
	return out
}

// visibleCells are the table's visible data cells: their check boxes and labels.
func visibleCells(s *UsersScreen) (checks []*deleteKeyCheck, labels []*widget.Label) {
	uitest.Walk(s.table, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *deleteKeyCheck:
			checks = append(checks, x)
		case *widget.Label:
			labels = append(labels, x)
		}
	})
	return checks, labels
}

func TestFitColumnsKeepsTheKeyColumnsAndFillsTheWidth(t *testing.T) {
	const sep = 4
	var last []int
	for width := float32(400); width <= 3000; width += 20 {
		cols, widths := fitColumns(width, sep)
		for _, must := range []int{colSelect, colName, colStatus, colMenu} {
			if !slices.Contains(cols, must) {
				t.Fatalf("width %v: column %d left out: %v", width, must, cols)
			}
		}
		if !slices.IsSorted(cols) {
			t.Fatalf("width %v: columns out of order %v", width, cols)
		}
		total := float32(0)
		for i, w := range widths {
			if c := userColumns[cols[i]]; w < c.min {
				t.Fatalf("width %v: column %q %v wide, narrower than %v", width, c.title, w, c.min)
			}
			total += w + sep
		}
		if total > width || total < width-float32(len(cols)) { // whole pixels lose at most one per column
			t.Fatalf("width %v: the columns take %v", width, total)
		}
		for _, c := range last {
			if !slices.Contains(cols, c) {
				t.Fatalf("width %v: column %d went while the table widened", width, c)
			}
		}
		last = cols
	}
	if cols, _ := fitColumns(420, sep); len(cols) != 4 {
		t.Errorf("at 420 px: columns %v, want only the four key ones", cols)
	}
	if cols, _ := fitColumns(2000, sep); len(cols) != len(userColumns) {
		t.Errorf("at 2000 px: columns %v, want all", cols)
	}
}

func TestUsersScreenFitsEveryWindowSize(t *testing.T) {
	for _, size := range windowSizes {
		t.Run(fmt.Sprintf("%vx%v", size.Width, size.Height), func(t *testing.T) {
			test.NewTempApp(t)
			s, w, _, _ := framedScreen(t, size, 300)
			pad := 2 * theme.Padding()
			if m := w.Content().MinSize(); m.Width+pad > size.Width || m.Height+pad > size.Height {
				t.Errorf("the window's content needs %v, more than %v", m, size)
			}
			if m := s.Content().MinSize(); m.Width > size.Width-200 {
				t.Errorf("the users screen needs %v wide, more than the %v beside the list of screens", m.Width, size.Width-200)
			}
			mustShowKeyColumns(t, s, w)
			mustBeInWindow(t, w, s.detail.content, "detail pane")
			mustNotOverlapFilters(t, s, w)
			mustReachEveryBulkAction(t, s, w)

			// The admin drags the divider to either end: the table keeps its key
			// columns within its width, the detail pane its key.
			split := s.Content().(*container.Split)
			for _, off := range []float64{0, 1, 0.75} {
				split.SetOffset(off)
				head := tableButtons(s)
				table := rectOf(s.table)
				for _, b := range append(head["⋯"][:1], head["Status"][0]) {
					if r := rectOf(b); r.x < table.x || r.x+r.w > table.x+table.w+0.5 {
						t.Errorf("divider at %v: %q at %v outside the table at %v", off, b.Text, r, table)
					}
				}
				if checks, _ := visibleCells(s); len(checks) == 0 || rectOf(checks[0]).x < table.x {
					t.Errorf("divider at %v: no selection box at the table's left edge", off)
				}
				if d := rectOf(s.detail.content); d.w < s.detail.key.MinSize().Width || d.x+d.w > size.Width+0.5 {
					t.Errorf("divider at %v: the detail pane at %v", off, d)
				}
			}
		})
	}
}

// mustShowKeyColumns checks that the table's key columns are inside the window:
// the Name and Status headers, the row menus, the first row's selection box and
// status.
func mustShowKeyColumns(t *testing.T, s *UsersScreen, w fyne.Window) {
	t.Helper()
	head := tableButtons(s)
	for _, title := range []string{"Name ▲", "Status", "⋯"} {
		if len(head[title]) == 0 {
			t.Fatalf("no %q in the table; drawn %v", title, uitest.Keys(uitest.Texts(w)))
		}
		for _, b := range head[title] {
			mustBeInWindow(t, w, b, title)
		}
	}
	checks, labels := visibleCells(s)
	if len(checks) == 0 {
		t.Fatal("no selection box on screen")
	}
	mustBeInWindow(t, w, checks[0], "selection box")
	status := statusText(s.row(0))
	found := false
	for _, l := range labels {
		if l.Text == status && rectOf(l).y == rectOf(checks[0]).y {
			found = true
			mustBeInWindow(t, w, l, "status of the first row")
		}
	}
	if !found {
		t.Errorf("the first row's status %q is not drawn", status)
	}
}

// mustNotOverlapFilters checks that the filters and the search box are inside
// the window, none over another and none narrower than it needs.
func mustNotOverlapFilters(t *testing.T, s *UsersScreen, w fyne.Window) {
	t.Helper()
	filters := []fyne.CanvasObject{
		s.statusSelect, s.unitFilter.button, s.groupFilter.button, s.roleSelect,
		uitest.Button(t, w, "Clear filters"), s.search,
	}
	for i, a := range filters {
		mustBeInWindow(t, w, a, fmt.Sprintf("filter %d", i))
		for _, b := range filters[i+1:] {
			if rectOf(a).overlaps(rectOf(b)) {
				t.Errorf("filters overlap: %T at %v and %T at %v", a, rectOf(a), b, rectOf(b))
			}
		}
		if m := a.MinSize(); a.Size().Width+0.5 < m.Width {
			t.Errorf("filter %d is %v wide, narrower than its %v", i, a.Size().Width, m.Width)
		}
	}
	if s.search.Size().Width < 200 {
		t.Errorf("the search box is only %v wide", s.search.Size().Width)
	}
}

// mustReachEveryBulkAction selects users and checks that every action of the
// bulk bar is a button inside the window or an item of its More menu.
func mustReachEveryBulkAction(t *testing.T, s *UsersScreen, w fyne.Window) {
	t.Helper()
	s.SelectRows(0, 4)
	uitest.Settle(s.wait)
	want := []string{"Select all " + display.Count(s.Total()) + " matching", "Clear selection", "Print letters…"}
	for _, b := range bulkVerbs {
		want = append(want, b.button)
	}
	mustBeInWindow(t, w, s.selLabel, "selection count")
	if s.selLabel.Text != "5 selected" {
		t.Errorf("selection count says %q", s.selLabel.Text)
	}
	var menu []string
	if s.bulk.more.Visible() {
		mustBeInWindow(t, w, s.bulk.more, "More")
		test.Tap(s.bulk.more)
		pm := uitest.Visible[*widget.PopUpMenu](w)
		if len(pm) != 1 {
			t.Fatalf("More opened %d menus", len(pm))
		}
		mustBeInWindow(t, w, pm[0], "the More menu")
		shown := uitest.Texts(w)
		for _, it := range s.bulk.moreItems() {
			if !shown[it.Label] {
				t.Errorf("the More menu does not show %q", it.Label)
			}
			menu = append(menu, it.Label)
		}
		uitest.CloseDialogs(w)
	}
	var inBar []string
	for _, o := range s.bulkBar.Objects {
		if b, ok := o.(*widget.Button); ok && b.Visible() && b != s.bulk.more {
			mustBeInWindow(t, w, b, "bulk action "+b.Text)
			inBar = append(inBar, b.Text)
		}
	}
	for _, x := range want {
		if slices.Contains(inBar, x) == slices.Contains(menu, x) {
			t.Errorf("%q: in the bar %v, in More %v; want exactly one", x, slices.Contains(inBar, x), slices.Contains(menu, x))
		}
	}
	// The menu's items run the actions: Delete from it asks first.
	if slices.Contains(menu, "Delete") {
		for _, it := range s.bulk.moreItems() {
			if it.Label == "Delete" {
				it.Action()
			}
		}
		uitest.Settle(s.wait)
		if !uitest.LabelShown(w, "Delete 5 users?\nDeleted users disappear from every list and their keys stop working.") {
			t.Errorf("Delete from More did not ask; shown %v", uitest.Keys(uitest.Texts(w)))
		}
		uitest.CloseDialogs(w)
	}
	if size := w.Canvas().Size(); size.Width <= 1024 && len(menu) == 0 {
		t.Errorf("at %v wide every bulk action fits the bar: %v", size.Width, inBar)
	}
	s.ClearSelection()
}

func TestDetailPaneShowsTheKeyAsOneLineThatFits(t *testing.T) {
	test.NewTempApp(t)
	s, w, svc, base := framedScreen(t, windowSizes[0], 0)
	c := uitest.CreateUser(t, svc, base, "Maximiliane", "Oberhuber-Schwarzenberg", "maximiliane.oberhuber-schwarzenberg@example.org")
	s.Reload()
	uitest.Settle(s.wait)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	s.table.Select(widget.TableCellID{Row: 0, Col: colName})
	uitest.Settle(s.wait)
	layoutAgain(w)
	if m := w.Content().MinSize(); m.Width+2*theme.Padding() > windowSizes[0].Width {
		t.Errorf("with the long address shown the window's content needs %v", m)
	}
	if !uitest.Texts(w)[c.Key] {
		t.Fatalf("the key %q is not drawn as one text; drawn %v", c.Key, uitest.ShownContaining(w, c.Key[:4]))
	}
	k := s.detail.key
	if k.Wrapping != fyne.TextWrapOff || !k.Selectable || !k.TextStyle.Monospace {
		t.Errorf("key label: wrapping %v, selectable %v, monospace %v", k.Wrapping, k.Selectable, k.TextStyle.Monospace)
	}
	if k.Size().Width+0.5 < k.MinSize().Width {
		t.Errorf("the key label is %v wide, narrower than the key (%v)", k.Size().Width, k.MinSize().Width)
	}
	// The pane is long now (the form stacks its labels above the values): it
	// scrolls, and the key and Copy lie within its width.
	if sc, ok := s.detail.content.(*container.Scroll); !ok || sc.Direction != container.ScrollVerticalOnly ||
		sc.Content.Size().Height <= sc.Size().Height {
		t.Errorf("the detail pane does not scroll vertically")
	}
	for what, o := range map[string]fyne.CanvasObject{"personal key": k, "Copy": s.detail.copyKey} {
		if r := rectOf(o); r.w <= 0 || r.x < rectOf(s.detail.content).x || r.x+r.w > w.Canvas().Size().Width+0.5 {
			t.Errorf("%s at %v is not inside the pane at %v", what, r, rectOf(s.detail.content))
		}
	}
	if s.detail.name.Wrapping != fyne.TextWrapWord {
		t.Error("the name in the detail pane does not wrap between words")
	}
	for f, l := range s.detail.values {
		if l.Wrapping != fyne.TextWrapWord {
			t.Errorf("detail %s wraps %v", f, l.Wrapping)
		}
	}
	// Every line drawn in the pane holds whole words only: of the name, the
	// values, the key, the history, the labels.
	words := map[string]bool{}
	for _, text := range []string{
		s.detail.name.Text, s.detail.key.Text, s.detail.history.Text, s.detail.hint.Text,
		"Personal key History Copy",
	} {
		for _, x := range strings.Fields(text) {
			words[x] = true
		}
	}
	for f, l := range s.detail.values {
		for _, x := range strings.Fields(f + " " + l.Text) {
			words[x] = true
		}
	}
	lines := 0
	uitest.Walk(s.detail.content, func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Text); ok {
			lines++
			for _, word := range strings.Fields(x.Text) {
				if !words[word] {
					t.Errorf("the detail pane breaks a word: %q", x.Text)
				}
			}
		}
	})
	if lines < 20 {
		t.Errorf("only %d lines drawn in the detail pane", lines)
	}
}

func TestReturningToTheUsersScreenRedrawsTheTable(t *testing.T) {
	test.NewTempApp(t)
	s, w, svc, _ := framedScreen(t, windowSizes[0], 60)
	ctx := context.Background()
	s.table.Select(widget.TableCellID{Row: 5, Col: colName})
	uitest.Settle(s.wait)
	chosen := s.row(5).ID
	if s.detail.id != chosen || s.highlight != 5 {
		t.Fatalf("detail %s, highlight %d", s.detail.id, s.highlight)
	}
	// Narrower, scrolled to the right end (with fixed column widths this left the
	// first columns blank once the table was wider again).
	w.Resize(fyne.NewSize(800, 700))
	s.table.ScrollToTrailing()
	// Another screen; meanwhile two users above the chosen one go.
	w.SetContent(widget.NewLabel("Invite keys"))
	for _, row := range []int{0, 1} {
		if err := svc.Delete(ctx, s.row(row).ID); err != nil {
			t.Fatal(err)
		}
	}
	w.Resize(windowSizes[1])
	w.SetContent(inFrame(s))
	s.Reload() // the app reloads a screen it shows
	uitest.Settle(s.wait)

	if s.detail.id != chosen || s.highlight < 0 || s.row(s.highlight) == nil || s.row(s.highlight).ID != chosen {
		t.Fatalf("the detail pane shows %s, the table highlights row %d", s.detail.id, s.highlight)
	}
	if s.highlight != 3 {
		t.Errorf("highlighted row %d, want 3 (two rows above went)", s.highlight)
	}
	checks, labels := visibleCells(s)
	if len(checks) < 10 {
		t.Fatalf("%d selection boxes drawn", len(checks))
	}
	for _, c := range checks[:3] {
		mustBeInWindow(t, w, c, "selection box")
	}
	names := map[string]bool{}
	for _, l := range labels {
		names[l.Text] = true
	}
	for row := 0; row < 10; row++ {
		if name := s.CellText(row, colName); !names[name] {
			t.Errorf("row %d: name %q is not drawn", row, name)
		}
	}
}

func TestBulkDeactivateInAFilteredViewKeepsOnlyShownUsersSelected(t *testing.T) {
	test.NewTempApp(t)
	s, w, svc, _ := framedScreen(t, windowSizes[0], 200)
	ctx := context.Background()
	s.SetStatusFilter(data.StatusNotActivated)
	uitest.Settle(s.wait)
	n := s.Total()
	if n < 20 {
		t.Fatalf("only %d not activated", n)
	}
	s.SelectAllMatching()
	uitest.Settle(s.wait)
	s.Bulk(lifecycle.ActionDeactivate)
	uitest.Settle(s.wait)
	test.Tap(uitest.Button(t, w, "Deactivate ("+display.Count(n)+")"))
	uitest.Settle(s.wait)
	if s.LastResult == nil || s.LastResult.Done != n {
		t.Fatalf("result %+v, want %d done", s.LastResult, n)
	}
	if s.Total() != 0 || s.Selected() != 0 || s.selLabel.Text != "No users selected" {
		t.Fatalf("after the deactivation: %d shown, %d selected (%q)", s.Total(), s.Selected(), s.selLabel.Text)
	}
	uitest.CloseDialogs(w)
	// Nothing to deactivate now, whatever is pressed.
	s.Bulk(lifecycle.ActionDeactivate)
	uitest.Settle(s.wait)
	if len(w.Canvas().Overlays().List()) != 0 {
		t.Fatalf("a bulk action on nobody asked: %v", uitest.Keys(uitest.Texts(w)))
	}

	// A change that keeps the users in the filter keeps them selected; a reload
	// after one left drops it.
	s.SetStatusFilter(data.StatusActive)
	uitest.Settle(s.wait)
	s.SelectRows(0, 2)
	uitest.Settle(s.wait)
	ids := s.selectedIDs()
	if len(ids) != 3 {
		t.Fatalf("selected %d", len(ids))
	}
	s.Reload()
	uitest.Settle(s.wait)
	if s.Selected() != 3 {
		t.Fatalf("a reload changed the selection to %d", s.Selected())
	}
	if _, err := svc.Deactivate(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	s.Reload()
	uitest.Settle(s.wait)
	if s.Selected() != 2 || s.selected[ids[0]] || s.selLabel.Text != "2 selected" {
		t.Fatalf("after one left the filter: %d selected (%q), the one gone selected %v", s.Selected(), s.selLabel.Text, s.selected[ids[0]])
	}
}

func TestCancelInvitationOnlyForInvitedUsers(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	ctx := context.Background()
	never := uitest.CreateUser(t, svc, base, "Anna", "Never", "anna@example.org")
	uitest.CreateUser(t, svc, base, "Ben", "Never", "ben@example.org")
	invited := uitest.CreateUser(t, svc, base, "Cem", "Invited", "cem@example.org")
	if _, err := svc.SendInvitation(ctx, invited.User.ID, 0); err != nil {
		t.Fatal(err)
	}
	s, w := newScreen(t, st, svc)
	s.CellText(0, 1)
	uitest.Settle(s.wait)
	offered := func(row int) bool {
		for _, it := range s.rowMenuItems(s.row(row)) {
			if it.Label == "Cancel invitation…" {
				return true
			}
		}
		return false
	}
	for row := 0; row < 3; row++ {
		r := s.row(row)
		if want := r.ID == invited.User.ID; offered(row) != want {
			t.Errorf("%s (%s): Cancel invitation offered %v", r.FullName(), r.Status, offered(row))
		}
	}
	// The two never invited: a bulk cancel says it changes nobody, and why.
	for row := 0; row < 3; row++ {
		if s.row(row).ID != invited.User.ID {
			s.tick(row, true, false)
		}
	}
	s.Bulk(lifecycle.ActionCancel)
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "None of the 2 selected users can have their invitation cancelled: 2 never invited.") {
		t.Fatalf("no nobody-to-change message: %v", uitest.Keys(uitest.Texts(w)))
	}
	uitest.CloseDialogs(w)
	if k, err := st.LiveKey(ctx, never.User.ID); err != nil || k.Key != never.Key {
		t.Fatalf("the never invited user's key changed: %v", err)
	}
}

func TestBulkActionThatChangesNobodySaysWhy(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	for i := range 12 {
		uitest.CreateUser(t, svc, base, "User", fmt.Sprint(i), "")
	}
	s, w := newScreen(t, st, svc)
	s.SelectAllMatching()
	uitest.Settle(s.wait)
	s.Bulk(lifecycle.ActionReactivate)
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "None of the 12 selected users can be reactivated: 12 not deactivated.") {
		t.Fatalf("no nobody-to-change message: %v", uitest.Keys(uitest.Texts(w)))
	}
	for _, b := range []string{"Reactivate (0)", "Yes"} {
		for _, x := range uitest.Visible[*widget.Button](w) {
			if x.Text == b {
				t.Errorf("the dialog offers %q", b)
			}
		}
	}
	uitest.CloseDialogs(w)
	// One selected user.
	s.ClearSelection()
	s.tick(0, true, false)
	s.Bulk(lifecycle.ActionReactivate)
	uitest.Settle(s.wait)
	if !uitest.LabelShown(w, "The selected user cannot be reactivated: 1 not deactivated.") {
		t.Fatalf("no message for one user: %v", uitest.Keys(uitest.Texts(w)))
	}
}
