package verify

import (
	"fmt"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/signature"
)

// Scheme names, as Config.Scheme spells them.
const (
	// SchemeNone accepts every request: the source is open to anyone who
	// knows its URL.
	SchemeNone = "none"
	// SchemeHMAC is a generic HMAC over the body or a template of parts,
	// in a header the operator names.
	SchemeHMAC = "hmac"
	// SchemeStandardWebhooks is Standard Webhooks (the Svix scheme):
	// webhook-id, webhook-timestamp and webhook-signature (or svix-*),
	// "v1,<base64 HMAC-SHA256>" keyed by a whsec_ secret.
	SchemeStandardWebhooks = "standard-webhooks"
	// SchemeStripe is Stripe's Stripe-Signature: t=<unix>,v1=<hex>.
	SchemeStripe = "stripe"
	// SchemeGitHub is GitHub's X-Hub-Signature-256: sha256=<hex>.
	SchemeGitHub = "github"
	// SchemeShopify is Shopify's X-Shopify-Hmac-Sha256: <base64>.
	SchemeShopify = "shopify"
	// SchemeBasic is HTTP Basic authentication (RFC 7617).
	SchemeBasic = "basic"
	// SchemeAPIKey is a fixed key in a header the operator names.
	SchemeAPIKey = "api-key"
)

// Schemes lists every scheme name Check accepts, in the order the
// documentation and the dashboard present them.
var Schemes = []string{
	SchemeNone, SchemeHMAC, SchemeStandardWebhooks, SchemeStripe,
	SchemeGitHub, SchemeShopify, SchemeBasic, SchemeAPIKey,
}

// Algorithms and encodings of the generic HMAC scheme.
const (
	AlgorithmSHA1   = "sha1"
	AlgorithmSHA256 = "sha256"
	AlgorithmSHA512 = "sha512"

	EncodingHex       = "hex"
	EncodingBase64    = "base64"
	EncodingBase64URL = "base64url"

	// SecretText (the default) keys the HMAC with the secret's own bytes,
	// as GitHub, Stripe and Shopify do; SecretBase64 and SecretHex with
	// the bytes it decodes to.
	SecretText   = "text"
	SecretBase64 = "base64"
	SecretHex    = "hex"
)

// DefaultTolerance is how far a signed timestamp may lie from now when
// Config.Tolerance is zero: five minutes, the default of the Standard
// Webhooks libraries and of Stripe's (webhook.DefaultTolerance).
const DefaultTolerance = 5 * time.Minute

// MaxTolerance bounds Config.Tolerance: a window wider than a day no
// longer protects against replay.
const MaxTolerance = 24 * time.Hour

// maxSecretSize bounds each secret, so a configuration cannot make every
// request hash a megabyte of key.
const maxSecretSize = 1024

// Config is how a source verifies what it receives: a scheme and the
// settings that scheme reads. A setting the scheme does not read is
// refused by Check rather than ignored, so a configuration says exactly
// what it does.
//
// Secret (and PreviousSecrets) is the secret of every scheme but none: the
// signing secret of the HMAC schemes, the password of basic, the key of
// api-key. It is stored sealed and shown redacted (see Redacted).
type Config struct {
	// Scheme is one of Schemes. It is required: there is no default.
	Scheme string `json:"scheme"`
	// Secret is the current secret.
	Secret string `json:"secret,omitempty"`
	// PreviousSecrets are older secrets still accepted while a sender
	// rotates; Diagnose tells which one a request matched.
	PreviousSecrets []string `json:"previousSecrets,omitempty"`

	// Tolerance is how far the signed timestamp may lie from now, either
	// way (standard-webhooks, stripe, and hmac with a TimestampHeader).
	// Zero means DefaultTolerance; at most MaxTolerance, whole seconds.
	Tolerance Duration `json:"tolerance,omitempty"`

	// Header is the header carrying the signature (hmac) or the key
	// (api-key). Required by both.
	Header string `json:"header,omitempty"`
	// Prefix is text before the signature (hmac, such as "sha256=") or
	// before the key (api-key, such as "Bearer "). Optional.
	Prefix string `json:"prefix,omitempty"`

	// Algorithm is the hash of the hmac scheme: sha1, sha256 or sha512.
	// Required: Hookline never guesses a signing algorithm.
	Algorithm string `json:"algorithm,omitempty"`
	// Encoding is how the hmac signature is written: hex, base64 or
	// base64url (padding optional). Required.
	Encoding string `json:"encoding,omitempty"`
	// Template is what the hmac is computed over: text with the parts
	// {body}, {timestamp}, {method}, {path}, {query} and {header:Name}.
	// Empty means "{body}".
	Template string `json:"template,omitempty"`
	// TimestampHeader is the header holding the Unix seconds {timestamp}
	// stands for (hmac). Required when the template has {timestamp}, and
	// refused when it has not: an unsigned timestamp proves nothing.
	TimestampHeader string `json:"timestampHeader,omitempty"`
	// SecretEncoding is how the hmac secret turns into the key: text (the
	// default), base64 or hex.
	SecretEncoding string `json:"secretEncoding,omitempty"`

	// Username is the user basic expects (the password is Secret).
	Username string `json:"username,omitempty"`
}

