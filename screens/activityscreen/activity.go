// Package activityscreen is the Activity screen: the audit log of every change,
// who made it, when, what it was and which users it touched, newest first in a
// table that fetches a page at a time, filtered by operator, action, user and
// dates, with the chosen event's details below and an export of the filtered
// events as CSV.
package activityscreen

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// Store is what the Activity screen reads: the audit log, the users its user
// filter finds, and the names of roles, units and groups the changes refer to.
type Store interface {
	AuditEvents(ctx context.Context, q data.AuditQuery) ([]data.AuditEvent, error)
	CountAuditEvents(ctx context.Context, q data.AuditQuery) (int, error)
	AuditActors(ctx context.Context) ([]string, error)
	AuditActions(ctx context.Context) ([]string, error)
	AuditEventUsers(ctx context.Context, events []data.AuditEvent, limit int) (map[string]data.AuditUsers, error)
	EachAuditEvent(ctx context.Context, q data.AuditQuery, chunk int, fn func([]data.AuditEvent) error) error
	ListUsers(ctx context.Context, q data.UserQuery, now time.Time) ([]data.UserRow, error)
	Roles(ctx context.Context) ([]data.Role, error)
	Units(ctx context.Context) ([]data.Unit, error)
	Groups(ctx context.Context) ([]data.Group, error)
}

// pageSize is how many events the table fetches at a time.
const pageSize = 200

// event is one row of the table: an event and the first user it touched.
type event struct {
	data.AuditEvent
	users data.AuditUsers
}

// columns are the table's columns: title (translated where shown), width and
// cell text.
var columns = []struct {
	title string
	width float32
	text  func(e *event) string
}{
	{resources.Mark("When"), 135, func(e *event) string { return display.Time(&e.At) }},
	{resources.Mark("Operator"), 150, func(e *event) string { return actorLabel(e.Actor) }},
	{resources.Mark("Action"), 190, func(e *event) string { return actionLabel(e.Action) }},
	{resources.Mark("Summary"), 340, func(e *event) string { return oneLine(e.Summary) }},
	{resources.Mark("Users"), 240, func(e *event) string { return usersCell(e.users) }},
}

func headers() []uikit.TableColumn {
	out := make([]uikit.TableColumn, len(columns))
	for i, c := range columns {
		out[i] = uikit.Col(lang.L(c.title), c.width)
	}
	return out
}

// Screen shows the audit log. Its filters and pages belong to the UI goroutine.
type Screen struct {
	st  Store
	win fyne.Window
	bg  sync.WaitGroup

	q       data.AuditQuery // the filters; Offset and Limit unused
	total   int
	pages   map[int][]event   // page number -> events
	loading map[int]bool      // pages asked for
	names   map[string]string // role, unit and group IDs -> names, for the changes
	load    *uikit.Loader     // the count and the pages; a new filter drops the late pages of the old
	options *uikit.Loader     // the operators and actions offered, and the names
	detail  *uikit.Loader     // the users of the chosen event
	chosen  *event            // the event shown below the table
	actors  []string          // the operators behind actorSelect's options, after "All operators"
	actions []string          // the actions behind actionSelect's options, after "All actions"
	users   *userFilter       // the user search
	dates   *dateFilter       // the From and To entries

	exporting bool // an export runs

	actorSelect  *widget.Select
	actionSelect *widget.Select
	count        *widget.Label
	exportMsg    *widget.Label
	exportButton *widget.Button
	table        *widget.Table
	empty        *widget.Label
	detailPane   *detailPane
	detailBox    fyne.CanvasObject // the details' scroll, hidden while there is no event
	body         *fyne.Container   // the filters and the lines below them, the table and the details
	content      fyne.CanvasObject
}

