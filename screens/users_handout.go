package screens

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// letterOptions are the options of the letter filter, in the order of
// letterFilters: every letter first. English, translated where shown.
var letterOptions = []string{
	resources.Mark("All letters"), resources.Mark("Printed, not handed out"), resources.Mark("Handed out, not registered"),
}

// letterFilters are the filters of letterOptions.
var letterFilters = []data.LetterFilter{"", data.LetterPrintedNotHandedOut, data.LetterHandedOutNotRegistered}

// buildLetterFilter makes the select of the letter state.
func (s *UsersScreen) buildLetterFilter() {
	s.letterSelect = widget.NewSelect(nil, func(string) {
		s.query.Letter = ""
		if i := s.letterSelect.SelectedIndex(); i > 0 && i < len(letterFilters) {
			s.query.Letter = letterFilters[i]
		}
		s.refilter()
	})
	s.refreshLetterFilter()
}

// refreshLetterFilter shows the query's letter filter in the select.
func (s *UsersScreen) refreshLetterFilter() {
	opts := make([]string, len(letterOptions))
	cur := ""
	for i, o := range letterOptions {
		opts[i] = lang.L(o)
		if letterFilters[i] == s.query.Letter {
			cur = opts[i]
		}
	}
	uikit.SetSelectQuietly(s.letterSelect, opts, cur)
}

// letterFiltered describes the letter filter for "filtered by …", "" for none.
func (s *UsersScreen) letterFiltered() string {
	switch s.query.Letter {
	case data.LetterPrintedNotHandedOut:
		return lang.L("letter printed, not handed out")
	case data.LetterHandedOutNotRegistered:
		return lang.L("letter handed out, not registered")
	}
	return ""
}

// SetLetterFilter shows only the users whose letter is in state f ("" for all).
func (s *UsersScreen) SetLetterFilter(f data.LetterFilter) {
	s.query.Letter = f
	s.refilter()
}

// handOutItem is the row menu's "Mark handed out".
func (s *UsersScreen) handOutItem(r *data.UserRow) *fyne.MenuItem {
	id := r.ID
	it := fyne.NewMenuItem(lang.L("Mark handed out"), func() {
		s.runOne(lang.L("Mark handed out"), func(ctx context.Context) error {
			res, err := s.act.MarkHandedOut(ctx, []string{id})
			if err == nil && len(res.Skipped) > 0 {
				err = errors.New(uikit.SkipReason(res.Skipped[0].Reason))
			}
			return err
		})
	})
	it.Disabled = !lifecycle.Allowed(lifecycle.ActionHandOut, r.Status) || r.Key == "" || r.HandedOutAt != nil
	return it
}

// handOutDialog is the dialog of "Hand out…": each letter's QR code scanned (or
// key typed) into its entry marks the letter handed out.
type handOutDialog struct {
	entry *widget.Entry
	list  *widget.List
	count *widget.Label
	lines []string // newest first
	done  int      // letters marked handed out in this dialog
}

// ShowHandOut opens the scanning dialog.
func (s *UsersScreen) ShowHandOut() {
	h := &handOutDialog{entry: widget.NewEntry(), count: widget.NewLabel("")}
	h.entry.PlaceHolder = lang.L("Scan the QR code or type the key")
	h.list = widget.NewList(func() int { return len(h.lines) }, func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(h.lines[i]) })
	h.entry.OnSubmitted = func(text string) { s.handOutScanned(h, text) }
	h.showCount()
	body := container.NewBorder(container.NewVBox(
		widget.NewLabel(lang.L("Scan each letter as you hand it out; Enter after a typed key.")), h.entry, h.count), nil, nil, nil, h.list)
	d := dialog.NewCustom(lang.L("Hand out letters"), lang.L("Close"), body, s.win)
	d.Resize(fyne.NewSize(560, 420))
	d.SetOnClosed(s.Reload)
	s.lastHandOut = h
	d.Show()
	s.win.Canvas().Focus(h.entry)
}

// handOutScanned marks the letter of what was scanned handed out and lists the
// result; the entry empties at once for the next scan.
func (s *UsersScreen) handOutScanned(h *handOutDialog, text string) {
	h.entry.SetText("")
	if text == "" {
		return
	}
	s.bg.Go(func() {
		got, err := s.act.HandOutByScan(context.Background(), text)
		uikit.OnUI(func() {
			line := handOutLine(got, err)
			if err == nil && !got.Already {
				h.done++
				s.changed()
			}
			h.lines = append([]string{line}, h.lines...)
			h.list.Refresh()
			h.showCount()
			s.win.Canvas().Focus(h.entry)
		})
	})
}

// showCount says how many letters the dialog marked handed out.
func (h *handOutDialog) showCount() {
	h.count.SetText(fmt.Sprintf(lang.L("Handed out here: %s"), display.Count(h.done)))
}

// handOutLine is the line of the scanning list for one scan.
func handOutLine(h *lifecycle.HandOut, err error) string {
	var te *lifecycle.TransitionError
	switch {
	case err == nil:
		return h.Text()
	case errors.Is(err, lifecycle.ErrNoLetter):
		return lang.L("No letter has this key")
	case errors.As(err, &te) && te.Status == data.StatusActive:
		return fmt.Sprintf(lang.L("%s has registered already"), te.User)
	}
	return err.Error()
}
