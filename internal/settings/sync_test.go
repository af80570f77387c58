package settings

import (
	"context"
	"errors"
	"testing"

	"github.com/zalando/go-keyring"
)

func TestSyncKeys(t *testing.T) {
	checkKey(t, SyncURL, []good{{" HTTPS://Onboard.Example.org/ ", "https://onboard.example.org"}, {"http://127.0.0.1:8080/o/", "http://127.0.0.1:8080/o"}, {"", ""}},
		[]bad{{"onboard.example.org", "https://"}, {"ftp://x.example", "https://"}, {"https://x.example/?a=1", "query"}})
	checkKey(t, SyncToken, []good{{" obt_abc-DEF_1 \n", "obt_abc-DEF_1"}, {"", ""}}, []bad{{"obt_a b", "without spaces"}, {"a\x00b", "without spaces"}})
}

func TestSyncConfigNeedsAddressAndToken(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	st := openStore(t)
	if _, _, err := SyncConfig(ctx, st); !errors.Is(err, ErrNoSyncURL) {
		t.Fatalf("without an address: %v", err)
	}
	if _, err := Set(ctx, st, SyncURL, "https://onboard.example.org/"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := SyncConfig(ctx, st); !errors.Is(err, ErrNoSyncToken) {
		t.Fatalf("without a token: %v", err)
	}
	shown, err := Set(ctx, st, SyncToken, " obt_secret ")
	if err != nil || shown != SecretKeyring.Describe() {
		t.Fatalf("Set token = %q, %v", shown, err)
	}
	if raw, _ := st.Setting(ctx, SyncToken.Name, ""); raw == "obt_secret" {
		t.Fatal("the token is in the database although a keyring exists")
	}
	url, token, err := SyncConfig(ctx, st)
	if err != nil || url != "https://onboard.example.org" || token != "obt_secret" {
		t.Fatalf("SyncConfig = %q, %q, %v", url, token, err)
	}
}

func TestRegistrationAddressFollowsTheServerUnlessSetOnPurpose(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	addr := func() string {
		t.Helper()
		a, err := RegistrationAddress(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := addr(); a != "" {
		t.Errorf("nothing set: %q", a)
	}
	if _, err := Set(ctx, st, SyncURL, "https://onboard.example.org"); err != nil {
		t.Fatal(err)
	}
	if a := addr(); a != "https://onboard.example.org" {
		t.Errorf("with a server: %q", a)
	}
	opt, err := LetterOptions(ctx, st)
	if err != nil || opt.RegistrationURL != "https://onboard.example.org" {
		t.Errorf("letters: %q, %v", opt.RegistrationURL, err)
	}
	if _, err := Set(ctx, st, RegistrationURL, "https://join.example.org"); err != nil {
		t.Fatal(err)
	}
	if a := addr(); a != "https://join.example.org" {
		t.Errorf("set on purpose: %q", a)
	}
}
