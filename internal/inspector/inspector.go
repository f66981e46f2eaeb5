// Package inspector is the request inspector's domain: a Bin is a catch
// URL (<public-url>/in/bin/{token}) that records every request sent to it,
// raw, as a Capture, and answers as configured. It holds the types, their
// rules and defaults, the catch token, the masking of credentials in
// captured headers and the in-process fan-out that wakes the followers of
// a bin. No I/O: the store keeps bins and captures, package
// inspector/catch receives them, the API serves them.
package inspector

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Defaults and limits of a bin.
const (
	// DefaultKeep is how many captures a bin keeps unless told otherwise:
	// the newest DefaultKeep; older ones are trimmed.
	DefaultKeep = 1000
	// MaxKeep bounds Keep: a bin is a debugging aid, not an archive, and
	// searching its captures reads them all.
	MaxKeep = 10000
	// DefaultRetention is how long captures are kept unless told otherwise.
	DefaultRetention = 7 * 24 * time.Hour
	// MinRetention and MaxRetention bound Retention.
	MinRetention = time.Minute
	MaxRetention = 90 * 24 * time.Hour
	// MaxDelay bounds Response.Delay: enough to make a sender's timeout
	// fire, short enough that a bin cannot hold connections for long.
	MaxDelay = 30 * time.Second
	// MaxResponseBody bounds the body a bin answers with.
	MaxResponseBody = 64 << 10
	// MaxResponseHeaders bounds how many headers a bin answers with.
	MaxResponseHeaders = 50
	// DefaultBodyLimit is the most request body bytes a catch URL reads;
	// a longer body is answered 413 and nothing is stored.
	DefaultBodyLimit = 1 << 20
	// MaxNameLength bounds a bin's name.
	MaxNameLength = 200
)

