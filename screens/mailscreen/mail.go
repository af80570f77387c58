package mailscreen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/outbox"
	"onboard/internal/settings"
	"onboard/internal/userrules"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// Store is what the mail screen reads: the outbox and the settings the
// invitation template and its preview use.
type Store interface {
	settings.Store
	Mails(ctx context.Context, q data.MailQuery) ([]data.Mail, error)
	MailCounts(ctx context.Context) (map[data.MailState]int, error)
}

// Service is what the mail screen changes.
type Service interface {
	Now() time.Time
	RetryMail(ctx context.Context, id, to string) error
}

// mailPageSize is how many mails the table fetches at a time.
const mailPageSize = 200

// mailColumns are the outbox table's columns: title (translated where it is
// shown), width and cell text.
var mailColumns = []struct {
	uikit.TableColumn
	text func(m *data.Mail, now time.Time) string
}{
	{uikit.Col(resources.Mark("To"), 180), func(m *data.Mail, _ time.Time) string { return m.ToAddr }},
	{uikit.Col(resources.Mark("Subject"), 155), func(m *data.Mail, _ time.Time) string { return m.Subject }},
	{uikit.Col(resources.Mark("Queued at"), 145), func(m *data.Mail, _ time.Time) string { return display.Time(&m.CreatedAt) }},
	{uikit.Col(resources.Mark("State"), 125), func(m *data.Mail, _ time.Time) string { return mailStateLabel(m.State) }},
	{uikit.NumCol(resources.Mark("Attempts"), 80), func(m *data.Mail, _ time.Time) string { return fmt.Sprint(m.Attempts) }},
	{uikit.Col(resources.Mark("Next attempt / Sent at"), 200), nextOrSent},
	{uikit.Col(resources.Mark("Server's answer"), 190), func(m *data.Mail, _ time.Time) string { return oneLine(m.LastError) }},
	{uikit.Col("", 40), nil}, // the row menu of a failed mail
}

// mailHeaders are the headers of mailColumns, in the window's language.
func mailHeaders() []uikit.TableColumn {
	out := make([]uikit.TableColumn, len(mailColumns))
	for i, c := range mailColumns {
		out[i] = c.TableColumn
		if c.Title != "" {
			out[i].Title = lang.L(c.Title)
		}
	}
	return out
}

const mailColMenu = 7

// mailStateLabel is a state as the screen shows it.
func mailStateLabel(s data.MailState) string {
	switch s {
	case data.MailQueued:
		return lang.L("Queued")
	case data.MailSent:
		return lang.L("Sent")
	case data.MailFailed:
		return lang.L("Failed")
	case data.MailCancelled:
		return lang.L("Cancelled")
	}
	return string(s)
}

// mailStateCount is n mails in state s for the summary: "2 queued".
func mailStateCount(s data.MailState, n int) string {
	format := "%s " + string(s)
	switch s {
	case data.MailQueued:
		format = lang.L("%s queued")
	case data.MailSent:
		format = lang.L("%s sent")
	case data.MailFailed:
		format = lang.L("%s failed")
	case data.MailCancelled:
		format = lang.L("%s cancelled")
	}
	return fmt.Sprintf(format, display.Count(n))
}

// noMailsText is the note of an empty table filtered by state s.
func noMailsText(s data.MailState) string {
	switch s {
	case data.MailQueued:
		return lang.L("No queued mails.")
	case data.MailSent:
		return lang.L("No sent mails.")
	case data.MailFailed:
		return lang.L("No failed mails.")
	case data.MailCancelled:
		return lang.L("No cancelled mails.")
	}
	return fmt.Sprintf(lang.L("No mails in the state %s."), string(s))
}

