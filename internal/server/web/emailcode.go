package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"onboard/internal/mail"
)

// codeInfo is the email-code part of the form.
type codeInfo struct {
	// Unavailable: the server's mail is not set up, so no code can be sent.
	Unavailable bool
	// SentTo is the address the last code went to, "" before the first; when the
	// person changes the email field, that code no longer counts.
	SentTo string
}

// actionSendCode is the value of the form's "Send code" button (name "action").
const actionSendCode = "send_code"

// method is the second factor the organization asks for: "" for none, else
// TwoFactorApp, TwoFactorEmail or TwoFactorChoice.
func (o Organization) method() string {
	if !o.RequireTwoFactor {
		return ""
	}
	switch o.TwoFactorMethod {
	case TwoFactorEmail, TwoFactorChoice:
		return o.TwoFactorMethod
	}
	return TwoFactorApp
}

// chosen is the second factor of a posted form: the organization's, or with
// TwoFactorChoice the one the person picked (email also when they asked for a
// code); the app when no mail can be sent, since only it is offered then.
func chosen(org Organization, pf url.Values) string {
	switch org.method() {
	case TwoFactorEmail:
		return TwoFactorEmail
	case TwoFactorChoice:
		if org.Mail != nil && (pf.Get("twofactor") == TwoFactorEmail || pf.Get("action") == actionSendCode) {
			return TwoFactorEmail
		}
		return TwoFactorApp
	case TwoFactorApp:
		return TwoFactorApp
	}
	return ""
}

// wantsCode reports whether the form was sent with the "Send code" button while a
// code by email is offered and can be sent.
func wantsCode(org Organization, pf url.Values) bool {
	return pf.Get("action") == actionSendCode && chosen(org, pf) == TwoFactorEmail && org.Mail != nil
}

// offer sets up p to show the organization's second factor: the TOTP setup of
// secret when the app is offered, the email code when that is (with the address
// the last code went to), the choice between both, and which one is picked.
func (h *handler) offer(p *page, org Organization, pick, secret, sentTo string) error {
	m := org.method()
	p.Chosen = pick
	if m == TwoFactorEmail || m == TwoFactorChoice {
		p.Code = &codeInfo{Unavailable: org.Mail == nil, SentTo: sentTo}
	}
	p.Choice = m == TwoFactorChoice && org.Mail != nil
	if m != TwoFactorApp && m != TwoFactorChoice {
		return nil
	}
	if secret == "" {
		secret = newTOTPSecret()
	}
	var err error
	p.TOTP, err = h.newTOTPSetup(org.Name, p.accountName(), p.Flow, p.Key, secret)
	return err
}

// postedSecret returns the TOTP secret sealed in the posted form, or a new one
// and false when it is missing, forged, of another key or expired.
func (h *handler) postedSecret(p *page, pf url.Values) (string, bool) {
	secret, ok := h.openEnrolment(p.Flow, p.Key, pf.Get("totp_enrolment"), time.Now())
	if !ok {
		return newTOTPSecret(), false
	}
	return secret, true
}

// sentTo is the address the posted form says the last code went to, "" when it
// is none a code could have gone to.
func sentTo(pf url.Values) string {
	s := strings.TrimSpace(pf.Get("code_sent_to"))
	if emailError("en", s) != "" {
		return ""
	}
	return s
}

// secondFactor reads the posted second factor into reg and errs and sets up p to
// show it again. The email code itself is checked (checkCode) only when nothing
// else is wrong, so that a typo elsewhere costs no try.
func (h *handler) secondFactor(r *http.Request, p *page, org Organization, errs map[string]string, reg *Registration) error {
	pf := r.PostForm
	pick := chosen(org, pf)
	if pick == "" {
		return nil
	}
	secret, ok := h.postedSecret(p, pf)
	reg.TwoFactor = pick
	if pick == TwoFactorApp {
		reg.TOTPSecret = secret
		checkTOTPCode(p, pf, secret, ok, errs)
	} else {
		reg.EmailCode = strings.Join(strings.Fields(pf.Get("email_code")), "")
		switch {
		case org.Mail == nil:
			errs["email_code"] = p.T("code_unavailable")
		case reg.EmailCode == "":
			errs["email_code"] = p.T("err_code_missing")
		}
	}
	if err := h.offer(p, org, pick, secret, sentTo(pf)); err != nil || len(errs) > 0 || pick != TwoFactorEmail {
		return err
	}
	return h.checkCode(r, p, org, *reg, errs)
}

