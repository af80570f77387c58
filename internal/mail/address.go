package mail

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// CheckHeader reports a value that cannot safely go into a mail header: text that
// is not valid UTF-8, line breaks (CR, LF, U+2028, U+2029), NUL and other control
// characters; a tab is allowed. field names the value in the message, as in
// "to name: line breaks are not allowed". Line breaks are refused rather than
// removed, because a value with a line break can add header fields (such as Bcc)
// to a message.
func CheckHeader(field, value string) error {
	if !utf8.ValidString(value) {
		return fmt.Errorf("%s: the text is not valid UTF-8", field)
	}
	for _, r := range value {
		switch {
		case r == '\r', r == '\n', r == '\u2028', r == '\u2029':
			return fmt.Errorf("%s: line breaks are not allowed", field)
		case r != '\t' && isControl(r):
			return fmt.Errorf("%s: control characters are not allowed (%U)", field, r)
		}
	}
	return nil
}

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f)
}

// ParseAddress reads one email address, bare ("anna@example.org") or with a
// display name ("Anna Berg <anna@example.org>"; the name may be quoted or RFC 2047
// encoded), and returns the name and the bare address. field names the value in
// errors, as in `to: "anna@@example.org" is not an email address`.
//
// The rules are kept simple on purpose:
//   - exactly one address;
//   - the whole text and the decoded name pass CheckHeader (no line breaks or
//     control characters);
//   - the address is ASCII: a local part of letters, digits and
//     !#$%&'*+-/=?^_`{|}~ in dot-separated pieces (no quoted local parts), at
//     most 64 characters, then @ and a domain;
//   - the domain is "localhost" or at least two dot-separated labels of letters,
//     digits and inner hyphens (an internationalized domain in its xn-- form); IP
//     literals are not accepted; the address has at most 254 characters.
func ParseAddress(field, s string) (name, addr string, err error) {
	if err := CheckHeader(field, s); err != nil {
		return "", "", err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", fmt.Errorf("%s: no email address given", field)
	}
	a, perr := mail.ParseAddress(s)
	if perr != nil {
		if list, lerr := mail.ParseAddressList(s); lerr == nil && len(list) > 1 {
			return "", "", fmt.Errorf("%s: %q holds %d addresses; give exactly one", field, s, len(list))
		}
		return "", "", fmt.Errorf("%s: %q is not an email address", field, s)
	}
	if reason := checkAddr(a.Address); reason != "" {
		return "", "", fmt.Errorf("%s: %q is not an email address (%s)", field, s, reason)
	}
	if err := CheckHeader(field+" name", a.Name); err != nil {
		return "", "", err
	}
	return a.Name, a.Address, nil
}

// checkAddr says what is wrong with the bare address a by the rules of
// ParseAddress, or returns "".
func checkAddr(a string) string {
	if len(a) > 254 {
		return "longer than 254 characters"
	}
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return "no @"
	}
	if reason := checkLocal(a[:at]); reason != "" {
		return reason
	}
	return checkDomain(a[at+1:])
}

// checkLocal says what is wrong with the local part of an address (before the @)
// by the rules of ParseAddress, or returns "".
func checkLocal(local string) string {
	switch {
	case local == "":
		return "nothing before the @"
	case len(local) > 64:
		return "more than 64 characters before the @"
	case strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, ".."):
		return "misplaced dot before the @"
	}
	for _, r := range local {
		if !(isAlnum(r) || r == '.' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)) {
			return fmt.Sprintf("%q is not allowed before the @", r)
		}
	}
	return ""
}

// checkDomain says what is wrong with the domain of an address (after the @) by
// the rules of ParseAddress, or returns "".
func checkDomain(domain string) string {
	if domain == "localhost" {
		return ""
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "the domain needs a dot, as in example.org"
	}
	for _, l := range labels {
		if !domainLabel(l) {
			return fmt.Sprintf("%q is not a domain", domain)
		}
	}
	return ""
}

// domainLabel reports whether l is a label of a domain: 1 to 63 ASCII letters,
// digits and hyphens, not starting or ending with a hyphen.
func domainLabel(l string) bool {
	if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
		return false
	}
	for _, r := range l {
		if !isAlnum(r) && r != '-' {
			return false
		}
	}
	return true
}

// isAlnum reports ASCII letters and digits.
func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
