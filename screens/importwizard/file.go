package importwizard

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/display"
	"onboard/internal/tabular"
	"onboard/screens/internal/uikit"
)

// importExtensions are the files the Choose file dialog lists.
var importExtensions = []string{".csv", ".tsv", ".txt", ".xlsx"}

// fileStep is step 1: choose the file (or drop it), and the sheet of a workbook.
type fileStep struct {
	w       *importWizard
	name    *widget.Label
	status  *widget.Label
	err     *widget.Label
	sheet   *widget.Select
	sheets  *fyne.Container
	content fyne.CanvasObject
}

func newFileStep(w *importWizard) *fileStep {
	f := &fileStep{w: w}
	f.name = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	f.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	f.err = uikit.DangerLabel()
	f.err.Hide()
	f.name.Hide()
	f.status.Hide()
	f.sheet = widget.NewSelect(nil, func(name string) {
		if name != "" && name != w.opt.Sheet && (w.src == nil || name != w.src.Info.Sheet) {
			w.opt.Sheet = name
			w.reload()
		}
	})
	f.sheets = container.NewVBox(
		widget.NewLabel("This workbook has several sheets. Which one holds the users?"),
		container.NewHBox(widget.NewLabel("Sheet"), container.NewGridWrap(fyne.NewSize(260, 36), f.sheet)))
	f.sheets.Hide()
	choose := &widget.Button{
		Text: "Choose file…", Icon: theme.FolderOpenIcon(), Importance: widget.HighImportance,
		OnTapped: f.choose,
	}
	sample := &widget.Button{Text: "Save sample file…", Importance: widget.LowImportance, OnTapped: func() {
		if w.onSample != nil {
			w.onSample()
		}
	}}
	drop := canvas.NewText("or drop the file on this window", theme.Color(theme.ColorNamePlaceHolder))
	f.content = container.NewVBox(
		uikit.Heading("Choose the file with your users"),
		&widget.Label{Text: "A CSV, TSV or text file, or an Excel workbook (.xlsx). Each row is one person; " +
			"the first row usually holds the column titles.", Wrapping: fyne.TextWrapWord},
		container.NewHBox(choose, container.NewCenter(drop)),
		f.name, f.status, f.err, f.sheets,
		widget.NewSeparator(),
		container.NewHBox(widget.NewLabel("No file yet? Start from the sample, which has every column Onboard understands:"), sample),
	)
	return f
}

// choose opens the file dialog.
func (f *fileStep) choose() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			f.setStatus("", err)
			return
		}
		if r == nil {
			return // cancelled
		}
		u := r.URI()
		r.Close()
		if u.Scheme() != "file" {
			f.setStatus("", fmt.Errorf("%s: only files on this computer can be imported", u.Name()))
			return
		}
		f.w.open(u.Path())
	}, f.w.win)
	d.SetFilter(storage.NewExtensionFileFilter(importExtensions))
	d.Show()
}

// setStatus shows progress or an error in plain words.
func (f *fileStep) setStatus(progress string, err error) {
	f.status.SetText(progress)
	if progress == "" {
		f.status.Hide()
	} else {
		f.status.Show()
	}
	if err != nil {
		f.err.SetText("Onboard cannot read this file.\n" + err.Error())
		f.err.Show()
		f.name.Hide()
	} else {
		f.err.Hide()
	}
}

// showLoaded names the file read, its rows and its sheets.
func (f *fileStep) showLoaded() {
	src := f.w.src
	info := src.Info
	what := fmt.Sprintf("%s · %s", info.Name, display.Plural(len(src.Rows), "row"))
	if info.Format == tabular.FormatXLSX {
		what += " · sheet “" + info.Sheet + "”"
	}
	f.name.SetText(what)
	f.name.Show()
	if len(info.Sheets) > 1 {
		onChanged := f.sheet.OnChanged
		f.sheet.OnChanged = nil
		f.sheet.SetOptions(info.Sheets)
		f.sheet.SetSelected(info.Sheet)
		f.sheet.OnChanged = onChanged
		f.sheets.Show()
	} else {
		f.sheets.Hide()
	}
}

