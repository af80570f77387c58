// Package syncapi is the wire protocol between the Onboard desktop app and
// onboard-server: the JSON bodies of the /api/v1 endpoints. It holds types and
// small pure helpers only, so both sides (and their tests) share one definition.
//
// Protocol, in short:
//
//   - Every request carries "Authorization: Bearer <operator token>".
//   - GET  /api/v1/me returns the operator (Me): name and permissions.
//   - POST /api/v1/push takes a PushRequest: a batch of Changes, each the whole new
//     state of one row with a client-generated row ID, the server version the
//     client last saw (BaseVersion, 0 for a new row) and a MutationID. The answer,
//     a PushResponse, has one Result per change, in order. Applying the same
//     mutation twice changes nothing and answers as the first time (duplicate).
//     A change whose BaseVersion is not the row's current server version is not
//     applied: the answer is a conflict with the current row (server order wins).
//     A change the operator's permissions do not allow is refused with a reason;
//     it does not block the others.
//   - GET  /api/v1/pull?cursor=N&limit=M returns a PullResponse: the rows changed
//     after cursor N, in the order the server committed them, each in its current
//     state, and the new cursor. Cursors only grow; pull until More is false.
//   - Personal keys travel as SHA-256 hashes (KeyHash) only. Invite keys travel in
//     plain text once, on push (the server keeps an HMAC and forgets the text).
//   - A request that fails as a whole gets a non-2xx status and an ErrorResponse:
//     400 (malformed), 401 (token missing, unknown or revoked), 405, 413 (more
//     than MaxPushChanges changes or MaxPushBytes bytes), 5xx (push the same
//     batch again: the mutation IDs make that safe however far the first got).
package syncapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Entity names the kind of row a change is about.
type Entity string

// The synchronised entities.
const (
	EntityUser        Entity = "user"
	EntityUnit        Entity = "unit"
	EntityGroup       Entity = "group"
	EntityRole        Entity = "role"
	EntityPersonalKey Entity = "personal_key"
	EntityInviteKey   Entity = "invite_key"
)

// BulkLimit is how many new users an operator without PermBulkInvite may create
// within BulkWindow, in one push or in several: the server counts the users the
// operator created in the last BulkWindow and refuses the new users of a push
// that would go beyond.
const (
	BulkLimit  = 20
	BulkWindow = time.Hour
)

// Me is the operator a token belongs to.
type Me struct {
	Operator     string       `json:"operator"`
	Permissions  []Permission `json:"permissions"`
	Organization string       `json:"organization"`
}

// Has reports whether the operator has permission p.
func (m *Me) Has(p Permission) bool {
	for _, x := range m.Permissions {
		if x == p {
			return true
		}
	}
	return false
}

// Change is the new state of one row, as pushed by a client.
type Change struct {
	MutationID  string          `json:"mutation_id"`
	Entity      Entity          `json:"entity"`
	ID          string          `json:"id"`
	BaseVersion int64           `json:"base_version"`
	Deleted     bool            `json:"deleted,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"` // a User, Unit, Group, Role, PersonalKey or InviteKey
}

// PushRequest is a batch of changes.
type PushRequest struct {
	Changes []Change `json:"changes"`
}

// Status is what became of one pushed change.
type Status string

// The statuses of a pushed change.
const (
	StatusApplied   Status = "applied"
	StatusDuplicate Status = "duplicate" // the mutation was applied before
	StatusConflict  Status = "conflict"  // BaseVersion is stale; Current holds the server's row
	StatusRefused   Status = "refused"   // not allowed or not valid; Reason says why
)

// Result answers one change.
type Result struct {
	MutationID string  `json:"mutation_id"`
	Status     Status  `json:"status"`
	Version    int64   `json:"version,omitempty"` // the row's server version now
	Reason     string  `json:"reason,omitempty"`
	Current    *Record `json:"current,omitempty"` // for a conflict
}

// PushResponse answers a push, one result per change in order.
type PushResponse struct {
	Results []Result `json:"results"`
}

