package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"math"
	"strconv"
	"sync"
)

// Page is the content of one page. A Page is built by one goroutine and is
// independent of any Writer, so many pages can be built in parallel.
// Coordinates are in points with the origin at the top-left corner of the
// page and y growing downwards.
type Page struct {
	width, height float64

	content    []byte
	compressed []byte // the deflated content once Compress has run
	done       bool   // Compress has run; the page can no longer be drawn on

	fonts  []pageFont // in order of first use; resource name /F<index>
	images []*Image   // in order of first use; resource name /Im<index>

	fill       [3]uint8
	fillSet    bool // fill has been emitted
	pathFilled bool // content ends with rectangles still waiting for their f
}

// pageFont records which glyphs of a font a page uses and the rune each
// was first printed for.
type pageFont struct {
	font *Font
	seen []uint64 // bit set of glyph IDs
	used []glyphUse
}

// glyphUse is a glyph printed on a page and the rune it stood for.
type glyphUse struct {
	glyph uint16
	r     rune
}

// NewPage returns an empty page of the given size in points; A4 is 595.28 × 841.89.
func NewPage(width, height float64) *Page {
	p := &Page{width: width, height: height}
	if buf, ok := contentPool.Get().(*[]byte); ok {
		p.content = *buf
	}
	return p
}

// contentPool holds the content buffers of compressed pages for reuse.
var contentPool sync.Pool

// Width returns the page width in points.
func (p *Page) Width() float64 { return p.width }

// Height returns the page height in points.
func (p *Page) Height() float64 { return p.height }

// SetFill sets the colour of text and rectangles drawn after it. The initial colour is black.
func (p *Page) SetFill(r, g, b uint8) {
	c := [3]uint8{r, g, b}
	if p.fillSet && c == p.fill {
		return
	}
	p.op()
	p.fill, p.fillSet = c, true
	p.content = appendColor(p.content, r, g, b)
	p.content = append(p.content, "rg\n"...)
}

// Text draws s with its baseline starting at (x, baselineY). Runes the font
// lacks are drawn as its .notdef glyph.
func (p *Page) Text(f *Font, size, x, baselineY float64, s string) {
	if s == "" {
		return
	}
	p.op()
	i := p.fontIndex(f)
	pf := &p.fonts[i]
	c := append(p.content, "BT /F"...)
	c = strconv.AppendInt(c, int64(i), 10)
	c = append(c, ' ')
	c = appendNum(c, size)
	c = append(c, " Tf 1 0 0 1 "...)
	c = appendNum(c, x)
	c = append(c, ' ')
	c = appendNum(c, p.height-baselineY)
	c = append(c, " Tm <"...)
	const hex = "0123456789ABCDEF"
	for _, r := range s {
		g := f.glyph(r)
		if bit := uint64(1) << (g & 63); pf.seen[g>>6]&bit == 0 {
			pf.seen[g>>6] |= bit
			pf.used = append(pf.used, glyphUse{g, r})
		}
		c = append(c, hex[g>>12], hex[g>>8&15], hex[g>>4&15], hex[g&15])
	}
	p.content = append(c, "> Tj ET\n"...)
}

// Rect fills a rectangle whose top-left corner is at (x, y) with the fill colour.
func (p *Page) Rect(x, y, w, h float64) {
	p.checkOpen()
	// Consecutive rectangles (such as the modules of a QR code) form one path, filled once.
	p.pathFilled = true
	c := appendNum(p.content, x)
	c = append(c, ' ')
	c = appendNum(c, p.height-y-h)
	c = append(c, ' ')
	c = appendNum(c, w)
	c = append(c, ' ')
	c = appendNum(c, h)
	p.content = append(c, " re\n"...)
}

// Cells fills cells of a grid whose top-left corner is at (x, y), each cell a
// square of side cell: runs yields each horizontal run of filled cells (its
// first column, its row and how many cells it spans). The runs are written in
// the grid's own whole-number coordinates under one transformation, so a QR code
// costs a few bytes per run instead of four decimal numbers.
func (p *Page) Cells(x, y, cell float64, runs func(yield func(col, row, n int) bool)) {
	p.op()
	c := append(p.content, "q "...)
	c = appendNum(c, cell)
	c = append(c, " 0 0 "...)
	c = appendNum(c, -cell)
	c = append(c, ' ')
	c = appendNum(c, x)
	c = append(c, ' ')
	c = appendNum(c, p.height-y)
	c = append(c, " cm\n"...)
	runs(func(col, row, n int) bool {
		c = strconv.AppendInt(c, int64(col), 10)
		c = append(c, ' ')
		c = strconv.AppendInt(c, int64(row), 10)
		c = append(c, ' ')
		c = strconv.AppendInt(c, int64(n), 10)
		c = append(c, " 1 re\n"...)
		return true
	})
	p.content = append(c, "f Q\n"...)
}

