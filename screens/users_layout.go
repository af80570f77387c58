package screens

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/screens/internal/uikit"
)

// The users screen fits every window from 1024×700 up: the table's columns follow
// its width (the less important ones narrow, then go), the filters wrap to a second
// line, and the bulk actions that do not fit go into a More menu. Nothing here
// makes the screen's MinSize wider than its widest single piece.

// tableMargin is the room the table leaves at its right edge for the vertical
// scroll bar, so that the row menu (⋯) stays clear of it.
const tableMargin = 12

// fitColumns chooses the columns of a table width wide (sep between columns) and
// their widths: the columns of rank 0 always, the others by rank as long as every
// column shown gets at least a quarter of the way from its narrowest to its
// preferred width (rather fewer columns than all of them cut short). The width left is shared out
// up to each column's preferred width, and beyond it by the columns' grow shares.
// The result is in table order: indexes into userColumns and their widths.
func fitColumns(width, sep float32) (cols []int, widths []float32) {
	on := make([]bool, len(userColumns))
	enough := func(c userColumn) float32 { return c.min + (c.width-c.min)/4 }
	used, usedEnough := float32(0), float32(0)
	var optional []int
	for i, c := range userColumns {
		if c.rank == 0 {
			on[i] = true
			used += c.min + sep
			usedEnough += enough(c) + sep
		} else {
			optional = append(optional, i)
		}
	}
	slices.SortStableFunc(optional, func(a, b int) int { return userColumns[a].rank - userColumns[b].rank })
	for _, i := range optional { // strictly by rank: a wider table shows more, never others
		c := userColumns[i]
		if usedEnough+enough(c)+sep > width {
			break
		}
		on[i] = true
		used += c.min + sep
		usedEnough += enough(c) + sep
	}
	extra := width - used
	var need, grow float32
	for i, c := range userColumns {
		if on[i] {
			need += c.width - c.min
			grow += c.grow
		}
	}
	for i, c := range userColumns {
		if !on[i] {
			continue
		}
		w := c.min
		switch {
		case extra <= 0:
		case extra <= need:
			w += (c.width - c.min) * extra / need
		case grow > 0:
			w = c.width + (extra-need)*c.grow/grow
		default:
			w = c.width
		}
		cols = append(cols, i)
		widths = append(widths, float32(int(w))) // whole pixels: fewer changes while resizing
	}
	return cols, widths
}

// tableFit lays out the users table at the size it gets and fits its columns to
// that width first.
type tableFit struct {
	s     *UsersScreen
	width float32 // the width the columns were fitted to
}

// MinSize is the table's own, at least as wide as the columns that always show:
// the table never needs to scroll sideways.
func (l *tableFit) MinSize(objs []fyne.CanvasObject) fyne.Size {
	sep := l.s.table.Theme().Size(theme.SizeNamePadding)
	w := float32(tableMargin)
	for _, c := range userColumns {
		if c.rank == 0 {
			w += c.min + sep
		}
	}
	return objs[0].MinSize().Max(fyne.NewSize(w, 0))
}

// Layout fits the columns to a new width, then gives the table the whole size.
func (l *tableFit) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if size.Width != l.width && size.Width > 0 {
		l.width = size.Width
		l.s.fitTable(size.Width)
	}
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}

// fitTable shows the columns that fit width and sets their widths.
func (s *UsersScreen) fitTable(width float32) {
	sep := s.table.Theme().Size(theme.SizeNamePadding)
	cols, widths := fitColumns(width-tableMargin, sep)
	changed := !slices.Equal(cols, s.cols)
	s.cols = cols
	for i, w := range widths {
		s.table.SetColumnWidth(i, w)
	}
	if changed {
		s.table.Refresh()
	}
	// The columns fit now: the table's own idea of its horizontal scroll goes back
	// to the start too (its scroll resets the offset when the content fits without
	// telling the table, which then leaves the first columns blank).
	s.table.ScrollToLeading()
}

// flowLayout places its objects left to right, each at its preferred width (at
// least its MinSize, at most the line), and starts a new line when the next one
// does not fit. The last object takes the rest of its line, at least fillMin wide
// (else it starts a line of its own). The MinSize is as wide as the widest object,
// and as high as the lines the last Layout needed.
type flowLayout struct {
	widths  []float32 // preferred width of each object but the last; 0 for its MinSize
	fillMin float32
	width   float32 // of the last Layout
}

// place computes where the visible objects go in a line width wide; it returns
// their rectangles (zero for hidden ones) and the height used.
func (l *flowLayout) place(objs []fyne.CanvasObject, width float32) ([]fyne.Position, []fyne.Size, float32) {
	gap := theme.Padding()
	lineH := float32(0)
	for _, o := range objs {
		if o.Visible() {
			lineH = max(lineH, o.MinSize().Height)
		}
	}
	pos := make([]fyne.Position, len(objs))
	sizes := make([]fyne.Size, len(objs))
	x, y, used := float32(0), float32(0), false
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		w := o.MinSize().Width
		last := i == len(objs)-1
		switch {
		case last:
			w = max(w, l.fillMin)
		case i < len(l.widths):
			w = max(w, l.widths[i])
		}
		w = min(w, width)
		if used && x+w > width {
			x, y = 0, y+lineH+gap
		}
		if last {
			w = max(w, width-x)
		}
		pos[i], sizes[i] = fyne.NewPos(x, y), fyne.NewSize(w, lineH)
		x, used = x+w+gap, true
	}
	if !used {
		return pos, sizes, 0
	}
	return pos, sizes, y + lineH
}

// height is how high the objects are laid out width wide.
func (l *flowLayout) height(objs []fyne.CanvasObject, width float32) float32 {
	_, _, h := l.place(objs, width)
	return h
}

