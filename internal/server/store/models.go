package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"onboard/internal/syncapi"
)

// Row holds the columns every synchronised row has: the client-generated UUID, a
// version that grows by one with every write (what a push's BaseVersion is checked
// against), timestamps and the tombstone.
type Row struct {
	ID        string `gorm:"primaryKey"`
	Version   int64  `gorm:"not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt *time.Time // tombstone: the row is deleted but kept so that clients learn it
}

func (r *Row) row() *Row { return r }

// User is a person being onboarded. Username, email and external ID are unique
// case-insensitively among users that are not deleted, through their folded
// columns (see fold); empty values do not count.
type User struct {
	Row
	FirstName      string
	LastName       string
	NamesLocked    bool
	Email          string
	EmailFold      string `gorm:"uniqueIndex:users_email_fold,where:deleted_at IS NULL AND email_fold <> ''"`
	Username       string
	UsernameFold   string `gorm:"uniqueIndex:users_username_fold,where:deleted_at IS NULL AND username_fold <> ''"`
	Mobile         string
	ExternalID     string
	ExternalIDFold string `gorm:"uniqueIndex:users_external_id_fold,where:deleted_at IS NULL AND external_id_fold <> ''"`
	RoleID         string
	// ExtraPermissions are granted beyond the role's: a JSON array of names from
	// syncapi.AllPermissions.
	ExtraPermissions string `gorm:"not null;default:'[]'"`
	UnitIDs          string `gorm:"not null;default:'[]'"` // JSON array of unit IDs
	GroupIDs         string `gorm:"not null;default:'[]'"` // JSON array of group IDs
	InvitationText   string
	Notes            string
	Phase            string
	KeyExpiresAt     *time.Time
	InvitedAt        *time.Time
	ActivatedAt      *time.Time
	DeactivatedAt    *time.Time
	InviteKeyID      *string
	UpdatedBy        string
	// CreatedBy is the ID of the operator whose push created the user; "" for a
	// user who registered through an invite key (see Store.userOwner) or whose
	// creator is not known any more. Never pushed nor pulled.
	CreatedBy string `gorm:"not null;default:'';index:users_created_by"`

	// Set by registration only; never pushed nor pulled.
	PasswordHash string // Argon2id, PHC string format
	TOTPSecret   string // "" without two-factor
	// TwoFactor is the second factor set up at registration: web.TwoFactorApp,
	// web.TwoFactorEmail or "" for none.
	TwoFactor       string     `gorm:"not null;default:''"`
	TermsAcceptedAt *time.Time // when the person accepted the terms
}

// Unit is a company, client, class or service area.
type Unit struct {
	Row
	Name string
}

// Group is a contact group.
type Group struct {
	Row
	Name string
}

// Role is a named set of permissions.
type Role struct {
	Row
	Name        string
	Permissions string `gorm:"not null;default:'[]'"` // JSON array
}

// PersonalKey is a one-time registration key of one user, stored as the SHA-256 of
// its canonical form (syncapi.HashKey), never the key.
type PersonalKey struct {
	Row
	UserID     string `gorm:"index"`
	KeyHash    string `gorm:"uniqueIndex:personal_keys_key_hash,where:deleted_at IS NULL"`
	IssuedAt   time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	RedeemedAt *time.Time
}

// InviteKey is a short multi-use key, stored as an HMAC-SHA256 of its canonical
// form under the server secret, never the key. Uses is counted by the server only.
type InviteKey struct {
	Row
	Label      string
	KeyHMAC    string `gorm:"column:key_hmac;uniqueIndex:invite_keys_key_hmac,where:deleted_at IS NULL"`
	RoleID     string
	UnitIDs    string `gorm:"not null;default:'[]'"` // JSON array
	GroupIDs   string `gorm:"not null;default:'[]'"` // JSON array
	ValidUntil time.Time
	MaxUses    int
	Uses       int
	RevokedAt  *time.Time
	CreatedBy  string `gorm:"not null;default:''"` // the ID of the operator who created it; never pushed nor pulled
}

// Change is one entry of the change log: the row (entity, row ID) was written in the
// transaction that got sequence number Seq. A row has at most one entry, its latest:
// a write deletes the row's older entry, so a pull returns each changed row once, in
// its current state. Seq never goes back (AUTOINCREMENT on SQLite, a sequence on
// PostgreSQL), so a deleted entry's number is never reused.
type Change struct {
	Seq    int64  `gorm:"primaryKey;autoIncrement"`
	Entity string `gorm:"not null;uniqueIndex:changes_row,priority:1"`
	RowID  string `gorm:"not null;uniqueIndex:changes_row,priority:2"`
}

// Mutation records an applied push of one operator, so that the same mutation
// pushed again is answered as a duplicate and not applied twice.
type Mutation struct {
	MutationID string `gorm:"primaryKey"` // first: the key's leading column is what pushes look up
	OperatorID string `gorm:"primaryKey"`
	Entity     string
	RowID      string
	Version    int64 // the row's version the mutation produced
	// Digest is the digest of what the change carried ("" for mutations applied
	// before digests were kept): a mutation ID pushed again with other data is a
	// conflict, not a duplicate.
	Digest    string    `gorm:"not null;default:''"`
	AppliedAt time.Time `gorm:"index"`
}

// Operator is someone (a desktop app) allowed to use the API with a token. The token
// is stored as its SHA-256; names are unique among operators that are not revoked.
type Operator struct {
	ID          string `gorm:"primaryKey"`
	Name        string
	NameFold    string `gorm:"uniqueIndex:operators_name_fold,where:revoked_at IS NULL"`
	TokenHash   string `gorm:"uniqueIndex"`
	Permissions string // comma-separated syncapi.Permission values
	CreatedAt   time.Time
	RevokedAt   *time.Time
}

// RateLimit counts the attempts of one bucket in one fixed time window. Bucket is
// the SHA-256 of the caller's bucket name, which may contain a key.
type RateLimit struct {
	Bucket      string    `gorm:"primaryKey"`
	WindowStart int64     `gorm:"primaryKey;autoIncrement:false"` // Unix milliseconds
	Hits        int       `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"index"`
}

// Setting is one named setting.
type Setting struct {
	Name  string `gorm:"primaryKey"`
	Value string `gorm:"not null"`
}

// schemaVersion is the version of the tables this build creates. A database written
// by a newer build is refused rather than changed. AutoMigrate adds new tables and
// columns; what an older database needs beyond that (data to carry over) is an
// entry of upgrades.
//
//	1  the first release
//	2  users.extra_permissions; the manage-roles operator permission (see upgradeTo2)
//	3  users.created_by, invite_keys.created_by; the manage-users, manage-units,
//	   manage-groups and manage-invite-keys operator permissions (see upgradeTo3)
//	4  users.two_factor (existing users with a TOTP secret: app, see upgradeTo4);
//	   email_codes
const schemaVersion = 4

// upgrades holds, by the version they lead to, the steps that bring a database of
// the version before up to it, after AutoMigrate has added the new columns. They
// run in the migration's transaction, on SQLite and PostgreSQL alike, so they use
// portable SQL only.
var upgrades = map[int]func(tx *gorm.DB) error{
	2: upgradeTo2,
	3: upgradeTo3,
	4: upgradeTo4,
}

// upgradeTo4 records the second factor of the users registered before version 4:
// an authenticator app for those with a TOTP secret.
func upgradeTo4(tx *gorm.DB) error {
	if err := tx.Model(&User{}).Where("totp_secret <> ''").UpdateColumn("two_factor", "app").Error; err != nil {
		return fmt.Errorf("record the second factor of registered users: %w", err)
	}
	return nil
}

// upgradeTo2 decides who keeps managing roles. Before version 2 any operator could
// push roles; now that needs syncapi.PermManageRoles. An operator who holds every
// operator right there was before (add-users, add-users-by-link and bulk-invite)
// is one the organization trusted with everything, so it gets manage-roles too and
// its desktop keeps working as before. Other operators lose the right to change
// roles until an administrator adds a new token for them with manage-roles.
// Operators created from version 2 on get exactly the permissions they are given.
func upgradeTo2(tx *gorm.DB) error {
	var ops []Operator
	if err := tx.Where("revoked_at IS NULL").Find(&ops).Error; err != nil {
		return fmt.Errorf("read operators: %w", err)
	}
	old := []syncapi.Permission{syncapi.PermAddUsers, syncapi.PermAddUsersByLink, syncapi.PermBulkInvite}
	for _, op := range ops {
		held := op.PermissionList()
		if !containsAll(held, old) || slices.Contains(held, syncapi.PermManageRoles) {
			continue
		}
		perms := syncapi.JoinPermissions(append(held, syncapi.PermManageRoles))
		if err := tx.Model(&Operator{}).Where("id = ?", op.ID).Update("permissions", perms).Error; err != nil {
			return fmt.Errorf("grant manage-roles to %s: %w", op.Name, err)
		}
	}
	return nil
}

// upgradeTo3 decides who keeps changing what every operator could change before
// version 3 (units, groups, users others created, invite keys others created), and
// who created the rows there are.
//
// Permissions: as in upgradeTo2, an operator trusted with every operator right of
// version 2 (add-users, add-users-by-link, bulk-invite, manage-roles) gets the new
// ones too (manage-users, manage-units, manage-groups, manage-invite-keys), so its
// desktop keeps working as before. Other operators can from now on change only the
// users and invite keys they created, and no units or groups, until an
// administrator adds a token for them with more permissions.
//
// Creators: a user's or invite key's creator is the operator whose mutation made
// version 1 of it, as far as the mutations still tell (they are kept for
// MutationRetention); rows older than that keep no creator, so only operators with
// manage-users (manage-invite-keys) may change them.
func upgradeTo3(tx *gorm.DB) error {
	var ops []Operator
	if err := tx.Where("revoked_at IS NULL").Find(&ops).Error; err != nil {
		return fmt.Errorf("read operators: %w", err)
	}
	old := []syncapi.Permission{syncapi.PermAddUsers, syncapi.PermAddUsersByLink, syncapi.PermBulkInvite, syncapi.PermManageRoles}
	added := []syncapi.Permission{syncapi.PermManageUsers, syncapi.PermManageUnits, syncapi.PermManageGroups, syncapi.PermManageInviteKeys}
	for _, op := range ops {
		held := op.PermissionList()
		if !containsAll(held, old) {
			continue
		}
		all := Operator{Permissions: syncapi.JoinPermissions(append(held, added...))}
		perms := syncapi.JoinPermissions(all.PermissionList()) // in the catalogue's order
		if err := tx.Model(&Operator{}).Where("id = ?", op.ID).Update("permissions", perms).Error; err != nil {
			return fmt.Errorf("grant the version 3 permissions to %s: %w", op.Name, err)
		}
	}
	for _, e := range []struct {
		entity syncapi.Entity
		model  any
	}{{syncapi.EntityUser, &User{}}, {syncapi.EntityInviteKey, &InviteKey{}}} {
		if err := backfillCreators(tx, e.entity, e.model); err != nil {
			return err
		}
	}
	return nil
}

// backfillCreators sets created_by of the rows of entity e from the mutations
// that created them.
func backfillCreators(tx *gorm.DB, e syncapi.Entity, model any) error {
	var muts []Mutation
	if err := tx.Select("operator_id", "row_id").Where("entity = ? AND version = 1", string(e)).Find(&muts).Error; err != nil {
		return fmt.Errorf("read the creators of %s rows: %w", e, err)
	}
	byOp := map[string][]string{}
	for _, m := range muts {
		byOp[m.OperatorID] = append(byOp[m.OperatorID], m.RowID)
	}
	for op, ids := range byOp {
		for _, c := range chunks(ids, idChunk) {
			err := tx.Model(model).Where("id IN ? AND created_by = ''", c).UpdateColumn("created_by", op).Error
			if err != nil {
				return fmt.Errorf("record the creators of %s rows: %w", e, err)
			}
		}
	}
	return nil
}

func containsAll(have, want []syncapi.Permission) bool {
	for _, p := range want {
		if !slices.Contains(have, p) {
			return false
		}
	}
	return true
}

// migrationLock is the PostgreSQL advisory lock that serializes migrations of
// servers starting at the same time.
const migrationLock = 0x6f6e626f61726401 // "onboard" 01

// migrate creates or updates the tables in one transaction.
func (s *Store) migrate(ctx context.Context) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == Postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", int64(migrationLock)).Error; err != nil {
				return err
			}
		}
		from := schemaVersion // a new database has nothing to upgrade
		if tx.Migrator().HasTable(&Setting{}) {
			var v string
			if err := tx.Raw("SELECT value FROM settings WHERE name = ?", settingSchema).Scan(&v).Error; err != nil {
				return err
			}
			n, _ := strconv.Atoi(v)
			if n > schemaVersion {
				return fmt.Errorf("the database has schema %d; this onboard-server knows up to %d: update it", n, schemaVersion)
			}
			from = max(n, 1)
		}
		err := tx.AutoMigrate(&Setting{}, &Operator{}, &User{}, &Unit{}, &Group{}, &Role{},
			&PersonalKey{}, &InviteKey{}, &Change{}, &Mutation{}, &RateLimit{}, &EmailCode{})
		if err != nil {
			return err
		}
		for v := from + 1; v <= schemaVersion; v++ {
			if up := upgrades[v]; up != nil {
				if err := up(tx); err != nil {
					return fmt.Errorf("upgrade to schema %d: %w", v, err)
				}
			}
		}
		return upsertSetting(tx, settingSchema, strconv.Itoa(schemaVersion))
	})
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}
