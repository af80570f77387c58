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
// by the service's actor, each in the user's history. Users without a live key,
// registered users and letters handed out before are skipped, with the reason.
func (s *Service) MarkHandedOut(ctx context.Context, ids []string) (HandOutResult, error) {
	var res HandOutResult
	err := s.store.Write(ctx, func(tx *data.Store) error {
		res = HandOutResult{}
		briefs, err := tx.UserBriefs(ctx, ids)
		if err != nil {
			return err
		}
		held, err := tx.LiveKeyHandOuts(ctx, ids)
		if err != nil {
			return err
		}
		now := s.Now()
		found := make(map[string]bool, len(briefs))
		var mark []string
		for _, b := range briefs {
			found[b.ID] = true
			name := (&data.User{FirstName: b.FirstName, LastName: b.LastName}).FullName()
			if reason := handOutSkipReason(data.StatusOf(b.Phase, b.KeyExpiresAt, now), held, b.ID); reason != "" {
				res.Skipped = append(res.Skipped, Skip{UserID: b.ID, Name: name, Reason: reason})
				continue
			}
			mark = append(mark, b.ID)
			res.Done = append(res.Done, HandOut{UserID: b.ID, Name: name, At: now, By: s.actor})
		}
		for _, id := range ids {
			if !found[id] {
				res.Skipped = append(res.Skipped, Skip{UserID: id, Reason: "deleted meanwhile"})
			}
		}
		return s.markHandedOut(ctx, tx, mark, now)
	})
	return res, err
}

// handOutSkipReason is why the letter of a user of status st is not marked handed
// out (held: the users' live keys), "" when it is.
func handOutSkipReason(st data.Status, held map[string]data.KeyHandOut, id string) string {
	k, ok := held[id]
	switch {
	case !Allowed(ActionHandOut, st):
		return statusReason(ActionHandOut, st)
	case !ok:
		return skipNoLetter
	case k.HandedOutAt != nil:
		return skipHandedOut
	}
	return ""
}

// markHandedOut marks the live keys of ids handed out at now and writes it into
// each user's history.
func (s *Service) markHandedOut(ctx context.Context, tx *data.Store, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.MarkLettersHandedOut(ctx, ids, now, s.actor); err != nil {
		return err
	}
	events := make([]data.AuditEvent, len(ids))
	for i, id := range ids {
		events[i] = data.AuditEvent{
			At: now, Actor: s.actor, Action: string(ActionHandOut), EntityType: "user",
			EntityID: id, Summary: "Letter handed out",
		}
	}
	return tx.AddAudits(ctx, events)
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
	now := s.Now()
	rows, err := s.store.ListUsers(ctx, data.UserQuery{ID: k.UserID}, now)
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
	out.At, out.By = now, s.actor
	return out, s.store.Write(ctx, func(tx *data.Store) error {
		return s.markHandedOut(ctx, tx, []string{r.ID}, now)
	})
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
