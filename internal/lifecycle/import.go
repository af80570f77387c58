package lifecycle

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"onboard/data"
	"onboard/internal/keys"
)

// ImportBatch is a checked import, ready to be written by Import. The importer
// package builds it: every input has been validated and resolved against the store
// and the rest of the file; the database's unique indexes remain the last guard.
type ImportBatch struct {
	FileName  string
	Format    string
	Rows      int // data rows in the file, for the record
	Skipped   int // rows left out by the operator's choice, for the record
	Failed    int // rows left out because they are invalid, for the record
	NewUnits  []data.Unit
	NewGroups []data.Group // units and groups the file names that do not exist yet, IDs set
	Create    []ImportCreate
	Update    []ImportUpdate
	Invite    bool // created users with an email are marked invited and their invitation mail queued
	ValidDays int  // validity of the new keys (0: the organization's default)
	// Mode is data.ImportAdd or data.ImportUpdateList ("" is the first).
	Mode      string
	Unchanged int // users the file lists as they are, for the record
	// Absent are the users an update from a list did not find in the file, in the
	// units it covers; AbsentRule says what becomes of them.
	Absent     []string
	AbsentRule AbsentRule
	// Undoable takes a backup of the database before the import and records it,
	// with the store's change mark after the import, for UndoLastImport.
	Undoable bool
	// CountOnly counts the users created instead of listing each with its key in
	// the outcome (ImportOutcome.NumCreated): a big import whose caller reports
	// only the numbers holds nothing per user.
	CountOnly bool

	// Creates, when not nil, yields NumCreates more new users after those of
	// Create, made as Import takes them, so that a big import never holds every
	// new user at once.
	Creates    iter.Seq[ImportCreate]
	NumCreates int
}

// numCreates is how many new users b makes (see creates).
func (b *ImportBatch) numCreates() int { return len(b.Create) + b.NumCreates }

// creates yields the new users of b: those of Create, then those of Creates.
func (b *ImportBatch) creates(yield func(ImportCreate) bool) {
	for _, c := range b.Create {
		if !yield(c) {
			return
		}
	}
	if b.Creates != nil {
		b.Creates(yield)
	}
}

// ImportCreate is one new user of an import.
type ImportCreate struct {
	Row        int // index of the row in the file's data rows, for the report
	In         UserInput
	ValidUntil *time.Time // end of the key's validity, overriding ValidDays
}

// ImportUpdate changes an existing user: non-empty fields of In replace the user's,
// its units and groups are added to the user's; with ReplaceUnits the units of In,
// when it names any, take the place of the user's (an update from a list: the
// user moved from 5a to 6a).
type ImportUpdate struct {
	Row          int
	UserID       string
	In           UserInput
	ReplaceUnits bool
}

// ImportedUser is one user an import created or updated.
type ImportedUser struct {
	Row    int
	UserID string
	Key    string // the new personal key; "" for updated users
}

// ImportOutcome is what Import wrote.
type ImportOutcome struct {
	Record      *data.Import
	Created     []ImportedUser // empty for a CountOnly batch
	NumCreated  int
	Updated     []ImportedUser
	Deactivated int // absent users deactivated
	Deleted     int // absent users deleted
}

// importChunk is how many new users Import prepares at a time.
const importChunk = 2000

