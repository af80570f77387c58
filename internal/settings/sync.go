package settings

import (
	"context"
	"errors"
	"strings"
	"unicode"

	"onboard/internal/uitext"
)

// The sync settings: which onboard-server this computer syncs with, and as whom.
var (
	SyncURL = newKey("sync.url", "Server address",
		"Address of the organization's onboard-server, e.g. https://onboard.example.org (empty: no sync)", "", checkURL)
	SyncToken = secret(newKey("sync.token", "Operator token",
		"API token of this operator on the server (onboard-server operator add); kept in the OS keyring where there is one",
		"", checkToken))
)

// secret marks a key as a secret (see Key.Secret).
func secret(k Key) Key {
	k.Secret = true
	return k
}

// checkToken trims a pasted token and refuses one with spaces or control
// characters inside, which no token has.
func checkToken(v string) (string, error) {
	v = strings.TrimSpace(v)
	if strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", errors.New(uitext.L("must be one word without spaces, as onboard-server printed it"))
	}
	return v, nil
}

// ErrNoSyncURL and ErrNoSyncToken say that sync is not set up.
var (
	ErrNoSyncURL   = errors.New("no sync server is set; set one with: onboard config set sync.url https://…")
	ErrNoSyncToken = errors.New("no operator token is set; set it with: onboard config set sync.token TOKEN")
)

// SyncConfig returns the server address and the operator token, or ErrNoSyncURL
// or ErrNoSyncToken when one is missing.
func SyncConfig(ctx context.Context, st Store) (url, token string, err error) {
	if url, err = Get(ctx, st, SyncURL); err != nil {
		return "", "", err
	}
	if url == "" {
		return "", "", ErrNoSyncURL
	}
	if token, _, err = Secret(ctx, st, SyncToken); err != nil {
		return "", "", err
	}
	if token == "" {
		return "", "", ErrNoSyncToken
	}
	return url, token, nil
}

// RegistrationAddress is where invited people register: the registration address
// when one is set on purpose, else the sync server's address (the server serves the
// registration pages), else "".
func RegistrationAddress(ctx context.Context, st Store) (string, error) {
	for _, k := range []Key{RegistrationURL, SyncURL} {
		v, err := Get(ctx, st, k)
		if err != nil || v != "" {
			return v, err
		}
	}
	return "", nil
}
