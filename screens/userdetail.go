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
	info    *fyne.Container // everything but the name; hidden while no user is chosen
	hint    *widget.Label
	content fyne.CanvasObject
}

// detailFields are the rows of the detail form.
var detailFields = []string{"Status", "Email", "Username", "Mobile", "External ID", "Role", "Units", "Groups", "Valid until", "Created"}

func newUserDetail(s *UsersScreen) *userDetail {
	d := &userDetail{s: s, values: map[string]*widget.Label{}}
	d.name = heading("")
	d.fields = widget.NewForm()
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
	d.info = container.NewVBox(d.fields,
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
