package letterscreen

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"onboard/internal/letters"
)

// The fonts of the printed letters, parsed once.
var (
	letterFontsOnce sync.Once
	letterFonts     [3]*opentype.Font
)

func letterFont(f letters.Face) *opentype.Font {
	letterFontsOnce.Do(func() {
		for i, ttf := range [][]byte{goregular.TTF, gobold.TTF, gomono.TTF} {
			var err error
			if letterFonts[i], err = opentype.Parse(ttf); err != nil {
				panic("screens: bundled font: " + err.Error())
			}
		}
	})
	return letterFonts[f]
}

// previewGap is the room around the sheet for its shadow, in pixels.
const previewGap = 6

// PageView draws one letter as it prints: the layout of letters.Page on a white
// sheet, scaled to the space it has, with the page's proportions.
type PageView struct {
	widget.BaseWidget

	page     *letters.Page
	logoFile string
	objects  []fyne.CanvasObject // one per item of the page; nil for what is not drawn
	shadow   *canvas.Rectangle
	sheet    *canvas.Rectangle
	warning  *widget.Label
	all      []fyne.CanvasObject // what the renderer draws, back to front
}

// NewPageView returns an empty sheet; SetPage gives it a letter.
func NewPageView() *PageView {
	p := &PageView{
		shadow:  &canvas.Rectangle{FillColor: color.NRGBA{A: 40}, CornerRadius: 2},
		sheet:   &canvas.Rectangle{FillColor: color.White, StrokeColor: color.Gray{Y: 190}, StrokeWidth: 1},
		warning: &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord},
	}
	p.warning.Hide()
	p.all = []fyne.CanvasObject{p.shadow, p.sheet, p.warning}
	p.ExtendBaseWidget(p)
	return p
}

// SetPage shows page (nil for an empty sheet); logoFile is the image of its logo item.
func (p *PageView) SetPage(page *letters.Page, logoFile string) {
	p.page, p.logoFile = page, logoFile
	p.objects = p.objects[:0]
	if page != nil {
		for i := range page.Items {
			p.objects = append(p.objects, newItemObject(&page.Items[i], logoFile))
		}
	}
	p.all = []fyne.CanvasObject{p.shadow, p.sheet}
	for _, o := range p.objects {
		if o != nil {
			p.all = append(p.all, o)
		}
	}
	p.all = append(p.all, p.warning)
	if page != nil && page.Overflow > 0 {
		p.warning.SetText(overflowText(page.Overflow))
		p.warning.Show()
	} else {
		p.warning.SetText("")
		p.warning.Hide()
	}
	p.Refresh()
}

// Page is the letter shown, nil for none.
func (p *PageView) Page() *letters.Page { return p.page }

// Warning is the warning under the sheet, "" when there is none.
func (p *PageView) Warning() string {
	if !p.warning.Visible() {
		return ""
	}
	return p.warning.Text
}

func overflowText(lines int) string {
	if lines == 1 {
		return lang.L("The instructions are 1 line too long for one page. Shorten the text.")
	}
	return fmt.Sprintf(lang.L("The instructions are %d lines too long for one page. Shorten the text."), lines)
}

// newItemObject is the canvas object drawing one item, placed later by layout.
func newItemObject(it *letters.Item, logoFile string) fyne.CanvasObject {
	switch it.Kind {
	case letters.KindText:
		if it.Text == "" {
			return nil
		}
		return newTextRaster(it)
	case letters.KindRect, letters.KindLine:
		return &canvas.Rectangle{FillColor: color.Gray{Y: it.Gray}}
	case letters.KindImage:
		if logoFile == "" {
			return nil
		}
		img := canvas.NewImageFromFile(logoFile)
		img.FillMode = canvas.ImageFillContain
		return img
	case letters.KindQR:
		if it.QR == nil {
			return nil
		}
		img := canvas.NewImageFromImage(qrImage(it))
		img.ScaleMode = canvas.ImageScalePixels // sharp modules at any size
		img.FillMode = canvas.ImageFillStretch
		return img
	}
	return nil
}

// qrImage draws the code of a QR item, quiet zone included, one pixel a module,
// from the same runs the PDF fills.
func qrImage(it *letters.Item) image.Image {
	n := it.QR.Size + 2*letters.QRQuiet
	img := image.NewGray(image.Rect(0, 0, n, n))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	unit := *it
	unit.X, unit.Y, unit.W, unit.H = 0, 0, float64(n), float64(n)
	letters.QRRuns(&unit, func(x, y, w, h float64) {
		x0, y0 := int(math.Round(x)), int(math.Round(y))
		x1, y1 := int(math.Round(x+w)), int(math.Round(y+h))
		for yy := y0; yy < y1; yy++ {
			for xx := x0; xx < x1; xx++ {
				img.SetGray(xx, yy, color.Gray{})
			}
		}
	})
	return img
}

