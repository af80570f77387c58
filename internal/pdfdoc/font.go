package pdfdoc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Font is a parsed TrueType font, embedded whole (no subsetting) as a
// CIDFontType2 font with Identity-H encoding and a ToUnicode map.
// It is safe for concurrent use after ParseFont.
type Font struct {
	ttf  []byte
	sf   *sfnt.Font
	name string
	upem float64
	bmp  []uint16 // glyph ID for every rune of the Basic Multilingual Plane
	adv  []uint16 // advance width of every glyph, in font units

	ascent, descent, capHeight float64 // font units, all positive
	bbox                       [4]int16
	italicAngle                float64
	fixedPitch                 bool
	stemV                      float64
}

// ParseFont parses a TrueType (glyf-outline) font. It precomputes the glyph
// of every rune in the Basic Multilingual Plane and every glyph's advance, so
// that measuring and drawing text needs no locks.
func ParseFont(ttf []byte) (*Font, error) {
	sf, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: parse font: %w", err)
	}
	if findTable(ttf, "glyf") == nil {
		return nil, errors.New("pdfdoc: parse font: no TrueType outlines (glyf table)")
	}
	head := findTable(ttf, "head")
	if len(head) < 44 {
		return nil, errors.New("pdfdoc: parse font: missing or short head table")
	}
	name, err := sf.Name(nil, sfnt.NameIDPostScript)
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: parse font: PostScript name: %w", err)
	}
	f := &Font{ttf: ttf, sf: sf, name: pdfName(name), upem: float64(sf.UnitsPerEm())}
	if f.name == "" {
		return nil, errors.New("pdfdoc: parse font: empty PostScript name")
	}
	for i := range f.bbox {
		f.bbox[i] = int16(binary.BigEndian.Uint16(head[36+2*i:]))
	}

	// With ppem equal to unitsPerEm, 26.6 values are font units times 64.
	ppem := fixed.Int26_6(sf.UnitsPerEm()) << 6
	var buf sfnt.Buffer
	m, err := sf.Metrics(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: parse font: metrics: %w", err)
	}
	f.ascent, f.descent, f.capHeight = float64(m.Ascent)/64, float64(m.Descent)/64, float64(m.CapHeight)/64
	if f.capHeight == 0 {
		f.capHeight = f.ascent
	}
	if post := sf.PostTable(); post != nil {
		f.italicAngle, f.fixedPitch = post.ItalicAngle, post.IsFixedPitch
	}
	weight := 400.0
	if os2 := findTable(ttf, "OS/2"); len(os2) >= 6 {
		weight = float64(binary.BigEndian.Uint16(os2[4:]))
	}
	f.stemV = 50 + (weight/65)*(weight/65) // the usual estimate; TrueType has no stem width

	f.adv = make([]uint16, sf.NumGlyphs())
	for g := range f.adv {
		a, err := sf.GlyphAdvance(&buf, sfnt.GlyphIndex(g), ppem, font.HintingNone)
		if err != nil {
			return nil, fmt.Errorf("pdfdoc: parse font: advance of glyph %d: %w", g, err)
		}
		f.adv[g] = uint16(a >> 6)
	}
	f.bmp = make([]uint16, 0x10000)
	for r := range f.bmp {
		if g, err := sf.GlyphIndex(&buf, rune(r)); err == nil && int(g) < len(f.adv) {
			f.bmp[r] = uint16(g)
		}
	}
	return f, nil
}

// glyph returns the glyph ID of r, 0 (.notdef) if the font lacks it.
func (f *Font) glyph(r rune) uint16 {
	if r >= 0 && r < 0x10000 {
		return f.bmp[r]
	}
	g, err := f.sf.GlyphIndex(nil, r)
	if err != nil || int(g) >= len(f.adv) {
		return 0
	}
	return uint16(g)
}

// Width returns the advance width of s in points at the given size, without kerning.
func (f *Font) Width(s string, size float64) float64 {
	var units int
	for _, r := range s {
		units += int(f.adv[f.glyph(r)])
	}
	return float64(units) * size / f.upem
}

// Has reports whether the font has a glyph for r.
func (f *Font) Has(r rune) bool { return f.glyph(r) != 0 }

// Ascent returns the font's ascent above the baseline in points at the given size.
func (f *Font) Ascent(size float64) float64 { return f.ascent * size / f.upem }

// Descent returns the font's descent below the baseline in points at the
// given size, as a positive number.
func (f *Font) Descent(size float64) float64 { return f.descent * size / f.upem }

// Name returns the font's PostScript name.
func (f *Font) Name() string { return f.name }

// em converts font units to the 1/1000 em units of PDF font metrics.
func (f *Font) em(units float64) float64 { return units * 1000 / f.upem }

// findTable returns the named table of an SFNT file, or nil.
func findTable(ttf []byte, tag string) []byte {
	if len(ttf) < 12 {
		return nil
	}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return nil
		}
		if string(ttf[rec:rec+4]) == tag {
			off := int64(binary.BigEndian.Uint32(ttf[rec+8:]))
			size := int64(binary.BigEndian.Uint32(ttf[rec+12:]))
			if off+size > int64(len(ttf)) {
				return nil
			}
			return ttf[off : off+size]
		}
	}
	return nil
}

// pdfName keeps the characters of s that may appear unescaped in a PDF name.
func pdfName(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' || strings.ContainsRune("()<>[]{}/%#", r) {
			return -1
		}
		return r
	}, s)
}
