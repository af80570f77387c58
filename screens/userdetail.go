package screens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/syncapi"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// userDetail is the pane beside the users table: the selected user's fields, key
// and history.
type userDetail struct {
	s       *UsersScreen
	id      string
	name    *widget.Label
	strut   *canvas.Rectangle // keeps the pane as wide as the longest word shown (words never break)
	fields  *widget.Form
	values  map[string]*widget.Label
	key     *widget.Label
	copyKey *widget.Button
	handOut *widget.Label // when and by whom the letter of the live key was handed out
	history *widget.Label
	resend  *widget.Button  // after a failed invitation mail
	failure *widget.Label   // the mail server's answer to a failed invitation mail
	mailBox *fyne.Container // failure and resend; shown after a failed invitation mail
	refused *widget.Label   // why the server refused the user's last change; hidden when it did not
	row     *data.UserRow   // the user shown, as the table lists it
	info    *fyne.Container // everything but the name; hidden while no user is chosen
	hint    *widget.Label
	box     *fyne.Container // the pane's column, in the scroll
	content fyne.CanvasObject
}

// detailFields are the rows of the detail form, by their English labels (the keys
// of values), translated where shown.
var detailFields = []string{
	resources.Mark("Status"), resources.Mark("Invitation"), resources.Mark("Email"), resources.Mark("Username"),
	resources.Mark("Mobile"), resources.Mark("External ID"), resources.Mark("Role"), resources.Mark("Also may"),
	resources.Mark("Units"), resources.Mark("Groups"), resources.Mark("Valid until"), resources.Mark("Created"),
}

func newUserDetail(s *UsersScreen) *userDetail {
	d := &userDetail{s: s, values: map[string]*widget.Label{}}
	// A long name wraps between words.
	d.name = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText, Wrapping: fyne.TextWrapWord}
	d.strut = canvas.NewRectangle(color.Transparent)
	d.fields = widget.NewForm()
	d.resend = &widget.Button{Text: lang.L("Resend invitation…"), OnTapped: func() {
		if d.row != nil {
			s.resendDialog(d.row)
		}
	}}
	d.failure = uikit.DangerLabel()
	d.failure.Selectable = true
	d.mailBox = container.NewVBox(d.failure, container.NewHBox(d.resend))
	d.mailBox.Hide()
	d.refused = uikit.DangerLabel()
	d.refused.Selectable = true
	d.refused.Hide()
	for _, f := range detailFields {
		l := &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true}
		d.values[f] = l
		d.fields.Append(lang.L(f), l)
	}
	// The key is one unbroken line of its own: the pane is never narrower than it
	// (its MinSize), and the admin can select it whole.
	d.key = &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, Selectable: true, Wrapping: fyne.TextWrapOff}
	d.copyKey = &widget.Button{Text: lang.L("Copy"), Icon: theme.ContentCopyIcon(), OnTapped: func() {
		uikit.CopyText(d.key.Text)
	}}
	d.history = &widget.Label{Wrapping: fyne.TextWrapWord}
	d.handOut = &widget.Label{Wrapping: fyne.TextWrapWord}
	d.handOut.Hide()
	d.hint = &widget.Label{Text: lang.L("Click a user in the table to see the details here."), Wrapping: fyne.TextWrapWord}
	d.info = container.NewVBox(d.refused, d.mailBox, &fyne.Container{Layout: &formFit{d: d}, Objects: []fyne.CanvasObject{d.fields}},
		container.NewBorder(nil, nil, widget.NewLabelWithStyle(lang.L("Personal key"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), d.copyKey),
		d.key, d.handOut,
		widget.NewLabelWithStyle(lang.L("History"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		d.history)
	d.box = container.NewVBox(container.NewStack(d.strut, d.name), d.hint, d.info)
	d.content = container.NewVScroll(d.box)
	d.clear()
	return d
}

// maxWordWidth is the widest the pane grows for one long word (a name, an email
// address); a longer word breaks.
const maxWordWidth = 400

// widestWord is the width of the widest word of texts in a label of style and
// text size, with the label's padding.
func widestWord(texts []string, size float32, style fyne.TextStyle) float32 {
	w := float32(0)
	for _, t := range texts {
		for _, word := range strings.Fields(t) {
			w = max(w, fyne.MeasureText(word, size, style).Width)
		}
	}
	if w == 0 {
		return 0
	}
	return w + 2*theme.Size(theme.SizeNameInnerPadding)
}

// fitWords keeps the pane as wide as the widest word of the name, the values and
// the history (at most maxWordWidth), so that no word breaks in the middle.
func (d *userDetail) fitWords() {
	values := []string{d.history.Text}
	for _, l := range d.values {
		values = append(values, l.Text)
	}
	w := max(widestWord([]string{d.name.Text}, d.name.Theme().Size(d.name.SizeName), d.name.TextStyle),
		widestWord(values, theme.Size(theme.SizeNameText), fyne.TextStyle{}))
	d.strut.SetMinSize(fyne.NewSize(min(w, maxWordWidth), 0))
}

// formFit lays out the detail form beside its labels when the pane is wide enough
// for the labels and the widest word of the values, else each label above its
// value.
type formFit struct {
	d        *userDetail
	vertical bool
}

// MinSize is the form's.
func (l *formFit) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

// Layout chooses the orientation for size.Width, then gives the form the size.
func (l *formFit) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	f := l.d.fields
	var labels, values []string
	for _, it := range f.Items {
		labels = append(labels, it.Text)
	}
	for _, v := range l.d.values {
		values = append(values, v.Text)
	}
	need := widestWord(labels, theme.Size(theme.SizeNameText), fyne.TextStyle{Bold: true}) + theme.Padding() +
		widestWord(values, theme.Size(theme.SizeNameText), fyne.TextStyle{})
	if vertical := size.Width < need; vertical != l.vertical {
		l.vertical = vertical
		f.Orientation = widget.Horizontal
		if vertical {
			f.Orientation = widget.Vertical
		}
		f.Refresh()
	}
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(size.Width, f.MinSize().Height))
}

