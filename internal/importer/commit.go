package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/tabular"
	"onboard/internal/uitext"
)

// ErrRowsFailed means rows have errors and the operator did not choose to import
// the valid rows without them.
var ErrRowsFailed = errors.New("rows have errors")

// ErrNeedsChoice means rows to create name no role or unit and the import gives
// them none.
var ErrNeedsChoice = errors.New("a role or unit must be chosen")

// Missing says what the operator still has to choose before Commit, "" when nothing:
// e.g. "3 rows name no role: choose a role for the import".
func (p *Plan) Missing() string {
	var parts []string
	if n := p.Counts.NeedRole; n > 0 {
		parts = append(parts, uitext.F("%s no role: choose a role for the import", display.PluralOf(n, uitext.L("row names"), uitext.L("rows name"))))
	}
	if n := p.Counts.NeedUnit; n > 0 {
		parts = append(parts, uitext.F("%s no unit: choose a unit for the import", display.PluralOf(n, uitext.L("row names"), uitext.L("rows name"))))
	}
	return strings.Join(parts, "; ")
}

// Writer is what Commit writes through.
type Writer interface {
	Import(ctx context.Context, b *lifecycle.ImportBatch, progress func(done, total int)) (*lifecycle.ImportOutcome, error)
}

// Batch turns the plan into the lifecycle's import batch: the rows to create and to
// update, and the units and groups they need. The rows to create are made as the
// import takes them (see lifecycle.ImportBatch.Creates), from the plan as it is then.
func (p *Plan) Batch() *lifecycle.ImportBatch {
	b := &lifecycle.ImportBatch{
		FileName: p.Source.Info.Name, Format: string(p.Source.Info.Format), Rows: len(p.Rows),
		Skipped: p.Counts.Skip, Failed: p.Counts.Fail, NewUnits: p.NewUnits, NewGroups: p.NewGroups,
		Invite: p.Settings.Invite, ValidDays: p.Settings.ValidDays, Undoable: true,
		Creates: p.creates, Update: make([]lifecycle.ImportUpdate, 0, p.Counts.Update),
	}
	if p.Settings.UpdateList {
		b.Mode, b.Unchanged, b.AbsentRule = data.ImportUpdateList, p.Counts.Unchanged, p.Settings.Absent
		for _, a := range p.Absent {
			b.Absent = append(b.Absent, a.ID)
		}
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		switch r.Action {
		case Create:
			b.NumCreates++
		case Updates:
			in := r.input()
			if r.Value(Role) == "" {
				in.RoleID = "" // keep the user's role unless the row names one
			}
			b.Update = append(b.Update, lifecycle.ImportUpdate{Row: i, UserID: r.UserID, In: in, ReplaceUnits: p.Settings.UpdateList})
		}
	}
	return b
}

// creates yields the rows to create as the lifecycle's new users.
func (p *Plan) creates(yield func(lifecycle.ImportCreate) bool) {
	for i := range p.Rows {
		r := &p.Rows[i]
		if r.Action == Create && !yield(lifecycle.ImportCreate{Row: i, In: r.input(), ValidUntil: r.validUntil}) {
			return
		}
	}
}

// input is the row as the lifecycle's user input.
func (r *RowPlan) input() lifecycle.UserInput {
	return lifecycle.UserInput{
		FirstName: r.Value(FirstName), LastName: r.Value(LastName), Email: r.Value(Email),
		Username: r.Username, Mobile: r.Value(Mobile), ExternalID: r.Value(ExternalID), RoleID: r.roleID,
		UnitIDs: r.unitIDs, GroupIDs: r.groupIDs, InvitationText: r.Value(InvitationText), Notes: r.Value(Notes),
	}
}

// Commit writes the plan in one transaction. Rows with errors make it refuse with
// ErrRowsFailed unless withoutFailed is set, in which case they are left out and
// reported; rows waiting for a role or unit make it refuse with ErrNeedsChoice. progress, if not nil, is called with the users written so far.
func Commit(ctx context.Context, w Writer, p *Plan, withoutFailed bool, progress func(done, total int)) (*Report, error) {
	return commit(ctx, w, p, withoutFailed, false, progress)
}

// CommitCounts is Commit for a caller that reports the numbers only: the report
// has no rows (no keys), and nothing is held per created user, which a big
// import's memory feels.
func CommitCounts(ctx context.Context, w Writer, p *Plan, withoutFailed bool, progress func(done, total int)) (*Report, error) {
	return commit(ctx, w, p, withoutFailed, true, progress)
}

func commit(ctx context.Context, w Writer, p *Plan, withoutFailed, countOnly bool, progress func(done, total int)) (*Report, error) {
	if m := p.Missing(); m != "" {
		return nil, fmt.Errorf("%s: %w: %s; nothing was imported", p.Source.Info.Name, ErrNeedsChoice, m)
	}
	if p.Counts.Fail > 0 && !withoutFailed {
		return nil, fmt.Errorf("%s: %w: %d of %d rows cannot be imported; nothing was imported",
			p.Source.Info.Name, ErrRowsFailed, p.Counts.Fail, len(p.Rows))
	}
	b := p.Batch()
	b.CountOnly = countOnly
	out, err := w.Import(ctx, b, progress)
	if err != nil {
		return nil, fmt.Errorf(uitext.L("%s: %w; nothing was imported"), p.Source.Info.Name, err)
	}
	if countOnly {
		return countsReport(p, out), nil
	}
	return newReport(p, out), nil
}

