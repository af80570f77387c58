// Package letters prints registration letters: one page per person with the
// organization, the person's name, username and personal key, a QR code of the
// registration link, the expiry date and the instructions of a template. One layout
// (Page) is computed per letter; the PDF writer here and the preview in the window
// both draw it.
package letters

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"

	"onboard/internal/pdfdoc"
)

// Paper is a page size.
type Paper string

// The paper sizes.
const (
	A4     Paper = "a4"
	Letter Paper = "letter"
)

// Size returns the width and height of the paper in points.
func (p Paper) Size() (w, h float64) {
	if p == Letter {
		return 612, 792
	}
	return 595.28, 841.89
}

// ParsePaper reads "a4" or "letter" in any case.
func ParsePaper(s string) (Paper, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "a4":
		return A4, nil
	case "letter":
		return Letter, nil
	}
	return "", fmt.Errorf("paper must be a4 or letter, not %q", s)
}

// Recipient is the person a letter is for.
type Recipient struct {
	UserID     string
	FirstName  string
	LastName   string
	Username   string
	Key        string
	ValidUntil time.Time
}

// Options is everything a batch of letters shares.
type Options struct {
	Template        Template
	Paper           Paper
	Duplex          bool      // a blank back page after each letter
	Organization    string    // printed in the header and for {organization}
	LogoFile        string    // PNG or JPEG; "" for none
	RegistrationURL string    // base address; "" prints no QR code
	Date            time.Time // the letter's date; zero means today
}

// sheet is the part of a letter every person shares, prepared once.
type sheet struct {
	tpl   *compiled
	lang  string
	paper Paper
	org   string
	base  string
	logo  *pdfdoc.Image
	date  time.Time
}

func (o *Options) prepare() (*sheet, error) {
	tpl, err := o.Template.compile()
	if err != nil {
		return nil, fmt.Errorf("template %w", err)
	}
	sh := &sheet{tpl: tpl, lang: o.Template.Lang, paper: o.Paper, org: strings.TrimSpace(o.Organization), date: o.Date}
	if _, ok := labels[sh.lang]; !ok {
		sh.lang = "en"
	}
	if sh.paper == "" {
		sh.paper = A4
	}
	if sh.date.IsZero() {
		sh.date = time.Now()
	}
	if o.RegistrationURL != "" {
		u, err := url.Parse(o.RegistrationURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("registration address %q is not an http(s) address", o.RegistrationURL)
		}
		sh.base = strings.TrimRight(o.RegistrationURL, "/")
	}
	if o.LogoFile != "" {
		b, err := os.ReadFile(o.LogoFile)
		if err != nil {
			return nil, fmt.Errorf("logo: %w", err)
		}
		if sh.logo, err = pdfdoc.NewImage(b); err != nil {
			return nil, fmt.Errorf("logo %s: %w", o.LogoFile, err)
		}
	}
	return sh, nil
}

// Link is the registration link of a key under a base address.
func Link(base, key string) string {
	return strings.TrimRight(base, "/") + "/register?key=" + url.QueryEscape(key)
}

// fields are the placeholder values of one letter and the link its QR code holds.
func (sh *sheet) fields(r *Recipient) (*Fields, string) {
	f := &Fields{
		FirstName: r.FirstName, LastName: r.LastName, Username: r.Username, Key: r.Key,
		ValidUntil: DateText(sh.lang, r.ValidUntil), Organization: sh.org, URL: URLText(sh.lang, sh.base, r.Key, sh.org),
	}
	link := ""
	if sh.base != "" {
		link = Link(sh.base, r.Key)
	}
	return f, link
}

func (sh *sheet) dateText() string { return DateText(sh.lang, sh.date) }

// DateText writes t as letters of language lang do: "24 November 2026",
// "24. November 2026".
func DateText(lang string, t time.Time) string { return wordsOf(lang).date(t) }

// URLText is what {url} stands for: the registration link with the key, or, when no
// registration address base is set, where to enter the key.
func URLText(lang, base, key, org string) string {
	if base != "" {
		return Link(base, key)
	}
	return wordsOf(lang).somewhere(org)
}

// wordsOf returns the fixed texts of language lang, English for unknown languages.
func wordsOf(lang string) *words {
	if w, ok := labels[lang]; ok {
		return w
	}
	return labels["en"]
}

// Preview lays out the letter of r as it will print. Errors are those of the
// options: a bad template, an unreadable logo, a bad address.
func Preview(r Recipient, o Options) (Page, error) {
	sh, err := o.prepare()
	if err != nil {
		return Page{}, err
	}
	f, link := sh.fields(&r)
	return sh.compose(f, link), nil
}

// SampleRecipient is the person the template preview shows.
func SampleRecipient(now time.Time) Recipient {
	return Recipient{
		FirstName: "Zoë", LastName: "Łukasiewicz", Username: "zoe.lukasiewicz",
		Key: "7QK3M-XW9RT-2HDPA-EB4N6-VCJ5F", ValidUntil: now.AddDate(0, 0, 14),
	}
}

// TooLongError says the instructions do not fit on one page.
type TooLongError struct {
	Lines int
	Name  string
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("the instructions are %d lines too long for one page (letter for %s); shorten the template", e.Lines, e.Name)
}

// Result is what Write printed.
type Result struct {
	Letters int
	Pages   int
}

