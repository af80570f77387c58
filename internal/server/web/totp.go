package web

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"rsc.io/qr"
)

// totpSetup is the two-factor setup the form shows: the secret as a QR code and as
// text. The secret travels in a hidden field until the registration succeeds, so
// that a form shown again after an error keeps the secret already scanned.
type totpSetup struct {
	Secret  string       // base32 without padding, for the hidden field
	Grouped string       // the secret in groups of four, for typing it
	QR      template.URL // data:image/png;base64,…
	Size    int          // width and height of the QR image in pixels
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

// newTOTPSetup makes the QR code of the otpauth:// URL for secret.
func newTOTPSetup(issuer, account, secret string) (*totpSetup, error) {
	raw, err := b32.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("web: totp secret: %w", err)
	}
	if issuer == "" {
		issuer = "Onboard"
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Secret: raw,
		Period: totpOpts.Period, Digits: totpOpts.Digits, Algorithm: totpOpts.Algorithm,
	})
	if err != nil {
		return nil, fmt.Errorf("web: totp key: %w", err)
	}
	code, err := qr.Encode(key.URL(), qr.M)
	if err != nil {
		return nil, fmt.Errorf("web: totp qr code: %w", err)
	}
	code.Scale = 4
	var grouped []string
	for i := 0; i < len(secret); i += 4 {
		grouped = append(grouped, secret[i:min(i+4, len(secret))])
	}
	return &totpSetup{
		Secret:  secret,
		Grouped: strings.Join(grouped, " "),
		QR:      template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG())),
		Size:    (code.Size + 8) * code.Scale, // rsc.io/qr adds a 4-module quiet zone
	}, nil
}

// totpValid reports whether code is the secret's current code (±30 s).
func totpValid(secret, code string, now time.Time) bool {
	ok, err := totp.ValidateCustom(code, secret, now, totpOpts)
	return err == nil && ok
}
