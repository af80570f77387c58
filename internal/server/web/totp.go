package web

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"rsc.io/qr"
)

// totpSetup is the two-factor setup the form shows: the secret as a QR code and as
// text. The secret the server chose travels sealed in a hidden field (see
// sealEnrolment) until the registration succeeds, so that a form shown again after
// an error keeps the secret already scanned, and the browser cannot choose another.
type totpSetup struct {
	Secret    string       // base32 without padding
	Enrolment string       // the sealed secret, for the hidden field
	Grouped   string       // the secret in groups of four, for typing it
	QR        template.URL // data:image/png;base64,…
	Size      int          // width and height of the QR image in pixels
}

// enrolmentLifetime is how long a TOTP setup shown on a form stays usable.
const enrolmentLifetime = 12 * time.Hour

// enrolmentAAD binds a sealed setup to the flow and the key whose form showed it.
func enrolmentAAD(f flow, key string) []byte {
	return []byte("onboard totp enrolment\x00" + f.Path + "\x00" + key)
}

// sealEnrolment encrypts and authenticates the raw secret with its expiry (AES-GCM
// under the handler's enrolment key), bound to the flow and key, in base64url.
func (h *handler) sealEnrolment(f flow, key string, secret []byte, now time.Time) string {
	plain := binary.BigEndian.AppendUint64(nil, uint64(now.Add(enrolmentLifetime).Unix()))
	plain = append(plain, secret...)
	nonce := make([]byte, h.enrolments.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(h.enrolments.Seal(nonce, nonce, plain, enrolmentAAD(f, key)))
}

// openEnrolment returns the base32 secret sealed in s, false when this handler did
// not seal it for this flow and key or when it has expired.
func (h *handler) openEnrolment(f flow, key, s string, now time.Time) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	n := h.enrolments.NonceSize()
	if err != nil || len(b) < n {
		return "", false
	}
	plain, err := h.enrolments.Open(nil, b[:n], b[n:], enrolmentAAD(f, key))
	if err != nil || len(plain) != 8+totpSecretBytes {
		return "", false
	}
	if !now.Before(time.Unix(int64(binary.BigEndian.Uint64(plain)), 0)) {
		return "", false
	}
	return b32.EncodeToString(plain[8:]), true
}

const totpSecretBytes = 20 // 160 bits, as RFC 4226 recommends

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// totpOpts are the authenticator apps' common settings: SHA-1, 6 digits, 30 s, and
// one step of clock skew either way.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// newTOTPSecret returns a new random secret in base32.
func newTOTPSecret() string {
	buf := make([]byte, totpSecretBytes)
	rand.Read(buf)
	return b32.EncodeToString(buf)
}

// validTOTPSecret reports whether s is a secret newTOTPSecret could have made.
func validTOTPSecret(s string) bool {
	b, err := b32.DecodeString(s)
	return err == nil && len(b) == totpSecretBytes
}

// newTOTPSetup makes the QR code of the otpauth:// URL for secret and seals the
// secret for the form of flow f and key.
func (h *handler) newTOTPSetup(issuer, account string, f flow, key, secret string) (*totpSetup, error) {
	raw, err := b32.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("web: totp secret: %w", err)
	}
	if issuer == "" {
		issuer = "Onboard"
	}
	otpKey, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Secret: raw,
		Period: totpOpts.Period, Digits: totpOpts.Digits, Algorithm: totpOpts.Algorithm,
	})
	if err != nil {
		return nil, fmt.Errorf("web: totp key: %w", err)
	}
	code, err := qr.Encode(otpKey.URL(), qr.M)
	if err != nil {
		return nil, fmt.Errorf("web: totp qr code: %w", err)
	}
	code.Scale = 4
	var grouped []string
	for i := 0; i < len(secret); i += 4 {
		grouped = append(grouped, secret[i:min(i+4, len(secret))])
	}
	return &totpSetup{
		Secret:    secret,
		Enrolment: h.sealEnrolment(f, key, raw, time.Now()),
		Grouped:   strings.Join(grouped, " "),
		QR:        template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG())),
		Size:      (code.Size + 8) * code.Scale, // rsc.io/qr adds a 4-module quiet zone
	}, nil
}

// totpValid reports whether code is the secret's current code (±30 s).
func totpValid(secret, code string, now time.Time) bool {
	ok, err := totp.ValidateCustom(code, secret, now, totpOpts)
	return err == nil && ok
}
