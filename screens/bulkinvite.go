package screens

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/screens/internal/uikit"
)

// EmailInviter is what the bulk invite uses of the lifecycle service.
type EmailInviter interface {
	ValidDays(ctx context.Context, days int) (int, error)
	InviteEmails(ctx context.Context, in lifecycle.InviteEmailsInput) (*lifecycle.InviteEmailsResult, error)
}

// parseDelay is how long the bulk invite waits after typing before it reads the list
// again: a paste of thousands of addresses is read once, not per key.
const parseDelay = 150 * time.Millisecond

// BulkInvite invites everyone in a pasted list of email addresses: the admin pastes
// the list, sees how many addresses were recognised and which parts could not be
// read, picks the role, units, groups and validity, and invites them all at once.
// Then it shows who was invited and every address that was not, with the reason.
type BulkInvite struct {
	cat Catalog
	svc EmailInviter
	win fyne.Window
	bg  sync.WaitGroup

	roles  []data.Role
	units  []data.Unit
	groups []data.Group
	loaded bool

	parsed  addrlist.Result // the list as last read
	parse   *uikit.Loader   // reads the list once typing pauses; a read of older text is dropped
	parsing bool            // the text changed since the last read
	running bool

	title    *widget.Label
	entry    *widget.Entry
	summary  *widget.Label
	problems *fyne.Container // the list of unreadable parts, hidden when there are none
	unread   *widget.List
	role     *widget.Select
	roleArea *uikit.RoleChoice
	why      *uikit.WhyOff // beside the button: why it is off
	namesBox *fyne.Container
	nameList *widget.List
	people   []lifecycle.InviteName          // the rows of the names table
	names    map[string]lifecycle.PersonName // names typed in the table, by lifecycle.NameKey
	unitBox  *uikit.MultiSelect
	groupBox *uikit.MultiSelect
	days     *widget.Entry
	message  *widget.Label
	invite   *widget.Button
	form     *fyne.Container

	done       []resultLine // the not-invited lines of the result view
	doneTitle  *widget.Label
	doneNote   *widget.Label
	doneHeader *widget.Label
	doneList   *widget.List
	copyKeys   *widget.Button
	result     fyne.CanvasObject
	content    *fyne.Container

	// OnInvited, if set, is called on the UI goroutine after a run that wrote
	// something, e.g. to reload the users list.
	OnInvited func(res *lifecycle.InviteEmailsResult)
	// Settings, if set, are checked before inviting: a missing organization name is
	// asked for, and a missing mail server said (uikit.CheckBeforeSending).
	Settings settings.Store
	// OnSetUpMail, if set, opens the mail server settings (offered when none is set).
	OnSetUpMail func()
	// Last is the result of the last run (tests read it).
	Last *lifecycle.InviteEmailsResult
}

// resultLine is one part of the pasted list that was not invited, and why.
type resultLine struct{ text, reason string }

// NewBulkInvite builds the bulk invite for window win and reads the roles, units,
// groups and the default validity in the background. Place Content in a dialog or a
// screen; ShowBulkInviteDialog does the first.
func NewBulkInvite(cat Catalog, svc EmailInviter, win fyne.Window) *BulkInvite {
	b := &BulkInvite{cat: cat, svc: svc, win: win}
	b.parse = uikit.NewLoader(&b.bg)
	b.buildForm()
	b.buildResult()
	b.result.Hide()
	b.content = container.NewStack(b.form, b.result)
	b.load()
	return b
}

// ShowBulkInviteDialog opens the bulk invite in a dialog with a Close button.
func ShowBulkInviteDialog(cat Catalog, svc EmailInviter, win fyne.Window) *BulkInvite {
	b := NewBulkInvite(cat, svc, win)
	b.title.Hide() // the dialog's title says it
	d := dialog.NewCustom(lang.L("Invite by email"), lang.L("Close"), b.Content(), win)
	d.Resize(fyne.NewSize(800, 600))
	d.Show()
	win.Canvas().Focus(b.entry)
	return b
}

