package screens

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"onboard/letters"
	"onboard/mail"
	"onboard/settings"
)

// sampleInvitationText is the sample person's personal paragraph, by language.
var sampleInvitationText = map[string]string{
	"en": "We look forward to working with you.",
	"de": "Wir freuen uns auf die Zusammenarbeit.",
}

// sampleMailFields are the placeholder values of the sample person in the preview,
// written as the invitations write them.
func sampleMailFields(lang, org, base string, now time.Time) mail.Fields {
	r := letters.SampleRecipient(now)
	return mail.Fields{FirstName: r.FirstName, LastName: r.LastName, Username: r.Username, Key: r.Key,
		ValidUntil: letters.DateText(lang, r.ValidUntil), URL: letters.URLText(lang, base, r.Key, org),
		Organization: org, InvitationText: sampleInvitationText[langCode(langName(lang))]}
}

// mailTemplateEditor is the invitation template tab of the mail screen: subject and
// body with placeholders, checked as the admin types, and the mail a sample person
// would get.
type mailTemplateEditor struct {
	st  settings.Store
	svc interface{ Now() time.Time }
	win fyne.Window
	bg  *sync.WaitGroup

	saved   mail.Template // the template as stored
	loaded  bool
	filling bool
	org     string // organization name and registration address, for the preview
	base    string

	lang      *widget.Select
	subject   *widget.Entry
	body      *widget.Entry
	errLabel  *widget.Label
	status    *widget.Label
	saveBtn   *widget.Button
	revertBtn *widget.Button
	pane      *fyne.Container

	prevSubject *widget.Label
	prevText    *widget.Label
	prevNote    *widget.Label
	content     fyne.CanvasObject
}

func newMailTemplateEditor(st settings.Store, svc interface{ Now() time.Time }, win fyne.Window, bg *sync.WaitGroup) *mailTemplateEditor {
	e := &mailTemplateEditor{st: st, svc: svc, win: win, bg: bg}
	start := func(code string) *widget.Button {
		return &widget.Button{Text: langName(code) + " default", OnTapped: func() { e.StartFrom(code) }}
	}
	e.lang = widget.NewSelect([]string{"English", "Deutsch"}, func(string) { e.changed() })
	e.lang.Selected = "English"
	e.subject = widget.NewEntry()
	e.subject.OnChanged = func(string) { e.changed() }
	e.body = widget.NewMultiLineEntry()
	e.body.Wrapping = fyne.TextWrapWord
	e.body.SetMinRowsVisible(6)
	e.body.OnChanged = func(string) { e.changed() }
	lang := widget.NewFormItem("Language", e.lang)
	lang.HintText = "Of the dates and the HTML version"
	form := widget.NewForm(
		widget.NewFormItem("Start from", container.NewHBox(start("en"), start("de"))),
		lang,
		widget.NewFormItem("Subject", e.subject),
	)
	places := &widget.Label{Text: "Placeholders: {" + strings.Join(mail.Placeholders, "}  {") + "}. Write {{ and }} for braces. " +
		"{invitation_text} is the personal text of the user form; without one, its paragraph is left out.",
		Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	e.errLabel = dangerLabel()
	e.errLabel.Hide()
	e.saveBtn = &widget.Button{Text: "Save template", Importance: widget.HighImportance, OnTapped: e.Save}
	e.revertBtn = &widget.Button{Text: "Revert", OnTapped: e.Revert}
	e.status = &widget.Label{Importance: widget.LowImportance}
	e.pane = container.NewBorder(container.NewVBox(form, boldLabel("Text")),
		container.NewVBox(places, e.errLabel, container.NewHBox(e.saveBtn, e.revertBtn, e.status)),
		nil, nil, e.body)

	e.prevSubject = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	e.prevText = &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true}
	e.prevNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	preview := container.NewBorder(
		container.NewVBox(boldLabel("Preview with a sample person"), e.prevSubject, widget.NewSeparator()),
		e.prevNote, nil, nil, container.NewVScroll(e.prevText))
	split := container.NewHSplit(e.pane, preview)
	split.Offset = 0.55
	e.content = split
	e.update()
	return e
}

