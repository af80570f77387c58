package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"onboard/internal/keys"
	"onboard/internal/username"
)

// flow is one of the two ways to an account.
type flow struct {
	Path   string // relative URL of the page: "register" or "join"
	Invite bool   // true for /join with an invite key
}

var (
	registerFlow = flow{Path: "register"}
	joinFlow     = flow{Path: "join", Invite: true}
)

func (f flow) kind() keys.Kind {
	if f.Invite {
		return keys.Invite
	}
	return keys.Personal
}

func (f flow) title() string {
	if f.Invite {
		return "join_title"
	}
	return "register_title"
}

// Limits of the form fields, the same as the desktop app's (package lifecycle).
const (
	maxNameLen     = 100
	maxUsernameLen = username.MaxLen
	maxEmailLen    = 254
	maxKeyInput    = 100 // characters of a typed key shown back
	// maxFormBytes caps a POST body. The largest legitimate form (two passwords of
	// MaxPasswordBytes, names, email, key, CSRF token, TOTP secret and code, all
	// percent-encoded, i.e. up to three times their bytes) stays under 10 KB.
	maxFormBytes = 16 << 10
)

// formValues are the typed values a form keeps on error; passwords never are.
type formValues struct {
	FirstName, LastName string // when the person enters them (page.NamesEditable)
	Username, Email     string
	Mobile              string
	Terms               bool
}

// doneInfo is what the confirmation page shows.
type doneInfo struct {
	Name     string
	Username string
	TOTP     bool
}

// showForm answers GET: without a key the page to type it, with a usable key the
// registration form.
func (h *handler) showForm(w http.ResponseWriter, r *http.Request, f flow) {
	p := h.newPage(r, f, f.title())
	org, err := h.b.Organization(r.Context())
	if err != nil {
		h.fail(w, r, p.Lang, err)
		return
	}
	p.Org = org.Name
	raw := r.URL.Query().Get("key")
	if raw == "" {
		p.switchTo("")
		h.render(w, r, http.StatusOK, "key", p)
		return
	}
	key, err := keys.Parse(f.kind(), raw)
	if err != nil {
		p.switchTo("")
		p.KeyError = keyProblem(p.Lang, err)
		p.KeyInput = truncate(strings.TrimSpace(raw), maxKeyInput)
		if other := otherFlow(f); keys.Valid(other.kind(), raw) {
			// A key of the other kind: point to the page that takes it.
			canon, _ := keys.Parse(other.kind(), raw)
			p.OtherURL = other.Path + "?key=" + canon + "&lang=" + p.Lang
			if other.Invite {
				p.KeyError, p.OtherText = p.T("key_is_invite"), p.T("key_is_invite_link")
			} else {
				p.KeyError, p.OtherText = p.T("key_is_personal"), p.T("key_is_personal_link")
			}
		}
		h.render(w, r, http.StatusBadRequest, "key", p)
		return
	}
	inv, ok := h.openKey(w, r, p, org, f, key)
	if !ok {
		return
	}
	if inv != nil {
		p.Values = formValues{Username: inv.Username, Email: inv.Email, Mobile: inv.Mobile}
		if inv.NamesEditable() {
			p.Values.FirstName, p.Values.LastName = inv.FirstName, inv.LastName
		}
	}
	if err := h.offer(p, org, chosen(org, nil), "", ""); err != nil {
		h.fail(w, r, p.Lang, err)
		return
	}
	h.render(w, r, http.StatusOK, "form", p)
}

// otherFlow is the flow for the other kind of key.
func otherFlow(f flow) flow {
	if f.Invite {
		return registerFlow
	}
	return joinFlow
}

// openKey checks the rate limits, looks key up and fills the form's fixed part; a
// key that cannot be used counts as a failure. When it reports false it has
// answered the request already (limit reached, bad key, backend failure).
func (h *handler) openKey(w http.ResponseWriter, r *http.Request, p *page, org Organization, f flow, key string) (*Invitee, bool) {
	if !h.allow(w, r, p.Lang, org, f, key) {
		return nil, false
	}
	inv, label, err := h.lookup(r, f, key)
	if errors.Is(err, ErrBadKey) {
		h.failed(r, org, f, key)
		h.badKey(w, r, p)
		return nil, false
	}
	if err != nil {
		h.fail(w, r, p.Lang, err)
		return nil, false
	}
	h.fillForm(w, r, p, org, key, inv, label)
	return inv, true
}

