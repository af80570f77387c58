package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"onboard/data"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
)

// TestImportTakesCreatesAfterCreate: the users of ImportBatch.Creates, more than
// one chunk of them, are created after those of Create, in order, with their
// invitation mails.
func TestImportTakesCreatesAfterCreate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := settings.Set(ctx, f.store, settings.RegistrationURL, "https://onboard.example.org"); err != nil {
		t.Fatal(err)
	}
	in := func(row int, email string) ImportCreate {
		return ImportCreate{Row: row, In: UserInput{
			FirstName: "User", LastName: fmt.Sprintf("N%d", row), Email: email,
			Username: fmt.Sprintf("user%d", row), RoleID: f.roleID, UnitIDs: f.units[:1],
		}}
	}
	const more = importChunk + 500
	out, err := f.svc.Import(ctx, &ImportBatch{
		FileName: "list.csv", Invite: true,
		Create: []ImportCreate{in(0, "first@example.org")},
		Creates: func(yield func(ImportCreate) bool) {
			for row := 1; row <= more; row++ {
				email := ""
				if row == more {
					email = "last@example.org"
				}
				if !yield(in(row, email)) {
					return
				}
			}
		},
		NumCreates: more,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Created) != more+1 || out.Record.Created != more+1 {
		t.Fatalf("created %d, recorded %d, want %d", len(out.Created), out.Record.Created, more+1)
	}
	for i, c := range out.Created {
		if c.Row != i || c.UserID == "" || c.Key == "" {
			t.Fatalf("created[%d] = %+v", i, c)
		}
	}
	ms := f.mails(t)
	if len(ms) != 2 {
		t.Fatalf("%d mails, want 2", len(ms))
	}
	for _, m := range ms {
		if *m.UserID != out.Created[0].UserID && *m.UserID != out.Created[more].UserID {
			t.Errorf("mail to %s for user %s", m.ToAddr, *m.UserID)
		}
	}
	if st := f.status(t, out.Created[more].UserID); st != data.StatusInvited {
		t.Errorf("the last user is %s, want invited", st)
	}
}

// TestImportUpdateKeepsWhatTheRowDoesNotSet: an update from a list changes what its
// row holds and keeps the rest, the extra permissions too (they were lost).
func TestImportUpdateKeepsWhatTheRowDoesNotSet(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.create(t, "Anna", "Müller", "anna@example.org")
	in := f.input("Anna", "Müller", "anna@example.org")
	in.ExtraPermissions = []string{string(syncapi.AllPermissions[0].Name)}
	in.Notes = "keep me"
	if _, err := f.svc.EditUser(ctx, c.User.ID, in); err != nil {
		t.Fatal(err)
	}
	up := ImportUpdate{UserID: c.User.ID, In: UserInput{LastName: "Schäfer", UnitIDs: f.units[1:], GroupIDs: []string{f.group}}, ReplaceUnits: true}
	if err := f.svc.importUpdate(ctx, up); err != nil {
		t.Fatal(err)
	}
	u, err := f.store.UserByID(ctx, c.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	units, _ := f.store.UserUnitIDs(ctx, u.ID)
	groups, _ := f.store.UserGroupIDs(ctx, u.ID)
	if u.LastName != "Schäfer" || u.FirstName != "Anna" || u.Notes != "keep me" || u.ExtraPermissions != in.ExtraPermissions[0] ||
		!slices.Equal(units, f.units[1:]) || !slices.Equal(groups, []string{f.group}) {
		t.Fatalf("after the update: %+v, units %v, groups %v", u, units, groups)
	}
}
