// Package screens holds Onboard's screens and dialogs, one file each. A screen is a
// struct built by a constructor from the small interface it needs; it fetches data
// off the UI goroutine and applies it through uikit.OnUI.
package screens

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// UserSource is what the users screen reads.
type UserSource interface {
	Catalog
	CountByStatus(ctx context.Context, q data.UserQuery, now time.Time) (map[data.Status]int, error)
	ExpiringByUnit(ctx context.Context, now, until time.Time) ([]data.CatalogCount, error)
	CountUsers(ctx context.Context, q data.UserQuery, now time.Time) (int, error)
	ListUsers(ctx context.Context, q data.UserQuery, now time.Time) ([]data.UserRow, error)
	SortedRowIDs(ctx context.Context, q data.UserQuery, now time.Time) ([]int64, error)
	UsersAt(ctx context.Context, rowids []int64, now time.Time) ([]data.UserRow, error)
	UserIDs(ctx context.Context, q data.UserQuery, now time.Time) ([]string, error)
	UserByID(ctx context.Context, id string) (*data.User, error)
	UserUnitIDs(ctx context.Context, userID string) ([]string, error)
	UserGroupIDs(ctx context.Context, userID string) ([]string, error)
	LiveKey(ctx context.Context, userID string) (*data.PersonalKey, error)
	History(ctx context.Context, entityID string) ([]data.AuditEvent, error)
	SyncProblems(ctx context.Context) ([]data.SyncProblem, error)
}

// UserActions is what the users screen changes.
type UserActions interface {
	UserEditor
	Now() time.Time
	PlanBulk(ctx context.Context, ids []string, a lifecycle.Action) (*lifecycle.BulkPlan, error)
	RunBulk(ctx context.Context, ids []string, op lifecycle.BulkOp, progress func(done, total int)) (*lifecycle.BulkResult, error)
	ResendInvitation(ctx context.Context, id string, opt lifecycle.ResendOptions) (*lifecycle.Invitation, error)
	CancelInvitation(ctx context.Context, id string) (*data.User, error)
	NewKey(ctx context.Context, id string, validDays int) (*lifecycle.Invitation, error)
	ValidDays(ctx context.Context, days int) (int, error)
	ExtendValidity(ctx context.Context, id string, validDays int) (*data.User, error)
	Deactivate(ctx context.Context, id string) (*data.User, error)
	Reactivate(ctx context.Context, id string) (*data.User, error)
	Delete(ctx context.Context, id string) error
	MarkHandedOut(ctx context.Context, ids []string) (lifecycle.HandOutResult, error)
	HandOutByScan(ctx context.Context, text string) (*lifecycle.HandOut, error)
}

// usersPageSize is how many rows the table fetches at a time.
const usersPageSize = 200

// searchDelay is how long the search waits after typing.
const searchDelay = 250 * time.Millisecond

// Table columns (indexes into userColumns): the select box, the name, the status,
// the row menu.
const (
	colSelect = 0
	colName   = 1
	colStatus = 7
	colMenu   = 10
)

// userColumn is a column of the users table.
type userColumn struct {
	title string  // English, translated where shown
	width float32 // preferred width
	min   float32 // the narrowest it gets
	rank  int     // 0: always shown; else the lower, the longer it stays as the table narrows
	grow  float32 // share of the width left once every column has its preferred width
	sort  data.SortColumn
	text  func(r *data.UserRow) string
}

