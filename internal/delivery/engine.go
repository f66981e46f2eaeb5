// Package delivery is Hookline's engine: it turns committed messages into
// signed HTTP attempts, at least once, with per-endpoint isolation.
//
// The data flows one way. Publish routes a message through the in-memory
// Index (ingest.go) and the writer (writer.go) group-commits it with its
// deliveries; committed deliveries go straight to the dispatcher
// (dispatch.go), which keeps one queue, concurrency limit and token bucket
// per endpoint and sends through package send. Outcomes go back to the
// writer, which commits them in the same transactions as new messages:
// one fsync for both, however the load is mixed. The poller (poll.go)
// claims due retries and expired leases, so any node can finish any
// delivery. Every write of an outcome is fenced by the lease
// token the attempt was made under.
package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/hookline/hookline/internal/delivery/render"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/store"
)

// Config is the engine's dependencies and settings. Zero values take the
// documented defaults.
type Config struct {
	Store  store.Store
	Client *send.Client
	Logger *slog.Logger
	// NodeID names this process in leases; default: hostname, pid and a
	// random suffix.
	NodeID string
	// RetrySchedule is the delays between attempts after the first one.
	RetrySchedule []time.Duration
	// RequestTimeout bounds one attempt; the lease must outlast it.
	// Default 15s.
	RequestTimeout time.Duration
	// LeaseDuration is how long a claim holds a delivery before another
	// node may take it over. Default 2*RequestTimeout + 30s.
	LeaseDuration time.Duration
	// PollInterval is the longest the poller sleeps between claims of due
	// retries and expired leases. Default 1s.
	PollInterval time.Duration
	// EndpointConcurrency is the most attempts in flight to one endpoint.
	// Default 32.
	EndpointConcurrency int
	// MaxQueuedPerEndpoint bounds one endpoint's in-memory queue; beyond
	// it, deliveries stay in the store until the poller claims them.
	// Default 5000.
	MaxQueuedPerEndpoint int
	// CircuitThreshold is how many consecutive failed attempts open an
	// endpoint's circuit (breaker.go). Default 10.
	CircuitThreshold int
	// CircuitRest is the first rest of an open circuit; it doubles, up to
	// 5 minutes, while the endpoint keeps failing. Default 5s.
	CircuitRest time.Duration
	// Committers is how many group commits may run at once: 1 suits
	// SQLite's single writer; PostgreSQL gains from a few. Default 1.
	Committers int
	// MaxBatch bounds the new messages in one group commit, and the
	// deliveries they create. Default 256.
	MaxBatch int
	// OutcomeBatch bounds the outcomes in one commit of the writer.
	// Default 256.
	OutcomeBatch int
	// ClaimBatch bounds one claim of due deliveries. Default 64: a claim
	// holds SQLite's one writer, and a smaller one lets the requests
	// waiting behind it through sooner; the poller claims again at once
	// while batches come back full.
	ClaimBatch int
	// HeartbeatInterval is how often the node records itself as alive,
	// when the store keeps a node registry (store.NodeRegistry). Default 5s.
	HeartbeatInterval time.Duration
	// NodeLiveWindow: nodes seen within it count as live, and each
	// endpoint's rate limit is split evenly among them. Default 3 times
	// HeartbeatInterval.
	NodeLiveWindow time.Duration
	// HealthFlushInterval is how often the endpoints' health, aggregated
	// in memory from attempt outcomes, is merged into the store: what the
	// health API reads is at most about this old. Default 1s.
	HealthFlushInterval time.Duration
	// OperationalAppID, when set, is the app that receives Hookline's own
	// operational events (endpoint.created, message.attempt.failing, ...)
	// about every other app, as ordinary messages (operational.go).
	OperationalAppID string
	// OperationalQueue bounds the operational events waiting to be
	// published; beyond it they are dropped with a warning. Default 1024.
	OperationalQueue int
	// RenderMemory bounds the memory all template renderings (attempts,
	// pings and previews) hold at once: each waits for its share
	// (render.Gate). Default 128 MiB; at least render.MinGate.
	RenderMemory int64
	// ReleaseLeasesAtStart drops every lease before starting: right for
	// SQLite, where this process alone owns the database file.
	ReleaseLeasesAtStart bool
	// Observers are told what the engine does (observe.go), after the
	// engine's own health and operational events observers.
	Observers []Observer
	// Tracer, when set, makes spans of the ingest commits and of each
	// attempt (trace.go). Nil: tracing is off and costs nothing.
	Tracer trace.Tracer
	// PropagateTrace sends each attempt's traceparent to the receiver
	// (--trace-propagation); without a Tracer, nothing is sent.
	PropagateTrace bool
	// Now and Rand are the clock and the jitter source.
	Now  func() time.Time
	Rand func() float64
}

