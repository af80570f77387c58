package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"onboard/data"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
)

// Profile is what an import chose for a list with the same column titles: the
// column mapping, the options and the matching rule. Saved after every import,
// it is offered the next time a list with these titles is imported (a school
// sends the same export every term).
type Profile struct {
	FileName      string    `json:"file"`
	SavedAt       time.Time `json:"saved_at"`
	Header        []string  `json:"header"`
	Mapping       []Field   `json:"mapping"`
	RoleID        string    `json:"role_id,omitempty"`
	UnitIDs       []string  `json:"unit_ids,omitempty"`
	GroupIDs      []string  `json:"group_ids,omitempty"`
	Invite        bool      `json:"invite,omitempty"`
	ValidDays     int       `json:"valid_days,omitempty"`
	OnConflict    string    `json:"on_conflict,omitempty"`
	DateOrder     string    `json:"date_order,omitempty"`
	UpdateList    bool      `json:"update_list,omitempty"`
	Absent        string    `json:"absent,omitempty"`
	AbsentUnitIDs []string  `json:"absent_unit_ids,omitempty"`
}

// profilePrefix starts the settings key of every saved profile.
const profilePrefix = "import.profile."

// profileKey is the settings key of the profile of a list with these column
// titles: a hash of the titles, folded.
func profileKey(header []string) string {
	folded := make([]string, len(header))
	for i, h := range header {
		folded[i] = data.Fold(h)
	}
	sum := sha256.Sum256([]byte(strings.Join(folded, "\x1f")))
	return profilePrefix + hex.EncodeToString(sum[:12])
}

// LoadProfile returns the profile saved for a list with these column titles, nil
// when there is none. A damaged profile is an error naming it.
func LoadProfile(ctx context.Context, st settings.Store, header []string) (*Profile, error) {
	key := profileKey(header)
	raw, err := st.Setting(ctx, key, "")
	if err != nil || raw == "" {
		return nil, err
	}
	var p Profile
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return nil, fmt.Errorf("the saved choices for these columns (%s) are damaged: %w", key, err)
	}
	if !slices.EqualFunc(p.Header, header, func(a, b string) bool { return data.Fold(a) == data.Fold(b) }) || len(p.Mapping) != len(header) {
		return nil, nil // saved for other titles that hash alike: not these
	}
	return &p, nil
}

// SaveProfile remembers the choices of the import of src under s.
func SaveProfile(ctx context.Context, st settings.Store, src *Source, s Settings, now time.Time) error {
	p := Profile{
		FileName: src.Info.Name, SavedAt: now.UTC(), Header: src.Header, Mapping: s.Mapping,
		RoleID: s.RoleID, UnitIDs: s.UnitIDs, GroupIDs: s.GroupIDs, Invite: s.Invite, ValidDays: s.ValidDays,
		OnConflict: string(s.OnConflict), DateOrder: string(s.DateOrder),
		UpdateList: s.UpdateList, Absent: string(s.Absent), AbsentUnitIDs: s.AbsentUnitIDs,
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return st.SetSetting(ctx, profileKey(src.Header), string(b))
}

// ColumnMapping returns the saved column mapping, checked against the fields there are.
func (p *Profile) ColumnMapping() (Mapping, error) {
	m := make(Mapping, len(p.Mapping))
	for i, f := range p.Mapping {
		if _, ok := fieldIndex[f]; !ok && f != Ignore {
			return nil, fmt.Errorf("the saved choices map column %d to %q, which is not a field", i+1, f)
		}
		m[i] = f
	}
	return m, nil
}

// ApplyOptions puts the saved options into s, leaving out the roles, units and
// groups that are not among those given (deleted since).
func (p *Profile) ApplyOptions(s *Settings, roles []data.Role, units []data.Unit, groups []data.Group) error {
	res, err := parseSaved(p.OnConflict, Skip, ParseResolution)
	if err != nil {
		return err
	}
	order, err := parseSaved(p.DateOrder, "", ParseDateOrder)
	if err != nil {
		return err
	}
	absent, err := parseSaved(p.Absent, lifecycle.KeepAbsent, lifecycle.ParseAbsentRule)
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, r := range roles {
		exists[r.ID] = true
	}
	for _, u := range units {
		exists[u.ID] = true
	}
	for _, g := range groups {
		exists[g.ID] = true
	}
	keep := func(ids []string) []string {
		return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !exists[id] })
	}
	s.RoleID = ""
	if exists[p.RoleID] {
		s.RoleID = p.RoleID
	}
	s.UnitIDs, s.GroupIDs, s.AbsentUnitIDs = keep(p.UnitIDs), keep(p.GroupIDs), keep(p.AbsentUnitIDs)
	s.Invite, s.ValidDays, s.OnConflict, s.DateOrder = p.Invite, p.ValidDays, res, order
	s.UpdateList, s.Absent = p.UpdateList, absent
	return nil
}

// errSaved wraps the errors of a saved value that does not parse.
var errSaved = errors.New("the saved choices for these columns")

// parseSaved reads a saved value with parse, def when none is saved.
func parseSaved[T any](v string, def T, parse func(string) (T, error)) (T, error) {
	if v == "" {
		return def, nil
	}
	out, err := parse(v)
	if err != nil {
		return def, fmt.Errorf("%w: %w", errSaved, err)
	}
	return out, nil
}
