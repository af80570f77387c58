// Package templateedit is the editor of a template with a language, a one-line head
// and a body with placeholders, which the letters screen and the mail screen's
// template tab embed.
package templateedit

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"onboard/resources"
	"onboard/screens/internal/uikit"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// Langs are the template languages by code, with their names in English (the
// screens show lang.L(Name); "Deutsch" reads the same in both languages).
var Langs = []struct{ Code, Name string }{{"en", resources.Mark("English")}, {"de", resources.Mark("Deutsch")}}

// LangName is the name shown for language code (English when unknown), in the
// window's language.
func LangName(code string) string {
	return lang.L(Langs[langIndex(code)].Name)
}

// LangNames are the names of Langs as shown, in their order.
func LangNames() []string {
	out := make([]string, len(Langs))
	for i, l := range Langs {
		out[i] = lang.L(l.Name)
	}
	return out
}

// langIndex is the index in Langs of language code (English when unknown).
func langIndex(code string) int {
	for i, l := range Langs {
		if l.Code == code {
			return i
		}
	}
	return 0
}

// KnownLang is code when it is one of Langs, else "en".
func KnownLang(code string) string { return Langs[langIndex(code)].Code }

// Checked is a kind of template: compared to the one stored, checked before
// it is stored.
type Checked interface {
	comparable
	Check() error
}

// Kind is what an Editor needs to know about one kind of template T
// (a letter's, an invitation mail's): a language, a one-line head (title, subject)
// and a body with placeholders.
type Kind[T Checked] struct {
	// The texts are shown as given: the screens translate them.
	Head       string            // the head's label: "Title", "Subject"
	HeadWord   string            // the head inside a sentence: "title", "subject"
	LangHint   string            // what the language is used for
	Places     []string          // the placeholders
	PlacesNote string            // a sentence added after the placeholder list, or ""
	SavedText  string            // the status after saving
	Blank      func(string) bool // whether a head or body holds no text of the admin's

	Make    func(lang, head, body string) T
	Parts   func(T) (lang, head, body string)
	Default func(code string) T            // the default template of language code
	Check   func(T) error                  // checks the template typed and previews it
	Save    func(context.Context, T) error // stores the template, off the UI goroutine
}

// Editor edits a template of kind T: the letters screen and the mail
// template tab embed it.
type Editor[T Checked] struct {
	kind Kind[T]
	win  fyne.Window
	bg   *sync.WaitGroup // the screen's background work

	Saved   T // the template as stored
	Loaded  bool
	Filling bool // the fields are being set from the store: no saving, no preview

	Lang      *widget.Select
	Head      *widget.Entry
	Body      *widget.Entry
	errLabel  *widget.Label
	status    *widget.Label
	saveBtn   *widget.Button
	revertBtn *widget.Button
	Pane      *fyne.Container // the editor's form, text and buttons
}

// Build makes the editor's widgets for kind in window win and lays them out
// in pane.
func (e *Editor[T]) Build(kind Kind[T], win fyne.Window, bg *sync.WaitGroup) {
	e.kind, e.win, e.bg = kind, win, bg
	start := func(code string) *widget.Button {
		return &widget.Button{Text: fmt.Sprintf(lang.L("%s default"), LangName(code)), OnTapped: func() { e.StartFrom(code) }}
	}
	e.Lang = widget.NewSelect(LangNames(), func(string) { e.Changed() })
	e.Lang.Selected = LangName("en")
	e.Head = widget.NewEntry()
	e.Head.OnChanged = func(string) { e.Changed() }
	e.Body = widget.NewMultiLineEntry()
	e.Body.Wrapping = fyne.TextWrapWord
	e.Body.SetMinRowsVisible(6)
	e.Body.OnChanged = func(string) { e.Changed() }
	language := widget.NewFormItem(lang.L("Language"), e.Lang)
	language.HintText = kind.LangHint
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Start from"), container.NewHBox(start("en"), start("de"))),
		language,
		widget.NewFormItem(kind.Head, e.Head),
	)
	// The braces are arguments: lang.L would read "{{" as a template of its own.
	placesText := fmt.Sprintf(lang.L("Placeholders: %s. Write %s and %s for braces."),
		"{"+strings.Join(kind.Places, "}  {")+"}", "{{", "}}")
	if kind.PlacesNote != "" {
		placesText += " " + kind.PlacesNote
	}
	places := &widget.Label{Text: placesText, Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	e.errLabel = uikit.DangerLabel()
	e.errLabel.Hide()
	e.saveBtn = &widget.Button{Text: lang.L("Save template"), Importance: widget.HighImportance, OnTapped: e.SaveTemplate}
	e.revertBtn = &widget.Button{Text: lang.L("Revert"), OnTapped: e.Revert}
	e.status = &widget.Label{Importance: widget.LowImportance}
	e.update()
	e.Pane = container.NewBorder(container.NewVBox(form, uikit.BoldLabel(lang.L("Text"))),
		container.NewVBox(places, e.errLabel, container.NewHBox(e.saveBtn, e.revertBtn, e.status)),
		nil, nil, e.Body)
}