// ReportRow is what became of one row.
type ReportRow struct {
	Line     int
	Result   Action
	Name     string
	Email    string
	Username string
	UserID   string
	Key      string // the personal key of a created user
	Reason   string
	Changes  string // what an update from a list changed: "Units: 5a → 6a"
}

// Report is the result of an import.
type Report struct {
	File        string
	Created     int
	Updated     int
	Skipped     int
	Failed      int
	Unchanged   int // rows of an update from a list that changed nothing
	Deactivated int // users absent from the list, deactivated
	Deleted     int // the same, deleted
	Rows        []ReportRow
	// Backup is the copy of the database taken before the import ("" for a dry
	// run), which Undo last import restores.
	Backup string
}

// countsReport is the report of a CountOnly import: the numbers, no rows.
func countsReport(p *Plan, out *lifecycle.ImportOutcome) *Report {
	rep := &Report{
		File: p.Source.Info.Name, Created: out.NumCreated, Updated: len(out.Updated),
		Skipped: p.Counts.Skip, Failed: p.Counts.Fail, Unchanged: p.Counts.Unchanged,
		Deactivated: out.Deactivated, Deleted: out.Deleted,
	}
	if out.Record != nil {
		rep.Backup = out.Record.BackupPath
	}
	return rep
}

func newReport(p *Plan, out *lifecycle.ImportOutcome) *Report {
	rep := countsReport(p, out)
	rep.Rows = make([]ReportRow, len(p.Rows))
	for i := range p.Rows {
		r := &p.Rows[i]
		rep.Rows[i] = ReportRow{
			Line: r.Line, Result: r.Action, Name: r.Name(), Email: r.Value(Email),
			Username: r.Username, Reason: r.Reason, Changes: joinChanges(r.Changes),
		}
	}
	rule := p.Settings.Absent
	for _, a := range p.Absent {
		res := AbsentKept
		switch {
		case rule == lifecycle.DeleteAbsent:
			res = AbsentDeleted
		case rule == lifecycle.DeactivateAbsent && !a.Deactivated:
			res = AbsentDeactivated
		}
		rep.Rows = append(rep.Rows, ReportRow{
			Result: res, Name: a.Name, Username: a.Username, UserID: a.ID,
			Reason: uitext.F("not in the file (%s)", a.Units),
		})
	}
	for _, c := range out.Created {
		rep.Rows[c.Row].UserID, rep.Rows[c.Row].Key = c.UserID, c.Key
	}
	for _, u := range out.Updated {
		rep.Rows[u.Row].UserID = u.UserID
	}
	return rep
}

// UserIDs returns the users the import created or updated, in file order.
func (r *Report) UserIDs() []string {
	var ids []string
	for _, row := range r.Rows {
		if row.UserID != "" && (row.Result == Create || row.Result == Updates) {
			ids = append(ids, row.UserID)
		}
	}
	return ids
}

// Summary is the report's counts in one line; those of an update from a list only
// when not zero.
func (r *Report) Summary() string {
	s := fmt.Sprintf("%d created, %d updated, %d skipped, %d failed", r.Created, r.Updated, r.Skipped, r.Failed)
	for _, c := range []struct {
		n    int
		what string
	}{{r.Unchanged, "unchanged"}, {r.Deactivated, "deactivated"}, {r.Deleted, "deleted"}} {
		if c.n > 0 {
			s += fmt.Sprintf(", %d %s", c.n, c.what)
		}
	}
	return s
}

// What became of the users an update from a list did not find in the file, in a
// report (rows without a line).
const (
	AbsentKept        Action = "absent-kept"
	AbsentDeactivated Action = "absent-deactivated"
	AbsentDeleted     Action = "absent-deleted"
)

// resultWords are the words the report file uses for actions.
var resultWords = map[Action]string{
	Create: "created", Updates: "updated", Skips: "skipped", Fails: "failed", Unchanged: "unchanged",
	AbsentKept: "kept", AbsentDeactivated: "deactivated", AbsentDeleted: "deleted",
}

// joinChanges writes changes as one cell: "Units: 5a → 6a; Email: a → b".
func joinChanges(changes []Change) string {
	parts := make([]string, len(changes))
	for i, c := range changes {
		parts[i] = c.String()
	}
	return strings.Join(parts, "; ")
}

// WriteCSV writes the report as CSV: one line per row of the file with its result,
// the user's name, email, username and new key, the reason for a row not
// imported and what an update changed; then, for an update from a list, one line
// (without a line number) per user not in the file. Cells a spreadsheet would
// take for a formula are defused.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"line", "result", "name", "email", "username", "key", "reason", "changes"})
	for _, row := range r.Rows {
		line := ""
		if row.Line > 0 {
			line = strconv.Itoa(row.Line)
		}
		cw.Write([]string{
			line, resultWords[row.Result], tabular.SafeCell(row.Name), tabular.SafeCell(row.Email),
			tabular.SafeCell(row.Username), row.Key, tabular.SafeCell(row.Reason), tabular.SafeCell(row.Changes),
		})
	}
	cw.Flush()
	return cw.Error()
}

// DryRun is the report of what Commit would do, writing nothing: created and
// updated count the rows that would be, and no keys exist yet.
func DryRun(p *Plan) *Report {
	rep := newReport(p, &lifecycle.ImportOutcome{})
	rep.Created, rep.Updated = p.Counts.Create, p.Counts.Update
	for _, a := range p.Absent {
		switch {
		case p.Settings.Absent == lifecycle.DeleteAbsent:
			rep.Deleted++
		case p.Settings.Absent == lifecycle.DeactivateAbsent && !a.Deactivated:
			rep.Deactivated++
		}
	}
	return rep
}
