// Package store is the one seam between Hookline and its databases: the
// Store interface, one params struct per method, and the sentinel errors
// every backend returns. The backends live in store/sqlite and
// store/postgres; store/storetest is the conformance suite both pass.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/webhook"
)

// Sentinel errors. Backends wrap them; callers match with errors.Is.
var (
	// ErrNotFound: the named row does not exist (or belongs to another app).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique name is taken (app uid, endpoint uid, event
	// type name, message eventId within an app).
	ErrConflict = errors.New("conflict")
	// ErrIdempotencyKeyUsed: the Idempotency-Key was stored by an earlier
	// request; nothing was written, and the caller replays the stored
	// response (IdempotencyGet).
	ErrIdempotencyKeyUsed = errors.New("idempotency key already used")
	// ErrUnavailable: the database cannot be reached right now; nothing was
	// committed. The API answers 503.
	ErrUnavailable = errors.New("database unavailable")
	// ErrEncryptionKey: an endpoint's secret columns are stored encrypted,
	// and the store was opened without a key or with another key than the
	// one that sealed them (then seal.ErrWrongKey is wrapped too).
	ErrEncryptionKey = errors.New("encryption key missing or wrong")
)

// Order is the direction of a list.
type Order int

const (
	// Descending lists newest first (the default for messages, attempts).
	Descending Order = iota
	// Ascending lists oldest first.
	Ascending
)

// Page selects one page of a list ordered by ID (or by name for event
// types). After, when set, returns rows strictly after that key in Order's
// direction; Before, when set, returns the rows just before it (walking
// back), still in Order's direction.
type Page struct {
	Limit  int // 1 or more; the API clamps it
	After  string
	Before string
	Order  Order
}

// Idempotency is an Idempotency-Key and the response it produced, stored in
// the same transaction as what the request created.
type Idempotency struct {
	Key        string // already scoped by the caller to its principal
	StatusCode int
	Body       []byte
	CreatedAt  time.Time
}

