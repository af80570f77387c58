package screens

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

// checkedTemplate is a kind of template: compared to the one stored, checked before
// it is stored.
type checkedTemplate interface {
	comparable
	Check() error
}

// templateKind is what a templateEditor needs to know about one kind of template T
// (a letter's, an invitation mail's): a language, a one-line head (title, subject)
// and a body with placeholders.
type templateKind[T checkedTemplate] struct {
	head       string            // the head's label: "Title", "Subject"
	langHint   string            // what the language is used for
	places     []string          // the placeholders
	placesNote string            // added after the placeholder list, "" or starting with a space
	savedText  string            // the status after saving
	blank      func(string) bool // whether a head or body holds no text of the admin's

	make  func(lang, head, body string) T
	parts func(T) (lang, head, body string)
	def   func(code string) T            // the default template of language code
	check func(T) error                  // checks the template typed and previews it
	save  func(context.Context, T) error // stores the template, off the UI goroutine
}

// templateEditor edits a template of kind T: the letters screen and the mail
// template tab embed it.
type templateEditor[T checkedTemplate] struct {
	kind templateKind[T]
	win  fyne.Window
	bg   *sync.WaitGroup // the screen's background work

	saved   T // the template as stored
	loaded  bool
	filling bool // the fields are being set from the store: no saving, no preview

	lang      *widget.Select
	head      *widget.Entry
	body      *widget.Entry
	errLabel  *widget.Label
	status    *widget.Label
	saveBtn   *widget.Button
	revertBtn *widget.Button
	pane      *fyne.Container // the editor's form, text and buttons
}

// buildTemplate makes the editor's widgets for kind in window win and lays them out
// in pane.
func (e *templateEditor[T]) buildTemplate(kind templateKind[T], win fyne.Window, bg *sync.WaitGroup) {
	e.kind, e.win, e.bg = kind, win, bg
	start := func(code string) *widget.Button {
		return &widget.Button{Text: langName(code) + " default", OnTapped: func() { e.StartFrom(code) }}
	}
	e.lang = widget.NewSelect([]string{"English", "Deutsch"}, func(string) { e.changed() })
	e.lang.Selected = "English"
	e.head = widget.NewEntry()
	e.head.OnChanged = func(string) { e.changed() }
	e.body = widget.NewMultiLineEntry()
	e.body.Wrapping = fyne.TextWrapWord
	e.body.SetMinRowsVisible(6)
	e.body.OnChanged = func(string) { e.changed() }
	lang := widget.NewFormItem("Language", e.lang)
	lang.HintText = kind.langHint
	form := widget.NewForm(
		widget.NewFormItem("Start from", container.NewHBox(start("en"), start("de"))),
		lang,
		widget.NewFormItem(kind.head, e.head),
	)
	places := &widget.Label{
		Text:     "Placeholders: {" + strings.Join(kind.places, "}  {") + "}. Write {{ and }} for braces." + kind.placesNote,
		Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance,
	}
	e.errLabel = uikit.DangerLabel()
	e.errLabel.Hide()
	e.saveBtn = &widget.Button{Text: "Save template", Importance: widget.HighImportance, OnTapped: e.SaveTemplate}
	e.revertBtn = &widget.Button{Text: "Revert", OnTapped: e.Revert}
	e.status = &widget.Label{Importance: widget.LowImportance}
	e.update()
	e.pane = container.NewBorder(container.NewVBox(form, uikit.BoldLabel("Text")),
		container.NewVBox(places, e.errLabel, container.NewHBox(e.saveBtn, e.revertBtn, e.status)),
		nil, nil, e.body)
}

// Template is the template as edited.
func (e *templateEditor[T]) Template() T {
	return e.kind.make(langCode(e.lang.Selected), e.head.Text, e.body.Text)
}

// setTemplate shows t, then checks and previews it once.
func (e *templateEditor[T]) setTemplate(t T) {
	lang, head, body := e.kind.parts(t)
	e.filling = true
	e.lang.SetSelected(langName(lang))
	e.head.SetText(head)
	e.body.SetText(body)
	e.filling = false
	e.changed()
}

func (e *templateEditor[T]) dirty() bool { return e.loaded && e.Template() != e.saved }

// changed checks the template as typed and previews it.
func (e *templateEditor[T]) changed() {
	if e.filling || e.errLabel == nil {
		return
	}
	if err := e.kind.check(e.Template()); err != nil {
		e.errLabel.SetText(uikit.Capitalize(err.Error()))
		e.errLabel.Show()
	} else {
		e.errLabel.Hide()
	}
	e.pane.Refresh() // lay out again: the error came or went
	e.status.SetText("")
	e.update()
}

func (e *templateEditor[T]) update() {
	uikit.SetEnabled(e.saveBtn, e.dirty() && !e.errLabel.Visible())
	uikit.SetEnabled(e.revertBtn, e.dirty())
}

// TemplateError is the problem of the template shown, "" when there is none.
func (e *templateEditor[T]) TemplateError() string {
	if !e.errLabel.Visible() {
		return ""
	}
	return e.errLabel.Text
}

// CanSaveTemplate reports whether Save template is enabled.
func (e *templateEditor[T]) CanSaveTemplate() bool { return !e.saveBtn.Disabled() }

// StartFrom replaces the template by the default of language code, after asking
// when that loses text the admin wrote.
func (e *templateEditor[T]) StartFrom(code string) {
	def := e.kind.def(code)
	cur := e.Template()
	_, head, body := e.kind.parts(cur)
	if e.isDefault(cur) || e.kind.blank(head) && e.kind.blank(body) {
		e.setTemplate(def)
		return
	}
	name := langName(code)
	d := dialog.NewConfirm("Start from the "+name+" default",
		"Replace the "+strings.ToLower(e.kind.head)+" and text with the "+name+" default? Your own text is lost unless you saved it.",
		func(ok bool) {
			if ok {
				e.setTemplate(def)
			}
		}, e.win)
	d.SetConfirmText("Replace")
	d.Show()
}

// isDefault reports whether t's head and body are those of a default template.
func (e *templateEditor[T]) isDefault(t T) bool {
	_, head, body := e.kind.parts(t)
	for _, l := range langNames {
		_, dHead, dBody := e.kind.parts(e.kind.def(l.code))
		if head == dHead && body == dBody {
			return true
		}
	}
	return false
}

// SaveTemplate stores the template as edited.
func (e *templateEditor[T]) SaveTemplate() {
	t := e.Template()
	if t.Check() != nil {
		return
	}
	e.saveBtn.Disable()
	e.bg.Go(func() {
		err := e.kind.save(context.Background(), t)
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, e.win)
			} else {
				e.saved = t
				e.status.SetText(e.kind.savedText)
			}
			e.update()
		})
	})
}

// Revert goes back to the template as stored.
func (e *templateEditor[T]) Revert() {
	e.setTemplate(e.saved)
}
