// Package api serves Hookline's HTTP API: the Svix API v1 (so the official
// Svix SDKs work unchanged) and Hookline's own resources under /api/v1/.
// Handlers call the store or the delivery engine directly; routes.go lists
// every route, errors.go maps every error to one JSON shape.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/openapi"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Engine is what the API needs from the delivery engine.
type Engine interface {
	// Publish routes a message to its app's endpoints (or to OnlyEndpoint),
	// commits it with its deliveries in a group commit and dispatches them.
	// It returns only after the commit. Store errors come back wrapped:
	// store.ErrConflict (eventId reused), store.ErrIdempotencyKeyUsed,
	// store.ErrUnavailable.
	Publish(ctx context.Context, p delivery.PublishParams) error
	// Resend attempts a message again to one endpoint, now.
	Resend(ctx context.Context, appID, msgID, endpointID string) error
	// Recover re-queues an endpoint's failed deliveries in a time window.
	Recover(ctx context.Context, p store.DeliveryRecoverParams) (int, error)
	// ReplayMissing gives an endpoint the deliveries it lacks of its
	// app's messages in a time window, due now.
	ReplayMissing(ctx context.Context, p store.DeliveryReplayParams) (int, error)
	// EndpointsChanged tells the routing index that an app's endpoints
	// were created, changed or deleted.
	EndpointsChanged(appID string)
	// Ping sends a signed hookline.ping request to an endpoint now and
	// records the result in its health; delivery.ErrPingInFlight while
	// another ping to it waits for its answer.
	Ping(ctx context.Context, appID, endpointID string) (delivery.PingResult, error)
	// EndpointEvent reports a committed change to an endpoint for the
	// operational events; it never blocks, and does nothing without an
	// operational app.
	EndpointEvent(ev delivery.EndpointEvent)
	// PreviewRequest builds the request an attempt to ep would make at
	// now, without sending it; the error is a body that cannot be built.
	PreviewRequest(ctx context.Context, ep webhook.Endpoint, msg webhook.Message, now time.Time) (send.Request, error)
}

// Config is the API's dependencies and settings.
type Config struct {
	Store  store.Store
	Engine Engine
	Logger *slog.Logger
	// MaxBodyBytes is the largest request body accepted; larger get 413.
	// Default 1 MiB.
	MaxBodyBytes int64
	// BaseURL is the server's external URL, used in app-portal links.
	BaseURL string
	// RetrySchedule is the server's retry schedule: an endpoint's
	// retries default to its length (delivery options).
	RetrySchedule []time.Duration
	// RequestTimeout is the server's limit of one attempt: the default
	// and the longest timeout an endpoint may set. Default 15s.
	RequestTimeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// PageContentBytes is the most payload bytes one page of a list
	// with content shows (but always one row); a page that would pass it
	// is cut short. Default DefaultPageContentBytes.
	PageContentBytes int64
	// ContentInFlight bounds what all the lists with content hold at
	// once (see contentGate). Default DefaultContentInFlight.
	ContentInFlight int64
	// Captures wakes the inspector's follow streams after each capture
	// commits: give the catch URLs' hub. Default: a hub of its own, which
	// nothing wakes, so streams read again at each heartbeat only.
	Captures *inspector.Hub
	// Replay sends captured requests again (the inspector's replay): give
	// the server's delivery client, with its SSRF guard. Default: a
	// guarded client of its own.
	Replay *send.Client
	// Auth resolves tokens. Give the one the dashboard uses too, so that
	// a revocation through either is forgotten by both at once. Default:
	// the API's own, over Store.
	Auth *auth.Authenticator
}

// API is the HTTP API. Create it with New.
type API struct {
	store   store.Store
	engine  Engine
	logger  *slog.Logger
	maxBody int64
	baseURL string
	clock   func() time.Time
	authn   *auth.Authenticator
	// endpoints is the one write path of endpoint changes.
	endpoints *endpoint.Writer
	content   *contentGate
	// unsupported are the SDK calls answered "not supported" by name.
	unsupported []openapi.Operation

	retrySchedule  []time.Duration
	requestTimeout time.Duration

	captures *inspector.Hub
	replay   *send.Client
	// done is closed by Close: the follow streams end.
	done      chan struct{}
	closeOnce sync.Once
}

// New checks cfg and returns the API.
func New(cfg Config) (*API, error) {
	if cfg.Store == nil || cfg.Engine == nil {
		return nil, errors.New("api: Store and Engine are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = send.DefaultTimeout
	}
	authn := cfg.Auth
	if authn == nil {
		var err error
		if authn, err = auth.New(auth.Config{Store: cfg.Store, Logger: cfg.Logger, Now: cfg.Now}); err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
	}
	endpoints, err := endpoint.New(cfg.Store, cfg.Engine)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	if cfg.Captures == nil {
		cfg.Captures = inspector.NewHub()
	}
	if cfg.Replay == nil {
		if cfg.Replay, err = send.NewClient(send.Config{Timeout: cfg.RequestTimeout}); err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
	}
	unsupported, err := openapi.Unsupported()
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	return &API{
		unsupported:    unsupported,
		retrySchedule:  cfg.RetrySchedule,
		requestTimeout: cfg.RequestTimeout,
		store:          cfg.Store,
		engine:         cfg.Engine,
		logger:         cfg.Logger,
		maxBody:        cfg.MaxBodyBytes,
		baseURL:        cfg.BaseURL,
		clock:          cfg.Now,
		authn:          authn,
		endpoints:      endpoints,
		content:        newContentGate(cfg.PageContentBytes, cfg.ContentInFlight, cfg.MaxBodyBytes),
		captures:       cfg.Captures,
		replay:         cfg.Replay,
		done:           make(chan struct{}),
	}, nil
}

// Close ends the long responses (the inspector's follow streams); the
// server registers it with http.Server.RegisterOnShutdown, as Shutdown
// waits for responses to end.
func (a *API) Close() {
	a.closeOnce.Do(func() { close(a.done) })
}

// now is the current time in UTC, truncated to the millisecond that the
// stores keep, so what the API answers equals what it later reads back.
func (a *API) now() time.Time {
	return a.clock().UTC().Truncate(time.Millisecond)
}

// Handler returns the API's routes with authentication applied.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	a.routes(mux)
	return a.serve(mux)
}

// newMuxForTest builds the routes with the /api/ catch-all; tests use it
// to inspect patterns.
func newMuxForTest(a *API) *http.ServeMux {
	mux := http.NewServeMux()
	a.routes(mux)
	a.serve(mux)
	return mux
}
