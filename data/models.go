// Package data is Onboard's local store: the GORM models, the SQLite file with its
// versioned migrations, and the queries the services, the CLI and the screens use.
// It knows nothing of Fyne.
package data

import (
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"onboard/internal/syncapi"
)

// Row holds the columns every synchronised row has: a client-generated UUID, the
// timestamps, the tombstone and a per-row change counter that grows with every write,
// so a sync can send exactly the rows that changed.
type Row struct {
	ID        string `gorm:"primaryKey"`
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt gorm.DeletedAt
	Version   int64
}

// BeforeCreate assigns a new ID when none is set and starts the change counter.
func (r *Row) BeforeCreate(*gorm.DB) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.Version == 0 {
		r.Version = 1
	}
	return nil
}

// BeforeUpdate counts the change.
func (r *Row) BeforeUpdate(*gorm.DB) error {
	r.Version++
	return nil
}

// NewID returns a new time-ordered UUID (version 7) as a string.
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// Fold returns the form of s used for case-insensitive uniqueness: trimmed, Unicode
// NFC (so a decomposed "ü" from macOS equals a composed one) and lower case.
func Fold(s string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimSpace(s)))
}

// Permission is a right a role (or one user, in addition to the role) holds; the
// list of them is syncapi.AllPermissions.
type Permission = syncapi.Permission

// Role is a named set of permissions.
type Role struct {
	Row
	Name        string
	NameFold    string
	Permissions string // comma-separated Permission values
}

// PermissionList returns the role's permissions.
func (r *Role) PermissionList() []Permission { return splitPermissions(r.Permissions) }

// splitPermissions splits a comma-separated permissions column.
func splitPermissions(list string) []Permission {
	var out []Permission
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, Permission(p))
		}
	}
	return out
}

// permissionStrings is ps as plain strings, for the wire.
func permissionStrings(ps []Permission) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p))
	}
	return out
}

// ExtraPermissionList returns the permissions the user holds beyond the role's.
func (u *User) ExtraPermissionList() []Permission { return splitPermissions(u.ExtraPermissions) }

// ExtraPermissionNames is ExtraPermissionList as plain strings (the form of
// UserInput and of the wire).
func (u *User) ExtraPermissionNames() []string { return permissionStrings(u.ExtraPermissionList()) }

// BeforeSave keeps the folded name in step.
func (r *Role) BeforeSave(*gorm.DB) error { r.NameFold = Fold(r.Name); return nil }

// Unit is a company, client, class or service area; every user belongs to at least one.
type Unit struct {
	Row
	Name     string
	NameFold string
}

// BeforeSave keeps the folded name in step.
func (u *Unit) BeforeSave(*gorm.DB) error { u.NameFold = Fold(u.Name); return nil }

// Group is a contact group; a user may be in many.
type Group struct {
	Row
	Name     string
	NameFold string
}

// BeforeSave keeps the folded name in step.
func (g *Group) BeforeSave(*gorm.DB) error { g.NameFold = Fold(g.Name); return nil }

// Phase is the stored step of a user's lifecycle, changed only by actions. The status
// an operator sees (see Status) is derived from it, the key's expiry and the clock.
type Phase string

// The lifecycle phases.
const (
	PhaseNotActivated Phase = "not_activated"
	PhaseInvited      Phase = "invited"
	PhaseActive       Phase = "active"
	PhaseDeactivated  Phase = "deactivated"
)

// User is a person being onboarded.
type User struct {
	Row
	FirstName      string
	LastName       string
	NamesLocked    bool
	Email          string
	EmailFold      string
	Username       string
	UsernameFold   string
	Mobile         string
	ExternalID     string
	ExternalIDFold string
	RoleID         string
	// ExtraPermissions are granted beyond the role's, comma-separated.
	ExtraPermissions string
	InvitationText   string
	Notes            string
	Phase            Phase
	KeyExpiresAt     *time.Time // expiry of the current personal key; nil when there is none
	InvitedAt        *time.Time
	ActivatedAt      *time.Time
	DeactivatedAt    *time.Time
	InviteKeyID      *string // the invite key the user registered with, if any
	SortKey          string  // the order of user lists; see SortKey
	SearchText       string  // what the search box matches; see SearchText
	CreatedEventID   *string // the audit event of the bulk operation that created the user
	CreatedBy        string
	UpdatedBy        string
}

// BeforeSave keeps the folded columns, which carry the unique indexes, in step.
func (u *User) BeforeSave(*gorm.DB) error {
	u.EmailFold = Fold(u.Email)
	u.UsernameFold = Fold(u.Username)
	u.ExternalIDFold = Fold(u.ExternalID)
	if u.ID == "" {
		u.ID = NewID()
	}
	u.SortKey = SortKey(u.LastName, u.FirstName, u.ID)
	u.SearchText = SearchText(u.FirstName, u.LastName, u.Email, u.Username, u.ExternalID)
	return nil
}

// SearchText is the one column the search box matches: names, email, username and
// external ID, in lower case without accents, so "muller" finds Müller. A username
// the email already contains is left out: the column stays short, and so does the
// scan of its index.
func SearchText(first, last, email, username, externalID string) string {
	mail, user := sortFold(email), sortFold(username)
	if strings.Contains(mail, user) {
		user = ""
	}
	return sortFold(first+" "+last) + "\x1f" + mail + "\x1f" + user + "\x1f" + sortFold(externalID)
}

// SortKey orders users by last name, then first name, the way an admin expects:
// case and accents ignored (Ö sorts with O, ß as ss), ties broken by ID so that the
// order is total and paging is stable.
func SortKey(last, first, id string) string {
	return sortFold(last) + "\x1f" + sortFold(first) + "\x1f" + id
}

func sortFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(s))) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ı': // Turkish dotless i: "YILMAZ" finds Yılmaz
			b.WriteByte('i')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FullName is "First Last", or the username when both names are empty.
func (u *User) FullName() string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Username
}

// Status derives the user's status at the given time.
func (u *User) Status(now time.Time) Status { return StatusOf(u.Phase, u.KeyExpiresAt, now) }

// PersonalKey is a one-time registration key of one user. At most one key per user is
// live (neither revoked nor redeemed); the database enforces it.
type PersonalKey struct {
	Row
	UserID     string
	Key        string
	IssuedAt   time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	RedeemedAt *time.Time
}

// InviteKey is a short multi-use key anyone can register with, in the key's role,
// units and groups, until it expires, is used up or is revoked.
type InviteKey struct {
	Row
	Label      string
	Key        string
	RoleID     string
	ValidUntil time.Time
	MaxUses    int
	Uses       int
	RevokedAt  *time.Time
	CreatedBy  string
}

// AuditEvent records who did what to which row, and when.
type AuditEvent struct {
	Row
	At         time.Time
	Actor      string
	Action     string
	EntityType string
	EntityID   string
	Summary    string
	Changes    string // JSON object: field -> [old, new]
}