// userColumns are the table's columns: the select box, the data columns, the row
// menu. The select box, Name, Status and the row menu always show; the others
// narrow, then go, as the table narrows (fitColumns).
var userColumns = []userColumn{
	{"", 40, 40, 0, 0, "", nil},
	{resources.Mark("Name"), 200, 140, 0, 3, data.SortName, func(r *data.UserRow) string { return r.FullName() }},
	{resources.Mark("Email"), 240, 160, 1, 3, data.SortEmail, func(r *data.UserRow) string { return r.Email }},
	{resources.Mark("Username"), 160, 100, 5, 1, data.SortUsername, func(r *data.UserRow) string { return r.Username }},
	{resources.Mark("Units"), 140, 90, 2, 2, data.SortUnits, func(r *data.UserRow) string { return r.Units }},
	{resources.Mark("Groups"), 140, 90, 6, 2, data.SortGroups, func(r *data.UserRow) string { return r.Groups }},
	{resources.Mark("Role"), 110, 80, 3, 1, data.SortRole, func(r *data.UserRow) string { return r.Role }},
	{resources.Mark("Status"), 170, 160, 0, 0, data.SortStatus, statusText},
	{resources.Mark("Valid until"), 150, 140, 4, 0, data.SortValidUntil, func(r *data.UserRow) string { return display.Time(r.KeyExpiresAt) }},
	{resources.Mark("External ID"), 110, 90, 7, 1, data.SortExternalID, func(r *data.UserRow) string { return r.ExternalID }},
	{"", 44, 44, 0, 0, "", nil},
}

// mailFailed reports a user still to register whose invitation mail failed.
func mailFailed(r *data.UserRow) bool {
	return r.MailState == data.MailFailed && r.Status != data.StatusActive && r.Status != data.StatusDeactivated
}

// statusLabels are the users' statuses as the window shows them, translated where
// shown (data.Status.Label says the same in English for the command line, the
// activity log and the data).
var statusLabels = map[data.Status]string{
	data.StatusNotActivated: resources.Mark("Not activated"),
	data.StatusInvited:      resources.Mark("Invited"),
	data.StatusExpired:      resources.Mark("Expired"),
	data.StatusActive:       resources.Mark("Active"),
	data.StatusDeactivated:  resources.Mark("Deactivated"),
}

// statusLabel is a status in the window's language.
func statusLabel(st data.Status) string {
	if l, ok := statusLabels[st]; ok {
		return lang.L(l)
	}
	return st.Label()
}

// statusText is a user's status as the table shows it: "Invited · mail failed"
// when the invitation mail could not be delivered.
func statusText(r *data.UserRow) string {
	if mailFailed(r) {
		return fmt.Sprintf(lang.L("%s · mail failed"), statusLabel(r.Status))
	}
	return statusLabel(r.Status)
}

