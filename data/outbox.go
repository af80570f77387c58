package data

import (
	"context"
	"encoding/json"
	"time"
)

// MailState is where a mail of the outbox stands.
type MailState string

// The states of a mail. A queued mail waits for its next attempt; sent and failed
// are final (an admin may queue a failed mail again); a cancelled mail was replaced
// by a newer one before it went out.
const (
	MailQueued    MailState = "queued"
	MailSent      MailState = "sent"
	MailFailed    MailState = "failed"
	MailCancelled MailState = "cancelled"
)

// MailStates lists the states in the order screens show them.
var MailStates = []MailState{MailQueued, MailSent, MailFailed, MailCancelled}

// Mail kinds.
const (
	MailInvitation = "invitation"
	MailTest       = "test"
)

// Mail is one message in the outbox, written in the same transaction as the action
// that sends it, so no invitation is lost while the program is closed or offline.
// Its content is fixed when it is queued; the sender is taken from the settings
// when it goes out. MessageID stays the same for every attempt.
type Mail struct {
	Row
	UserID        *string
	Kind          string
	MessageID     string
	ToName        string
	ToAddr        string
	Subject       string
	TextBody      string
	HTMLBody      string
	State         MailState
	Attempts      int
	NextAttemptAt time.Time
	ClaimedUntil  *time.Time // a sender is trying it until then
	LastError     string     // the server's answer or the network error of the last attempt
	SentAt        *time.Time
}

// TableName is the outbox table.
func (Mail) TableName() string { return "outbox" }

// AddMail queues a mail.
func (s *Store) AddMail(ctx context.Context, m *Mail) error {
	if m.State == "" {
		m.State = MailQueued
	}
	m.NextAttemptAt = m.NextAttemptAt.UTC()
	return wrap(s.db.WithContext(ctx).Create(m).Error, "queue mail")
}

// AddMails queues many mails in one statement batch.
func (s *Store) AddMails(ctx context.Context, mails []Mail) error {
	if len(mails) == 0 {
		return nil
	}
	for i := range mails {
		if mails[i].State == "" {
			mails[i].State = MailQueued
		}
		mails[i].NextAttemptAt = mails[i].NextAttemptAt.UTC()
	}
	return wrap(s.db.WithContext(ctx).CreateInBatches(mails, 200).Error, "queue mails")
}

// CancelQueuedMails cancels the user's queued mails of kind, saying why. It returns
// how many there were.
func (s *Store) CancelQueuedMails(ctx context.Context, userID, kind, why string, at time.Time) (int, error) {
	res := s.db.WithContext(ctx).Model(&Mail{}).
		Where("user_id = ? AND kind = ? AND state = ?", userID, kind, MailQueued).
		Updates(map[string]any{"state": MailCancelled, "last_error": why, "updated_at": at.UTC(), "version": versionUp})
	return int(res.RowsAffected), wrap(res.Error, "cancel queued mails")
}

// ClaimMails returns up to limit queued mails, oldest first, that no other sender
// holds: those due at now, or every one when dueOnly is false, leaving out the IDs
// in skip. It marks them held until now+lease, so that another sender leaves them
// alone; a sender that dies keeps them queued, and they are tried again when the
// lease ends.
func (s *Store) ClaimMails(ctx context.Context, now time.Time, lease time.Duration, limit int, dueOnly bool, skip []string) ([]Mail, error) {
	var out []Mail
	now = now.UTC()
	err := s.Write(ctx, func(tx *Store) error {
		q := tx.db.WithContext(ctx).Where("state = ? AND (claimed_until IS NULL OR claimed_until <= ?)", MailQueued, now)
		if dueOnly {
			q = q.Where("next_attempt_at <= ?", now)
		}
		if len(skip) > 0 {
			// One JSON parameter instead of one per ID: a long drain may skip more
			// IDs than SQLite allows variables (32,766).
			list, err := json.Marshal(skip)
			if err != nil {
				return err
			}
			q = q.Where("id NOT IN (SELECT value FROM json_each(?))", string(list))
		}
		if err := q.Order("next_attempt_at, created_at, id").Limit(limit).Find(&out).Error; err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		ids := make([]string, len(out))
		for i := range out {
			ids[i] = out[i].ID
		}
		return tx.db.WithContext(ctx).Model(&Mail{}).Where("id IN ?", ids).
			Update("claimed_until", now.Add(lease)).Error
	})
	return out, wrap(err, "claim mails")
}