// Content is the bulk invite's root object.
func (b *BulkInvite) Content() fyne.CanvasObject { return b.content }

func (b *BulkInvite) buildForm() {
	b.title = uikit.Heading(lang.L("Invite by email"))
	b.entry = widget.NewMultiLineEntry()
	b.entry.Wrapping = fyne.TextWrapWord
	b.entry.SetPlaceHolder(lang.L("Paste email addresses, e.g. anna@example.org, Ben Weber <ben@example.org>"))
	b.entry.SetMinRowsVisible(5)
	b.entry.OnChanged = func(string) { b.scheduleParse() }
	b.summary = widget.NewLabel(recognisedLine(addrlist.Result{}))

	b.unread = widget.NewList(
		func() int { return len(b.parsed.Unreadable) },
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(b.parsed.Unreadable) {
				u := b.parsed.Unreadable[id]
				o.(*widget.Label).SetText(u.Text + " — " + u.Reason)
			}
		})
	b.problems = container.NewBorder(
		&widget.Label{Text: lang.L("Could not be read (correct them above, or they are left out):"), Importance: widget.DangerImportance},
		nil, nil, nil, uikit.WithMinHeight(b.unread, 110))
	b.problems.Hide()

	b.buildNames()

	b.role = widget.NewSelect(nil, func(string) { b.updateButton() })
	b.role.PlaceHolder = lang.L("Choose a role")
	b.roleArea = uikit.NewRoleChoice(b.role, nil)
	b.unitBox = uikit.UnitPicker(func([]string) { b.updateButton() })
	b.groupBox = uikit.GroupPicker(nil)
	b.days = widget.NewEntry()
	b.days.OnChanged = func(string) { b.updateButton() }
	b.message = uikit.DangerLabel()
	b.message.Hide()
	b.invite = &widget.Button{Importance: widget.HighImportance, OnTapped: b.checkThenRun}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Role *"), b.roleArea.Box),
		widget.NewFormItem(lang.L("Units *"), b.unitBox),
		widget.NewFormItem(lang.L("Groups"), b.groupBox),
		widget.NewFormItem(lang.L("Key valid for (days) *"), b.days),
	)
	// The list, the names and the choices scroll together; the button stays.
	body := container.NewVScroll(container.NewVBox(b.entry, b.summary, b.problems, b.namesBox, form, b.message))
	b.why = uikit.NewWhyOff()
	b.form = container.NewBorder(b.title, b.why.Beside(b.invite), nil, nil, body)
	b.updateButton()
}

func (b *BulkInvite) buildResult() {
	b.doneTitle = uikit.Heading("")
	b.doneNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	b.doneHeader = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}}
	b.doneList = widget.NewList(
		func() int { return len(b.done) },
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(b.done) {
				o.(*widget.Label).SetText(b.done[id].text + " — " + b.done[id].reason)
			}
		})
	b.copyKeys = &widget.Button{Text: lang.L("Copy addresses and keys"), Icon: theme.ContentCopyIcon(), OnTapped: b.copyInvited}
	more := &widget.Button{Text: lang.L("Send more invites"), Importance: widget.HighImportance, OnTapped: b.SendMore}
	b.result = container.NewBorder(container.NewVBox(b.doneTitle, b.doneNote, b.doneHeader),
		container.NewHBox(layout.NewSpacer(), b.copyKeys, more), nil, nil, b.doneList)
}

