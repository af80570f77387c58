// Package sheets prints class sheets: for each unit a PDF list of its users (name,
// username, status) with a box to tick when a person got their registration letter
// and room for their signature. Each unit starts on a new page and takes as many
// pages as it needs; the column titles repeat on each page. The sheets are table
// documents built with github.com/signintech/gopdf (the mass letters keep their own
// streaming writer, internal/pdfdoc).
package sheets

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"onboard/data"
	"onboard/internal/letters"
)

// Person is one line of a class sheet.
type Person struct {
	ID          string // the user's
	Name        string // "First Last"; "" for a person who enters it at registration
	Username    string
	Status      data.Status
	HandedOutAt *time.Time // when the letter was handed out; nil: not yet (the box stays empty)
}

// Unit is one unit's sheet: its name and its people, in the order printed.
type Unit struct {
	Name   string
	People []Person
}

// Options say how the sheets look.
type Options struct {
	Paper        letters.Paper // A4 or US Letter
	Language     string        // "en" or "de" (anything else: English)
	Organization string        // printed above each unit's list; may be empty
	Printed      time.Time     // the date printed on each page
}

// Result counts what Write wrote.
type Result struct {
	Units, People, Pages int
}

// ErrNothing is Write's answer when no unit has anyone to list.
var ErrNothing = errors.New("no unit has users to list; no class sheet written")

// Page geometry, in points.
const (
	margin     = 40.0
	titleSize  = 16.0
	textSize   = 10.0
	smallSize  = 8.0
	headerRowH = 20.0
	rowH       = 22.0
	boxSide    = 9.0
	tableTop   = margin + 46 // below the title and the line under it
	footerH    = 24.0
)

// Font families as registered with gopdf.
const (
	regular = "regular"
	bold    = "bold"
)

// column is one column of the table: its title in the words, its width (0: what
// the others leave) and the text of a person's cell.
type column struct {
	title func(*words) string
	width float64
	cell  func(w *words, n int, p *Person) string
}

var columns = []column{
	{func(w *words) string { return w.no }, 26, func(_ *words, n int, _ *Person) string { return fmt.Sprint(n) }},
	{func(w *words) string { return w.name }, 0, func(w *words, _ int, p *Person) string {
		if p.Name == "" {
			return w.noName
		}
		return p.Name
	}},
	{func(w *words) string { return w.username }, 128, func(_ *words, _ int, p *Person) string { return p.Username }},
	{func(w *words) string { return w.status }, 72, func(w *words, _ int, p *Person) string { return w.statusOf(p.Status) }},
	{func(w *words) string { return w.handedOut }, 66, func(*words, int, *Person) string { return "" }},
	{func(w *words) string { return w.signature }, 90, func(*words, int, *Person) string { return "" }},
}

// boxColumn is the index in columns of the "handed out" column, where each row gets
// a box to tick.
const boxColumn = 4

// Write writes the sheets of units to w, leaving out units without people. It
// returns ErrNothing when none has anyone.
func Write(w io.Writer, units []Unit, o Options) (Result, error) {
	var res Result
	width, height := o.Paper.Size()
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: gopdf.Rect{W: width, H: height}})
	if err := pdf.AddTTFFontData(regular, goregular.TTF); err != nil {
		return res, fmt.Errorf("class sheets: %w", err)
	}
	if err := pdf.AddTTFFontData(bold, gobold.TTF); err != nil {
		return res, fmt.Errorf("class sheets: %w", err)
	}
	wd := wordsOf(o.Language)
	pdf.SetInfo(gopdf.PdfInfo{Title: wd.docTitle, Creator: "Onboard", CreationDate: o.Printed})
	widths := columnWidths(width - 2*margin)
	perPage := int((height - tableTop - headerRowH - footerH - margin) / rowH)
	for i := range units {
		u := &units[i]
		if len(u.People) == 0 {
			continue
		}
		res.Units++
		res.People += len(u.People)
		pages := (len(u.People) + perPage - 1) / perPage
		for page := range pages {
			first := page * perPage
			part := u.People[first:min(first+perPage, len(u.People))]
			if err := drawPage(pdf, wd, o, u, widths, first, part, page+1, pages); err != nil {
				return res, fmt.Errorf("class sheet of %s: %w", u.Name, err)
			}
			res.Pages++
		}
	}
	if res.Units == 0 {
		return res, ErrNothing
	}
	if _, err := pdf.WriteTo(w); err != nil {
		return res, fmt.Errorf("class sheets: %w", err)
	}
	return res, nil
}

// columnWidths are the widths of columns on a table as wide as total: the name
// takes what the fixed columns leave.
func columnWidths(total float64) []float64 {
	widths := make([]float64, len(columns))
	fixed := 0.0
	for i, c := range columns {
		widths[i] = c.width
		fixed += c.width
	}
	widths[1] = total - fixed
	return widths
}

