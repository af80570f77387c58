package store

import (
	"fmt"

	"gorm.io/gorm"

	"onboard/internal/username"
)

// usernameKeyTaken reports whether a user other than selfID (not deleted) holds a
// username with the same uniqueness key as name (username.Key: case, width,
// dotless ı, Cyrillic and Greek look-alikes folded), so that "аdmin" or "ａdmin" is
// taken when "admin" exists.
//
// The keys are compared in Go over the stored usernames rather than through a
// stored, indexed key column: that needs no migration, also covers rows written
// before the rule (or by a path that does not compute a key), and costs one scan of
// the usernames per check (a few milliseconds for ten thousand users). On
// PostgreSQL the check first takes a transaction-scoped advisory lock on the key,
// so two transactions that check the same key (and write in the same transaction)
// run one after the other and cannot both take look-alike usernames; SQLite runs
// one write transaction at a time anyway.
func usernameKeyTaken(tx *gorm.DB, selfID, name string) (bool, error) {
	key := username.Key(name)
	if key == "" {
		return false, nil
	}
	if tx.Dialector.Name() == "postgres" {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "onboard-username:"+key).Error; err != nil {
			return false, fmt.Errorf("lock the username key: %w", err)
		}
	}
	rows, err := tx.Model(&User{}).Select("username").
		Where("deleted_at IS NULL AND username <> '' AND id <> ?", selfID).Rows()
	if err != nil {
		return false, fmt.Errorf("read the usernames: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var other string
		if err := rows.Scan(&other); err != nil {
			return false, fmt.Errorf("read the usernames: %w", err)
		}
		if username.Key(other) == key {
			return true, nil
		}
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read the usernames: %w", err)
	}
	return false, nil
}
