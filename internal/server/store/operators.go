package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"onboard/internal/syncapi"
)

// TokenPrefix starts every operator token, so that a leaked token is recognisable
// (for secret scanners) and a mistyped one is refused early.
const TokenPrefix = "obs_"

// Permissions lists the permissions an operator can be granted: the operator
// rights of the catalogue (syncapi.OperatorPermissions), not a list of its own.
var Permissions = syncapi.OperatorPermissions()

// ParsePermissions reads a comma-separated list of operator permissions: names from
// syncapi.AllPermissions (see syncapi.ParsePermissionList: spaces, case and repeats
// do not matter) that are operator rights (syncapi.OperatorPermissions). Anything
// else is refused with ErrInvalid, naming the permission.
func ParsePermissions(list string) ([]syncapi.Permission, error) {
	ps, err := syncapi.ParsePermissionList(list)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	for _, p := range ps {
		if info, _ := syncapi.LookupPermission(p); !info.Operator {
			return nil, fmt.Errorf("%w: %q is not an operator permission (operator permissions: %s)",
				ErrInvalid, p, syncapi.JoinPermissions(syncapi.OperatorPermissions()))
		}
	}
	return ps, nil
}

// PermissionList returns the operator's permissions, in the catalogue's order. The
// stored list was checked when it was written; a name the catalogue no longer
// knows, or that is no operator right any more, grants nothing.
func (o *Operator) PermissionList() []syncapi.Permission {
	held := map[syncapi.Permission]bool{}
	for _, n := range strings.Split(o.Permissions, ",") {
		held[syncapi.Permission(strings.ToLower(strings.TrimSpace(n)))] = true
	}
	var out []syncapi.Permission
	for _, p := range syncapi.OperatorPermissions() {
		if held[p] {
			out = append(out, p)
		}
	}
	return out
}

// Has reports whether the operator has permission p.
func (o *Operator) Has(p syncapi.Permission) bool {
	return slices.Contains(o.PermissionList(), p)
}

// hashToken is what the database keeps of a token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AddOperator creates an operator with the given permissions and returns its API
// token: TokenPrefix and 32 random bytes in base64url. Only the token's SHA-256 is
// stored; the token cannot be shown again.
func (s *Store) AddOperator(ctx context.Context, name string, perms []syncapi.Permission) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", fmt.Errorf("store: add operator: %w: the name is empty", ErrInvalid)
	}
	raw, err := randomBytes(32)
	if err != nil {
		return "", fmt.Errorf("store: add operator: %w", err)
	}
	perms, err = ParsePermissions(syncapi.JoinPermissions(perms))
	if err != nil {
		return "", fmt.Errorf("store: add operator: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	op := Operator{
		ID:          uuid.Must(uuid.NewV7()).String(),
		Name:        name,
		NameFold:    fold(name),
		TokenHash:   hashToken(token),
		Permissions: syncapi.JoinPermissions(perms),
	}
	err = s.db.WithContext(ctx).Create(&op).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return "", fmt.Errorf("store: add operator: %w: an operator named %q exists (revoke it first)", ErrInvalid, name)
	}
	if err != nil {
		return "", fmt.Errorf("store: add operator %q: %w", name, err)
	}
	return token, nil
}

// Operators returns every operator, revoked ones included, oldest first.
func (s *Store) Operators(ctx context.Context) ([]Operator, error) {
	var ops []Operator
	if err := s.rdb.WithContext(ctx).Order("created_at, id").Find(&ops).Error; err != nil {
		return nil, fmt.Errorf("store: list operators: %w", err)
	}
	return ops, nil
}

// RevokeOperator revokes the operator named name (case-insensitively): its token
// stops working at once.
func (s *Store) RevokeOperator(ctx context.Context, name string) error {
	res := s.db.WithContext(ctx).Model(&Operator{}).
		Where("name_fold = ? AND revoked_at IS NULL", fold(name)).
		Update("revoked_at", now())
	if res.Error != nil {
		return fmt.Errorf("store: revoke operator %q: %w", name, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: revoke operator %q: %w (or already revoked)", name, ErrNotFound)
	}
	return nil
}

// Authenticate returns the operator a token belongs to, or ErrUnauthorized when the
// token is unknown or revoked. The token is looked up by its hash, which tells an
// attacker nothing about the stored hashes; the final comparison is constant-time.
func (s *Store) Authenticate(ctx context.Context, token string) (*Operator, error) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return nil, ErrUnauthorized
	}
	h := hashToken(token)
	var op Operator
	err := s.rdb.WithContext(ctx).Where("token_hash = ?", h).Take(&op).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("store: authenticate: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(op.TokenHash), []byte(h)) != 1 || op.RevokedAt != nil {
		return nil, ErrUnauthorized
	}
	return &op, nil
}
