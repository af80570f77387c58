package screens

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
)

// radarDays is how far ahead the expiry radar looks: less than the keys' usual
// validity (7 days), or every key just handed out would be "running out".
const radarDays = 3

// radar is the line above the users table that says whose keys run out soon, per
// unit, with a button that shows them.
type radar struct {
	line  *widget.Label
	show  *widget.Button
	box   *fyne.Container
	total int                 // keys running out within radarDays, as last read
	units []data.CatalogCount // and their units
}

func (s *UsersScreen) buildRadar() {
	s.radar.line = &widget.Label{Truncation: fyne.TextTruncateEllipsis, Importance: widget.WarningImportance}
	s.radar.show = &widget.Button{Text: lang.L("Show them"), OnTapped: s.ShowExpiring}
	s.radar.box = container.NewBorder(nil, nil, nil, s.radar.show, s.radar.line)
	s.radar.box.Hide()
}

// radarUnits is how many units the radar's line names, those with the most keys
// running out; the rest it counts.
const radarUnits = 3

// radarText says how many keys of users still to register run out within
// radarDays, and in which units, those with the most first: "5 keys run out in the
// next 3 days: Class 5a 3, Class 6b 2." "" when none does.
func radarText(total int, units []data.CatalogCount) string {
	if total == 0 {
		return ""
	}
	units = slices.Clone(units)
	slices.SortStableFunc(units, func(a, b data.CatalogCount) int { return b.Users - a.Users })
	var parts []string
	for _, u := range units[:min(radarUnits, len(units))] {
		parts = append(parts, fmt.Sprintf("%s %s", u.Name, display.Count(u.Users)))
	}
	switch more := len(units) - radarUnits; {
	case more == 1:
		parts = append(parts, lang.L("1 more unit"))
	case more > 1:
		parts = append(parts, fmt.Sprintf(lang.L("%d more units"), more))
	}
	text := fmt.Sprintf(lang.L("%s run out in the next %d days"),
		display.PluralOf(total, lang.L("key"), lang.L("keys")), radarDays)
	if total == 1 {
		text = fmt.Sprintf(lang.L("1 key runs out in the next %d days"), radarDays)
	}
	if len(parts) > 0 {
		text += ": " + strings.Join(parts, ", ")
	}
	return text + "."
}

// showRadar shows the radar's line as last read, or hides it when no key runs out
// soon or the table shows just those keys.
func (s *UsersScreen) showRadar() {
	text := radarText(s.radar.total, s.radar.units)
	s.radar.line.SetText(text)
	if text == "" || s.query.ExpiringBefore != nil {
		s.radar.box.Hide()
	} else {
		s.radar.box.Show()
	}
}

// radarUntil is the end of the radar's window, seen at now.
func radarUntil(now time.Time) time.Time { return now.AddDate(0, 0, radarDays) }

// ShowExpiring shows only the users whose key runs out within radarDays.
func (s *UsersScreen) ShowExpiring() {
	until := radarUntil(s.act.Now())
	s.query.ExpiringBefore = &until
	s.refilter()
}