func (d *userDetail) clear() {
	d.id = ""
	d.row = nil
	d.s.table.UnselectAll() // no row stays highlighted for a user not shown
	d.mailBox.Hide()
	d.refused.Hide()
	d.name.SetText(lang.L("No user chosen"))
	for _, l := range d.values {
		l.SetText("")
	}
	d.key.SetText("")
	d.copyKey.Disable()
	d.history.SetText("")
	d.fitWords()
	d.info.Hide()
	d.hint.Show()
	d.box.Refresh() // lays the column out again for what shows now
}

// show loads and shows a user.
func (d *userDetail) show(id string) {
	d.id = id
	var u *data.User
	var key string
	var events []data.AuditEvent
	var row *data.UserRow
	var refusal string
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
		keyID := ""
		switch {
		case err == nil:
			key, keyID = k.Key, k.ID
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
		if events, err = s.src.History(ctx, id); err != nil {
			return err
		}
		refusal, err = syncRefusal(ctx, s.src, id, keyID)
		return err
	}, func() {
		switch {
		case d.id != id:
		case gone:
			d.clear()
		default:
			d.fill(u, row, key, events)
			d.showRefusal(refusal)
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
	defer d.box.Refresh() // lays the column out again for what shows now
	now := d.s.act.Now()
	set := func(k, v string) { d.values[k].SetText(v) }
	set("Status", statusLabel(u.Status(now)))
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
	set("Also may", extraPermissionText(u))
	set("Valid until", display.Time(u.KeyExpiresAt))
	if u.CreatedBy == "" {
		set("Created", display.Time(&u.CreatedAt))
	} else {
		set("Created", fmt.Sprintf(lang.L("%s by %s"), display.Time(&u.CreatedAt), u.CreatedBy))
	}
	if key == "" {
		d.key.SetText(lang.L("No key"))
		d.copyKey.Disable()
	} else {
		d.key.SetText(key)
		d.copyKey.Enable()
	}
	lines := make([]string, 0, len(events))
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		lines = append(lines, fmt.Sprintf("%s · %s · %s", display.Time(&e.At), e.Summary, actorName(e.Actor)))
		lines = append(lines, d.syncChanges(&e)...)
	}
	if len(lines) == 0 {
		lines = append(lines, lang.L("No history recorded."))
	}
	d.history.SetText(strings.Join(lines, "\n"))
	d.showHandOut(row, events, now)
	d.fitWords()
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
		text = lang.L("No email sent")
	case data.MailQueued:
		text = lang.L("Email queued, not sent yet")
	case data.MailSent:
		text = lang.L("Email sent")
	case data.MailFailed:
		text = lang.L("Email failed")
		l.Importance = widget.DangerImportance
		d.failure.SetText(fmt.Sprintf(lang.L("The invitation email could not be delivered. %s"), uikit.Capitalize(row.MailError)))
		d.mailBox.Show()
	case data.MailCancelled:
		text = lang.L("Email cancelled")
		if row.MailError != "" {
			text = fmt.Sprintf(lang.L("Email cancelled: %s"), row.MailError)
		}
	default:
		text = string(row.MailState)
	}
	l.SetText(text)
}

