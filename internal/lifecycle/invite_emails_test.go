package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/keys"
	"onboard/internal/settings"
)

func TestInviteEmailsInvitesNewSkipsMembersAndRepeats(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	anna := f.create(t, "Anna", "Müller", "anna@example.org")
	parsed := ParseAddresses(`ANNA@Example.org, "Weber, Ben" <ben@example.org>; Cem Yılmaz <cem@example.org>
		dora@a.example, dora@b.example, anna@school.example, Maria Luisa García <maria@example.org>`)
	if len(parsed.Unreadable) > 0 {
		t.Fatalf("unreadable: %v", parsed.Unreadable)
	}
	// A caller that does not parse may repeat an address or pass a bad one.
	addrs := append(parsed.Addresses, addrlist.Address{Email: "Ben@EXAMPLE.org"}, addrlist.Address{Email: "bad@example"})
	res, err := f.svc.InviteEmails(ctx, InviteEmailsInput{
		Addresses: addrs, RoleID: f.roleID,
		UnitIDs: f.units, GroupIDs: []string{f.group},
	})
	if err != nil {
		t.Fatal(err)
	}
	type person struct{ email, first, last, username, full string }
	want := []person{
		{"ben@example.org", "Ben", "Weber", "ben", "Ben Weber"},
		{"cem@example.org", "Cem", "Yılmaz", "cem", "Cem Yılmaz"},
		{"dora@a.example", "", "", "dora", "dora"},
		{"dora@b.example", "", "", "dora2", "dora2"},
		{"anna@school.example", "", "", "anna2", "anna2"},
		{"maria@example.org", "Maria Luisa", "García", "maria", "Maria Luisa García"},
	}
	var got []person
	for _, inv := range res.Invited {
		u, err := f.store.UserByID(ctx, inv.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, person{u.Email, u.FirstName, u.LastName, u.Username, u.FullName()})
		if st := u.Status(f.now); st != data.StatusInvited || u.InvitedAt == nil || !u.InvitedAt.Equal(f.now) || u.NamesLocked {
			t.Errorf("%s: status %s, invited at %v, names locked %v", u.Email, st, u.InvitedAt, u.NamesLocked)
		}
		live, err := f.store.LiveKey(ctx, u.ID)
		if err != nil || live.Key != inv.Key || !keys.Valid(keys.Personal, inv.Key) {
			t.Errorf("%s: key %q, live key %+v, %v", u.Email, inv.Key, live, err)
		}
		if want := f.now.AddDate(0, 0, settings.DefaultValidDays); u.KeyExpiresAt == nil || !u.KeyExpiresAt.Equal(want) {
			t.Errorf("%s: key expires %v, want %v", u.Email, u.KeyExpiresAt, want)
		}
		units, _ := f.store.UserUnitIDs(ctx, u.ID)
		groups, _ := f.store.UserGroupIDs(ctx, u.ID)
		if len(units) != 2 || !reflect.DeepEqual(groups, []string{f.group}) || u.RoleID != f.roleID {
			t.Errorf("%s: role %s, units %v, groups %v", u.Email, u.RoleID, units, groups)
		}
		if h := f.history(t, u.ID); !reflect.DeepEqual(h, []string{string(ActionCreate)}) {
			t.Errorf("%s: history %v", u.Email, h)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("invited\n got %v\nwant %v", got, want)
	}
	wantSkips := []NotInvited{
		{"ANNA@Example.org", "already a member (Anna Müller)", NotInvitedMember},
		{"Ben@EXAMPLE.org", "listed more than once; invited once", NotInvitedRepeated},
		{"bad@example", `"bad@example" is not a valid email address`, NotInvitedInvalid},
	}
	if !reflect.DeepEqual(res.NotInvited, wantSkips) {
		t.Errorf("not invited\n got %v\nwant %v", res.NotInvited, wantSkips)
	}
	if u, _ := f.store.UserByID(ctx, anna.User.ID); u.Status(f.now) != data.StatusNotActivated {
		t.Errorf("the existing member was changed: %s", u.Status(f.now))
	}
	// Everyone invited is now a member: a second run invites nobody.
	again, err := f.svc.InviteEmails(ctx, InviteEmailsInput{Addresses: parsed.Addresses, RoleID: f.roleID, UnitIDs: f.units[:1]})
	if err != nil || len(again.Invited) != 0 || len(again.NotInvited) != len(parsed.Addresses) ||
		again.NotInvited[1].Reason != "already a member (Ben Weber)" || again.NotInvited[3].Reason != "already a member (dora)" {
		t.Fatalf("second run: %+v, %v", again, err)
	}
}

func TestInviteEmailsValidityAndDeletedMembers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	gone := f.create(t, "Old", "Member", "old@example.org")
	if err := f.svc.Delete(ctx, gone.User.ID); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.InviteEmails(ctx, InviteEmailsInput{
		Addresses: []addrlist.Address{{Email: "old@example.org"}},
		RoleID:    f.roleID, UnitIDs: f.units[:1], ValidDays: 30,
	})
	if err != nil || len(res.Invited) != 1 {
		t.Fatalf("a deleted user's address was not invited again: %+v, %v", res, err)
	}
	if want := f.now.AddDate(0, 0, 30); !res.Invited[0].User.KeyExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", res.Invited[0].User.KeyExpiresAt, want)
	}
}

