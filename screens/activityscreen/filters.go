package activityscreen

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/screens/internal/uikit"
)

// typingPause is how long the user search and the dates wait for typing to stop.
const typingPause = 300 * time.Millisecond

// userMatches is how many users the user search offers.
const userMatches = 30

// userFilter finds a user by name, email or username: the admin types, the
// entry's list offers the matching users, and choosing one (from the list, or
// Enter for the first) filters the log by that user. Editing the text again
// drops the filter.
type userFilter struct {
	s       *Screen
	entry   *widget.SelectEntry
	hint    *widget.Label
	find    *uikit.Loader
	byLabel map[string]string // option -> user ID
	first   string            // the first option of the last search
}

func newUserFilter(s *Screen) *userFilter {
	f := &userFilter{s: s, find: uikit.NewLoader(&s.bg), byLabel: map[string]string{}}
	f.entry = widget.NewSelectEntry(nil)
	f.entry.PlaceHolder = lang.L("All users (type a name)")
	f.entry.OnChanged = f.onText
	f.entry.OnSubmitted = func(text string) {
		if _, ok := f.byLabel[strings.TrimSpace(text)]; !ok {
			f.search(text, true, 0)
		}
	}
	f.hint = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	f.hint.Hide()
	return f
}

// onText filters by the user chosen, or looks for users once typing pauses.
func (f *userFilter) onText(text string) {
	text = strings.TrimSpace(text)
	if id, ok := f.byLabel[text]; ok {
		f.find.Next()
		f.showHint("")
		f.s.setUser(id)
		return
	}
	f.s.setUser("")
	if text == "" {
		f.find.Next()
		f.showHint("")
		return
	}
	f.search(text, false, typingPause)
}

// search looks for users matching text after the pause; pick chooses the first.
func (f *userFilter) search(text string, pick bool, pause time.Duration) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	f.find.After(pause, func() func() {
		rows, err := f.s.st.ListUsers(context.Background(), data.UserQuery{Search: text, Limit: userMatches}, time.Now())
		return func() {
			if err != nil {
				uikit.ShowError(err, f.s.win)
				return
			}
			f.offer(text, rows)
			if pick && f.first != "" {
				f.entry.SetText(f.first) // chooses it through onText
			}
		}
	})
}

// offer puts the users found into the entry's list and says what to do.
func (f *userFilter) offer(text string, rows []data.UserRow) {
	f.byLabel, f.first = map[string]string{}, ""
	opts := make([]string, 0, len(rows))
	for i := range rows {
		l := userOption(&rows[i])
		if _, dup := f.byLabel[l]; dup {
			continue
		}
		f.byLabel[l] = rows[i].ID
		opts = append(opts, l)
	}
	f.entry.SetOptions(opts)
	if len(opts) > 0 {
		f.first = opts[0]
	}
	switch {
	case len(opts) == 0:
		f.showHint(fmt.Sprintf(lang.L("No user matches “%s”."), text))
	case len(opts) == 1:
		f.showHint(lang.L("1 user found: press Enter to choose it, or open the list."))
	case len(rows) >= userMatches:
		f.showHint(fmt.Sprintf(lang.L("More than %s users found: type more of the name, or choose one from the list."), display.Count(userMatches-1)))
	default:
		f.showHint(fmt.Sprintf(lang.L("%s users found: choose one from the list, or press Enter for the first."), display.Count(len(opts))))
	}
}

// showHint shows what the search found; "" hides the line.
func (f *userFilter) showHint(text string) {
	if text == f.hint.Text && f.hint.Visible() == (text != "") {
		return
	}
	f.hint.SetText(text)
	uikit.SetVisible(f.hint, text != "")
	f.s.layoutTop()
}

// userOption is a user as the search offers it: the name and the email (or the
// username), which tells two of the same name apart.
func userOption(r *data.UserRow) string {
	other := r.Email
	if other == "" {
		other = r.Username
	}
	return r.FullName() + " · " + other
}

// setUser filters by user id ("" for every user).
func (s *Screen) setUser(id string) {
	if s.q.UserID != id {
		s.q.UserID = id
		s.refresh()
	}
}

// dateFilter is the From and To entries: days as YYYY-MM-DD, both included, in
// local time. A date that is not one says so and keeps the table as it was.
type dateFilter struct {
	s        *Screen
	from, to *widget.Entry
	message  *widget.Label
	check    *uikit.Loader
}

func newDateFilter(s *Screen) *dateFilter {
	d := &dateFilter{s: s, check: uikit.NewLoader(&s.bg), message: uikit.DangerLabel()}
	d.message.Hide()
	d.from = &widget.Entry{PlaceHolder: lang.L("From YYYY-MM-DD")}
	d.to = &widget.Entry{PlaceHolder: lang.L("To YYYY-MM-DD")}
	for _, e := range []*widget.Entry{d.from, d.to} {
		e.ExtendBaseWidget(e)
		e.OnChanged = func(string) {
			d.check.After(typingPause, func() func() { return d.apply })
		}
		e.OnSubmitted = func(string) {
			d.check.Next()
			d.apply()
		}
	}
	return d
}

// apply filters by the dates entered, or says what is wrong with them.
func (d *dateFilter) apply() {
	from, errFrom := parseDay(d.from.Text)
	to, errTo := parseDay(d.to.Text)
	example := time.Now().Format(time.DateOnly)
	var problems []string
	if errFrom != nil {
		problems = append(problems, fmt.Sprintf(lang.L("From: “%s” is not a date. Write it as YYYY-MM-DD, e.g. %s."), strings.TrimSpace(d.from.Text), example))
	}
	if errTo != nil {
		problems = append(problems, fmt.Sprintf(lang.L("To: “%s” is not a date. Write it as YYYY-MM-DD, e.g. %s."), strings.TrimSpace(d.to.Text), example))
	}
	if len(problems) == 0 && !from.IsZero() && !to.IsZero() && to.Before(from) {
		problems = append(problems, lang.L("The To date is before the From date."))
	}
	d.message.SetText(strings.Join(problems, " "))
	uikit.SetVisible(d.message, len(problems) > 0)
	d.s.layoutTop()
	if len(problems) > 0 {
		return // the table keeps the last result
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1) // the whole To day
	}
	s := d.s
	if !from.Equal(s.q.From) || !to.Equal(s.q.To) {
		s.q.From, s.q.To = from, to
		s.refresh()
	}
}

// parseDay reads YYYY-MM-DD as the start of that local day; "" is no date.
func parseDay(text string) (time.Time, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(time.DateOnly, text, time.Local)
}
