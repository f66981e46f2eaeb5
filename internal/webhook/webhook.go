// Package webhook holds Hookline's domain types and their rules: App,
// EventType, Endpoint, Message, Delivery, Attempt and Token, their IDs and
// states, and the validation every entry point shares. It does no I/O.
package webhook

import (
	"encoding/json"
	"slices"
	"time"
)

// App is an application: one customer of the SaaS product, owning endpoints
// and messages. Its ID or its UID may be used wherever an app is named.
type App struct {
	ID        string
	UID       string // empty when unset
	Name      string
	RateLimit *int // messages per second across the app; nil means unlimited
	Metadata  map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// EventType names a kind of message, in object.action form by convention.
type EventType struct {
	Name        string
	Description string
	Archived    bool
	Deprecated  bool
	FeatureFlag string          // empty when unset
	Schemas     json.RawMessage // nil when unset; a JSON object keyed by version
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Endpoint is a receiver URL registered by a customer for chosen events.
type Endpoint struct {
	ID          string
	AppID       string
	UID         string // empty when unset
	URL         string
	Description string
	Version     int
	Disabled    bool
	RateLimit   *int     // deliveries per second; nil means unlimited
	FilterTypes []string // empty means every event type
	Channels    []string // empty means every message, with or without channels
	Metadata    map[string]string
	Headers     map[string]string
	// Secret signs deliveries ("whsec_" + base64). OldSecrets are still
	// signed with until they expire, so receivers can roll over.
	Secret     string
	OldSecrets []OldSecret
	// Delivery is how requests to the endpoint are made (body format,
	// method, retries, timeout); its zero value is the default.
	Delivery  DeliveryOptions
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OldSecret is a rotated-out endpoint secret, kept signing until ExpiresAt.
type OldSecret struct {
	Key       string
	ExpiresAt time.Time
}

// Message is one event sent by the product for an app. Payload holds the
// bytes exactly as received: never re-encoded, key order kept.
type Message struct {
	ID        string
	AppID     string
	EventType string
	EventID   string // empty when unset; unique per app when set
	Channels  []string
	Tags      []string // free-form labels that message and attempt lists filter by
	Payload   []byte   // nil once the content was expunged or expired
	// Headers are request headers the message carries, canonical names
	// to values (several joined with ", "): those of an inbound request
	// its source's destinations chose to pass on. An endpoint sends only
	// the ones its DeliveryOptions.PassHeaders name; nil for the
	// product's messages, and once the content was expunged.
	Headers   map[string]string
	CreatedAt time.Time
}

// MessageStatus is the state of a message's delivery to one endpoint, and
// of an attempt, with Svix's numbering.
type MessageStatus int

// Svix's MessageStatus values. Sending means a retry is scheduled.
const (
	StatusSuccess MessageStatus = 0
	StatusPending MessageStatus = 1
	StatusFail    MessageStatus = 2
	StatusSending MessageStatus = 3
)

// Valid reports whether s is one of the defined statuses.
func (s MessageStatus) Valid() bool { return s >= StatusSuccess && s <= StatusSending }

// Text is Svix's MessageStatusText of s ("success", "pending", "fail",
// "sending"), "" for a status that is not defined.
func (s MessageStatus) Text() string {
	switch s {
	case StatusSuccess:
		return "success"
	case StatusPending:
		return "pending"
	case StatusFail:
		return "fail"
	case StatusSending:
		return "sending"
	}
	return ""
}

// TriggerType says why an attempt was made, with Svix's numbering.
type TriggerType int

// Svix's MessageAttemptTriggerType values.
const (
	TriggerScheduled TriggerType = 0
	TriggerManual    TriggerType = 1
)

// Delivery is a message's journey to one endpoint: one per (message,
// endpoint) pair, created at ingest, finished by success or exhaustion.
type Delivery struct {
	MsgID         string
	EndpointID    string
	AppID         string
	Status        MessageStatus
	Attempts      int        // attempts made so far
	NextAttemptAt *time.Time // when the next attempt is due; nil when finished
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ExpungedResponse is what an attempt's response reads once its content
// was expunged, as in Svix.
const ExpungedResponse = "EXPUNGED"

// Attempt is one HTTP request made for a delivery, with what came back.
type Attempt struct {
	ID                 string
	MsgID              string
	EndpointID         string
	AppID              string
	URL                string
	Status             MessageStatus // StatusSuccess or StatusFail
	ResponseStatusCode int           // 0 when no response arrived
	Response           string        // the first bytes of the body, or the error text
	ResponseDurationMs int64
	TriggerType        TriggerType
	CreatedAt          time.Time
}

// Token is an API credential. Only its SHA-256 hash is stored. An admin
// token has an empty AppID and sees every app; an app-portal token sees one.
type Token struct {
	ID         string
	Hash       []byte
	AppID      string     // empty for admin tokens
	Kind       TokenKind  // who made it, see TokenKind
	Name       string     // the operator's label; empty unless given
	ExpiresAt  *time.Time // nil: never expires
	CreatedAt  time.Time
	LastUsedAt *time.Time // nil: never used; recorded about once a minute
	// FeatureFlags are the flags an app-portal token may see: an event
	// type with a feature flag is hidden from it unless the flag is here.
	FeatureFlags []string
}

// Sees reports whether the token may see an event type with flag (""
// for none): an admin token sees every event type, an app-portal token
// those without a flag and those whose flag it holds, as Svix's
// permissions::AllowedFeatureFlags.
func (t Token) Sees(flag string) bool {
	return t.AppID == "" || flag == "" || slices.Contains(t.FeatureFlags, flag)
}

// Expired reports whether the token can no longer be used at now.
func (t Token) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// EndpointStats counts an endpoint's deliveries by status.
type EndpointStats struct {
	Success int64
	Pending int64
	Sending int64
	Fail    int64
}
