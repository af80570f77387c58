package web

import (
	"context"
	"errors"
	"strings"
	"time"

	"onboard/internal/mail"
)

// ErrBadKey is the one answer for a key that is unknown, expired, revoked, used up
// or already redeemed: the page says the same for all of them.
var ErrBadKey = errors.New("this key is not valid")

// ErrEmailCode is the answer of a registration whose email code (Registration.EmailCode)
// is no longer usable when the account is created: used meanwhile, replaced by a
// newer code or locked by wrong tries. Nothing was registered.
var ErrEmailCode = errors.New("the email code is no longer valid")

// ErrTaken says a username or email is already used by another user; Field names it.
type ErrTaken struct{ Field string }

func (e *ErrTaken) Error() string { return "this " + e.Field + " is already taken" }

// Organization is what the pages show and enforce for the organization.
type Organization struct {
	Name             string
	Terms            string // terms of use the person must accept
	RequireTwoFactor bool   // a second factor is part of registration
	// TwoFactorMethod is the second factor when RequireTwoFactor is set:
	// TwoFactorApp (also for ""), TwoFactorEmail or TwoFactorChoice.
	TwoFactorMethod string
	// Mail is the server's mail server, for codes by email; nil when it is not set
	// up, and then no code can be sent.
	Mail              *mail.Config
	PasswordMinLength int  // 8–64, default 12
	PasswordClasses   bool // require upper, lower, digit and special character
	// Limits are the rate limits the administrator set (settings ratelimit.*);
	// zero fields take DefaultLimits.
	Limits Limits
}

// Invitee is the person a personal key was issued to, as the form shows them.
type Invitee struct {
	UserID    string
	FirstName string // fixed when NamesLocked, else suggested (see NamesEditable)
	LastName  string
	// NamesLocked: the organization entered the names and the person cannot change
	// them (syncapi.User.NamesLocked).
	NamesLocked bool
	Username    string // suggested
	Email       string // suggested
	Mobile      string
}

// NamesEditable reports whether the person enters their own names at registration:
// when the names are not locked, and also when the invitee has no name at all
// (neither first nor last name), since an account needs a name and a lock keeps
// only names the organization entered.
func (inv *Invitee) NamesEditable() bool {
	return NamesEditable(inv.NamesLocked, inv.FirstName, inv.LastName)
}

// NamesEditable is Invitee.NamesEditable for a stored user: the store decides with
// it which registrations may set the names, so the page and the store agree.
func NamesEditable(locked bool, first, last string) bool {
	return !locked || (strings.TrimSpace(first) == "" && strings.TrimSpace(last) == "")
}

// Registration is what a person submits to redeem a key or join.
type Registration struct {
	// FirstName and LastName are the names the person entered: when joining, and
	// with a personal key whose names are editable (Invitee.NamesEditable); else
	// empty, and the stored names stay.
	FirstName    string
	LastName     string
	Username     string
	Email        string
	Mobile       string
	PasswordHash string // Argon2id, PHC string format
	TOTPSecret   string // "" when no two-factor was set up
	// TwoFactor is the second factor the person set up: TwoFactorApp,
	// TwoFactorEmail or "" for none.
	TwoFactor string
	// EmailCode is the code from the email when TwoFactor is TwoFactorEmail, as
	// typed (CheckEmailCode accepted it just before): the Backend uses it up in the
	// registration's transaction, or refuses with ErrEmailCode.
	EmailCode string
	TermsAt   time.Time
}

// The second factors (Organization.TwoFactorMethod, Registration.TwoFactor).
const (
	TwoFactorApp    = "app"    // an authenticator app (TOTP)
	TwoFactorEmail  = "email"  // a code sent by email at registration
	TwoFactorChoice = "choice" // the person picks app or email on the form
)

// EmailCode is a code sent by email as the Backend keeps it: only its hash
// (keyed with the server secret), bound to the key being redeemed and to the
// address it went to.
type EmailCode struct {
	Key     string // the canonical key of the form
	Email   string // the address the code was sent to
	Code    string // the six digits; the Backend stores only a keyed hash of them
	Expires time.Time
}

// CodeCheck is the verdict on a typed email code.
type CodeCheck int

// The verdicts of Backend.CheckEmailCode.
const (
	CodeOK      CodeCheck = iota // right, not used yet, not expired
	CodeNone                     // no code was sent for this key to this address
	CodeWrong                    // wrong; one more try counted
	CodeLocked                   // MaxCodeTries wrong tries were made
	CodeExpired                  // the code's time has passed
	CodeUsed                     // the code was used for a registration
)

// Email codes: six digits, valid CodeLifetime, at most MaxCodeTries wrong tries.
const (
	CodeLifetime = 10 * time.Minute
	MaxCodeTries = 5
)

// Backend is the server's store as the registration pages use it. Redeeming is
// atomic: a personal key is used once, an invite key never beyond its maximum uses,
// also when many requests race. Rate limits are kept in the store so several server
// processes share them.
type Backend interface {
	Organization(ctx context.Context) (Organization, error)
	// PersonalKey finds the invitee of a usable personal key, or ErrBadKey.
	PersonalKey(ctx context.Context, key string) (*Invitee, error)
	// RedeemPersonalKey registers the invitee of key and makes them active, or
	// returns ErrBadKey, or *ErrTaken.
	RedeemPersonalKey(ctx context.Context, key string, r Registration) error
	// InviteKey returns the label of a usable invite key, or ErrBadKey.
	InviteKey(ctx context.Context, key string) (label string, err error)
	// JoinWithInviteKey creates an active user in the key's role, units and groups
	// and counts the use, or returns ErrBadKey (also when used up), or *ErrTaken.
	JoinWithInviteKey(ctx context.Context, key string, r Registration) error
	// Failures returns the failed attempts counted against each bucket in the
	// current window of the given length, in the order of buckets. It only reads,
	// so that refusing a request costs no write.
	Failures(ctx context.Context, window time.Duration, buckets ...string) ([]int, error)
	// Fail counts one failed attempt against each bucket in the current window.
	Fail(ctx context.Context, window time.Duration, buckets ...string) error
	// SaveEmailCode keeps a new code for c.Key and c.Email, replacing an earlier
	// one for both (and its wrong tries).
	SaveEmailCode(ctx context.Context, c EmailCode) error
	// CheckEmailCode checks code against the one sent for key to email at now; a
	// wrong code counts a try (atomically, also across server processes), and the
	// result says how many tries are left. A right code is not used up: the
	// registration does that (Registration.EmailCode).
	CheckEmailCode(ctx context.Context, key, email, code string, now time.Time) (CodeCheck, int, error)
}