// UsersScreen lists the users in a virtualized table (only visible rows have
// widgets, rows are fetched a page at a time), with filters, selection, bulk and
// row actions, and the selected user's details.
type UsersScreen struct {
	src UserSource
	act UserActions
	win fyne.Window

	query   data.UserQuery // the filter and sort; Offset and Limit unused
	total   int
	counts  map[data.Status]int
	pages   map[int][]data.UserRow // page number -> rows; UI goroutine only
	loading map[int]bool
	// order is every matching user's rowid in the sort order no index holds
	// (data.UserQuery.SortIndexed), read once per reload; nil while it is read.
	order []int64
	loads *uikit.Loader // a reload makes the late pages and counts of an older one stale
	bg    sync.WaitGroup

	selected map[string]bool
	anchor   int // the row last ticked, for shift-click ranges; -1 for none

	roles  []data.Role
	units  []data.Unit
	groups []data.Group

	table        *deleteKeyTable
	cols         []int // the columns shown, indexes into userColumns (fitTable)
	highlight    int   // the table row highlighted (selected in the table), -1 for none
	quiet        bool  // set while the screen selects a table row itself
	reselect     bool  // a reload is under way: highlight the detail pane's user again once found
	summary      *widget.Label
	filterNote   *widget.Label
	statusSelect *widget.Select
	unitFilter   *filterPicker
	groupFilter  *filterPicker
	roleSelect   *widget.Select
	letterSelect *widget.Select
	search       *escEntry
	searchTimer  *time.Timer
	selLabel     *widget.Label
	selectAll    *widget.Button
	bulkBar      *fyne.Container
	bulk         *overflowBar
	empty        *widget.Label
	detail       *userDetail
	content      fyne.CanvasObject

	perms     Permissions
	newUser   *uikit.Permitted // "New user": add-users
	importBtn *uikit.Permitted // "Import…": bulk-invite
	inviteBtn *uikit.Permitted // "Invite by email…": bulk-invite
	permNote  *widget.Label
	centre    *fyne.Container // the table with its bars; laid out again when the note shows

	lastForm    *UserForm      // the last edit form opened
	lastDays    *widget.Entry  // the days of the last "Extend validity" question (tests type into it)
	lastHandOut *handOutDialog // the last scanning dialog opened
	radar       radar          // whose keys run out soon
	// OnFirstPage, if set, is called once, when the first rows are on screen.
	OnFirstPage func()
	// OnImport and OnInviteEmails, if set, open the import wizard and the
	// invite-by-email dialog (the window owns both).
	OnImport, OnInviteEmails func()
	// Settings, if set, are checked before invitations are resent: a missing
	// organization name is asked for, a missing mail server said.
	Settings settings.Store
	// OnSetUpMail, if set, opens the mail server settings (offered when none is set).
	OnSetUpMail func()
	// OnPrintLetters, if set, opens the print dialog for registration letters of
	// the users ids (the window owns it).
	OnPrintLetters func(ids []string)
	// OnMailQueued, if set, is called after invitation mail was queued (the window
	// wakes the sender).
	OnMailQueued func()
	// OnChanged, if set, is called after users were created, changed or deleted
	// here (the window syncs them soon).
	OnChanged func()
	// LastResult is the outcome of the last bulk action.
	LastResult *lifecycle.BulkResult
}

// NewUsersScreen builds the screen for window win; call Reload to fill it.
func NewUsersScreen(src UserSource, act UserActions, win fyne.Window) *UsersScreen {
	s := &UsersScreen{
		src: src, act: act, win: win, pages: map[int][]data.UserRow{}, loading: map[int]bool{},
		selected: map[string]bool{}, anchor: -1, counts: map[data.Status]int{}, highlight: -1,
	}
	for i := range userColumns {
		s.cols = append(s.cols, i)
	}
	s.loads = uikit.NewLoader(&s.bg)
	s.buildTable()
	s.buildFilters()
	s.buildBulkBar()
	s.buildRadar()
	s.detail = newUserDetail(s)
	s.summary = &widget.Label{Text: lang.L("Loading users…")}
	s.empty = &widget.Label{Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord}
	s.empty.Hide()
	call := func(f *func()) func() {
		return func() {
			if *f != nil && !uikit.Refused(s.perms, syncapi.PermBulkInvite, lang.L("Bulk invite"), s.win) {
				(*f)()
			}
		}
	}
	s.newUser = uikit.NewPermitted(syncapi.PermAddUsers,
		&widget.Button{Text: lang.L("New user"), Importance: widget.HighImportance, OnTapped: func() { s.NewUser("") }})
	s.importBtn = uikit.NewPermitted(syncapi.PermBulkInvite, &widget.Button{Text: lang.L("Import…"), OnTapped: call(&s.OnImport)})
	s.inviteBtn = uikit.NewPermitted(syncapi.PermBulkInvite, &widget.Button{Text: lang.L("Invite by email…"), OnTapped: call(&s.OnInviteEmails)})
	s.permNote = uikit.HintLabel()
	// Letters handed out in class are scanned in here (the scanning dialog).
	handOut := &widget.Button{Text: lang.L("Hand out…"), OnTapped: s.ShowHandOut}
	// The filters wrap to a second line in a narrow window; the search box takes
	// the rest of its line.
	filters := &fyne.Container{Layout: &flowLayout{widths: []float32{200, 150, 150, 150, 200}, fillMin: 220}, Objects: []fyne.CanvasObject{
		s.statusSelect, s.unitFilter.button, s.groupFilter.button, s.roleSelect, s.letterSelect,
		&widget.Button{Text: lang.L("Clear filters"), OnTapped: s.ClearFilters}, s.search,
	}}
	middle := container.NewStack(&fyne.Container{Layout: &tableFit{s: s}, Objects: []fyne.CanvasObject{s.table}},
		container.NewVBox(layout.NewSpacer(), s.empty, layout.NewSpacer()))
	s.centre = &fyne.Container{Layout: &stackLayout{fill: middle}, Objects: []fyne.CanvasObject{
		container.NewBorder(nil, nil, uikit.Heading(lang.L("Users")), container.NewHBox(s.importBtn.Tip, s.inviteBtn.Tip, s.newUser.Tip), nil),
		s.permNote,
		s.radar.box,
		filters,
		container.NewBorder(nil, nil, s.summary, handOut, s.filterNote),
		middle,
		widget.NewSeparator(),
		s.bulkBar,
	}}
	// The admin can drag the divider; the detail pane keeps at least the width of
	// the personal key.
	split := container.NewHSplit(s.centre, s.detail.content)
	split.Offset = 0.75
	s.content = split
	return s
}