// Duration is a time.Duration written in JSON as Go spells durations
// ("5m0s", "90s"), never as a bare number of some unit.
type Duration time.Duration

// MarshalText writes d as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(time.Duration(d).String()), nil
}

// UnmarshalText reads what time.ParseDuration reads.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("tolerance: %w", err)
	}
	*d = Duration(v)
	return nil
}

// FieldError is one problem Check found, with the JSON name of the field
// it is about, so a form can show it beside that field.
type FieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Problem }

// FieldErrors is every problem Check found; match it with errors.As.
type FieldErrors []FieldError

func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// settings lists, per scheme, the fields it reads besides scheme itself.
// Check refuses a field set outside its scheme's list.
var settings = map[string][]string{
	SchemeNone:             {},
	SchemeHMAC:             {"secret", "previousSecrets", "tolerance", "header", "prefix", "algorithm", "encoding", "template", "timestampHeader", "secretEncoding"},
	SchemeStandardWebhooks: {"secret", "previousSecrets", "tolerance"},
	SchemeStripe:           {"secret", "previousSecrets", "tolerance"},
	SchemeGitHub:           {"secret", "previousSecrets"},
	SchemeShopify:          {"secret", "previousSecrets"},
	SchemeBasic:            {"secret", "previousSecrets", "username"},
	SchemeAPIKey:           {"secret", "previousSecrets", "header", "prefix"},
}

// set returns the JSON names of the settings c has set, in field order.
func (c Config) set() []string {
	var names []string
	add := func(name string, isSet bool) {
		if isSet {
			names = append(names, name)
		}
	}
	add("secret", c.Secret != "")
	add("previousSecrets", len(c.PreviousSecrets) > 0)
	add("tolerance", c.Tolerance != 0)
	add("header", c.Header != "")
	add("prefix", c.Prefix != "")
	add("algorithm", c.Algorithm != "")
	add("encoding", c.Encoding != "")
	add("template", c.Template != "")
	add("timestampHeader", c.TimestampHeader != "")
	add("secretEncoding", c.SecretEncoding != "")
	add("username", c.Username != "")
	return names
}

