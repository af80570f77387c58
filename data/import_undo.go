package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// importUndoMigration is migration 11: what an import record needs for an update
// from a list and for undoing the import.
const importUndoMigration = `
ALTER TABLE imports ADD COLUMN mode TEXT NOT NULL DEFAULT 'add';
ALTER TABLE imports ADD COLUMN unchanged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN deactivated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN backup_path TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN change_mark TEXT NOT NULL DEFAULT '';
`

// keptImportBackups is how many backups taken before imports stay beside the
// database; older ones are removed when a new one is taken.
const keptImportBackups = 2

// importBackupMarker is in the name of every backup taken before an import.
const importBackupMarker = ".before-import-"

// BackupBeforeImport writes a backup of the database beside it for undoing the
// import that follows, removes the oldest such backups beyond the last few, and
// returns the backup's path.
func (s *Store) BackupBeforeImport(ctx context.Context, now time.Time) (string, error) {
	path := fmt.Sprintf("%s%s%s.db", s.path, importBackupMarker, now.UTC().Format("20060102-150405.000"))
	if err := s.Backup(ctx, path); err != nil {
		return "", err
	}
	old, _ := filepath.Glob(s.path + importBackupMarker + "*.db")
	slices.Sort(old) // the names hold the time, so this is oldest first
	for len(old) > keptImportBackups {
		os.Remove(old[0])
		old = old[1:]
	}
	return path, nil
}

// ChangeMark sums up everything an undo of the last import would lose: the audit
// log (every change of a user, key, unit, group or role writes to it), the users'
// versions and sync state, the outbox (mails sent or queued) and the sync inbox.
// Two marks are equal exactly when none of those changed in between.
func (s *Store) ChangeMark(ctx context.Context) (string, error) {
	var parts []string
	err := s.rdb.WithContext(ctx).Raw(`SELECT
		(SELECT coalesce(max(rowid), 0) FROM audit_events),
		(SELECT count(*) || '/' || total(version) || '/' || total(server_version + pushed_version + sent_version + refused_version) FROM users),
		(SELECT count(*) || '/' || total(attempts) || '/' || count(sent_at) FROM outbox),
		(SELECT count(*) FROM sync_inbox),
		(SELECT count(*) FROM sync_sent),
		(SELECT coalesce(group_concat(key || '=' || value, ';'), '') FROM (SELECT key, value FROM settings WHERE key LIKE 'sync.%' ORDER BY key))`).
		Row().Scan(ptrs(&parts, 6)...)
	return strings.Join(parts, "|"), wrap(err, "read the change mark")
}

// ptrs makes *list n strings long and returns pointers to them, for Scan.
func ptrs(list *[]string, n int) []any {
	*list = make([]string, n)
	out := make([]any, n)
	for i := range *list {
		out[i] = &(*list)[i]
	}
	return out
}

// SetImportUndo records the backup taken before an import and the change mark
// after it.
func (s *Store) SetImportUndo(ctx context.Context, id, backup, mark string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE imports SET backup_path = ?, change_mark = ? WHERE id = ?`, backup, mark, id).Error
	return wrap(err, "record the import's backup")
}

// LastImport returns the newest import record, ErrNotFound when there is none.
func (s *Store) LastImport(ctx context.Context) (*Import, error) {
	var im Import
	err := s.rdb.WithContext(ctx).Order("at DESC, rowid DESC").Take(&im).Error
	if err := notFound(err, "last import"); err != nil {
		return nil, err
	}
	return &im, nil
}

// ErrUndoStale means the store changed after the import, so undoing it by
// restoring the backup taken before it would lose those changes.
var ErrUndoStale = errors.New("the data changed after the import")

// UndoImport puts the database back exactly as it was before the import im: its
// backup is copied over the content (the import's own record goes with it). It
// refuses with ErrUndoStale when anything changed after the import.
func (s *Store) UndoImport(ctx context.Context, im *Import) error {
	if im.BackupPath == "" {
		return fmt.Errorf("the import of %s has no backup to undo it with", im.FileName)
	}
	if _, err := CheckBackup(im.BackupPath); err != nil {
		return fmt.Errorf("undo the import of %s: %w", im.FileName, err)
	}
	mark, err := s.ChangeMark(ctx)
	if err != nil {
		return err
	}
	if mark != im.ChangeMark {
		return fmt.Errorf("undo the import of %s: %w", im.FileName, ErrUndoStale)
	}
	if err := s.copyFrom(ctx, im.BackupPath); err != nil {
		return fmt.Errorf("undo the import of %s: %w", im.FileName, err)
	}
	return nil
}

// ListedUser is what an update from a list compares a row with: a user's fields,
// units and groups.
type ListedUser struct {
	ID, FirstName, LastName, Email, Username, Mobile, ExternalID string
	RoleID, InvitationText, Notes, Phase                         string
	UnitIDs, GroupIDs                                            []string
}

// FullName is "First Last", or the username when both names are empty.
func (u *ListedUser) FullName() string {
	return (&User{FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}).FullName()
}

// ListedUsers returns every user that is not deleted, with units and groups.
func (s *Store) ListedUsers(ctx context.Context) ([]ListedUser, error) {
	db, err := s.manyRows(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.Raw(`SELECT id, first_name, last_name, email, username, mobile, external_id, role_id,
		invitation_text, notes, phase,
		coalesce((SELECT group_concat(unit_id) FROM user_units WHERE user_id = users.id), ''),
		coalesce((SELECT group_concat(group_id) FROM user_groups WHERE user_id = users.id), '')
		FROM users WHERE deleted_at IS NULL`).Rows()
	if err != nil {
		return nil, wrap(err, "read users")
	}
	defer rows.Close()
	var out []ListedUser
	for rows.Next() {
		var b ListedUser
		var units, groups string
		if err := rows.Scan(&b.ID, &b.FirstName, &b.LastName, &b.Email, &b.Username, &b.Mobile, &b.ExternalID,
			&b.RoleID, &b.InvitationText, &b.Notes, &b.Phase, &units, &groups); err != nil {
			return nil, wrap(err, "read users")
		}
		b.UnitIDs, b.GroupIDs = splitIDs(units), splitIDs(groups)
		out = append(out, b)
	}
	return out, wrap(rows.Err(), "read users")
}

// splitIDs splits a group_concat of IDs, nil when empty.
func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