// Content is the screen's root object.
func (s *UsersScreen) Content() fyne.CanvasObject { return s.content }

// SetPermissions enables the actions the operator may take and disables the
// others, with a tooltip and a note saying why.
func (s *UsersScreen) SetPermissions(p Permissions) {
	s.perms = p
	for _, g := range []*uikit.Permitted{s.importBtn, s.inviteBtn, s.newUser} {
		g.Apply(p)
	}
	uikit.SetHint(s.permNote, uikit.PermissionHint(p, s.importBtn, s.inviteBtn, s.newUser), s.centre)
}

// NewUserAllowed reports whether "New user" is enabled, and its tooltip.
func (s *UsersScreen) NewUserAllowed() (bool, string) {
	return !s.newUser.Button.Disabled(), s.newUser.Tip.Text()
}

// changed tells the window that users changed here.
func (s *UsersScreen) changed() {
	if s.OnChanged != nil {
		s.OnChanged()
	}
}

// Total is the number of users the filter matches.
func (s *UsersScreen) Total() int { return s.total }

// EmptyShown reports whether the empty-state message is showing.
func (s *UsersScreen) EmptyShown() bool { return s.empty.Visible() }

// Selected returns the number of selected users.
func (s *UsersScreen) Selected() int { return len(s.selected) }

func (s *UsersScreen) buildTable() {
	deleteSelection := func() { s.Bulk(lifecycle.ActionDelete) }
	t := &deleteKeyTable{onDelete: deleteSelection}
	t.Length = func() (int, int) { return s.total, len(s.cols) }
	t.CreateCell = func() fyne.CanvasObject {
		box := &deleteKeyCheck{onDelete: deleteSelection}
		box.ExtendBaseWidget(box)
		return container.NewStack(box,
			&widget.Label{Text: "template text", Truncation: fyne.TextTruncateEllipsis},
			&widget.Button{Text: "⋯", Importance: widget.LowImportance})
	}
	t.UpdateCell = s.updateCell
	t.ShowHeaderRow = true
	t.ExtendBaseWidget(t)
	s.table = t
	s.table.CreateHeader = func() fyne.CanvasObject {
		return &widget.Button{Alignment: widget.ButtonAlignLeading, Importance: widget.LowImportance}
	}
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		if id.Row >= 0 || id.Col < 0 || id.Col >= len(s.cols) {
			return
		}
		col := s.cols[id.Col]
		b.SetText(s.headerText(col))
		b.OnTapped = func() { s.SortBy(col) }
	}
	for i, c := range userColumns {
		s.table.SetColumnWidth(i, c.width)
	}
	s.table.OnSelected = func(id widget.TableCellID) {
		s.highlight = id.Row
		if s.quiet {
			return
		}
		s.reselect = false // the admin chose
		if r := s.row(id.Row); r != nil && s.column(id.Col) != colSelect && s.column(id.Col) != colMenu {
			s.detail.show(r.ID)
		}
	}
	s.table.OnUnselected = func(widget.TableCellID) { s.highlight = -1 }
}

