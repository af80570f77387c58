package uikit

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Tip puts a tooltip on an action: while the pointer rests on the action, a small
// pop-up near the pointer shows the text, e.g. why the action is disabled. Fyne
// 2.7 has no tooltip widget.
//
// A transparent shield lies over the action while there is a text (a disabled
// button does not report the pointer), so taps still reach the action below it.
// The pop-up is an overlay of the canvas; an overlay takes every pointer event
// while it is shown, so the overlay itself follows the pointer and goes away as
// soon as the pointer leaves the action (a widget.PopUp would take the pointer from
// the action and flicker on and off with every move).
type Tip struct {
	widget.BaseWidget
	content fyne.CanvasObject
	shield  *tipShield
}

// NewTip wraps content, with no tooltip until SetText.
func NewTip(content fyne.CanvasObject) *Tip {
	t := &Tip{content: content}
	t.shield = &tipShield{tip: t}
	t.shield.ExtendBaseWidget(t.shield)
	t.shield.Hide()
	t.ExtendBaseWidget(t)
	return t
}

// SetText sets the tooltip; "" removes it.
func (t *Tip) SetText(text string) {
	t.shield.text = text
	if text == "" {
		t.shield.hideTip()
		t.shield.Hide()
	} else {
		t.shield.Show()
		if t.shield.layer != nil {
			t.shield.layer.setText(text)
		}
	}
}

// Text is the tooltip, "" when there is none.
func (t *Tip) Text() string { return t.shield.text }

// Shown reports whether the tooltip pop-up is on screen.
func (t *Tip) Shown() bool { return t.shield.layer != nil }

// CreateRenderer is a private method to Fyne which links this widget to its renderer.
func (t *Tip) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(t.content, t.shield))
}

// tipShield lies over the action and shows the tooltip when the pointer enters it.
type tipShield struct {
	widget.BaseWidget
	tip   *Tip
	text  string
	layer *tipLayer // while the tooltip is shown
}

func (s *tipShield) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// MouseIn shows the tooltip near the pointer.
func (s *tipShield) MouseIn(ev *desktop.MouseEvent) {
	if s.text == "" || s.layer != nil {
		return
	}
	app := fyne.CurrentApp()
	if app == nil {
		return
	}
	c := app.Driver().CanvasForObject(s)
	if c == nil {
		return
	}
	s.layer = newTipLayer(s, c, app.Driver().AbsolutePositionForObject(s), s.Size(), ev.AbsolutePosition)
	c.Overlays().Add(s.layer)
}

// MouseMoved does nothing: once the tooltip is shown its layer follows the pointer.
func (s *tipShield) MouseMoved(*desktop.MouseEvent) {}

// MouseOut does nothing: the shield loses the pointer to the tooltip's layer as
// soon as the tooltip shows, and the layer hides it when the pointer leaves.
func (s *tipShield) MouseOut() {}

func (s *tipShield) hideTip() {
	if s.layer == nil {
		return
	}
	s.layer.c.Overlays().Remove(s.layer)
	s.layer = nil
}

// Hide hides the shield and its tooltip.
func (s *tipShield) Hide() {
	s.hideTip()
	s.BaseWidget.Hide()
}

// tipLayer is the overlay of a shown tooltip: it covers the canvas, draws the text
// in a box near the pointer and removes itself when the pointer leaves the action's
// area, leaves the window or clicks.
type tipLayer struct {
	widget.BaseWidget
	shield   *tipShield
	c        fyne.Canvas
	areaPos  fyne.Position // the action's area on the canvas
	areaSize fyne.Size
	pointer  fyne.Position
	label    *widget.Label
	box      *fyne.Container
}

func newTipLayer(s *tipShield, c fyne.Canvas, pos fyne.Position, size fyne.Size, pointer fyne.Position) *tipLayer {
	l := &tipLayer{shield: s, c: c, areaPos: pos, areaSize: size, pointer: pointer}
	l.label = &widget.Label{Text: s.text}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	bg.StrokeWidth = 1
	bg.CornerRadius = theme.InputRadiusSize()
	l.box = container.NewStack(bg, l.label)
	l.ExtendBaseWidget(l)
	l.Move(fyne.NewPos(0, 0))
	l.Resize(c.Size())
	return l
}

func (l *tipLayer) setText(text string) {
	l.label.SetText(text)
	l.Refresh()
}

// CreateRenderer is a private method to Fyne which links this widget to its renderer.
func (l *tipLayer) CreateRenderer() fyne.WidgetRenderer { return &tipLayerRenderer{l: l} }

// inside reports whether p (on the canvas) is within the action's area.
func (l *tipLayer) inside(p fyne.Position) bool {
	return p.X >= l.areaPos.X && p.Y >= l.areaPos.Y &&
		p.X < l.areaPos.X+l.areaSize.Width && p.Y < l.areaPos.Y+l.areaSize.Height
}

func (l *tipLayer) follow(ev *desktop.MouseEvent) {
	if !l.inside(ev.AbsolutePosition) {
		l.shield.hideTip()
	}
}

// MouseIn and MouseMoved hide the tooltip once the pointer leaves the action.
func (l *tipLayer) MouseIn(ev *desktop.MouseEvent)    { l.follow(ev) }
func (l *tipLayer) MouseMoved(ev *desktop.MouseEvent) { l.follow(ev) }

// MouseOut hides the tooltip: the pointer left the window.
func (l *tipLayer) MouseOut() { l.shield.hideTip() }

// Tapped hides the tooltip.
func (l *tipLayer) Tapped(*fyne.PointEvent) { l.shield.hideTip() }

type tipLayerRenderer struct{ l *tipLayer }

func (r *tipLayerRenderer) Layout(size fyne.Size) {
	l := r.l
	min := l.box.MinSize()
	// Below and right of the pointer, kept inside the canvas.
	pos := l.pointer.Add(fyne.NewPos(12, 20))
	if pos.X+min.Width > size.Width {
		pos.X = max(0, size.Width-min.Width-4)
	}
	if pos.Y+min.Height > size.Height {
		pos.Y = max(0, l.pointer.Y-min.Height-8)
	}
	l.box.Move(pos)
	l.box.Resize(min)
}

func (r *tipLayerRenderer) MinSize() fyne.Size { return fyne.NewSize(0, 0) }

func (r *tipLayerRenderer) Refresh() {
	r.Layout(r.l.Size())
	r.l.box.Refresh()
}

func (r *tipLayerRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.l.box} }

func (r *tipLayerRenderer) Destroy() {}
