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
	LiveKeyHandOuts(ctx context.Context, userIDs []string) (map[string]data.KeyHandOut, error)
}

// Selection says whose sheets Collect reads.
type Selection struct {
	UnitIDs []string    // these units; none: every unit
	UserIDs []string    // only these users (those printed together); none: every user of the units
	Status  data.Status // only users of this status; "": everyone but the deactivated, who no longer get a letter
}

// Collect reads the sheets of the units sel names, in the natural order of their
// names, each with its users sorted by name. A user in two units is on both sheets;
// units with none of the users stay in the list, empty (Write leaves them out).
func Collect(ctx context.Context, st Store, sel Selection, now time.Time) ([]Unit, error) {
	counts, err := st.UnitCounts(ctx)
	if err != nil {
		return nil, err
	}
	var only map[string]bool
	if len(sel.UserIDs) > 0 {
		only = make(map[string]bool, len(sel.UserIDs))
		for _, id := range sel.UserIDs {
			only[id] = true
		}
	}
	var units []Unit
	for _, c := range counts {
		if len(sel.UnitIDs) > 0 && !slices.Contains(sel.UnitIDs, c.ID) {
			continue
		}
		u := Unit{Name: c.Name}
		q := data.UserQuery{UnitIDs: []string{c.ID}, Status: sel.Status}
		err := st.EachUser(ctx, q, now, func(r *data.UserRow) error {
			if (sel.Status == "" && r.Status == data.StatusDeactivated) || (only != nil && !only[r.ID]) {
				return nil
			}
			u.People = append(u.People, Person{ID: r.ID, Name: strings.TrimSpace(r.FirstName + " " + r.LastName), Username: r.Username, Status: r.Status})
			return nil
		})
		if err != nil {
			return nil, err
		}
		units = append(units, u)
	}
	return units, markHandedOut(ctx, st, units)
}

// markHandedOut fills in when the letters of the people of units were handed out.
func markHandedOut(ctx context.Context, st Store, units []Unit) error {
	var ids []string
	for _, u := range units {
		for _, p := range u.People {
			ids = append(ids, p.ID)
		}
	}
	handOuts, err := st.LiveKeyHandOuts(ctx, ids)
	if err != nil {
		return err
	}
	for i := range units {
		for j := range units[i].People {
			p := &units[i].People[j]
			p.HandedOutAt = handOuts[p.ID].HandedOutAt
		}
	}
	return nil
}
