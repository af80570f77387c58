package letters

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
)

// officeLetters is how many letters BenchmarkLettersVsOffice prints (LibreOffice
// needs 10–50 ms for each).
const officeLetters = 500

// BenchmarkLettersVsOffice prints the same officeLetters letters twice: with Write,
// and with an office suite's PDF export (LibreOffice Writer, `soffice --headless
// --convert-to pdf`) of a document holding each letter's text and QR code, one
// letter per page. It reports both times (the median of three runs each) and how
// many times faster Write is: the target is ≥ 20×. The office document gets the
// letters' text lines as paragraphs in their size and weight, and the QR code as a
// picture, without the rules and positions: less layout work than Write does, so
// the ratio errs on the office suite's side. The sub-benchmark qr=false leaves the
// QR codes out of the office document (the pictures are most of its time), the
// ratio least favourable to Write. Skipped without soffice (Debian:
// libreoffice-writer-nogui).
func BenchmarkLettersVsOffice(b *testing.B) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		b.Skip("soffice is not installed (Debian: apt-get install libreoffice-writer-nogui)")
	}
	for _, withQR := range []bool{true, false} {
		b.Run(fmt.Sprint("qr=", withQR), func(b *testing.B) { compareWithOffice(b, soffice, withQR) })
	}
}

// compareWithOffice is BenchmarkLettersVsOffice with the QR codes in the office
// document or not.
func compareWithOffice(b *testing.B, soffice string, withQR bool) {
	ppl := people(officeLetters)
	o := testOptions()
	dir := b.TempDir()
	fodt := filepath.Join(dir, "letters.fodt")
	if err := os.WriteFile(fodt, officeDocument(b, ppl, o, withQR), 0o600); err != nil {
		b.Fatal(err)
	}
	// A first run of its own makes LibreOffice's profile, which the timed runs share.
	profile := "-env:UserInstallation=file://" + filepath.Join(dir, "profile")
	convert := func() time.Duration {
		start := time.Now()
		out, err := exec.Command(soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", dir, fodt).CombinedOutput()
		if err != nil {
			b.Fatalf("soffice: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	convert()
	if pages := pdfPages(b, filepath.Join(dir, "letters.pdf")); pages != len(ppl) {
		b.Fatalf("the office suite printed %d pages for %d letters", pages, len(ppl))
	}
	var ours, office []time.Duration
	for b.Loop() {
		for range 3 {
			start := time.Now()
			res, err := Write(context.Background(), &bytes.Buffer{}, ppl, o, nil)
			if err != nil || res.Pages != len(ppl) {
				b.Fatalf("%v, %+v", err, res)
			}
			ours = append(ours, time.Since(start))
			office = append(office, convert())
		}
	}
	mo, mf := median(ours), median(office)
	b.ReportMetric(mo.Seconds(), "onboard-s")
	b.ReportMetric(mf.Seconds(), "office-s")
	b.ReportMetric(mf.Seconds()/mo.Seconds(), "times-faster")
}

// median is the middle of ds (the upper one of an even number).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// pdfPages counts the pages of a PDF file with pdfinfo.
func pdfPages(b *testing.B, path string) int {
	b.Helper()
	out, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		b.Fatalf("pdfinfo %s: %v", path, err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		b.Fatalf("pdfinfo %s: no page count in %q", path, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// officeDocument is a flat OpenDocument text (.fodt) of the letters of ppl: each
// letter's text lines and (withQR) QR code, as Preview lays them out, from a new
// page.
func officeDocument(b *testing.B, ppl []Recipient, o Options, withQR bool) []byte {
	b.Helper()
	var body bytes.Buffer
	styles := map[paraStyle]bool{}
	for i, r := range ppl {
		page, err := Preview(r, o)
		if err != nil {
			b.Fatal(err)
		}
		first := i > 0
		for _, it := range page.Items {
			switch it.Kind {
			case KindText:
				st := paragraphStyle(it, first)
				styles[st] = true
				fmt.Fprintf(&body, `<text:p text:style-name="%s">`, st.name())
				xml.EscapeText(&body, []byte(it.Text))
				body.WriteString("</text:p>\n")
			case KindQR:
				if !withQR {
					continue
				}
				st := paragraphStyle(Item{Size: bodySize}, first)
				styles[st] = true
				fmt.Fprintf(&body, `<text:p text:style-name="%s"><draw:frame draw:name="qr%d" text:anchor-type="as-char" svg:width="%.1fpt" svg:height="%.1fpt"><draw:image><office:binary-data>%s</office:binary-data></draw:image></draw:frame></text:p>`+"\n",
					st.name(), i, it.W, it.H, base64.StdEncoding.EncodeToString(it.QR.PNG()))
			default:
				continue
			}
			first = false
		}
	}
	var doc bytes.Buffer
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>
`)
	for st := range styles {
		doc.WriteString(st.xml())
	}
	doc.WriteString("</office:automatic-styles>\n<office:body><office:text>\n")
	doc.Write(body.Bytes())
	doc.WriteString("</office:text></office:body></office:document>\n")
	return doc.Bytes()
}

// paraStyle is one paragraph style of the office document.
type paraStyle struct {
	size          float64
	bold, newPage bool
}

// paragraphStyle is the style of a text item, starting a new page or not.
func paragraphStyle(it Item, newPage bool) paraStyle {
	return paraStyle{size: it.Size, bold: it.Face == FaceBold, newPage: newPage}
}

// name is the style's name in the document ("p10.5-b-break").
func (p paraStyle) name() string {
	name := "p" + strconv.FormatFloat(p.size, 'f', -1, 64)
	if p.bold {
		name += "-b"
	}
	if p.newPage {
		name += "-break"
	}
	return name
}

// xml is the style's automatic-style element.
func (p paraStyle) xml() string {
	para := `<style:paragraph-properties fo:margin-top="0pt" fo:margin-bottom="2pt"`
	if p.newPage {
		para += ` fo:break-before="page"`
	}
	text := fmt.Sprintf(`<style:text-properties fo:font-size="%.1fpt"`, p.size)
	if p.bold {
		text += ` fo:font-weight="bold"`
	}
	return fmt.Sprintf(`<style:style style:name="%s" style:family="paragraph">%s/>%s/></style:style>`+"\n", p.name(), para, text)
}
