package letterscreen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/atomicfile"
	"onboard/internal/display"
	"onboard/internal/letters"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/internal/sheets"
	"onboard/screens/internal/templateedit"
	"onboard/screens/internal/uikit"
)

// Service is what printing letters uses of the lifecycle service.
type Service interface {
	Now() time.Time
	PrepareLetters(ctx context.Context, ids []string, renew bool) (*lifecycle.LetterBatch, error)
	RecordLetters(ctx context.Context, people []letters.Recipient, file string) error
}

// Deps is what the letters screen and the print dialog need: the settings
// (template, paper, organization, logo, address) and the service.
type Deps struct {
	Settings settings.Store
	Service  Service
	Sheets   sheets.Store // where class sheets are read; nil: the print dialog offers none
}

// The template choices of the print dialog, by index of its select.
const (
	tplSaved = iota
	tplEnglish
	tplGerman
)

// templateLabels are the template choices as shown, in the order of their indexes.
func templateLabels() []string {
	return []string{lang.L("Saved template"), templateedit.LangName("en"), templateedit.LangName("de")}
}

// The paper choices as shown in English (tests choose them).
const (
	paperA4     = "A4"
	paperLetter = "US Letter"
)

// papers are the paper choices, in the order of paperLabels.
var papers = []letters.Paper{letters.A4, letters.Letter}

// paperLabels are the paper choices as shown.
func paperLabels() []string { return []string{paperA4, lang.L("US Letter")} }

func paperLabel(p letters.Paper) string {
	if p == letters.Letter {
		return paperLabels()[1]
	}
	return paperLabels()[0]
}

// paperAt is the paper of choice i of paperLabels (A4 when none is chosen).
func paperAt(i int) letters.Paper {
	if i < 0 || i >= len(papers) {
		return letters.A4
	}
	return papers[i]
}

// PrintDialog is the dialog that prints registration letters for a set of users:
// it says how many get a letter and who is skipped and why, shows the first letter,
// and saves the PDF with progress and cancel.
type PrintDialog struct {
	deps Deps
	win  fyne.Window
	ids  []string
	bg   sync.WaitGroup

	opt         letters.Options        // from the settings, with the saved template
	batch       *lifecycle.LetterBatch // who gets a letter without renewing keys
	loaded      bool                   // opt and batch are read
	previewErr  error                  // why the letters cannot be printed with these options
	previewLoad *uikit.Loader          // an option changed meanwhile drops the older preview
	running     bool                   // a save is under way
	cancel      context.CancelFunc     // stops the save under way
	skipped     []lifecycle.Skip       // the skipped users listed

	template *widget.Select
	paper    *widget.Select
	duplex   *widget.Check
	renew    *widget.Check
	sheets   *widget.Check // class sheets too
	counts   *widget.Label
	skipBox  *widget.Accordion
	skipList *widget.List
	message  *widget.Label
	left     *fyne.Container // the options and messages beside the preview
	working  *fyne.Container
	status   *widget.Label
	bar      *widget.ProgressBar
	stop     *widget.Button
	done     *fyne.Container
	result   *widget.Label
	open     *widget.Button
	caption  *widget.Label
	preview  *PageView
	save     *widget.Button
	closeBtn *widget.Button
	content  fyne.CanvasObject
	dlg      *dialog.CustomDialog

	// Saved is the file and result of the last successful save (tests read them).
	Saved       string
	SavedResult letters.Result
	// OnSaved, if set, is called on the UI goroutine after letters were saved.
	OnSaved func()
}

// NewPrintDialog builds the dialog's content for the users ids and reads the
// settings and the users in the background. ShowPrintDialog puts it in a dialog.
func NewPrintDialog(deps Deps, win fyne.Window, ids []string) *PrintDialog {
	p := &PrintDialog{deps: deps, win: win, ids: ids}
	p.previewLoad = uikit.NewLoader(&p.bg)
	p.build()
	p.load()
	return p
}