func (c *Config) setDefaults() error {
	if c.Store == nil || c.Client == nil {
		return errors.New("delivery: Store and Client are required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.NodeID == "" {
		c.NodeID = newNodeID()
	}
	setDefault(&c.RequestTimeout, 15*time.Second)
	setDefault(&c.LeaseDuration, 2*c.RequestTimeout+30*time.Second)
	if c.LeaseDuration <= c.RequestTimeout {
		return fmt.Errorf("delivery: lease %v must be longer than the request timeout %v", c.LeaseDuration, c.RequestTimeout)
	}
	setDefault(&c.PollInterval, time.Second)
	setDefault(&c.EndpointConcurrency, 32)
	setDefault(&c.MaxQueuedPerEndpoint, 5000)
	setDefault(&c.CircuitThreshold, 10)
	setDefault(&c.CircuitRest, 5*time.Second)
	setDefault(&c.Committers, 1)
	setDefault(&c.MaxBatch, 256)
	setDefault(&c.OutcomeBatch, 256)
	setDefault(&c.ClaimBatch, 64)
	setDefault(&c.HeartbeatInterval, 5*time.Second)
	setDefault(&c.NodeLiveWindow, 3*c.HeartbeatInterval)
	if c.NodeLiveWindow <= c.HeartbeatInterval {
		return fmt.Errorf("delivery: node live window %v must be longer than the heartbeat interval %v", c.NodeLiveWindow, c.HeartbeatInterval)
	}
	setDefault(&c.HealthFlushInterval, time.Second)
	setDefault(&c.OperationalQueue, defaultOperationalQueueLength)
	setDefault(&c.RenderMemory, defaultRenderMemory)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = defaultRand
	}
	return nil
}

// setDefault sets *v to def when it is not set (zero or negative).
// defaultRenderMemory lets about ten ordinary template renderings run at
// once, or two of the largest payloads.
const defaultRenderMemory = 128 << 20

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

func newNodeID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Engine is the delivery engine. Create it with New, then Start it.
type Engine struct {
	cfg    Config
	store  store.Store
	index  *Index
	logger *slog.Logger

	writer   *writer
	dispatch *dispatcher
	poll     *poller
	cluster  *cluster
	health   *health
	ops      *operational // nil without an operational app
	render   *render.Gate
	// obs is health, ops (when set) and Config.Observers.
	obs observers
	// traces remembers recent messages' request spans, for the links of
	// their retries (trace.go); nil when tracing is off.
	traces *traceMemo

	// pings holds the endpoints with a ping in flight (ping.go).
	pings sync.Map
	// watch tells listeners what the writer commits (watch.go).
	watch watchers
	// stopHealth ends the health flush loop; healthDone says it ended.
	stopHealth chan struct{}
	healthDone chan struct{}

	// runCtx lives until the hard stop; in-flight sends use it.
	runCtx    context.Context
	cancelRun context.CancelFunc
	loops     sync.WaitGroup
}

// New checks cfg and builds the engine.
func New(cfg Config) (*Engine, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	gate, err := render.NewGate(cfg.RenderMemory)
	if err != nil {
		return nil, fmt.Errorf("delivery: render memory: %w", err)
	}
	e := &Engine{cfg: cfg, store: cfg.Store, logger: cfg.Logger, render: gate}
	e.index = NewIndex(cfg.Store, cfg.Now)
	e.writer = newWriter(e)
	e.dispatch = newDispatcher(e)
	e.poll = newPoller(e)
	e.cluster = newCluster(e)
	e.health = newHealth()
	e.ops = newOperational(e)
	e.obs = append(e.obs, e.health)
	if e.ops != nil {
		e.obs = append(e.obs, e.ops)
	}
	e.obs = append(e.obs, cfg.Observers...)
	if cfg.Tracer != nil {
		e.traces = newTraceMemo(traceMemoSize)
	}
	e.stopHealth, e.healthDone = make(chan struct{}), make(chan struct{})
	return e, nil
}

// Index returns the engine's routing index.
func (e *Engine) Index() *Index { return e.index }

// CircuitThreshold is how many consecutive failed attempts open an
// endpoint's circuit (Config.CircuitThreshold): the status page counts an
// endpoint that failed this often in a row as resting.
func (e *Engine) CircuitThreshold() int { return e.cfg.CircuitThreshold }

// now is the engine's clock in UTC, at the millisecond the stores keep.
func (e *Engine) now() time.Time { return e.cfg.Now().UTC().Truncate(time.Millisecond) }

// Start resumes unfinished deliveries and starts the engine's loops.
func (e *Engine) Start(ctx context.Context) error {
	if e.cfg.ReleaseLeasesAtStart {
		if err := e.store.DeliveryReleaseLeases(ctx, ""); err != nil {
			return fmt.Errorf("release leases: %w", err)
		}
	}
	e.runCtx, e.cancelRun = context.WithCancel(context.WithoutCancel(ctx))
	e.writer.start(&e.loops)
	e.poll.start(&e.loops)
	e.cluster.start(&e.loops)
	e.runHealthFlush(&e.loops)
	e.ops.start(&e.loops)
	return nil
}

// Stop shuts the engine down in two steps: it stops taking work and lets
// in-flight attempts finish and their outcomes be written, until ctx is
// done; then it cancels whatever is left. Deliveries not finished keep
// their rows and are resumed at the next start (or by another node).
func (e *Engine) Stop(ctx context.Context) error {
	e.poll.stop()
	drained := make(chan struct{})
	go func() {
		e.ops.close()            // publishes the operational events queued
		e.writer.closeMessages() // commits what was handed over, refuses more
		e.dispatch.stop()        // waits for in-flight sends
		e.writer.stop()          // writes their outcomes
		close(drained)
	}()
	var err error
	select {
	case <-drained:
	case <-ctx.Done():
		err = fmt.Errorf("delivery: stop: %w", ctx.Err())
	}
	// The last outcomes are in: one more health flush records them,
	// bounded even when the stop has run out of time.
	close(e.stopHealth)
	<-e.healthDone
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	e.flushHealth(flushCtx)
	cancel()
	e.cancelRun()
	e.loops.Wait()
	e.cluster.leave()
	e.cfg.Client.CloseIdle()
	return err
}
