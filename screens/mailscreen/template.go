package mailscreen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"onboard/screens/internal/templateedit"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/letters"
	"onboard/internal/mail"
	"onboard/internal/settings"
	"onboard/screens/internal/uikit"
)

// sampleInvitationText is the sample person's personal paragraph, by the
// template's language (the text of the mail, not of the window).
var sampleInvitationText = map[string]string{
	"en": "We look forward to working with you.",
	"de": "Wir freuen uns auf die Zusammenarbeit.",
}

// sampleMailFields are the placeholder values of the sample person in the preview,
// written as the invitations write them.
func sampleMailFields(code, org, base string, now time.Time) mail.Fields {
	r := letters.SampleRecipient(now)
	return mail.Fields{
		FirstName: r.FirstName, LastName: r.LastName, Username: r.Username, Key: r.Key,
		ValidUntil: letters.DateText(code, r.ValidUntil), URL: letters.URLText(code, base, r.Key, org),
		Organization: org, InvitationText: sampleInvitationText[templateedit.KnownLang(code)],
	}
}

// mailTemplateEditor is the invitation template tab of the mail screen: subject and
// body with placeholders, checked as the admin types, and the mail a sample person
// would get.
type mailTemplateEditor struct {
	templateedit.Editor[mail.Template]
	st  settings.Store
	svc interface{ Now() time.Time }
	win fyne.Window
	bg  *sync.WaitGroup // the screen's background work

	org  string // organization name and registration address, for the preview
	base string

	subject     *widget.Entry // the editor's head
	prevSubject *widget.Label
	prevText    *widget.Label
	prevNote    *widget.Label
	content     fyne.CanvasObject
}

func newMailTemplateEditor(st settings.Store, svc interface{ Now() time.Time }, win fyne.Window, bg *sync.WaitGroup) *mailTemplateEditor {
	e := &mailTemplateEditor{st: st, svc: svc, win: win, bg: bg}
	e.Build(templateedit.Kind[mail.Template]{
		Head:       lang.L("Subject"),
		HeadWord:   lang.L("subject"),
		LangHint:   lang.L("Of the dates and the HTML version"),
		Places:     mail.Placeholders,
		PlacesNote: lang.L("{invitation_text} is the personal text of the user form; without one, its paragraph is left out."),
		SavedText:  lang.L("Template saved. New invitations use it."),
		Blank:      func(text string) bool { return strings.TrimSpace(text) == "" },
		Make: func(code, subject, body string) mail.Template {
			return mail.Template{Lang: code, Subject: subject, Body: body}
		},
		Parts:   func(t mail.Template) (string, string, string) { return t.Lang, t.Subject, t.Body },
		Default: mail.DefaultTemplate,
		Check:   e.preview,
		Save: func(ctx context.Context, t mail.Template) error {
			return settings.SaveMailTemplate(ctx, e.st, t)
		},
	}, win, bg)
	e.subject = e.Head

	e.prevSubject = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	e.prevText = &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true}
	e.prevNote = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	preview := container.NewBorder(
		container.NewVBox(uikit.BoldLabel(lang.L("Preview with a sample person")), e.prevSubject, widget.NewSeparator()),
		e.prevNote, nil, nil, container.NewVScroll(e.prevText))
	split := container.NewHSplit(e.Pane, preview)
	split.Offset = 0.55
	e.content = split
	return e
}

// reload reads the organization and registration address for the preview, and the
// template unless the admin is editing it.
func (e *mailTemplateEditor) reload() {
	keep := e.Dirty()
	e.bg.Go(func() {
		ctx := context.Background()
		tpl, tplErr := settings.MailTemplate(ctx, e.st) // the default when damaged
		org, err := settings.Get(ctx, e.st, settings.OrgName)
		base := ""
		if err == nil {
			base, err = settings.RegistrationAddress(ctx, e.st)
		}
		uikit.OnUI(func() {
			if err = errors.Join(tplErr, err); err != nil {
				uikit.ShowError(err, e.win)
			}
			e.org, e.base = org, base
			if !keep && !e.Dirty() {
				e.Saved, e.Loaded = tpl, true
				e.SetTemplate(tpl)
			}
			e.Changed()
		})
	})
}

// preview renders t for the sample person and shows the mail, unless that fails.
func (e *mailTemplateEditor) preview(t mail.Template) error {
	c, err := t.Render(sampleMailFields(t.Lang, e.org, e.base, e.svc.Now()))
	if err != nil {
		return err
	}
	e.prevSubject.SetText(fmt.Sprintf(lang.L("Subject: %s"), c.Subject))
	e.prevText.SetText(c.Text)
	note := lang.L("An HTML version of the same text, with clickable links, is sent along with this plain text.")
	if e.org == "" {
		note += " " + lang.L("The organization name is not set yet (Letters → Letter settings), so {organization} is empty.")
	}
	e.prevNote.SetText(note)
	return nil
}

// TemplateError is the problem of the invitation template shown, "" when there is
// none.
func (s *Screen) TemplateError() string { return s.template.TemplateError() }

// CanSaveTemplate reports whether Save template is enabled.
func (s *Screen) CanSaveTemplate() bool { return s.template.CanSaveTemplate() }