// nextOrSent is when a queued mail is tried next ("now" when it is due), or when a
// sent one went out.
func nextOrSent(m *data.Mail, now time.Time) string {
	switch m.State {
	case data.MailQueued:
		if !m.NextAttemptAt.After(now) {
			return lang.L("now")
		}
		return display.Time(&m.NextAttemptAt)
	case data.MailSent:
		return display.Time(m.SentAt)
	}
	return ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Screen shows the outbox, the invitation emails waiting, sent, failed and
// cancelled, newest first in a table that fetches a page at a time, with a filter by
// state; failed mails can be tried again, to a corrected address if need be. Its
// second tab edits the invitation mail template.
type Screen struct {
	st  Store
	svc Service
	win fyne.Window
	bg  sync.WaitGroup

	state   data.MailState // the filter; "" for all
	counts  map[data.MailState]int
	total   int
	pages   map[int][]data.Mail // page number -> mails; UI goroutine only
	loading map[int]bool
	load    *uikit.Loader // the counts and pages; a reload drops the late pages of the one before
	chosen  *data.Mail

	tabs        *container.AppTabs
	stateSelect *widget.Select
	summary     *widget.Label
	drain       *widget.Label // what the last attempt to send did
	table       *widget.Table
	empty       *widget.Label
	sendNow     *widget.Button
	detailText  *widget.Label
	answer      *widget.Label
	retry       *widget.Button
	editAddr    *widget.Button
	template    *mailTemplateEditor
	content     fyne.CanvasObject

	lastEdit *editAddressDialog // the last "Edit address and resend" dialog (tests)

	// OnSendNow, if set, tries every queued mail at once (the window owns the sender).
	OnSendNow func()
	// OnQueued, if set, is called after mail was queued again: the window wakes
	// the sender.
	OnQueued func()
}

// New builds the mail screen for window win; call Reload to fill it.
func New(st Store, svc Service, win fyne.Window) *Screen {
	s := &Screen{
		st: st, svc: svc, win: win, counts: map[data.MailState]int{},
		pages: map[int][]data.Mail{}, loading: map[int]bool{},
	}
	s.load = uikit.NewLoader(&s.bg)
	s.stateSelect = widget.NewSelect(nil, s.onState)
	s.summary = &widget.Label{}
	s.drain = &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	s.sendNow = &widget.Button{
		Text: lang.L("Send now"), Icon: theme.MailSendIcon(), Importance: widget.HighImportance,
		OnTapped: s.SendNow,
	}
	s.buildTable()
	s.empty = &widget.Label{Alignment: fyne.TextAlignCenter}
	s.empty.Hide()
	s.buildDetail()
	top := container.NewVBox(
		container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(220, 36), s.stateSelect), nil, s.summary),
		s.drain)
	detail := container.NewVBox(widget.NewSeparator(), s.detailText, s.answer, container.NewHBox(s.retry, s.editAddr))
	outboxTab := container.NewBorder(top, detail, nil, nil, container.NewStack(s.table, container.NewCenter(s.empty)))
	s.template = newMailTemplateEditor(st, svc, win, &s.bg)
	s.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Outbox"), outboxTab),
		container.NewTabItem(lang.L("Invitation template"), s.template.content),
	)
	s.tabs.OnSelected = func(*container.TabItem) { s.Reload() }
	s.content = container.NewBorder(container.NewBorder(nil, nil, uikit.Heading(lang.L("Mail")), s.sendNow), nil, nil, nil, s.tabs)
	return s
}

// Content is the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// ShowTemplate switches to the invitation template tab.
func (s *Screen) ShowTemplate() { s.tabs.SelectIndex(1) }

func (s *Screen) buildTable() {
	s.table = widget.NewTableWithHeaders(
		func() (int, int) { return s.total, len(mailColumns) },
		func() fyne.CanvasObject {
			return container.NewStack(&widget.Label{Truncation: fyne.TextTruncateEllipsis},
				&widget.Button{Text: "⋯", Importance: widget.LowImportance})
		},
		s.updateCell)
	uikit.SetHeader(s.table, mailHeaders())
	s.table.OnSelected = func(id widget.TableCellID) {
		if m := s.mailAt(id.Row); m != nil {
			s.choose(m)
		}
	}
}

func (s *Screen) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	objs := o.(*fyne.Container).Objects
	label, menu := objs[0].(*widget.Label), objs[1].(*widget.Button)
	m := s.mailAt(id.Row)
	if id.Col == mailColMenu {
		label.Hide()
		if m == nil || m.State != data.MailFailed {
			menu.Hide()
			return
		}
		row := id.Row
		menu.OnTapped = func() { s.showRowMenu(row, menu) }
		menu.Show()
		return
	}
	menu.Hide()
	label.Alignment = fyne.TextAlignLeading
	if mailColumns[id.Col].Numeric {
		label.Alignment = fyne.TextAlignTrailing
	}
	label.Importance = widget.MediumImportance
	text := ""
	if m != nil {
		text = mailColumns[id.Col].text(m, s.svc.Now())
		if id.Col == 3 && m.State == data.MailFailed {
			label.Importance = widget.DangerImportance
		}
	}
	label.SetText(text)
	label.Show()
}

