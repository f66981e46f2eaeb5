package webhook

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// NormalizeEndpointURL checks an endpoint URL as Svix's server does, by
// parsing it as the WHATWG URL Standard reads http and https URLs (Svix
// reads it with the Rust url crate, which implements that standard), and
// returns it serialized as that standard serializes it, which is what
// Svix stores and answers: "HTTP://Example.COM:443" is
// "http://example.com:443/", "https://Example.com:443" is
// "https://example.com/".
//
// What it refuses, Svix refuses: a port above 65535 or not made of digits,
// an empty host, a host with a forbidden code point, a host that ends in
// a number but is not an IPv4 address ("http://1.2.3.999",
// "http://example.123"), a bad IPv6 literal. What it refuses beyond
// Svix: whitespace and control characters anywhere (the standard would
// drop some silently), and a URL Go's own parser refuses (an invalid
// percent escape), because the sender could not send to it.
//
// Two differences are left: an internationalised host is kept in Unicode
// rather than turned into punycode (IDNA needs tables the standard library
// lacks; the sender converts it when it dials), and an IPv4-mapped IPv6
// address keeps its dotted tail. Whether the host may be dialled at all
// is the SSRF guard's decision at send time, after DNS, not this
// function's.
func NormalizeEndpointURL(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("url is required")
	}
	if len(raw) > MaxURLLength {
		return "", fmt.Errorf("url is longer than %d characters", MaxURLLength)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= 0x20 || c == 0x7f {
			return "", fmt.Errorf("url must not contain whitespace or control characters")
		}
	}
	colon := strings.IndexByte(raw, ':')
	if colon <= 0 || !validScheme(raw[:colon]) {
		return "", fmt.Errorf("url must be absolute, with a scheme")
	}
	scheme := strings.ToLower(raw[:colon])
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("url scheme must be http or https")
	}
	// Special schemes skip any slashes and backslashes before the
	// authority, which ends at the first of / \ ? #.
	rest := strings.TrimLeft(raw[colon+1:], `/\`)
	end := strings.IndexAny(rest, `/\?#`)
	if end < 0 {
		end = len(rest)
	}
	authority, rest := rest[:end], rest[end:]

	var b strings.Builder
	b.Grow(len(raw) + 8)
	b.WriteString(scheme)
	b.WriteString("://")
	hostPort := authority
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		user, pass, hasPass := strings.Cut(authority[:at], ":")
		hostPort = authority[at+1:]
		if user != "" || pass != "" {
			b.WriteString(percentEncode(user, userinfoSet))
			if hasPass && pass != "" {
				b.WriteByte(':')
				b.WriteString(percentEncode(pass, userinfoSet))
			}
			b.WriteByte('@')
		}
	}
	host, port, err := splitHostPort(hostPort)
	if err != nil {
		return "", err
	}
	if host, err = parseHost(host); err != nil {
		return "", err
	}
	b.WriteString(host)
	if port != "" && port != defaultPort(scheme) {
		b.WriteByte(':')
		b.WriteString(port)
	}

	path, query, fragment := rest, "", ""
	hasQuery, hasFragment := false, false
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path, fragment, hasFragment = path[:i], path[i+1:], true
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query, hasQuery = path[:i], path[i+1:], true
	}
	b.WriteString(normalizePath(path))
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(percentEncode(query, querySet))
	}
	if hasFragment {
		b.WriteByte('#')
		b.WriteString(percentEncode(fragment, fragmentSet))
	}
	out := b.String()
	if len(out) > MaxURLLength {
		return "", fmt.Errorf("url is longer than %d characters once normalized", MaxURLLength)
	}
	if _, err := url.Parse(out); err != nil {
		return "", fmt.Errorf("url does not parse: %v", strings.TrimPrefix(err.Error(), "parse "+strconv.Quote(out)+": "))
	}
	return out, nil
}

