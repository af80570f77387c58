package uikit

import (
	"context"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/settings"
)

// Before letters are printed or invitation mails queued, CheckBeforeSending makes
// sure they will read right: without an organization name they would say "Your
// account at" and "prepared for you at .", so it asks for the name first; and mails
// queued without a mail server wait in the outbox, so it says so and lets the
// admin set one up first (setUpMail, nil when the caller offers no way there).
// proceed runs on the UI goroutine once all is well or the admin goes on anyway.
func CheckBeforeSending(win fyne.Window, bg *sync.WaitGroup, st settings.Store, mails bool, proceed, setUpMail func()) {
	bg.Go(func() {
		ctx := context.Background()
		org, err := settings.Get(ctx, st, settings.OrgName)
		host := ""
		if err == nil {
			host, err = settings.Get(ctx, st, settings.SMTPHost)
		}
		OnUI(func() {
			if err != nil {
				ShowError(err, win)
				return
			}
			next := proceed
			if mails && host == "" {
				next = func() { askWithoutMailServer(win, proceed, setUpMail) }
			}
			if org != "" {
				next()
				return
			}
			AskText(win, bg, lang.L("Organization name needed"), lang.L("Organization name"),
				lang.L("Letters and mails name your organization (\"Your account at …\"). Set it once here; you can change it later in Letters → Letter settings."),
				"", func(ctx context.Context, name string) error {
					if strings.TrimSpace(name) == "" {
						return ErrEmpty
					}
					_, err := settings.Set(ctx, st, settings.OrgName, name)
					return err
				}, next)
		})
	})
}

// askWithoutMailServer says that the mails will wait, and offers to set up the
// mail server first.
func askWithoutMailServer(win fyne.Window, proceed, setUpMail func()) {
	var d *dialog.CustomDialog
	buttons := []fyne.CanvasObject{&widget.Button{Text: lang.L("Cancel"), OnTapped: func() { d.Hide() }}}
	if setUpMail != nil {
		buttons = append(buttons, &widget.Button{Text: lang.L("Set up the mail server"), OnTapped: func() {
			d.Hide()
			setUpMail()
		}})
	}
	buttons = append(buttons, &widget.Button{Text: lang.L("Queue the mails anyway"), Importance: widget.HighImportance, OnTapped: func() {
		d.Hide()
		proceed()
	}})
	text := &widget.Label{Text: lang.L("No mail server is set up yet. The invitation mails will wait in the outbox until one is set up in Settings, then go out on their own."), Wrapping: fyne.TextWrapWord}
	d = dialog.NewCustomWithoutButtons(lang.L("No mail server yet"), container.NewVBox(text), win)
	d.SetButtons(buttons)
	d.Resize(fyne.NewSize(520, 180))
	d.Show()
}