// ShowPrintDialog opens the print dialog for the users ids on win.
func ShowPrintDialog(win fyne.Window, deps Deps, ids []string) *PrintDialog {
	p := NewPrintDialog(deps, win, ids)
	p.dlg = dialog.NewCustomWithoutButtons(lang.L("Print registration letters"), p.content, win)
	p.closeBtn.OnTapped = func() {
		if p.cancel != nil {
			p.cancel()
		}
		p.dlg.Hide()
	}
	p.dlg.SetButtons([]fyne.CanvasObject{p.closeBtn, p.save})
	p.dlg.Resize(fyne.NewSize(1040, 700))
	p.dlg.Show()
	return p
}

// Content is the dialog's content.
func (p *PrintDialog) Content() fyne.CanvasObject { return p.content }

func (p *PrintDialog) build() {
	p.template = widget.NewSelect(templateLabels(), func(string) { p.updatePreview() })
	p.template.Selected = templateLabels()[tplSaved]
	p.paper = widget.NewSelect(paperLabels(), func(string) { p.updatePreview() })
	p.paper.Selected = paperLabel(letters.A4)
	p.duplex = widget.NewCheck(lang.L("Blank back pages for duplex printing"), nil)
	p.renew = widget.NewCheck(lang.L("Renew expired keys"), func(bool) { p.updateCounts() })
	p.sheets = widget.NewCheck(lang.L("Class sheets of their units, in a second file"), nil)
	if p.deps.Sheets == nil {
		p.sheets.Hide()
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Template"), p.template),
		widget.NewFormItem(lang.L("Paper"), p.paper),
	)
	renewNote := &widget.Label{
		Text:     lang.L("Users whose key has expired or who have no key get a new key when you save."),
		Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance,
	}

	p.counts = &widget.Label{Text: lang.L("Reading the users…"), Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}
	p.skipList = widget.NewList(
		func() int { return len(p.skipped) },
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(p.skipped) {
				s := p.skipped[id]
				name := s.Name
				if name == "" {
					name = s.UserID
				}
				o.(*widget.Label).SetText(name + " — " + uikit.SkipReason(s.Reason))
			}
		})
	p.skipBox = widget.NewAccordion(widget.NewAccordionItem(lang.L("Skipped users"), uikit.WithMinHeight(p.skipList, 150)))
	p.skipBox.Hide()
	p.message = uikit.DangerLabel()
	p.message.Hide()

	p.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.bar = widget.NewProgressBar()
	p.stop = &widget.Button{Text: lang.L("Cancel"), OnTapped: p.Cancel}
	p.working = container.NewVBox(p.status, container.NewBorder(nil, nil, nil, p.stop, p.bar))
	p.working.Hide()
	p.result = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.open = &widget.Button{Text: lang.L("Open"), Icon: theme.FileIcon(), OnTapped: p.openSaved}
	p.done = container.NewVBox(p.result, container.NewHBox(p.open))
	p.done.Hide()

	p.left = container.NewVBox(form, p.duplex, p.renew, renewNote, p.sheets, widget.NewSeparator(),
		p.counts, p.skipBox, p.message, p.working, p.done)
	p.caption = &widget.Label{Text: lang.L("Preview"), Truncation: fyne.TextTruncateEllipsis, Importance: widget.LowImportance}
	p.preview = NewPageView()
	right := container.NewBorder(p.caption, nil, nil, nil, p.preview)
	split := container.NewHSplit(container.NewVScroll(p.left), right)
	split.Offset = 0.5
	p.content = split

	p.save = &widget.Button{Text: lang.L("Save…"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: func() {
		uikit.CheckBeforeSending(p.win, &p.bg, p.deps.Settings, false, func() {
			p.load() // the organization name may be new
			p.askFile()
		}, nil)
	}}
	p.closeBtn = &widget.Button{Text: lang.L("Close")}
	p.updateButtons()
}

