// Package catch receives the requests sent to inspector bins at their
// catch URLs, /in/bin/{token}[/any/path]: any method, any path below the
// token, the body read up to a limit, stored raw before the answer, then
// the bin's configured answer. It also purges what bins no longer keep
// (their last N, their retention) in the background.
package catch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Prefix is the path every catch URL starts with.
const Prefix = "/in/bin/"

// Store is what the catch URLs need of the store.
type Store interface {
	BinGetByTokenHash(ctx context.Context, hash []byte) (inspector.Bin, error)
	BinList(ctx context.Context, p store.BinListParams) ([]inspector.Bin, error)
	CaptureCreate(ctx context.Context, p store.CaptureCreateParams) error
	CapturePurge(ctx context.Context, p store.CapturePurgeParams) (int, error)
}

// Defaults of Config.
const (
	// DefaultTrimEvery: one capture in 16, at random, trims its bin to
	// its Keep, so the count runs past Keep by a few captures at most
	// (the purge trims the rest) while most captures cost one INSERT.
	DefaultTrimEvery = 16
	// DefaultPurgeInterval is how often every bin is purged of captures
	// past its retention and its Keep.
	DefaultPurgeInterval = 10 * time.Minute
	// purgeChunk bounds one purge transaction; purgeRounds the rounds
	// per bin and interval, so a purge never holds the writer long.
	purgeChunk  = 1000
	purgeRounds = 10
)

// Config is the catcher's dependencies and settings.
type Config struct {
	Store Store
	// Hub is told of each capture after it commits.
	Hub    *inspector.Hub
	Logger *slog.Logger
	// BodyLimit is the most body bytes read; a longer body is answered
	// 413 and nothing is stored. Default inspector.DefaultBodyLimit.
	BodyLimit int64
	// TrimEvery: one capture in TrimEvery, at random, trims its bin.
	// Default DefaultTrimEvery; 1 trims at every capture.
	TrimEvery int
	// PurgeInterval is how often Start's loop purges. Default
	// DefaultPurgeInterval.
	PurgeInterval time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Catcher serves the catch URLs. Create it with New.
type Catcher struct {
	cfg       Config
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Catcher, error) {
	if cfg.Store == nil || cfg.Hub == nil {
		return nil, errors.New("catch: Store and Hub are required")
	}
	if cfg.BodyLimit < 0 || cfg.TrimEvery < 0 || cfg.PurgeInterval < 0 {
		return nil, errors.New("catch: negative BodyLimit, TrimEvery or PurgeInterval")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = inspector.DefaultBodyLimit
	}
	if cfg.TrimEvery == 0 {
		cfg.TrimEvery = DefaultTrimEvery
	}
	if cfg.PurgeInterval == 0 {
		cfg.PurgeInterval = DefaultPurgeInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Catcher{cfg: cfg, done: make(chan struct{})}, nil
}

// maxTokenLength bounds what is looked up: a longer token is none of ours.
const maxTokenLength = 128

// ServeHTTP receives one request at a catch URL.
func (c *Catcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The escaped path, so that the path below the token is kept as sent
	// (%2F stays %2F).
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), Prefix)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "Entity not found")
		return
	}
	token, suffix := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		token, suffix = rest[:i], rest[i:]
	}
	if token == "" || len(token) > maxTokenLength || !strings.HasPrefix(token, inspector.TokenPrefix) {
		writeError(w, http.StatusNotFound, "not_found", "Entity not found")
		return
	}
	// One lookup by the token's hash: an unknown token and a deleted bin
	// look the same, and nothing tells how close a guess came.
	bin, err := c.cfg.Store.BinGetByTokenHash(r.Context(), inspector.HashToken(token))
	if err != nil {
		c.storeError(w, r, err)
		return
	}
	if r.ContentLength > c.cfg.BodyLimit {
		writeTooLarge(w, c.cfg.BodyLimit)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, c.cfg.BodyLimit))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			writeTooLarge(w, c.cfg.BodyLimit)
			return
		}
		// The sender went away or stalled past the server's read timeout.
		writeError(w, http.StatusBadRequest, "bad_request", "could not read the request body")
		return
	}
	now := c.cfg.Now().UTC().Truncate(time.Millisecond)
	header := r.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	// Go's server moves Host out of the headers; the sender did send it.
	header["Host"] = []string{r.Host}
	capture := inspector.Capture{
		ID: webhook.NewID(webhook.PrefixCapture, now), BinID: bin.ID,
		Method: r.Method, Path: suffix, Query: r.URL.RawQuery,
		Header: header, Body: body, BodySize: len(body),
		RemoteAddr: r.RemoteAddr, ReceivedAt: now,
	}
	p := store.CaptureCreateParams{Capture: capture}
	if rand.N(c.cfg.TrimEvery) == 0 {
		p.TrimTo = bin.Keep
	}
	// Stored whatever happens to the sender meanwhile: it sent the request.
	if err := c.cfg.Store.CaptureCreate(context.WithoutCancel(r.Context()), p); err != nil {
		c.storeError(w, r, err)
		return
	}
	c.cfg.Hub.Notify(bin.ID)
	c.answer(w, r, bin.Response)
}

