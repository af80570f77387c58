// Package templateedit is the editor of a template with a language, a one-line head
// and a body with placeholders, which the letters screen and the mail screen's
// template tab embed.
package templateedit

import (
	"context"
	"strings"
	"sync"

	"onboard/screens/internal/uikit"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Langs are the template languages as the screens show them, by code.
var Langs = []struct{ Code, Name string }{{"en", "English"}, {"de", "Deutsch"}}

// LangName is the name shown for language code (English when unknown).
func LangName(code string) string {
	for _, l := range Langs {
		if l.Code == code {
			return l.Name
		}
	}
	return "English"
}

// LangCode is the code of the language named name ("en" when unknown).
func LangCode(name string) string {
	for _, l := range Langs {
		if l.Name == name {
			return l.Code
		}
	}
	return "en"
}

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
	Head       string            // the head's label: "Title", "Subject"
	LangHint   string            // what the language is used for
	Places     []string          // the placeholders
	PlacesNote string            // added after the placeholder list, "" or starting with a space
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
		return &widget.Button{Text: LangName(code) + " default", OnTapped: func() { e.StartFrom(code) }}
	}
	e.Lang = widget.NewSelect([]string{"English", "Deutsch"}, func(string) { e.Changed() })
	e.Lang.Selected = "English"
	e.Head = widget.NewEntry()
	e.Head.OnChanged = func(string) { e.Changed() }
	e.Body = widget.NewMultiLineEntry()
	e.Body.Wrapping = fyne.TextWrapWord
	e.Body.SetMinRowsVisible(6)
	e.Body.OnChanged = func(string) { e.Changed() }
	lang := widget.NewFormItem("Language", e.Lang)
	lang.HintText = kind.LangHint
	form := widget.NewForm(
		widget.NewFormItem("Start from", container.NewHBox(start("en"), start("de"))),
		lang,
		widget.NewFormItem(kind.Head, e.Head),
	)
	places := &widget.Label{
		Text:     "Placeholders: {" + strings.Join(kind.Places, "}  {") + "}. Write {{ and }} for braces." + kind.PlacesNote,
		Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance,
	}
	e.errLabel = uikit.DangerLabel()
	e.errLabel.Hide()
	e.saveBtn = &widget.Button{Text: "Save template", Importance: widget.HighImportance, OnTapped: e.SaveTemplate}
	e.revertBtn = &widget.Button{Text: "Revert", OnTapped: e.Revert}
	e.status = &widget.Label{Importance: widget.LowImportance}
	e.update()
	e.Pane = container.NewBorder(container.NewVBox(form, uikit.BoldLabel("Text")),
		container.NewVBox(places, e.errLabel, container.NewHBox(e.saveBtn, e.revertBtn, e.status)),
		nil, nil, e.Body)
}

// Template is the template as edited.
func (e *Editor[T]) Template() T {
	return e.kind.Make(LangCode(e.Lang.Selected), e.Head.Text, e.Body.Text)
}

// SetTemplate shows t, then checks and previews it once.
func (e *Editor[T]) SetTemplate(t T) {
	lang, head, body := e.kind.Parts(t)
	e.Filling = true
	e.Lang.SetSelected(LangName(lang))
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
	d := dialog.NewConfirm("Start from the "+name+" default",
		"Replace the "+strings.ToLower(e.kind.Head)+" and text with the "+name+" default? Your own text is lost unless you saved it.",
		func(ok bool) {
			if ok {
				e.SetTemplate(def)
			}
		}, e.win)
	d.SetConfirmText("Replace")
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
