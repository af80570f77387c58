package data

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestNestedWriteUndoesOnlyItsPart: a failed Write inside another undoes what it
// did; the outer transaction goes on and commits the rest.
func TestNestedWriteUndoesOnlyItsPart(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	failed := errors.New("inner failure")
	err := s.Write(ctx, func(tx *Store) error {
		if err := tx.CreateUnit(ctx, &Unit{Name: "kept"}); err != nil {
			return err
		}
		err := tx.Write(ctx, func(in *Store) error {
			if err := in.CreateUnit(ctx, &Unit{Name: "undone"}); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			return fmt.Errorf("inner write: %v", err)
		}
		return tx.Write(ctx, func(in *Store) error { return in.CreateUnit(ctx, &Unit{Name: "also kept"}) })
	})
	if err != nil {
		t.Fatal(err)
	}
	units, err := s.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range units {
		got = append(got, u.Name)
	}
	if fmt.Sprint(got) != "[also kept kept]" {
		t.Fatalf("units after the write: %v, want [also kept kept]", got)
	}
}

// TestNestedWriteLeavesNoSavepointOpen: gorm's nested transactions leave each
// savepoint open until the end of the transaction, which made SQLite check
// thousands of them for every page an import wrote; Write releases its own.
func TestNestedWriteLeavesNoSavepointOpen(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	err := s.Write(ctx, func(tx *Store) error {
		for i := range 3 {
			if err := tx.Write(ctx, func(in *Store) error { return in.CreateUnit(ctx, &Unit{Name: fmt.Sprint("u", i)}) }); err != nil {
				return err
			}
			name := fmt.Sprintf("write%d", savepoints.Load())
			if err := tx.db.Exec("ROLLBACK TO " + name).Error; err == nil {
				return fmt.Errorf("savepoint %s is still open after its write", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
