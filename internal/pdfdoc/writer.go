// Package pdfdoc writes PDF files page by page with little memory: each page
// is written as soon as it is added, so memory stays flat however many pages
// a document has. Pages are built independently of the Writer (and may be
// built and compressed in parallel), then added in order. Text uses embedded
// TrueType fonts with Unicode mappings; images are PNG or JPEG.
package pdfdoc

import (
	"bufio"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// Info is the document information written into the file. Empty fields and
// a zero Created time are left out.
type Info struct {
	Title, Author, Creator, Producer string
	Created                          time.Time
}

// Writer streams a PDF to an io.Writer: the header at NewWriter, each page
// at AddPage, and fonts, the page tree, the cross-reference table and the
// trailer at Close. A Writer is not safe for concurrent use.
type Writer struct {
	out     countWriter
	info    Info
	offsets []int64 // byte offset of each object; index 0 is unused
	pages   []int   // page object numbers
	fonts   []*fontUse
	fontObj map[*Font]*fontUse
	imgObj  map[*Image]int
	closed  bool
}

// fontUse is a font used in the document: its reserved object number and,
// for every glyph, the rune it was first printed for (-1 if never printed).
type fontUse struct {
	font  *Font
	obj   int
	runes []rune
}

// countWriter counts the bytes written and keeps the first error.
type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countWriter) Write(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
	return n, err
}

// pagesObj is the object number of the page tree, reserved up front so that
// pages can name their parent.
const pagesObj = 1