// lookup finds what a key stands for: the invitee of a personal key or the label of
// an invite key.
func (h *handler) lookup(r *http.Request, f flow, key string) (*Invitee, string, error) {
	if f.Invite {
		label, err := h.b.InviteKey(r.Context(), key)
		return nil, label, err
	}
	inv, err := h.b.PersonalKey(r.Context(), key)
	return inv, "", err
}

// fillForm sets what every rendering of the form needs.
func (h *handler) fillForm(w http.ResponseWriter, r *http.Request, p *page, org Organization, key string, inv *Invitee, label string) {
	p.CSRF = h.csrfToken(w, r)
	p.Key = key
	p.switchTo(key)
	p.Invitee = inv
	p.InviteLabel = label
	p.Terms = org.Terms
	pol := policyFor(org)
	p.MinLength, p.Classes = pol.Min(), pol.Classes
}

// badKey answers every key that cannot be used alike: same status, same page.
func (h *handler) badKey(w http.ResponseWriter, r *http.Request, p *page) {
	p.switchTo("")
	p.KeyError = p.T("bad_key")
	h.render(w, r, http.StatusNotFound, "key", p)
}

// keyProblem explains why keys.Parse refused a typed key.
func keyProblem(lang string, err error) string {
	var pe *keys.ParseError
	if !errors.As(err, &pe) {
		return tr(lang, "bad_key")
	}
	switch pe.Err {
	case keys.ErrEmpty:
		return tr(lang, "key_empty")
	case keys.ErrLength:
		return tr(lang, "key_length", pe.Got, pe.Want)
	case keys.ErrCharacter:
		return tr(lang, "key_char", string(pe.Char), pe.Pos)
	}
	return tr(lang, "key_check")
}

// readForm parses a POST body into r.PostForm: only URL-encoded forms (multipart would
// spill to temporary files), at most maxFormBytes. Otherwise it answers 415, 413 or 400
// without reading more than maxFormBytes+1 bytes, and returns false.
func readForm(w http.ResponseWriter, r *http.Request) bool {
	lang := pickLang(r)
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		w.Header().Set("Connection", "close")
		plain(w, lang, http.StatusUnsupportedMediaType, "bad_type")
		return false
	}
	if r.ContentLength > maxFormBytes {
		w.Header().Set("Connection", "close")
		plain(w, lang, http.StatusRequestEntityTooLarge, "too_large")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			plain(w, lang, http.StatusRequestEntityTooLarge, "too_large")
			return false
		}
		plain(w, lang, http.StatusBadRequest, "bad_request")
		return false
	}
	return true
}

// submit answers POST: it checks the form and registers, or shows the form again
// with the problems next to the fields.
func (h *handler) submit(w http.ResponseWriter, r *http.Request, f flow) {
	if !readForm(w, r) {
		return
	}
	p := h.newPage(r, f, f.title())
	if !h.csrfOK(r) {
		plain(w, p.Lang, http.StatusForbidden, "csrf")
		return
	}
	ctx := r.Context()
	org, err := h.b.Organization(ctx)
	if err != nil {
		h.fail(w, r, p.Lang, err)
		return
	}
	p.Org = org.Name
	// The form holds the canonical key the GET page put there; anything else is as
	// unusable as an unknown key.
	key, err := keys.Parse(f.kind(), r.PostForm.Get("key"))
	if err != nil {
		h.badKey(w, r, p)
		return
	}
	inv, ok := h.openKey(w, r, p, org, f, key)
	if !ok {
		return
	}

	pf := r.PostForm
	names := p.NamesEditable()
	v, first, last := formInput(pf, names, inv)
	p.Values = v
	if wantsCode(org, pf) {
		h.sendCode(w, r, p, org, pf)
		return
	}
	errs := validate(p.Lang, names, v, org)
	pw := pf.Get("password")
	checkPasswords(p, org, pf, first, last, errs)

	reg := Registration{Username: v.Username, Email: v.Email, Mobile: v.Mobile}
	if names {
		reg.FirstName, reg.LastName = v.FirstName, v.LastName
	}
	if err := h.secondFactor(r, p, org, errs, &reg); err != nil {
		h.fail(w, r, p.Lang, err)
		return
	}
	if len(errs) > 0 {
		h.failedIf(codeWrong(errs, pf), r, org, f, key)
		h.formErrors(w, r, p, errs)
		return
	}

	if reg.PasswordHash, err = h.hashPassword(ctx, pw); err != nil {
		if errors.Is(err, errBusy) {
			h.busy(w, r, p, errs)
			return
		}
		h.fail(w, r, p.Lang, err)
		return
	}
	if org.Terms != "" {
		reg.TermsAt = h.now().UTC()
	}
	if f.Invite {
		err = h.b.JoinWithInviteKey(ctx, key, reg)
	} else {
		err = h.b.RedeemPersonalKey(ctx, key, reg)
	}
	h.failedIf(guessed(err), r, org, f, key)
	h.registered(w, r, p, err, errs, &doneInfo{Name: first, Username: v.Username, TOTP: reg.TwoFactor == TwoFactorApp})
}