// Record is the current state of one row on the server.
type Record struct {
	Seq     int64           `json:"seq,omitempty"` // position in the server's change order
	Entity  Entity          `json:"entity"`
	ID      string          `json:"id"`
	Version int64           `json:"version"`
	Deleted bool            `json:"deleted,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Limits of the API. A pull's limit defaults to DefaultPullLimit and is capped at
// MaxPullLimit.
const (
	MaxPushChanges   = 5000     // changes in one push
	MaxPushBytes     = 64 << 20 // bytes of one push request body
	DefaultPullLimit = 500
	MaxPullLimit     = 5000
)

// ErrorResponse is the body of an answer with an error status.
type ErrorResponse struct {
	Error string `json:"error"`
}

// PullResponse is one page of changes after a cursor.
type PullResponse struct {
	Records []Record `json:"records"`
	Cursor  int64    `json:"cursor"` // pass it to the next pull
	More    bool     `json:"more"`
}

// User is a user's row. Units and groups are lists of IDs.
type User struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	NamesLocked bool   `json:"names_locked,omitempty"`
	Email       string `json:"email,omitempty"`
	Username    string `json:"username"`
	Mobile      string `json:"mobile,omitempty"`
	ExternalID  string `json:"external_id,omitempty"`
	RoleID      string `json:"role_id"`
	// ExtraPermissions are granted to this person beyond their role's (names from AllPermissions).
	ExtraPermissions []string   `json:"extra_permissions,omitempty"`
	UnitIDs          []string   `json:"unit_ids"`
	GroupIDs         []string   `json:"group_ids,omitempty"`
	InvitationText   string     `json:"invitation_text,omitempty"`
	Notes            string     `json:"notes,omitempty"`
	Phase            string     `json:"phase"` // not_activated, invited, active, deactivated
	KeyExpiresAt     *time.Time `json:"key_expires_at,omitempty"`
	InvitedAt        *time.Time `json:"invited_at,omitempty"`
	ActivatedAt      *time.Time `json:"activated_at,omitempty"`
	DeactivatedAt    *time.Time `json:"deactivated_at,omitempty"`
	InviteKeyID      *string    `json:"invite_key_id,omitempty"`
	UpdatedBy        string     `json:"updated_by,omitempty"`
}

// Unit is a unit's or a group's row.
type Unit struct {
	Name string `json:"name"`
}

// Role is a role's row.
type Role struct {
	Name        string   `json:"name"`
	Permissions []string `json:"permissions,omitempty"`
}

// PersonalKey is a personal key's row: its hash, never the key.
type PersonalKey struct {
	UserID     string     `json:"user_id"`
	KeyHash    string     `json:"key_hash"`
	IssuedAt   time.Time  `json:"issued_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	RedeemedAt *time.Time `json:"redeemed_at,omitempty"`
}

// InviteKey is an invite key's row. Key is sent on push only; the server never
// returns it.
type InviteKey struct {
	Label      string     `json:"label"`
	Key        string     `json:"key,omitempty"`
	RoleID     string     `json:"role_id"`
	UnitIDs    []string   `json:"unit_ids"`
	GroupIDs   []string   `json:"group_ids,omitempty"`
	ValidUntil time.Time  `json:"valid_until"`
	MaxUses    int        `json:"max_uses"`
	Uses       int        `json:"uses"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// HashKey is the SHA-256 of a personal key in its canonical form (as keys.Parse
// returns it), in hex: what the server stores and looks keys up by.
func HashKey(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return hex.EncodeToString(sum[:])
}

// MutationID is the ID of pushing version version of row id: the same state pushed
// again (after a lost answer) carries the same ID, so the server applies it once.
func MutationID(entity Entity, id string, version int64) string {
	sum := sha256.Sum256([]byte(string(entity) + "/" + id + "/" + strconv.FormatInt(version, 10)))
	return hex.EncodeToString(sum[:16])
}