func TestInviteEmailsWritesNothingWhenTheInputIsBad(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	addrs := []addrlist.Address{{Name: "Anna Müller", Email: "anna@example.org"}, {Email: "ben@example.org"}}
	for _, tc := range []struct {
		name  string
		in    InviteEmailsInput
		field string
		msg   string
	}{
		{"no role", InviteEmailsInput{Addresses: addrs, UnitIDs: f.units}, "role", "role is required"},
		{"unknown role", InviteEmailsInput{Addresses: addrs, RoleID: "nope", UnitIDs: f.units}, "role", "the role does not exist (any more)"},
		{"no unit", InviteEmailsInput{Addresses: addrs, RoleID: f.roleID}, "units", "at least one unit is required"},
		{
			"unknown unit",
			InviteEmailsInput{Addresses: addrs, RoleID: f.roleID, UnitIDs: []string{f.units[0], "nope"}},
			"units", "a chosen unit does not exist (any more)",
		},
		{
			"unknown group",
			InviteEmailsInput{Addresses: addrs, RoleID: f.roleID, UnitIDs: f.units, GroupIDs: []string{"nope"}},
			"groups", "a chosen group does not exist (any more)",
		},
		{
			"validity",
			InviteEmailsInput{Addresses: addrs, RoleID: f.roleID, UnitIDs: f.units, ValidDays: 181},
			"valid_days", "validity must be between 1 and 180 days, not 181",
		},
		{"empty list", InviteEmailsInput{RoleID: f.roleID, UnitIDs: f.units}, "addresses", "there are no email addresses to invite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := f.svc.InviteEmails(ctx, tc.in)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field(tc.field) != tc.msg || res != nil {
				t.Fatalf("got %+v, %v; want %s: %s", res, err, tc.field, tc.msg)
			}
		})
	}
	if n, _ := f.store.CountAllUsers(ctx); n != 0 {
		t.Fatalf("%d users written", n)
	}
}

// cancelLater is a context that is cancelled once Err has answered nil n times.
type cancelLater struct {
	context.Context
	n atomic.Int32
}

func (c *cancelLater) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestInviteEmailsCancelledHalfwayWritesNothing(t *testing.T) {
	f := newFixture(t)
	addrs := make([]addrlist.Address, 50)
	for i := range addrs {
		addrs[i].Email = fmt.Sprintf("p%d@example.org", i)
	}
	ctx := &cancelLater{Context: context.Background()}
	ctx.n.Store(25)
	_, err := f.svc.InviteEmails(ctx, InviteEmailsInput{Addresses: addrs, RoleID: f.roleID, UnitIDs: f.units})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n, _ := f.store.CountAllUsers(context.Background()); n != 0 {
		t.Fatalf("%d users written by a cancelled run", n)
	}
}