// Line strokes a straight line from (x1, y1) to (x2, y2) with the given
// width and colour.
func (p *Page) Line(x1, y1, x2, y2, width float64, r, g, b uint8) {
	p.op()
	c := appendColor(p.content, r, g, b)
	c = append(c, "RG "...)
	c = appendNum(c, width)
	c = append(c, " w "...)
	c = appendNum(c, x1)
	c = append(c, ' ')
	c = appendNum(c, p.height-y1)
	c = append(c, " m "...)
	c = appendNum(c, x2)
	c = append(c, ' ')
	c = appendNum(c, p.height-y2)
	p.content = append(c, " l S\n"...)
}

// Image draws im scaled to a w × h box whose top-left corner is at (x, y).
func (p *Page) Image(im *Image, x, y, w, h float64) {
	p.op()
	i := 0
	for i < len(p.images) && p.images[i] != im {
		i++
	}
	if i == len(p.images) {
		p.images = append(p.images, im)
	}
	c := append(p.content, "q "...)
	c = appendNum(c, w)
	c = append(c, " 0 0 "...)
	c = appendNum(c, h)
	c = append(c, ' ')
	c = appendNum(c, x)
	c = append(c, ' ')
	c = appendNum(c, p.height-y-h)
	c = append(c, " cm /Im"...)
	c = strconv.AppendInt(c, int64(i), 10)
	p.content = append(c, " Do Q\n"...)
}

// Compress deflates the page content. Calling it from the goroutine that
// built the page lets pages be compressed in parallel; otherwise AddPage does
// it. Drawing on the page afterwards panics. Calling Compress again does nothing.
func (p *Page) Compress() error {
	if p.done {
		return nil
	}
	p.op()
	p.done = true
	if len(p.content) > 0 {
		z, err := deflate(p.content)
		if err != nil {
			return fmt.Errorf("pdfdoc: compress page: %w", err)
		}
		p.compressed = z
	}
	buf := p.content[:0]
	contentPool.Put(&buf)
	p.content = nil
	return nil
}

// op ends any pending rectangle path before another operation.
func (p *Page) op() {
	p.checkOpen()
	if p.pathFilled {
		p.content = append(p.content, "f\n"...)
		p.pathFilled = false
	}
}

// checkOpen panics if the page has been compressed.
func (p *Page) checkOpen() {
	if p.done {
		panic("pdfdoc: drawing on a page after Compress or AddPage")
	}
}

// fontIndex returns the index of f among the page's fonts, adding it if new.
func (p *Page) fontIndex(f *Font) int {
	for i, pf := range p.fonts {
		if pf.font == f {
			return i
		}
	}
	p.fonts = append(p.fonts, pageFont{font: f, seen: make([]uint64, (len(f.adv)+63)/64)})
	return len(p.fonts) - 1
}

// appendNum appends v rounded to 3 decimals, without trailing zeros.
func appendNum(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e12 {
		v = 0
	}
	n := int64(math.Round(v * 1000))
	neg := n < 0
	if neg {
		n = -n
	}
	var d [24]byte // digits, written backwards
	i := len(d)
	if frac := n % 1000; frac != 0 {
		skip := true // trailing zeros
		for range 3 {
			if c := byte('0' + frac%10); c != '0' || !skip {
				i--
				d[i], skip = c, false
			}
			frac /= 10
		}
		i--
		d[i] = '.'
	}
	for n /= 1000; ; n /= 10 {
		i--
		d[i] = byte('0' + n%10)
		if n < 10 {
			break
		}
	}
	if neg {
		i--
		d[i] = '-'
	}
	return append(b, d[i:]...)
}

// num formats v like appendNum.
func num(v float64) string { return string(appendNum(nil, v)) }

// appendColor appends "r g b " with components scaled to 0..1.
func appendColor(b []byte, r, g, bl uint8) []byte {
	for _, c := range [3]uint8{r, g, bl} {
		b = appendNum(b, float64(c)/255)
		b = append(b, ' ')
	}
	return b
}

// zlibPool holds zlib compressors for reuse: each one allocates about a megabyte.
var zlibPool = sync.Pool{New: func() any {
	z, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // cannot fail for a valid level
	return z
}}

// deflate returns src compressed in zlib format, as the FlateDecode filter expects.
func deflate(src []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(src)/2 + 64)
	z := zlibPool.Get().(*zlib.Writer)
	defer zlibPool.Put(z)
	z.Reset(&buf)
	if _, err := z.Write(src); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
