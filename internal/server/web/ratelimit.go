package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// limitsFor returns the limits in force for org: Options.Limits, then the
// organization's, then DefaultLimits, field by field.
func (h *handler) limitsFor(org Organization) Limits {
	pick := func(vals ...int) int {
		for _, v := range vals {
			if v > 0 {
				return v
			}
		}
		return 0
	}
	o, s, d := h.opts.Limits, org.Limits, DefaultLimits
	lim := Limits{
		Address:     pick(o.Address, s.Address, d.Address),
		PersonalKey: pick(o.PersonalKey, s.PersonalKey, d.PersonalKey),
		InviteKey:   pick(o.InviteKey, s.InviteKey, d.InviteKey),
		CodeSends:   pick(o.CodeSends, s.CodeSends, d.CodeSends),
		Window:      d.Window,
	}
	for _, w := range []Limits{s, o} {
		if w.Window > 0 {
			lim.Window = w.Window
		}
	}
	return lim
}

// forKey is the limit of failures for one key of flow f.
func (l Limits) forKey(f flow) int {
	if f.Invite {
		return l.InviteKey
	}
	return l.PersonalKey
}

// buckets are the rate-limit buckets of a request for key: the client's address
// and the key, hashed so that the store never sees a key in clear.
func (h *handler) buckets(r *http.Request, f flow, key string) []string {
	sum := sha256.Sum256([]byte(key))
	return []string{h.clientBucket(r), "web:key:" + hex.EncodeToString(sum[:16])}
}

// failed counts a failed attempt with key against the client's address and the
// key. It runs before the answer is written and without the request's
// cancellation, so that a client cannot learn the outcome and hang up before it is
// counted. A store that cannot count is logged; the answer stays what it was.
func (h *handler) failed(r *http.Request, org Organization, f flow, key string) {
	ctx := context.WithoutCancel(r.Context())
	if err := h.b.Fail(ctx, h.limitsFor(org).Window, h.buckets(r, f, key)...); err != nil {
		h.log.ErrorContext(ctx, "registration page: count a failed attempt", "path", r.URL.Path, "err", err)
	}
}

// failedIf counts a failed attempt (see failed) when failure is true.
func (h *handler) failedIf(failure bool, r *http.Request, org Organization, f flow, key string) {
	if failure {
		h.failed(r, org, f, key)
	}
}

// codeWrong reports whether the form's errors hold a wrong authenticator code that
// was typed (a missing one is no guess).
func codeWrong(errs map[string]string, pf url.Values) bool {
	_, wrong := errs["totp_code"]
	return wrong && strings.TrimSpace(pf.Get("totp_code")) != ""
}

// guessed reports whether a registration's outcome counts as a failure: a key that
// was used meanwhile, or a username or email that is taken (probing for accounts).
func guessed(err error) bool {
	var taken *ErrTaken
	return errors.Is(err, ErrBadKey) || errors.As(err, &taken)
}

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR networks
// of trusted reverse proxies, such as "10.0.0.0/8,127.0.0.1,::1"; "" is none.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is not a CIDR network such as 10.0.0.0/8: %v", item, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an IP address such as 127.0.0.1 or a CIDR network such as 10.0.0.0/8", item)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Trusted reports whether a is in one of the networks of list.
func Trusted(list []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// fromProxy reports whether the request's direct peer is a trusted proxy.
func (h *handler) fromProxy(r *http.Request) bool {
	return Trusted(h.opts.TrustedProxies, remoteAddr(r.RemoteAddr))
}

// clientAddr is the client's address: the direct peer's, or, when that is a trusted
// proxy, the rightmost X-Forwarded-For entry that is not a trusted proxy (a client
// can put anything to the left of what its proxies append, so nothing further left
// is believed). When every entry is trusted the leftmost is the client; an entry
// that is not an address stops the walk at the trusted hop to its right.
func (h *handler) clientAddr(r *http.Request) netip.Addr {
	addr := remoteAddr(r.RemoteAddr)
	if !Trusted(h.opts.TrustedProxies, addr) {
		return addr
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		addr = a
		if !Trusted(h.opts.TrustedProxies, a) {
			break
		}
	}
	return addr
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a port
// ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
