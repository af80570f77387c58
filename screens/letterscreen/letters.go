package letterscreen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"onboard/screens/internal/templateedit"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/letters"
	"onboard/internal/settings"
	"onboard/screens/internal/uikit"
)

// Delays after typing: the preview is laid out again, a setting is stored.
var (
	previewDelay = 300 * time.Millisecond
	settingDelay = 500 * time.Millisecond
)

// settingLabel is the name of a letter setting as the form shows it.
func settingLabel(k settings.Key) string {
	switch k.Name {
	case settings.OrgName.Name:
		return lang.L("Organization name")
	case settings.OrgLogo.Name:
		return lang.L("Logo")
	case settings.RegistrationURL.Name:
		return lang.L("Registration address")
	case settings.LettersPaper.Name:
		return lang.L("Paper size")
	}
	return k.Label
}

// settingField is one letter setting on the screen: what is stored and its error.
type settingField struct {
	key     settings.Key
	stored  string        // the value stored, normalized
	err     *widget.Label // why the value typed is not stored
	store   *uikit.Loader // stores the value; an older value's result is dropped
	pending bool          // a value typed is not stored yet
}

// Screen edits the registration letter: its template (title and text with
// placeholders), the settings letters print (organization, logo, registration
// address, paper) and shows a sample letter as it prints, updating as the admin types.
type Screen struct {
	templateedit.Editor[letters.Template]
	deps Deps

	title   *widget.Entry // the template editor's head
	tabs    *container.AppTabs
	setPane *fyne.Container // the settings form

	org, url, logo, paper *settingField
	orgEntry, urlEntry    *widget.Entry
	logoPath              *widget.Label
	logoText              string // the logo path chosen, stored or not
	logoClear             *widget.Button
	server                string // the sync server's address, where letters link without a registration address
	paperSelect           *widget.Select

	preview     *PageView
	previewLoad *uikit.Loader
	content     fyne.CanvasObject
	win         fyne.Window
	bg          sync.WaitGroup

	// OnPrint, if set, opens the print dialog (the window decides for whom).
	OnPrint func()
}

// New builds the letters screen for window win; call Reload to fill it.
func New(deps Deps, win fyne.Window) *Screen {
	s := &Screen{deps: deps, win: win}
	s.previewLoad = uikit.NewLoader(&s.bg)
	s.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Template"), s.buildLetterTemplate(win)),
		container.NewTabItem(lang.L("Letter settings"), container.NewVScroll(s.buildSettings())),
	)
	s.preview = NewPageView()
	right := container.NewBorder(uikit.BoldLabel(lang.L("Preview with a sample person")), nil, nil, nil, s.preview)
	split := container.NewHSplit(s.tabs, right)
	split.Offset = 0.56
	printBtn := &widget.Button{Text: lang.L("Print letters…"), Icon: theme.DocumentPrintIcon(), OnTapped: func() {
		if s.OnPrint != nil {
			s.OnPrint()
		}
	}}
	top := container.NewBorder(nil, nil, uikit.Heading(lang.L("Letters")), printBtn)
	s.content = container.NewBorder(top, nil, nil, nil, split)
	return s
}

// Content is the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// buildLetterTemplate makes the template editor for window win.
func (s *Screen) buildLetterTemplate(win fyne.Window) fyne.CanvasObject {
	s.Build(templateedit.Kind[letters.Template]{
		Head:      lang.L("Title"),
		HeadWord:  lang.L("title"),
		LangHint:  lang.L("Of the printed labels and dates"),
		Places:    letters.Placeholders,
		SavedText: lang.L("Template saved."),
		Blank:     func(text string) bool { return text == "" },
		Make: func(code, title, body string) letters.Template {
			return letters.Template{Lang: code, Title: title, Body: body}
		},
		Parts:   func(t letters.Template) (string, string, string) { return t.Lang, t.Title, t.Body },
		Default: letters.DefaultTemplate,
		Check: func(t letters.Template) error {
			s.schedulePreview()
			return t.Check()
		},
		Save: func(ctx context.Context, t letters.Template) error {
			return settings.SaveLetterTemplate(ctx, s.deps.Settings, t)
		},
	}, win, &s.bg)
	s.title = s.Head
	return s.Pane
}