func (s *Screen) buildDetail() {
	s.detailText = &widget.Label{Text: lang.L("Click a mail to see the server's full answer."), Truncation: fyne.TextTruncateEllipsis}
	s.answer = &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true}
	s.answer.Hide()
	s.retry = &widget.Button{Text: lang.L("Retry"), Icon: theme.ViewRefreshIcon(), OnTapped: func() {
		if s.chosen != nil {
			s.Retry(s.chosen.ID)
		}
	}}
	s.editAddr = &widget.Button{Text: lang.L("Edit address and resend…"), OnTapped: func() {
		if s.chosen != nil {
			s.EditAddress(*s.chosen)
		}
	}}
	s.showChosen()
}

// choose shows mail m below the table.
func (s *Screen) choose(m *data.Mail) {
	c := *m
	s.chosen = &c
	s.showChosen()
}

func (s *Screen) showChosen() {
	m := s.chosen
	if m == nil {
		s.detailText.SetText(lang.L("Click a mail to see the server's full answer."))
		s.answer.Hide()
		s.retry.Hide()
		s.editAddr.Hide()
		return
	}
	s.detailText.SetText(fmt.Sprintf("%s · %s · %s", mailStateLabel(m.State), m.ToAddr, m.Subject))
	answer := m.LastError
	if answer == "" {
		answer = lang.L("No answer from the mail server yet.")
		if m.State == data.MailSent {
			answer = fmt.Sprintf(lang.L("The mail server accepted it %s."), display.Time(m.SentAt))
		}
	}
	s.answer.SetText(answer)
	s.answer.Show()
	if m.State == data.MailFailed {
		s.retry.Show()
		s.editAddr.Show()
	} else {
		s.retry.Hide()
		s.editAddr.Hide()
	}
}

// showRowMenu opens the menu of a failed mail.
func (s *Screen) showRowMenu(row int, anchor fyne.CanvasObject) {
	m := s.mailAt(row)
	if m == nil {
		return
	}
	uikit.ShowMenuBelow(s.win, anchor, s.rowMenuItems(m))
}

// rowMenuItems are the actions of a failed mail.
func (s *Screen) rowMenuItems(m *data.Mail) []*fyne.MenuItem {
	c := *m
	return []*fyne.MenuItem{
		fyne.NewMenuItem(lang.L("Retry"), func() { s.Retry(c.ID) }),
		fyne.NewMenuItem(lang.L("Edit address and resend…"), func() { s.EditAddress(c) }),
	}
}

// onState filters by the state chosen: the first option is all mails, then one
// per state in the order of data.MailStates.
func (s *Screen) onState(string) {
	s.state = ""
	if i := s.stateSelect.SelectedIndex(); i > 0 && i <= len(data.MailStates) {
		s.state = data.MailStates[i-1]
	}
	s.Reload()
}

// SetState filters by state st ("" for all).
func (s *Screen) SetState(st data.MailState) {
	s.state = st
	s.Reload()
}

// Reload counts the mails again, drops every fetched page and refreshes the table,
// and reads the template unless the admin is editing it.
func (s *Screen) Reload() {
	s.load.Next()
	state := s.state
	s.pages, s.loading = map[int][]data.Mail{}, map[int]bool{}
	s.loadPage(0)
	s.load.Go(func() func() {
		counts, err := s.st.MailCounts(context.Background())
		return func() {
			if err != nil {
				s.summary.SetText(lang.L("Could not read the outbox."))
				uikit.ShowError(err, s.win)
				return
			}
			s.counts = counts
			s.total = 0
			for st, n := range counts {
				if state == "" || state == st {
					s.total += n
				}
			}
			s.refreshFilter()
			s.showEmpty()
			s.table.Refresh()
		}
	})
	s.template.reload()
}

