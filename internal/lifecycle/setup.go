package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"onboard/data"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/internal/uitext"
)

// RolePreset is a role a preset creates, with its permissions.
type RolePreset struct {
	Name        string
	Permissions []syncapi.Permission
}

// Preset is a starting set of roles for one kind of organization.
type Preset struct {
	Name  string // as typed: "school"
	Label string // as shown: "School"
	Roles []RolePreset
}

// Presets are the starting sets the first-run setup offers, "none" last.
var Presets = []Preset{
	{"school", "School", []RolePreset{
		{"Student", []syncapi.Permission{syncapi.PermChat, syncapi.PermDirectory}},
		{"Teacher", []syncapi.Permission{syncapi.PermAddUsers, syncapi.PermBulkInvite, syncapi.PermChat, syncapi.PermDirectory}},
		{"Staff", []syncapi.Permission{
			syncapi.PermAddUsers, syncapi.PermAddUsersByLink, syncapi.PermBulkInvite,
			syncapi.PermManageRoles, syncapi.PermManageUsers, syncapi.PermChat, syncapi.PermDirectory,
		}},
		{"Parent", []syncapi.Permission{syncapi.PermChat}},
	}},
	{"company", "Company", []RolePreset{
		{"Employee", []syncapi.Permission{syncapi.PermChat, syncapi.PermDirectory}},
		{"Manager", []syncapi.Permission{
			syncapi.PermAddUsers, syncapi.PermAddUsersByLink, syncapi.PermBulkInvite,
			syncapi.PermManageRoles, syncapi.PermManageUsers, syncapi.PermChat, syncapi.PermDirectory,
		}},
		{"External", []syncapi.Permission{syncapi.PermChat}},
	}},
	{"none", "No roles yet", nil},
}

// LookupPreset finds a preset by name, ignoring case.
func LookupPreset(name string) (Preset, bool) {
	for _, p := range Presets {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return p, true
		}
	}
	return Preset{}, false
}

// PresetNames lists the names of the presets: "school, company, none".
func PresetNames() string {
	names := make([]string, len(Presets))
	for i, p := range Presets {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// SetupInput is what the first-run setup asks.
type SetupInput struct {
	Organization    string
	RegistrationURL string   // optional
	Language        string   // of letters and mails: "en" or "de"; empty keeps the current one
	Preset          string   // a Presets name; empty means "none"
	Units           []string // optional first units, see SplitNames
	Force           bool     // set up again an organization already set up
}

// SetupResult tells what the setup created and what it found already there.
type SetupResult struct {
	CreatedRoles, ExistingRoles []string
	CreatedUnits, ExistingUnits []string
}

// ErrAlreadySetUp is returned when the organization has a name and Force is unset.
var ErrAlreadySetUp = errors.New("the organization is already set up")

// setupDoneKey records that the setup ran or was skipped, so the window does not
// offer it again on its own.
const setupDoneKey = "setup.done"

// NeedsSetup reports whether the window should open the first-run setup: it never
// ran or was skipped, and the database has no organization name and no roles.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	if done, err := s.store.Setting(ctx, setupDoneKey, ""); err != nil || done != "" {
		return false, err
	}
	if name, _, err := settings.Stored(ctx, s.store, settings.OrgName); err != nil || name != "" {
		return false, err
	}
	roles, err := s.store.Roles(ctx)
	return len(roles) == 0, err
}

// SkipSetup records that the admin skipped the first-run setup.
func (s *Service) SkipSetup(ctx context.Context) error {
	return s.store.SetSetting(ctx, setupDoneKey, "skipped")
}