// encodingChoices are the encodings the Read step offers, by tabular's name.
var encodingChoices = []struct{ value, label string }{
	{"utf-8", "UTF-8"},
	{"windows-1252", "Windows-1252 (Western European)"},
	{"utf-16le", "UTF-16 little-endian"},
	{"utf-16be", "UTF-16 big-endian"},
}

// delimiterChoices are the delimiters the Read step offers.
var delimiterChoices = []struct {
	value string
	r     rune
	label string
}{
	{"comma", ',', "Comma  ,"},
	{"semicolon", ';', "Semicolon  ;"},
	{"tab", '\t', "Tab"},
	{"pipe", '|', "Pipe  |"},
}

// detectedSuffix marks the option Onboard detected.
const detectedSuffix = " (detected)"

// readPreviewRows is how many parsed rows the Read step shows.
const readPreviewRows = 50

// readStep is step 2: how the file is read (encoding, delimiter, column titles),
// with its first raw lines and the first rows as split.
type readStep struct {
	w         *importWizard
	summary   *widget.Label
	encoding  *widget.Select
	delimiter *widget.Select
	header    *widget.Check
	csvForm   *fyne.Container
	xlsxNote  *widget.Label
	status    *widget.Label
	err       *widget.Label
	raw       *widget.TextGrid
	rows      *widget.Table
	content   fyne.CanvasObject
}

func newReadStep(w *importWizard) *readStep {
	r := &readStep{w: w}
	r.summary = &widget.Label{Wrapping: fyne.TextWrapWord}
	r.encoding = widget.NewSelect(nil, func(label string) {
		for _, c := range encodingChoices {
			if strings.TrimSuffix(label, detectedSuffix) == c.label && (w.src == nil || w.src.Info.Encoding != c.value) {
				w.opt.Encoding = c.value
				w.reload()
			}
		}
	})
	r.delimiter = widget.NewSelect(nil, func(label string) {
		for _, c := range delimiterChoices {
			if strings.TrimSuffix(label, detectedSuffix) == c.label && (w.src == nil || w.src.Info.Delimiter != c.r) {
				w.opt.Delimiter = c.value
				w.reload()
			}
		}
	})
	r.header = widget.NewCheck("First row has column titles", func(on bool) {
		if on != w.hasHeader {
			w.hasHeader = on
			w.reload()
		}
	})
	r.csvForm = container.New(layout.NewFormLayout(),
		widget.NewLabel("Text encoding"), container.NewGridWrap(fyne.NewSize(420, 36), r.encoding),
		widget.NewLabel("Values separated by"), container.NewGridWrap(fyne.NewSize(420, 36), r.delimiter),
	)
	r.xlsxNote = widget.NewLabel("")
	r.status = widget.NewLabel("")
	r.status.Hide()
	r.err = uikit.DangerLabel()
	r.err.Hide()
	r.raw = widget.NewTextGrid()
	r.raw.Scroll = fyne.ScrollBoth
	r.rows = uikit.NewTextTable(
		func() []string {
			if w.src == nil {
				return nil
			}
			return append([]string{"Line"}, w.src.Header...)
		},
		func() int {
			if w.src == nil {
				return 0
			}
			return min(len(w.src.Rows), readPreviewRows)
		},
		func(row, col int) string {
			if w.src == nil || row >= len(w.src.Rows) {
				return ""
			}
			rw := w.src.Rows[row]
			if col == 0 {
				return strconv.Itoa(rw.Line)
			}
			if col-1 < len(rw.Cells) {
				return rw.Cells[col-1]
			}
			return ""
		})
	rawBox := container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)), container.NewPadded(r.raw))
	top := container.NewVBox(
		uikit.Heading("Check how the file is read"),
		r.summary, r.csvForm, r.xlsxNote, r.header, r.status, r.err,
	)
	split := container.NewVSplit(
		container.NewBorder(uikit.BoldLabel("The first lines of the file, as they are"), nil, nil, nil, rawBox),
		container.NewBorder(uikit.BoldLabel("The first rows, split into columns"), nil, nil, nil, r.rows))
	split.Offset = 0.4
	r.content = container.NewBorder(top, nil, nil, nil, split)
	return r
}

