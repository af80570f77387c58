package pdfdoc

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"rsc.io/qr"

	"onboard/internal/pdfcheck"
)

const names = "Łukasz Ömer Zoë Ξανθή Юлия"

var testFonts = sync.OnceValues(func() ([3]*Font, error) {
	var fs [3]*Font
	for i, ttf := range [][]byte{goregular.TTF, gobold.TTF, gomono.TTF} {
		f, err := ParseFont(ttf)
		if err != nil {
			return fs, err
		}
		fs[i] = f
	}
	return fs, nil
})

// fonts returns Go Regular, Go Bold and Go Mono.
func fonts(t testing.TB) (regular, bold, mono *Font) {
	t.Helper()
	fs, err := testFonts()
	if err != nil {
		t.Fatal(err)
	}
	return fs[0], fs[1], fs[2]
}

// writePDF writes pages to a temporary file and returns its path.
func writePDF(t *testing.T, pages ...*Page) string {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, Info{Title: "Test – " + names, Author: "pdfdoc", Created: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)})
	for _, p := range pages {
		if err := w.AddPage(p); err != nil {
			t.Fatal(err)
		}
	}
	if w.Pages() != len(pages) {
		t.Fatalf("Pages() = %d, want %d", w.Pages(), len(pages))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "test.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// render renders one page at 72 dpi (one pixel per point) and decodes it.
func render(t *testing.T, path string, page int, gray bool) image.Image {
	t.Helper()
	data, err := os.ReadFile(pdfcheck.Render(t, path, page, 72, gray))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestTextDocument(t *testing.T) {
	pdfcheck.Need(t, "pdfinfo", "pdftotext", "pdffonts", "pdftoppm")
	regular, bold, mono := fonts(t)
	var pages []*Page
	var lines [][]string
	for i, f := range []*Font{regular, bold, mono} {
		p := NewPage(595.28, 841.89)
		want := []string{
			fmt.Sprintf("Page %d in %s", i+1, f.Name()),
			names,
			fmt.Sprintf("Key %d: ABCD-EFGH-%04d", i+1, 1234*(i+1)),
		}
		p.SetFill(0, 0, 128)
		p.Text(bold, 18, 72, 72, want[0])
		p.SetFill(0, 0, 0)
		p.Text(f, 12, 72, 110, want[1])
		p.Text(mono, 10, 72, 140, want[2])
		p.Line(72, 150, 523, 150, 0.5, 200, 0, 0)
		pages = append(pages, p)
		lines = append(lines, want)
	}
	path := writePDF(t, pages...)

	if n := pdfcheck.Pages(t, path); n != 3 {
		t.Fatalf("pdfinfo: %d pages, want 3", n)
	}
	if info := pdfcheck.Run(t, "pdfinfo", path); !strings.Contains(info, "Test – "+names) {
		t.Errorf("pdfinfo does not show the title:\n%s", info)
	}
	for i, want := range lines {
		got := pdfcheck.Text(t, path, i+1)
		gotLines := strings.Split(got, "\n")
		for j := range gotLines {
			gotLines[j] = strings.TrimSpace(gotLines[j])
		}
		for _, line := range want {
			found := false
			for _, g := range gotLines {
				found = found || g == line
			}
			if !found {
				t.Errorf("page %d: text %q not found in %q", i+1, line, got)
			}
		}
	}

	// pdffonts prints a header, a line of dashes marking the columns, then one font a line.
	out := strings.Split(strings.TrimRight(pdfcheck.Run(t, "pdffonts", path), "\n"), "\n")
	if len(out) < 2 {
		t.Fatalf("pdffonts output too short: %q", out)
	}
	var cols [][2]int
	for start, i := 0, 0; i <= len(out[1]); i++ {
		if i == len(out[1]) || out[1][i] == ' ' {
			cols = append(cols, [2]int{start, i})
			start = i + 1
		}
	}
	field := func(line string, col int) string {
		c := cols[col]
		return strings.TrimSpace(line[c[0]:min(c[1], len(line))])
	}
	got := map[string]bool{}
	for _, line := range out[2:] {
		name := field(line, 0)
		got[name] = true
		if typ, emb, uni := field(line, 1), field(line, 3), field(line, 5); typ != "CID TrueType" || emb != "yes" || uni != "yes" {
			t.Errorf("pdffonts %s: type %q emb %q uni %q, want CID TrueType, yes, yes", name, typ, emb, uni)
		}
	}
	for _, f := range []*Font{regular, bold, mono} {
		if !got[f.Name()] {
			t.Errorf("pdffonts does not list %s:\n%s", f.Name(), strings.Join(out, "\n"))
		}
	}
	if len(got) != 3 {
		t.Errorf("pdffonts lists %d fonts, want 3", len(got))
	}

	pdfcheck.Run(t, "pdftoppm", "-r", "72", "-png", path, filepath.Join(t.TempDir(), "page"))
}

func TestFontMetrics(t *testing.T) {
	regular, _, mono := fonts(t)
	if w := mono.Width("iii", 10); w != mono.Width("MMM", 10) || w < 17 || w > 19 {
		t.Errorf("Go Mono width of 3 glyphs at 10pt = %v, want equal widths ≈ 18", w)
	}
	if regular.Width("MMM", 10) <= regular.Width("iii", 10) {
		t.Error("Go Regular: M is not wider than i")
	}
	if regular.Width("", 12) != 0 {
		t.Error("width of empty string is not 0")
	}
	if !regular.Has('Ξ') || !regular.Has('Ю') || regular.Has('\U0001F600') || regular.Has('\u4e2d') {
		t.Error("Has reports the wrong coverage")
	}
	if a, d := regular.Ascent(10), regular.Descent(10); a < 7 || a > 11 || d < 1 || d > 4 {
		t.Errorf("Ascent, Descent at 10pt = %v, %v", a, d)
	}
	if _, err := ParseFont([]byte("not a font")); err == nil || !strings.HasPrefix(err.Error(), "pdfdoc: ") {
		t.Errorf("ParseFont(garbage) error = %v", err)
	}
}

func TestMissingGlyphs(t *testing.T) {
	pdfcheck.Need(t, "pdftoppm", "pdftotext")
	regular, _, _ := fonts(t)
	p := NewPage(300, 100)
	p.Text(regular, 12, 10, 50, "smile \U0001F600 中文 ok")
	path := writePDF(t, p)
	render(t, path, 1, false)
	if got := pdfcheck.Text(t, path, 1); !strings.Contains(got, "smile") || !strings.Contains(got, "ok") {
		t.Errorf("text = %q", got)
	}
}

func TestRect(t *testing.T) {
	pdfcheck.Need(t, "pdftoppm")
	p := NewPage(200, 300)
	p.SetFill(0, 0, 0)
	p.Rect(20, 30, 100, 60) // near the top: checks that y grows downwards
	img := render(t, writePDF(t, p), 1, true)
	if b := img.Bounds(); b.Dx() != 200 || b.Dy() != 300 {
		t.Fatalf("rendered size %v, want 200×300", b.Size())
	}
	gray := func(x, y int) uint8 { return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y }
	if g := gray(70, 60); g > 30 {
		t.Errorf("centre of the square is %d, want dark", g)
	}
	for _, pt := range []image.Point{{10, 10}, {70, 250}, {150, 60}} {
		if g := gray(pt.X, pt.Y); g < 240 {
			t.Errorf("pixel %v outside the square is %d, want white", pt, g)
		}
	}
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fill(img interface {
	Set(x, y int, c color.Color)
	Bounds() image.Rectangle
}, c func(x, y int) color.Color,
) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			img.Set(x, y, c(x, y))
		}
	}
}

