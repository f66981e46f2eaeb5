package webhook

import (
	"fmt"
	"net/url"
	"strings"
)

// Limits shared by the API and the engine, from the Svix API v1 schema.
const (
	MaxUIDLength         = 256
	MaxEventTypeLength   = 256
	MaxChannelLength     = 128
	MaxChannels          = 10
	MaxURLLength         = 65536
	MaxHeaderValueLength = 4096
)

// ValidUID reports whether s is a valid uid, event type name, event id or
// feature flag: 1-256 of [a-zA-Z0-9-_.], as Svix requires.
func ValidUID(s string) bool {
	if len(s) == 0 || len(s) > MaxUIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !uidByte(s[i]) {
			return false
		}
	}
	return true
}

func uidByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.'
}

// ValidChannel reports whether s is a valid channel name: 1-128 of
// [a-zA-Z0-9-_.:], as Svix requires.
func ValidChannel(s string) bool {
	if len(s) == 0 || len(s) > MaxChannelLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !uidByte(s[i]) && s[i] != ':' {
			return false
		}
	}
	return true
}

// ValidateEndpointURL checks that raw is an absolute http or https URL with
// a host. Whether the host may be dialled is the SSRF guard's decision at
// send time, after DNS, not this function's.
func ValidateEndpointURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("url is required")
	}
	if len(raw) > MaxURLLength {
		return fmt.Errorf("url is longer than %d characters", MaxURLLength)
	}
	if strings.ContainsAny(raw, " \t\r\n") {
		return fmt.Errorf("url must not contain whitespace")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("url scheme must be http or https")
	}
	if u.Hostname() == "" {
		return fmt.Errorf("url must have a host")
	}
	return nil
}

// reservedHeaders may not be set by an endpoint's custom headers: they carry
// the signature, or HTTP framing that a custom value would corrupt.
var reservedHeaders = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true,
	"connection": true, "te": true, "upgrade": true, "keep-alive": true,
	"proxy-connection": true,
}

// ValidateHeader checks one custom endpoint header: a valid HTTP token as
// name, not reserved, not in the webhook-* or svix-* families, and a value
// without CR, LF or NUL.
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
	if reservedHeaders[lower] || strings.HasPrefix(lower, "webhook-") || strings.HasPrefix(lower, "svix-") {
		return fmt.Errorf("header %q is reserved", name)
	}
	if len(value) > MaxHeaderValueLength {
		return fmt.Errorf("header %q value is longer than %d bytes", name, MaxHeaderValueLength)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c == '\r' || c == '\n' || c == 0 {
			return fmt.Errorf("header %q value contains CR, LF or NUL", name)
		}
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
// that the API lists under "sensitive" rather than echoing back.
func SensitiveHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "cookie", "x-api-key", "api-key":
		return true
	}
	return false
}