// refreshFilter writes the counts into the state filter's options.
func (s *Screen) refreshFilter() {
	all := uikit.SetCountOptions(s.stateSelect, lang.L("All mails"), data.MailStates, mailStateLabel, s.counts, s.state)
	var parts []string
	for _, st := range data.MailStates {
		if n := s.counts[st]; n > 0 {
			parts = append(parts, mailStateCount(st, n))
		}
	}
	s.summary.SetText(fmt.Sprintf("%s: %s", display.PluralOf(all, lang.L("mail"), lang.L("mails")), strings.Join(parts, ", ")))
	if all == 0 {
		s.summary.SetText(lang.L("The outbox is empty."))
	}
}

// showEmpty shows a note instead of an empty table.
func (s *Screen) showEmpty() {
	if s.total > 0 {
		s.empty.Hide()
		s.table.Show()
		return
	}
	if s.state == "" {
		s.empty.SetText(lang.L("No mail yet. Invitations you send are queued here and go out through\nthe mail server set in Settings."))
	} else {
		s.empty.SetText(noMailsText(s.state))
	}
	s.table.Hide()
	s.empty.Show()
}

// mailAt returns the mail at a table row, or nil while its page loads (the load
// starts).
func (s *Screen) mailAt(row int) *data.Mail {
	page, ok := s.pages[row/mailPageSize]
	if !ok {
		s.loadPage(row / mailPageSize)
		return nil
	}
	if i := row % mailPageSize; i < len(page) {
		return &page[i]
	}
	return nil
}

// loadPage fetches one page off the UI goroutine.
func (s *Screen) loadPage(page int) {
	if s.loading[page] {
		return
	}
	s.loading[page] = true
	q := data.MailQuery{State: s.state, Offset: page * mailPageSize, Limit: mailPageSize}
	s.load.Go(func() func() {
		mails, err := s.st.Mails(context.Background(), q)
		return func() {
			if err != nil {
				uikit.ShowError(err, s.win)
				return
			}
			s.pages[page] = mails
			s.table.Refresh()
			s.refreshChosen(mails)
		}
	})
}

// refreshChosen shows the chosen mail again when a fetched page holds it.
func (s *Screen) refreshChosen(mails []data.Mail) {
	if s.chosen == nil {
		return
	}
	for i := range mails {
		if mails[i].ID == s.chosen.ID {
			s.choose(&mails[i])
		}
	}
}

// CellText is the text of a cell; "" while its page is loading.
func (s *Screen) CellText(row, col int) string {
	m := s.mailAt(row)
	if m == nil || mailColumns[col].text == nil {
		return ""
	}
	return mailColumns[col].text(m, s.svc.Now())
}

// Total is the number of mails the filter matches.
func (s *Screen) Total() int { return s.total }

// Counts are the mails in each state.
func (s *Screen) Counts() map[data.MailState]int { return s.counts }

// SendNow tries every queued mail at once.
func (s *Screen) SendNow() {
	if s.OnSendNow != nil {
		s.drain.SetText(lang.L("Sending…"))
		s.OnSendNow()
	}
}

// ShowDrain shows what the last attempt to send the outbox did, at time at, and
// reads the outbox again while the screen is shown; configured says whether a mail
// server is set up.
func (s *Screen) ShowDrain(res outbox.Result, err error, at time.Time, configured bool) {
	when := at.Local().Format("15:04")
	var ue *outbox.UnreachableError
	switch {
	case errors.As(err, &ue) && !configured:
		s.drain.Importance = widget.WarningImportance
		s.drain.SetText(fmt.Sprintf(lang.L("%s: no mail server is set up. The mails wait in the outbox until you set one up in Settings."), when))
	case errors.As(err, &ue):
		s.drain.Importance = widget.DangerImportance
		s.drain.SetText(fmt.Sprintf(lang.L("%s: the mail server cannot be reached: %v. The mails wait in the outbox and are tried again."),
			when, ue.Err))
	case err != nil:
		s.drain.Importance = widget.DangerImportance
		s.drain.SetText(fmt.Sprintf(lang.L("%s: sending stopped: %s"), when, err.Error()))
	case res.Sent+res.Failed+res.Retrying == 0:
		s.drain.Importance = widget.LowImportance
		s.drain.SetText(fmt.Sprintf(lang.L("%s: no mail was due to be sent. Queued mails wait for their next attempt; Send now tries them at once."), when))
	default:
		s.drain.Importance = widget.MediumImportance
		s.drain.SetText(fmt.Sprintf(lang.L("%s: sent %s, %s to try again later, %s failed."), when,
			display.PluralOf(res.Sent, lang.L("mail"), lang.L("mails")), display.Count(res.Retrying), display.Count(res.Failed)))
	}
	if s.content.Visible() {
		s.Reload()
	}
}