// ExtendMailClaims keeps the claimed, still queued mails ids held until until: a
// sender that is slower than its lease extends it for the mails it has yet to try.
func (s *Store) ExtendMailClaims(ctx context.Context, ids []string, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.db.WithContext(ctx).Model(&Mail{}).
		Where("id IN ? AND state = ? AND claimed_until IS NOT NULL", ids, MailQueued).
		Update("claimed_until", until.UTC()).Error
	return wrap(err, "extend mail claims")
}

// MailResult is what became of one attempt to send a mail.
type MailResult struct {
	State         MailState // MailSent, MailFailed, or MailQueued for another attempt
	Attempts      int       // attempts so far, this one included when it counted
	NextAttemptAt time.Time // for MailQueued
	Error         string
	At            time.Time
}

// RecordMailAttempt stores the outcome of an attempt and releases the mail. A mail
// that is no longer queued (cancelled meanwhile) keeps its state.
func (s *Store) RecordMailAttempt(ctx context.Context, id string, r MailResult) error {
	set := map[string]any{
		"state": r.State, "attempts": r.Attempts, "last_error": r.Error, "claimed_until": nil,
		"updated_at": r.At.UTC(), "version": versionUp,
	}
	switch r.State {
	case MailSent:
		set["sent_at"] = r.At.UTC()
	case MailQueued:
		set["next_attempt_at"] = r.NextAttemptAt.UTC()
	}
	err := s.db.WithContext(ctx).Model(&Mail{}).Where("id = ? AND state = ?", id, MailQueued).Updates(set).Error
	return wrap(err, "record mail attempt")
}

// RequeueMail queues a failed mail again for now, to the address to (the stored one
// when to is ""), with its attempts counted from zero.
func (s *Store) RequeueMail(ctx context.Context, id, to string, now time.Time) error {
	set := map[string]any{
		"state": MailQueued, "attempts": 0, "next_attempt_at": now.UTC(), "last_error": "",
		"updated_at": now.UTC(), "version": versionUp,
	}
	if to != "" {
		set["to_addr"] = to
	}
	res := s.db.WithContext(ctx).Model(&Mail{}).Where("id = ? AND state = ?", id, MailFailed).Updates(set)
	if res.Error == nil && res.RowsAffected == 0 {
		return wrap(ErrNotFound, "failed mail "+id)
	}
	return wrap(res.Error, "queue mail again")
}

// MailByID returns one mail.
func (s *Store) MailByID(ctx context.Context, id string) (*Mail, error) {
	var m Mail
	err := s.rdb.WithContext(ctx).Where("id = ?", id).First(&m).Error
	return &m, notFound(err, "mail "+id)
}

// MailQuery selects mails for a list.
type MailQuery struct {
	State  MailState // "" for all
	UserID string    // "" for all
	Offset int
	Limit  int // 0: no limit
}

// Mails returns the mails matching q, newest first.
func (s *Store) Mails(ctx context.Context, q MailQuery) ([]Mail, error) {
	db, err := s.manyRows(ctx)
	if err != nil {
		return nil, err
	}
	db = db.Order("created_at DESC, id DESC")
	if q.State != "" {
		db = db.Where("state = ?", q.State)
	}
	if q.UserID != "" {
		db = db.Where("user_id = ?", q.UserID)
	}
	if q.Limit > 0 {
		db = db.Limit(q.Limit).Offset(q.Offset)
	}
	var out []Mail
	return out, wrap(db.Find(&out).Error, "list mails")
}

// MailCounts counts the mails in each state.
func (s *Store) MailCounts(ctx context.Context) (map[MailState]int, error) {
	var rows []struct {
		State MailState
		N     int
	}
	err := s.rdb.WithContext(ctx).Raw(`SELECT state, count(*) AS n FROM outbox GROUP BY state`).Scan(&rows).Error
	out := map[MailState]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, wrap(err, "count mails")
}

// NextMailAttempt is when the earliest queued mail is due; zero when none is queued.
func (s *Store) NextMailAttempt(ctx context.Context) (time.Time, error) {
	var m Mail
	err := s.rdb.WithContext(ctx).Where("state = ?", MailQueued).Order("next_attempt_at").Limit(1).Find(&m).Error
	if m.ClaimedUntil != nil && m.ClaimedUntil.After(m.NextAttemptAt) {
		return *m.ClaimedUntil, wrap(err, "next mail attempt")
	}
	return m.NextAttemptAt, wrap(err, "next mail attempt")
}