// setStatus shows progress or an error.
func (r *readStep) setStatus(progress string, err error) {
	r.status.SetText(progress)
	if progress == "" {
		r.status.Hide()
	} else {
		r.status.Show()
	}
	if err != nil {
		r.err.SetText("Onboard cannot read the file this way.\n" + err.Error())
		r.err.Show()
	} else {
		r.err.Hide()
	}
}

// refresh shows what was detected and read.
func (r *readStep) refresh() {
	w := r.w
	src := w.src
	if src == nil {
		r.summary.SetText("")
		r.raw.SetText("")
		r.rows.Refresh()
		return
	}
	info := src.Info
	rows := display.Plural(len(src.Rows), "row")
	if src.HasHeader {
		text := fmt.Sprintf("%s: %s of people below a row of %s.", info.Name, rows, display.Plural(len(src.Header), "column title"))
		switch {
		case src.Above == 1:
			text += " The line above the titles is left out."
		case src.Above > 1:
			text += fmt.Sprintf(" The %d lines above the titles are left out.", src.Above)
		}
		r.summary.SetText(text)
	} else {
		r.summary.SetText(fmt.Sprintf("%s: %s of people in %s.", info.Name, rows, display.Plural(len(src.Header), "column")))
	}
	if len(src.Rows) == 0 {
		r.summary.SetText(fmt.Sprintf("%s has no rows of people. Is the first row really column titles?", info.Name))
	}
	r.header.OnChanged, r.header.Checked = nil, w.hasHeader
	r.header.Refresh()
	r.header.OnChanged = func(on bool) {
		if on != w.hasHeader {
			w.hasHeader = on
			w.reload()
		}
	}
	if info.Format == tabular.FormatXLSX {
		r.csvForm.Hide()
		r.xlsxNote.SetText(fmt.Sprintf("Excel workbook, sheet “%s”. Choose another sheet on the File step.", info.Sheet))
		r.xlsxNote.Show()
	} else {
		r.xlsxNote.Hide()
		r.csvForm.Show()
		r.fillCSVChoices(info)
	}
	r.raw.ShowWhitespace = info.Delimiter == '\t'
	r.raw.SetText(strings.Join(info.Preview, "\n"))
	header := append([]string{"Line"}, src.Header...)
	r.rows.SetColumnWidth(0, 60)
	for i := 1; i < len(header); i++ {
		r.rows.SetColumnWidth(i, 150)
	}
	r.rows.Refresh()
}

// fillCSVChoices sets the encoding and delimiter selects to what the file was read
// with, the detected options marked.
func (r *readStep) fillCSVChoices(info tabular.Info) {
	det := r.w.detected
	var encs []string
	cur := ""
	for _, c := range encodingChoices {
		label := c.label
		if c.value == det.Encoding {
			label += detectedSuffix
			if det.BOM {
				label = c.label + " with byte-order mark" + detectedSuffix
			}
		}
		encs = append(encs, label)
		if c.value == info.Encoding {
			cur = label
		}
	}
	uikit.SetSelectQuietly(r.encoding, encs, cur)
	var delims []string
	cur = ""
	for _, c := range delimiterChoices {
		label := c.label
		if c.r == det.Delimiter {
			label += detectedSuffix
		}
		delims = append(delims, label)
		if c.r == info.Delimiter {
			cur = label
		}
	}
	uikit.SetSelectQuietly(r.delimiter, delims, cur)
}