// New builds the Activity screen for window win; call Reload to fill it.
func New(st Store, win fyne.Window) *Screen {
	s := &Screen{st: st, win: win, pages: map[int][]event{}, loading: map[int]bool{}, names: map[string]string{}}
	s.load, s.options, s.detail = uikit.NewLoader(&s.bg), uikit.NewLoader(&s.bg), uikit.NewLoader(&s.bg)
	s.actorSelect = widget.NewSelect(nil, s.onActor)
	s.actionSelect = widget.NewSelect(nil, s.onAction)
	uikit.SetSelectQuietly(s.actorSelect, []string{lang.L("All operators")}, lang.L("All operators"))
	uikit.SetSelectQuietly(s.actionSelect, []string{lang.L("All actions")}, lang.L("All actions"))
	s.users = newUserFilter(s)
	s.dates = newDateFilter(s)
	s.count = &widget.Label{}
	s.exportMsg = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	s.exportMsg.Hide()
	s.exportButton = &widget.Button{Text: lang.L("Export…"), Icon: theme.DocumentSaveIcon(), OnTapped: s.askExport}
	s.buildTable()
	s.empty = &widget.Label{Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord}
	s.empty.Hide()
	s.detailPane = newDetailPane()

	// Two lines that share the width, so the screen fits a window 1024 px wide.
	filters := container.NewVBox(
		container.NewGridWithColumns(3, s.actorSelect, s.actionSelect, s.users.entry),
		container.NewHBox(
			container.NewGridWrap(fyne.NewSize(170, 36), s.dates.from),
			container.NewGridWrap(fyne.NewSize(170, 36), s.dates.to),
		),
	)
	top := container.NewVBox(filters, s.dates.message, s.users.hint, s.count, s.exportMsg)
	s.detailBox = uikit.WithMinHeight(container.NewVScroll(s.detailPane.content), 190)
	s.body = container.NewBorder(top, s.detailBox, nil, nil,
		container.NewStack(s.table, container.NewCenter(uikit.WithMinHeight(s.empty, 60))))
	s.content = container.NewBorder(container.NewBorder(nil, nil, uikit.Heading(lang.L("Activity")), s.exportButton), nil, nil, nil, s.body)
	return s
}

// layoutTop lays out the screen again after a line below the filters, or the
// details, came or went.
func (s *Screen) layoutTop() { s.body.Refresh() }

// Content is the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

func (s *Screen) buildTable() {
	s.table = widget.NewTableWithHeaders(
		func() (int, int) { return s.total, len(columns) },
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(s.CellText(id.Row, id.Col))
		})
	uikit.SetHeader(s.table, headers())
	s.table.OnSelected = func(id widget.TableCellID) {
		if e := s.eventAt(id.Row); e != nil {
			s.choose(e)
		}
	}
}

// Reload reads the operators and actions offered again, counts the events and
// fetches the first page again.
func (s *Screen) Reload() {
	s.options.Start(func() func() {
		ctx := context.Background()
		actors, err := s.st.AuditActors(ctx)
		var actions []string
		if err == nil {
			actions, err = s.st.AuditActions(ctx)
		}
		var names map[string]string
		if err == nil {
			names, err = catalogNames(ctx, s.st)
		}
		return func() {
			if err != nil {
				uikit.ShowError(err, s.win)
				return
			}
			s.names = names
			s.setOptions(actors, actions)
		}
	})
	s.refresh()
}