// syncRefusal says why the server refused the last change of user id or of the
// user's live key keyID ("" for none), "" when it did not.
func syncRefusal(ctx context.Context, src UserSource, id, keyID string) (string, error) {
	probs, err := src.SyncProblems(ctx)
	if err != nil {
		return "", err
	}
	var out []string
	for _, p := range probs {
		switch {
		case p.Entity == syncapi.EntityUser && p.ID == id:
			out = append(out, fmt.Sprintf(lang.L("the server refused the last change of this user: %s"), p.Reason))
		case p.Entity == syncapi.EntityPersonalKey && keyID != "" && p.ID == keyID:
			out = append(out, fmt.Sprintf(lang.L("the server refused this user's personal key: %s"), p.Reason))
		}
	}
	return strings.Join(out, "; "), nil
}

// showRefusal shows why the server refused the user's last change.
func (d *userDetail) showRefusal(refusal string) {
	if refusal == "" {
		d.refused.Hide()
		return
	}
	d.refused.SetText(fmt.Sprintf(lang.L("Not synced: %s. It goes to the server again after the next change here."), refusal))
	d.refused.Show()
}

// actorName is who made a change as the history shows it.
func actorName(actor string) string {
	if actor == data.SyncActor {
		return lang.L("sync with the server")
	}
	return actor
}

// syncFieldLabels name the fields of a user as sync records their changes,
// translated where shown.
var syncFieldLabels = map[string]string{
	"first_name": resources.Mark("First name"), "last_name": resources.Mark("Last name"),
	"names_locked": resources.Mark("Names locked"), "email": resources.Mark("Email"),
	"username": resources.Mark("Username"), "mobile": resources.Mark("Mobile"),
	"external_id": resources.Mark("External ID"), "role_id": resources.Mark("Role"),
	"unit_ids": resources.Mark("Units"), "group_ids": resources.Mark("Groups"),
	"invitation_text": resources.Mark("Invitation text"), "notes": resources.Mark("Notes"),
	"phase": resources.Mark("Status"), "key_expires_at": resources.Mark("Valid until"),
	"invited_at": resources.Mark("Invited"), "activated_at": resources.Mark("Activated"),
	"deactivated_at": resources.Mark("Deactivated"), "invite_key_id": resources.Mark("Invite key"),
	"deleted": resources.Mark("Deleted"),
}

