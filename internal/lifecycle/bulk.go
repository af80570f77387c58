package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"onboard/data"
	"onboard/internal/uitext"
)

// BulkOp is one action applied to many users, with what it needs.
type BulkOp struct {
	Action    Action
	RoleID    string // for ActionChangeRole
	GroupID   string // for ActionAddToGroup
	ValidDays int    // for ActionResend and ActionExtend; 0 is the default
}

// Skip is a user a bulk action leaves out, and why.
type Skip struct {
	UserID string
	Name   string
	Reason string
	// Renewable is set for a letter skipped only because its key expired or is
	// missing: renewing keys would print it.
	Renewable bool
}

// BulkPlan is what a bulk action will do, known before it runs.
type BulkPlan struct {
	Eligible []string
	Skipped  []Skip
}

// SkipSummary counts the skipped users by reason, most frequent first:
// "12 active, 3 without an email address".
func SkipSummary(skips []Skip) string {
	counts := map[string]int{}
	for _, s := range skips {
		counts[s.Reason]++
	}
	reasons := make([]string, 0, len(counts))
	for r := range counts {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if counts[reasons[i]] != counts[reasons[j]] {
			return counts[reasons[i]] > counts[reasons[j]]
		}
		return reasons[i] < reasons[j]
	})
	out := ""
	for i, r := range reasons {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%d %s", counts[r], r)
	}
	return out
}

// PlanBulk says which of the users action a applies to and why the others are
// skipped, from their status (and email, for invitations).
func (s *Service) PlanBulk(ctx context.Context, ids []string, a Action) (*BulkPlan, error) {
	briefs, err := s.store.UserBriefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	plan := &BulkPlan{}
	for _, b := range briefs {
		st := data.StatusOf(b.Phase, b.KeyExpiresAt, now)
		name := (&data.User{FirstName: b.FirstName, LastName: b.LastName}).FullName()
		switch {
		case !Allowed(a, st):
			plan.Skipped = append(plan.Skipped, Skip{UserID: b.ID, Name: name, Reason: statusReason(a, st)})
		case (a == ActionResend || a == ActionInvite) && b.Email == "":
			plan.Skipped = append(plan.Skipped, Skip{UserID: b.ID, Name: name, Reason: "without an email address"})
		default:
			plan.Eligible = append(plan.Eligible, b.ID)
		}
	}
	if a == ActionHandOut {
		return plan, s.planHandOut(ctx, plan, briefs)
	}
	return plan, nil
}

// statusReason is why a user of status st is skipped by action a.
func statusReason(a Action, st data.Status) string {
	if a == ActionReactivate {
		return "not deactivated"
	}
	return strings.ToLower(st.Label())
}

// BulkResult is what a bulk action did.
type BulkResult struct {
	Done    int
	Skipped []Skip
}

// bulkTx is how many users one transaction of a bulk action handles.
const bulkTx = 250