// busyRetry is the Retry-After of the busy page, in seconds.
const busyRetry = "5"

// busy answers 503 when the password could not be hashed in time: the form again
// with the typed values (passwords are never shown again) and a request to send it
// once more. Nothing was registered and the key is still usable.
func (h *handler) busy(w http.ResponseWriter, r *http.Request, p *page, errs map[string]string) {
	w.Header().Set("Retry-After", busyRetry)
	p.Errors = errs
	p.FormError = p.T("busy")
	h.render(w, r, http.StatusServiceUnavailable, "form", p)
}

// formInput reads the posted fields besides password and TOTP, and the names the
// account gets. The names come from the form only when the person may enter them
// (names); fixed names posted anyway are ignored (and the store would not take
// them either): then they are inv's.
func formInput(pf url.Values, names bool, inv *Invitee) (v formValues, first, last string) {
	v = formValues{
		Username: strings.TrimSpace(pf.Get("username")),
		Email:    strings.TrimSpace(pf.Get("email")),
		Mobile:   strings.TrimSpace(pf.Get("mobile")),
		Terms:    pf.Get("terms") != "",
	}
	if !names {
		return v, inv.FirstName, inv.LastName
	}
	v.FirstName, v.LastName = strings.TrimSpace(pf.Get("first_name")), strings.TrimSpace(pf.Get("last_name"))
	return v, v.FirstName, v.LastName
}

// checkPasswords puts into errs what is wrong with the posted password (see
// passwordError; the other fields and the names first and last must not be in it)
// or, when it is fine, with its repetition.
func checkPasswords(p *page, org Organization, pf url.Values, first, last string, errs map[string]string) {
	pw := pf.Get("password")
	if msg := passwordError(p.Lang, policyFor(org), pw, p.Values.Username, p.Values.Email, first, last, first+last, org.Name); msg != "" {
		errs["password"] = msg
	} else if pf.Get("password2") != pw {
		errs["password2"] = p.T("err_pw_mismatch")
	}
}

// checkTOTPCode checks the posted authenticator code against secret, the one
// sealed in the form's setup (sealEnrolment; the browser cannot choose it), and
// puts what is wrong into errs; ok is false when the posted setup was missing,
// forged, of another key or expired, and secret is a new one.
func checkTOTPCode(p *page, pf url.Values, secret string, ok bool, errs map[string]string) {
	code := strings.Join(strings.Fields(pf.Get("totp_code")), "")
	switch {
	case !ok:
		errs["totp_code"] = p.T("err_totp_reset")
	case code == "":
		errs["totp_code"] = p.T("err_totp_missing")
	case !totpValid(secret, code, time.Now()):
		errs["totp_code"] = p.T("err_totp_wrong")
	}
}

// registered answers the outcome err of a registration: the confirmation page done,
// the form again when a username or email is taken (with errs), or a failure.
func (h *handler) registered(w http.ResponseWriter, r *http.Request, p *page, err error, errs map[string]string, done *doneInfo) {
	var taken *ErrTaken
	switch {
	case errors.Is(err, ErrBadKey):
		h.badKey(w, r, p)
	case errors.Is(err, ErrEmailCode):
		errs["email_code"] = p.T("err_code_used")
		h.formErrors(w, r, p, errs)
	case errors.As(err, &taken):
		switch taken.Field {
		case "username", "email":
			errs[taken.Field] = p.T("err_taken_" + taken.Field)
		default:
			p.FormError = p.T("err_taken")
		}
		h.formErrors(w, r, p, errs)
	case err != nil:
		h.fail(w, r, p.Lang, err)
	default:
		p.Title = p.T("done_title")
		p.SwitchURL = ""
		p.Done = done
		h.render(w, r, http.StatusOK, "done", p)
	}
}

