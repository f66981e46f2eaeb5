// Package verify checks that an inbound webhook came from who it claims:
// the schemes a Hookline source can require (none, a generic HMAC,
// Standard Webhooks / Svix, Stripe, GitHub, Shopify, Basic auth and an
// API-key header), the delivery ID each provider puts on a request so its
// retries are recognised, and a diagnosis of why a signature fails.
//
// It is pure: no store, no HTTP server, time passed in. Every comparison of
// a signature, password or key takes constant time, every configured
// secret is tried so the time does not tell which matched, and a scheme
// never falls back to another (the github scheme does not read GitHub's
// SHA-1 header, standard-webhooks reads no other family than webhook-* or
// svix-*).
package verify

import (
	"crypto/hmac"
	"fmt"
	"hash"
	"io"
	"net/http"
	"time"
)

// Request is what a source received, as it arrived.
type Request struct {
	Method string
	// Path is the path below the ingest URL, "" or starting with "/",
	// as {path} signs it.
	Path string
	// Query is the raw query string, without "?".
	Query  string
	Header http.Header
	// Body is the body's bytes exactly as sent.
	Body []byte
}

// Result is Verify's answer: OK, and in plain words why (or, when OK,
// how: which secret matched).
type Result struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`
}

// Diagnosis is Result and what a person needs to see why a signature
// fails: the headers read, what was signed, each secret's outcome and the
// timestamp's skew. It holds nothing derived from a secret (no expected
// signature), so showing it never helps anyone forge one.
type Diagnosis struct {
	Result
	Scheme string `json:"scheme"`
	// Headers are the headers the scheme read, in order, present or not.
	// Passwords and keys are masked.
	Headers []HeaderRead `json:"headers,omitempty"`
	// SignedContent is what the signature covers, the body shown by its
	// size: "msg_1.1614265330.<body, 20 bytes>".
	SignedContent string `json:"signedContent,omitempty"`
	// Secrets is each configured secret (by field name) and whether it
	// matched; absent when the request failed before any was tried.
	Secrets []SecretMatch `json:"secrets,omitempty"`
	// Timestamp is the signed timestamp and its age, for schemes that
	// sign one.
	Timestamp *TimestampCheck `json:"timestamp,omitempty"`
	// Hints are likely causes worth checking, in plain words.
	Hints []string `json:"hints,omitempty"`
}

// HeaderRead is one header a scheme read.
type HeaderRead struct {
	Name    string `json:"name"`
	Present bool   `json:"present"`
	Value   string `json:"value,omitempty"`
}

// SecretMatch tells whether one secret matched: Name is "secret" or
// "previousSecrets[i]".
type SecretMatch struct {
	Name    string `json:"name"`
	Matched bool   `json:"matched"`
}

// TimestampCheck is a signed timestamp against now. Age is negative for a
// timestamp in the future.
type TimestampCheck struct {
	At        time.Time `json:"at"`
	Age       Duration  `json:"age"`
	Tolerance Duration  `json:"tolerance"`
}

// Verify checks req against cfg at now. A configuration that fails Check
// fails every request (with Check's error as the reason), never falls back
// to accepting.
func Verify(cfg Config, req Request, now time.Time) Result {
	return Diagnose(cfg, req, now).Result
}

// Diagnose is Verify with the details: the inspector's "why does my
// signature fail".
func Diagnose(cfg Config, req Request, now time.Time) Diagnosis {
	d := &Diagnosis{Scheme: cfg.Scheme}
	if err := cfg.Check(); err != nil {
		d.Reason = "the verification settings are invalid: " + err.Error()
		return *d
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	var reason string
	switch cfg.Scheme {
	case SchemeNone:
		d.OK, d.Reason = true, "not verified: the scheme is none"
		return *d
	case SchemeHMAC:
		reason = d.hmacScheme(cfg, req, now)
	case SchemeStandardWebhooks:
		reason = d.standardWebhooks(cfg, req, now)
	case SchemeStripe:
		reason = d.stripe(cfg, req, now)
	case SchemeGitHub:
		reason = d.github(cfg, req)
	case SchemeShopify:
		reason = d.shopify(cfg, req)
	case SchemeBasic:
		reason = d.basic(cfg, req)
	case SchemeAPIKey:
		reason = d.apiKey(cfg, req)
	default:
		// Unreachable after Check; refuse rather than accept.
		reason = fmt.Sprintf("unknown scheme %q", cfg.Scheme)
	}
	if reason != "" {
		d.Reason = reason
		return *d
	}
	d.OK = true
	d.Reason = "verified with " + d.matched()
	return *d
}

// maxShownValue bounds a header value kept in a Diagnosis.
const maxShownValue = 512

// read returns a header's first value and records that it was read.
func (d *Diagnosis) read(req Request, name string) string {
	v := req.Header.Get(name)
	shown := v
	if len(shown) > maxShownValue {
		shown = shown[:maxShownValue] + "…"
	}
	d.Headers = append(d.Headers, HeaderRead{Name: name, Present: len(req.Header.Values(name)) > 0, Value: shown})
	return v
}

// mask replaces the value of the last header read (raw, as received) by
// its prefix and its size, for passwords and keys.
func (d *Diagnosis) mask(raw, prefix string) {
	h := &d.Headers[len(d.Headers)-1]
	if raw != "" {
		h.Value = fmt.Sprintf("%s**** (%d bytes)", prefix, len(raw)-len(prefix))
	}
}

func (d *Diagnosis) hint(format string, args ...any) {
	d.Hints = append(d.Hints, fmt.Sprintf(format, args...))
}

// matched names the first secret that matched.
func (d *Diagnosis) matched() string {
	for _, s := range d.Secrets {
		if s.Matched {
			return s.name()
		}
	}
	return "no secret"
}

func (s SecretMatch) name() string {
	if s.Name == "secret" {
		return "the secret"
	}
	return s.Name
}

// matchMAC computes, under each secret, the HMAC of what write writes and
// reports whether it equals one of the candidate MACs. Every secret and
// every candidate is compared (hmac.Equal, constant time for equal
// lengths), so the time taken does not tell which one matched.
func (d *Diagnosis) matchMAC(secrets []namedSecret, key func(string) ([]byte, error), newHash func() hash.Hash, write func(io.Writer), candidates [][]byte) bool {
	found := false
	for _, s := range secrets {
		k, err := key(s.value)
		matched := false
		if err == nil {
			mac := hmac.New(newHash, k)
			write(mac)
			sum := mac.Sum(nil)
			for _, c := range candidates {
				if hmac.Equal(c, sum) {
					matched = true
				}
			}
		}
		d.Secrets = append(d.Secrets, SecretMatch{Name: s.name, Matched: matched})
		found = found || matched
	}
	return found
}

// textKey keys an HMAC with the secret's own bytes.
func textKey(s string) ([]byte, error) { return []byte(s), nil }

// checkTimestamp records ts against now and returns why it is outside the
// tolerance, or "". It is called before the signature is compared, so the
// diagnosis shows the skew even of a forgery, but its reason is reported
// only after the signature matched: "stale" then means authentic but old.
func (d *Diagnosis) checkTimestamp(ts int64, now time.Time, tolerance time.Duration) string {
	age := now.Unix() - ts
	d.Timestamp = &TimestampCheck{At: time.Unix(ts, 0).UTC(), Age: Duration(seconds(age)), Tolerance: Duration(tolerance)}
	limit := int64(tolerance / time.Second)
	switch {
	case age > limit:
		return fmt.Sprintf("timestamp %d s old, tolerance %d s", age, limit)
	case -age > limit:
		return fmt.Sprintf("timestamp %d s in the future, tolerance %d s", -age, limit)
	}
	return ""
}

// seconds converts n seconds to a Duration, saturating where a Duration
// cannot hold it (about 292 years).
func seconds(n int64) time.Duration {
	const most = int64(1<<63-1) / int64(time.Second)
	switch {
	case n > most:
		n = most
	case n < -most:
		n = -most
	}
	return time.Duration(n) * time.Second
}

// parseUnix parses a timestamp header: canonical decimal Unix seconds, 1
// to 12 digits (no sign, spaces or leading zeros: the sender signed the
// text, and a second spelling of the same number would be a second text).
// Twelve digits keep the arithmetic far from overflow.
func parseUnix(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 12 || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}
