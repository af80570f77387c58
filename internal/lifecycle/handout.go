package lifecycle

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/keys"
	"onboard/internal/uitext"
)

// ErrNoLetter is returned by HandOutByScan for a key no live letter carries:
// unknown, revoked or already redeemed.
var ErrNoLetter = errors.New("no letter has this key")

// Reasons a letter is not marked handed out.
const (
	skipHandedOut = "already handed out"
	skipNoLetter  = "no registration key"
)

// HandOut is one letter marked handed out, or found handed out before (Already).
type HandOut struct {
	UserID  string
	Name    string
	Units   string // comma-separated names
	Already bool
	At      time.Time // when it was handed out
	By      string    // who handed it out
}

// HandOutResult is what MarkHandedOut did.
type HandOutResult struct {
	Done    []HandOut
	Skipped []Skip // already handed out, no live key, registered or deleted
}

// MarkHandedOut records that the letters of the given users were handed out, now,
// by the service's actor, each in the user's history, in one transaction. Users
// without a live key, registered users and letters handed out before are skipped,
// with the reason.
func (s *Service) MarkHandedOut(ctx context.Context, ids []string) (HandOutResult, error) {
	var res HandOutResult
	err := s.store.Write(ctx, func(tx *data.Store) error {
		res = HandOutResult{}
		ts := s.within(tx)
		for _, id := range ids {
			h, err := ts.handOutOne(ctx, id)
			if err == nil {
				res.Done = append(res.Done, *h)
				continue
			}
			skip, ok := skipFor(id, err)
			if !ok {
				return err
			}
			res.Skipped = append(res.Skipped, skip)
		}
		return nil
	})
	return res, err
}

// planHandOut moves the users of plan without a live key, or whose letter was
// handed out before, from the eligible to the skipped.
func (s *Service) planHandOut(ctx context.Context, plan *BulkPlan, briefs []data.UserBrief) error {
	held, err := s.store.LiveKeyHandOuts(ctx, plan.Eligible)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(briefs))
	for _, b := range briefs {
		names[b.ID] = (&data.User{FirstName: b.FirstName, LastName: b.LastName}).FullName()
	}
	eligible := plan.Eligible[:0]
	for _, id := range plan.Eligible {
		switch k, ok := held[id]; {
		case !ok:
			plan.Skipped = append(plan.Skipped, Skip{UserID: id, Name: names[id], Reason: skipNoLetter})
		case k.HandedOutAt != nil:
			plan.Skipped = append(plan.Skipped, Skip{UserID: id, Name: names[id], Reason: skipHandedOut})
		default:
			eligible = append(eligible, id)
		}
	}
	plan.Eligible = eligible
	return nil
}

// handOutOne marks the letter of user id handed out, in s's store (a transaction:
// RunBulk's or MarkHandedOut's). A registered user, a user without a live key and
// a letter handed out before are a TransitionError.
func (s *Service) handOutOne(ctx context.Context, id string) (*HandOut, error) {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	st := u.Status(now)
	if !Allowed(ActionHandOut, st) {
		return nil, &TransitionError{Action: ActionHandOut, User: u.FullName(), Status: st}
	}
	held, err := s.store.LiveKeyHandOuts(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	switch k, ok := held[id]; {
	case !ok:
		return nil, &TransitionError{Action: ActionHandOut, User: u.FullName(), Status: st, Reason: skipNoLetter}
	case k.HandedOutAt != nil:
		return nil, &TransitionError{Action: ActionHandOut, User: u.FullName(), Status: st, Reason: skipHandedOut}
	}
	if _, err := s.store.MarkLettersHandedOut(ctx, []string{id}, now, s.actor); err != nil {
		return nil, err
	}
	err = s.store.AddAudit(ctx, &data.AuditEvent{
		At: now, Actor: s.actor, Action: string(ActionHandOut), EntityType: "user", EntityID: id, Summary: "Letter handed out",
	}, nil)
	return &HandOut{UserID: id, Name: u.FullName(), At: now, By: s.actor}, err
}

// ScanKey reads the personal key out of what a barcode scanner typed from a
// letter's QR code (the registration link) or what someone typed (the key, with
// or without dashes, in any case).
func ScanKey(text string) (string, error) {
	text = strings.TrimSpace(text)
	if i := strings.Index(text, "?"); i >= 0 {
		if q, err := url.ParseQuery(text[i+1:]); err == nil && q.Get("key") != "" {
			text = q.Get("key")
		}
	}
	return keys.Parse(keys.Personal, text)
}

// HandOutByScan marks the letter with the key in text (see ScanKey) handed out.
// A letter handed out before is returned with Already set and stays as it was. An
// unknown, revoked or redeemed key is ErrNoLetter; a registered user's letter a
// TransitionError.
func (s *Service) HandOutByScan(ctx context.Context, text string) (*HandOut, error) {
	key, err := ScanKey(text)
	if err != nil {
		return nil, errors.Join(ErrNoLetter, err)
	}
	k, err := s.store.LiveKeyHandOut(ctx, key)
	if errors.Is(err, data.ErrNotFound) {
		return nil, ErrNoLetter
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.store.ListUsers(ctx, data.UserQuery{ID: k.UserID}, s.Now())
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNoLetter
	}
	r := rows[0]
	out := &HandOut{UserID: r.ID, Name: r.FullName(), Units: r.Units}
	if !Allowed(ActionHandOut, r.Status) {
		return nil, &TransitionError{Action: ActionHandOut, User: out.Name, Status: r.Status}
	}
	if k.HandedOutAt != nil {
		out.Already, out.At, out.By = true, *k.HandedOutAt, k.HandedOutBy
		return out, nil
	}
	// handOutOne checks the user and the letter again, in the transaction.
	err = s.store.Write(ctx, func(tx *data.Store) error {
		h, err := s.within(tx).handOutOne(ctx, r.ID)
		if err == nil {
			out.At, out.By = h.At, h.By
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Text is the hand-out as one line of a scanning list: "Anna Müller (Class 5a) —
// handed out", or "… — already handed out on 3 December 2026 by admin".
func (h *HandOut) Text() string {
	name := h.Name
	if h.Units != "" {
		name += " (" + h.Units + ")"
	}
	if !h.Already {
		return uitext.F("%s — handed out", name)
	}
	return uitext.F("%s — already handed out on %s by %s", name, display.Date(h.At), h.By)
}