// CreateRenderer is part of fyne.Widget.
func (p *PageView) CreateRenderer() fyne.WidgetRenderer { return &previewRenderer{p: p} }

type previewRenderer struct{ p *PageView }

func (r *previewRenderer) Destroy() {}

func (r *previewRenderer) Objects() []fyne.CanvasObject { return r.p.all }

func (r *previewRenderer) MinSize() fyne.Size {
	min := fyne.NewSize(180, 250)
	if r.p.warning.Visible() {
		min.Height += r.p.warning.MinSize().Height
	}
	return min
}

func (r *previewRenderer) Refresh() {
	r.Layout(r.p.Size())
	for _, o := range r.p.all {
		o.Refresh()
	}
}

// Layout scales the page into size, keeping its proportions, and places every item.
func (r *previewRenderer) Layout(size fyne.Size) {
	p := r.p
	avail := size
	if p.warning.Visible() {
		wh := p.warning.MinSize().Height
		p.warning.Resize(fyne.NewSize(size.Width, wh))
		p.warning.Move(fyne.NewPos(0, size.Height-wh))
		avail.Height -= wh + theme.Padding()
	}
	pw, ph := float32(595.28), float32(841.89)
	if p.page != nil && p.page.Width > 0 && p.page.Height > 0 {
		pw, ph = float32(p.page.Width), float32(p.page.Height)
	}
	scale := fyne.Min((avail.Width-2*previewGap)/pw, (avail.Height-2*previewGap)/ph)
	if scale <= 0 {
		return
	}
	sheet := fyne.NewSize(pw*scale, ph*scale)
	origin := fyne.NewPos((size.Width-sheet.Width)/2, (avail.Height-sheet.Height)/2)
	p.sheet.Move(origin)
	p.sheet.Resize(sheet)
	p.shadow.Move(origin.AddXY(3, 3))
	p.shadow.Resize(sheet)
	if p.page == nil {
		return
	}
	at := func(x, y float64) fyne.Position {
		return origin.AddXY(float32(x)*scale, float32(y)*scale)
	}
	for i, o := range p.objects {
		if o == nil {
			continue
		}
		it := &p.page.Items[i]
		switch it.Kind {
		case letters.KindText:
			x, y, w, h := textBox(it)
			o.Move(at(x, y))
			o.Resize(fyne.NewSize(float32(w)*scale, float32(h)*scale))
		case letters.KindLine:
			h := fyne.Max(float32(it.H)*scale, 1)
			pos := at(it.X, it.Y)
			o.Move(fyne.NewPos(pos.X, pos.Y-h/2))
			o.Resize(fyne.NewSize(float32(it.W)*scale, h))
		default:
			o.Move(at(it.X, it.Y))
			o.Resize(fyne.NewSize(float32(it.W)*scale, float32(it.H)*scale))
		}
	}
}

// textBox is the box a text item is drawn in, in points: from a little above the
// ascent to below the descent, a little wider than the text for overhanging glyphs.
func textBox(it *letters.Item) (x, y, w, h float64) {
	pad := it.Size * 0.3
	return it.X - pad, it.Baseline - it.Size*1.1, it.W + 2*pad, it.Size * 1.5
}

// newTextRaster draws a text item. Fyne's canvas.Text spaces glyphs as if the size
// were rounded up to whole units (go-text shapes at Size.Ceil()): at preview sizes
// that widens lines by up to a tenth, so they would run past the margins the PDF
// keeps. This draws every glyph at the exact size and advance the PDF uses (no
// kerning, no hinting), at the screen's pixel density.
func newTextRaster(it *letters.Item) *canvas.Raster {
	r := canvas.NewRaster(func(w, h int) image.Image {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		bx, by, bw, _ := textBox(it)
		k := float64(w) / bw // pixels per point
		if k <= 0 || it.Size*k < 1 {
			return img
		}
		face, err := opentype.NewFace(letterFont(it.Face), &opentype.FaceOptions{Size: it.Size * k, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return img
		}
		defer face.Close()
		src := image.NewUniform(color.Gray{Y: it.Gray})
		dot := fixed.Point26_6{X: fixed.Int26_6((it.X - bx) * k * 64), Y: fixed.Int26_6((it.Baseline - by) * k * 64)}
		for _, c := range it.Text {
			dr, mask, mp, adv, ok := face.Glyph(dot, c)
			if !ok {
				dr, mask, mp, adv, _ = face.Glyph(dot, '\ufffd')
			}
			if mask != nil {
				draw.DrawMask(img, dr, src, image.Point{}, mask, mp, draw.Over)
			}
			dot.X += adv
		}
		return img
	})
	return r
}