// Store is everything Hookline keeps. Every method is safe for concurrent use.
type Store interface {
	Close() error

	Sources

	AppCreate(ctx context.Context, p AppCreateParams) error
	AppGet(ctx context.Context, idOrUID string) (webhook.App, error)
	AppList(ctx context.Context, p AppListParams) ([]webhook.App, error)
	AppUpdate(ctx context.Context, app webhook.App) error
	AppDelete(ctx context.Context, id string) error

	EventTypeCreate(ctx context.Context, p EventTypeCreateParams) error
	EventTypeGet(ctx context.Context, name string) (webhook.EventType, error)
	EventTypeList(ctx context.Context, p EventTypeListParams) ([]webhook.EventType, error)
	EventTypeUpdate(ctx context.Context, et webhook.EventType) error
	EventTypeDelete(ctx context.Context, p EventTypeDeleteParams) error

	EndpointCreate(ctx context.Context, p EndpointCreateParams) error
	EndpointGet(ctx context.Context, appID, idOrUID string) (webhook.Endpoint, error)
	EndpointList(ctx context.Context, p EndpointListParams) ([]webhook.Endpoint, error)
	// EndpointUpdate writes every field but Delivery, which only
	// EndpointDeliveryOptionsSet writes: the two are edited through
	// different resources, and neither may undo the other's change.
	EndpointUpdate(ctx context.Context, ep webhook.Endpoint) error
	// EndpointDeliveryOptionsSet replaces an endpoint's delivery options
	// and its updatedAt; ErrNotFound if the app has no such endpoint.
	EndpointDeliveryOptionsSet(ctx context.Context, p EndpointDeliveryOptionsSetParams) error
	EndpointDelete(ctx context.Context, appID, id string) error
	EndpointStats(ctx context.Context, p EndpointStatsParams) (webhook.EndpointStats, error)
	// EndpointSecretsCheck reads one endpoint whose secret columns are
	// stored encrypted, if any, and opens it with the store's key:
	// ErrEncryptionKey when the store has no key or another one. The
	// server runs it at start, so that a missing or wrong key stops it
	// there, with that error, rather than at the first endpoint read.
	EndpointSecretsCheck(ctx context.Context) error
	// EndpointSecretsSeal encrypts, with the store's key, every endpoint
	// secret column still stored in plain text (after encryption was
	// turned on for an existing database), SealChunk endpoints per
	// transaction, each column only if it still holds what was read. It
	// returns how many endpoints it sealed; without a key it does nothing.
	EndpointSecretsSeal(ctx context.Context, p EndpointSecretsSealParams) (int, error)
	// EndpointHealthRecord merges each record into its endpoint's health
	// row, in one transaction, by the rules of webhook.EndpointHealth.Merge,
	// so that nodes reporting the same endpoint do not overwrite each
	// other. A record of an endpoint that no longer exists is dropped. The
	// engine calls it about once a second with what it aggregated, never
	// per attempt.
	EndpointHealthRecord(ctx context.Context, records []webhook.EndpointHealth) error
	// EndpointHealthList returns the health rows of an app's endpoints
	// among EndpointIDs, ordered by endpoint ID; an endpoint with no row
	// (never attempted) is absent.
	EndpointHealthList(ctx context.Context, p EndpointHealthListParams) ([]webhook.EndpointHealth, error)
	// EndpointHealthFailing returns the health rows, of every app, of
	// enabled endpoints whose last attempt failed (webhook.HealthFailing),
	// most consecutive failures first, then by endpoint ID; at most
	// p.Limit. It reads endpoint_health, one row per endpoint ever
	// attempted, never the messages: the operator's status page.
	EndpointHealthFailing(ctx context.Context, p EndpointHealthFailingParams) ([]webhook.EndpointHealth, error)
	// EndpointDisabledCount counts the disabled endpoints of every app,
	// stopping at p.Limit (metrics need no exact figure past it).
	EndpointDisabledCount(ctx context.Context, p EndpointDisabledCountParams) (int, error)

	// MessageCreateBatch writes many messages with their deliveries in one
	// transaction (group commit). It returns one error per item: nil,
	// ErrConflict (eventId reused), ErrIdempotencyKeyUsed; a failed item
	// leaves nothing behind, and never fails the others. A non-nil second
	// result means the whole batch failed and nothing was committed.
	MessageCreateBatch(ctx context.Context, items []MessageCreate) ([]error, error)
	MessageGet(ctx context.Context, appID, idOrEventID string) (webhook.Message, error)
	MessageList(ctx context.Context, p MessageListParams) ([]webhook.Message, error)
	MessageExpungeContent(ctx context.Context, appID, msgID string) error
	// MessageImport writes messages with their deliveries exactly as given
	// (status, attempt count, next attempt and times), unleased, in one
	// transaction. It is for copying one store into another (`hookline
	// migrate --from`), not for ingest: no routing, no idempotency. It
	// returns ErrConflict if a message ID is taken and ErrNotFound if an
	// app or an endpoint (of the message's app) does not exist; either way
	// nothing is written.
	MessageImport(ctx context.Context, items []MessageImport) error

	// DeliveryListByMessage lists a message's deliveries (Svix's "attempted
	// destinations"), ordered by endpoint ID.
	DeliveryListByMessage(ctx context.Context, p DeliveryListByMessageParams) ([]DeliveryWithEndpoint, error)
	// DeliveryListByEndpoint lists an endpoint's deliveries with their
	// messages (Svix's "attempted messages"), newest message first.
	DeliveryListByEndpoint(ctx context.Context, p DeliveryListByEndpointParams) ([]DeliveryWithMessage, error)
	// DeliveryClaim leases deliveries that are due (next attempt time
	// passed) and not leased, or whose lease expired. Each claim gets a new
	// lease token; only the holder of the current token can record.
	DeliveryClaim(ctx context.Context, p DeliveryClaimParams) ([]Claim, error)
	// DeliveryRecordBatch writes attempt outcomes in one transaction. An
	// outcome whose lease token is no longer current is fenced: its attempt
	// row is kept, but the delivery's state is not touched. It returns
	// whether each outcome was applied.
	DeliveryRecordBatch(ctx context.Context, outcomes []Outcome) ([]bool, error)
	// WriteBatch is MessageCreateBatch and DeliveryRecordBatch in one
	// transaction, with the same per-item results: the engine's writer
	// commits all that both have queued at once, one commit (and fsync)
	// however the mix of new messages and outcomes runs.
	WriteBatch(ctx context.Context, items []MessageCreate, outcomes []Outcome) (itemErrs []error, applied []bool, err error)
	// DeliveryResend makes a finished or waiting delivery due now with a new
	// lease for the caller, counting as a manual trigger. ErrNotFound when
	// the message was never routed to the endpoint: there is no delivery
	// to send again.
	DeliveryResend(ctx context.Context, p DeliveryResendParams) (Claim, error)
	// MessageExpungeAll drops the payload of every message of an app that
	// still has one, as MessageExpungeContent does one, and returns how
	// many it dropped. It works in transactions of at most WakeChunk
	// messages, so a large app never holds the writer long.
	MessageExpungeAll(ctx context.Context, p MessageExpungeAllParams) (int, error)
	// MessagePurge is the server's retention: it deletes, with their
	// deliveries and attempts, the messages created before p.Before none
	// of whose deliveries is unfinished (pending or retrying: those are
	// kept, whatever their age, with their payload; only the response
	// bodies of their attempts made before p.Before are replaced with
	// webhook.ExpungedResponse). It looks at no more than p.Limit messages
	// after p.After in ID order, in one transaction, and returns how many
	// it deleted and the last ID it looked at, "" once no message older
	// than p.Before is left after p.After: the caller pauses and calls
	// again from there, so a purge never holds the writer long.
	MessagePurge(ctx context.Context, p MessagePurgeParams) (deleted int, last string, err error)
	// MessagePayloadExpire drops the payload (as MessageExpungeContent
	// does) of at most p.Limit messages whose PayloadExpiresAt is at or
	// before p.Now and none of whose deliveries is unfinished, in one
	// transaction, and returns how many.
	MessagePayloadExpire(ctx context.Context, p MessagePayloadExpireParams) (int, error)
	// DeliveryReplay gives the endpoint a delivery, due now and counting as
	// a manual trigger, of each message of its app created in [Since,
	// Until) that it would receive now (Endpoint.Receives), whose content
	// is kept, and that it has none of (Svix's replay-missing: what was
	// sent before is not sent again). It returns how many it created; it
	// works through the messages in chunks of its own transactions, so a
	// long window never holds the writer long. ErrNotFound for no such
	// endpoint in the app.
	DeliveryReplay(ctx context.Context, p DeliveryReplayParams) (int, error)
	// DeliveryRecover makes an endpoint's failed deliveries created in
	// [Since, Until) due now again, their next attempt a manual trigger
	// (Claim.Trigger), whichever node claims them. It returns how many.
	DeliveryRecover(ctx context.Context, p DeliveryRecoverParams) (int, error)
	// DeliveryWakeEndpoint makes an endpoint's waiting deliveries (pending
	// or retrying, not leased, due later than now) due now, and returns how
	// many. It works in transactions of at most WakeChunk deliveries, so a
	// large backlog does not hold the writer. The engine calls it when a
	// resting endpoint answers again, so its backlog goes out at once.
	DeliveryWakeEndpoint(ctx context.Context, endpointID string, now time.Time) (int, error)
	// DeliveryReleaseLeases drops the leases held by owner (every lease when
	// owner is empty), so their deliveries are due again. SQLite calls it at
	// start: one process owns the file, so every lease is a dead one's.
	DeliveryReleaseLeases(ctx context.Context, owner string) error
	// DeliveryNextDue returns the earliest next attempt time among unleased
	// pending deliveries, or ok=false when there is none.
	DeliveryNextDue(ctx context.Context) (t time.Time, ok bool, err error)
	// DeliveryPendingCount counts the unfinished deliveries (pending or
	// retrying, in flight or waiting), but stops at p.Limit: the status
	// page's backlog needs no exact figure past it, and a count that stops
	// reads at most Limit entries of the index of due deliveries.
	DeliveryPendingCount(ctx context.Context, p DeliveryPendingCountParams) (int, error)

	AttemptGet(ctx context.Context, appID, msgID, attemptID string) (webhook.Attempt, error)
	AttemptList(ctx context.Context, p AttemptListParams) ([]webhook.Attempt, error)
	// AttemptExpungeContent replaces the response body an attempt kept
	// with webhook.ExpungedResponse, as Svix does.
	AttemptExpungeContent(ctx context.Context, appID, msgID, attemptID string) error

	IdempotencyGet(ctx context.Context, key string) (Idempotency, error)
	// IdempotencyPut stores a key for a request that created nothing (an
	// action such as resend); ErrIdempotencyKeyUsed if it exists.
	IdempotencyPut(ctx context.Context, rec Idempotency) error

	// TokenCreate stores a token (its hash, never the secret);
	// ErrConflict if its ID or hash exists, ErrNotFound if its app does
	// not.
	TokenCreate(ctx context.Context, tok webhook.Token) error
	// TokenGetByHash finds a token by the SHA-256 hash of its secret,
	// expired or not (expiry is the caller's check, with its clock).
	TokenGetByHash(ctx context.Context, hash []byte) (webhook.Token, error)
	// TokenList returns the tokens (admin and app-portal, expired or not)
	// ordered by ID. Tokens are few: a handful of admin tokens and the
	// live portal sessions, so it does not page.
	TokenList(ctx context.Context, p TokenListParams) ([]webhook.Token, error)
	// TokenRevoke deletes one token by ID (ErrNotFound if there is none),
	// or every admin token of some kinds, and returns how many it deleted.
	// A revoked token is refused at once on this node, and within the
	// API's token cache lifetime on the others.
	TokenRevoke(ctx context.Context, p TokenRevokeParams) (int, error)
	// TokenExpire makes every app-portal token of an app expire at At, or
	// keep its earlier expiry, and returns how many it changed (Svix's
	// expire-all). Like a revocation, it holds on other nodes within the
	// API's token cache lifetime.
	TokenExpire(ctx context.Context, p TokenExpireParams) (int, error)
	// TokenMarkUsed records when a token was last used. The API calls it
	// at most about once a minute per token, never per request.
	TokenMarkUsed(ctx context.Context, p TokenMarkUsedParams) error
	// TokenAdminExists reports whether any admin token is stored, so the
	// server knows whether to generate the bootstrap token.
	TokenAdminExists(ctx context.Context) (bool, error)

	// ServerKeyEnsure returns the key stored under Name, storing New there
	// first if there is none, so that every node sharing the database
	// uses the first key any of them made.
	ServerKeyEnsure(ctx context.Context, p ServerKeyEnsureParams) ([]byte, error)
	// SessionEnd records that a browser session was signed out, until
	// it would have expired, and forgets the ended sessions whose expiry
	// passed before p.Now.
	SessionEnd(ctx context.Context, p SessionEndParams) error
	// SessionEnded reports whether a browser session was signed out.
	SessionEnded(ctx context.Context, id string) (bool, error)

	// The request inspector's bins and captures (inspector.go).
	Bins
}