// column is the userColumns index of table column col.
func (s *UsersScreen) column(col int) int {
	if col < 0 || col >= len(s.cols) {
		return -1
	}
	return s.cols[col]
}

// deleteKeyTable is the users table; Delete pressed while it has the focus deletes
// the selection (after asking).
type deleteKeyTable struct {
	widget.Table
	onDelete func()
}

// TypedKey handles Delete and leaves every other key to the table.
func (t *deleteKeyTable) TypedKey(k *fyne.KeyEvent) { deleteOr(k, t.onDelete, t.Table.TypedKey) }

// deleteKeyCheck is a row's selection box; Delete pressed in it deletes the
// selection (after asking), as in the table.
type deleteKeyCheck struct {
	widget.Check
	onDelete func()
}

// TypedKey handles Delete and leaves every other key to the check box.
func (c *deleteKeyCheck) TypedKey(k *fyne.KeyEvent) { deleteOr(k, c.onDelete, c.Check.TypedKey) }

// deleteOr calls onDelete for the Delete key and hands every other key to other.
func deleteOr(k *fyne.KeyEvent, onDelete func(), other func(*fyne.KeyEvent)) {
	if k.Name == fyne.KeyDelete {
		onDelete()
		return
	}
	other(k)
}

// headerText is a column's title with the sort indicator.
func (s *UsersScreen) headerText(col int) string {
	c := userColumns[col]
	if c.sort == "" {
		return ""
	}
	sort := s.query.Sort
	if sort == "" {
		sort = data.SortName
	}
	title := lang.L(c.title)
	if sort != c.sort {
		return title
	}
	if s.query.Desc {
		return title + " ▼"
	}
	return title + " ▲"
}

// SortBy sorts by a column; a second click on the same column reverses the order.
func (s *UsersScreen) SortBy(col int) {
	c := userColumns[col]
	if c.sort == "" {
		return
	}
	cur := s.query.Sort
	if cur == "" {
		cur = data.SortName
	}
	if cur == c.sort {
		s.query.Desc = !s.query.Desc
	} else {
		s.query.Sort, s.query.Desc = c.sort, false
	}
	s.Reload()
}

func (s *UsersScreen) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	objs := o.(*fyne.Container).Objects
	check, label, menu := objs[0].(*deleteKeyCheck), objs[1].(*widget.Label), objs[2].(*widget.Button)
	r := s.row(id.Row)
	check.Hide()
	label.Hide()
	menu.Hide()
	col := s.column(id.Col)
	if col < 0 {
		return
	}
	switch col {
	case colSelect:
		check.OnChanged = nil
		check.SetChecked(r != nil && s.selected[r.ID])
		row := id.Row
		check.OnChanged = func(on bool) { s.tick(row, on, shiftHeld()) }
		check.Show()
	case colMenu:
		row := id.Row
		menu.OnTapped = func() { s.showRowMenu(row, menu) }
		menu.Show()
	default:
		text := ""
		label.Importance = widget.MediumImportance
		if r != nil {
			text = userColumns[col].text(r)
			if col == colStatus && mailFailed(r) {
				label.Importance = widget.DangerImportance
			}
		}
		label.SetText(text)
		label.Show()
	}
}

// row returns the user at a table row, or nil while its page loads (the load starts).
func (s *UsersScreen) row(row int) *data.UserRow {
	page, ok := s.pages[row/usersPageSize]
	if !ok {
		s.loadPage(row / usersPageSize)
		return nil
	}
	if i := row % usersPageSize; i < len(page) {
		return &page[i]
	}
	return nil
}