func TestSplitName(t *testing.T) {
	long := strings.Repeat("x", maxNameLen+1)
	for _, tc := range []struct{ in, first, last string }{
		{"", "", ""},
		{"Anna", "Anna", ""},
		{"Anna Müller", "Anna", "Müller"},
		{"  Anna   Maria  Müller ", "Anna Maria", "Müller"},
		{"Müller, Anna", "Anna", "Müller"},
		{"van der Berg, Jan Peter", "Jan Peter", "van der Berg"},
		{"Müller,", "", "Müller"},
		{"김민준", "김민준", ""},
		{"Anna " + long, "Anna", ""},
		{long + ", Anna", "Anna", ""},
		{"Anna\x00Bell Müller", "", "Müller"},
	} {
		if first, last := splitName(tc.in); first != tc.first || last != tc.last {
			t.Errorf("splitName(%q) = %q, %q; want %q, %q", tc.in, first, last, tc.first, tc.last)
		}
	}
}

func TestInviteNamesFromRowsDisplayNamesAndGivenNames(t *testing.T) {
	long := strings.Repeat("é", maxNameLen+1)
	parsed := ParseAddresses("Anna\tMüller\tanna@example.org\nMüller, Ben <ben@example.org>\ncem@example.org\n" +
		"Dora; Schulz; dora@example.org\neva@example.org\n" + long + "\tX\tfe@example.org\ngus@example.org")
	if len(parsed.Unreadable) > 0 || len(parsed.Addresses) != 7 {
		t.Fatalf("parsed %+v", parsed)
	}
	given := map[string]PersonName{
		"CEM@Example.org ":  {First: " Cem ", Last: "Yılmaz"}, // any spelling of the address
		"dora@example.org":  {First: "Dorothea", Last: "Schulz"},
		NameKey("eva@x.de"): {First: "Not", Last: "Listed"},
		"gus@example.org":   {First: "Gus\x00", Last: long},
		"ben@example.org":   {}, // the dialog blanked the parsed name
	}
	got := InviteNames(parsed.Addresses, given)
	want := []InviteName{
		{Email: "anna@example.org", PersonName: PersonName{"Anna", "Müller"}},
		{Email: "ben@example.org", Given: true},
		{Email: "cem@example.org", PersonName: PersonName{"Cem", "Yılmaz"}, Given: true},
		{Email: "dora@example.org", PersonName: PersonName{"Dorothea", "Schulz"}, Given: true},
		{Email: "eva@example.org"},
		{Email: "fe@example.org", PersonName: PersonName{"", "X"}}, // a part from the list that cannot be used is left blank
		{
			Email: "gus@example.org", PersonName: PersonName{"Gus\x00", long}, Given: true,
			Problem: "first name contains a line break or control character; last name is longer than 100 characters",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("InviteNames\n got %+v\nwant %+v", got, want)
	}
	twice := InviteNames([]addrlist.Address{{Email: "a@x.de"}}, map[string]PersonName{"a@x.de": {First: "A"}, "A@X.DE": {First: "B"}})
	if twice[0].Problem == "" || twice[0].PersonName != (PersonName{}) {
		t.Errorf("two different names for one address: %+v", twice[0])
	}
	same := InviteNames([]addrlist.Address{{Email: "a@x.de"}}, map[string]PersonName{"a@x.de": {First: "A"}, "A@X.DE": {First: "A "}})
	if same[0].Problem != "" || same[0].First != "A" {
		t.Errorf("the same name twice: %+v", same[0])
	}
}

func TestInviteEmailsStoresTheNamesThePreviewShows(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	parsed := ParseAddresses("Anna\tMüller\tanna@example.org\nMüller, Ben <ben@example.org>\ncem@example.org\ndora@example.org")
	given := map[string]PersonName{"cem@example.org": {First: "Cem", Last: "Yılmaz"}, "ben@example.org": {First: "Benjamin", Last: "Müller"}}
	preview := InviteNames(parsed.Addresses, given)
	res, err := f.svc.InviteEmails(ctx, InviteEmailsInput{Addresses: parsed.Addresses, Names: given, RoleID: f.roleID, UnitIDs: f.units[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Invited) != 4 {
		t.Fatalf("invited %d, want 4", len(res.Invited))
	}
	for i, inv := range res.Invited {
		u, err := f.store.UserByID(ctx, inv.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != preview[i].Email || u.FirstName != preview[i].First || u.LastName != preview[i].Last || u.NamesLocked {
			t.Errorf("stored %s %q %q (locked %v), preview %+v", u.Email, u.FirstName, u.LastName, u.NamesLocked, preview[i])
		}
	}
	if u := res.Invited[3].User; u.FirstName != "" || u.LastName != "" || u.Username != "dora" {
		t.Errorf("the address without a name: %q %q %q", u.FirstName, u.LastName, u.Username)
	}
}

func TestInviteEmailsRefusesABadGivenNamePerAddress(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	addrs := []addrlist.Address{{Email: "anna@example.org"}, {Email: "Ben@Example.org"}, {Email: "cem@example.org"}, {Email: "bad@example"}}
	long := strings.Repeat("x", maxNameLen+1)
	names := map[string]PersonName{
		"anna@example.org": {First: "Anna", Last: "Müller"},
		"ben@example.org":  {First: long},
		"CEM@example.org":  {Last: "Yıl\nmaz"},
		"bad@example":      {First: long}, // not invited anyway: not reported
	}
	_, err := f.svc.InviteEmails(ctx, InviteEmailsInput{Addresses: addrs, Names: names, UnitIDs: f.units})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	want := []FieldError{
		{Field: "name:ben@example.org", Message: "first name is longer than 100 characters"},
		{Field: "name:cem@example.org", Message: "last name contains a line break or control character"},
		{Field: "role", Message: "role is required"},
	}
	if !reflect.DeepEqual(ve.Problems, want) {
		t.Errorf("problems\n got %v\nwant %v", ve.Problems, want)
	}
	if ve.Field(NameField("BEN@example.org")) == "" || ve.Field(NameField("anna@example.org")) != "" {
		t.Errorf("NameField does not find the problems: %v", ve)
	}
	if n, _ := f.store.CountAllUsers(ctx); n != 0 {
		t.Fatalf("%d users written", n)
	}
	if ms := f.mails(t); len(ms) != 0 {
		t.Fatalf("%d mails queued", len(ms))
	}
}

func TestInvitationMailsGreetPeopleWithoutANameNeutrally(t *testing.T) {
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			if _, err := settings.Set(ctx, f.store, settings.Language, lang); err != nil {
				t.Fatal(err)
			}
			res, err := f.svc.InviteEmails(ctx, InviteEmailsInput{
				RoleID: f.roleID, UnitIDs: f.units[:1],
				Addresses: []addrlist.Address{{Email: "anna@example.org"}, {Name: "Ben Weber", Email: "ben@example.org"}},
			})
			if err != nil || len(res.Invited) != 2 {
				t.Fatalf("%+v, %v", res, err)
			}
			want := map[string][2]string{"en": {"Hello,\n", "Dear Ben Weber,\n"}, "de": {"Guten Tag,\n", "Guten Tag Ben Weber,\n"}}[lang]
			got := map[string]string{}
			for _, m := range f.mails(t) {
				got[m.ToAddr] = m.TextBody
				if m.ToAddr == "anna@example.org" && m.ToName != "" {
					t.Errorf("the mail to an address without a name is to %q", m.ToName)
				}
			}
			if !strings.HasPrefix(got["anna@example.org"], want[0]) || !strings.HasPrefix(got["ben@example.org"], want[1]) {
				t.Errorf("mails\n%s\n---\n%s", got["anna@example.org"], got["ben@example.org"])
			}
		})
	}
}