// load reads the letter settings and who gets a letter, off the UI goroutine.
func (p *PrintDialog) load() {
	p.bg.Go(func() {
		ctx := context.Background()
		opt, err := settings.LetterOptions(ctx, p.deps.Settings)
		var batch *lifecycle.LetterBatch
		if err == nil {
			batch, err = p.deps.Service.PrepareLetters(ctx, p.ids, false)
		}
		uikit.OnUI(func() {
			if err != nil {
				p.counts.SetText("")
				p.showMessage(fmt.Sprintf(lang.L("The letters cannot be printed: %s"), err.Error()))
				return
			}
			first := !p.loaded
			p.opt, p.batch, p.loaded = opt, batch, true
			if first {
				p.paper.Selected = paperLabel(opt.Paper)
				p.paper.Refresh()
			}
			p.updateCounts()
			p.updatePreview()
		})
	})
}

// plan is how many letters a save prints now, how many of them with a new key, and
// who is skipped.
func (p *PrintDialog) plan() (printable, renewed int, skipped []lifecycle.Skip) {
	if p.batch == nil {
		return 0, 0, nil
	}
	printable = len(p.batch.Recipients)
	for _, s := range p.batch.Skipped {
		if p.renew.Checked && s.Renewable {
			renewed++
			continue
		}
		skipped = append(skipped, s)
	}
	return printable + renewed, renewed, skipped
}

// CountsText is the line saying how many letters are printed and who is skipped.
func (p *PrintDialog) CountsText() string { return p.counts.Text }

func (p *PrintDialog) updateCounts() {
	if !p.loaded {
		return
	}
	n, renewed, skipped := p.plan()
	letterCount := display.PluralOf(n, lang.L("letter"), lang.L("letters"))
	line := fmt.Sprintf(lang.L("%s to print, %s skipped"), letterCount, display.Count(len(skipped)))
	if renewed > 0 {
		line = fmt.Sprintf(lang.L("%s to print (%s with a new key), %s skipped"),
			letterCount, display.Count(renewed), display.Count(len(skipped)))
	}
	if len(skipped) > 0 {
		line += ": " + uikit.SkipSummary(skipped)
	}
	p.counts.SetText(line)
	p.skipped = skipped
	if len(skipped) > 0 {
		p.skipBox.Items[0].Title = fmt.Sprintf(lang.L("Skipped users (%s)"), display.Count(len(skipped)))
		p.skipBox.Refresh()
		p.skipBox.Show()
	} else {
		p.skipBox.Hide()
	}
	p.skipList.Refresh()
	p.updateButtons()
}

// options are the letter options chosen in the dialog.
func (p *PrintDialog) options() letters.Options {
	opt := p.opt
	switch p.template.SelectedIndex() {
	case tplEnglish:
		opt.Template = letters.DefaultTemplate("en")
	case tplGerman:
		opt.Template = letters.DefaultTemplate("de")
	}
	opt.Paper = paperAt(p.paper.SelectedIndex())
	opt.Duplex = p.duplex.Checked
	opt.Date = p.deps.Service.Now()
	return opt
}

// updatePreview lays out the first letter (or a sample person's) off the UI goroutine.
func (p *PrintDialog) updatePreview() {
	if !p.loaded {
		return
	}
	opt := p.options()
	who := letters.SampleRecipient(opt.Date)
	caption := lang.L("Preview with a sample person")
	if len(p.batch.Recipients) > 0 {
		who = p.batch.Recipients[0]
		caption = fmt.Sprintf(lang.L("Preview of the first letter: %s"), strings.TrimSpace(who.FirstName+" "+who.LastName))
	}
	p.previewLoad.Start(func() func() {
		page, err := letters.Preview(who, opt)
		return func() {
			p.previewErr = err
			if err != nil {
				p.preview.SetPage(nil, "")
				p.showMessage(fmt.Sprintf(lang.L("The letters cannot be printed: %s"), err.Error()))
			} else {
				p.preview.SetPage(&page, opt.LogoFile)
				p.caption.SetText(caption)
				if page.Overflow > 0 {
					p.showMessage(fmt.Sprintf(lang.L("%s (on the Letters screen)"), overflowText(page.Overflow)))
				} else {
					p.showMessage("")
				}
			}
			p.updateButtons()
		}
	})
}