func TestImages(t *testing.T) {
	pdfcheck.Need(t, "pdftoppm")
	rect := image.Rect(0, 0, 40, 40)

	alpha := image.NewNRGBA(rect) // left half transparent, right half opaque red
	fill(alpha, func(x, _ int) color.Color {
		if x < 20 {
			return color.NRGBA{0, 0, 255, 0}
		}
		return color.NRGBA{255, 0, 0, 255}
	})
	gray := image.NewGray(rect)
	fill(gray, func(_, _ int) color.Color { return color.Gray{0x40} })
	paletted := image.NewPaletted(rect, color.Palette{color.RGBA{0, 0, 255, 255}, color.RGBA{0, 255, 0, 255}})
	fill(paletted, func(_, _ int) color.Color { return color.RGBA{0, 0, 255, 255} })
	rgb := image.NewRGBA(rect)
	fill(rgb, func(_, _ int) color.Color { return color.RGBA{0, 160, 0, 255} })
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, rgb, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	var grayJPG bytes.Buffer
	if err := jpeg.Encode(&grayJPG, gray, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		data []byte
		at   image.Point // sample point inside the drawn 40×40 box
		want color.RGBA
	}{
		{"alpha PNG, transparent half", encodePNG(t, alpha), image.Point{10, 20}, color.RGBA{255, 255, 255, 255}},
		{"alpha PNG, opaque half", encodePNG(t, alpha), image.Point{30, 20}, color.RGBA{255, 0, 0, 255}},
		{"gray PNG", encodePNG(t, gray), image.Point{20, 20}, color.RGBA{0x40, 0x40, 0x40, 255}},
		{"paletted PNG", encodePNG(t, paletted), image.Point{20, 20}, color.RGBA{0, 0, 255, 255}},
		{"RGB JPEG", jpg.Bytes(), image.Point{20, 20}, color.RGBA{0, 160, 0, 255}},
		{"gray JPEG", grayJPG.Bytes(), image.Point{20, 20}, color.RGBA{0x40, 0x40, 0x40, 255}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			im, err := NewImage(c.data)
			if err != nil {
				t.Fatal(err)
			}
			if w, h := im.Size(); w != 40 || h != 40 {
				t.Fatalf("Size() = %d×%d, want 40×40", w, h)
			}
			p := NewPage(200, 200)
			p.Image(im, 100, 50, 40, 40)
			img := render(t, writePDF(t, p), 1, false)
			got := color.RGBAModel.Convert(img.At(100+c.at.X, 50+c.at.Y)).(color.RGBA)
			if !near(got, c.want) {
				t.Errorf("pixel = %v, want about %v", got, c.want)
			}
			if bg := color.RGBAModel.Convert(img.At(50, 150)).(color.RGBA); !near(bg, color.RGBA{255, 255, 255, 255}) {
				t.Errorf("background pixel = %v, want white", bg)
			}
		})
	}

	// One image on several pages is written once.
	im, err := NewImage(encodePNG(t, alpha))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := NewWriter(&buf, Info{})
	for range 3 {
		p := NewPage(100, 100)
		p.Image(im, 0, 0, 10, 10)
		p.Image(im, 50, 50, 10, 10)
		if err := w.AddPage(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("/SMask")); n != 1 {
		t.Errorf("image written %d times, want once", n)
	}

	for _, bad := range [][]byte{nil, []byte("garbage bytes"), []byte("GIF89a......")} {
		if _, err := NewImage(bad); err == nil || err.Error() != "pdfdoc: not a PNG or JPEG image" {
			t.Errorf("NewImage(%q) error = %v", bad, err)
		}
	}
	if _, err := NewImage([]byte("\x89PNG\r\n\x1a\ntruncated")); err == nil || !strings.HasPrefix(err.Error(), "pdfdoc: PNG image: ") {
		t.Errorf("NewImage(truncated PNG) error = %v", err)
	}
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) bool { return max(x, y)-min(x, y) < 40 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

func TestBlankPage(t *testing.T) {
	pdfcheck.Need(t, "pdfinfo", "pdftoppm")
	path := writePDF(t, NewPage(595.28, 841.89))
	if n := pdfcheck.Pages(t, path); n != 1 {
		t.Fatalf("pdfinfo: %d pages, want 1", n)
	}
	img := render(t, path, 1, true)
	if g := color.GrayModel.Convert(img.At(300, 400)).(color.Gray).Y; g != 255 {
		t.Errorf("blank page pixel = %d, want white", g)
	}
}

func TestConcurrentPages(t *testing.T) {
	pdfcheck.Need(t, "pdfinfo", "pdftotext")
	regular, bold, _ := fonts(t)
	const n, workers = 200, 4
	pages := make([]*Page, n)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				p := NewPage(595.28, 841.89)
				p.Text(bold, 16, 72, 72, fmt.Sprintf("Page %d of %d", i+1, n))
				p.Text(regular, 11, 72, 100, names)
				p.SetFill(uint8(i), 0, 0)
				for j := range 50 {
					p.Rect(300+float64(j%7)*4, 300+float64(j/7)*4, 4, 4)
				}
				if err := p.Compress(); err != nil {
					errs <- err
					return
				}
				pages[i] = p
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	path := writePDF(t, pages...)
	if got := pdfcheck.Pages(t, path); got != n {
		t.Fatalf("pdfinfo: %d pages, want %d", got, n)
	}
	if got := pdfcheck.Text(t, path, 137); !strings.Contains(got, "Page 137 of 200") || !strings.Contains(got, names) {
		t.Errorf("page 137 text = %q", got)
	}
}

func TestAppendNum(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 1: "1", -1: "-1", 0.5: "0.5", 841.89: "841.89", 595.28: "595.28",
		1.0005: "1.001", -0.0001: "0", 12.3456: "12.346", 1e300: "0",
	} {
		if got := string(appendNum(nil, v)); got != want {
			t.Errorf("appendNum(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter(failWriter{}, Info{})
	p := NewPage(100, 100)
	p.Rect(0, 0, 10, 10)
	if err := w.AddPage(p); err != nil {
		t.Fatalf("AddPage failed before the buffer was flushed: %v", err)
	}
	if err := w.Close(); err == nil || !strings.HasPrefix(err.Error(), "pdfdoc: close: ") {
		t.Errorf("Close error = %v", err)
	}
	if err := w.AddPage(NewPage(10, 10)); err == nil {
		t.Error("AddPage after Close succeeded")
	}
	if err := w.Close(); err == nil {
		t.Error("second Close succeeded")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

// TestQRCodeScans draws a QR code both as filled squares and as a PNG image
// and checks that zbarimg reads it back from the rendered page.
func TestQRCodeScans(t *testing.T) {
	pdfcheck.Need(t, "pdftoppm", "zbarimg")
	const text = "REG-00137-K7QF-2M9X"
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	bitmap := image.NewGray(image.Rect(0, 0, code.Size, code.Size)) // one pixel a module
	fill(bitmap, func(x, y int) color.Color {
		if code.Black(x, y) {
			return color.Black
		}
		return color.White
	})
	im, err := NewImage(encodePNG(t, bitmap))
	if err != nil {
		t.Fatal(err)
	}
	vector := NewPage(300, 300)
	const module = 4.0
	for y := range code.Size {
		for x := range code.Size {
			if code.Black(x, y) {
				vector.Rect(40+float64(x)*module, 40+float64(y)*module, module, module)
			}
		}
	}
	raster := NewPage(300, 300)
	side := float64(code.Size) * module
	raster.Image(im, 40, 40, side, side)
	path := writePDF(t, vector, raster)

	for page := 1; page <= 2; page++ {
		if got := pdfcheck.QR(t, pdfcheck.Render(t, path, page, 150, true)); got != text {
			t.Errorf("page %d: zbarimg read %q, want %q", page, got, text)
		}
	}
}

// Cells draws each run in the grid's own units: a cell of 10 points at (20, 30),
// so the run of 3 cells from column 1 on row 2 covers x 30–60, y 50–60.
func TestCells(t *testing.T) {
	pdfcheck.Need(t, "pdftoppm")
	p := NewPage(200, 300)
	p.SetFill(0, 0, 0)
	p.Cells(20, 30, 10, func(yield func(col, row, n int) bool) {
		yield(1, 2, 3)
	})
	img := render(t, writePDF(t, p), 1, true)
	gray := func(x, y int) uint8 { return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y }
	if g := gray(45, 55); g > 30 {
		t.Errorf("inside the run: %d, want dark", g)
	}
	for _, pt := range []image.Point{{25, 55}, {65, 55}, {45, 45}, {45, 65}} {
		if g := gray(pt.X, pt.Y); g < 240 {
			t.Errorf("pixel %v outside the run is %d, want white", pt, g)
		}
	}
}