// NewWriter writes the PDF header to w and returns a Writer for the pages.
// Write errors are reported by AddPage and Close.
func NewWriter(w io.Writer, info Info) *Writer {
	pw := &Writer{
		out:     countWriter{w: bufio.NewWriterSize(w, 256<<10)},
		info:    info,
		offsets: make([]int64, pagesObj+1),
		fontObj: make(map[*Font]*fontUse),
		imgObj:  make(map[*Image]int),
	}
	io.WriteString(&pw.out, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return pw
}

// Pages returns the number of pages added so far.
func (w *Writer) Pages() int { return len(w.pages) }

// reserve allocates an object number to be written later.
func (w *Writer) reserve() int {
	w.offsets = append(w.offsets, 0)
	return len(w.offsets) - 1
}

// begin starts object n (0 allocates a new one) and returns its number.
func (w *Writer) begin(n int) int {
	if n == 0 {
		n = w.reserve()
	}
	w.offsets[n] = w.out.n
	fmt.Fprintf(&w.out, "%d 0 obj\n", n)
	return n
}

// stream writes a stream object whose dictionary entries (without Length) are dict.
func (w *Writer) stream(n int, dict string, data []byte) int {
	n = w.begin(n)
	fmt.Fprintf(&w.out, "<<%s/Length %d>>\nstream\n", dict, len(data))
	w.out.Write(data)
	io.WriteString(&w.out, "\nendstream\nendobj\n")
	return n
}

// AddPage compresses p if Compress has not been called, and writes its
// content stream and page object, along with any image it is the first
// page to use. p cannot be drawn on afterwards.
func (w *Writer) AddPage(p *Page) error {
	if w.closed {
		return errors.New("pdfdoc: add page: writer is closed")
	}
	if err := p.Compress(); err != nil {
		return err
	}
	var res strings.Builder
	if len(p.fonts) > 0 {
		res.WriteString("/Font<<")
		for i, pf := range p.fonts {
			u := w.fontObj[pf.font]
			if u == nil {
				u = &fontUse{font: pf.font, obj: w.reserve(), runes: make([]rune, len(pf.font.adv))}
				for g := range u.runes {
					u.runes[g] = -1
				}
				w.fontObj[pf.font] = u
				w.fonts = append(w.fonts, u)
			}
			for _, gu := range pf.used {
				if u.runes[gu.glyph] < 0 {
					u.runes[gu.glyph] = gu.r
				}
			}
			fmt.Fprintf(&res, "/F%d %d 0 R", i, u.obj)
		}
		res.WriteString(">>")
	}
	if len(p.images) > 0 {
		res.WriteString("/XObject<<")
		for i, im := range p.images {
			n, ok := w.imgObj[im]
			if !ok {
				n = w.writeImage(im)
				w.imgObj[im] = n
			}
			fmt.Fprintf(&res, "/Im%d %d 0 R", i, n)
		}
		res.WriteString(">>")
	}
	contents := ""
	if p.compressed != nil {
		contents = fmt.Sprintf("/Contents %d 0 R", w.stream(0, "/Filter/FlateDecode", p.compressed))
	}
	w.pages = append(w.pages, w.begin(0))
	fmt.Fprintf(&w.out, "<</Type/Page/Parent %d 0 R/MediaBox[0 0 %s %s]/Resources<<%s>>%s>>\nendobj\n",
		pagesObj, num(p.width), num(p.height), res.String(), contents)
	if w.out.err != nil {
		return fmt.Errorf("pdfdoc: add page %d: %w", len(w.pages), w.out.err)
	}
	return nil
}

// writeImage writes im (and its soft mask) and returns its object number.
func (w *Writer) writeImage(im *Image) int {
	dict := fmt.Sprintf("/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/%s/BitsPerComponent 8/Filter/%s",
		im.w, im.h, im.colorSpace, im.filter)
	if im.decode != "" {
		dict += "/Decode" + im.decode
	}
	if im.smask != nil {
		mask := w.stream(0, fmt.Sprintf("/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceGray/BitsPerComponent 8/Filter/FlateDecode",
			im.w, im.h), im.smask)
		dict += fmt.Sprintf("/SMask %d 0 R", mask)
	}
	return w.stream(0, dict, im.data)
}

// Close writes the fonts, the page tree, the catalog, the document
// information, the cross-reference table and the trailer, and flushes.
// It does not close the underlying io.Writer.
func (w *Writer) Close() error {
	if w.closed {
		return errors.New("pdfdoc: close: writer is already closed")
	}
	w.closed = true
	for _, u := range w.fonts {
		if err := w.writeFont(u); err != nil {
			return err
		}
	}

	w.begin(pagesObj)
	fmt.Fprintf(&w.out, "<</Type/Pages/Count %d/Kids[", len(w.pages))
	for i, n := range w.pages {
		if i > 0 {
			io.WriteString(&w.out, " ")
		}
		fmt.Fprintf(&w.out, "%d 0 R", n)
	}
	io.WriteString(&w.out, "]>>\nendobj\n")
	catalog := w.begin(0)
	fmt.Fprintf(&w.out, "<</Type/Catalog/Pages %d 0 R>>\nendobj\n", pagesObj)
	infoObj := w.begin(0)
	info := w.infoDict()
	fmt.Fprintf(&w.out, "<<%s>>\nendobj\n", info)

	xref := w.out.n
	fmt.Fprintf(&w.out, "xref\n0 %d\n0000000000 65535 f\r\n", len(w.offsets))
	for _, off := range w.offsets[1:] {
		fmt.Fprintf(&w.out, "%010d 00000 n\r\n", off)
	}
	id := md5.Sum(fmt.Appendf(nil, "%s %d %d", info, len(w.pages), xref))
	fmt.Fprintf(&w.out, "trailer\n<</Size %d/Root %d 0 R/Info %d 0 R/ID[<%x><%x>]>>\nstartxref\n%d\n%%%%EOF\n",
		len(w.offsets), catalog, infoObj, id, id, xref)
	if w.out.err == nil {
		w.out.err = w.out.w.Flush()
	}
	if w.out.err != nil {
		return fmt.Errorf("pdfdoc: close: %w", w.out.err)
	}
	return nil
}

// infoDict returns the entries of the document information dictionary.
func (w *Writer) infoDict() string {
	var b strings.Builder
	for _, e := range []struct{ key, val string }{
		{"Title", w.info.Title},
		{"Author", w.info.Author},
		{"Creator", w.info.Creator},
		{"Producer", w.info.Producer},
	} {
		if e.val != "" {
			fmt.Fprintf(&b, "/%s<FEFF", e.key) // UTF-16BE text string
			for _, u := range utf16.Encode([]rune(e.val)) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">")
		}
	}
	if !w.info.Created.IsZero() {
		fmt.Fprintf(&b, "/CreationDate(D:%s)", w.info.Created.Format("20060102150405-07'00'"))
	}
	return b.String()
}

