package lifecycle

import (
	"context"
	"time"

	"onboard/data"
	"onboard/internal/letters"
)

// LetterBatch is who gets a registration letter and who does not, and why.
type LetterBatch struct {
	Recipients []letters.Recipient
	Skipped    []Skip
	Renewed    int // expired or missing keys replaced because the admin asked
}

// Reasons a user gets no letter.
const (
	skipActive      = "already active"
	skipDeactivated = "deactivated"
	skipExpired     = "key expired (renew expired keys to print)"
	skipNoKey       = "no registration key (renew keys to print)"
)

// PrepareLetters decides who of ids gets a letter: users with a usable personal key
// (not active, not deactivated). Expired or missing keys are renewed, in one
// transaction, only when renew is set; otherwise those users are skipped. The
// recipients keep the order of ids.
func (s *Service) PrepareLetters(ctx context.Context, ids []string, renew bool) (*LetterBatch, error) {
	rows, err := s.store.LetterRows(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := &LetterBatch{Recipients: make([]letters.Recipient, 0, len(rows))}
	var stale []int // indexes into Recipients whose key must be renewed
	found := make(map[string]bool, len(rows))
	for i := range rows {
		r := &rows[i]
		found[r.ID] = true
		st := data.StatusOf(r.Phase, r.KeyExpiresAt, now)
		if reason := letterSkipReason(st, r.Key != "", renew); reason != "" {
			renewable := reason == skipExpired || reason == skipNoKey
			out.Skipped = append(out.Skipped, Skip{UserID: r.ID, Name: r.FullName(), Reason: reason, Renewable: renewable})
			continue
		}
		if st == data.StatusExpired || r.Key == "" {
			stale = append(stale, len(out.Recipients))
		}
		out.Recipients = append(out.Recipients, letterRecipient(r))
	}
	for _, id := range ids {
		if !found[id] {
			out.Skipped = append(out.Skipped, Skip{UserID: id, Reason: "deleted meanwhile"})
		}
	}
	if len(stale) == 0 {
		return out, nil
	}
	if err := s.renewLetterKeys(ctx, out.Recipients, stale, now); err != nil {
		return nil, err
	}
	out.Renewed = len(stale)
	return out, nil
}

// letterSkipReason is why a user of status st gets no letter, "" when they get one;
// hasKey tells whether they have a personal key, renew whether expired or missing
// keys are renewed.
func letterSkipReason(st data.Status, hasKey, renew bool) string {
	switch {
	case st == data.StatusActive:
		return skipActive
	case st == data.StatusDeactivated:
		return skipDeactivated
	case st == data.StatusExpired && !renew:
		return skipExpired
	case !hasKey && !renew:
		return skipNoKey
	}
	return ""
}

// letterRecipient is the letter for r, with its current key.
func letterRecipient(r *data.LetterRow) letters.Recipient {
	rec := letters.Recipient{UserID: r.ID, FirstName: r.FirstName, LastName: r.LastName, Username: r.Username, Key: r.Key}
	if r.KeyExpiresAt != nil {
		rec.ValidUntil = *r.KeyExpiresAt
	}
	return rec
}

// renewLetterKeys gives the recipients at the indexes stale a new key, valid for the
// configured number of days, in one transaction, and puts it and its end into their
// letters.
func (s *Service) renewLetterKeys(ctx context.Context, recs []letters.Recipient, stale []int, now time.Time) error {
	days, err := s.ValidDays(ctx, 0)
	if err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *data.Store) error {
		for _, i := range stale {
			if err := s.renewLetterKey(ctx, tx, &recs[i], now, days); err != nil {
				return err
			}
		}
		return nil
	})
}

// renewLetterKey issues rec's user a new key in tx, records it in their history and
// puts it into rec.
func (s *Service) renewLetterKey(ctx context.Context, tx *data.Store, rec *letters.Recipient, now time.Time, days int) error {
	u, err := tx.UserByID(ctx, rec.UserID)
	if err != nil {
		return err
	}
	if rec.Key, err = issueKey(ctx, tx, u, now, days); err != nil {
		return err
	}
	u.UpdatedBy = s.actor
	if err := tx.SaveUser(ctx, u); err != nil {
		return err
	}
	rec.ValidUntil = *u.KeyExpiresAt
	return s.within(tx).audit(ctx, u, ActionNewKey, now, "New key issued for a registration letter", nil)
}

// RecordLetters writes "registration letter printed" into the history of each
// recipient and marks their keys' letters printed, in one transaction. file names
// where the letters were saved.
func (s *Service) RecordLetters(ctx context.Context, people []letters.Recipient, file string) error {
	now := s.Now()
	events := make([]data.AuditEvent, len(people))
	for i, r := range people {
		events[i] = data.AuditEvent{
			At: now, Actor: s.actor, Action: string(ActionLetter), EntityType: "user",
			EntityID: r.UserID, Summary: "Registration letter printed (valid until " + r.ValidUntil.Local().Format(time.DateOnly) + ") to " + file,
		}
	}
	ids := make([]string, len(people))
	for i, r := range people {
		ids[i] = r.UserID
	}
	return s.store.Write(ctx, func(tx *data.Store) error {
		if err := tx.AddAudits(ctx, events); err != nil {
			return err
		}
		return tx.MarkLettersPrinted(ctx, ids, now)
	})
}