// drawPage adds one page of unit u's sheet: the title, the table of people (the
// first being number first+1) and the footer "page of pages".
func drawPage(pdf *gopdf.GoPdf, wd *words, o Options, u *Unit, widths []float64, first int, people []Person, page, pages int) error {
	pdf.AddPage()
	width, height := o.Paper.Size()
	if err := text(pdf, bold, titleSize, margin, margin, fmt.Sprintf(wd.titleFmt, u.Name), width-2*margin); err != nil {
		return err
	}
	sub := []string{wd.count(len(u.People)), fmt.Sprintf(wd.printedFmt, letters.DateText(wd.lang, o.Printed))}
	if o.Organization != "" {
		sub = append([]string{o.Organization}, sub...)
	}
	pdf.SetTextColor(90, 90, 90)
	if err := text(pdf, regular, textSize, margin, margin+titleSize+8, strings.Join(sub, " · "), width-2*margin); err != nil {
		return err
	}
	pdf.SetTextColor(0, 0, 0)

	table := pdf.NewTableLayout(margin, tableTop, rowH, len(people))
	for i, c := range columns {
		table.AddColumn(c.title(wd), widths[i], "left")
	}
	table.SetHeaderStyle(gopdf.CellStyle{
		BorderStyle: gopdf.BorderStyle{Top: true, Left: true, Right: true, Bottom: true, Width: 0.6},
		FillColor:   gopdf.RGBColor{R: 232, G: 232, B: 232},
		Font:        bold, FontSize: textSize,
	})
	table.SetCellStyle(gopdf.CellStyle{
		BorderStyle: gopdf.BorderStyle{Top: true, Left: true, Right: true, Bottom: true, Width: 0.4},
		Font:        regular, FontSize: textSize,
	})
	if err := pdf.SetFont(regular, "", textSize); err != nil {
		return err
	}
	for i := range people {
		row := make([]string, len(columns))
		for j, c := range columns {
			row[j] = fit(pdf, c.cell(wd, first+i+1, &people[i]), widths[j]-6)
		}
		table.AddRow(row)
	}
	if err := table.DrawTable(); err != nil {
		return err
	}
	if err := drawBoxes(pdf, wd, widths, people); err != nil {
		return err
	}

	pdf.SetTextColor(90, 90, 90)
	footer := fmt.Sprintf(wd.pageFmt, u.Name, page, pages)
	if err := pdf.SetFont(regular, "", smallSize); err != nil {
		return err
	}
	fw, err := pdf.MeasureTextWidth(footer)
	if err != nil {
		return err
	}
	pdf.SetXY(width-margin-fw, height-margin)
	err = pdf.Cell(nil, footer)
	pdf.SetTextColor(0, 0, 0)
	return err
}

// drawBoxes draws in each row of the "handed out" column a box to tick: ticked,
// with the day, for a letter already handed out.
func drawBoxes(pdf *gopdf.GoPdf, wd *words, widths []float64, people []Person) error {
	boxX := margin + 6
	for _, w := range widths[:boxColumn] {
		boxX += w
	}
	if err := pdf.SetFont(regular, "", smallSize); err != nil {
		return err
	}
	pdf.SetLineWidth(0.6)
	for i, p := range people {
		y := tableTop + rowH + float64(i)*rowH + (rowH-boxSide)/2
		pdf.RectFromUpperLeftWithStyle(boxX, y, boxSide, boxSide, "D")
		if p.HandedOutAt == nil {
			continue
		}
		pdf.Line(boxX+1.8, y+4.8, boxX+3.8, y+7.2) // the tick
		pdf.Line(boxX+3.8, y+7.2, boxX+7.6, y+1.8)
		pdf.SetXY(boxX+boxSide+4, y+0.5)
		if err := pdf.Cell(nil, wd.day(*p.HandedOutAt)); err != nil {
			return err
		}
	}
	return nil
}

// text writes s in family at size with its top left at x, y, cut to width.
func text(pdf *gopdf.GoPdf, family string, size, x, y float64, s string, width float64) error {
	if err := pdf.SetFont(family, "", size); err != nil {
		return err
	}
	pdf.SetXY(x, y)
	return pdf.Cell(nil, fit(pdf, s, width))
}

// fit returns s, cut with "…" where it is wider than width in the current font.
func fit(pdf *gopdf.GoPdf, s string, width float64) string {
	if w, err := pdf.MeasureTextWidth(s); err != nil || w <= width {
		return s
	}
	runes := []rune(s)
	for n := len(runes) - 1; n > 0; n-- {
		cut := strings.TrimRight(string(runes[:n]), " ") + "…"
		if w, err := pdf.MeasureTextWidth(cut); err == nil && w <= width {
			return cut
		}
	}
	return "…"
}