// ServerKeyEnsureParams names a server key and the value to store if it
// is missing (random bytes the caller made). New must not be empty.
type ServerKeyEnsureParams struct {
	Name string
	New  []byte
}

// TokenListParams selects the tokens TokenList returns.
type TokenListParams struct {
	// AdminOnly leaves app-portal tokens out.
	AdminOnly bool
}

// TokenRevokeParams names the tokens TokenRevoke deletes: the one with ID,
// or, when ID is empty, every admin token whose kind is in Kinds but the
// one with KeepID. One of ID and Kinds must be set.
type TokenRevokeParams struct {
	ID     string
	Kinds  []webhook.TokenKind
	KeepID string
}

// TokenExpireParams expires an app's portal tokens at At.
type TokenExpireParams struct {
	AppID string
	At    time.Time
}

// TokenMarkUsedParams records that token ID was used at At.
type TokenMarkUsedParams struct {
	ID string
	At time.Time
}

// AppCreateParams creates an app; ErrConflict if its UID is taken.
type AppCreateParams struct {
	App         webhook.App
	Idempotency *Idempotency
}

// AppListParams lists apps by ID.
type AppListParams struct {
	Page Page
}

// EventTypeCreateParams creates an event type; ErrConflict if the name
// exists (archived or not).
type EventTypeCreateParams struct {
	EventType   webhook.EventType
	Idempotency *Idempotency
}

