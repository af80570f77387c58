package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"onboard/internal/server/web"
)

// Timeouts of the HTTP server. A connection must send its request headers within
// readHeaderTimeout, the whole request (a push may carry a large body) within
// readTimeout; an idle keep-alive connection is closed after idleTimeout.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 2 * time.Minute
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 30 * time.Second
)

// Defaults of the connection caps.
const (
	defaultMaxConnsPerClient = 64
	defaultMaxConns          = 4096
)

// listenConfig is how serve listens: the flags about TLS, trusted proxies and
// connection caps.
type listenConfig struct {
	addr          string
	trustProxy    string
	tlsCert       string
	tlsKey        string
	insecureHTTP  bool
	maxPerClient  int
	maxConns      int
	trustedRanges []netip.Prefix // parsed trustProxy
}

// register adds the flags to fs.
func (c *listenConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "listen", "localhost:8080", "address to listen on")
	fs.StringVar(&c.trustProxy, "trust-proxy", "",
		"comma-separated addresses or CIDR networks of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "serve HTTPS with this certificate file (PEM, with the chain)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "the private key file (PEM) of --tls-cert")
	fs.BoolVar(&c.insecureHTTP, "insecure-http", false, "serve plain HTTP on an address other machines can reach")
	fs.IntVar(&c.maxPerClient, "max-conns-per-client", defaultMaxConnsPerClient,
		"open connections per client address (IPv6: per /64); trusted proxies have only --max-conns")
	fs.IntVar(&c.maxConns, "max-conns", defaultMaxConns, "open connections in all")
}

// check validates the flags and parses the trusted proxies.
func (c *listenConfig) check() error {
	var err error
	if c.trustedRanges, err = web.ParseTrustedProxies(c.trustProxy); err != nil {
		return usageErr("--trust-proxy takes a comma-separated list of proxy addresses or networks (such as 127.0.0.1 or 10.0.0.0/8): %v", err)
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return usageErr("--tls-cert and --tls-key go together")
	}
	if c.maxPerClient < 1 || c.maxConns < 1 {
		return usageErr("--max-conns-per-client and --max-conns must be at least 1")
	}
	if c.tlsCert == "" && !c.insecureHTTP && !loopbackOnly(c.addr) {
		return fmt.Errorf("--listen %s can be reached from other machines, but without TLS passwords and keys would "+
			"cross the network in clear. Either serve HTTPS with --tls-cert FILE --tls-key FILE, or listen on loopback "+
			"(such as --listen 127.0.0.1:8080) behind a reverse proxy that serves HTTPS (see the README, Behind a "+
			"reverse proxy), or give --insecure-http when TLS ends before this server on a network you trust", c.addr)
	}
	return nil
}

// loopbackOnly reports whether addr ("host:port") listens on loopback only.
func loopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// listen opens the capped listener. With TLS configured it also loads the
// certificate, so that a wrong file stops serve before it answers anything.
func (c *listenConfig) listen(srv *http.Server, log *slog.Logger) (net.Listener, error) {
	if c.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("load --tls-cert %s and --tls-key %s: %w", c.tlsCert, c.tlsKey, err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	return newCappedListener(ln, c.maxPerClient, c.maxConns, c.trustedRanges, log), nil
}

// serve serves srv on ln, over TLS when configured.
func (c *listenConfig) serve(srv *http.Server, ln net.Listener) error {
	if srv.TLSConfig != nil {
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}

// cappedListener closes new connections above perClient from one client address
// (IPv6: one /64 network) or above total in all, at once, before anything is read:
// one host holding thousands of idle connections cannot starve the others, and a
// client over its cap sees its connection reset. Trusted proxies carry many
// clients' connections and have only the total cap.
type cappedListener struct {
	net.Listener
	perClient, total int
	exempt           []netip.Prefix
	log              *slog.Logger

	mu       sync.Mutex
	open     map[netip.Addr]int // by client address or /64 network
	all      int
	refused  int       // since the last warning
	lastWarn time.Time // of refused connections, at most one a minute
}

func newCappedListener(ln net.Listener, perClient, total int, exempt []netip.Prefix, log *slog.Logger) *cappedListener {
	return &cappedListener{Listener: ln, perClient: perClient, total: total, exempt: exempt, log: log, open: make(map[netip.Addr]int)}
}

// Accept returns the next connection within the caps.
func (l *cappedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		client, ok := l.admit(c.RemoteAddr())
		if ok {
			return &countedConn{Conn: c, release: func() { l.release(client) }}, nil
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // reset: nothing lingers in the kernel for a flood
		}
		c.Close()
	}
}

// clientKey is what the per-client cap counts by.
func clientKey(a net.Addr) netip.Addr {
	var ip netip.Addr
	if tcp, ok := a.(*net.TCPAddr); ok {
		ip = tcp.AddrPort().Addr().Unmap()
	}
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// admit counts a new connection from remote, or refuses it when a cap is reached.
func (l *cappedListener) admit(remote net.Addr) (netip.Addr, bool) {
	client := clientKey(remote)
	exempt := web.Trusted(l.exempt, client)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.all >= l.total || (!exempt && l.open[client] >= l.perClient) {
		l.refused++
		if time.Since(l.lastWarn) >= time.Minute {
			l.log.Warn("connections refused", slog.Int("count", l.refused), slog.String("last_client", client.String()),
				slog.Int("open", l.all), slog.Int("open_from_client", l.open[client]))
			l.refused, l.lastWarn = 0, time.Now()
		}
		return client, false
	}
	l.all++
	l.open[client]++
	return client, true
}

func (l *cappedListener) release(client netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all--
	if l.open[client]--; l.open[client] <= 0 {
		delete(l.open, client)
	}
}

// countedConn gives its place back once when closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
