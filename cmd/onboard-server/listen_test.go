package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// floodEnv makes the test binary a flood client instead of running tests: the
// value is "TARGET LOCAL N" (see floodMain).
const floodEnv = "ONBOARD_SERVER_FLOOD"

func init() {
	if spec := os.Getenv(floodEnv); spec != "" {
		os.Exit(floodMain(spec))
	}
}

// floodMain opens N keep-alive connections from the loopback address LOCAL to
// TARGET, sends one health check on each, prints "held H refused R" and keeps the
// held ones open until its standard input closes.
func floodMain(spec string) int {
	f := strings.Fields(spec)
	n, err := strconv.Atoi(f[len(f)-1])
	if len(f) != 3 || err != nil {
		fmt.Fprintf(os.Stderr, "%s: want TARGET LOCAL N, got %q\n", floodEnv, spec)
		return 2
	}
	held, refused := flood(f[0], f[1], n)
	fmt.Printf("held %d refused %d\n", len(held), refused)
	io.Copy(io.Discard, os.Stdin)
	for _, c := range held {
		c.Close()
	}
	return 0
}

// flood opens n connections from the loopback address local to target, 64 at a
// time, and sends a keep-alive GET /healthz on each. It returns the connections
// that got their answer (idle now, as a browser would keep them) and counts those
// the server closed or reset instead.
func flood(target, local string, n int) (held []net.Conn, refused int) {
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := d.Dial("tcp", target)
			if err == nil {
				err = healthOn(c)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refused++
				if c != nil {
					c.Close()
				}
				return
			}
			held = append(held, c)
		})
	}
	wg.Wait()
	return held, refused
}

// healthOn sends GET /healthz on c and reads the answer, keeping c open.
func healthOn(c net.Conn) error {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: flood\r\n\r\n"); err != nil {
		return err
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// canUseLoopback skips t unless this system routes 127.0.0.2 (Linux does; the
// flood needs a client address of its own).
func canUseLoopback(t testing.TB) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	ln.Close()
}

// startServe runs "onboard-server serve" as a process with args on database db (a
// new one when ""), passes each line it logs to onLog (when not nil) and returns
// its listening address, the process and a channel closed when its log ends. The
// process is killed at the end of t.
func startServe(t testing.TB, db string, onLog func(string), args ...string) (string, *exec.Cmd, <-chan struct{}) {
	t.Helper()
	if db == "" {
		db = filepath.Join(t.TempDir(), "s.db")
	}
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--database", db}, args...)...)
	cmd.Env = append(os.Environ(), "ONBOARD_SERVER_RUN_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr, done := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if onLog != nil {
				onLog(sc.Text())
			}
			var l struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
				addr <- l.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		return a, cmd, done
	case <-done:
		t.Fatal("the server stopped before listening")
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
	}
	return "", nil, nil
}

