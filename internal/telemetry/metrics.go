// Package telemetry is Hookline's Prometheus metrics: an observer of the
// delivery engine (delivery.Observer), of the HTTP middleware
// (httpmw.Measure) and of the inbound URLs, plus gauges read from the store
// on scrape, all on a registry of its own served at /metrics.
//
// No label holds an unbounded value: outcomes, status classes, route
// patterns, methods and status codes only, never an app, endpoint or
// message ID, nor a raw path.
package telemetry

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/httpmw"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Store is what the scrape-time gauges read: counts that stop at a limit,
// so a scrape costs a bounded read however large the backlog.
type Store interface {
	DeliveryPendingCount(ctx context.Context, p store.DeliveryPendingCountParams) (int, error)
	EndpointHealthFailing(ctx context.Context, p store.EndpointHealthFailingParams) ([]webhook.EndpointHealth, error)
	EndpointDisabledCount(ctx context.Context, p store.EndpointDisabledCountParams) (int, error)
}

// Engine is what the gauges read of the engine.
type Engine interface {
	Queued() int64
	CircuitThreshold() int
}

// Config is the metrics' settings.
type Config struct {
	// CacheFor is how long the store's gauges are reused between scrapes,
	// so that several scrapers (or a quick one) cost one read. Default 5s.
	CacheFor time.Duration
}

// Limits of the store's gauges: the counts stop there.
const (
	PendingLimit  = 100_000
	FailingLimit  = 1_000
	DisabledLimit = 100_000
)

// The outcome label of hookline_attempts_total.
const (
	outcomeSuccess = iota
	outcomeFailure
	outcomes
)

var outcomeNames = [outcomes]string{"success", "failure"}

// The status_class label: "none" when no response came (a transport error,
// a timeout, a request that could not be built).
var statusClasses = [...]string{"none", "1xx", "2xx", "3xx", "4xx", "5xx"}

func statusClass(code int) int {
	if code < 100 || code > 599 {
		return 0
	}
	return code / 100
}

// Metrics holds every metric. It implements delivery.Observer.
type Metrics struct {
	reg      *prometheus.Registry
	cacheFor time.Duration

	accepted        prometheus.Counter
	refused         prometheus.Counter
	attempts        [outcomes][len(statusClasses)]prometheus.Counter
	attemptDuration prometheus.Histogram
	firstAttempt    prometheus.Histogram
	inFlight        prometheus.Gauge
	exhausted       prometheus.Counter
	commitDuration  prometheus.Histogram
	commitBatch     prometheus.Histogram
	commitFailures  prometheus.Counter
	claimed         prometheus.Counter
	claimFailures   prometheus.Counter
	circuitOpened   prometheus.Counter
	circuitClosed   prometheus.Counter
	inbound         *prometheus.CounterVec
	httpRequests    *prometheus.CounterVec
	httpDuration    *prometheus.HistogramVec
}

// New registers every metric on a registry of its own (never the global
// one), with the Go and process collectors.
func New(cfg Config) (*Metrics, error) {
	if cfg.CacheFor <= 0 {
		cfg.CacheFor = 5 * time.Second
	}
	m := &Metrics{reg: prometheus.NewRegistry(), cacheFor: cfg.CacheFor}
	f := factory{reg: m.reg}
	m.accepted = f.counter("hookline_messages_accepted_total", "Messages committed (answered 202 by the API, or forwarded from an inbound URL).")
	m.refused = f.counter("hookline_messages_refused_total", "Messages the store refused one by one in a commit (an eventId or idempotency key already used).")
	attempts := f.counterVec("hookline_attempts_total", "Delivery attempts by outcome (success: a 2xx answer; failure: anything else) and status class of the answer (none: no answer).", "outcome", "status_class")
	for o := range outcomes {
		for c, class := range statusClasses {
			m.attempts[o][c] = attempts.WithLabelValues(outcomeNames[o], class)
		}
	}
	m.attemptDuration = f.histogram("hookline_attempt_duration_seconds", "Duration of delivery attempts, from sending the request to the end of the answer (or the error).",
		[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30})
	m.firstAttempt = f.histogram("hookline_send_to_first_attempt_seconds", "Time from a message's acceptance to the start of the first attempt of each of its deliveries (scheduled, not manual resends).",
		[]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60})
	m.inFlight = f.gauge("hookline_attempts_in_flight", "Delivery attempts being sent by this node.")
	m.exhausted = f.counter("hookline_deliveries_exhausted_total", "Deliveries that failed for good: their retries used up, or the endpoint answered 410 Gone.")
	m.commitDuration = f.histogram("hookline_commit_duration_seconds", "Duration of the writer's group commits (messages and attempt outcomes in one transaction).",
		[]float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5})
	m.commitBatch = f.histogram("hookline_commit_batch_size", "Writes in one group commit: messages plus attempt outcomes.",
		prometheus.ExponentialBuckets(1, 2, 11))
	m.commitFailures = f.counter("hookline_commit_failures_total", "Group commits that failed as a whole (the database refused the transaction).")
	m.claimed = f.counter("hookline_deliveries_claimed_total", "Deliveries the poller claimed: due retries, and deliveries whose lease lapsed.")
	m.claimFailures = f.counter("hookline_claim_failures_total", "Claims of due deliveries that failed.")
	circuits := f.counterVec("hookline_circuit_changes_total", "Changes of endpoints' circuits on this node: opened (again, after a failed probe) or closed.", "change")
	m.circuitOpened, m.circuitClosed = circuits.WithLabelValues("opened"), circuits.WithLabelValues("closed")
	m.inbound = f.counterVec("hookline_inbound_requests_total", "Requests to inbound URLs by result: verified, duplicate, refused, not_found, method_not_allowed, rate_limited, too_large, bad_request, unavailable.", "result")
	m.httpRequests = f.counterVec("hookline_http_requests_total", "HTTP requests answered, by route pattern (never the path), method and status code.", "route", "method", "code")
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hookline_http_request_duration_seconds", Help: "Duration of HTTP requests, by route pattern and method.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method"})
	f.register(m.httpDuration)
	f.register(collectors.NewGoCollector())
	f.register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if f.err != nil {
		return nil, f.err
	}
	return m, nil
}

