package lifecycle

import (
	"context"
	"errors"
	"fmt"

	"onboard/data"
)

// AbsentRule is what an update from a list does with the users of the units the
// file covers that the file does not list (pupils who left).
type AbsentRule string

// The rules for absent users.
const (
	KeepAbsent       AbsentRule = "keep"
	DeactivateAbsent AbsentRule = "deactivate"
	DeleteAbsent     AbsentRule = "delete"
)

// AbsentRules lists the rules in the order the wizard offers them.
var AbsentRules = []AbsentRule{KeepAbsent, DeactivateAbsent, DeleteAbsent}

// ParseAbsentRule reads a rule by name.
func ParseAbsentRule(s string) (AbsentRule, error) {
	for _, r := range AbsentRules {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown rule %q for users not in the file (use keep, deactivate or delete)", s)
}

// importAbsent deactivates or deletes the absent users of b, each audited like the
// action by hand; a user already deactivated is not deactivated again.
func (s *Service) importAbsent(ctx context.Context, tx *data.Store, b *ImportBatch, out *ImportOutcome) error {
	if b.AbsentRule != DeactivateAbsent && b.AbsentRule != DeleteAbsent {
		return nil
	}
	for _, id := range b.Absent {
		if err := ctx.Err(); err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return fmt.Errorf("user not in the file: %w", err)
		}
		switch {
		case b.AbsentRule == DeleteAbsent:
			if err := s.Delete(ctx, id); err != nil {
				return fmt.Errorf("delete %s: %w", u.FullName(), err)
			}
			out.Deleted++
		case u.Phase != data.PhaseDeactivated:
			if _, err := s.Deactivate(ctx, id); err != nil {
				return fmt.Errorf("deactivate %s: %w", u.FullName(), err)
			}
			out.Deactivated++
		}
	}
	return nil
}

// ErrNoImport means there is no import to undo.
var ErrNoImport = errors.New("there is no import to undo")

// LastImport returns the newest import, nil when there is none.
func (s *Service) LastImport(ctx context.Context) (*data.Import, error) {
	im, err := s.store.LastImport(ctx)
	if errors.Is(err, data.ErrNotFound) {
		return nil, nil
	}
	return im, err
}

// UndoLastImport puts the store back exactly as it was before the newest import
// (data.Store.UndoImport) and returns that import. It refuses when there is
// none (ErrNoImport), when the import kept no backup, or when anything changed
// after it (data.ErrUndoStale).
func (s *Service) UndoLastImport(ctx context.Context) (*data.Import, error) {
	im, err := s.LastImport(ctx)
	if err != nil {
		return nil, err
	}
	if im == nil {
		return nil, ErrNoImport
	}
	return im, s.store.UndoImport(ctx, im)
}
