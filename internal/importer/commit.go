package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

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
		Invite: p.Settings.Invite, ValidDays: p.Settings.ValidDays,
		Creates: p.creates, Update: make([]lifecycle.ImportUpdate, 0, p.Counts.Update),
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
			b.Update = append(b.Update, lifecycle.ImportUpdate{Row: i, UserID: r.UserID, In: in})
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
	if m := p.Missing(); m != "" {
		return nil, fmt.Errorf("%s: %w: %s; nothing was imported", p.Source.Info.Name, ErrNeedsChoice, m)
	}
	if p.Counts.Fail > 0 && !withoutFailed {
		return nil, fmt.Errorf("%s: %w: %d of %d rows cannot be imported; nothing was imported",
			p.Source.Info.Name, ErrRowsFailed, p.Counts.Fail, len(p.Rows))
	}
	out, err := w.Import(ctx, p.Batch(), progress)
	if err != nil {
		return nil, fmt.Errorf(uitext.L("%s: %w; nothing was imported"), p.Source.Info.Name, err)
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
}

// Report is the result of an import.
type Report struct {
	File    string
	Created int
	Updated int
	Skipped int
	Failed  int
	Rows    []ReportRow
}

func newReport(p *Plan, out *lifecycle.ImportOutcome) *Report {
	rep := &Report{
		File: p.Source.Info.Name, Created: len(out.Created), Updated: len(out.Updated),
		Skipped: p.Counts.Skip, Failed: p.Counts.Fail, Rows: make([]ReportRow, len(p.Rows)),
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		rep.Rows[i] = ReportRow{
			Line: r.Line, Result: r.Action, Name: r.Name(), Email: r.Value(Email),
			Username: r.Username, Reason: r.Reason,
		}
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
		if row.UserID != "" {
			ids = append(ids, row.UserID)
		}
	}
	return ids
}

// Summary is the report's counts in one line.
func (r *Report) Summary() string {
	return fmt.Sprintf("%d created, %d updated, %d skipped, %d failed", r.Created, r.Updated, r.Skipped, r.Failed)
}

// resultWords are the words the report file uses for actions.
var resultWords = map[Action]string{Create: "created", Updates: "updated", Skips: "skipped", Fails: "failed"}

// WriteCSV writes the report as CSV: one line per row of the file with its result,
// the user's name, email, username and new key, and the reason for a row not
// imported. Cells a spreadsheet would take for a formula are defused.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"line", "result", "name", "email", "username", "key", "reason"})
	for _, row := range r.Rows {
		cw.Write([]string{
			strconv.Itoa(row.Line), resultWords[row.Result], tabular.SafeCell(row.Name),
			tabular.SafeCell(row.Email), tabular.SafeCell(row.Username), row.Key, tabular.SafeCell(row.Reason),
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
	return rep
}