// answer waits the bin's delay, cut short when the sender goes or the
// server stops, then writes its answer.
func (c *Catcher) answer(w http.ResponseWriter, r *http.Request, resp inspector.Response) {
	if resp.Delay > 0 {
		t := time.NewTimer(resp.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-c.done:
		}
	}
	h := w.Header()
	for name, value := range resp.Header {
		h.Set(name, value)
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

func (c *Catcher) storeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "Entity not found")
	case errors.Is(err, store.ErrUnavailable):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "unavailable", "The database is unavailable; nothing was stored. Retry later.")
	default:
		c.cfg.Logger.ErrorContext(r.Context(), "catch request", "err", err)
		writeError(w, http.StatusInternalServerError, "server_error", "Internal Server Error")
	}
}

func writeTooLarge(w http.ResponseWriter, limit int64) {
	writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large",
		fmt.Sprintf("The request body is larger than this catch URL's limit of %d bytes; nothing was stored.", limit))
}

// writeError answers {code, detail}, as every part of the server does.
func writeError(w http.ResponseWriter, status int, code, detail string) {
	body := `{"code":` + strconv.Quote(code) + `,"detail":` + strconv.Quote(detail) + `}`
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// Start runs the purge in the background, at once and then every
// PurgeInterval, until Close.
func (c *Catcher) Start() {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-c.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		t := time.NewTicker(c.cfg.PurgeInterval)
		defer t.Stop()
		for {
			c.Purge(ctx)
			select {
			case <-t.C:
			case <-c.done:
				return
			}
		}
	}()
}

// Purge deletes, of every bin, the captures past its retention and past
// its Keep newest, in bounded transactions, and returns how many.
func (c *Catcher) Purge(ctx context.Context) int {
	total := 0
	page := store.Page{Limit: 100, Order: store.Ascending}
	for {
		bins, err := c.cfg.Store.BinList(ctx, store.BinListParams{Page: page})
		if err != nil {
			if ctx.Err() == nil {
				c.cfg.Logger.Warn("purge captures: list bins", "err", err)
			}
			return total
		}
		now := c.cfg.Now()
		for _, b := range bins {
			for range purgeRounds {
				n, err := c.cfg.Store.CapturePurge(ctx, store.CapturePurgeParams{
					BinID: b.ID, Before: now.Add(-b.Retention), Keep: b.Keep, Limit: purgeChunk})
				if err != nil {
					if ctx.Err() == nil {
						c.cfg.Logger.Warn("purge captures", "bin", b.ID, "err", err)
					}
					return total
				}
				total += n
				if n < purgeChunk {
					break
				}
			}
		}
		if len(bins) < page.Limit {
			return total
		}
		page.After = bins[len(bins)-1].ID
	}
}

// Close cuts the answers waiting out a delay short and stops the purge,
// waiting for it to end. Register it with http.Server.RegisterOnShutdown
// (Shutdown waits for the delayed answers) and call it before the store
// closes.
func (c *Catcher) Close() {
	c.closeOnce.Do(func() { close(c.done) })
	c.wg.Wait()
}
