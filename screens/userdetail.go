package screens

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/display"
)

// userDetail is the pane beside the users table: the selected user's fields, key
// and history.
type userDetail struct {
	s       *UsersScreen
	id      string
	name    *widget.Label
	fields  *widget.Form
	values  map[string]*widget.Label
	key     *widget.Label
	copyKey *widget.Button
	history *widget.Label
	resend  *widget.Button  // after a failed invitation mail
	failure *widget.Label   // the mail server's answer to a failed invitation mail
	mailBox *fyne.Container // failure and resend; shown after a failed invitation mail
	row     *data.UserRow   // the user shown, as the table lists it
	info    *fyne.Container // everything but the name; hidden while no user is chosen
	hint    *widget.Label
	content fyne.CanvasObject
}

// detailFields are the rows of the detail form.
var detailFields = []string{"Status", "Invitation", "Email", "Username", "Mobile", "External ID", "Role", "Units", "Groups", "Valid until", "Created"}

func newUserDetail(s *UsersScreen) *userDetail {
	d := &userDetail{s: s, values: map[string]*widget.Label{}}
	d.name = heading("")
	d.fields = widget.NewForm()
	d.resend = &widget.Button{Text: "Resend invitation…", OnTapped: func() {
		if d.row != nil {
			s.resendDialog(d.row)
		}
	}}
	d.failure = dangerLabel()
	d.failure.Selectable = true
	d.mailBox = container.NewVBox(d.failure, container.NewHBox(d.resend))
	d.mailBox.Hide()
	for _, f := range detailFields {
		l := &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true}
		d.values[f] = l
		d.fields.Append(f, l)
	}
	d.key = &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, Selectable: true, Wrapping: fyne.TextWrapBreak}
	d.copyKey = &widget.Button{Text: "Copy", Icon: theme.ContentCopyIcon(), OnTapped: func() {
		copyText(d.key.Text)
	}}
	d.history = &widget.Label{Wrapping: fyne.TextWrapWord}
	d.hint = &widget.Label{Text: "Click a user in the table to see the details here.", Wrapping: fyne.TextWrapWord}
	d.info = container.NewVBox(d.mailBox, d.fields,
		widget.NewLabelWithStyle("Personal key", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewBorder(nil, nil, nil, d.copyKey, d.key),
		widget.NewLabelWithStyle("History", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		d.history)
	d.content = container.NewVScroll(container.NewVBox(d.name, d.hint, d.info))
	d.clear()
	return d
}

func (d *userDetail) clear() {
	d.id = ""
	d.row = nil
	d.mailBox.Hide()
	d.name.SetText("No user chosen")
	for _, l := range d.values {
		l.SetText("")
	}
	d.key.SetText("")
	d.copyKey.Disable()
	d.history.SetText("")
	d.info.Hide()
	d.hint.Show()
}

// show loads and shows a user.
func (d *userDetail) show(id string) {
	d.id = id
	var u *data.User
	var key string
	var events []data.AuditEvent
	var row *data.UserRow
	gone := false
	s := d.s
	s.background(func() error {
		ctx := context.Background()
		var err error
		if u, err = s.src.UserByID(ctx, id); errors.Is(err, data.ErrNotFound) {
			gone = true
			return nil
		} else if err != nil {
			return err
		}
		k, err := s.src.LiveKey(ctx, id)
		switch {
		case err == nil:
			key = k.Key
		case !errors.Is(err, data.ErrNotFound):
			return err
		}
		rows, err := s.src.ListUsers(ctx, data.UserQuery{ID: id}, s.act.Now())
		if err != nil {
			return err
		}
		if len(rows) == 1 {
			row = &rows[0]
		}
		events, err = s.src.History(ctx, id)
		return err
	}, func() {
		switch {
		case d.id != id:
		case gone:
			d.clear()
		default:
			d.fill(u, row, key, events)
		}
	})
}

// refresh shows the current user again after a change, or clears a deleted one.
func (d *userDetail) refresh() {
	if d.id != "" {
		d.show(d.id)
	}
}

func (d *userDetail) fill(u *data.User, row *data.UserRow, key string, events []data.AuditEvent) {
	d.name.SetText(u.FullName())
	d.hint.Hide()
	d.info.Show()
	now := d.s.act.Now()
	set := func(k, v string) { d.values[k].SetText(v) }
	set("Status", u.Status(now).Label())
	set("Email", u.Email)
	set("Username", u.Username)
	set("Mobile", u.Mobile)
	set("External ID", u.ExternalID)
	d.row = row
	d.showMail(row)
	if row != nil {
		set("Role", row.Role)
		set("Units", row.Units)
		set("Groups", row.Groups)
	}
	set("Valid until", display.Time(u.KeyExpiresAt))
	set("Created", fmt.Sprintf("%s by %s", u.CreatedAt.Local().Format("2006-01-02 15:04"), u.CreatedBy))
	if key == "" {
		d.key.SetText("No key")
		d.copyKey.Disable()
	} else {
		d.key.SetText(key)
		d.copyKey.Enable()
	}
	lines := make([]string, 0, len(events))
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		lines = append(lines, fmt.Sprintf("%s · %s · %s", e.At.Local().Format("2006-01-02 15:04"), e.Summary, e.Actor))
	}
	if len(lines) == 0 {
		lines = append(lines, "No history recorded.")
	}
	d.history.SetText(strings.Join(lines, "\n"))
}

// showMail shows what became of the user's latest invitation mail: for a failed one
// the mail server's answer and a button to resend the invitation, to a corrected
// address if need be.
func (d *userDetail) showMail(row *data.UserRow) {
	l := d.values["Invitation"]
	l.Importance = widget.MediumImportance
	d.mailBox.Hide()
	if row == nil {
		l.SetText("")
		return
	}
	text := ""
	switch row.MailState {
	case "":
		text = "No email sent"
	case data.MailQueued:
		text = "Email queued, not sent yet"
	case data.MailSent:
		text = "Email sent"
	case data.MailFailed:
		text = "Email failed"
		l.Importance = widget.DangerImportance
		d.failure.SetText("The invitation email could not be delivered. " + capitalize(row.MailError))
		d.mailBox.Show()
	case data.MailCancelled:
		text = "Email cancelled"
		if row.MailError != "" {
			text += ": " + row.MailError
		}
	default:
		text = string(row.MailState)
	}
	l.SetText(text)
}
