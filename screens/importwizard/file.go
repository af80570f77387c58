package importwizard

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/display"
	"onboard/internal/tabular"
	"onboard/resources"
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
	mode    *widget.RadioGroup // add users or update from a list
}

func newFileStep(w *importWizard) *fileStep {
	f := &fileStep{w: w, mode: newModeChoice(w)}
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
		widget.NewLabel(lang.L("This workbook has several sheets. Which one holds the users?")),
		container.NewHBox(widget.NewLabel(lang.L("Sheet")), container.NewGridWrap(fyne.NewSize(260, 36), f.sheet)))
	f.sheets.Hide()
	choose := &widget.Button{
		Text: lang.L("Choose file…"), Icon: theme.FolderOpenIcon(), Importance: widget.HighImportance,
		OnTapped: f.choose,
	}
	sample := &widget.Button{Text: lang.L("Save sample file…"), Importance: widget.LowImportance, OnTapped: func() {
		if w.onSample != nil {
			w.onSample()
		}
	}}
	drop := canvas.NewText(lang.L("or drop the file on this window"), theme.Color(theme.ColorNamePlaceHolder))
	f.content = container.NewVBox(
		uikit.Heading(lang.L("Choose the file with your users")),
		&widget.Label{Text: lang.L("A CSV, TSV or text file, or an Excel workbook (.xlsx). Each row is one person; " +
			"the first row usually holds the column titles."), Wrapping: fyne.TextWrapWord},
		container.NewHBox(choose, container.NewCenter(drop)),
		f.name, f.status, f.err, f.sheets,
		widget.NewSeparator(),
		uikit.BoldLabel(lang.L("What the import does")),
		f.mode,
		widget.NewSeparator(),
		container.NewHBox(widget.NewLabel(lang.L("No file yet? Start from the sample, which has every column Onboard understands:")), sample),
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
			f.setStatus("", fmt.Errorf(lang.L("%s: only files on this computer can be imported"), u.Name()))
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
		f.err.SetText(lang.L("Onboard cannot read this file.") + "\n" + err.Error())
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
	what := fmt.Sprintf("%s · %s", info.Name, rowCount(len(src.Rows)))
	if info.Format != tabular.FormatCSV {
		what += " · " + fmt.Sprintf(lang.L("sheet “%s”"), info.Sheet)
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

// rowCount is "1 row", "12 rows" in the window's language.
func rowCount(n int) string { return display.PluralOf(n, lang.L("row"), lang.L("rows")) }

// encodingChoices are the encodings the Read step offers, by tabular's name; the
// labels are translated where they are shown.
var encodingChoices = []struct{ value, label string }{
	{"utf-8", resources.Mark("UTF-8")},
	{"windows-1252", resources.Mark("Windows-1252 (Western European)")},
	{"utf-16le", resources.Mark("UTF-16 little-endian")},
	{"utf-16be", resources.Mark("UTF-16 big-endian")},
	{"iso-8859-15", resources.Mark("ISO-8859-15 (Latin-9)")},
	{"macintosh", resources.Mark("Mac Roman (old Mac Excel)")},
	{"ibm850", resources.Mark("IBM850 (Excel CSV MS-DOS, Western Europe)")},
	{"ibm437", resources.Mark("IBM437 (Excel CSV MS-DOS, US)")},
}

// delimiterChoices are the delimiters the Read step offers.
var delimiterChoices = []struct {
	value string
	r     rune
	label string
}{
	{"comma", ',', resources.Mark("Comma  ,")},
	{"semicolon", ';', resources.Mark("Semicolon  ;")},
	{"tab", '\t', resources.Mark("Tab")},
	{"pipe", '|', resources.Mark("Pipe  |")},
}

// detected marks label as the option Onboard detected.
func detected(label string) string { return fmt.Sprintf(lang.L("%s (detected)"), label) }

// readPreviewRows is how many parsed rows the Read step shows.
const readPreviewRows = 50

// readStep is step 2: how the file is read (encoding, delimiter, column titles),
// with its first raw lines and the first rows as split.
type readStep struct {
	w         *importWizard
	summary   *widget.Label
	encoding  *widget.Select
	delimiter *widget.Select
	encLabels []string // the encoding select's options, by encodingChoices
	delLabels []string // the delimiter select's options, by delimiterChoices
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
		if i := slices.Index(r.encLabels, label); i >= 0 {
			if c := encodingChoices[i]; w.src == nil || w.src.Info.Encoding != c.value {
				w.opt.Encoding = c.value
				w.reload()
			}
		}
	})
	r.delimiter = widget.NewSelect(nil, func(label string) {
		if i := slices.Index(r.delLabels, label); i >= 0 {
			if c := delimiterChoices[i]; w.src == nil || w.src.Info.Delimiter != c.r {
				w.opt.Delimiter = c.value
				w.reload()
			}
		}
	})
	r.header = widget.NewCheck(lang.L("First row has column titles"), func(on bool) {
		if on != w.hasHeader {
			w.hasHeader = on
			w.reload()
		}
	})
	r.csvForm = container.New(layout.NewFormLayout(),
		widget.NewLabel(lang.L("Text encoding")), container.NewGridWrap(fyne.NewSize(420, 36), r.encoding),
		widget.NewLabel(lang.L("Values separated by")), container.NewGridWrap(fyne.NewSize(420, 36), r.delimiter),
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
			return append([]string{lang.L("Line")}, w.src.Header...)
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
		uikit.Heading(lang.L("Check how the file is read")),
		r.summary, r.csvForm, r.xlsxNote, r.header, r.status, r.err,
	)
	split := container.NewVSplit(
		container.NewBorder(uikit.BoldLabel(lang.L("The first lines of the file, as they are")), nil, nil, nil, rawBox),
		container.NewBorder(uikit.BoldLabel(lang.L("The first rows, split into columns")), nil, nil, nil, r.rows))
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
		r.err.SetText(lang.L("Onboard cannot read the file this way.") + "\n" + err.Error())
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
	rows := rowCount(len(src.Rows))
	if src.HasHeader {
		titles := display.PluralOf(len(src.Header), lang.L("column title"), lang.L("column titles"))
		text := fmt.Sprintf(lang.L("%s: %s of people below a row of %s."), info.Name, rows, titles)
		switch {
		case src.Above == 1:
			text += " " + lang.L("The line above the titles is left out.")
		case src.Above > 1:
			text += " " + fmt.Sprintf(lang.L("The %d lines above the titles are left out."), src.Above)
		}
		r.summary.SetText(text)
	} else {
		cols := display.PluralOf(len(src.Header), lang.L("column"), lang.L("columns"))
		r.summary.SetText(fmt.Sprintf(lang.L("%s: %s of people in %s."), info.Name, rows, cols))
	}
	if len(src.Rows) == 0 {
		r.summary.SetText(fmt.Sprintf(lang.L("%s has no rows of people. Is the first row really column titles?"), info.Name))
	}
	r.header.OnChanged, r.header.Checked = nil, w.hasHeader
	r.header.Refresh()
	r.header.OnChanged = func(on bool) {
		if on != w.hasHeader {
			w.hasHeader = on
			w.reload()
		}
	}
	if info.Format != tabular.FormatCSV {
		r.csvForm.Hide()
		r.xlsxNote.SetText(sheetNote(info))
		r.xlsxNote.Show()
	} else {
		r.xlsxNote.Hide()
		r.csvForm.Show()
		r.fillCSVChoices(info)
	}
	r.raw.ShowWhitespace = info.Delimiter == '\t'
	r.raw.SetText(strings.Join(info.Preview, "\n"))
	r.rows.SetColumnWidth(0, 60)
	for i := 1; i <= len(src.Header); i++ {
		r.rows.SetColumnWidth(i, 150)
	}
	r.rows.Refresh()
}