// checkCode asks the Backend about the typed email code and puts what is wrong
// into errs; a wrong code counts a failed attempt, as a wrong TOTP code does.
func (h *handler) checkCode(r *http.Request, p *page, org Organization, reg Registration, errs map[string]string) error {
	res, left, err := h.b.CheckEmailCode(r.Context(), p.Key, reg.Email, reg.EmailCode, h.now())
	if err != nil {
		return err
	}
	switch res {
	case CodeOK:
		return nil
	case CodeNone:
		if s := p.Code.SentTo; s != "" && !strings.EqualFold(s, reg.Email) {
			errs["email_code"] = p.T("err_code_email_changed", s)
		} else {
			errs["email_code"] = p.T("err_code_none")
		}
	case CodeWrong:
		h.failed(r, org, p.Flow, p.Key)
		if left > 0 {
			errs["email_code"] = p.T("err_code_wrong", left)
		} else {
			errs["email_code"] = p.T("err_code_locked")
		}
	case CodeLocked:
		errs["email_code"] = p.T("err_code_locked")
	case CodeExpired:
		errs["email_code"] = p.T("err_code_expired")
	default:
		errs["email_code"] = p.T("err_code_used")
	}
	return nil
}

// sendCode answers the "Send code" button: it mails a new code to the address in
// the email field and shows the form again with the values kept (passwords never
// are) and the field for the code. Sending is rate-limited per client address and
// per key (per key and address for invite keys, which many people share).
func (h *handler) sendCode(w http.ResponseWriter, r *http.Request, p *page, org Organization, pf url.Values) {
	email := p.Values.Email
	secret, _ := h.postedSecret(p, pf)
	if err := h.offer(p, org, TwoFactorEmail, secret, sentTo(pf)); err != nil {
		h.fail(w, r, p.Lang, err)
		return
	}
	if msg := emailError(p.Lang, email); msg != "" {
		h.formErrors(w, r, p, map[string]string{"email": msg})
		return
	}
	if !h.allowSend(w, r, p, org, email) {
		return
	}
	code, err := newEmailCode()
	if err == nil {
		err = h.b.SaveEmailCode(r.Context(), EmailCode{Key: p.Key, Email: email, Code: code, Expires: h.now().Add(CodeLifetime)})
	}
	if err != nil {
		h.fail(w, r, p.Lang, err)
		return
	}
	if err := mail.SendOne(r.Context(), *org.Mail, codeMail(p.Lang, org, email, code)); err != nil {
		h.log.ErrorContext(r.Context(), "registration page: send a code", "path", r.URL.Path, "err", err)
		p.FormError = p.T("code_send_failed")
		h.render(w, r, http.StatusBadGateway, "form", p)
		return
	}
	p.Code.SentTo = email
	h.render(w, r, http.StatusOK, "form", p)
}

// sendBuckets are the rate-limit buckets of sending codes: the client's address,
// and the key (with the address for an invite key), hashed.
func (h *handler) sendBuckets(r *http.Request, f flow, key, email string) []string {
	id := key
	if f.Invite {
		id += "\x00" + strings.ToLower(email)
	}
	sum := sha256.Sum256([]byte(id))
	return []string{"send:" + h.clientBucket(r), "web:send:" + hex.EncodeToString(sum[:16])}
}

// allowSend counts the sending of a code against the client's address and the key
// and reports whether it is within the limits; it answers itself when not: 429
// with the form (or 500). The sending is counted before the mail goes out, so that a client
// cannot hang up to send more.
func (h *handler) allowSend(w http.ResponseWriter, r *http.Request, p *page, org Organization, email string) bool {
	lim := h.limitsFor(org)
	buckets := h.sendBuckets(r, p.Flow, p.Key, email)
	n, err := h.b.Failures(r.Context(), lim.Window, buckets...)
	if err == nil && len(n) != 2 {
		err = fmt.Errorf("rate limit: %d counters for 2 buckets", len(n))
	}
	if err == nil && n[0] < lim.Address && n[1] < lim.CodeSends {
		err = h.b.Fail(context.WithoutCancel(r.Context()), lim.Window, buckets...)
		if err == nil {
			return true
		}
	}
	if err != nil {
		h.fail(w, r, p.Lang, err)
		return false
	}
	// The form again, its values kept, so that a code already sent can still be
	// typed; the person is told to wait.
	w.Header().Set("Retry-After", strconv.Itoa(int(lim.Window.Seconds())))
	p.FormError = p.T("code_rate_limited")
	h.render(w, r, http.StatusTooManyRequests, "form", p)
	return false
}

// newEmailCode returns six random digits.
func newEmailCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("web: new email code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// codeMail is the mail with code, in the page's language.
func codeMail(lang string, org Organization, to, code string) *mail.Message {
	name := org.Name
	if name == "" {
		name = "Onboard"
	}
	return &mail.Message{
		ID: mail.NewMessageID(org.Mail.From), To: to,
		Subject: tr(lang, "code_mail_subject", name),
		Text:    tr(lang, "code_mail_text", name, code),
	}
}
