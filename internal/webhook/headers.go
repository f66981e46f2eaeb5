package webhook

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Limits of an endpoint's custom headers. A value's limit is Svix's
// (core/types EndpointHeaders); the count and the total are Hookline's,
// because every header is sent on every attempt and receivers refuse
// large request heads: Node.js answers 431 above 16 KiB in all, nginx
// above 8 KiB per line, and Hookline's own headers take about 500 bytes.
const (
	MaxHeaderValueLength = 4096
	MaxHeaders           = 50
	MaxHeadersBytes      = 8192 // names and values together
)

// forbiddenHeaders may not be custom headers. The first group is Svix's
// FORBIDDEN_KEYS (server/svix-server/src/core/types/mod.rs), "trailers"
// included as it spells it; the rest are what a custom value would break
// here: the request's framing and routing (Host, Connection and the
// hop-by-hop headers the transport owns, "Trailer" as HTTP spells it).
// Content-Type and User-Agent are refused, not dropped at send time:
// the body format (delivery options) sets the first, the sender the
// second, and a header saved but never sent would mislead.
var forbiddenHeaders = map[string]bool{
	"user-agent": true, "keep-alive": true, "proxy-authenticate": true, "proxy-authorization": true,
	"te": true, "trailers": true, "transfer-encoding": true, "upgrade": true, "age": true,
	"cache-control": true, "clear-site-data": true, "expires": true, "pragma": true, "warning": true,
	"content-length": true, "content-type": true, "content-encoding": true, "content-language": true,
	"content-location": true,

	"host": true, "connection": true, "proxy-connection": true, "trailer": true,
}

// forbiddenHeaderPrefixes start no custom header's name: Svix's
// FORBIDDEN_PREFIXES (headers its cloud's load balancers and proxies own,
// and its own), and webhook-, which carries the Standard Webhooks
// signature here.
var forbiddenHeaderPrefixes = []string{
	"x-amz-", "x-amzn-", "x-google", "x-goog-", "x-gfe", "x-azure-", "x-fd-", "x-svix-", "svix-",
	"webhook-",
}

// ValidateHeader checks one custom endpoint header: a valid HTTP token
// as name, neither forbidden nor of a forbidden family, and a value that
// can be sent as it is: at most MaxHeaderValueLength bytes with no control
// character but tab (RFC 9110 section 5.5; what Go's transport and Svix's
// HeaderValue both refuse, so a value accepted here never fails a send),
// and no space or tab at either end, which would be lost on the way.
func ValidateHeader(name, value string) error {
	if name == "" {
		return fmt.Errorf("header name is empty")
	}
	for i := 0; i < len(name); i++ {
		if !tokenByte(name[i]) {
			return fmt.Errorf("header name %q has an invalid character", name)
		}
	}
	lower := strings.ToLower(name)
	if forbiddenHeaders[lower] {
		return fmt.Errorf("header %q is forbidden: it is set by Hookline or by the transport", name)
	}
	for _, p := range forbiddenHeaderPrefixes {
		if strings.HasPrefix(lower, p) {
			return fmt.Errorf("header %q starts with the forbidden prefix %q", name, p)
		}
	}
	if len(value) > MaxHeaderValueLength {
		return fmt.Errorf("header %q value is longer than %d bytes", name, MaxHeaderValueLength)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return fmt.Errorf("header %q value contains the control character 0x%02x", name, c)
		}
	}
	// HTTP strips the whitespace around a field value (RFC 9110 section
	// 5.5), so such a value would not arrive as saved.
	if v := strings.Trim(value, " \t"); len(v) != len(value) {
		return fmt.Errorf("header %q value begins or ends with a space or tab, which HTTP drops", name)
	}
	return nil
}

// ValidateHeaderSet checks an endpoint's custom headers as a whole, once
// each is valid: at most MaxHeaders of them, MaxHeadersBytes in all, and
// no two names differing only in case (HTTP names are case-insensitive,
// so both would be sent).
func ValidateHeaderSet(headers map[string]string) error {
	if len(headers) > MaxHeaders {
		return fmt.Errorf("at most %d custom headers are allowed, not %d", MaxHeaders, len(headers))
	}
	seen := make(map[string]string, len(headers))
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		lower := strings.ToLower(name)
		if prev, ok := seen[lower]; ok {
			return HeaderRepeats(name, prev)
		}
		seen[lower] = name
	}
	total := 0
	for k, v := range headers {
		total += len(k) + len(v)
	}
	if total > MaxHeadersBytes {
		return fmt.Errorf("custom headers may hold at most %d bytes of names and values, not %d", MaxHeadersBytes, total)
	}
	return nil
}

// tokenByte reports whether c may appear in an HTTP field name (RFC 9110
// section 5.6.2 tchar).
func tokenByte(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// SensitiveHeader reports whether a custom header's value is a credential
// that the API lists under "sensitive" rather than echoing back: Svix's
// list (EndpointHeadersOut::SENSITIVE_HEADERS) and the other common
// credential carriers.
func SensitiveHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "x-auth-token", "x-api-key", "www-authenticate",
		"proxy-authenticate", "cookie", "api-key":
		return true
	}
	return false
}

// HeaderRepeats is the error of a header name that repeats another, prev,
// but for case.
func HeaderRepeats(name, prev string) error {
	return fmt.Errorf("header %s repeats %s (names are case-insensitive)", name, prev)
}