// EventTypeListParams lists event types by name.
type EventTypeListParams struct {
	Page            Page
	IncludeArchived bool
	// FlagsSeen, when set, keeps the event types without a feature flag
	// and those whose flag it holds (an app-portal token's view).
	FlagsSeen *[]string
}

// EventTypeDeleteParams archives an event type, or with Expunge removes it.
type EventTypeDeleteParams struct {
	Name    string
	Expunge bool
}

// EndpointCreateParams creates an endpoint; ErrConflict if its UID is
// taken within the app.
type EndpointCreateParams struct {
	Endpoint    webhook.Endpoint
	Idempotency *Idempotency
}

// EndpointListParams lists an app's endpoints by ID. A zero Page.Limit
// lists them all (the routing index loads them so).
type EndpointListParams struct {
	AppID string
	Page  Page
}

// EndpointDeliveryOptionsSetParams replaces one endpoint's delivery
// options; the zero Options are the defaults (stored as NULL).
type EndpointDeliveryOptionsSetParams struct {
	AppID      string
	EndpointID string
	Options    webhook.DeliveryOptions
	UpdatedAt  time.Time
}

// EndpointStatsParams counts an endpoint's deliveries created in
// [Since, Until); zero times leave that side open.
type EndpointStatsParams struct {
	AppID      string
	EndpointID string
	Since      time.Time
	Until      time.Time
}