// CellText is the text of a data cell; "" while its page is loading.
func (s *UsersScreen) CellText(row, col int) string {
	r := s.row(row)
	if r == nil || userColumns[col].text == nil {
		return ""
	}
	return userColumns[col].text(r)
}

// Reload counts the users again, drops every fetched page and refreshes the table
// and the expiry radar. The selection keeps only the users the filter still
// matches; the table highlights the detail pane's user again once its row is
// loaded.
func (s *UsersScreen) Reload() { s.reload(true) }

// reload is Reload; the radar is read again only with withRadar (a change of the
// filter, a search being typed, does not change it).
func (s *UsersScreen) reload(withRadar bool) {
	s.loads.Next()
	q := s.query
	now := s.act.Now()
	var counts map[data.Status]int
	var total int
	var roles []data.Role
	var units []data.Unit
	var groups []data.Group
	var matching []string
	var expiring []data.CatalogCount
	var expiringTotal int
	pruneSelection := len(s.selected) > 0
	s.pages, s.loading, s.order = map[int][]data.UserRow{}, map[int]bool{}, nil
	s.reselect = true
	if q.SortIndexed() {
		s.loadPage(0) // beside the counts, on another connection
	} else {
		s.sortOnce(q, now)
	}
	s.background(func() error {
		ctx := context.Background()
		var err error
		if counts, err = s.src.CountByStatus(ctx, q, now); err != nil {
			return err
		}
		if pruneSelection {
			if matching, err = s.src.UserIDs(ctx, q, now); err != nil {
				return err
			}
		}
		for st, n := range counts {
			if q.Status == "" || q.Status == st {
				total += n
			}
		}
		if roles, err = s.src.Roles(ctx); err != nil {
			return err
		}
		if units, err = s.src.Units(ctx); err != nil {
			return err
		}
		if groups, err = s.src.Groups(ctx); err != nil || !withRadar {
			return err
		}
		until := radarUntil(now)
		if expiringTotal, err = s.src.CountUsers(ctx, data.UserQuery{ExpiringBefore: &until}, now); err != nil {
			return err
		}
		expiring, err = s.src.ExpiringByUnit(ctx, now, until)
		return err
	}, func() {
		if withRadar {
			s.radar.total, s.radar.units = expiringTotal, expiring
		}
		s.showRadar()
		s.counts, s.total = counts, total
		s.roles, s.units, s.groups = roles, units, groups
		if pruneSelection {
			s.keepSelected(matching)
		}
		s.refreshFilters()
		s.summary.SetText(s.sortingText(usersText(total)))
		s.showEmpty()
		s.updateSelection()
		s.table.Refresh()
		s.detail.refresh()
		s.syncHighlight()
	})
}

// keepSelected drops from the selection every user not in ids (the users the
// filter matches now): a bulk action must never reach users the admin no longer
// sees, also after a change moved them out of the filter.
func (s *UsersScreen) keepSelected(ids []string) {
	shown := make(map[string]bool, len(ids))
	for _, id := range ids {
		shown[id] = true
	}
	for id := range s.selected {
		if !shown[id] {
			delete(s.selected, id)
		}
	}
	if s.anchor >= s.total {
		s.anchor = -1
	}
}

// syncHighlight keeps the table's highlighted row on the user the detail pane
// shows: after a reload that user may sit on another row, or be gone. Once the
// user's row is loaded it is highlighted (and scrolled to); a highlighted row
// that holds someone else loses its highlight.
func (s *UsersScreen) syncHighlight() {
	id := s.detail.id
	if id == "" {
		s.reselect = false
		s.table.UnselectAll()
		return
	}
	if !s.reselect {
		return
	}
	for p, rows := range s.pages {
		for i := range rows {
			if rows[i].ID != id {
				continue
			}
			row := p*usersPageSize + i
			if row != s.highlight {
				s.quiet = true
				s.table.Select(widget.TableCellID{Row: row, Col: colName})
				s.quiet = false
			}
			s.reselect = s.highlight != row // the table is not that long yet: again once the counts are in
			return
		}
	}
	if s.highlight >= 0 {
		if page, ok := s.pages[s.highlight/usersPageSize]; ok {
			if i := s.highlight % usersPageSize; i >= len(page) || page[i].ID != id {
				s.table.UnselectAll()
			}
		}
	}
}