// Bin is a catch URL and what it answers. The token in its URL is never
// stored: TokenHash is its SHA-256 (see NewToken), looked up by equality
// on an index, so the lookup compares no secret byte by byte.
type Bin struct {
	ID        string
	Name      string
	TokenHash []byte
	Response  Response
	// Keep is how many captures are kept, the newest; 1 to MaxKeep.
	Keep int
	// Retention is how long a capture is kept.
	Retention time.Duration
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Response is what a bin answers every request with.
type Response struct {
	// Status is 200 to 599; default 200.
	Status int
	// Header is sent as is, one value a name.
	Header map[string]string
	Body   []byte
	// Delay is waited before answering, after the capture is stored: for
	// testing a sender's timeouts. At most MaxDelay.
	Delay time.Duration
}

// Capture is one request a bin received, as it arrived.
type Capture struct {
	ID     string
	BinID  string
	Method string
	// Path is what followed the bin's token in the URL path, "" or
	// starting with "/", still escaped as sent.
	Path string
	// Query is the raw query string, without "?".
	Query string
	// Header holds the request's headers as the server parsed them, with
	// Host added, values in the order sent.
	Header http.Header
	// Body is the body's bytes, exactly.
	Body []byte
	// BodySize is len(Body); lists that leave Body out still fill it.
	BodySize   int
	RemoteAddr string
	ReceivedAt time.Time
}

// NewBin returns a bin with the defaults, created at now, with a new ID.
// The caller sets the token (SetToken) and applies what was asked.
func NewBin(id string, now time.Time) Bin {
	return Bin{
		ID:        id,
		Response:  Response{Status: http.StatusOK},
		Keep:      DefaultKeep,
		Retention: DefaultRetention,
		CreatedAt: now,
		UpdatedAt: now,
	}
}

// Validate checks every rule of b and returns the problems, each naming
// its field as the API's JSON names it.
func (b Bin) Validate() []FieldError {
	var errs []FieldError
	add := func(field, msg string) { errs = append(errs, FieldError{Field: field, Msg: msg}) }
	if len(b.Name) > MaxNameLength {
		add("name", fmt.Sprintf("name must be at most %d bytes", MaxNameLength))
	}
	if b.Keep < 1 || b.Keep > MaxKeep {
		add("keep", fmt.Sprintf("keep must be from 1 to %d", MaxKeep))
	}
	if b.Retention < MinRetention || b.Retention > MaxRetention {
		add("retention", fmt.Sprintf("retention must be from %s to %s", MinRetention, "2160h (90 days)"))
	}
	r := b.Response
	if r.Status < 200 || r.Status > 599 {
		add("response.status", "status must be from 200 to 599")
	}
	if r.Delay < 0 || r.Delay > MaxDelay {
		add("response.delay", "delay must be from 0s to 30s")
	}
	if len(r.Body) > MaxResponseBody {
		add("response.body", fmt.Sprintf("body must be at most %d bytes", MaxResponseBody))
	}
	if len(r.Header) > MaxResponseHeaders {
		add("response.headers", fmt.Sprintf("at most %d headers", MaxResponseHeaders))
	}
	for name, value := range r.Header {
		if err := ValidateResponseHeader(name, value); err != nil {
			add("response.headers", err.Error())
		}
	}
	return errs
}

// FieldError is one broken rule: the field, named as in the API's JSON
// (response.status), and what is wrong in plain words.
type FieldError struct {
	Field string
	Msg   string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// framingHeaders are the headers of a response the server writes itself:
// a bin answering with its own would contradict the body it sends.
var framingHeaders = []string{"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
	"Te", "Trailer", "Upgrade", "Proxy-Connection"}

// ValidateResponseHeader checks one header of a bin's answer: a valid
// HTTP token as its name, no control characters (CR, LF, NUL) in its
// value, and not one of the framing headers the server owns.
func ValidateResponseHeader(name, value string) error {
	if name == "" {
		return errors.New("a header name is empty")
	}
	for i := 0; i < len(name); i++ {
		if !tokenByte(name[i]) {
			return fmt.Errorf("header name %q is not a valid HTTP header name", name)
		}
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < ' ' && c != '\t' || c == 0x7f {
			return fmt.Errorf("header %s: the value holds a control character", name)
		}
	}
	canon := http.CanonicalHeaderKey(name)
	for _, f := range framingHeaders {
		if canon == f {
			return fmt.Errorf("header %s is set by the server and cannot be configured", name)
		}
	}
	return nil
}

// tokenByte reports whether c may appear in an HTTP token (RFC 9110 5.6.2).
func tokenByte(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// TokenPrefix starts every catch token, so that one pasted into a chat or
// a log is recognisable.
const TokenPrefix = "bin"

// NewToken returns a new catch token (what the URL carries: 256 random
// bits) and the hash stored in its place.
func NewToken() (plain string, hash []byte) {
	var b [32]byte
	// crypto/rand.Read never fails (Go 1.24+): it crashes rather than
	// return predictable bytes.
	_, _ = rand.Read(b[:])
	plain = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return plain, HashToken(plain)
}

// HashToken is the stored form of a catch token. The token carries 256
// random bits, so a fast hash suffices: there is nothing to brute-force.
func HashToken(plain string) []byte {
	sum := sha256.Sum256([]byte(plain))
	return sum[:]
}

// CatchURL is the URL a bin with token receives at.
func CatchURL(publicURL, token string) string {
	return strings.TrimSuffix(publicURL, "/") + "/in/bin/" + token
}

// maskedHeaders carry credentials: shown masked unless asked for.
var maskedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// Masked is the mark that replaces a credential.
const Masked = "****"

// MaskHeader returns a copy of h with the credentials masked: Authorization
// and Proxy-Authorization keep their scheme ("Bearer ****"), so one can
// still see which kind was sent; Cookie and Set-Cookie become "****".
func MaskHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, name := range maskedHeaders {
		vals := out[name]
		for i, v := range vals {
			scheme, _, found := strings.Cut(v, " ")
			if found && strings.HasSuffix(name, "Authorization") {
				vals[i] = scheme + " " + Masked
			} else {
				vals[i] = Masked
			}
		}
	}
	return out
}

// MarshalHeader encodes h as JSON text the way the store keeps it:
// without escaping <, > and &, so that searching the text finds what was
// sent.
func MarshalHeader(h http.Header) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if h == nil {
		h = http.Header{}
	}
	if err := enc.Encode(h); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// hopByHop are the headers that describe one connection, not the request:
// never forwarded or replayed (RFC 9110 7.6.1), with Host and
// Content-Length, which the client sets for the new request.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length"}

// ForwardHeader returns the headers of a captured request to send again
// (replay, `hookline listen`): every header but the hop-by-hop ones and
// those the Connection header names, and Host and Content-Length.
func ForwardHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for _, v := range out["Connection"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				out.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		delete(out, name)
	}
	return out
}
