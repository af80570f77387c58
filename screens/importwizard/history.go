package importwizard

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/screens/internal/uikit"
)

// pastImportUsers is how many of a past import's users its dialog names; letters
// are printed for all of them.
const pastImportUsers = 200

// allImportUsers bounds how many users of one import are read for its letters.
const allImportUsers = 1_000_000

// ShowImport opens a past import: what it did, the users it created, and a button
// that prints their letters.
func (s *ImportsScreen) ShowImport(im data.Import) {
	s.bg.Go(func() {
		var users data.AuditUsers
		var err error
		if im.EventID != nil {
			var found map[string]data.AuditUsers
			found, err = s.store.AuditEventUsers(context.Background(),
				[]data.AuditEvent{{Row: data.Row{ID: *im.EventID}, EntityType: "batch"}}, allImportUsers)
			users = found[*im.EventID]
		}
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, s.win)
				return
			}
			s.showImport(im, users)
		})
	})
}

// showImport shows the dialog of a past import with the users it created.
func (s *ImportsScreen) showImport(im data.Import, users data.AuditUsers) {
	count := func(n int) string { return display.Count(n) }
	form := widget.NewForm(
		widget.NewFormItem(lang.L("When"), widget.NewLabel(display.Time(&im.At))),
		widget.NewFormItem(lang.L("By"), widget.NewLabel(im.Actor)),
		widget.NewFormItem(lang.L("Rows"), widget.NewLabel(count(im.Rows))),
		widget.NewFormItem(lang.L("Created"), widget.NewLabel(count(im.Created))),
		widget.NewFormItem(lang.L("Updated"), widget.NewLabel(count(im.Updated))),
		widget.NewFormItem(lang.L("Skipped"), widget.NewLabel(count(im.Skipped))),
		widget.NewFormItem(lang.L("Failed"), widget.NewLabel(count(im.Failed))),
	)
	var ids, names []string
	for _, u := range users.Users {
		if u.Deleted {
			continue
		}
		ids = append(ids, u.ID)
		if len(names) < pastImportUsers {
			names = append(names, u.FullName())
		}
	}
	text := lang.L("This import created no users that still exist.")
	if len(ids) > 0 {
		text = fmt.Sprintf(lang.L("Users it created (%s still exist):"), display.Count(len(ids)))
		text += "\n" + strings.Join(names, ", ")
		if len(ids) > len(names) {
			text += fmt.Sprintf(lang.L(" and %s more"), display.Count(len(ids)-len(names)))
		}
	}
	who := &widget.Label{Text: text, Wrapping: fyne.TextWrapWord}
	body := container.NewBorder(form, nil, nil, nil, container.NewVScroll(who))
	var d *dialog.CustomDialog
	buttons := []fyne.CanvasObject{&widget.Button{Text: lang.L("Close"), OnTapped: func() { d.Hide() }}}
	if s.OnPrintLetters != nil && len(ids) > 0 {
		buttons = append(buttons, &widget.Button{
			Text: lang.L("Print letters for these users…"), Importance: widget.HighImportance,
			OnTapped: func() {
				d.Hide()
				s.OnPrintLetters(ids)
			},
		})
	}
	d = dialog.NewCustomWithoutButtons(fmt.Sprintf(lang.L("Import of %s"), im.FileName), body, s.win)
	d.SetButtons(buttons)
	d.Resize(fyne.NewSize(640, 520))
	d.Show()
}