// MinSize is the widest object's width and the height of the last layout (one
// line before the first).
func (l *flowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w := l.fillMin
	for _, o := range objs {
		if o.Visible() {
			w = max(w, o.MinSize().Width)
		}
	}
	if l.width == 0 {
		return fyne.NewSize(w, l.height(objs, 1e6))
	}
	return fyne.NewSize(w, l.height(objs, l.width))
}

// Layout places the objects in lines size.Width wide.
func (l *flowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	pos, sizes, _ := l.place(objs, size.Width)
	for i, o := range objs {
		if o.Visible() {
			o.Move(pos[i])
			o.Resize(sizes[i])
		}
	}
}

// stackLayout stacks the users screen's middle column from the top, with padding
// between: every object at its MinSize height, a flowing one (a container with a
// flowLayout) at the height its lines need at this width, and the object fill
// taking the height left.
type stackLayout struct {
	fill fyne.CanvasObject
}

// heightAt is how high o is at width.
func heightAt(o fyne.CanvasObject, width float32) float32 {
	if c, ok := o.(*fyne.Container); ok {
		if f, ok := c.Layout.(*flowLayout); ok {
			return f.height(c.Objects, width)
		}
	}
	return o.MinSize().Height
}

// MinSize is the widest object's width and the heights added up.
func (l *stackLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	n := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		w = max(w, m.Width)
		h += m.Height
		n++
	}
	if n > 1 {
		h += theme.Padding() * float32(n-1)
	}
	return fyne.NewSize(w, h)
}

// Layout places the objects top to bottom; fill gets what the others leave.
func (l *stackLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	gap := theme.Padding()
	heights := make([]float32, len(objs))
	rest, n := size.Height, 0
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		n++
		if o != l.fill {
			heights[i] = heightAt(o, size.Width)
			rest -= heights[i]
		}
	}
	if n > 1 {
		rest -= gap * float32(n-1)
	}
	y := float32(0)
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		h := heights[i]
		if o == l.fill {
			h = max(rest, o.MinSize().Height)
		}
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + gap
	}
}

// overflowBar lays out a bar of buttons in one line; the buttons that do not fit
// go into the menu of the More button at the end. The first object (the selection
// count) always shows. wanted says which objects the bar should offer at all.
type overflowBar struct {
	items  []fyne.CanvasObject
	more   *widget.Button
	wanted func(i int) bool
	over   []fyne.CanvasObject // the wanted items that did not fit at the last layout
	win    fyne.Window
}

// newOverflowBar builds a bar of items; wanted(i) says whether item i is offered.
func newOverflowBar(win fyne.Window, items []fyne.CanvasObject, wanted func(int) bool) (*overflowBar, *fyne.Container) {
	b := &overflowBar{items: items, wanted: wanted, win: win}
	b.more = &widget.Button{Text: lang.L("⋯ More"), OnTapped: b.showMore}
	return b, &fyne.Container{Layout: b, Objects: append(slices.Clone(items), b.more)}
}

// moreItems are the menu items of what did not fit: each button's text and action.
func (b *overflowBar) moreItems() []*fyne.MenuItem {
	var out []*fyne.MenuItem
	for _, o := range b.over {
		if btn, ok := o.(*widget.Button); ok {
			it := fyne.NewMenuItem(btn.Text, btn.OnTapped)
			it.Icon = btn.Icon
			it.Disabled = btn.Disabled()
			out = append(out, it)
		}
	}
	return out
}

// showMore opens the menu of what did not fit just above the More button (the bar
// is at the bottom of the window).
func (b *overflowBar) showMore() {
	items := b.moreItems()
	if len(items) == 0 {
		return
	}
	m := widget.NewPopUpMenu(fyne.NewMenu("", items...), b.win.Canvas())
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b.more)
	m.ShowAtPosition(fyne.NewPos(pos.X, max(0, pos.Y-m.MinSize().Height)))
}

// offered lists the wanted items.
func (b *overflowBar) offered() []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for i, o := range b.items {
		if b.wanted(i) {
			out = append(out, o)
		}
	}
	return out
}

// MinSize is the first item and the More button when more are offered.
func (b *overflowBar) MinSize([]fyne.CanvasObject) fyne.Size {
	offered := b.offered()
	var w, h float32
	for i, o := range offered {
		m := o.MinSize()
		h = max(h, m.Height)
		if i == 0 {
			w = m.Width
		}
	}
	if len(offered) > 1 {
		m := b.more.MinSize()
		w += theme.Padding() + m.Width
		h = max(h, m.Height)
	}
	return fyne.NewSize(w, h)
}

// Layout shows the offered items that fit in order, the More button after them
// when some do not, and hides the rest.
func (b *overflowBar) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	gap := theme.Padding()
	offered := b.offered()
	total := float32(0)
	for i, o := range offered {
		if i > 0 {
			total += gap
		}
		total += o.MinSize().Width
	}
	fit := len(offered)
	if total > size.Width {
		room := size.Width - gap - b.more.MinSize().Width
		x := float32(0)
		fit = 0
		for i, o := range offered {
			w := o.MinSize().Width
			if i > 0 && x+w > room {
				break
			}
			x += w + gap
			fit++
		}
	}
	for _, o := range b.items {
		uikit.SetVisible(o, slices.Contains(offered[:fit], o))
	}
	b.over = offered[fit:]
	uikit.SetVisible(b.more, len(b.over) > 0)
	x := float32(0)
	for _, o := range append(offered[:fit:fit], b.more) {
		if o.Visible() {
			m := o.MinSize()
			o.Resize(m)
			o.Move(fyne.NewPos(x, (size.Height-m.Height)/2))
			x += m.Width + gap
		}
	}
}