// showEmpty shows the empty-state text when nothing matches.
func (s *UsersScreen) showEmpty() {
	all := 0
	for _, n := range s.counts {
		all += n
	}
	switch {
	case s.total > 0:
		s.empty.Hide()
		s.table.Show()
		return
	case all == 0 && s.filtered() == "" && len(s.roles) == 0:
		s.empty.SetText(lang.L("No users yet, and no roles: every user needs one.\nCreate roles in Roles and permissions, or start with a school's or a company's roles:\nSettings → Set up the organization."))
	case all == 0 && s.filtered() == "":
		s.empty.SetText(lang.L("No users yet.\nCreate users with New user or import a list. To try Onboard with sample data,\nrun: onboard demo --users 200"))
	default:
		s.empty.SetText(lang.L("No users match this filter."))
	}
	s.table.Hide()
	s.empty.Show()
}

// bigSort is how many users make the screen say that sorting them takes a moment.
const bigSort = 100_000

// sortOnce reads the order of every user q selects, for a sort no index holds,
// and then the first page; the summary says so when there are many.
func (s *UsersScreen) sortOnce(q data.UserQuery, now time.Time) {
	var order []int64
	s.summary.SetText(s.sortingText(s.summary.Text))
	s.background(func() (err error) {
		order, err = s.src.SortedRowIDs(context.Background(), q, now)
		return err
	}, func() {
		noted := s.sorting()
		s.order = order
		if noted {
			s.summary.SetText(usersText(s.total))
		}
		s.loadPage(0)
	})
}

// sorting reports whether the order of many users is being read, which the
// summary then says.
func (s *UsersScreen) sorting() bool {
	return s.order == nil && !s.query.SortIndexed() && s.total >= bigSort
}

// sortingText is "Sorting 1,000,000 users takes a moment…" while the order of many
// users is read, else text.
func (s *UsersScreen) sortingText(text string) string {
	if !s.sorting() {
		return text
	}
	return fmt.Sprintf(lang.L("Sorting %s takes a moment…"), usersText(s.total))
}

// rowsAt reads count users of the list from position from: through the order read
// by sortOnce, or as q pages them.
func (s *UsersScreen) rowsAt(q data.UserQuery, from, count int, now time.Time) (func() ([]data.UserRow, error), bool) {
	if q.SortIndexed() {
		q.Offset, q.Limit = from, count
		return func() ([]data.UserRow, error) { return s.src.ListUsers(context.Background(), q, now) }, true
	}
	if s.order == nil {
		return nil, false // the order is still being read; its arrival loads the page
	}
	ids := s.order[min(from, len(s.order)):min(from+count, len(s.order))]
	return func() ([]data.UserRow, error) { return s.src.UsersAt(context.Background(), ids, now) }, true
}

// loadPage fetches one page off the UI goroutine.
func (s *UsersScreen) loadPage(page int) {
	if s.loading[page] {
		return
	}
	read, ok := s.rowsAt(s.query, page*usersPageSize, usersPageSize, s.act.Now())
	if !ok {
		return
	}
	s.loading[page] = true
	var rows []data.UserRow
	s.background(func() (err error) {
		rows, err = read()
		return err
	}, func() {
		s.pages[page] = rows
		s.table.Refresh()
		s.syncHighlight()
		if page == 0 && len(rows) > 0 && s.OnFirstPage != nil {
			s.OnFirstPage()
			s.OnFirstPage = nil
		}
	})
}

