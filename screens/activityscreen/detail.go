package activityscreen

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/screens/internal/uikit"
)

// detailUsers is how many of the users an event touched its details name.
const detailUsers = 50

// detailPane shows the chosen event below the table: when, who and what, its
// summary, the changes field by field and the users it touched.
type detailPane struct {
	title      *widget.Label
	summary    *widget.Label
	changes    *widget.Label
	usersTitle *widget.Label
	users      *widget.Label
	content    *fyne.Container
}

func newDetailPane() *detailPane {
	d := &detailPane{
		title:      uikit.BoldLabel(""),
		summary:    &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true},
		changes:    &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true},
		usersTitle: uikit.BoldLabel(""),
		users:      &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true},
	}
	d.content = container.NewVBox(widget.NewSeparator(), d.title, d.summary, d.changes, d.usersTitle, d.users)
	d.clear()
	return d
}

// clear says how to see an event.
func (d *detailPane) clear() {
	d.title.SetText(lang.L("Click an event to see what changed and whom it touched."))
	d.title.TextStyle.Bold = false
	for _, l := range []*widget.Label{d.summary, d.changes, d.usersTitle, d.users} {
		l.Hide()
	}
	d.content.Refresh()
}

// show shows event e, with the users known so far.
func (d *detailPane) show(e *event, names map[string]string) {
	d.title.TextStyle.Bold = true
	d.title.SetText(fmt.Sprintf("%s · %s · %s", timeWithSeconds(e.At), actorLabel(e.Actor), actionLabel(e.Action)))
	d.summary.SetText(e.Summary)
	uikit.SetVisible(d.summary, strings.TrimSpace(e.Summary) != "")
	lines := changeLines(&e.AuditEvent, names)
	if len(lines) == 0 {
		d.changes.SetText(lang.L("No field changes recorded."))
	} else {
		d.changes.SetText(strings.Join(lines, "\n"))
	}
	d.changes.Show()
	d.showUsers(e.users)
}

// showUsers lists the users an event touched.
func (d *detailPane) showUsers(a data.AuditUsers) {
	if a.Total == 0 {
		d.usersTitle.SetText(lang.L("No users touched"))
		d.users.Hide()
	} else {
		d.usersTitle.SetText(fmt.Sprintf(lang.L("Users (%s)"), display.Count(a.Total)))
		d.users.SetText(usersText(a))
		d.users.Show()
	}
	d.usersTitle.Show()
	d.content.Refresh() // lay out again: parts came or went
}

// timeWithSeconds is a local time as display writes it, to the second:
// "2025-03-05 11:00:07", German "05.03.2025 11:00:07".
func timeWithSeconds(t time.Time) string {
	return fmt.Sprintf("%s:%02d", display.Time(&t), t.Local().Second())
}

// choose shows event e below the table and fetches more of the users it touched.
func (s *Screen) choose(e *event) {
	c := *e
	s.chosen = &c
	s.detailPane.show(&c, s.names)
	if c.users.Total <= len(c.users.Users) {
		s.detail.Next() // all of them are known
		return
	}
	s.detail.Start(func() func() {
		users, err := s.st.AuditEventUsers(context.Background(), []data.AuditEvent{c.AuditEvent}, detailUsers)
		return func() {
			if err != nil {
				uikit.ShowError(err, s.win)
				return
			}
			s.chosen.users = users[c.ID]
			s.detailPane.showUsers(s.chosen.users)
		}
	})
}