func (p *PrintDialog) showMessage(msg string) {
	p.message.SetText(msg)
	if msg == "" {
		p.message.Hide()
	} else {
		p.message.Show()
	}
	p.left.Refresh() // lay out again: the message came or went
}

// CanSave reports whether Save is enabled.
func (p *PrintDialog) CanSave() bool { return !p.save.Disabled() }

func (p *PrintDialog) updateButtons() {
	n, _, _ := p.plan()
	ok := p.loaded && !p.running && n > 0 && p.previewErr == nil
	if page := p.preview.Page(); page != nil && page.Overflow > 0 {
		ok = false
	}
	uikit.SetEnabled(p.save, ok)
	for _, w := range []fyne.Disableable{p.template, p.paper, p.duplex, p.renew, p.sheets} {
		uikit.SetEnabled(w, !p.running)
	}
	p.left.Refresh() // lay out again: parts came or went
}

// askFile asks where to save the letters, then saves them.
func (p *PrintDialog) askFile() {
	uikit.AskSavePath(p.win, "letters-"+p.deps.Service.Now().Local().Format(time.DateOnly)+".pdf", []string{".pdf"}, p.SaveTo)
}

// SaveTo prints the letters into the file path off the UI goroutine, with progress.
// The file appears only when every letter was written. With "Class sheets" ticked,
// the class sheets of the printed users' units follow in a second file beside it
// (classSheetsPath).
func (p *PrintDialog) SaveTo(path string) {
	if p.running || !p.loaded {
		return
	}
	opt, renew, ids := p.options(), p.renew.Checked, p.ids
	withSheets := p.deps.Sheets != nil && p.sheets.Checked
	ctx, cancel := context.WithCancel(context.Background())
	p.running, p.cancel = true, cancel
	p.showMessage("")
	p.done.Hide()
	p.bar.Max = 1
	p.bar.SetValue(0)
	p.status.SetText(lang.L("Writing the letters…"))
	p.stop.Enable()
	p.working.Show()
	p.updateButtons()
	p.bg.Go(func() {
		defer cancel()
		out := p.writeLetters(ctx, path, opt, renew, ids)
		if out.err == nil {
			out.recordErr = p.deps.Service.RecordLetters(context.Background(), out.batch.Recipients, path)
			if withSheets {
				out.sheetsPath = classSheetsPath(path)
				out.sheets, out.sheetsErr = SaveClassSheets(ctx, p.deps, out.sheetsPath, sheets.Selection{UserIDs: recipientIDs(out.batch)})
			}
		}
		uikit.OnUI(func() { p.showSaved(path, out) })
	})
}

// saveOutcome is what a save did.
type saveOutcome struct {
	batch      *lifecycle.LetterBatch
	res        letters.Result
	err        error // no letters were saved
	recordErr  error // the letters were saved, not recorded in the history
	sheetsPath string
	sheets     sheets.Result
	sheetsErr  error
}

// writeLetters prepares the letters of ids and writes them to path, with progress.
func (p *PrintDialog) writeLetters(ctx context.Context, path string, opt letters.Options, renew bool, ids []string) saveOutcome {
	var out saveOutcome
	if org, err := settings.Get(ctx, p.deps.Settings, settings.OrgName); err == nil {
		opt.Organization = org // as stored now: CheckBeforeSending may have just set it
	}
	out.batch, out.err = p.deps.Service.PrepareLetters(ctx, ids, renew)
	if out.err == nil && len(out.batch.Recipients) == 0 {
		out.err = errors.New(lang.L("none of these users can get a letter"))
	}
	if out.err != nil {
		return out
	}
	total := len(out.batch.Recipients)
	uikit.OnUI(func() {
		p.status.SetText(fmt.Sprintf(lang.L("Writing %s…"), display.PluralOf(total, lang.L("letter"), lang.L("letters"))))
		p.bar.Max = float64(total)
	})
	var last time.Time
	out.err = atomicfile.Write(path, func(w io.Writer) error {
		var werr error
		out.res, werr = letters.Write(ctx, w, out.batch.Recipients, opt, func(done, total int) {
			if now := time.Now(); done == total || now.Sub(last) > 50*time.Millisecond {
				last = now
				uikit.OnUI(func() { p.bar.SetValue(float64(done)) })
			}
		})
		if werr == nil {
			werr = ctx.Err() // cancelled at the last letter: still no file
		}
		return werr
	})
	return out
}