// Setup stores the organization's settings and creates the preset's roles and the
// given units that do not exist yet, all in one transaction: on any error nothing
// changes. Running it again with the same input changes nothing (but needs Force
// once the organization has a name).
func (s *Service) Setup(ctx context.Context, in SetupInput) (*SetupResult, error) {
	preset, ok := LookupPreset(in.Preset)
	if strings.TrimSpace(in.Preset) == "" {
		preset, ok = LookupPreset("none")
	}
	if !ok {
		return nil, &ValidationError{Problems: []FieldError{{
			Field:   "preset",
			Message: uitext.F("there is no preset %q; presets: %s", in.Preset, PresetNames()),
		}}}
	}
	res := &SetupResult{}
	err := s.store.Write(ctx, func(tx *data.Store) error {
		if err := s.setupSettings(ctx, tx, in); err != nil {
			return err
		}
		for _, rp := range preset.Roles {
			if err := s.setupRole(ctx, tx, rp, res); err != nil {
				return err
			}
		}
		for _, name := range in.Units {
			if err := s.setupUnit(ctx, tx, name, res); err != nil {
				return err
			}
		}
		if err := tx.SetSetting(ctx, setupDoneKey, "done"); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &data.AuditEvent{
			At: s.Now(), Actor: s.actor, Action: "setup",
			EntityType: "settings", Summary: "Set up " + strings.TrimSpace(in.Organization) + " with preset " + preset.Name,
		}, nil)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// setupSettings checks and stores the organization name, address and language.
func (s *Service) setupSettings(ctx context.Context, tx *data.Store, in SetupInput) error {
	current, set, err := settings.Stored(ctx, tx, settings.OrgName)
	if err != nil {
		return err
	}
	if set && current != "" && !in.Force && current != strings.TrimSpace(in.Organization) {
		return fmt.Errorf("%w as %q", ErrAlreadySetUp, current)
	}
	if strings.TrimSpace(in.Organization) == "" {
		return &ValidationError{Problems: []FieldError{{Field: "organization", Message: uitext.L("the organization name is required"), Missing: true}}}
	}
	values := []struct {
		key   settings.Key
		field string
		value string
	}{
		{settings.OrgName, "organization", in.Organization},
		{settings.RegistrationURL, "registration_url", in.RegistrationURL},
		{settings.Language, "language", in.Language},
	}
	var probs []FieldError
	for _, v := range values {
		if v.key.Name != settings.OrgName.Name && strings.TrimSpace(v.value) == "" {
			continue // optional: keep what is stored
		}
		if _, err := settings.Set(ctx, tx, v.key, v.value); err != nil {
			var se *settings.Error
			if !errors.As(err, &se) {
				return err
			}
			probs = append(probs, FieldError{Field: v.field, Message: se.Err.Error()})
		}
	}
	if len(probs) > 0 {
		return &ValidationError{Problems: probs}
	}
	return nil
}

// setupRole creates a preset's role unless one of that name exists.
func (s *Service) setupRole(ctx context.Context, tx *data.Store, rp RolePreset, res *SetupResult) error {
	if _, err := tx.RoleByName(ctx, rp.Name); err == nil {
		res.ExistingRoles = append(res.ExistingRoles, rp.Name)
		return nil
	} else if !errors.Is(err, data.ErrNotFound) {
		return err
	}
	r := &data.Role{Name: rp.Name, Permissions: syncapi.JoinPermissions(rp.Permissions)}
	if err := tx.CreateRole(ctx, r); err != nil {
		return err
	}
	res.CreatedRoles = append(res.CreatedRoles, r.Name)
	return s.auditCatalog(ctx, tx, "role", r.ID, "create", "Created role "+r.Name+permissionSummary(r.Permissions))
}

// setupUnit creates a unit unless one of that name exists.
func (s *Service) setupUnit(ctx context.Context, tx *data.Store, name string, res *SetupResult) error {
	if other, err := s.unitTaken(ctx, tx, "")(name); err != nil {
		return err
	} else if other != "" {
		res.ExistingUnits = append(res.ExistingUnits, name)
		return nil
	}
	if err := checkCatalogName("unit", name, func(string) (string, error) { return "", nil }); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return &ValidationError{Problems: []FieldError{{Field: "units", Message: uitext.F("unit %q: %s", name, ve.Problems[0].Message)}}}
		}
		return err
	}
	u := &data.Unit{Name: strings.TrimSpace(name)}
	if err := tx.CreateUnit(ctx, u); err != nil {
		return err
	}
	res.CreatedUnits = append(res.CreatedUnits, u.Name)
	return s.auditCatalog(ctx, tx, "unit", u.ID, "create", "Created unit "+u.Name)
}

// SplitNames splits a pasted list of names ("5a, 5b; 6a" or one per line) into
// trimmed names, dropping empty ones and repeats (ignoring case).
func SplitNames(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' || r == '\t' }) {
		name := strings.TrimSpace(part)
		if name == "" || seen[data.Fold(name)] {
			continue
		}
		seen[data.Fold(name)] = true
		out = append(out, name)
	}
	return out
}
