// Package receive answers a source's inbound URL, /in/{token}[/...]: it
// finds the source by its token, reads the request within the source's
// limits, verifies it, and stores it raw in the same group commit as the
// message it forwards, answering the sender only once that commit is
// durable. A request that fails verification is stored too (marked, with
// the reason, for the operator to see) and answered 401; a provider's
// retry of a delivery already stored is answered as the first was, and
// forwards nothing.
package receive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/inbound/verify"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Prefix is the path the handler answers below; the request inspector's
// catch URLs (/in/bin/) are another handler's.
const Prefix = "/in/"

// DefaultReadTimeout bounds the reading of one request's body: a sender
// that trickles or never ends its body is cut, and its request is not
// stored.
const DefaultReadTimeout = 30 * time.Second

// Store is what receiving reads and writes besides the engine's commit.
type Store interface {
	SourceGetByTokenHash(ctx context.Context, hash []byte) (inbound.Source, error)
	InboundRequestCreate(ctx context.Context, req inbound.Request) error
	InboundRequestList(ctx context.Context, p store.InboundRequestListParams) ([]inbound.Request, error)
}

// Engine commits a forwarded request with its message and delivers it.
type Engine interface {
	Publish(ctx context.Context, p delivery.PublishParams) error
}

// Config is the handler's dependencies.
type Config struct {
	Store  Store
	Engine Engine
	Logger *slog.Logger // default: discard
	// ReadTimeout bounds reading one body; default DefaultReadTimeout.
	ReadTimeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Counted, when set, is told how each request was answered: one of
	// the Result values (metrics count them). It must return at once.
	Counted func(result string)
}

// The results Config.Counted is told of: a fixed set, so a metric
// labelled with them stays small.
const (
	ResultVerified         = "verified"  // verified and stored (and forwarded)
	ResultDuplicate        = "duplicate" // a provider's retry of a request already stored
	ResultRefused          = "refused"   // failed verification, stored for the operator
	ResultNotFound         = "not_found"
	ResultMethodNotAllowed = "method_not_allowed"
	ResultRateLimited      = "rate_limited"
	ResultTooLarge         = "too_large"
	ResultBadRequest       = "bad_request" // the body could not be read, or took too long
	ResultUnavailable      = "unavailable" // the store failed
)

// Handler answers the inbound URLs. Create it with New.
type Handler struct {
	store       Store
	engine      Engine
	logger      *slog.Logger
	readTimeout time.Duration
	now         func() time.Time
	counted     func(string)

	sources sourceCache

	mu       sync.Mutex
	limiters map[string]*sourceLimiter
}

// sourceLimiter is a source's rate limiter, made anew when the source's
// limit changes.
type sourceLimiter struct {
	perSecond int
	limiter   *rate.Limiter
}

// New checks cfg and returns the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Engine == nil {
		return nil, errors.New("receive: Store and Engine are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Handler{
		store: cfg.Store, engine: cfg.Engine, logger: cfg.Logger,
		readTimeout: cfg.ReadTimeout, now: cfg.Now, counted: cfg.Counted,
		limiters: map[string]*sourceLimiter{},
	}, nil
}

// ServeHTTP receives one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, suffix := splitPath(r.URL.EscapedPath())
	if !strings.HasPrefix(token, inbound.TokenPrefix) {
		h.count(ResultNotFound)
		notFound(w)
		return
	}
	src, err := h.sources.get(r.Context(), webhook.HashToken(token), h.now(), h.store.SourceGetByTokenHash)
	if errors.Is(err, store.ErrNotFound) {
		h.count(ResultNotFound)
		notFound(w)
		return
	}
	if err != nil {
		h.unavailable(w, r, "find source", err)
		return
	}
	src = src.WithDefaults()
	if !src.Allows(r.Method) {
		h.count(ResultMethodNotAllowed)
		w.Header().Set("Allow", strings.Join(src.Methods, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed",
			fmt.Sprintf("This URL accepts %s.", strings.Join(src.Methods, ", ")))
		return
	}
	if wait, ok := h.allow(src); !ok {
		h.count(ResultRateLimited)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "Too many requests to this URL; retry after the time in Retry-After.")
		return
	}
	body, status, err := h.readBody(w, r, src.BodyLimit)
	if err != nil {
		code, detail, result := "bad_request", "The request body could not be read.", ResultBadRequest
		switch status {
		case http.StatusRequestEntityTooLarge:
			code, detail, result = "payload_too_large", fmt.Sprintf("The body is larger than this URL's limit of %d bytes.", src.BodyLimit), ResultTooLarge
		case http.StatusRequestTimeout:
			code, detail = "request_timeout", "The body took too long to arrive."
		}
		h.count(result)
		writeError(w, status, code, detail)
		return
	}

	now := h.now()
	req := inbound.Request{
		ID:         webhook.NewID(webhook.PrefixInboundRequest, now),
		SourceID:   src.ID,
		Method:     r.Method,
		Path:       suffix,
		Query:      r.URL.RawQuery,
		Header:     r.Header.Clone(),
		Body:       body,
		RemoteAddr: r.RemoteAddr,
		ReceivedAt: now,
	}
	vreq := req.VerifyRequest()
	result := verify.Verify(src.Verify, vreq, now)
	req.Verified = result.OK
	if !result.OK {
		req.Reason = result.Reason
		if err := h.store.InboundRequestCreate(r.Context(), req); err != nil {
			h.unavailable(w, r, "store a refused request", err)
			return
		}
		h.count(ResultRefused)
		writeError(w, http.StatusUnauthorized, "verification_failed", "The request failed this URL's verification; it was recorded for the operator.")
		return
	}
	req.DeliveryID = verify.DeliveryID(vreq)

	err = h.forward(r.Context(), src, req)
	outcome := ResultVerified
	if errors.Is(err, store.ErrDuplicate) {
		outcome = ResultDuplicate
		// A provider's retry of a delivery already stored: kept, marked
		// as such and forwarding nothing, and answered as the first was,
		// so the provider stops retrying.
		err = h.keepRetry(r.Context(), req)
	}
	if err != nil {
		h.unavailable(w, r, "store a request", err)
		return
	}
	h.count(outcome)
	h.answer(w, src.Response)
}