// SealChunk is how many endpoints one transaction of EndpointSecretsSeal
// changes at most.
const SealChunk = 500

// EndpointSecretsSealParams tunes EndpointSecretsSeal.
type EndpointSecretsSealParams struct {
	// Progress, when set, is called after each transaction with the
	// endpoints sealed so far and the total found at the start.
	Progress func(done, total int)
}

// EndpointHealthListParams names the endpoints whose health to read.
type EndpointHealthListParams struct {
	AppID       string
	EndpointIDs []string
}

// EndpointHealthFailingParams bounds EndpointHealthFailing.
type EndpointHealthFailingParams struct {
	Limit int
}

// DeliveryPendingCountParams bounds DeliveryPendingCount.
type DeliveryPendingCountParams struct {
	Limit int
	// DueBy, when set, counts only the deliveries due by then and not
	// leased (or leased by a lapsed lease): those a claim at DueBy could
	// take, the endpoint's disabled state aside.
	DueBy time.Time
}

// EndpointDisabledCountParams bounds EndpointDisabledCount.
type EndpointDisabledCountParams struct {
	Limit int
}

// WakeChunk is how many deliveries one transaction of
// DeliveryWakeEndpoint changes at most.
const WakeChunk = 1000

// MessageCreate is one message of a group commit with the deliveries the
// routing index chose for it.
type MessageCreate struct {
	Message     webhook.Message
	Deliveries  []webhook.Delivery
	Lease       Lease // the lease the ingesting node takes on the deliveries
	Idempotency *Idempotency
	// Inbound, when set, is the received request that caused the message
	// (a source's forward), stored in the same transaction, before the
	// message: a provider's retry (ErrDuplicate) leaves nothing of the
	// item. When a request causes several messages, one item carries it,
	// with all their IDs in MessageIDs.
	Inbound *inbound.Request
	// PayloadExpiresAt, when set, is when the message's payload goes
	// (Svix's payloadRetentionPeriod): MessagePayloadExpire drops it then,
	// once no delivery of the message is unfinished. Nil leaves the
	// payload to the server's retention (MessagePurge).
	PayloadExpiresAt *time.Time
}

// MessageImport is one message of MessageImport with its deliveries. Each
// delivery's MsgID and AppID must be the message's.
type MessageImport struct {
	Message    webhook.Message
	Deliveries []webhook.Delivery
}

// Lease is a claim on deliveries: the owner node, its fencing token and
// when it lapses.
type Lease struct {
	Owner     string
	Token     int64
	ExpiresAt time.Time
}

// MessageListParams lists an app's messages, newest first by default.
type MessageListParams struct {
	AppID       string
	Page        Page
	Since       time.Time // created at or after; zero: open
	Until       time.Time // created before; zero: open
	EventTypes  []string  // empty: all
	Channel     string    // empty: all
	Tag         string    // empty: all; else messages with this tag
	IDs         []string  // empty: all; else these messages only
	WithContent bool      // false: Payload left nil to save I/O
	// KeysOnly reads each message's ID and AppID alone, the rest left
	// zero, from the (app, ID) index without the table: for finding where
	// a window of many messages ends. WithContent is then ignored.
	KeysOnly bool
}

