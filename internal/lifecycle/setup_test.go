package lifecycle

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"onboard/data"
	"onboard/internal/settings"
)

func newEmptyService(t *testing.T) (*Service, *data.Store) {
	t.Helper()
	st, err := data.Open(filepath.Join(t.TempDir(), "onboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, WithActor("test-admin")), st
}

func TestSetupFromAnEmptyDatabase(t *testing.T) {
	svc, st := newEmptyService(t)
	ctx := context.Background()
	if need, err := svc.NeedsSetup(ctx); err != nil || !need {
		t.Fatalf("an empty database needs the setup: %v, %v", need, err)
	}
	in := SetupInput{
		Organization: " Goethe-Schule ", RegistrationURL: "https://onboard.example.org/", Language: "DE",
		Preset: "School", Units: SplitNames("Klasse 5a, Klasse 5b;\nklasse 5A\n\nKlasse 6a"),
	}
	res, err := svc.Setup(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.CreatedRoles, []string{"Student", "Teacher", "Staff", "Parent"}) ||
		!slices.Equal(res.CreatedUnits, []string{"Klasse 5a", "Klasse 5b", "Klasse 6a"}) {
		t.Fatalf("result %+v", res)
	}
	for _, kv := range []struct {
		k    settings.Key
		want string
	}{{settings.OrgName, "Goethe-Schule"}, {settings.RegistrationURL, "https://onboard.example.org"}, {settings.Language, "de"}} {
		if got, _ := settings.Get(ctx, st, kv.k); got != kv.want {
			t.Errorf("%s = %q; want %q", kv.k.Name, got, kv.want)
		}
	}
	staff, err := st.RoleByName(ctx, "staff")
	if err != nil || !strings.Contains(staff.Permissions, "manage-roles") {
		t.Fatalf("Staff role: %+v, %v", staff, err)
	}
	if need, _ := svc.NeedsSetup(ctx); need {
		t.Fatal("the setup is offered again after it ran")
	}
	// Again with the same input: nothing new.
	res, err = svc.Setup(ctx, in)
	if err != nil || len(res.CreatedRoles)+len(res.CreatedUnits) != 0 || len(res.ExistingRoles) != 4 || len(res.ExistingUnits) != 3 {
		t.Fatalf("second run: %+v, %v", res, err)
	}
	// Another organization name needs Force.
	if _, err := svc.Setup(ctx, SetupInput{Organization: "Other School"}); !errors.Is(err, ErrAlreadySetUp) || !strings.Contains(err.Error(), "Goethe-Schule") {
		t.Fatalf("overwrite without force: %v", err)
	}
	if _, err := svc.Setup(ctx, SetupInput{Organization: "Other School", Preset: "company", Force: true}); err != nil {
		t.Fatal(err)
	}
	roles, _ := st.Roles(ctx)
	if len(roles) != 7 {
		t.Fatalf("the company preset adds to the school's roles, never removes: %d roles", len(roles))
	}
}

func TestSetupRefusesBadInputAndChangesNothing(t *testing.T) {
	svc, st := newEmptyService(t)
	ctx := context.Background()
	for _, tc := range []struct {
		in    SetupInput
		field string
		msg   string
	}{
		{SetupInput{Organization: "", Preset: "school"}, "organization", "required"},
		{SetupInput{Organization: "School", Preset: "hospital"}, "preset", `there is no preset "hospital"; presets: school, company, none`},
		{SetupInput{Organization: "School", Preset: "school", RegistrationURL: "ftp://x"}, "registration_url", "http"},
		{SetupInput{Organization: "School", Preset: "school", Language: "fr"}, "language", "use en or de"},
		{SetupInput{Organization: "School", Preset: "school", Units: []string{"5a", strings.Repeat("x", 300)}}, "units", "at most"},
	} {
		_, err := svc.Setup(ctx, tc.in)
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Field(tc.field), tc.msg) {
			t.Errorf("%+v: %v; want %s: …%s…", tc.in, err, tc.field, tc.msg)
		}
	}
	roles, _ := st.Roles(ctx)
	units, _ := st.Units(ctx)
	if _, set, _ := settings.Stored(ctx, st, settings.OrgName); set || len(roles)+len(units) != 0 {
		t.Fatalf("a refused setup left %d roles, %d units, name set %v", len(roles), len(units), set)
	}
	if err := svc.SkipSetup(ctx); err != nil {
		t.Fatal(err)
	}
	if need, _ := svc.NeedsSetup(ctx); need {
		t.Fatal("a skipped setup is offered again")
	}
}