// sheetNote says what kind of file other than CSV was read, and which sheet.
func sheetNote(info tabular.Info) string {
	switch info.Format {
	case tabular.FormatHTML:
		return fmt.Sprintf(lang.L("An HTML table (a web page saved as an Excel file), table “%s”."), info.Sheet)
	case tabular.FormatXML2003:
		return fmt.Sprintf(lang.L("Excel 2003 XML spreadsheet, sheet “%s”. Choose another sheet on the File step."), info.Sheet)
	}
	return fmt.Sprintf(lang.L("Excel workbook, sheet “%s”. Choose another sheet on the File step."), info.Sheet)
}

// fillCSVChoices sets the encoding and delimiter selects to what the file was read
// with, the detected options marked.
func (r *readStep) fillCSVChoices(info tabular.Info) {
	det := r.w.detected
	var encs []string
	cur := ""
	for _, c := range encodingChoices {
		label := lang.L(c.label)
		if c.value == det.Encoding {
			label = detected(label)
			if det.BOM {
				label = fmt.Sprintf(lang.L("%s with byte-order mark (detected)"), lang.L(c.label))
			}
		}
		encs = append(encs, label)
		if c.value == info.Encoding {
			cur = label
		}
	}
	r.encLabels = encs
	uikit.SetSelectQuietly(r.encoding, encs, cur)
	var delims []string
	cur = ""
	for _, c := range delimiterChoices {
		label := lang.L(c.label)
		if c.r == det.Delimiter {
			label = detected(label)
		}
		delims = append(delims, label)
		if c.r == info.Delimiter {
			cur = label
		}
	}
	r.delLabels = delims
	uikit.SetSelectQuietly(r.delimiter, delims, cur)
}
