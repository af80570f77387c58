package screens

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/screens/internal/uikit"
)

func (s *UsersScreen) buildFilters() {
	s.statusSelect = widget.NewSelect(nil, func(v string) { s.onStatus(v) })
	s.unitFilter = newFilterPicker(s.win, uikit.UnitPicker(nil), lang.L("All units"), lang.L("units"), func(chosen []string) {
		s.query.UnitIDs = idsByName(s.units, chosen, func(u data.Unit) (string, string) { return u.ID, u.Name })
		s.refilter()
	})
	s.groupFilter = newFilterPicker(s.win, uikit.GroupPicker(nil), lang.L("All groups"), lang.L("groups"), func(chosen []string) {
		s.query.GroupIDs = idsByName(s.groups, chosen, func(g data.Group) (string, string) { return g.ID, g.Name })
		s.refilter()
	})
	s.roleSelect = widget.NewSelect(nil, func(v string) {
		s.query.RoleID = uikit.IDByName(s.roles, v, func(r data.Role) (string, string) { return r.ID, r.Name })
		s.refilter()
	})
	// Escape leaves the search box: Ctrl+A then selects the users, not the text.
	s.search = newEscEntry(false, func() { s.win.Canvas().Unfocus() })
	s.search.PlaceHolder = lang.L("Search name, email, username, ID")
	s.buildSearchHandler()
	s.search.OnSubmitted = func(string) { s.applySearch() }
	s.filterNote = &widget.Label{Importance: widget.LowImportance}
	s.buildLetterFilter()
}

// applySearch filters by the search box's text.
func (s *UsersScreen) applySearch() {
	if s.search.Text == s.query.Search {
		return
	}
	s.query.Search = s.search.Text
	s.refilter()
}

// refreshFilters rebuilds the filter options from the counts and the catalog,
// keeping the current choices.
func (s *UsersScreen) refreshFilters() {
	// The first option is every status, then data.Statuses in order (onStatus).
	uikit.SetCountOptions(s.statusSelect, lang.L("All statuses"), data.Statuses, statusLabel, s.counts, s.query.Status)

	s.unitFilter.set(uikit.Names(s.units, func(u data.Unit) string { return u.Name }),
		uikit.NamesOf(s.units, s.query.UnitIDs))
	s.groupFilter.set(uikit.Names(s.groups, func(g data.Group) string { return g.Name }),
		uikit.NamesOf(s.groups, s.query.GroupIDs))
	setCatalogOptions(s.roleSelect, lang.L("All roles"), s.roles, s.query.RoleID, func(r data.Role) (string, string) { return r.ID, r.Name })
	s.refreshLetterFilter()
	if f := s.filtered(); f != "" {
		s.filterNote.SetText(fmt.Sprintf(lang.L("· filtered by %s"), f))
	} else {
		s.filterNote.SetText("")
	}
}

// setCatalogOptions offers "All …" and every entry of list, choosing the one with
// currentID.
func setCatalogOptions[T any](sel *widget.Select, none string, list []T, currentID string, idAndName func(T) (string, string)) {
	opts, cur := []string{none}, none
	for _, x := range list {
		id, name := idAndName(x)
		opts = append(opts, name)
		if id == currentID {
			cur = name
		}
	}
	uikit.SetSelectQuietly(sel, opts, cur)
}

// idsByName returns the IDs of the entries of list with the given names.
func idsByName[T any](list []T, chosen []string, idAndName func(T) (string, string)) []string {
	var out []string
	for _, n := range chosen {
		if id := uikit.IDByName(list, n, idAndName); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// filtered describes the active filters, "" when there are none.
func (s *UsersScreen) filtered() string {
	var status, role, search string
	if s.query.Status != "" {
		status = fmt.Sprintf(lang.L("status %s"), statusLabel(s.query.Status))
	}
	if s.roleSelect.SelectedIndex() > 0 { // the first option is every role
		role = fmt.Sprintf(lang.L("role %s"), s.roleSelect.Selected)
	}
	if s.query.Search != "" {
		search = fmt.Sprintf(lang.L("“%s”"), s.query.Search)
	}
	expiring := ""
	if s.query.ExpiringBefore != nil {
		expiring = fmt.Sprintf(lang.L("keys running out in the next %d days"), radarDays)
	}
	return joinNonEmpty(", ", status, describeFilter(s.unitFilter, lang.L("unit %s")),
		describeFilter(s.groupFilter, lang.L("group %s")), role, s.letterFiltered(), search, expiring)
}

// describeFilter is a unit or group filter for "filtered by …": "" when it holds
// nothing, one (a format such as "unit %s") with the name when it holds one, else
// the count ("3 units").
func describeFilter(f *filterPicker, one string) string {
	if chosen := f.pick.Selected(); len(chosen) == 1 {
		return fmt.Sprintf(one, chosen[0])
	}
	return f.describe("")
}

// onStatus filters by the status chosen: the options are every status, then
// data.Statuses in order.
func (s *UsersScreen) onStatus(string) {
	s.query.Status = ""
	if i := s.statusSelect.SelectedIndex(); i > 0 && i <= len(data.Statuses) {
		s.query.Status = data.Statuses[i-1]
	}
	s.refilter()
}

// SetStatusFilter shows only users of status st ("" for all).
func (s *UsersScreen) SetStatusFilter(st data.Status) {
	s.query.Status = st
	s.refilter()
}

// SetUnitFilter shows only the users of one unit ("" for all), e.g. from the units screen.
func (s *UsersScreen) SetUnitFilter(unitID string) {
	s.query.UnitIDs = nil
	if unitID != "" {
		s.query.UnitIDs = []string{unitID}
	}
	s.refilter()
}

// ClearFilters shows every user again.
func (s *UsersScreen) ClearFilters() {
	sort, desc := s.query.Sort, s.query.Desc
	s.query = data.UserQuery{Sort: sort, Desc: desc}
	s.search.OnChanged, s.search.Text = nil, ""
	s.search.Refresh()
	s.buildSearchHandler()
	s.refilter()
}

// buildSearchHandler (re)installs the debounced search callback.
func (s *UsersScreen) buildSearchHandler() {
	s.search.OnChanged = func(string) {
		if s.searchTimer != nil {
			s.searchTimer.Stop()
		}
		s.searchTimer = time.AfterFunc(searchDelay, func() { uikit.OnUI(s.applySearch) })
	}
}

// FocusSearch puts the cursor into the search box.
func (s *UsersScreen) FocusSearch() { s.win.Canvas().Focus(s.search) }

// refilter shows what the changed filter matches. The selection is cleared: a bulk
// action must never reach users the admin can no longer see.
func (s *UsersScreen) refilter() {
	s.selected = map[string]bool{}
	s.anchor = -1
	s.reload(false)
}
