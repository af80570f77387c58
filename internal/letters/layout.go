package letters

import (
	"strings"
	"unicode/utf8"

	"rsc.io/qr"
)

// Kind is the kind of a layout item.
type Kind int

// The kinds of item on a page.
const (
	KindText  Kind = iota // one line of text
	KindRect              // a filled rectangle
	KindLine              // a horizontal rule
	KindImage             // the logo
	KindQR                // a QR code, quiet zone included
)

// Face is the typeface of a text item.
type Face int

// The faces a letter uses.
const (
	FaceRegular Face = iota
	FaceBold
	FaceMono
)

// Item is one thing placed on a page. Coordinates are points from the top-left
// corner of the page. A text item's Baseline is the y of its baseline and W its
// measured width; other items fill X, Y, W, H.
type Item struct {
	Kind     Kind
	X, Y     float64
	W, H     float64
	Baseline float64
	Text     string
	Face     Face
	Size     float64
	Gray     uint8 // colour of text and rectangles: 0 black … 255 white
	QR       *qr.Code
}

// Page is the layout of one letter: what goes where. The PDF writer and the
// on-screen preview both draw it, so they cannot disagree.
type Page struct {
	Width, Height float64
	Items         []Item
	// Overflow counts the lines of the instructions that did not fit on the page.
	Overflow int
}

// Page geometry in points.
const (
	margin      = 56.0 // about 2 cm
	qrSide      = 128.0
	bodySize    = 10.5
	bodyLeading = 14.5
	keySize     = 17.0
	logoHeight  = 44.0
	logoWidth   = 160.0
	gutter      = 20.0
)

// layout places the parts of a page one below the other.
type layout struct {
	page *Page
	y    float64
}

func (l *layout) add(it Item) { l.page.Items = append(l.page.Items, it) }

// text adds one line at x with its baseline at y and returns its width.
func (l *layout) text(f Face, size, x, y float64, gray uint8, s string) float64 {
	w := fontOf(f).Width(s, size)
	l.add(Item{Kind: KindText, X: x, Y: y - fontOf(f).Ascent(size), W: w, H: size * 1.2, Baseline: y, Text: s, Face: f, Size: size, Gray: gray})
	return w
}