// RunBulk applies op to every user in ids, a few hundred per transaction. A user
// the action does not apply to (status, missing email, no open invitation) is
// skipped with the reason; any other error stops the run, keeping the transactions
// already committed. progress, if not nil, is called with the users handled so far.
func (s *Service) RunBulk(ctx context.Context, ids []string, op BulkOp, progress func(done, total int)) (*BulkResult, error) {
	res := &BulkResult{}
	for start := 0; start < len(ids); start += bulkTx {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		chunk := ids[start:min(start+bulkTx, len(ids))]
		var done int
		var skipped []Skip
		err := s.store.Write(ctx, func(tx *data.Store) error {
			ts := s.within(tx)
			for _, id := range chunk {
				err := ts.applyOne(ctx, id, op)
				if err == nil {
					done++
					continue
				}
				skip, ok := skipFor(id, err)
				if !ok {
					return err
				}
				skipped = append(skipped, skip)
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Done += done
		res.Skipped = append(res.Skipped, skipped...)
		if progress != nil {
			progress(start+len(chunk), len(ids))
		}
	}
	return res, nil
}

// skipFor is the Skip of user id whose action ended in err: a refused transition,
// input the action cannot take, or a user deleted meanwhile; false for any other
// error, which stops a bulk run.
func skipFor(id string, err error) (Skip, bool) {
	var te *TransitionError
	var ve *ValidationError
	switch {
	case errors.As(err, &te):
		return Skip{UserID: id, Name: te.User, Reason: te.reason()}, true
	case errors.As(err, &ve):
		return Skip{UserID: id, Reason: ve.Error()}, true
	case errors.Is(err, data.ErrNotFound):
		return Skip{UserID: id, Reason: "deleted meanwhile"}, true
	}
	return Skip{}, false
}

// reason is the short reason of a refused transition, for bulk reports.
func (e *TransitionError) reason() string {
	if e.Reason != "" {
		return e.Reason
	}
	return statusReason(e.Action, e.Status)
}

// applyOne runs one bulk action on one user.
func (s *Service) applyOne(ctx context.Context, id string, op BulkOp) error {
	var err error
	switch op.Action {
	case ActionResend:
		_, err = s.ResendInvitation(ctx, id, ResendOptions{ValidDays: op.ValidDays})
	case ActionCancel:
		_, err = s.CancelInvitation(ctx, id)
	case ActionExtend:
		_, err = s.ExtendValidity(ctx, id, op.ValidDays)
	case ActionDeactivate:
		_, err = s.Deactivate(ctx, id)
	case ActionReactivate:
		_, err = s.Reactivate(ctx, id)
	case ActionDelete:
		err = s.Delete(ctx, id)
	case ActionChangeRole:
		_, err = s.ChangeRole(ctx, id, op.RoleID)
	case ActionAddToGroup:
		_, err = s.AddToGroup(ctx, id, op.GroupID)
	case ActionHandOut:
		_, err = s.handOutOne(ctx, id)
	default:
		err = fmt.Errorf("%s cannot run on many users at once", op.Action.Label())
	}
	return err
}

// ChangeRole gives a user another role.
func (s *Service) ChangeRole(ctx context.Context, id, roleID string) (*data.User, error) {
	return s.act(ctx, id, ActionChangeRole, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		if _, err := tx.RoleByID(ctx, roleID); err != nil {
			return "", nil, &ValidationError{Problems: []FieldError{{Field: "role", Message: uitext.L("the role does not exist (any more)")}}}
		}
		if u.RoleID == roleID {
			return "", nil, &TransitionError{Action: ActionChangeRole, User: u.FullName(), Reason: "already in that role"}
		}
		ch := map[string]data.Change{"role_id": {Old: u.RoleID, New: roleID}}
		u.RoleID = roleID
		return "Role changed", ch, nil
	})
}

// AddToGroup adds a user to a group.
func (s *Service) AddToGroup(ctx context.Context, id, groupID string) (*data.User, error) {
	return s.act(ctx, id, ActionAddToGroup, func(tx *data.Store, u *data.User, now time.Time) (string, map[string]data.Change, error) {
		g, err := tx.GroupByID(ctx, groupID)
		if err != nil {
			return "", nil, &ValidationError{Problems: []FieldError{{Field: "groups", Message: uitext.L("the group does not exist (any more)")}}}
		}
		groups, err := tx.UserGroupIDs(ctx, u.ID)
		if err != nil {
			return "", nil, err
		}
		for _, have := range groups {
			if have == groupID {
				return "", nil, &TransitionError{Action: ActionAddToGroup, User: u.FullName(), Reason: "already in that group"}
			}
		}
		if err := tx.SetUserGroups(ctx, u.ID, append(groups, groupID)); err != nil {
			return "", nil, err
		}
		return "Added to group " + g.Name, map[string]data.Change{"groups": {Old: groups, New: append(groups, groupID)}}, nil
	})
}