// formErrors shows the form again with the problems.
func (h *handler) formErrors(w http.ResponseWriter, r *http.Request, p *page, errs map[string]string) {
	p.Errors = errs
	if p.FormError == "" {
		p.FormError = p.T("fix_errors")
	}
	h.render(w, r, http.StatusUnprocessableEntity, "form", p)
}

// accountName labels the account in the authenticator app.
func (p *page) accountName() string {
	for _, s := range []string{p.Values.Username, p.Values.Email} {
		if s != "" {
			return s
		}
	}
	return "onboard"
}

// validate checks the fields besides password and TOTP, the names when the person
// entered them; it returns messages by field.
func validate(lang string, names bool, v formValues, org Organization) map[string]string {
	errs := make(map[string]string)
	set := func(field, msg string) {
		if msg != "" {
			errs[field] = msg
		}
	}
	if names {
		set("first_name", nameError(lang, v.FirstName))
		set("last_name", nameError(lang, v.LastName))
	}
	set("username", usernameError(lang, v.Username))
	set("email", emailError(lang, v.Email))
	if v.Mobile != "" {
		set("mobile", mobileError(lang, v.Mobile))
	}
	if org.Terms != "" && !v.Terms {
		errs["terms"] = tr(lang, "err_terms")
	}
	return errs
}

// passwordError translates the policy's verdict on pw, "" when it is fine.
func passwordError(lang string, pol PasswordPolicy, pw string, personal ...string) string {
	if pw == "" {
		return tr(lang, "err_required")
	}
	switch pol.Check(pw, personal...) {
	case PasswordTooLong:
		return tr(lang, "err_pw_long")
	case PasswordTooShort:
		return tr(lang, "err_pw_short", pol.Min())
	case PasswordPersonal:
		return tr(lang, "err_pw_personal")
	case PasswordCommon:
		return tr(lang, "err_pw_common")
	case PasswordClasses:
		return tr(lang, "err_pw_classes")
	case PasswordControl:
		return tr(lang, "err_pw_control")
	}
	return ""
}

func nameError(lang, v string) string {
	switch {
	case v == "":
		return tr(lang, "err_required")
	case utf8.RuneCountInString(v) > maxNameLen:
		return tr(lang, "err_too_long", maxNameLen)
	case hasControl(v):
		return tr(lang, "err_control")
	}
	return ""
}

// usernameError applies the username rule of package username (the desktop app's),
// "" when u is acceptable.
func usernameError(lang, u string) string {
	e := username.Check(u)
	if e == nil {
		return ""
	}
	switch e.Reason {
	case username.Empty:
		return tr(lang, "err_required")
	case username.TooShort:
		return tr(lang, "err_username_short")
	case username.TooLong:
		return tr(lang, "err_too_long", username.MaxLen)
	case username.Character:
		if unicode.IsControl(e.Char) || e.Char == '\u2028' || e.Char == '\u2029' {
			return tr(lang, "err_control")
		}
		if !unicode.IsGraphic(e.Char) || unicode.Is(unicode.M, e.Char) {
			return tr(lang, "err_username_chars", fmt.Sprintf("U+%04X", e.Char))
		}
		return tr(lang, "err_username_chars", string(e.Char))
	case username.MixedScripts:
		return tr(lang, "err_username_scripts")
	}
	return tr(lang, "err_username_invalid")
}

// emailError accepts only a bare ASCII address with a dotted domain, as the desktop
// app does: mail to other addresses rarely arrives.
func emailError(lang, e string) string {
	switch {
	case e == "":
		return tr(lang, "err_required")
	case len(e) > maxEmailLen:
		return tr(lang, "err_too_long", maxEmailLen)
	case hasControl(e):
		return tr(lang, "err_control")
	case strings.IndexFunc(e, func(r rune) bool { return r > unicode.MaxASCII }) >= 0:
		return tr(lang, "err_email_ascii")
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || addr.Name != "" {
		return tr(lang, "err_email")
	}
	domain := e[strings.LastIndexByte(e, '@')+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") || strings.ContainsAny(e, " \"()<>[]\\,;:") {
		return tr(lang, "err_email")
	}
	return ""
}

func mobileError(lang, m string) string {
	digits := 0
	for _, r := range m {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+ -()/.", r):
		default:
			return tr(lang, "err_mobile_chars", string(r))
		}
	}
	if digits < 5 || digits > 20 {
		return tr(lang, "err_mobile_digits")
	}
	return ""
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }) >= 0
}

// truncate shortens s to at most n characters.
func truncate(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
