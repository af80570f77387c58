// Package screens holds Onboard's screens and dialogs, one file each. A screen is a
// struct built by a constructor from the small interface it needs; it fetches data
// off the UI goroutine and applies it with fyne.Do.
package screens

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
)

// UserSource is what the users screen reads.
type UserSource interface {
	CountUsers(ctx context.Context, q data.UserQuery, now time.Time) (int, error)
	ListUsers(ctx context.Context, q data.UserQuery, now time.Time) ([]data.UserRow, error)
	StatusCounts(ctx context.Context, now time.Time) (map[data.Status]int, error)
}

// usersPageSize is how many rows the table fetches at a time.
const usersPageSize = 200

// userColumns are the table's columns: header, width, and the cell text of a row.
var userColumns = []struct {
	title string
	width float32
	text  func(r *data.UserRow) string
}{
	{"Name", 200, func(r *data.UserRow) string { return r.FullName() }},
	{"Email", 240, func(r *data.UserRow) string { return r.Email }},
	{"Username", 170, func(r *data.UserRow) string { return r.Username }},
	{"Units", 150, func(r *data.UserRow) string { return r.Units }},
	{"Role", 110, func(r *data.UserRow) string { return r.Role }},
	{"Status", 110, func(r *data.UserRow) string { return r.Status.Label() }},
}

// UsersScreen lists the users in a virtualized table: only the visible rows have
// widgets, and rows are fetched a page at a time as they scroll into view.
type UsersScreen struct {
	src UserSource
	now func() time.Time

	total   int
	pages   map[int][]data.UserRow // page number -> rows; touched on the UI goroutine only
	loading map[int]bool
	gen     int // bumps on reload so late pages of an old reload are dropped
	bg      sync.WaitGroup

	table   *widget.Table
	summary *widget.Label
	empty   fyne.CanvasObject
	content fyne.CanvasObject
}

// NewUsersScreen builds the screen; call Reload to fill it.
func NewUsersScreen(src UserSource, now func() time.Time) *UsersScreen {
	s := &UsersScreen{src: src, now: now, pages: map[int][]data.UserRow{}, loading: map[int]bool{}}
	s.table = widget.NewTableWithHeaders(
		func() (int, int) { return s.total, len(userColumns) },
		func() fyne.CanvasObject {
			return &widget.Label{Text: "template text", Truncation: fyne.TextTruncateEllipsis}
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(s.CellText(id.Row, id.Col))
		},
	)
	s.table.ShowHeaderColumn = false
	s.table.CreateHeader = func() fyne.CanvasObject { return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}} }
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 {
			o.(*widget.Label).SetText(userColumns[id.Col].title)
		}
	}
	for i, c := range userColumns {
		s.table.SetColumnWidth(i, c.width)
	}
	s.summary = &widget.Label{Text: "Loading users…"}
	s.empty = container.NewCenter(&widget.Label{
		Text:      "No users yet.\nCreate users or import a list. To try Onboard with sample data,\nrun: onboard demo --users 200",
		Alignment: fyne.TextAlignCenter,
	})
	s.empty.Hide()
	s.content = container.NewBorder(container.NewVBox(heading("Users"), s.summary), nil, nil, nil,
		container.NewStack(s.table, s.empty))
	return s
}

// Content is the screen's root object.
func (s *UsersScreen) Content() fyne.CanvasObject { return s.content }

// Total is the number of users the table shows.
func (s *UsersScreen) Total() int { return s.total }

// EmptyShown reports whether the empty-state message is showing.
func (s *UsersScreen) EmptyShown() bool { return s.empty.Visible() }

// CellText is the text of a cell; "" while its page is loading (the load starts).
func (s *UsersScreen) CellText(row, col int) string {
	page, ok := s.pages[row/usersPageSize]
	if !ok {
		s.loadPage(row / usersPageSize)
		return ""
	}
	if i := row % usersPageSize; i < len(page) {
		return userColumns[col].text(&page[i])
	}
	return ""
}

// Reload counts the users again and drops every fetched page.
func (s *UsersScreen) Reload() {
	s.gen++
	var counts map[data.Status]int
	s.background(func() (err error) {
		counts, err = s.src.StatusCounts(context.Background(), s.now())
		return err
	}, func() {
		total := 0
		parts := make([]string, 0, len(data.Statuses))
		for _, st := range data.Statuses {
			total += counts[st]
			parts = append(parts, fmt.Sprintf("%s %s", st.Label(), formatCount(counts[st])))
		}
		s.total = total
		s.pages, s.loading = map[int][]data.UserRow{}, map[int]bool{}
		s.summary.SetText(fmt.Sprintf("All %s · %s", formatCount(total), strings.Join(parts, " · ")))
		if total == 0 {
			s.table.Hide()
			s.empty.Show()
		} else {
			s.empty.Hide()
			s.table.Show()
		}
		s.table.Refresh()
	})
}

// loadPage fetches one page off the UI goroutine.
func (s *UsersScreen) loadPage(page int) {
	if s.loading[page] {
		return
	}
	s.loading[page] = true
	var rows []data.UserRow
	s.background(func() (err error) {
		rows, err = s.src.ListUsers(context.Background(),
			data.UserQuery{Offset: page * usersPageSize, Limit: usersPageSize}, s.now())
		return err
	}, func() {
		s.pages[page] = rows
		s.table.Refresh()
	})
}

// background runs load off the UI goroutine, then apply on it, unless a reload
// started in between; a failed load shows in the summary line instead.
func (s *UsersScreen) background(load func() error, apply func()) {
	gen := s.gen
	s.bg.Go(func() {
		err := load()
		onUI(func() {
			switch {
			case gen != s.gen:
			case err != nil:
				s.summary.SetText("Could not read the users: " + err.Error())
			default:
				apply()
			}
		})
	})
}

// wait blocks until the background loads started so far have finished.
func (s *UsersScreen) wait() { s.bg.Wait() }

// formatCount writes n with thousands separators: 100000 -> "100,000".
func formatCount(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