// count tells Config.Counted of a request's result.
func (h *Handler) count(result string) {
	if h.counted != nil {
		h.counted(result)
	}
}

// forward stores req and what it causes, in one commit: a message of the
// source's app, or of its destinations' app (the body as it came, the
// chosen headers), or req alone when the source forwards nowhere (or its
// event type cannot be read from the request: kept, with the reason).
func (h *Handler) forward(ctx context.Context, src inbound.Source, req inbound.Request) error {
	if src.Forward.ToDestinations() {
		return h.publish(ctx, src.Forward.DestinationMessage(req), req, "destinations")
	}
	if app := src.Forward.App; app != nil {
		eventType, err := eventTypeOf(*app, req)
		if err == nil {
			msg := webhook.Message{
				ID:        webhook.NewID(webhook.PrefixMessage, req.ReceivedAt),
				AppID:     app.AppID,
				EventType: eventType,
				Payload:   payloadOf(req),
				CreatedAt: req.ReceivedAt,
			}
			return h.publish(ctx, msg, req, "app "+app.AppID)
		}
		req.Reason = "not forwarded: " + err.Error()
	}
	if err := h.store.InboundRequestCreate(ctx, req); err != nil {
		return fmt.Errorf("store request: %w", err)
	}
	return nil
}

// publish commits req with msg, the message it becomes, in one group
// commit, and hands msg to the engine.
func (h *Handler) publish(ctx context.Context, msg webhook.Message, req inbound.Request, to string) error {
	req.MessageIDs = []string{msg.ID}
	if err := h.engine.Publish(ctx, delivery.PublishParams{Message: msg, Inbound: &req}); err != nil {
		return fmt.Errorf("forward to %s: %w", to, err)
	}
	return nil
}

// keepRetry stores req, a retry of a delivery already received, as a
// duplicate of the request that first brought it.
func (h *Handler) keepRetry(ctx context.Context, req inbound.Request) error {
	first, err := h.store.InboundRequestList(ctx, store.InboundRequestListParams{
		SourceID: req.SourceID, DeliveryID: req.DeliveryID, VerifiedOnly: true,
		Page: store.Page{Limit: 1, Order: store.Ascending},
	})
	if err != nil {
		return fmt.Errorf("find the first request of delivery %q: %w", req.DeliveryID, err)
	}
	if len(first) == 1 {
		req.DuplicateOf = first[0].ID
	}
	req.MessageIDs = nil
	if err := h.store.InboundRequestCreate(ctx, req); err != nil && !errors.Is(err, store.ErrDuplicate) {
		return fmt.Errorf("store a retry: %w", err)
	}
	return nil
}

// allow takes a token from src's rate limiter, or says how long to wait.
func (h *Handler) allow(src inbound.Source) (time.Duration, bool) {
	if src.RateLimit <= 0 {
		return 0, true
	}
	h.mu.Lock()
	l := h.limiters[src.ID]
	if l == nil || l.perSecond != src.RateLimit {
		l = &sourceLimiter{perSecond: src.RateLimit, limiter: rate.NewLimiter(rate.Limit(src.RateLimit), src.RateLimit)}
		h.limiters[src.ID] = l
	}
	h.mu.Unlock()
	res := l.limiter.ReserveN(h.now(), 1)
	if delay := res.DelayFrom(h.now()); delay > 0 {
		res.CancelAt(h.now())
		return delay, false
	}
	return 0, true
}

// readBody reads r's body up to limit bytes within the read timeout; the
// status says why it failed (413 past the limit, 408 too slow, 400).
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, int, error) {
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, errors.New("body over the limit")
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(h.readTimeout))
	defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return body, 0, nil
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, http.StatusRequestEntityTooLarge, err
	}
	if isTimeout(err) {
		return nil, http.StatusRequestTimeout, err
	}
	return nil, http.StatusBadRequest, err
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// answer writes the source's configured response.
func (h *Handler) answer(w http.ResponseWriter, resp inbound.Response) {
	w.Header().Set("Content-Type", resp.ContentType)
	w.WriteHeader(resp.Status)
	_, _ = io.WriteString(w, resp.Body)
}

// unavailable logs err and answers 503, so the sender retries: nothing
// was stored, or the store cannot say.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.count(ResultUnavailable)
	h.logger.ErrorContext(r.Context(), "inbound request", "step", what, "err", err)
	w.Header().Set("Retry-After", "5")
	writeError(w, http.StatusServiceUnavailable, "unavailable", "The request could not be stored right now; retry later.")
}

// splitPath splits /in/{token}[/rest] into the token and the rest ("" or
// starting with "/"), kept escaped as sent.
func splitPath(p string) (token, suffix string) {
	rest := strings.TrimPrefix(p, Prefix)
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i], rest[i:]
	}
	return rest, ""
}

func notFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "not_found", "There is no inbound URL here.")
}

func writeError(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	}{code, detail})
}