// syncChanges are the lines under a sync event of the history: for a conflict the
// version made here that lost and the server's that was kept, for a change pulled
// from the server what it changed.
func (d *userDetail) syncChanges(e *data.AuditEvent) []string {
	if (e.Action != data.ActionSyncConflict && e.Action != data.ActionSyncPull) || e.Changes == "" {
		return nil
	}
	var changes map[string]data.Change
	if json.Unmarshal([]byte(e.Changes), &changes) != nil {
		return nil
	}
	fields := make([]string, 0, len(changes))
	for f := range changes {
		fields = append(fields, f)
	}
	slices.SortFunc(fields, func(a, b string) int { return strings.Compare(d.fieldLabel(a), d.fieldLabel(b)) })
	var out []string
	for _, f := range fields {
		c := changes[f]
		old, kept := d.syncValue(f, c.Old), d.syncValue(f, c.New)
		if e.Action == data.ActionSyncConflict {
			out = append(out, "    "+fmt.Sprintf(lang.L("%s: made here %s; kept from the server %s"), d.fieldLabel(f), old, kept))
		} else {
			out = append(out, "    "+fmt.Sprintf(lang.L("%s: %s → %s"), d.fieldLabel(f), old, kept))
		}
	}
	return out
}

func (d *userDetail) fieldLabel(f string) string {
	if l, ok := syncFieldLabels[f]; ok {
		return lang.L(l)
	}
	return strings.ReplaceAll(f, "_", " ")
}

// syncValue is a field's value as a sync event recorded it, in words: names for
// the IDs of roles, units and groups, local times for times.
func (d *userDetail) syncValue(field string, v any) string {
	name := func(id string) string {
		for _, r := range d.s.roles {
			if r.ID == id {
				return r.Name
			}
		}
		for _, u := range d.s.units {
			if u.ID == id {
				return u.Name
			}
		}
		for _, g := range d.s.groups {
			if g.ID == id {
				return g.Name
			}
		}
		return id
	}
	switch x := v.(type) {
	case nil:
		return lang.L("(none)")
	case string:
		switch {
		case x == "":
			return lang.L("(none)")
		case field == "role_id":
			return name(x)
		case field == "phase":
			return fmt.Sprintf(lang.L("“%s”"), x)
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return display.Time(&t)
		}
		return fmt.Sprintf(lang.L("“%s”"), x)
	case []any:
		if len(x) == 0 {
			return lang.L("(none)")
		}
		names := make([]string, len(x))
		for i, id := range x {
			names[i] = name(fmt.Sprint(id))
		}
		return strings.Join(names, ", ")
	case bool:
		if x {
			return lang.L("yes")
		}
		return lang.L("no")
	}
	return fmt.Sprint(v)
}

// extraPermissionText lists the permissions a user has beyond the role, by their
// labels ("Nothing beyond the role" when none).
func extraPermissionText(u *data.User) string {
	var labels []string
	for _, p := range u.ExtraPermissionList() {
		if info, ok := syncapi.LookupPermission(p); ok {
			labels = append(labels, permissionLabel(info))
		}
	}
	if len(labels) == 0 {
		return lang.L("Nothing beyond the role")
	}
	return strings.Join(labels, ", ")
}

// showHandOut says when and by whom the letter of the user's live key was handed
// out (who: the latest hand-out in the user's history), and hides when it was not.
func (d *userDetail) showHandOut(row *data.UserRow, events []data.AuditEvent, now time.Time) {
	if row == nil || row.HandedOutAt == nil {
		d.handOut.Hide()
		return
	}
	by := ""
	for _, e := range events {
		if e.Action == string(lifecycle.ActionHandOut) {
			by = actorName(e.Actor)
		}
	}
	d.handOut.SetText(handOutText(*row.HandedOutAt, now, by))
	d.handOut.Show()
}

// handOutText is "Letter handed out 3 days ago by admin", counting calendar days.
func handOutText(at, now time.Time, by string) string {
	y, m, day := at.Local().Date()
	ny, nm, nday := now.Local().Date()
	days := int(time.Date(ny, nm, nday, 12, 0, 0, 0, time.UTC).Sub(time.Date(y, m, day, 12, 0, 0, 0, time.UTC)).Hours() / 24)
	switch {
	case days <= 0:
		return fmt.Sprintf(lang.L("Letter handed out today by %s"), by)
	case days == 1:
		return fmt.Sprintf(lang.L("Letter handed out yesterday by %s"), by)
	}
	return fmt.Sprintf(lang.L("Letter handed out %d days ago by %s"), days, by)
}
