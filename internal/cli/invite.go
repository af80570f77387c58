package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
)

// inviteStdin is what --emails-file - reads; tests replace it.
var inviteStdin io.Reader = os.Stdin

// runInvite invites every address of a pasted list (see lifecycle.InviteEmails). It
// exits 0 when every recognised address was invited or is already a member, 1 when
// a part of the list could not be read or an address was refused for another reason.
func runInvite(ctx context.Context, c *call) error {
	emails := c.fs.String("emails", "", `the addresses, e.g. "anna@example.org, Ben Weber <ben@example.org>"`)
	file := c.fs.String("emails-file", "", `a file with the addresses ("-" reads standard input)`)
	nu := c.addNewUserFlags(newUserHelp{
		role:      "role of the new users (by name)",
		unit:      "a unit of the new users (by name; repeat for more)",
		group:     "a group of the new users (by name; repeat for more)",
		validDays: "days the keys are valid (default: the organization's setting)",
	})
	if _, err := c.parse(); err != nil {
		return err
	}
	given := map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if err := checkInviteFlags(given, nu); err != nil {
		return err
	}
	list, err := inviteList(given["emails-file"], *emails, *file)
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	ids, err := nu.resolve(ctx, c)
	if err != nil {
		return err
	}
	in := lifecycle.InviteEmailsInput{
		Addresses: list.Addresses, RoleID: ids.role, UnitIDs: ids.units,
		GroupIDs: ids.groups, ValidDays: *nu.validDays,
	}
	res := &lifecycle.InviteEmailsResult{}
	if len(list.Addresses) > 0 {
		if res, err = inviteCreatingUnits(ctx, c, in, ids.newUnits); err != nil {
			return err
		}
	}
	if len(res.Invited) > 0 && len(ids.newUnits) > 0 {
		fmt.Fprintf(c.stdout, "New units: %s\n", newUnitNames(ids.newUnits))
	}
	return reportInvite(c.stdout, res, list)
}

// checkInviteFlags is the usage error of an invite whose flags do not go together,
// given holding the names of the flags given: the addresses come from exactly one
// of --emails and --emails-file, a role and a unit are required and --valid-days
// is in the range the settings allow.
func checkInviteFlags(given map[string]bool, nu *newUserFlags) error {
	days := *nu.validDays
	switch {
	case given["emails"] && given["emails-file"]:
		return usagef("give either --emails or --emails-file, not both")
	case !given["emails"] && !given["emails-file"]:
		return usagef("give the addresses with --emails or --emails-file")
	case strings.TrimSpace(*nu.role) == "":
		return usagef("--role is required")
	case len(nu.units) == 0:
		return usagef("at least one --unit is required")
	case days != 0 && (days < settings.MinValidDays || days > settings.MaxValidDays):
		return usagef("--valid-days must be between %d and %d, not %d", settings.MinValidDays, settings.MaxValidDays, days)
	}
	return nil
}

// inviteList reads the addresses of an invite: from the file path when fromFile is
// set (see readList), else from the text of --emails. A list without a single
// address or unreadable part is an error.
func inviteList(fromFile bool, text, path string) (addrlist.Result, error) {
	if fromFile {
		var err error
		if text, err = readList(path); err != nil {
			return addrlist.Result{}, err
		}
	}
	list := lifecycle.ParseAddresses(text)
	if len(list.Addresses) > 0 || len(list.Unreadable) > 0 {
		return list, nil
	}
	if fromFile {
		return list, fmt.Errorf("there are no email addresses in %s", listSource(true, path))
	}
	return list, usagef("there are no email addresses in --emails")
}

// errNobodyInvited rolls back the new units of an invite that invited nobody.
var errNobodyInvited = errors.New("nobody invited")

// inviteCreatingUnits creates the units newUnits (whose IDs in.UnitIDs holds) and
// invites in, in one transaction: the units stay only when someone was invited.
func inviteCreatingUnits(ctx context.Context, c *call, in lifecycle.InviteEmailsInput, newUnits []data.Unit) (*lifecycle.InviteEmailsResult, error) {
	if len(newUnits) == 0 {
		return c.svc.InviteEmails(ctx, in)
	}
	var res *lifecycle.InviteEmailsResult
	err := c.store.Write(ctx, func(tx *data.Store) error {
		ts := lifecycle.New(tx, lifecycle.WithActor(c.svc.Actor()), lifecycle.WithClock(c.svc.Now))
		unitIDs := append([]string(nil), in.UnitIDs...)
		for _, nu := range newUnits {
			u, err := ts.CreateUnit(ctx, nu.Name)
			if err != nil {
				return err
			}
			for i, id := range unitIDs {
				if id == nu.ID {
					unitIDs[i] = u.ID
				}
			}
		}
		in.UnitIDs = unitIDs
		var err error
		if res, err = ts.InviteEmails(ctx, in); err != nil {
			return err
		}
		if len(res.Invited) == 0 {
			return errNobodyInvited
		}
		return nil
	})
	if errors.Is(err, errNobodyInvited) {
		return res, nil
	}
	return res, err
}

// readList reads the address list from a file, or standard input for "-".
func readList(path string) (string, error) {
	if path == "-" {
		b, err := io.ReadAll(inviteStdin)
		if err != nil {
			return "", fmt.Errorf("read standard input: %w", err)
		}
		return string(b), nil
	}
	if path == "" {
		return "", usagef("--emails-file needs a file name, or - for standard input")
	}
	b, err := os.ReadFile(path)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err // the path is named once, below
	}
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	return string(b), nil
}

// listSource names where the addresses came from, for messages.
func listSource(fromFile bool, path string) string {
	switch {
	case !fromFile:
		return "--emails"
	case path == "-":
		return "standard input"
	}
	return path
}

// reportInvite prints what the invite did and returns an error (exit 1) when a part
// of the list could not be read or an address was refused for another reason than
// being a member already.
func reportInvite(w io.Writer, res *lifecycle.InviteEmailsResult, list addrlist.Result) error {
	unreadable := list.Unreadable
	n := len(res.Invited)
	fmt.Fprintf(w, "Invited %s.", display.PluralOf(n, "person", "people"))
	if n > 0 {
		fmt.Fprint(w, " The invitation mails are queued; onboard mail send sends them.")
	}
	fmt.Fprintln(w)
	refused := len(unreadable)
	if len(res.NotInvited) > 0 {
		fmt.Fprintln(w, "Not invited:")
		for _, ni := range res.NotInvited {
			fmt.Fprintf(w, "  %s: %s\n", ni.Email, ni.Reason)
			if ni.Kind == lifecycle.NotInvitedInvalid {
				refused++
			}
		}
	}
	if len(unreadable) > 0 {
		fmt.Fprintln(w, "Could not be read:")
		for _, u := range unreadable {
			fmt.Fprintf(w, "  %s: %s\n", u.Text, u.Reason)
		}
	}
	if len(list.Duplicates) > 0 {
		fmt.Fprintln(w, "Listed more than once (counted once):")
		for _, d := range list.Duplicates {
			fmt.Fprintf(w, "  %s\n", d)
		}
	}
	if refused > 0 {
		return errors.New(display.Plural(refused, "part") + " of the list could not be read or invited; see above")
	}
	return nil
}