func (s *Screen) buildSettings() fyne.CanvasObject {
	field := func(k settings.Key) *settingField {
		f := &settingField{key: k, err: uikit.DangerLabel(), store: uikit.NewLoader(&s.bg)}
		f.err.Hide()
		return f
	}
	s.org, s.url, s.logo, s.paper = field(settings.OrgName), field(settings.RegistrationURL), field(settings.OrgLogo), field(settings.LettersPaper)
	s.orgEntry = widget.NewEntry()
	s.orgEntry.OnChanged = func(text string) { s.edited(s.org, text) }
	s.urlEntry = widget.NewEntry()
	s.urlEntry.SetPlaceHolder("https://onboard.example.org")
	s.urlEntry.OnChanged = func(text string) { s.edited(s.url, text) }
	s.logoPath = &widget.Label{Text: lang.L("No logo"), Truncation: fyne.TextTruncateEllipsis}
	choose := &widget.Button{Text: lang.L("Choose…"), Icon: theme.FolderOpenIcon(), OnTapped: s.chooseLogo}
	s.logoClear = &widget.Button{Text: lang.L("Clear"), OnTapped: func() { s.SetLogo("") }}
	s.paperSelect = widget.NewSelect(paperLabels(), func(string) {
		s.store(s.paper, string(paperAt(s.paperSelect.SelectedIndex())), 0)
	})
	s.paperSelect.Selected = paperLabel(letters.A4)
	item := func(f *settingField, obj fyne.CanvasObject, hint string) *widget.FormItem {
		// The hint wraps under the field (a form's own hint never wraps and would
		// widen the screen past a 1024-pixel window).
		return widget.NewFormItem(settingLabel(f.key), container.NewVBox(obj, uikit.Note(hint), f.err))
	}
	form := widget.NewForm(
		item(s.org, s.orgEntry, lang.L("Printed in the letter's header and for {organization}")),
		item(s.logo, container.NewBorder(nil, nil, nil, container.NewHBox(choose, s.logoClear), s.logoPath), lang.L("PNG or JPEG, printed beside the organization")),
		item(s.url, s.urlEntry, lang.L("Where people register; the QR code links there with their key. Empty: the sync server's address")),
		item(s.paper, s.paperSelect, ""),
	)
	note := &widget.Label{
		Text:     lang.L("These settings are saved as you change them and apply to all letters."),
		Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance,
	}
	s.setPane = container.NewVBox(form, note)
	return s.setPane
}

// Reload reads the template and the settings, unless the admin is editing them.
func (s *Screen) Reload() {
	if s.Loaded && (s.Dirty() || s.settingsPending()) {
		return
	}
	s.bg.Go(func() {
		ctx := context.Background()
		tpl, tplErr := settings.LetterTemplate(ctx, s.deps.Settings) // the default when damaged
		values := map[*settingField]string{}
		var err error
		for _, f := range []*settingField{s.org, s.url, s.logo, s.paper} {
			if values[f], err = settings.Get(ctx, s.deps.Settings, f.key); err != nil {
				break
			}
		}
		server := ""
		if err == nil {
			server, err = settings.Get(ctx, s.deps.Settings, settings.SyncURL)
		}
		uikit.OnUI(func() {
			if err = errors.Join(tplErr, err); err != nil {
				uikit.ShowError(err, s.win)
			}
			s.Filling = true
			for f, v := range values {
				f.stored = v
				f.err.Hide()
			}
			s.orgEntry.SetText(s.org.stored)
			s.server = server
			if server != "" {
				s.urlEntry.SetPlaceHolder(server) // empty: the letters link to the sync server
			}
			s.urlEntry.SetText(s.url.stored)
			s.showLogo(s.logo.stored)
			s.paperSelect.SetSelected(paperLabel(letters.Paper(s.paper.stored)))
			s.Filling = false
			s.Saved, s.Loaded = tpl, true
			s.SetTemplate(tpl) // checks it and lays out the preview
		})
	})
}

// settingsPending reports whether a setting typed is not stored yet.
func (s *Screen) settingsPending() bool {
	for _, f := range []*settingField{s.org, s.url, s.logo, s.paper} {
		if f.pending || f.err.Visible() {
			return true
		}
	}
	return false
}

// edited stores a typed setting once typing pauses.
func (s *Screen) edited(f *settingField, text string) {
	if s.Filling {
		return
	}
	s.store(f, text, settingDelay)
	s.schedulePreview()
}

