// Package inbound is the domain of the webhooks Hookline receives: a
// Source (where a provider such as Stripe or GitHub sends, how its
// requests are verified, what the sender is answered and where verified
// requests go) and the Request it received, kept raw. Its rules (Check,
// the defaults) are shared by the API and the receiving path; it does no
// I/O. Verification itself is the inbound/verify package's.
package inbound

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/hookline/hookline/internal/inbound/verify"
	"github.com/hookline/hookline/internal/webhook"
)

// Defaults and limits of a source.
const (
	// DefaultStatus, DefaultBody and DefaultContentType are what a sender
	// is answered when the source does not say: 202 Accepted with an
	// empty JSON object.
	DefaultStatus      = http.StatusAccepted
	DefaultBody        = "{}"
	DefaultContentType = "application/json"
	// MaxResponseBody bounds the answer's body: it is written on every
	// request, so it is meant to be short.
	MaxResponseBody = 16 << 10
	// DefaultBodyLimit is the largest request body a source reads by
	// default (past it, 413 and nothing stored); MaxBodyLimit is the
	// largest a source may set.
	DefaultBodyLimit = 1 << 20
	MaxBodyLimit     = 16 << 20
	// MaxRateLimit bounds a source's requests per second.
	MaxRateLimit = 100_000
	// MaxNameLength bounds a source's name.
	MaxNameLength = 256
	// MaxDestinations and MaxPassHeaders bound a forward to URLs.
	MaxDestinations = 10
	MaxPassHeaders  = 50
	// MaxFieldLength bounds a JSON field path or header name that names
	// the event type.
	MaxFieldLength = 256
)

// DefaultMethods are the methods a source accepts when it does not say.
var DefaultMethods = []string{http.MethodPost}

// knownMethods are the methods a source may accept.
var knownMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// Source is where a provider sends its webhooks: the ingest URL
// <public-url>/in/{token}, whose token is stored as its hash only.
type Source struct {
	ID   string // src_...
	Name string
	// TokenHash is webhook.HashToken of the ingest token. The token
	// itself is shown once, when the source is created or its token
	// rotated, and never stored.
	TokenHash []byte
	// Verify is how requests are verified: the scheme, its settings and
	// its secrets (an HMAC key, a whsec_ secret, a password, an API key's
	// value). The store seals the secrets as it seals endpoint secrets.
	Verify    verify.Config
	Response  Response
	Methods   []string // upper case; DefaultMethods when empty
	BodyLimit int64    // bytes; DefaultBodyLimit when 0
	RateLimit int      // requests per second; 0 is no limit
	Forward   Forward
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Response is what a sender is answered after its request is stored:
// Status (a 2xx) with Body as ContentType.
type Response struct {
	Status      int    `json:"status"`
	Body        string `json:"body"`
	ContentType string `json:"contentType"`
}

// Forward says where verified requests go: to an app as messages (App),
// or straight to destination URLs, or, when both are empty, nowhere (the
// requests are only kept).
type Forward struct {
	App          *ForwardApp   `json:"app,omitempty"`
	Destinations []Destination `json:"destinations,omitempty"`
	// DestinationAppID is the source's own app, whose endpoints are its
	// destinations (its UID is the source's ID): each verified request
	// becomes one message of it (DestinationMessage), delivered by the
	// engine with retries, rate limits, the attempt log and replay. The
	// API makes and keeps it; it is read-only to the operator. It stays
	// when the destinations are removed, with its log, until the source
	// is deleted.
	DestinationAppID string `json:"destinationAppId,omitempty"`
}

// ForwardApp makes each verified request a message of AppID. Its event
// type is exactly one of: EventType (fixed), EventTypeHeader (the value
// of that request header) or EventTypeField (the value of that field of
// the JSON body, a dot-separated path such as "type" or "data.kind").
type ForwardApp struct {
	AppID           string `json:"appId"`
	EventType       string `json:"eventType,omitempty"`
	EventTypeHeader string `json:"eventTypeHeader,omitempty"`
	EventTypeField  string `json:"eventTypeField,omitempty"`
}

// Destination is a URL that receives each verified request's body, with
// the request headers named in Headers passed on.
type Destination struct {
	URL     string   `json:"url"`
	Headers []string `json:"headers,omitempty"`
	// EndpointID is the endpoint of DestinationAppID that delivers to
	// URL, signing with its own secret; set by the API.
	EndpointID string `json:"endpointId,omitempty"`
}

// TokenPrefix starts every ingest token, so that a leaked one is easy to
// recognise in logs and by secret scanners.
const TokenPrefix = "hkin_"

// NewToken returns a new ingest token (the last segment of the source's
// URL) and the hash that is stored in its place. 256 random bits: the
// path is the only credential of an inbound URL.
func NewToken() (plain string, hash []byte, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, fmt.Errorf("generate ingest token: %w", err)
	}
	plain = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return plain, webhook.HashToken(plain), nil
}

// WithDefaults returns s with every unset setting at its default: the
// answer 202 `{}` as JSON, POST only, a 1 MiB body limit. The scheme has
// no default (verify.Config.Check): a source open to anyone is chosen
// with scheme none, never by leaving it out.
func (s Source) WithDefaults() Source {
	if s.Response.Status == 0 {
		s.Response.Status = DefaultStatus
		if s.Response.Body == "" {
			s.Response.Body = DefaultBody
		}
	}
	if s.Response.ContentType == "" {
		s.Response.ContentType = DefaultContentType
	}
	if len(s.Methods) == 0 {
		s.Methods = append([]string(nil), DefaultMethods...)
	}
	if s.BodyLimit == 0 {
		s.BodyLimit = DefaultBodyLimit
	}
	return s
}

// Allows reports whether the source accepts a request of method.
func (s Source) Allows(method string) bool {
	methods := s.Methods
	if len(methods) == 0 {
		methods = DefaultMethods
	}
	for _, m := range methods {
		if m == method {
			return true
		}
	}
	return false
}
