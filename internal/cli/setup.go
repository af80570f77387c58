package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
)

// runSetup is the first-run setup of the window on the command line (see
// lifecycle.Setup): idempotent, and it refuses to set up an organization already
// set up under another name unless --force is given.
func runSetup(ctx context.Context, c *call) error {
	org := c.fs.String("org", "", "the organization's name, printed on letters")
	preset := c.fs.String("preset", "none", "starting roles: "+lifecycle.PresetNames())
	url := c.fs.String("registration-url", "", "address where invited people register")
	lang := c.fs.String("language", "", "language of letters and mails: en or de")
	units := c.fs.String("units", "", `first units, e.g. "5a, 5b, 6a"`)
	force := c.fs.Bool("force", false, "set up again an organization already set up under another name")
	if _, err := c.parse(); err != nil {
		return err
	}
	if strings.TrimSpace(*org) == "" {
		return usagef("--org NAME is required")
	}
	if _, ok := lifecycle.LookupPreset(*preset); !ok {
		return usagef("--preset must be %s, not %q", strings.ReplaceAll(lifecycle.PresetNames(), ", none", " or none"), *preset)
	}
	for _, v := range []struct {
		flag  string
		key   settings.Key
		value string
	}{{"--org", settings.OrgName, *org}, {"--registration-url", settings.RegistrationURL, *url}, {"--language", settings.Language, *lang}} {
		if strings.TrimSpace(v.value) == "" {
			continue
		}
		if _, err := v.key.Check(v.value); err != nil {
			var se *settings.Error
			if errors.As(err, &se) {
				err = se.Err
			}
			return usagef("%s: %v", v.flag, err)
		}
	}
	if err := c.open(); err != nil {
		return err
	}
	res, err := c.svc.Setup(ctx, lifecycle.SetupInput{
		Organization: *org, RegistrationURL: *url, Language: *lang,
		Preset: *preset, Units: lifecycle.SplitNames(*units), Force: *force,
	})
	if errors.Is(err, lifecycle.ErrAlreadySetUp) {
		return fmt.Errorf("%v; to set it up as %q instead, add --force", err, strings.TrimSpace(*org))
	}
	if err != nil {
		return err
	}
	return reportSetup(ctx, c, res)
}

// reportSetup prints the settings, the roles and units created and found, and what
// to do next.
func reportSetup(ctx context.Context, c *call, res *lifecycle.SetupResult) error {
	w := c.stdout
	vals := map[string]string{}
	for _, k := range []settings.Key{settings.OrgName, settings.Language, settings.RegistrationURL} {
		v, err := settings.Get(ctx, c.store, k)
		if err != nil {
			return err
		}
		vals[k.Name] = v
	}
	fmt.Fprintf(w, "Organization: %s\n", vals[settings.OrgName.Name])
	fmt.Fprintf(w, "Letters and mails in: %s\n", languageName(vals[settings.Language.Name]))
	if u := vals[settings.RegistrationURL.Name]; u != "" {
		fmt.Fprintf(w, "Registration address: %s\n", u)
	} else {
		fmt.Fprintln(w, "Registration address: not set yet — set it with: onboard config set registration.url URL")
	}
	roles, err := c.store.Roles(ctx)
	if err != nil {
		return err
	}
	units, err := c.store.Units(ctx)
	if err != nil {
		return err
	}
	noRoles := "none yet — create them with: onboard roles add NAME --permissions P,…"
	if len(roles) > 0 {
		noRoles = fmt.Sprintf("no preset given; there are %s (onboard roles list)", display.Plural(len(roles), "role"))
	}
	printSetupNames(w, "Roles", res.CreatedRoles, res.ExistingRoles, noRoles)
	noUnits := "none given — create them with: onboard units add NAME, or give them to an import with --unit NAME"
	if len(units) > 0 {
		noUnits = fmt.Sprintf("none given; there are %s (onboard units list)", display.Plural(len(units), "unit"))
	}
	printSetupNames(w, "Units", res.CreatedUnits, res.ExistingUnits, noUnits)
	role, unit := "ROLE", "UNIT"
	switch {
	case len(res.CreatedRoles) > 0:
		role = shellWord(res.CreatedRoles[0])
	case len(res.ExistingRoles) > 0:
		role = shellWord(res.ExistingRoles[0])
	case len(roles) > 0:
		role = shellWord(roles[0].Name)
	}
	switch {
	case len(res.CreatedUnits) > 0:
		unit = shellWord(res.CreatedUnits[0])
	case len(res.ExistingUnits) > 0:
		unit = shellWord(res.ExistingUnits[0])
	case len(units) > 0:
		unit = shellWord(units[0].Name)
	}
	fmt.Fprintf(w, "Next: onboard import FILE --role %s --unit %s (onboard import --template csv FILE writes a sample), "+
		"or: onboard invite --emails \"a@example.org, b@example.org\" --role %s --unit %s; then: onboard users list\n",
		role, unit, role, unit)
	return nil
}

// printSetupNames prints "Roles: Student, Teacher (new); Staff (already there)".
func printSetupNames(w io.Writer, label string, created, existing []string, none string) {
	var parts []string
	if len(created) > 0 {
		parts = append(parts, strings.Join(created, ", ")+" (new)")
	}
	if len(existing) > 0 {
		parts = append(parts, strings.Join(existing, ", ")+" (already there)")
	}
	if len(parts) == 0 {
		parts = []string{none}
	}
	fmt.Fprintf(w, "%s: %s\n", label, strings.Join(parts, "; "))
}

// languageName names a language code of org.language.
func languageName(code string) string {
	switch code {
	case "de":
		return "German (de)"
	case "en":
		return "English (en)"
	}
	return code
}