// store checks and stores value for f off the UI goroutine after delay, then shows
// why it was refused, or lays out the preview with it.
func (s *Screen) store(f *settingField, value string, delay time.Duration) {
	if s.Filling {
		return
	}
	f.pending = true
	f.store.After(delay, func() func() {
		v, err := settings.Set(context.Background(), s.deps.Settings, f.key, value)
		return func() {
			f.pending = false
			if se, ok := errors.AsType[*settings.Error](err); ok {
				f.err.SetText(fmt.Sprintf(lang.L("%s %s. Not saved."), settingLabel(f.key), se.Err.Error()))
				f.err.Show()
				s.setPane.Refresh()
				return
			}
			if err != nil {
				uikit.ShowError(err, s.win)
				return
			}
			f.stored = v
			f.err.Hide()
			s.setPane.Refresh()
			s.schedulePreview()
		}
	})
}

// FieldError is the error shown under a setting, "" when there is none.
func (s *Screen) FieldError(k settings.Key) string {
	for _, f := range []*settingField{s.org, s.url, s.logo, s.paper} {
		if f.key.Name == k.Name && f.err.Visible() {
			return f.err.Text
		}
	}
	return ""
}

// chooseLogo asks for a PNG or JPEG file and stores it as the logo.
func (s *Screen) chooseLogo() {
	uikit.AskOpenPath(s.win, []string{".png", ".jpg", ".jpeg", ".PNG", ".JPG", ".JPEG"}, s.SetLogo)
}

// SetLogo stores path as the logo; "" removes the logo.
func (s *Screen) SetLogo(path string) {
	s.showLogo(path)
	s.store(s.logo, path, 0)
}

func (s *Screen) showLogo(path string) {
	s.logoText = path
	if path == "" {
		s.logoPath.SetText(lang.L("No logo"))
		s.logoClear.Disable()
	} else {
		s.logoPath.SetText(path)
		s.logoClear.Enable()
	}
}

// previewInput is what the preview is laid out from, read on the UI goroutine.
type previewInput struct {
	tpl                  letters.Template
	org, url, logo       string // as typed
	orgOK, urlOK, logoOK string // as stored, used when the typed value is refused
	server               string // the sync server's address, used when no registration address is set
	paper                letters.Paper
}

// schedulePreview lays out the sample letter again once typing pauses.
func (s *Screen) schedulePreview() {
	if s.Filling || !s.Loaded {
		return
	}
	in := previewInput{
		tpl: s.Template(), org: s.orgEntry.Text, url: s.urlEntry.Text, logo: s.logoText,
		orgOK: s.org.stored, urlOK: s.url.stored, logoOK: s.logo.stored, paper: paperAt(s.paperSelect.SelectedIndex()),
		server: s.server,
	}
	s.previewLoad.After(previewDelay, func() func() {
		page, logo, err := layoutSample(in, s.deps.Service.Now())
		if err != nil {
			return nil // a template error is shown by the editor; keep the last good letter
		}
		return func() { s.preview.SetPage(&page, logo) }
	})
}

// layoutSample lays out the sample person's letter with the template and settings
// as typed, or as stored where what was typed is refused.
func layoutSample(in previewInput, now time.Time) (letters.Page, string, error) {
	pick := func(k settings.Key, typed, stored string) string {
		if v, err := k.Check(typed); err == nil {
			return v
		}
		return stored
	}
	opt := letters.Options{
		Template: in.tpl, Paper: in.paper, Date: now,
		Organization:    pick(settings.OrgName, in.org, in.orgOK),
		RegistrationURL: cmp.Or(pick(settings.RegistrationURL, in.url, in.urlOK), in.server),
		LogoFile:        pick(settings.OrgLogo, in.logo, in.logoOK),
	}
	page, err := letters.Preview(letters.SampleRecipient(now), opt)
	if err != nil && opt.LogoFile != "" {
		// A logo that cannot be read (moved since) must not hide the rest of the letter.
		opt.LogoFile = ""
		page, err = letters.Preview(letters.SampleRecipient(now), opt)
	}
	return page, opt.LogoFile, err
}

// Preview is the preview widget (tests read its page).
func (s *Screen) Preview() *PageView { return s.preview }

// wait blocks until the background work has finished.
func (s *Screen) wait() { s.bg.Wait() }