// reload reads the organization and registration address for the preview, and the
// template unless the admin is editing it.
func (e *mailTemplateEditor) reload() {
	keep := e.dirty()
	e.bg.Go(func() {
		ctx := context.Background()
		tpl, tplErr := settings.MailTemplate(ctx, e.st) // the default when damaged
		org, err := settings.Get(ctx, e.st, settings.OrgName)
		base := ""
		if err == nil {
			base, err = settings.Get(ctx, e.st, settings.RegistrationURL)
		}
		onUI(func() {
			if err = errors.Join(tplErr, err); err != nil {
				showError(err, e.win)
			}
			e.org, e.base = org, base
			if !keep && !e.dirty() {
				e.saved, e.loaded = tpl, true
				e.setTemplate(tpl)
			}
			e.changed()
		})
	})
}

// Template is the template as edited.
func (e *mailTemplateEditor) Template() mail.Template {
	return mail.Template{Lang: langCode(e.lang.Selected), Subject: e.subject.Text, Body: e.body.Text}
}

func (e *mailTemplateEditor) setTemplate(t mail.Template) {
	e.filling = true
	e.lang.SetSelected(langName(t.Lang))
	e.subject.SetText(t.Subject)
	e.body.SetText(t.Body)
	e.filling = false
	e.changed()
}

func (e *mailTemplateEditor) dirty() bool { return e.loaded && e.Template() != e.saved }

// changed checks the template as typed and shows the sample mail.
func (e *mailTemplateEditor) changed() {
	if e.filling || e.errLabel == nil {
		return
	}
	t := e.Template()
	c, err := t.Render(sampleMailFields(t.Lang, e.org, e.base, e.svc.Now()))
	if err != nil {
		e.errLabel.SetText(capitalize(err.Error()))
		e.errLabel.Show()
	} else {
		e.errLabel.Hide()
		e.prevSubject.SetText("Subject: " + c.Subject)
		e.prevText.SetText(c.Text)
		note := "An HTML version of the same text, with clickable links, is sent along with this plain text."
		if e.org == "" {
			note += " The organization name is not set yet (Letters → Letter settings), so {organization} is empty."
		}
		e.prevNote.SetText(note)
	}
	e.pane.Refresh() // lay out again: the error came or went
	e.status.SetText("")
	e.update()
}

func (e *mailTemplateEditor) update() {
	setEnabled(e.saveBtn, e.dirty() && !e.errLabel.Visible())
	setEnabled(e.revertBtn, e.dirty())
}

// StartFrom replaces the template by the default of language code, after asking
// when that loses text the admin wrote.
func (e *mailTemplateEditor) StartFrom(code string) {
	def := mail.DefaultTemplate(code)
	cur := e.Template()
	empty := strings.TrimSpace(cur.Subject) == "" && strings.TrimSpace(cur.Body) == ""
	startFrom(e.win, code, "subject and text", !isDefaultMail(cur) && !empty, func() { e.setTemplate(def) })
}

// isDefaultMail reports whether t's text is one of the default templates.
func isDefaultMail(t mail.Template) bool {
	for _, l := range langNames {
		d := mail.DefaultTemplate(l.code)
		if t.Subject == d.Subject && t.Body == d.Body {
			return true
		}
	}
	return false
}

// Save stores the template as edited.
func (e *mailTemplateEditor) Save() {
	t := e.Template()
	if t.Check() != nil {
		return
	}
	e.saveBtn.Disable()
	e.bg.Go(func() {
		err := settings.SaveMailTemplate(context.Background(), e.st, t)
		onUI(func() {
			if err != nil {
				showError(err, e.win)
			} else {
				e.saved = t
				e.status.SetText("Template saved. New invitations use it.")
			}
			e.update()
		})
	})
}

// Revert goes back to the template as stored.
func (e *mailTemplateEditor) Revert() {
	e.setTemplate(e.saved)
}

// TemplateError is the problem of the invitation template shown, "" when there is
// none.
func (s *MailScreen) TemplateError() string {
	if !s.template.errLabel.Visible() {
		return ""
	}
	return s.template.errLabel.Text
}

// CanSaveTemplate reports whether Save template is enabled.
func (s *MailScreen) CanSaveTemplate() bool { return !s.template.saveBtn.Disabled() }