// Template is the template as edited.
func (e *Editor[T]) Template() T {
	code := "en"
	if i := e.Lang.SelectedIndex(); i >= 0 {
		code = Langs[i].Code
	}
	return e.kind.Make(code, e.Head.Text, e.Body.Text)
}

// SetTemplate shows t, then checks and previews it once.
func (e *Editor[T]) SetTemplate(t T) {
	code, head, body := e.kind.Parts(t)
	e.Filling = true
	e.Lang.SetSelectedIndex(langIndex(code))
	e.Head.SetText(head)
	e.Body.SetText(body)
	e.Filling = false
	e.Changed()
}

// Dirty reports whether the template shown differs from the one stored.
func (e *Editor[T]) Dirty() bool { return e.Loaded && e.Template() != e.Saved }

// Changed checks the template as typed and previews it.
func (e *Editor[T]) Changed() {
	if e.Filling || e.errLabel == nil {
		return
	}
	if err := e.kind.Check(e.Template()); err != nil {
		e.errLabel.SetText(uikit.Capitalize(err.Error()))
		e.errLabel.Show()
	} else {
		e.errLabel.Hide()
	}
	e.Pane.Refresh() // lay out again: the error came or went
	e.status.SetText("")
	e.update()
}

// update enables Save and Revert when there is something to save or revert.
func (e *Editor[T]) update() {
	uikit.SetEnabled(e.saveBtn, e.Dirty() && !e.errLabel.Visible())
	uikit.SetEnabled(e.revertBtn, e.Dirty())
}

// TemplateError is the problem of the template shown, "" when there is none.
func (e *Editor[T]) TemplateError() string {
	if !e.errLabel.Visible() {
		return ""
	}
	return e.errLabel.Text
}

// CanSaveTemplate reports whether Save template is enabled.
func (e *Editor[T]) CanSaveTemplate() bool { return !e.saveBtn.Disabled() }

// StartFrom replaces the template by the default of language code, after asking
// when that loses text the admin wrote.
func (e *Editor[T]) StartFrom(code string) {
	def := e.kind.Default(code)
	cur := e.Template()
	_, head, body := e.kind.Parts(cur)
	if e.isDefault(cur) || e.kind.Blank(head) && e.kind.Blank(body) {
		e.SetTemplate(def)
		return
	}
	name := LangName(code)
	d := dialog.NewConfirm(fmt.Sprintf(lang.L("Start from the %s default"), name),
		fmt.Sprintf(lang.L("Replace the %s and text with the %s default? Your own text is lost unless you saved it."), e.kind.HeadWord, name),
		func(ok bool) {
			if ok {
				e.SetTemplate(def)
			}
		}, e.win)
	d.SetConfirmText(lang.L("Replace"))
	d.Show()
}

// isDefault reports whether t's head and body are those of a default template.
func (e *Editor[T]) isDefault(t T) bool {
	_, head, body := e.kind.Parts(t)
	for _, l := range Langs {
		_, dHead, dBody := e.kind.Parts(e.kind.Default(l.Code))
		if head == dHead && body == dBody {
			return true
		}
	}
	return false
}

// SaveTemplate stores the template as edited.
func (e *Editor[T]) SaveTemplate() {
	t := e.Template()
	if t.Check() != nil {
		return
	}
	e.saveBtn.Disable()
	e.bg.Go(func() {
		err := e.kind.Save(context.Background(), t)
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, e.win)
			} else {
				e.Saved = t
				e.status.SetText(e.kind.SavedText)
			}
			e.update()
		})
	})
}

// Revert goes back to the template as stored.
func (e *Editor[T]) Revert() {
	e.SetTemplate(e.Saved)
}