// AddGauges registers the gauges read on scrape from st and e: the
// engine is built with the metrics among its observers, so its gauges
// come after.
func (m *Metrics) AddGauges(st Store, e Engine) error {
	return m.reg.Register(newStoreGauges(st, e, m.cacheFor))
}

// Handler serves the registry in Prometheus's text format (or OpenMetrics,
// when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// Registry is the metrics' registry, for tests and further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Served counts one HTTP request; give it to httpmw.Measure.
func (m *Metrics) Served(s httpmw.Served) {
	route := s.Route
	if route == "" {
		route = "unmatched"
	}
	m.httpRequests.WithLabelValues(route, s.Method, statusCode(s.Status)).Inc()
	m.httpDuration.WithLabelValues(route, s.Method).Observe(s.Duration.Seconds())
}

// statusCodes holds the codes' texts, so that counting a request
// allocates nothing.
var statusCodes = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func statusCode(code int) string {
	if code >= 0 && code < len(statusCodes) {
		return statusCodes[code]
	}
	return "other"
}

// Inbound counts one request to an inbound URL; give it to receive.Config.Counted.
func (m *Metrics) Inbound(result string) { m.inbound.WithLabelValues(result).Inc() }

// MessageCommitted implements delivery.Observer; messages are counted per
// commit (Committed).
func (m *Metrics) MessageCommitted(delivery.MessageEvent) {}

// Committed implements delivery.Observer.
func (m *Metrics) Committed(ev delivery.CommitEvent) {
	m.commitDuration.Observe(ev.Duration.Seconds())
	if ev.Failed {
		m.commitFailures.Inc()
		return
	}
	m.commitBatch.Observe(float64(ev.Messages + ev.Refused + ev.Outcomes))
	if ev.Messages > 0 {
		m.accepted.Add(float64(ev.Messages))
	}
	if ev.Refused > 0 {
		m.refused.Add(float64(ev.Refused))
	}
}

// AttemptStarted implements delivery.Observer.
func (m *Metrics) AttemptStarted(ev delivery.AttemptStart) {
	m.inFlight.Inc()
	if ev.Attempt == 1 && ev.Trigger == webhook.TriggerScheduled {
		m.firstAttempt.Observe(max(ev.SinceMessage, 0).Seconds())
	}
}

// AttemptFinished implements delivery.Observer.
func (m *Metrics) AttemptFinished(ev delivery.AttemptEvent) {
	m.inFlight.Dec()
	o := outcomeFailure
	if ev.Status == webhook.StatusSuccess {
		o = outcomeSuccess
	}
	m.attempts[o][statusClass(ev.StatusCode)].Inc()
	m.attemptDuration.Observe(ev.Duration.Seconds())
	if ev.DeliveryStatus == webhook.StatusFail {
		m.exhausted.Inc()
	}
}

// Claimed implements delivery.Observer.
func (m *Metrics) Claimed(ev delivery.ClaimEvent) {
	if ev.Failed {
		m.claimFailures.Inc()
		return
	}
	if ev.Claimed > 0 {
		m.claimed.Add(float64(ev.Claimed))
	}
}

// CircuitChanged implements delivery.Observer.
func (m *Metrics) CircuitChanged(ev delivery.CircuitEvent) {
	if ev.Opened {
		m.circuitOpened.Inc()
	} else {
		m.circuitClosed.Inc()
	}
}

// factory makes and registers metrics, keeping the first error.
type factory struct {
	reg *prometheus.Registry
	err error
}