// ValidateEndpointURL reports whether NormalizeEndpointURL accepts raw.
func ValidateEndpointURL(raw string) error {
	_, err := NormalizeEndpointURL(raw)
	return err
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// splitHostPort splits host[:port], the port normalized to its decimal
// value ("" when absent or empty, as in "http://a:/").
func splitHostPort(s string) (host, port string, err error) {
	host = s
	if strings.HasPrefix(s, "[") {
		i := strings.IndexByte(s, ']')
		if i < 0 {
			return "", "", fmt.Errorf("url has an unclosed IPv6 address")
		}
		host, s = s[:i+1], s[i+1:]
		if s != "" && s[0] != ':' {
			return "", "", fmt.Errorf("url has characters after its IPv6 address")
		}
	} else if i := strings.IndexByte(s, ':'); i >= 0 {
		host, s = s[:i], s[i:]
	} else {
		s = ""
	}
	p, ok := strings.CutPrefix(s, ":")
	if !ok || p == "" {
		return host, "", nil
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return "", "", fmt.Errorf("url port must be a number")
		}
		if n = n*10 + int(p[i]-'0'); n > 65535 {
			return "", "", fmt.Errorf("url port must be at most 65535")
		}
	}
	return host, strconv.Itoa(n), nil
}

// parseHost checks a host as the URL Standard's host parser does for
// special schemes, and returns its serialization.
func parseHost(h string) (string, error) {
	if h == "" {
		return "", fmt.Errorf("url must have a host")
	}
	if strings.HasPrefix(h, "[") {
		a, err := netip.ParseAddr(strings.TrimSuffix(h[1:], "]"))
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", fmt.Errorf("url has an invalid IPv6 address")
		}
		return "[" + a.String() + "]", nil
	}
	decoded, err := url.PathUnescape(h)
	if err != nil {
		return "", fmt.Errorf("url host has an invalid percent escape")
	}
	if decoded == "" {
		return "", fmt.Errorf("url must have a host")
	}
	for i := 0; i < len(decoded); i++ {
		if c := decoded[i]; c <= 0x20 || c == 0x7f || strings.IndexByte("#%/:<>?@[\\]^|", c) >= 0 {
			return "", fmt.Errorf("url host has the forbidden character %q", c)
		}
	}
	// Lower case, as the standard's domain-to-ASCII mapping makes it.
	host := strings.ToLower(decoded)
	if endsInANumber(host) {
		v4, ok := parseIPv4(host)
		if !ok {
			return "", fmt.Errorf("url host ends in a number but is not an IPv4 address")
		}
		return v4, nil
	}
	return host, nil
}

// endsInANumber is the URL Standard's test: the last label (ignoring one
// trailing dot) is all digits or a 0x-prefixed hex number.
func endsInANumber(h string) bool {
	labels := strings.Split(h, ".")
	if labels[len(labels)-1] == "" {
		if len(labels) == 1 {
			return false
		}
		labels = labels[:len(labels)-1]
	}
	last := labels[len(labels)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	hex, ok := strings.CutPrefix(last, "0x")
	if !ok {
		hex, ok = strings.CutPrefix(last, "0X")
	}
	return ok && strings.Trim(hex, "0123456789abcdefABCDEF") == ""
}

// parseIPv4 is the URL Standard's IPv4 parser: one to four parts, each
// decimal, 0x hex or 0-led octal, the last filling the remaining bytes.
func parseIPv4(h string) (string, bool) {
	parts := strings.Split(h, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return "", false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return "", false
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return "", false
		}
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return "", false
	}
	v := last
	for i, n := range nums[:len(nums)-1] {
		v += n << (8 * (3 - i))
	}
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&0xff, v>>8&0xff, v&0xff), true
}

func parseIPv4Number(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
		p, base = p[2:], 16
	case len(p) >= 2 && p[0] == '0':
		p, base = p[1:], 8
	}
	if p == "" {
		return 0, true // "0x" alone is zero
	}
	n, err := strconv.ParseUint(p, base, 64)
	if err != nil || n > 1<<32 {
		return 0, false
	}
	return n, true
}

// normalizePath makes a special URL's path: backslashes are slashes, "."
// and ".." segments (also spelled %2e) are resolved, bytes outside the
// path set are percent-encoded, and an empty path is "/".
func normalizePath(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch strings.ToLower(s) {
		case ".", "%2e":
			if last {
				out = append(out, "")
			}
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, percentEncode(s, pathSet))
		}
	}
	return "/" + strings.Join(out, "/")
}

// The URL Standard's percent-encode sets, as the bytes (besides C0
// controls and bytes above 0x7e, always encoded) each encodes.
const (
	fragmentSet = " \"<>`"
	querySet    = " \"#<>'"
	pathSet     = " \"#<>?`{}"
	userinfoSet = pathSet + "/:;=@[\\]^|"
)

func percentEncode(s, set string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || strings.IndexByte(set, c) >= 0 {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || strings.IndexByte(set, c) >= 0 {
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}
