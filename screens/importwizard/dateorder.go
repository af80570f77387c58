package importwizard

import (
	"errors"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/importer"
	"onboard/resources"
)

// dateOrderChoices are the answers to the date-order question, with the order
// each stands for.
var dateOrderChoices = []struct {
	order importer.DateOrder
	label string
}{
	{importer.DayFirst, resources.Mark("Day first: 3/1/2027 is 3 January 2027")},
	{importer.MonthFirst, resources.Mark("Month first: 3/1/2027 is March 1, 2027")},
}

// dateOrderQuestion asks how the dates of a column are written when its values
// do not tell (importer.ErrDateOrder); once answered it stays, to change the
// answer.
type dateOrderQuestion struct {
	w      *importWizard
	radio  *widget.RadioGroup
	labels []string
	box    *fyne.Container
}

func newDateOrderQuestion(w *importWizard) *dateOrderQuestion {
	q := &dateOrderQuestion{w: w}
	for _, c := range dateOrderChoices {
		q.labels = append(q.labels, lang.L(c.label))
	}
	q.radio = widget.NewRadioGroup(q.labels, func(s string) {
		i := slices.Index(q.labels, s)
		if i < 0 || dateOrderChoices[i].order == w.settings.DateOrder {
			return
		}
		w.settings.DateOrder = dateOrderChoices[i].order
		w.runCheck()
	})
	q.radio.Horizontal = true
	q.box = container.NewHBox(widget.NewLabel(lang.L("How are the dates written?")), q.radio)
	q.box.Hide()
	return q
}

// refresh shows the question when the check needs the answer or has one; it
// reports whether the question came or went.
func (q *dateOrderQuestion) refresh() bool {
	w := q.w
	was := q.box.Visible()
	if !errors.Is(w.checkErr, importer.ErrDateOrder) && w.settings.DateOrder == "" {
		q.box.Hide()
		return was
	}
	selected := ""
	for i, c := range dateOrderChoices {
		if c.order == w.settings.DateOrder {
			selected = q.labels[i]
		}
	}
	if q.radio.Selected != selected {
		onChanged := q.radio.OnChanged
		q.radio.OnChanged = nil
		q.radio.SetSelected(selected)
		q.radio.OnChanged = onChanged
	}
	q.box.Show()
	return !was
}