// Import writes a batch in one transaction: the new units and groups, the new users
// with a personal key each (one audit event for all of them), the updates (an audit
// event each), and the import record. A failure or a cancelled ctx leaves the store
// as it was. progress, if not nil, is called with the users written so far.
func (s *Service) Import(ctx context.Context, b *ImportBatch, progress func(done, total int)) (*ImportOutcome, error) {
	days, err := s.ValidDays(ctx, b.ValidDays)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	creates := b.numCreates()
	total := creates + len(b.Update)
	report := func(done int) {
		if progress != nil {
			progress(done, total)
		}
	}
	backup := ""
	if b.Undoable {
		if backup, err = s.store.BackupBeforeImport(ctx, now); err != nil {
			return nil, fmt.Errorf("back up before the import: %w", err)
		}
	}
	var out *ImportOutcome
	err = s.store.Write(ctx, func(tx *data.Store) error {
		out = &ImportOutcome{}
		if !b.CountOnly {
			out.Created = make([]ImportedUser, 0, creates)
		}
		for i := range b.NewUnits {
			if err := tx.CreateUnit(ctx, &b.NewUnits[i]); err != nil {
				return err
			}
		}
		for i := range b.NewGroups {
			if err := tx.CreateGroup(ctx, &b.NewGroups[i]); err != nil {
				return err
			}
		}
		audit := data.AuditEvent{At: now, Actor: s.actor, Action: string(ActionCreate), Summary: "Imported from " + b.FileName}
		audit.ID = data.NewID()
		if creates > 0 {
			var c *mailComposer
			if b.Invite {
				var err error
				if c, err = s.composer(ctx, tx); err != nil {
					return err
				}
			}
			if err := tx.InsertUsersStream(ctx, s.importUsers(b, out, now, days, c), creates, audit, report); err != nil {
				return err
			}
		}
		ts := s.within(tx)
		for i, up := range b.Update {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := ts.importUpdate(ctx, up); err != nil {
				return fmt.Errorf("row %d: update %w", up.Row+1, err)
			}
			out.Updated = append(out.Updated, ImportedUser{Row: up.Row, UserID: up.UserID})
			report(creates + i + 1)
		}
		if err := ts.importAbsent(ctx, tx, b, out); err != nil {
			return err
		}
		return s.recordImport(ctx, tx, b, out, now, &audit, backup)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// recordImport adds the record of the import b, and when it can be undone the
// backup taken before it and the store's change mark at its end.
func (s *Service) recordImport(ctx context.Context, tx *data.Store, b *ImportBatch, out *ImportOutcome,
	now time.Time, audit *data.AuditEvent, backup string,
) error {
	mode := b.Mode
	if mode == "" {
		mode = data.ImportAdd
	}
	out.Record = &data.Import{
		FileName: b.FileName, Format: b.Format, At: now, Actor: s.actor, Rows: b.Rows,
		Created: out.NumCreated, Updated: len(b.Update), Skipped: b.Skipped, Failed: b.Failed,
		Mode: mode, Unchanged: b.Unchanged, Deactivated: out.Deactivated, Deleted: out.Deleted, BackupPath: backup,
	}
	if out.NumCreated > 0 {
		out.Record.EventID = &audit.ID
	}
	if backup != "" {
		mark, err := tx.ChangeMark(ctx)
		if err != nil {
			return err
		}
		out.Record.ChangeMark = mark
	}
	return tx.AddImport(ctx, out.Record)
}

// importUsers yields the new users of b in chunks, each with a fresh key, noting
// each user's ID and key in out. With mc, invited users come with their invitation
// mail.
func (s *Service) importUsers(b *ImportBatch, out *ImportOutcome, now time.Time, days int, mc *mailComposer) iter.Seq2[[]data.BulkUser, error] {
	defaultExpiry := now.AddDate(0, 0, days).Truncate(time.Second)
	return func(yield func([]data.BulkUser, error) bool) {
		for chunk := range chunks(b.creates, importChunk) {
			batch := make([]data.BulkUser, len(chunk))
			for i := range chunk {
				c := &chunk[i]
				key, err := keys.NewPersonal()
				if err != nil {
					yield(nil, fmt.Errorf("generate key: %w", err))
					return
				}
				expiry := defaultExpiry
				if c.ValidUntil != nil {
					expiry = c.ValidUntil.UTC().Truncate(time.Second)
				}
				u := data.User{Phase: data.PhaseNotActivated, CreatedBy: s.actor, UpdatedBy: s.actor, KeyExpiresAt: &expiry}
				c.In.normalize()
				c.In.applyTo(&u)
				u.ID = data.NewID()
				var m *data.Mail
				if mc != nil && u.Email != "" {
					u.Phase, u.InvitedAt = data.PhaseInvited, &now
					if m, err = mc.invitation(&u, key, expiry, now); err != nil {
						yield(nil, fmt.Errorf("row %d: %w", c.Row+1, err))
						return
					}
				}
				batch[i] = data.BulkUser{
					User: u, UnitIDs: c.In.UnitIDs, GroupIDs: c.In.GroupIDs,
					Key: &data.PersonalKey{Key: key, IssuedAt: now, ExpiresAt: expiry}, Mail: m,
				}
				if out.NumCreated++; !b.CountOnly {
					out.Created = append(out.Created, ImportedUser{Row: c.Row, UserID: u.ID, Key: key})
				}
			}
			if !yield(batch, nil) {
				return
			}
		}
	}
}

// chunks yields the elements of seq in consecutive parts of at most n elements.
// A part is valid until the next is yielded.
func chunks[T any](seq iter.Seq[T], n int) iter.Seq[[]T] {
	return func(yield func([]T) bool) {
		part := make([]T, 0, n)
		for v := range seq {
			if part = append(part, v); len(part) == n {
				if !yield(part) {
					return
				}
				part = part[:0]
			}
		}
		if len(part) > 0 {
			yield(part)
		}
	}
}

// importUpdate applies one update as an edit, so that it is validated and audited
// like an edit by hand: the row's non-empty values over the user's, its units and
// groups added to the user's (or its units instead, with ReplaceUnits).
func (s *Service) importUpdate(ctx context.Context, up ImportUpdate) error {
	_, err := s.edit(ctx, up.UserID, func(u *data.User, units, groups []string) UserInput {
		in := UserInput{
			FirstName: u.FirstName, LastName: u.LastName, NamesLocked: u.NamesLocked, Email: u.Email,
			Username: u.Username, Mobile: u.Mobile, ExternalID: u.ExternalID, RoleID: u.RoleID,
			ExtraPermissions: u.ExtraPermissionNames(),
			InvitationText:   u.InvitationText, Notes: u.Notes, UnitIDs: units, GroupIDs: groups,
		}
		for _, f := range []struct{ dst, src *string }{
			{&in.FirstName, &up.In.FirstName},
			{&in.LastName, &up.In.LastName},
			{&in.Email, &up.In.Email},
			{&in.Username, &up.In.Username},
			{&in.Mobile, &up.In.Mobile},
			{&in.ExternalID, &up.In.ExternalID},
			{&in.RoleID, &up.In.RoleID},
			{&in.InvitationText, &up.In.InvitationText},
			{&in.Notes, &up.In.Notes},
		} {
			if *f.src != "" {
				*f.dst = *f.src
			}
		}
		in.UnitIDs = Union(in.UnitIDs, up.In.UnitIDs)
		if up.ReplaceUnits && len(up.In.UnitIDs) > 0 {
			in.UnitIDs = slices.Clone(up.In.UnitIDs)
		}
		in.GroupIDs = Union(in.GroupIDs, up.In.GroupIDs)
		return in
	})
	return err
}

// Union is a followed by the elements of b it lacks, in order.
func Union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