func (f *factory) register(c prometheus.Collector) {
	if err := f.reg.Register(c); err != nil && f.err == nil {
		f.err = err
	}
}

func (f *factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.register(c)
	return c
}

func (f *factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.register(c)
	return c
}

func (f *factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.register(g)
	return g
}

func (f *factory) histogram(name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
	f.register(h)
	return h
}

// storeGauges reads the backlog and the failing endpoints from the store
// when scraped, at most once per CacheFor, each read bounded by a limit
// and a timeout.
type storeGauges struct {
	store                               Store
	engine                              Engine
	cacheFor                            time.Duration
	pending, due, queued                *prometheus.Desc
	failing, resting, disabled, scrapes *prometheus.Desc

	mu      sync.Mutex
	readAt  time.Time
	values  [5]float64 // pending, due, failing, resting, disabled
	readErr bool
}

func newStoreGauges(st Store, e Engine, cacheFor time.Duration) *storeGauges {
	return &storeGauges{
		store: st, engine: e, cacheFor: cacheFor,
		pending:  prometheus.NewDesc("hookline_deliveries_pending", "Unfinished deliveries (pending or retrying, in flight or waiting), in the store of every node; the count stops at "+strconv.Itoa(PendingLimit)+".", nil, nil),
		due:      prometheus.NewDesc("hookline_deliveries_due", "Deliveries due now and not leased, in the store of every node: what the next claims will take (a growing figure means the nodes fall behind); the count stops at "+strconv.Itoa(PendingLimit)+".", nil, nil),
		queued:   prometheus.NewDesc("hookline_deliveries_queued", "Deliveries due and claimed by this node, waiting in its per-endpoint queues to be sent.", nil, nil),
		failing:  prometheus.NewDesc("hookline_endpoints_failing", "Enabled endpoints whose last attempt failed; the count stops at "+strconv.Itoa(FailingLimit)+".", nil, nil),
		resting:  prometheus.NewDesc("hookline_endpoints_resting", "Failing endpoints that failed the circuit threshold times in a row or more: their circuit is open and their deliveries rest; counted among the first "+strconv.Itoa(FailingLimit)+" failing.", nil, nil),
		disabled: prometheus.NewDesc("hookline_endpoints_disabled", "Disabled endpoints of every app (by hand, or after a 410 Gone); the count stops at "+strconv.Itoa(DisabledLimit)+".", nil, nil),
		scrapes:  prometheus.NewDesc("hookline_store_gauges_stale", "1 when the last read of the store's gauges failed (their values are then the last read's).", nil, nil),
	}
}

func (g *storeGauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{g.pending, g.due, g.queued, g.failing, g.resting, g.disabled, g.scrapes} {
		ch <- d
	}
}

func (g *storeGauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	if g.readAt.IsZero() || time.Since(g.readAt) >= g.cacheFor {
		g.read()
	}
	values, readErr := g.values, g.readErr
	g.mu.Unlock()
	for i, d := range []*prometheus.Desc{g.pending, g.due, g.failing, g.resting, g.disabled} {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, values[i])
	}
	ch <- prometheus.MustNewConstMetric(g.queued, prometheus.GaugeValue, float64(g.engine.Queued()))
	ch <- prometheus.MustNewConstMetric(g.scrapes, prometheus.GaugeValue, map[bool]float64{false: 0, true: 1}[readErr])
}

// storeReadTimeout bounds one scrape's reads: a scrape must not hang on a
// database that is away.
const storeReadTimeout = 2 * time.Second

// read refreshes the values; g.mu is held.
func (g *storeGauges) read() {
	ctx, cancel := context.WithTimeout(context.Background(), storeReadTimeout)
	defer cancel()
	g.readAt, g.readErr = time.Now(), false
	count := func(i int, read func() (int, error)) {
		if n, err := read(); err != nil {
			g.readErr = true
		} else {
			g.values[i] = float64(n)
		}
	}
	count(0, func() (int, error) {
		return g.store.DeliveryPendingCount(ctx, store.DeliveryPendingCountParams{Limit: PendingLimit})
	})
	count(1, func() (int, error) {
		return g.store.DeliveryPendingCount(ctx, store.DeliveryPendingCountParams{Limit: PendingLimit, DueBy: time.Now()})
	})
	count(4, func() (int, error) {
		return g.store.EndpointDisabledCount(ctx, store.EndpointDisabledCountParams{Limit: DisabledLimit})
	})
	hs, err := g.store.EndpointHealthFailing(ctx, store.EndpointHealthFailingParams{Limit: FailingLimit})
	if err != nil {
		g.readErr = true
		return
	}
	threshold, resting := g.engine.CircuitThreshold(), 0
	for _, h := range hs {
		if threshold > 0 && h.ConsecutiveFailures >= threshold {
			resting++
		}
	}
	g.values[2], g.values[3] = float64(len(hs)), float64(resting)
}