// load reads the roles, units, groups and default validity off the UI goroutine.
func (b *BulkInvite) load() {
	var cat staticCatalog
	var days int
	b.bg.Go(func() {
		ctx := context.Background()
		var err error
		if cat.roles, err = b.cat.Roles(ctx); err == nil {
			if cat.units, err = b.cat.Units(ctx); err == nil {
				if cat.groups, err = b.cat.Groups(ctx); err == nil {
					days, err = b.svc.ValidDays(ctx, 0)
				}
			}
		}
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, b.win)
				return
			}
			b.roles, b.units, b.groups, b.loaded = cat.roles, cat.units, cat.groups, true
			b.roleArea.SetRoles(uikit.Names(b.roles, func(r data.Role) string { return r.Name }))
			b.unitBox.SetOptions(uikit.Names(b.units, func(u data.Unit) string { return u.Name }))
			b.groupBox.SetOptions(uikit.Names(b.groups, func(g data.Group) string { return g.Name }))
			if len(b.roles) == 1 {
				b.role.SetSelected(b.roles[0].Name)
			}
			if len(b.units) == 1 {
				b.unitBox.SetSelected([]string{b.units[0].Name})
			}
			if b.days.Text == "" {
				b.days.SetText(strconv.Itoa(days))
			}
			b.updateButton()
		})
	})
}

// scheduleParse reads the list again once typing pauses.
func (b *BulkInvite) scheduleParse() {
	text := b.entry.Text
	b.parsing = true
	b.updateButton()
	b.parse.After(parseDelay, func() func() {
		res := lifecycle.ParseAddresses(text)
		return func() {
			b.parsed, b.parsing = res, false
			b.summary.SetText(recognisedLine(res))
			if len(res.Unreadable) > 0 {
				b.problems.Show()
			} else {
				b.problems.Hide()
			}
			b.unread.Refresh()
			b.showNames()
			b.form.Refresh() // lay out again: the lists of names and unreadable parts came or went
			b.updateButton()
		}
	})
}

// buildNames builds the table of the recognised addresses with the first and last
// name each person gets, both editable: a name left empty is entered by the person
// at registration.
func (b *BulkInvite) buildNames() {
	b.names = map[string]lifecycle.PersonName{}
	b.nameList = widget.NewList(
		func() int { return len(b.people) },
		func() fyne.CanvasObject {
			first, last := widget.NewEntry(), widget.NewEntry()
			first.SetPlaceHolder(lang.L("First name"))
			last.SetPlaceHolder(lang.L("Last name"))
			return container.NewGridWithColumns(3, &widget.Label{Truncation: fyne.TextTruncateEllipsis}, first, last)
		},
		b.updateNameRow)
	head := container.NewGridWithColumns(3, &widget.Label{Text: lang.L("Email"), TextStyle: fyne.TextStyle{Bold: true}},
		&widget.Label{Text: lang.L("First name"), TextStyle: fyne.TextStyle{Bold: true}},
		&widget.Label{Text: lang.L("Last name"), TextStyle: fyne.TextStyle{Bold: true}})
	note := &widget.Label{
		Text:       lang.L("Names are optional: whoever has none enters it when registering."),
		Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord,
	}
	b.namesBox = container.NewBorder(container.NewVBox(note, head), nil, nil, nil, uikit.WithMinHeight(b.nameList, 150))
	b.namesBox.Hide()
}

// updateNameRow shows person id in a row of the names table; typing in its
// entries gives or corrects their name.
func (b *BulkInvite) updateNameRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(b.people) {
		return
	}
	p := b.people[id]
	row := o.(*fyne.Container).Objects
	email, first, last := row[0].(*widget.Label), row[1].(*widget.Entry), row[2].(*widget.Entry)
	email.SetText(p.Email)
	first.OnChanged, last.OnChanged = nil, nil
	first.SetText(p.First)
	last.SetText(p.Last)
	key := lifecycle.NameKey(p.Email)
	given := func(string) {
		b.names[key] = lifecycle.PersonName{First: first.Text, Last: last.Text}
		b.people[id].PersonName = b.names[key]
	}
	first.OnChanged, last.OnChanged = given, given
}

// showNames fills the names table from the list as last read.
func (b *BulkInvite) showNames() {
	b.people = lifecycle.InviteNames(b.parsed.Addresses, b.names)
	uikit.SetVisible(b.namesBox, len(b.people) > 0)
	b.nameList.Refresh()
}

