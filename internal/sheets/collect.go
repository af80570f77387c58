package sheets

import (
	"context"
	"slices"
	"strings"
	"time"

	"onboard/data"
)

// Store is what Collect reads.
type Store interface {
	UnitCounts(ctx context.Context) ([]data.CatalogCount, error)
	EachUser(ctx context.Context, q data.UserQuery, now time.Time, fn func(*data.UserRow) error) error
}

// Collect reads the sheets of the units with the given IDs (every unit when none is
// given), in the natural order of their names, each with its users sorted by name.
// With a status only users of that status are listed; without one everyone but the
// deactivated, who no longer get a letter.
func Collect(ctx context.Context, st Store, unitIDs []string, status data.Status, now time.Time) ([]Unit, error) {
	counts, err := st.UnitCounts(ctx)
	if err != nil {
		return nil, err
	}
	var units []Unit
	for _, c := range counts {
		if len(unitIDs) > 0 && !slices.Contains(unitIDs, c.ID) {
			continue
		}
		u := Unit{Name: c.Name}
		q := data.UserQuery{UnitIDs: []string{c.ID}, Status: status}
		err := st.EachUser(ctx, q, now, func(r *data.UserRow) error {
			if status == "" && r.Status == data.StatusDeactivated {
				return nil
			}
			u.People = append(u.People, Person{Name: strings.TrimSpace(r.FirstName + " " + r.LastName), Username: r.Username, Status: r.Status})
			return nil
		})
		if err != nil {
			return nil, err
		}
		units = append(units, u)
	}
	return units, nil
}