// writeFont writes a used font: the Type0 font at its reserved number, its
// CIDFontType2 descendant, font descriptor, embedded font file and ToUnicode map.
func (w *Writer) writeFont(u *fontUse) error {
	f := u.font
	ttf, err := deflate(f.ttf)
	if err != nil {
		return fmt.Errorf("pdfdoc: compress font %s: %w", f.name, err)
	}
	file := w.stream(0, fmt.Sprintf("/Length1 %d/Filter/FlateDecode", len(f.ttf)), ttf)
	toUnicode, err := deflate(u.toUnicodeCMap())
	if err != nil {
		return fmt.Errorf("pdfdoc: compress ToUnicode map of %s: %w", f.name, err)
	}
	cmap := w.stream(0, "/Filter/FlateDecode", toUnicode)

	flags := 32 // nonsymbolic
	if f.fixedPitch {
		flags |= 1
	}
	if f.italicAngle != 0 {
		flags |= 64
	}
	desc := w.begin(0)
	fmt.Fprintf(&w.out, "<</Type/FontDescriptor/FontName/%s/Flags %d/FontBBox[%s %s %s %s]/ItalicAngle %s/Ascent %s/Descent %s/CapHeight %s/StemV %s/FontFile2 %d 0 R>>\nendobj\n",
		f.name, flags, num(f.em(float64(f.bbox[0]))), num(f.em(float64(f.bbox[1]))), num(f.em(float64(f.bbox[2]))), num(f.em(float64(f.bbox[3]))),
		num(f.italicAngle), num(f.em(f.ascent)), num(-f.em(f.descent)), num(f.em(f.capHeight)), num(f.stemV), file)

	cid := w.begin(0)
	b := fmt.Appendf(nil, "<</Type/Font/Subtype/CIDFontType2/BaseFont/%s/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>/FontDescriptor %d 0 R/CIDToGIDMap/Identity/W[",
		f.name, desc)
	glyphs := u.printed()
	for i, g := range glyphs {
		if i == 0 || g != glyphs[i-1]+1 { // a new run of consecutive glyph IDs
			if i > 0 {
				b = append(b, "] "...)
			}
			b = strconv.AppendInt(b, int64(g), 10)
			b = append(b, " ["...)
		} else {
			b = append(b, ' ')
		}
		b = appendNum(b, f.em(float64(f.adv[g])))
	}
	if len(glyphs) > 0 {
		b = append(b, ']')
	}
	b = append(b, "]>>\nendobj\n"...)
	w.out.Write(b)

	w.begin(u.obj)
	fmt.Fprintf(&w.out, "<</Type/Font/Subtype/Type0/BaseFont/%s/Encoding/Identity-H/DescendantFonts[%d 0 R]/ToUnicode %d 0 R>>\nendobj\n",
		f.name, cid, cmap)
	if w.out.err != nil {
		return fmt.Errorf("pdfdoc: write font %s: %w", f.name, w.out.err)
	}
	return nil
}

// printed returns the IDs of the glyphs printed with the font, in order.
func (u *fontUse) printed() []uint16 {
	var ids []uint16
	for g, r := range u.runes {
		if r >= 0 {
			ids = append(ids, uint16(g))
		}
	}
	return ids
}

// toUnicodeCMap returns a CMap mapping each glyph ID to the rune it was printed for.
func (u *fontUse) toUnicodeCMap() []byte {
	b := []byte(`/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
`)
	ids := u.printed()
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 100)] // at most 100 entries per block
		ids = ids[len(chunk):]
		b = fmt.Appendf(b, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			b = fmt.Appendf(b, "<%04X> <", g)
			for _, c := range utf16.Encode([]rune{u.runes[g]}) {
				b = fmt.Appendf(b, "%04X", c)
			}
			b = append(b, ">\n"...)
		}
		b = append(b, "endbfchar\n"...)
	}
	return append(b, "endcmap\nCMapName currentdict /CIDFont defineresource pop\nend\nend\n"...)
}
