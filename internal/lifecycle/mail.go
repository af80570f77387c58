package lifecycle

import (
	"context"
	"fmt"
	"strings"
	"time"

	"onboard/data"
	"onboard/internal/letters"
	"onboard/internal/mail"
	"onboard/internal/settings"
	"onboard/internal/uitext"
	"onboard/internal/userrules"
)

// mailComposer writes invitation mails from the organization's template and
// settings, read once per transaction.
type mailComposer struct {
	tpl      mail.Template
	org      string
	base     string
	fromAddr string // for the Message-ID's domain
}

func (s *Service) composer(ctx context.Context, tx *data.Store) (*mailComposer, error) {
	tpl, err := settings.MailTemplate(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := tpl.Check(); err != nil {
		return nil, fmt.Errorf("the invitation mail template: %w", err)
	}
	c := &mailComposer{tpl: tpl}
	if c.org, err = settings.Get(ctx, tx, settings.OrgName); err != nil {
		return nil, err
	}
	if c.base, err = settings.RegistrationAddress(ctx, tx); err != nil {
		return nil, err
	}
	cfg, err := settings.SMTPConfig(ctx, tx)
	if err != nil {
		return nil, err
	}
	c.fromAddr = cfg.From
	return c, nil
}

// invitation writes the invitation of u with key, valid until expires. An address
// or a name that cannot go into a mail header is a ValidationError.
func (c *mailComposer) invitation(u *data.User, key string, expires, now time.Time) (*data.Mail, error) {
	if msg := userrules.EmailProblem(u.Email); msg != "" {
		return nil, &ValidationError{Problems: []FieldError{{Field: "email", Message: msg}}}
	}
	addr := u.Email
	toName := u.FullName()
	if toName == u.Username {
		toName = ""
	}
	if err := mail.CheckHeader("name", toName); err != nil {
		return nil, &ValidationError{Problems: []FieldError{{Field: "first_name", Message: err.Error()}}}
	}
	content, err := c.tpl.Render(mail.Fields{
		FirstName: u.FirstName, LastName: u.LastName, Username: u.Username,
		Key: key, ValidUntil: letters.DateText(c.tpl.Lang, expires), URL: letters.URLText(c.tpl.Lang, c.base, key, c.org),
		Organization: c.org, InvitationText: u.InvitationText,
	})
	if err != nil {
		return nil, &ValidationError{Problems: []FieldError{{Field: "invitation_text", Message: err.Error()}}}
	}
	uid := u.ID
	return &data.Mail{
		UserID: &uid, Kind: data.MailInvitation, MessageID: mail.NewMessageID(c.fromAddr),
		ToName: toName, ToAddr: addr, Subject: content.Subject, TextBody: content.Text, HTMLBody: content.HTML,
		State: data.MailQueued, NextAttemptAt: now,
	}, nil
}

// queueInvitation queues the invitation mail of u in tx. An older invitation still
// waiting in the outbox is cancelled: its key no longer works.
func (s *Service) queueInvitation(ctx context.Context, tx *data.Store, c *mailComposer, u *data.User, key string, now time.Time) error {
	m, err := c.invitation(u, key, *u.KeyExpiresAt, now)
	if err != nil {
		return err
	}
	if _, err := tx.CancelQueuedMails(ctx, u.ID, data.MailInvitation, "replaced by a newer invitation", now); err != nil {
		return err
	}
	return tx.AddMail(ctx, m)
}

// RetryMail queues a failed mail again. An invitation whose key no longer works, or
// one given a new address to, is sent again instead: (with to) the user's email
// changes and a new invitation with a new key is queued (see ResendInvitation); the
// failed mail stays as it was, for the record.
func (s *Service) RetryMail(ctx context.Context, id, to string) error {
	m, err := s.store.MailByID(ctx, id)
	if err != nil {
		return err
	}
	if m.State != data.MailFailed {
		return &TransitionError{Action: ActionResend, User: m.ToAddr, Reason: uitext.F("only a failed mail can be sent again (this one is %s)", m.State)}
	}
	if m.UserID != nil && m.Kind == data.MailInvitation && (to != "" || !s.carriesLiveKey(ctx, m)) {
		// A new address, or the mail's key no longer works (replaced, expired,
		// cancelled): the invitation goes out again with a new key.
		_, err := s.ResendInvitation(ctx, *m.UserID, ResendOptions{Email: to})
		return err
	}
	if to != "" {
		if msg := userrules.EmailProblem(to); msg != "" {
			return &ValidationError{Problems: []FieldError{{Field: "email", Message: msg}}}
		}
	}
	return s.store.RequeueMail(ctx, id, to, s.Now())
}

// carriesLiveKey reports whether the invitation mail m holds its user's current,
// unexpired key.
func (s *Service) carriesLiveKey(ctx context.Context, m *data.Mail) bool {
	k, err := s.store.LiveKey(ctx, *m.UserID)
	return err == nil && k.Key != "" && k.ExpiresAt.After(s.Now()) && strings.Contains(m.TextBody, k.Key)
}