// catalogNames maps the IDs of roles, units and groups to their names.
func catalogNames(ctx context.Context, st Store) (map[string]string, error) {
	out := map[string]string{}
	roles, err := st.Roles(ctx)
	if err != nil {
		return nil, err
	}
	units, err := st.Units(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := st.Groups(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		out[r.ID] = r.Name
	}
	for _, u := range units {
		out[u.ID] = u.Name
	}
	for _, g := range groups {
		out[g.ID] = g.Name
	}
	return out, nil
}

// setOptions offers the operators and actions, keeping the choice.
func (s *Screen) setOptions(actors, actions []string) {
	s.actors = withChoice(actors, s.q.Actor)
	s.actions = sortedActions(withChoice(actions, s.q.Action))
	set := func(sel *widget.Select, all string, values []string, label func(string) string, chosen string) {
		opts, current := []string{all}, all
		for _, v := range values {
			opts = append(opts, label(v))
			if v == chosen {
				current = label(v)
			}
		}
		uikit.SetSelectQuietly(sel, opts, current)
	}
	set(s.actorSelect, lang.L("All operators"), s.actors, actorLabel, s.q.Actor)
	set(s.actionSelect, lang.L("All actions"), s.actions, actionLabel, s.q.Action)
}

// withChoice is values with chosen among them (a filter stays offered while it is
// chosen, even when its last event is gone).
func withChoice(values []string, chosen string) []string {
	for _, v := range values {
		if v == chosen {
			return values
		}
	}
	if chosen == "" {
		return values
	}
	return append(values, chosen)
}

func (s *Screen) onActor(string) {
	s.q.Actor = valueAt(s.actors, s.actorSelect.SelectedIndex())
	s.refresh()
}

func (s *Screen) onAction(string) {
	s.q.Action = valueAt(s.actions, s.actionSelect.SelectedIndex())
	s.refresh()
}

// valueAt is the value behind option i of a filter whose option 0 is "All …".
func valueAt(values []string, i int) string {
	if i < 1 || i > len(values) {
		return ""
	}
	return values[i-1]
}

// filtered reports whether any filter is set.
func (s *Screen) filtered() bool {
	q := s.q
	return q.Actor != "" || q.Action != "" || q.UserID != "" || !q.From.IsZero() || !q.To.IsZero()
}

// refresh counts the events of the filters, drops every fetched page and fetches
// the first one.
func (s *Screen) refresh() {
	s.load.Next()
	s.pages, s.loading = map[int][]event{}, map[int]bool{}
	s.loadPage(0)
	q := s.q
	s.load.Go(func() func() {
		n, err := s.st.CountAuditEvents(context.Background(), q)
		return func() {
			if err != nil {
				s.count.SetText(lang.L("Could not read the activity log."))
				uikit.ShowError(err, s.win)
				return
			}
			s.total = n
			s.count.SetText(eventsText(n))
			s.showEmpty()
			s.table.Refresh()
		}
	})
}

// eventsText is "1 event", "1,234 events".
func eventsText(n int) string {
	return display.PluralOf(n, lang.L("event"), lang.L("events"))
}

// showEmpty says what to do instead of showing an empty table.
func (s *Screen) showEmpty() {
	uikit.SetEnabled(s.exportButton, s.total > 0 && !s.exporting)
	uikit.SetVisible(s.detailBox, s.total > 0)
	s.layoutTop()
	if s.total > 0 {
		s.empty.Hide()
		s.table.Show()
		return
	}
	if s.filtered() {
		s.empty.SetText(lang.L("No events match these filters. Choose All operators and All actions, or clear the user and the dates."))
	} else {
		s.empty.SetText(lang.L("No changes recorded yet. Changes appear here as you create, import and edit users."))
	}
	s.table.Hide()
	s.empty.Show()
}

// eventAt returns the event at a table row, or nil while its page loads (the load
// starts).
func (s *Screen) eventAt(row int) *event {
	page, ok := s.pages[row/pageSize]
	if !ok {
		s.loadPage(row / pageSize)
		return nil
	}
	if i := row % pageSize; i < len(page) {
		return &page[i]
	}
	return nil
}

// loadPage fetches one page and the users its events touched, off the UI
// goroutine.
func (s *Screen) loadPage(page int) {
	if s.loading[page] {
		return
	}
	s.loading[page] = true
	q := s.q
	q.Offset, q.Limit = page*pageSize, pageSize
	s.load.Go(func() func() {
		ctx := context.Background()
		events, err := s.st.AuditEvents(ctx, q)
		var users map[string]data.AuditUsers
		if err == nil {
			users, err = s.st.AuditEventUsers(ctx, events, 1)
		}
		return func() {
			if err != nil {
				uikit.ShowError(err, s.win)
				return
			}
			rows := make([]event, len(events))
			for i, e := range events {
				rows[i] = event{AuditEvent: e, users: users[e.ID]}
			}
			s.pages[page] = rows
			s.table.Refresh()
		}
	})
}

// CellText is the text of a cell; "" while its page is loading.
func (s *Screen) CellText(row, col int) string {
	e := s.eventAt(row)
	if e == nil || col < 0 || col >= len(columns) {
		return ""
	}
	return columns[col].text(e)
}

// Total is the number of events the filters match.
func (s *Screen) Total() int { return s.total }

// wait blocks until the background work has finished.
func (s *Screen) wait() { s.bg.Wait() }