// recognisedLine is the live line under the list: "3 addresses recognised · 1
// could not be read · 1 listed twice".
func recognisedLine(r addrlist.Result) string {
	parts := []string{fmt.Sprintf(lang.L("%s recognised"),
		display.PluralOf(len(r.Addresses), lang.L("address"), lang.L("addresses")))}
	if n := len(r.Unreadable); n > 0 {
		parts = append(parts, fmt.Sprintf(lang.L("%s could not be read"), display.Count(n)))
	}
	if n := len(r.Duplicates); n > 0 {
		parts = append(parts, fmt.Sprintf(lang.L("%s listed twice (invited once)"), display.Count(n)))
	}
	return strings.Join(parts, " · ")
}

// peopleText is "1 person" or "4 people".
func peopleText(n int) string { return display.PluralOf(n, lang.L("person"), lang.L("people")) }

// input reads the list as last read and the choices.
func (b *BulkInvite) input() lifecycle.InviteEmailsInput {
	in := lifecycle.InviteEmailsInput{Addresses: b.parsed.Addresses, Names: b.names}
	in.RoleID = uikit.IDByName(b.roles, b.role.Selected, func(r data.Role) (string, string) { return r.ID, r.Name })
	for _, n := range b.unitBox.Selected() {
		in.UnitIDs = append(in.UnitIDs, uikit.IDByName(b.units, n, func(u data.Unit) (string, string) { return u.ID, u.Name }))
	}
	for _, n := range b.groupBox.Selected() {
		in.GroupIDs = append(in.GroupIDs, uikit.IDByName(b.groups, n, func(g data.Group) (string, string) { return g.ID, g.Name }))
	}
	in.ValidDays, _ = strconv.Atoi(strings.TrimSpace(b.days.Text))
	return in
}

// daysProblem says what is wrong with the validity, "" when it is usable.
func (b *BulkInvite) daysProblem() string {
	days, err := strconv.Atoi(strings.TrimSpace(b.days.Text))
	if err != nil || days < settings.MinValidDays || days > settings.MaxValidDays {
		return fmt.Sprintf(lang.L("Enter how many days the keys are valid: a whole number from %d to %d."),
			settings.MinValidDays, settings.MaxValidDays)
	}
	return ""
}

// ready reports whether the admin can invite: the list is read and nothing
// whyNot names keeps them from it.
func (b *BulkInvite) ready() bool {
	return b.loaded && !b.running && !b.parsing && b.whyNot() == ""
}

// updateButton says how many people the button invites and enables it when ready;
// while it is not, the line beside it says what is missing.
func (b *BulkInvite) updateButton() {
	b.invite.SetText(fmt.Sprintf(lang.L("Invite %s"), peopleText(len(b.parsed.Addresses))))
	b.showMessage("") // a refusal of the last run is stale once anything changes
	if b.loaded {
		b.why.Set(b.whyNot())
	}
	if b.ready() {
		b.invite.Enable()
	} else {
		b.invite.Disable()
	}
}

// whyNot says what keeps the admin from inviting, "" when nothing does (or the
// list is still being read).
func (b *BulkInvite) whyNot() string {
	in := b.input()
	if why := uikit.CatalogWhy(lang.L("Every invited person"), len(b.roles), len(b.units), true); why != "" {
		return why
	}
	switch days := b.daysProblem(); {
	case days != "":
		return days
	case b.parsing || b.running:
		return ""
	case len(in.Addresses) == 0:
		return lang.L("Paste or type at least one email address.")
	case in.RoleID == "":
		return lang.L("Choose the role of the people invited.")
	case len(in.UnitIDs) == 0:
		return lang.L("Choose at least one unit.")
	}
	return ""
}

func (b *BulkInvite) showMessage(msg string) {
	b.message.SetText(msg)
	if msg == "" {
		b.message.Hide()
	} else {
		b.message.Show()
	}
}

