package uitest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"onboard/data"
	"onboard/internal/server/api"
	"onboard/internal/server/store"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/internal/syncclient"
)

// SyncServer is a real onboard-server API on loopback with an SQLite database.
type SyncServer struct {
	St  *store.Store
	URL string
}

// StartSyncServer starts it for the test.
func StartSyncServer(t *testing.T) *SyncServer {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(st, slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { srv.Close(); st.Close() })
	return &SyncServer{St: st, URL: srv.URL}
}

// Operator adds an operator with perms and returns its token.
func (s *SyncServer) Operator(t *testing.T, name string, perms ...syncapi.Permission) string {
	t.Helper()
	tok, err := s.St.AddOperator(context.Background(), name, perms)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// SetSync stores a server address and a token.
func SetSync(t *testing.T, st settings.Store, url, token string) {
	t.Helper()
	ctx := context.Background()
	if _, err := settings.Set(ctx, st, settings.SyncURL, url); err != nil {
		t.Fatal(err)
	}
	if _, err := settings.Set(ctx, st, settings.SyncToken, token); err != nil {
		t.Fatal(err)
	}
}

// SavedMe has the server describe the operator of token to st, as a sync does.
func SavedMe(t *testing.T, st *data.Store, srv *SyncServer, token string) {
	t.Helper()
	SetSync(t, st, srv.URL, token)
	c := &syncclient.Client{Store: st, URL: srv.URL, Token: token}
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
}