// Write prints one letter per recipient to w as a PDF, calling progress after each
// letter. Letters are laid out on every core; pages are written in order. On error or
// cancel, w holds a partial file the caller must discard.
func Write(ctx context.Context, w io.Writer, people []Recipient, o Options, progress func(done, total int)) (Result, error) {
	sh, err := o.prepare()
	if err != nil {
		return Result{}, err
	}
	doc := pdfdoc.NewWriter(w, pdfdoc.Info{Title: labels[sh.lang].docTitle, Creator: "Onboard", Producer: "Onboard", Created: sh.date})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pending := startPages(ctx, sh, people)
	var res Result
	for i := range people {
		var next chan built
		select {
		case next = <-pending:
		case <-ctx.Done():
			return res, ctx.Err()
		}
		var pg built
		select {
		case pg = <-next:
		case <-ctx.Done():
			return res, ctx.Err()
		}
		if pg.err != nil {
			return res, pg.err
		}
		if err := doc.AddPage(pg.page); err != nil {
			return res, err
		}
		if o.Duplex {
			if err := doc.AddPage(pdfdoc.NewPage(pg.page.Width(), pg.page.Height())); err != nil {
				return res, err
			}
		}
		res.Letters++
		if progress != nil {
			progress(i+1, len(people))
		}
	}
	if err := doc.Close(); err != nil {
		return res, err
	}
	res.Pages = doc.Pages()
	return res, nil
}

// built is a letter rendered to a PDF page, or why it could not be.
type built struct {
	page *pdfdoc.Page
	err  error
}

// startPages renders the letters on every core. It returns, in letter order, one
// channel per letter that delivers its page.
func startPages(ctx context.Context, sh *sheet, people []Recipient) <-chan chan built {
	workers := runtime.GOMAXPROCS(0)
	order := make(chan chan built, 4*workers)
	type job struct {
		r   *Recipient
		out chan built
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.out <- sh.render(j.r)
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range people {
			out := make(chan built, 1)
			select {
			case order <- out:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{&people[i], out}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return order
}

// render lays out and draws one letter.
func (sh *sheet) render(r *Recipient) built {
	f, link := sh.fields(r)
	p := sh.compose(f, link)
	if p.Overflow > 0 {
		return built{err: &TooLongError{Lines: p.Overflow, Name: strings.TrimSpace(r.FirstName + " " + r.LastName)}}
	}
	pg := draw(&p, sh.logo)
	if err := pg.Compress(); err != nil {
		return built{err: err}
	}
	return built{page: pg}
}

// draw renders a layout as a PDF page.
func draw(p *Page, logo *pdfdoc.Image) *pdfdoc.Page {
	pg := pdfdoc.NewPage(p.Width, p.Height)
	for i := range p.Items {
		it := &p.Items[i]
		switch it.Kind {
		case KindText:
			pg.SetFill(it.Gray, it.Gray, it.Gray)
			pg.Text(fontOf(it.Face), it.Size, it.X, it.Baseline, it.Text)
		case KindRect:
			pg.SetFill(it.Gray, it.Gray, it.Gray)
			pg.Rect(it.X, it.Y, it.W, it.H)
		case KindLine:
			pg.Line(it.X, it.Y, it.X+it.W, it.Y, it.H, it.Gray, it.Gray, it.Gray)
		case KindImage:
			if logo != nil {
				pg.Image(logo, it.X, it.Y, it.W, it.H)
			}
		case KindQR:
			pg.SetFill(0, 0, 0)
			drawQR(pg, it)
		}
	}
	return pg
}

// QRQuiet is the quiet zone around a QR code, in modules.
const QRQuiet = 4

// QRRuns calls fn for each horizontal run of dark modules of the code placed in
// the item's square (quiet zone included), with the run's rectangle in points.
func QRRuns(it *Item, fn func(x, y, w, h float64)) {
	m := qrModule(it)
	qrModuleRuns(it)(func(col, row, n int) bool {
		fn(it.X+float64(col)*m, it.Y+float64(row)*m, float64(n)*m, m)
		return true
	})
}

// qrModule is the side of one module of the item's code, in points.
func qrModule(it *Item) float64 { return it.W / float64(it.QR.Size+2*QRQuiet) }

// qrModuleRuns yields each horizontal run of dark modules of the item's code in
// modules: its first column and its row (quiet zone included) and its length.
func qrModuleRuns(it *Item) func(yield func(col, row, n int) bool) {
	return func(yield func(col, row, n int) bool) {
		size := it.QR.Size
		for y := range size {
			for x := 0; x < size; {
				if !it.QR.Black(x, y) {
					x++
					continue
				}
				start := x
				for x < size && it.QR.Black(x, y) {
					x++
				}
				if !yield(start+QRQuiet, y+QRQuiet, x-start) {
					return
				}
			}
		}
	}
}

func drawQR(pg *pdfdoc.Page, it *Item) { pg.Cells(it.X, it.Y, qrModule(it), qrModuleRuns(it)) }

// Fonts, parsed once.
var (
	fontsOnce sync.Once
	faces     [3]*pdfdoc.Font
	errFonts  error
)

func fontOf(f Face) *pdfdoc.Font {
	fontsOnce.Do(func() {
		for i, ttf := range [][]byte{goregular.TTF, gobold.TTF, gomono.TTF} {
			if faces[i], errFonts = pdfdoc.ParseFont(ttf); errFonts != nil {
				return
			}
		}
	})
	if errFonts != nil {
		panic(errors.Join(errors.New("letters: bundled font"), errFonts))
	}
	return faces[f]
}