// showSaved shows the outcome of a save to path.
func (p *PrintDialog) showSaved(path string, out saveOutcome) {
	p.running, p.cancel = false, nil
	p.working.Hide()
	renewed := ""
	if out.batch != nil && out.batch.Renewed > 0 {
		renewed = " " + fmt.Sprintf(lang.L("%s got a new key."), display.PluralOf(out.batch.Renewed, lang.L("user"), lang.L("users")))
	}
	switch {
	case errors.Is(out.err, context.Canceled):
		p.showMessage(lang.L("Cancelled; no file was saved.") + renewed)
	case out.err != nil:
		p.showMessage(fmt.Sprintf(lang.L("No file was saved: %s"), letterError(out.err)) + renewed)
	default:
		p.Saved, p.SavedResult = path, out.res
		text := fmt.Sprintf(lang.L("Saved %s (%s) to %s."), display.PluralOf(out.res.Letters, lang.L("letter"), lang.L("letters")),
			display.PluralOf(out.res.Pages, lang.L("page"), lang.L("pages")), path) + renewed
		if out.sheetsPath != "" && out.sheetsErr == nil {
			text += " " + sheetsSaved(out.sheets, out.sheetsPath)
		}
		p.result.SetText(text)
		p.done.Show()
		switch {
		case out.recordErr != nil:
			p.showMessage(fmt.Sprintf(lang.L("The letters are saved, but recording them in the users' history failed: %s"), out.recordErr.Error()))
		case out.sheetsErr != nil:
			p.showMessage(fmt.Sprintf(lang.L("The letters are saved, but not the class sheets: %s"), sheetsError(out.sheetsErr)))
		}
	}
	if out.batch != nil && out.batch.Renewed > 0 {
		p.load() // the renewed users now have keys
	}
	p.updateButtons()
	if out.err == nil && p.OnSaved != nil {
		p.OnSaved()
	}
}

// letterError says what went wrong in words for an admin.
func letterError(err error) string {
	if tl, ok := errors.AsType[*letters.TooLongError](err); ok {
		return fmt.Sprintf(lang.L("%s on the Letters screen."), tl.Error())
	}
	return err.Error()
}

// Cancel stops the save under way; no file is left.
func (p *PrintDialog) Cancel() {
	if p.cancel != nil {
		p.status.SetText(lang.L("Stopping…"))
		p.stop.Disable()
		p.cancel()
	}
}

// Message is the error or warning shown, "" when there is none.
func (p *PrintDialog) Message() string {
	if !p.message.Visible() {
		return ""
	}
	return p.message.Text
}

// ResultText is the line saying where the letters were saved, "" before a save.
func (p *PrintDialog) ResultText() string {
	if !p.done.Visible() {
		return ""
	}
	return p.result.Text
}

// openSaved opens the saved PDF in the system's viewer.
func (p *PrintDialog) openSaved() {
	if p.Saved == "" {
		return
	}
	u := &url.URL{Scheme: "file", Path: filepath.ToSlash(p.Saved)}
	if err := fyne.CurrentApp().OpenURL(u); err != nil {
		uikit.ShowError(err, p.win)
	}
}

// Wait blocks until the background work has finished.
func (p *PrintDialog) Wait() { p.bg.Wait() }

// Saving reports whether letters are being written.
func (p *PrintDialog) Saving() bool { return p.running }