// compose lays out the letter for one person.
func (sh *sheet) compose(f *Fields, link string) Page {
	w, h := sh.paper.Size()
	p := Page{Width: w, Height: h, Items: make([]Item, 0, 40)}
	l := &layout{page: &p, y: margin}
	right := w - margin
	words := labels[sh.lang]

	// Header: logo and organization on the left, date on the right.
	x := margin
	if sh.logo != nil {
		iw, ih := sh.logo.Size()
		lw, lh := fitBox(float64(iw), float64(ih), logoWidth, logoHeight)
		l.add(Item{Kind: KindImage, X: margin, Y: margin, W: lw, H: lh})
		x += lw + 12
	}
	date := sh.dateText()
	dateW := fontOf(FaceRegular).Width(date, 10)
	base := margin + 26
	if sh.org != "" {
		// The name on one line at 14 pt, else on two at 12 pt.
		width := right - x - dateW - gutter
		lines := []string{sh.org}
		if fontOf(FaceBold).Width(sh.org, 14) > width {
			lines = wrap(FaceBold, 12, sh.org, width)
			if len(lines) > 2 {
				lines = []string{lines[0], fitWidth(FaceBold, 12, strings.Join(lines[1:], " "), width)}
			}
		}
		size, y := 14.0, base
		if len(lines) > 1 {
			size, y = 12, base-8
		}
		for _, line := range lines {
			l.text(FaceBold, size, x, y, 0, line)
			y += 15
		}
	}
	l.text(FaceRegular, 10, right-dateW, base, 60, date)
	l.y = margin + logoHeight + 10
	l.add(Item{Kind: KindLine, X: margin, Y: l.y, W: right - margin, H: 0.6, Gray: 160})

	// Title.
	l.y += 40
	title := sh.tpl.fill(sh.tpl.title, f)
	for _, line := range wrap(FaceBold, 19, title, right-margin) {
		l.text(FaceBold, 19, margin, l.y, 0, line)
		l.y += 25
	}

	// Personal block: name, username, key and validity left; QR code right.
	top := l.y + 4
	colRight := right
	if link != "" {
		colRight = right - qrSide - gutter
		code, err := qr.Encode(link, qr.M)
		if err == nil {
			l.add(Item{Kind: KindQR, X: right - qrSide, Y: top - 8, W: qrSide, H: qrSide, QR: code})
			caption := words.scan
			l.text(FaceRegular, 8.5, right-qrSide/2-fontOf(FaceRegular).Width(caption, 8.5)/2, top+qrSide-4, 90, caption)
		}
	}
	colW := colRight - margin
	l.y = top + 12
	if name := strings.TrimSpace(strings.TrimSpace(f.FirstName) + " " + strings.TrimSpace(f.LastName)); name != "" {
		l.field(words.name, FaceRegular, 13, name, colW)
	} else {
		// Invited by address alone: the person enters the name at registration.
		l.text(FaceRegular, 9, margin, l.y, 90, words.name)
		l.y += 13 + 4
		l.text(FaceRegular, 10, margin, l.y, 110, fitWidth(FaceRegular, 10, words.noName, colW))
		l.y += 16
	}
	l.field(words.username, FaceMono, 13, f.Username, colW)
	l.y += 6
	l.text(FaceRegular, 9, margin, l.y, 90, words.key)
	l.y += 8
	boxH := keySize*1.9 + 4
	l.add(Item{Kind: KindRect, X: margin, Y: l.y, W: colW, H: boxH, Gray: 236})
	keyW := fontOf(FaceMono).Width(f.Key, keySize)
	size := keySize
	if keyW > colW-16 {
		size = keySize * (colW - 16) / keyW
	}
	l.text(FaceMono, size, margin+8, l.y+boxH/2+size*0.36, 0, f.Key)
	l.y += boxH + 20
	l.text(FaceBold, 11, margin, l.y, 0, words.validUntil+": "+f.ValidUntil)
	l.y += 16
	if link == "" {
		for _, line := range wrap(FaceRegular, 9.5, words.noURL(f.Organization), colW) {
			l.text(FaceRegular, 9.5, margin, l.y, 60, line)
			l.y += 13
		}
	}
	l.y = max(l.y, top+qrSide) + 24

	// Instructions.
	bottom := h - margin
	for _, para := range strings.Split(sh.tpl.fill(sh.tpl.body, f), "\n") {
		if strings.TrimSpace(para) == "" {
			l.y += bodyLeading * 0.6
			continue
		}
		for _, line := range wrap(FaceRegular, bodySize, para, right-margin) {
			if l.y > bottom {
				p.Overflow++
				continue
			}
			l.text(FaceRegular, bodySize, margin, l.y, 0, line)
			l.y += bodyLeading
		}
	}
	return p
}

// field adds a small label and a value below it.
func (l *layout) field(label string, f Face, size float64, value string, width float64) {
	l.text(FaceRegular, 9, margin, l.y, 90, label)
	l.y += size + 4
	l.text(f, size, margin, l.y, 0, fitWidth(f, size, value, width))
	l.y += 16
}

// fitBox scales w×h to fit inside maxW×maxH, keeping its proportions.
func fitBox(w, h, maxW, maxH float64) (float64, float64) {
	if w <= 0 || h <= 0 {
		return 0, 0
	}
	s := min(maxW/w, maxH/h)
	return w * s, h * s
}

// fitWidth shortens s with an ellipsis until it fits into width.
func fitWidth(f Face, size float64, s string, width float64) string {
	font := fontOf(f)
	if font.Width(s, size) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && font.Width(string(r)+"…", size) > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// wrap breaks a paragraph into lines no wider than width, at spaces, and inside a
// word only when the word alone is too wide.
func wrap(f Face, size float64, para string, width float64) []string {
	font := fontOf(f)
	var lines []string
	line := ""
	for _, word := range strings.Fields(para) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if font.Width(try, size) <= width {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, line)
		}
		for font.Width(word, size) > width && utf8.RuneCountInString(word) > 1 {
			r := []rune(word)
			n := len(r) - 1
			for n > 1 && font.Width(string(r[:n]), size) > width {
				n--
			}
			lines = append(lines, string(r[:n]))
			word = string(r[n:])
		}
		line = word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