// Retry queues failed mail id again, as it was.
func (s *Screen) Retry(id string) {
	s.bg.Go(func() {
		err := s.svc.RetryMail(context.Background(), id, "")
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, s.win)
			} else {
				s.queued()
			}
			s.Reload()
		})
	})
}

// queued tells the window that mail was queued.
func (s *Screen) queued() {
	if s.OnQueued != nil {
		s.OnQueued()
	}
}

// editAddressDialog asks for a corrected address of a failed mail and resends it.
type editAddressDialog struct {
	entry  *widget.Entry
	msg    *widget.Label
	send   *widget.Button
	dialog *dialog.CustomDialog
}

// EditAddress asks for a corrected address for failed mail m and sends it again
// there: an invitation goes out again with a new key (the user's email changes),
// another mail is queued again to the new address.
func (s *Screen) EditAddress(m data.Mail) {
	e := &editAddressDialog{entry: &widget.Entry{Text: m.ToAddr}, msg: uikit.DangerLabel()}
	e.entry.ExtendBaseWidget(e.entry)
	e.msg.Hide()
	note := lang.L("The mail is sent again to this address.")
	if m.Kind == data.MailInvitation && m.UserID != nil {
		note = lang.L("The user's email changes to this address and a new invitation with a new key is sent; the old key stops working.")
	}
	e.send = &widget.Button{Text: lang.L("Resend"), Importance: widget.HighImportance}
	cancel := &widget.Button{Text: lang.L("Cancel")}
	body := container.NewVBox(
		widget.NewLabel(fmt.Sprintf(lang.L("It could not be delivered. %s"), uikit.Capitalize(oneLine(m.LastError)))),
		widget.NewForm(widget.NewFormItem(lang.L("Email"), e.entry)),
		&widget.Label{Text: note, Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance},
		e.msg)
	body.Objects[0].(*widget.Label).Wrapping = fyne.TextWrapWord
	e.dialog = dialog.NewCustomWithoutButtons(lang.L("Edit address and resend"), body, s.win)
	e.dialog.SetButtons([]fyne.CanvasObject{cancel, e.send})
	cancel.OnTapped = e.dialog.Hide
	submit := func() {
		to := strings.TrimSpace(e.entry.Text)
		if p := userrules.EmailProblem(to); p != "" {
			e.show(uikit.Capitalize(p) + ".")
			return
		}
		if to == m.ToAddr {
			e.show(lang.L("This is the address the mail server refused; correct it, or use Retry to send it there again."))
			return
		}
		e.send.Disable()
		s.bg.Go(func() {
			err := s.svc.RetryMail(context.Background(), m.ID, to)
			uikit.OnUI(func() {
				e.send.Enable()
				var ve *lifecycle.ValidationError
				switch {
				case errors.As(err, &ve):
					msgs := make([]string, len(ve.Problems))
					for i, p := range ve.Problems {
						msgs[i] = uikit.Capitalize(p.Message) + "."
					}
					e.show(strings.Join(msgs, " "))
				case err != nil:
					e.show(uikit.Capitalize(err.Error()))
				default:
					e.dialog.Hide()
					s.queued()
				}
				s.Reload()
			})
		})
	}
	e.send.OnTapped = submit
	e.entry.OnSubmitted = func(string) { submit() }
	e.entry.OnChanged = func(string) { e.msg.Hide() }
	e.dialog.Resize(fyne.NewSize(520, 260))
	e.dialog.Show()
	s.win.Canvas().Focus(e.entry)
	s.lastEdit = e
}

func (e *editAddressDialog) show(msg string) {
	e.msg.SetText(msg)
	e.msg.Show()
}

// wait blocks until the background work has finished.
func (s *Screen) wait() { s.bg.Wait() }