// run invites the recognised addresses off the UI goroutine and shows the result.
// checkThenRun invites after the checks of Settings.
func (b *BulkInvite) checkThenRun() {
	if b.Settings == nil {
		b.run()
		return
	}
	uikit.CheckBeforeSending(b.win, &b.bg, b.Settings, true, b.run, b.OnSetUpMail)
}

func (b *BulkInvite) run() {
	if !b.ready() {
		return
	}
	in, unreadable := b.input(), b.parsed.Unreadable
	b.running = true
	b.updateButton()
	b.invite.SetText(fmt.Sprintf(lang.L("Inviting %s…"), peopleText(len(in.Addresses))))
	b.bg.Go(func() {
		res, err := b.svc.InviteEmails(context.Background(), in)
		uikit.OnUI(func() {
			b.running = false
			b.updateButton()
			var ve *lifecycle.ValidationError
			switch {
			case errors.As(err, &ve):
				msgs := make([]string, len(ve.Problems))
				for i, p := range ve.Problems {
					msgs[i] = strings.ToUpper(p.Message[:1]) + p.Message[1:] + "."
				}
				b.showMessage(strings.Join(msgs, " "))
			case err != nil:
				uikit.ShowError(fmt.Errorf(lang.L("nobody was invited: %w"), err), b.win)
			default:
				b.Last = res
				b.showResult(res, unreadable)
				if b.OnInvited != nil && len(res.Invited) > 0 {
					b.OnInvited(res)
				}
			}
		})
	})
}

// showResult replaces the form by what the run did.
func (b *BulkInvite) showResult(res *lifecycle.InviteEmailsResult, unreadable []addrlist.Unreadable) {
	b.done = b.done[:0]
	for _, n := range res.NotInvited {
		b.done = append(b.done, resultLine{n.Email, n.Reason})
	}
	for _, u := range unreadable {
		b.done = append(b.done, resultLine{u.Text, fmt.Sprintf(lang.L("could not be read: %s"), u.Reason)})
	}
	b.doneTitle.SetText(fmt.Sprintf(lang.L("%s invited"), display.Count(len(res.Invited))))
	note := lang.L("Nobody was invited.")
	if len(res.Invited) > 0 {
		note = fmt.Sprintf(lang.L("They are in the users list as invited, each with a personal key valid until %s. "+
			"Their invitation emails are queued and sent through the mail server set in Settings; "+
			"the Mail screen shows how they fare."),
			display.Time(res.Invited[0].User.KeyExpiresAt))
		b.copyKeys.Show()
	} else {
		b.copyKeys.Hide()
	}
	b.doneNote.SetText(note)
	if len(b.done) > 0 {
		b.doneHeader.SetText(fmt.Sprintf(lang.L("Not invited (%s):"), display.Count(len(b.done))))
		b.doneHeader.Show()
		b.doneList.Show()
	} else {
		b.doneHeader.Hide()
		b.doneList.Hide()
	}
	b.doneList.Refresh()
	b.form.Hide()
	b.result.Show()
}

// copyInvited puts "email<TAB>key" of everyone invited on the clipboard, a line each.
func (b *BulkInvite) copyInvited() {
	if b.Last == nil {
		return
	}
	var sb strings.Builder
	for _, inv := range b.Last.Invited {
		fmt.Fprintf(&sb, "%s\t%s\n", inv.User.Email, inv.Key)
	}
	uikit.CopyText(sb.String())
}

// SendMore goes back to an empty form, keeping the role, units, groups and validity.
func (b *BulkInvite) SendMore() {
	b.names = map[string]lifecycle.PersonName{}
	b.entry.SetText("")
	b.result.Hide()
	b.form.Show()
	b.win.Canvas().Focus(b.entry)
}

// wait blocks until the background work has finished.
func (b *BulkInvite) wait() { b.bg.Wait() }