// Check reports whether c is a configuration Verify can use. It refuses an
// unknown or missing scheme, a setting the scheme does not read, and bad
// values; the error is a FieldErrors naming each field.
func (c Config) Check() error {
	var errs FieldErrors
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	allowed, ok := settings[c.Scheme]
	if !ok {
		if c.Scheme == "" {
			bad("scheme", "required: one of %s", strings.Join(Schemes, ", "))
		} else {
			bad("scheme", "unknown scheme %q: one of %s", c.Scheme, strings.Join(Schemes, ", "))
		}
		return errs
	}
	for _, name := range c.set() {
		if !contains(allowed, name) {
			bad(name, "not a setting of the %s scheme", c.Scheme)
		}
	}
	if c.Scheme != SchemeNone {
		c.checkSecrets(bad)
	}
	if contains(allowed, "tolerance") {
		switch t := time.Duration(c.Tolerance); {
		case t < 0:
			bad("tolerance", "must not be negative")
		case t > MaxTolerance:
			bad("tolerance", "at most %v", MaxTolerance)
		case t%time.Second != 0:
			bad("tolerance", "whole seconds: timestamps are in seconds")
		}
	}
	switch c.Scheme {
	case SchemeHMAC:
		c.checkHMAC(bad)
	case SchemeAPIKey:
		checkHeaderName("header", c.Header, bad)
		checkPrintable("prefix", c.Prefix, bad)
	case SchemeBasic:
		switch {
		case c.Username == "":
			bad("username", "required")
		case strings.Contains(c.Username, ":"):
			bad("username", "must not contain a colon (RFC 7617)")
		default:
			checkPrintable("username", c.Username, bad)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func (c Config) checkSecrets(bad func(field, format string, args ...any)) {
	check := func(field, s string) {
		switch {
		case s == "":
			bad(field, "required")
		case len(s) > maxSecretSize:
			bad(field, "at most %d bytes", maxSecretSize)
		case strings.TrimSpace(s) != s:
			bad(field, "has leading or trailing spaces (a copy-paste slip?)")
		case c.Scheme == SchemeStandardWebhooks:
			if _, err := signature.DecodeSecret(s); err != nil {
				bad(field, "not a Standard Webhooks secret (whsec_ then base64): %v", err)
			}
		case c.Scheme == SchemeHMAC:
			if _, err := decodeSecret(c.SecretEncoding, s); err != nil {
				bad(field, "%v", err)
			}
		}
	}
	check("secret", c.Secret)
	for i, s := range c.PreviousSecrets {
		check(fmt.Sprintf("previousSecrets[%d]", i), s)
	}
}

func (c Config) checkHMAC(bad func(field, format string, args ...any)) {
	checkHeaderName("header", c.Header, bad)
	checkPrintable("prefix", c.Prefix, bad)
	if _, ok := hashes[c.Algorithm]; !ok {
		bad("algorithm", "one of sha1, sha256, sha512 (got %q)", c.Algorithm)
	}
	if _, ok := encodings[c.Encoding]; !ok {
		bad("encoding", "one of hex, base64, base64url (got %q)", c.Encoding)
	}
	switch c.SecretEncoding {
	case "", SecretText, SecretBase64, SecretHex:
	default:
		bad("secretEncoding", "one of text, base64, hex (got %q)", c.SecretEncoding)
	}
	tmpl, err := parseTemplate(c.Template)
	if err != nil {
		bad("template", "%v", err)
		return
	}
	switch {
	case tmpl.hasTimestamp() && c.TimestampHeader == "":
		bad("timestampHeader", "required: the template has {timestamp}")
	case !tmpl.hasTimestamp() && c.TimestampHeader != "":
		bad("timestampHeader", "the template has no {timestamp}: a timestamp that is not signed proves nothing")
	case c.TimestampHeader != "":
		checkHeaderName("timestampHeader", c.TimestampHeader, bad)
	}
}

// checkHeaderName requires an HTTP field name: a non-empty token (RFC 9110
// section 5.1).
func checkHeaderName(field, name string, bad func(field, format string, args ...any)) {
	if name == "" {
		bad(field, "required")
		return
	}
	if !isToken(name) {
		bad(field, "%q is not a header name", name)
	}
}

// checkPrintable refuses control characters, which no header value can
// carry.
func checkPrintable(field, s string, bad func(field, format string, args ...any)) {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			bad(field, "has a control character at byte %d", i)
			return
		}
	}
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Redacted returns c with its secrets replaced by "REDACTED", for logs
// and plain page views; the scheme and other settings stay readable.
func (c Config) Redacted() Config {
	if c.Secret != "" {
		c.Secret = redacted
	}
	if len(c.PreviousSecrets) > 0 {
		prev := make([]string, len(c.PreviousSecrets))
		for i := range prev {
			prev[i] = redacted
		}
		c.PreviousSecrets = prev
	}
	return c
}

const redacted = "REDACTED"

// tolerance is the effective tolerance.
func (c Config) tolerance() time.Duration {
	if c.Tolerance == 0 {
		return DefaultTolerance
	}
	return time.Duration(c.Tolerance)
}

// secrets returns the secrets to try, each with the name Diagnose gives it.
func (c Config) secrets() []namedSecret {
	out := make([]namedSecret, 0, 1+len(c.PreviousSecrets))
	out = append(out, namedSecret{"secret", c.Secret})
	for i, s := range c.PreviousSecrets {
		out = append(out, namedSecret{fmt.Sprintf("previousSecrets[%d]", i), s})
	}
	return out
}

type namedSecret struct{ name, value string }