// DeliveryWithEndpoint is a delivery and the endpoint it goes to.
type DeliveryWithEndpoint struct {
	Delivery webhook.Delivery
	Endpoint webhook.Endpoint
}

// DeliveryWithMessage is a delivery and the message it carries.
type DeliveryWithMessage struct {
	Delivery webhook.Delivery
	Message  webhook.Message
}

// DeliveryListByMessageParams pages a message's deliveries by endpoint ID.
type DeliveryListByMessageParams struct {
	AppID string
	MsgID string
	Page  Page
}

// DeliveryListByEndpointParams pages an endpoint's deliveries by message ID.
type DeliveryListByEndpointParams struct {
	AppID       string
	EndpointID  string
	Page        Page
	Status      *webhook.MessageStatus
	Channel     string
	Tag         string // empty: all; else messages with this tag
	EventTypes  []string
	Since       time.Time
	Until       time.Time
	WithContent bool
}

// DeliveryClaimParams claims up to Limit due deliveries for Lease.Owner.
type DeliveryClaimParams struct {
	Now   time.Time
	Limit int
	Lease Lease // Token is ignored: each claim row gets a fresh token
}

// Claim is a leased delivery with what a sender needs: the message (with
// its payload) and the endpoint's ID. The sender looks the endpoint up in
// its own index.
type Claim struct {
	Delivery webhook.Delivery
	Message  webhook.Message
	Lease    Lease
	// Trigger is why the attempt is made: Manual after a resend or a
	// recovery (until an attempt is recorded), else Scheduled.
	Trigger webhook.TriggerType
}

// Outcome is the result of one attempt, recorded under Lease.Token.
type Outcome struct {
	Attempt webhook.Attempt
	Token   int64
	// Status is the delivery's new state: Success, Sending (retry at
	// NextAttemptAt) or Fail (exhausted).
	Status        webhook.MessageStatus
	NextAttemptAt *time.Time
	// DisableEndpoint marks the endpoint disabled in the same transaction
	// (a 410 Gone from the receiver).
	DisableEndpoint bool
	// Postpone says no attempt was made (the endpoint's circuit is open):
	// the delivery keeps its status and attempt count, is due again at
	// NextAttemptAt, and its lease is released. No attempt row is written;
	// Attempt names the delivery (MsgID, EndpointID, AppID) and the time
	// (CreatedAt) only.
	Postpone bool
}

// DeliveryResendParams resends a message to one endpoint.
type DeliveryResendParams struct {
	AppID      string
	MsgID      string
	EndpointID string
	Now        time.Time
	Lease      Lease
}

// MessageExpungeAllParams names the app whose message contents go.
type MessageExpungeAllParams struct {
	AppID string
}

// MessagePurgeParams is one step of the retention purge.
type MessagePurgeParams struct {
	Before time.Time // messages created before it go
	After  string    // the last ID the step before looked at; "" first
	Limit  int       // the most messages looked at
}

// MessagePayloadExpireParams is one step of the payload retention.
type MessagePayloadExpireParams struct {
	Now   time.Time
	Limit int
}

// DeliveryReplayParams replays an app's messages to Endpoint.
type DeliveryReplayParams struct {
	Endpoint webhook.Endpoint // routes as it does now: filter, channels, disabled
	Since    time.Time
	Until    time.Time // zero: now
	Now      time.Time
}

// DeliveryRecoverParams re-queues an endpoint's failed deliveries.
type DeliveryRecoverParams struct {
	AppID      string
	EndpointID string
	Since      time.Time
	Until      time.Time // zero: now
	Now        time.Time
}

// AttemptListParams lists attempts by message, endpoint or both, newest
// first by default.
type AttemptListParams struct {
	AppID      string
	MsgID      string // empty: any
	EndpointID string // empty: any
	Page       Page
	Status     *webhook.MessageStatus
	// StatusCodeClass, when set, keeps attempts whose response status code
	// is in [class, class+99]: 0 (no response), 100, 200, 300, 400 or 500,
	// as Svix's status_code_class filter.
	StatusCodeClass *int
	Since           time.Time
	Until           time.Time
	EventTypes      []string
	Channel         string
	Tag             string // empty: all; else attempts of messages with this tag
}

// SessionEndParams is a browser session signed out: its ID, and when it
// would have expired.
type SessionEndParams struct {
	ID      string
	Expires time.Time
	Now     time.Time
}
