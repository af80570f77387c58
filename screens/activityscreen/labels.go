package activityscreen

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"onboard/data"
	"onboard/internal/display"
	"onboard/resources"
)

// actionLabels name the actions the audit log records (lifecycle's actions, the
// catalog's, invite keys, setup and sync), translated where shown. An action not
// listed shows as it is recorded.
var actionLabels = map[string]string{
	"user.create":            resources.Mark("User created"),
	"user.edit":              resources.Mark("User edited"),
	"user.invite":            resources.Mark("Invitation sent"),
	"user.resend":            resources.Mark("Invitation sent again"),
	"user.cancel-invitation": resources.Mark("Invitation cancelled"),
	"user.new-key":           resources.Mark("New key issued"),
	"user.deactivate":        resources.Mark("User deactivated"),
	"user.reactivate":        resources.Mark("User reactivated"),
	"user.delete":            resources.Mark("User deleted"),
	"user.register":          resources.Mark("Marked as registered"),
	"user.change-role":       resources.Mark("Role changed"),
	"user.add-to-group":      resources.Mark("Added to a group"),
	"user.letter":            resources.Mark("Letter printed"),
	"unit.create":            resources.Mark("Unit created"),
	"unit.rename":            resources.Mark("Unit renamed"),
	"unit.delete":            resources.Mark("Unit deleted"),
	"group.create":           resources.Mark("Group created"),
	"group.rename":           resources.Mark("Group renamed"),
	"group.delete":           resources.Mark("Group deleted"),
	"role.create":            resources.Mark("Role created"),
	"role.rename":            resources.Mark("Role renamed"),
	"role.permissions":       resources.Mark("Role permissions changed"),
	"role.delete":            resources.Mark("Role deleted"),
	"invite-key.create":      resources.Mark("Invite key created"),
	"invite-key.revoke":      resources.Mark("Invite key revoked"),
	"setup":                  resources.Mark("First-run setup"),
	data.ActionSyncPull:      resources.Mark("Changed on the server"),
	data.ActionSyncConflict:  resources.Mark("Sync conflict"),
}

// actionLabel is an action as the screen shows it.
func actionLabel(action string) string {
	if l, ok := actionLabels[action]; ok {
		return lang.L(l)
	}
	return action
}

// sortedActions orders actions by their labels.
func sortedActions(actions []string) []string {
	out := slices.Clone(actions)
	slices.SortStableFunc(out, func(a, b string) int {
		return strings.Compare(strings.ToLower(actionLabel(a)), strings.ToLower(actionLabel(b)))
	})
	return out
}

// actorLabel is who made a change as the screen shows it.
func actorLabel(actor string) string {
	switch actor {
	case data.SyncActor:
		return lang.L("Sync with the server")
	case "":
		return lang.L("(not recorded)")
	}
	return actor
}

// oneLine keeps a text on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// userName is a user as the log shows it, marked when deleted.
func userName(u *data.AuditUser) string {
	if u.Deleted {
		return fmt.Sprintf(lang.L("%s (deleted)"), u.FullName())
	}
	return u.FullName()
}

// usersCell is the Users cell of an event: the first user and how many more.
func usersCell(a data.AuditUsers) string {
	switch {
	case a.Total == 0 || len(a.Users) == 0:
		return ""
	case a.Total == 1:
		return userName(&a.Users[0])
	}
	return fmt.Sprintf(lang.L("%s and %s more"), userName(&a.Users[0]), display.Count(a.Total-1))
}

// usersText lists the users of an event, "A, B and 1,234 more".
func usersText(a data.AuditUsers) string {
	names := make([]string, len(a.Users))
	for i := range a.Users {
		names[i] = userName(&a.Users[i])
	}
	text := strings.Join(names, ", ")
	if more := a.Total - len(a.Users); more > 0 {
		text = fmt.Sprintf(lang.L("%s and %s more"), text, display.Count(more))
	}
	return text
}

// fieldLabels name the fields the changes of an event record.
var fieldLabels = map[string]string{
	"first_name": resources.Mark("First name"), "last_name": resources.Mark("Last name"),
	"names_locked": resources.Mark("Names locked"), "email": resources.Mark("Email"),
	"username": resources.Mark("Username"), "mobile": resources.Mark("Mobile"),
	"external_id": resources.Mark("External ID"), "role_id": resources.Mark("Role"),
	"extra_permissions": resources.Mark("Also may"), "units": resources.Mark("Units"),
	"unit_ids": resources.Mark("Units"), "groups": resources.Mark("Groups"), "group_ids": resources.Mark("Groups"),
	"invitation_text": resources.Mark("Invitation text"), "notes": resources.Mark("Notes"),
	"phase": resources.Mark("Status"), "key_expires_at": resources.Mark("Valid until"),
	"invited_at": resources.Mark("Invited"), "activated_at": resources.Mark("Activated"),
	"deactivated_at": resources.Mark("Deactivated"), "invite_key_id": resources.Mark("Invite key"),
	"deleted": resources.Mark("Deleted"),
}

func fieldLabel(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return lang.L(l)
	}
	return strings.ReplaceAll(field, "_", " ")
}

// maxValue is how many characters of a changed value are shown.
const maxValue = 120

// changeLines are an event's changes, "Email: old → new", sorted by field; for a
// sync conflict the version made here and the server's that was kept. names maps
// the IDs of roles, units and groups to their names. Changes that are not a JSON
// object of changes are shown as they are.
func changeLines(e *data.AuditEvent, names map[string]string) []string {
	if strings.TrimSpace(e.Changes) == "" {
		return nil
	}
	var changes map[string]data.Change
	if json.Unmarshal([]byte(e.Changes), &changes) != nil {
		return []string{oneLine(e.Changes)}
	}
	fields := make([]string, 0, len(changes))
	for f := range changes {
		fields = append(fields, f)
	}
	slices.SortFunc(fields, func(a, b string) int { return strings.Compare(fieldLabel(a), fieldLabel(b)) })
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		c := changes[f]
		old, cur := changeValue(c.Old, names), changeValue(c.New, names)
		if e.Action == data.ActionSyncConflict {
			out = append(out, fmt.Sprintf(lang.L("%s: made here %s; kept from the server %s"), fieldLabel(f), old, cur))
		} else {
			out = append(out, fmt.Sprintf(lang.L("%s: %s → %s"), fieldLabel(f), old, cur))
		}
	}
	return out
}

// changeValue is a recorded value in words: names for IDs of roles, units and
// groups, local times for times, "(empty)" for nothing.
func changeValue(v any, names map[string]string) string {
	switch x := v.(type) {
	case nil:
		return lang.L("(empty)")
	case bool:
		if x {
			return lang.L("yes")
		}
		return lang.L("no")
	case string:
		if strings.TrimSpace(x) == "" {
			return lang.L("(empty)")
		}
		if n, ok := names[x]; ok {
			return n
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return display.Time(&t)
		}
		return shorten(oneLine(x))
	case []any:
		if len(x) == 0 {
			return lang.L("(none)")
		}
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = changeValue(p, names)
		}
		return shorten(strings.Join(parts, ", "))
	}
	b, _ := json.Marshal(v)
	return shorten(string(b))
}

// shorten cuts a text to maxValue characters.
func shorten(s string) string {
	if r := []rune(s); len(r) > maxValue {
		return string(r[:maxValue-1]) + "…"
	}
	return s
}
