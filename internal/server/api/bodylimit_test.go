package api

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onboard/internal/syncapi"
	"onboard/internal/testdb"
)

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.n.Add(int64(n))
	return n, err
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.n}, nil
}

type xs struct{}

func (xs) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 'x'
	}
	return len(b), nil
}

func TestBodyCaps(t *testing.T) {
	s := start(t, testdb.SQLite(t))
	tok := s.token(t, "Office", "add-users")
	var n atomic.Int64
	srv := httptest.NewUnstartedServer(New(s.st, slog.Default()))
	srv.Listener = countingListener{srv.Listener, &n}
	srv.Start()
	t.Cleanup(srv.Close)
	send := func(method, path string, body io.Reader, length int64) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, body)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.ContentLength = length
		res, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: not JSON: %s", method, path, res.Header.Get("Content-Type"))
		}
		return res.StatusCode
	}
	over := int64(syncapi.MaxPushBytes + 1<<20)
	big := func() io.Reader {
		return io.MultiReader(strings.NewReader(`{"changes":[{"data":"`), io.LimitReader(xs{}, over))
	}

	n.Store(0)
	if status := send("POST", "/api/v1/push", big(), over+21); status != http.StatusRequestEntityTooLarge {
		t.Errorf("push over the cap with Content-Length: %d, want 413", status)
	}
	t.Logf("push of %d bytes with Content-Length: the server read %d bytes", over+21, n.Load())
	if got := n.Load(); got > 300<<10 {
		t.Errorf("push over the cap with Content-Length: the server read %d bytes", got)
	}
	n.Store(0)
	if status := send("POST", "/api/v1/push", big(), -1); status != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked push over the cap: %d, want 413", status)
	}
	t.Logf("chunked push of %d bytes: the server read %d bytes", over+21, n.Load())
	if got := n.Load(); got > syncapi.MaxPushBytes+1<<20 {
		t.Errorf("chunked push over the cap: the server read %d bytes", got)
	}
	if status := send("GET", "/api/v1/me", strings.NewReader("hello"), 5); status != http.StatusBadRequest {
		t.Errorf("GET with a body: %d, want 400", status)
	}
	if status := send("GET", "/api/v1/pull", io.LimitReader(xs{}, 1<<20), -1); status != http.StatusBadRequest {
		t.Errorf("GET with a chunked body: %d, want 400", status)
	}
	if status := send("GET", "/api/v1/me", nil, 0); status != http.StatusOK {
		t.Errorf("GET without a body: %d, want 200", status)
	}
}