// background runs load off the UI goroutine, then apply on it, unless a reload
// started in between; a failed load shows as an error dialog.
func (s *UsersScreen) background(load func() error, apply func()) {
	s.loads.Go(func() func() {
		err := load()
		return func() {
			if err != nil {
				s.summary.SetText(lang.L("Could not read the users."))
				uikit.ShowError(err, s.win)
				return
			}
			apply()
		}
	})
}

// tick selects or unselects a row; with Shift held (shift), every row from the last
// ticked one.
func (s *UsersScreen) tick(row int, on, shift bool) {
	r := s.row(row)
	if r == nil {
		return
	}
	if shift && s.anchor >= 0 && s.anchor != row {
		from, to := min(s.anchor, row), max(s.anchor, row)
		read, ok := s.rowsAt(s.query, from, to-from+1, s.act.Now())
		if !ok {
			return
		}
		var rows []data.UserRow
		s.background(func() (err error) {
			rows, err = read()
			return err
		}, func() {
			for _, x := range rows {
				s.setSelected(x.ID, on)
			}
			s.updateSelection()
			s.table.Refresh()
		})
	} else {
		s.setSelected(r.ID, on)
		s.updateSelection()
	}
	s.anchor = row
}

// SelectRows selects table rows from..to (inclusive): a click on from, then a
// Shift+click on to.
func (s *UsersScreen) SelectRows(from, to int) {
	s.tick(from, true, false)
	s.tick(to, true, true)
	s.table.Refresh()
}

func (s *UsersScreen) setSelected(id string, on bool) {
	if on {
		s.selected[id] = true
	} else {
		delete(s.selected, id)
	}
}

// shiftHeld reports whether the Shift key is down.
func shiftHeld() bool {
	if a := fyne.CurrentApp(); a != nil {
		if d, ok := a.Driver().(desktop.Driver); ok {
			return d.CurrentKeyModifiers()&fyne.KeyModifierShift != 0
		}
	}
	return false
}

// SelectAllMatching selects every user the filter matches, loaded or not.
func (s *UsersScreen) SelectAllMatching() {
	q := s.query
	now := s.act.Now()
	var ids []string
	s.background(func() (err error) {
		ids, err = s.src.UserIDs(context.Background(), q, now)
		return err
	}, func() {
		for _, id := range ids {
			s.selected[id] = true
		}
		s.updateSelection()
		s.table.Refresh()
	})
}

// ClearSelection unselects everyone.
func (s *UsersScreen) ClearSelection() {
	s.selected = map[string]bool{}
	s.anchor = -1
	s.updateSelection()
	s.table.Refresh()
}

// updateSelection shows the selection count and the bulk bar.
func (s *UsersScreen) updateSelection() {
	n := len(s.selected)
	switch n {
	case 0:
		s.selLabel.SetText(lang.L("No users selected"))
	case 1:
		s.selLabel.SetText(lang.L("1 selected"))
	default:
		s.selLabel.SetText(fmt.Sprintf(lang.L("%s selected"), display.Count(n)))
	}
	s.selectAll.SetText(fmt.Sprintf(lang.L("Select all %s matching"), display.Count(s.total)))
	if s.total == 0 || n >= s.total {
		s.selectAll.Disable()
	} else {
		s.selectAll.Enable()
	}
	s.updateSelectionBar()
}

// selectedIDs lists the selected users.
func (s *UsersScreen) selectedIDs() []string {
	ids := make([]string, 0, len(s.selected))
	for id := range s.selected {
		ids = append(ids, id)
	}
	return ids
}

// wait blocks until the background loads started so far have finished.
func (s *UsersScreen) wait() { s.bg.Wait() }

// usersText is n users in the window's language: "1 user", "1,500 users".
func usersText(n int) string { return display.PluralOf(n, lang.L("user"), lang.L("users")) }

// joinNonEmpty joins the non-empty parts.
func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
