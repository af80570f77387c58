package screens

import (
	"time"

	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/screens/internal/uikit"
)

// The first option of each filter select: no filter.
const (
	allStatuses = "All statuses"
	allUnits    = "All units"
	allGroups   = "All groups"
	allRoles    = "All roles"
)

func (s *UsersScreen) buildFilters() {
	s.statusSelect = widget.NewSelect(nil, func(v string) { s.onStatus(v) })
	s.unitFilter = newFilterPicker(s.win, uikit.UnitPicker(nil), allUnits, "units", func(chosen []string) {
		s.query.UnitIDs = idsByName(s.units, chosen, func(u data.Unit) (string, string) { return u.ID, u.Name })
		s.refilter()
	})
	s.groupFilter = newFilterPicker(s.win, uikit.GroupPicker(nil), allGroups, "groups", func(chosen []string) {
		s.query.GroupIDs = idsByName(s.groups, chosen, func(g data.Group) (string, string) { return g.ID, g.Name })
		s.refilter()
	})
	s.roleSelect = widget.NewSelect(nil, func(v string) {
		s.query.RoleID = uikit.IDByName(s.roles, v, func(r data.Role) (string, string) { return r.ID, r.Name })
		s.refilter()
	})
	s.search = &widget.Entry{PlaceHolder: "Search name, email, username, ID"}
	s.search.ExtendBaseWidget(s.search)
	s.buildSearchHandler()
	s.search.OnSubmitted = func(string) { s.applySearch() }
	s.filterNote = &widget.Label{Importance: widget.LowImportance}
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
	uikit.SetCountOptions(s.statusSelect, allStatuses, data.Statuses, data.Status.Label, s.counts, s.query.Status)

	s.unitFilter.set(uikit.Names(s.units, func(u data.Unit) string { return u.Name }),
		uikit.NamesOf(s.units, s.query.UnitIDs))
	s.groupFilter.set(uikit.Names(s.groups, func(g data.Group) string { return g.Name }),
		uikit.NamesOf(s.groups, s.query.GroupIDs))
	setCatalogOptions(s.roleSelect, allRoles, s.roles, s.query.RoleID, func(r data.Role) (string, string) { return r.ID, r.Name })
	if f := s.filtered(); f != "" {
		s.filterNote.SetText("· filtered by " + f)
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
	var status, search string
	if s.query.Status != "" {
		status = "status " + s.query.Status.Label()
	}
	if s.query.Search != "" {
		search = "“" + s.query.Search + "”"
	}
	return joinNonEmpty(", ", status, s.unitFilter.describe("unit "), s.groupFilter.describe("group "), prefixed("role ", s.roleSelect.Selected, allRoles), search)
}

func prefixed(prefix, v, none string) string {
	if v == "" || v == none {
		return ""
	}
	return prefix + v
}

func (s *UsersScreen) onStatus(option string) {
	s.query.Status = ""
	for _, st := range data.Statuses {
		if option == uikit.CountOption(st.Label(), s.counts[st]) {
			s.query.Status = st
		}
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
	s.Reload()
}