// TestIdleFloodIsCappedPerClient floods a real server process with 500 idle
// keep-alive connections from one address (127.0.0.2): only --max-conns-per-client
// of them are served, the rest are reset at once, and a health check from another
// address (127.0.0.1) is answered. Before the cap, all 500 were served and held.
func TestIdleFloodIsCappedPerClient(t *testing.T) {
	canUseLoopback(t)
	addr, _, _ := startServe(t, "", nil, "--listen", "127.0.0.1:0", "--max-conns-per-client", "16")
	held, refused := flood(addr, "127.0.0.2", 500)
	t.Cleanup(func() {
		for _, c := range held {
			c.Close()
		}
	})
	if len(held) != 16 || refused != 484 {
		t.Errorf("500 connections from one address: %d held, %d refused; want 16 and 484", len(held), refused)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("health check during the flood: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("health check during the flood: %d", res.StatusCode)
	}
}

// TestCappedListener: per client address, in all, trusted proxies only in all, and
// a closed connection gives its place back.
func TestCappedListener(t *testing.T) {
	canUseLoopback(t)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := newCappedListener(raw, 2, 5, []netip.Prefix{netip.MustParsePrefix("127.0.0.9/32")}, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	connect := func(local string) (net.Conn, bool) { return connectVia(t, raw.Addr().String(), local, accepted) }
	var kept []net.Conn
	for i, step := range []struct {
		local string
		want  bool
	}{
		{"127.0.0.2", true}, {"127.0.0.2", true}, {"127.0.0.2", false}, // per client
		{"127.0.0.9", true}, {"127.0.0.9", true}, {"127.0.0.9", true}, // a trusted proxy: only the total
		{"127.0.0.3", false}, // total of 5 reached
	} {
		s, ok := connect(step.local)
		if ok != step.want {
			t.Fatalf("connection %d from %s: kept %v, want %v", i+1, step.local, ok, step.want)
		}
		if ok {
			kept = append(kept, s)
		}
	}
	kept[0].Close()
	kept[0].Close() // twice gives back one place
	if _, ok := connect("127.0.0.2"); !ok {
		t.Error("a closed connection did not give its place back")
	}
	if _, ok := connect("127.0.0.3"); ok {
		t.Error("a connection beyond the total was kept")
	}
}

// connectVia dials addr from local and reports whether the listener kept the
// connection (it arrives on accepted) or reset it (the client's read fails).
func connectVia(t *testing.T, addr, local string, accepted <-chan net.Conn) (net.Conn, bool) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if errors.Is(err, syscall.ECONNRESET) {
		return nil, false // reset before the dial returned
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	reset := make(chan struct{})
	go func() {
		if _, err := c.Read(make([]byte, 1)); err != nil {
			close(reset)
		}
	}()
	select {
	case s := <-accepted:
		return s, true
	case <-reset:
		return nil, false
	case <-time.After(10 * time.Second):
		t.Fatal("neither accepted nor reset")
	}
	return nil, false
}

// TestServeRefusesPlainHTTPOffLoopback: serve wants TLS, loopback or
// --insecure-http, and checks its other new flags, before opening the database.
func TestServeRefusesPlainHTTPOffLoopback(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	code, _, errOut := cli(t, "serve", "--listen", "0.0.0.0:0", "--database", db)
	for _, want := range []string{"--tls-cert FILE --tls-key FILE", "--listen 127.0.0.1:8080", "--insecure-http", "Behind a reverse proxy"} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("plain HTTP on 0.0.0.0: %d %q lacks %q", code, errOut, want)
		}
	}
	for _, listen := range []string{":8080", "192.0.2.1:80", "example.org:80"} {
		if !strings.Contains(func() string { _, _, e := cli(t, "serve", "--listen", listen, "--database", db); return e }(), "--insecure-http") {
			t.Errorf("--listen %s without TLS was not refused", listen)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused serve opened the database: %v", err)
	}
	for _, bad := range [][]string{
		{"--trust-proxy", "10.0.0.0/99"},
		{"--trust-proxy", "--listen"},
		{"--tls-cert", "c.pem"},
		{"--max-conns-per-client", "0"},
		{"--max-conns", "-1"},
	} {
		if code, _, errOut := cli(t, append([]string{"serve", "--database", db}, bad...)...); code != 2 || !strings.Contains(errOut, "usage:") {
			t.Errorf("serve %q: %d %q", bad, code, errOut)
		}
	}
	if code, _, errOut := cli(t, "serve", "--database", db, "--tls-cert", "nope.pem", "--tls-key", "nope.key"); code != 1 || !strings.Contains(errOut, "nope.pem") {
		t.Errorf("missing certificate: %d %q", code, errOut)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "onboard test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestServeTLS runs the server with a self-signed certificate made here: the health
// check answers over HTTPS (HTTP/2), and plain HTTP to the port gets no 200.
func TestServeTLS(t *testing.T) {
	cert, key, pool := selfSigned(t, t.TempDir())
	addr, _, _ := startServe(t, "", nil, "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true,
	}}
	res, err := c.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("health over HTTPS: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok"`) || res.ProtoMajor != 2 {
		t.Errorf("health over HTTPS: %d %s %s", res.StatusCode, res.Proto, body)
	}
	if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Error("plain HTTP to the TLS port answered 200")
		}
	}
}

// BenchmarkHealthUnderIdleFlood measures what the flood did: a separate
// flood (processes) hold FLOOD idle keep-alive connections (default 5000) from
// 127.0.0.2 while health checks from 127.0.0.1 run one after the other; it reports
// the health checks' latency (p50-ms, max-ms), the sockets the server process holds
// (server-conns, from /proc) and the flood's held connections. Sub-benchmarks run
// the default caps and no caps (as before). Run it by hand:
//
//	go test -tags migrated_fynedo ./cmd/onboard-server -run '^$' -bench HealthUnderIdleFlood -benchtime 200x
func BenchmarkHealthUnderIdleFlood(b *testing.B) {
	canUseLoopback(b)
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("FLOOD")); err == nil {
		n = v
	}
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"default-caps", nil},
		{"no-caps", []string{"--max-conns-per-client", "1000000", "--max-conns", "1000000"}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			addr, srv, _ := startServe(b, "", nil, append([]string{"--listen", "127.0.0.1:0"}, mode.args...)...)
			held := startFlood(b, addr, n)
			conns := sockets(srv.Process.Pid)
			c := &http.Client{Timeout: 5 * time.Second}
			var lat []time.Duration
			var failed atomic.Int32
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				res, err := c.Get("http://" + addr + "/healthz")
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			reportLatency(b, lat)
			b.ReportMetric(float64(conns), "server-conns")
			b.ReportMetric(float64(held), "flood-held")
			b.ReportMetric(float64(failed.Load()), "health-failed")
		})
	}
}

// startFlood runs flood processes (at most 10,000 connections each, for the file
// limit of one process) that hold n connections from 127.0.0.2 to addr until b
// ends, and returns how many they hold.
func startFlood(b *testing.B, addr string, n int) int {
	total := 0
	for n > 0 {
		part := min(n, 10000)
		n -= part
		fl := exec.Command(os.Args[0])
		fl.Env = append(os.Environ(), floodEnv+"="+addr+" 127.0.0.2 "+strconv.Itoa(part))
		stdin, _ := fl.StdinPipe()
		out, _ := fl.StdoutPipe()
		if err := fl.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { stdin.Close(); fl.Wait() })
		var held, refused int
		if _, err := fmt.Fscanf(out, "held %d refused %d\n", &held, &refused); err != nil {
			b.Fatalf("flood: %v", err)
		}
		total += held
	}
	return total
}

// reportLatency reports the median and the maximum of lat in milliseconds.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	s := append([]time.Duration(nil), lat...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(s[len(s)/2]), "p50-ms")
	b.ReportMetric(ms(s[len(s)-1]), "max-ms")
}

// sockets counts the sockets process pid has open (Linux; 0 elsewhere).
func sockets(pid int) int {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}
