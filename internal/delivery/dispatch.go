package delivery

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"

	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// job is one attempt to make: a leased delivery and its message.
type job struct {
	appID        string
	endpointID   string
	msg          webhook.Message
	attempts     int // attempts made before this one
	token        int64
	leaseExpires time.Time
	trigger      webhook.TriggerType
	// parent is the span the attempt's span is a child of (trace.go):
	// the POST's for a message's first attempts, the request's for a
	// resend; zero when tracing is off or for a claimed retry.
	parent trace.SpanContext
}

func jobFromClaim(c store.Claim) job {
	return job{
		appID: c.Delivery.AppID, endpointID: c.Delivery.EndpointID, msg: c.Message,
		attempts: c.Delivery.Attempts, token: c.Lease.Token, leaseExpires: c.Lease.ExpiresAt,
		trigger: c.Trigger,
	}
}

// leaseMargin is how much lease an attempt must have left when it starts:
// the request timeout plus time to record the outcome. A job with less is
// dropped; the poller claims it again under a fresh lease, so two nodes
// never attempt the same delivery at once.
const leaseMargin = 5 * time.Second

// dispatcher keeps one queue per endpoint, each with its own concurrency
// limit and token bucket, so a slow or dead receiver only ever delays
// itself.
type dispatcher struct {
	e        *Engine
	mu       sync.Mutex
	queues   map[string]*endpointQueue
	queued   atomic.Int64 // jobs waiting across all queues
	inflight sync.WaitGroup
	stopping atomic.Bool
}

type endpointQueue struct {
	id      string
	mu      sync.Mutex
	jobs    []job
	head    int
	running bool
	limiter *rate.Limiter // nil when the endpoint has no rate limit
	limit   int
	nodes   int // the live nodes limit is split among
	slots   chan struct{}
	breaker breaker
}

func newDispatcher(e *Engine) *dispatcher {
	return &dispatcher{e: e, queues: make(map[string]*endpointQueue)}
}

// hasRoom reports whether the poller should claim more work: claiming what
// the queues cannot take would only make leases lapse.
func (d *dispatcher) hasRoom() bool {
	return d.queued.Load() < int64(d.e.cfg.MaxQueuedPerEndpoint)
}

// enqueue hands a job to its endpoint's queue. A full queue drops the job:
// the delivery stays in the store and comes back when its lease lapses.
func (d *dispatcher) enqueue(j job) {
	if d.stopping.Load() {
		return
	}
	d.mu.Lock()
	q, ok := d.queues[j.endpointID]
	if !ok {
		q = &endpointQueue{
			id: j.endpointID, slots: make(chan struct{}, d.e.cfg.EndpointConcurrency),
			breaker: breaker{threshold: d.e.cfg.CircuitThreshold, minRest: d.e.cfg.CircuitRest},
		}
		d.queues[j.endpointID] = q
	}
	d.mu.Unlock()

	q.mu.Lock()
	if len(q.jobs)-q.head >= d.e.cfg.MaxQueuedPerEndpoint {
		q.mu.Unlock()
		return
	}
	q.jobs = append(q.jobs, j)
	d.queued.Add(1)
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if start {
		d.inflight.Add(1)
		go d.drain(q)
	}
}

// pop takes the next job, or reports the queue empty and marks it idle.
func (q *endpointQueue) pop() (job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.jobs) {
		q.jobs, q.head = q.jobs[:0], 0
		q.running = false
		return job{}, false
	}
	j := q.jobs[q.head]
	q.jobs[q.head] = job{}
	q.head++
	if q.head > 1024 && q.head*2 > len(q.jobs) {
		// Compact so a long-lived queue does not grow without bound.
		n := copy(q.jobs, q.jobs[q.head:])
		q.jobs, q.head = q.jobs[:n], 0
	}
	return j, true
}

// drain runs while an endpoint has queued jobs: it paces them through the
// endpoint's token bucket and concurrency slots and starts each attempt.
func (d *dispatcher) drain(q *endpointQueue) {
	defer d.inflight.Done()
	ctx := d.e.runCtx
	for {
		j, ok := q.pop()
		if !ok {
			return
		}
		d.queued.Add(-1)
		if d.stopping.Load() {
			continue
		}
		if d.e.now().Add(d.e.cfg.RequestTimeout + leaseMargin).After(j.leaseExpires) {
			continue
		}
		t, err := d.e.index.Target(ctx, j.appID, j.endpointID)
		if err != nil {
			d.e.logger.Warn("look up endpoint", "endpoint", j.endpointID, "err", err)
			continue
		}
		if t == nil || (t.Disabled && j.trigger == webhook.TriggerScheduled) {
			continue // deleted or disabled since: nothing to send
		}
		// A manual resend goes out whatever the circuit says: a person
		// asked for it and waits to see the result.
		if j.trigger == webhook.TriggerScheduled {
			if next, held := q.breaker.holdBack(d.e.cfg.Now(), d.e.cfg.Rand); held {
				d.e.postpone(j, next)
				continue
			}
		}
		if lim := q.rateLimiter(t.RateLimit, d.e.cluster.liveNodes()); lim != nil {
			if err := lim.Wait(ctx); err != nil {
				return
			}
		}
		select {
		case q.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		d.inflight.Add(1)
		go func() {
			defer d.inflight.Done()
			defer func() { <-q.slots }()
			v := d.e.attempt(ctx, t, &j)
			switch opened, rest, closed := q.breaker.record(v, d.e.cfg.Now()); {
			case opened:
				d.e.logger.Warn("endpoint failing: its scheduled deliveries rest before the next attempts",
					"app", j.appID, "endpoint", j.endpointID, "consecutive_failures", d.e.cfg.CircuitThreshold, "rest", rest)
				d.e.obs.circuitChanged(CircuitEvent{AppID: j.appID, EndpointID: j.endpointID, Opened: true, Rest: rest})
			case closed:
				d.e.obs.circuitChanged(CircuitEvent{AppID: j.appID, EndpointID: j.endpointID})
				d.e.wake(j.appID, j.endpointID)
			}
		}()
	}
}

// rateLimiter returns the endpoint's token bucket, following changes of
// its rateLimit (deliveries per second) and of the number of live nodes.
// Each of n nodes sends at most limit/n per second, so together they keep
// to the limit without talking to each other per delivery (cluster.go
// counts the nodes; docs/multinode.md states the error this makes).
func (q *endpointQueue) rateLimiter(limit *int, nodes int) *rate.Limiter {
	if limit == nil || *limit <= 0 {
		q.limiter, q.limit, q.nodes = nil, 0, 0
		return nil
	}
	nodes = max(nodes, 1)
	if q.limiter == nil || q.limit != *limit || q.nodes != nodes {
		// A burst of one spaces deliveries evenly: a receiver that asked
		// for N per second never sees more than one every 1/N seconds.
		q.limiter = rate.NewLimiter(rate.Limit(float64(*limit)/float64(nodes)), 1)
		q.limit, q.nodes = *limit, nodes
	}
	return q.limiter
}

// stop refuses new jobs and waits for the attempts in flight.
func (d *dispatcher) stop() {
	d.stopping.Store(true)
	d.inflight.Wait()
}

// maxStoredResponse bounds the response text kept with an attempt.
const maxStoredResponse = 20000

// attempt makes one HTTP attempt and hands its outcome to the writer.
// The first attempt, every retry and every resend take this path. It
// returns what the attempt tells of the endpoint, for its circuit.
func (e *Engine) attempt(ctx context.Context, t *target, j *job) verdict {
	now := e.cfg.Now()
	attempts := j.attempts + 1
	e.obs.attemptStarted(AttemptStart{
		AppID: j.appID, EndpointID: t.ID, MsgID: j.msg.ID, Trigger: j.trigger, Attempt: attempts,
		SinceMessage: now.Sub(j.msg.CreatedAt),
	})
	span := e.startAttemptSpan(ctx, t, j, attempts)
	var res send.Result
	req, renderErr := t.request(ctx, e.render, j.msg, now, e.cfg.RequestTimeout)
	req.Traceparent = e.traceparent(span)
	if renderErr != nil {
		// The request could not be built (a template failing on this
		// payload): a failed attempt with the reason, retried on the
		// schedule like any failure, so options fixed meanwhile apply.
		res.Err = renderErr
	} else {
		res = e.cfg.Client.Send(ctx, req)
	}
	if res.Err != nil && ctx.Err() != nil {
		span.cancel()
		return verdictNone // cancelled by shutdown: not the receiver's failure; the lease brings it back
	}
	out := store.Outcome{
		Token: j.token,
		Attempt: webhook.Attempt{
			ID: webhook.NewID(webhook.PrefixAttempt, now), MsgID: j.msg.ID, EndpointID: t.ID, AppID: j.appID,
			URL: t.URL, ResponseStatusCode: res.StatusCode, ResponseDurationMs: res.Duration.Milliseconds(),
			TriggerType: j.trigger, CreatedAt: e.now(),
		},
	}
	switch {
	case res.Err == nil && send.Succeeded(res.StatusCode):
		out.Status = webhook.StatusSuccess
		out.Attempt.Status = webhook.StatusSuccess
	case res.Err == nil && res.StatusCode == 410:
		// 410 Gone: the receiver says this endpoint is no more.
		out.Status = webhook.StatusFail
		out.Attempt.Status = webhook.StatusFail
		out.DisableEndpoint = true
	default:
		out.Attempt.Status = webhook.StatusFail
		out.Status = webhook.StatusFail
		if delay, ok := NextAttemptWithin(e.cfg.RetrySchedule, t.retries(e.cfg.RetrySchedule), attempts, res.RetryAfter, e.cfg.Rand); ok {
			next := e.now().Add(delay)
			out.Status = webhook.StatusSending
			out.NextAttemptAt = &next
		}
	}
	if res.Err != nil {
		// send keeps its error texts free of the URL, but the text is
		// shown to anyone who can read attempts, so any credential of the
		// URL that a transport error might quote is scrubbed here as well.
		out.Attempt.Response = webhook.RedactURLSecrets(res.Err.Error(), t.URL)
		// Without this line an attempt that got no answer leaves no trace
		// in the log; the URL tells the operator where it went, without
		// its credentials. Checked first so the hot path pays nothing for
		// building it when debug is off.
		if e.logger.Enabled(ctx, slog.LevelDebug) {
			e.logger.Debug("attempt got no response", "app", j.appID, "endpoint", t.ID, "msg", j.msg.ID,
				"url", webhook.RedactURL(t.URL), "err", out.Attempt.Response)
		}
	} else {
		out.Attempt.Response = responseText(res.Body)
	}
	a := &out.Attempt
	ev := AttemptEvent{
		AppID: j.appID, EndpointID: t.ID, MsgID: j.msg.ID, MsgEventID: j.msg.EventID, AttemptID: a.ID,
		Trigger: j.trigger, Attempt: attempts, At: a.CreatedAt, Status: a.Status, DeliveryStatus: out.Status,
		StatusCode: a.ResponseStatusCode, Response: a.Response, Duration: res.Duration,
	}
	e.obs.attemptFinished(ev)
	span.end(res, ev)
	e.writer.addOutcome(out)
	switch {
	case renderErr != nil:
		return verdictNone // the receiver was not asked: its circuit learns nothing
	case res.Err == nil && send.Succeeded(res.StatusCode):
		return verdictUp
	case res.Err != nil, res.StatusCode >= 500, res.StatusCode == http.StatusTooManyRequests:
		return verdictDown
	}
	return verdictNone
}

// responseText keeps a response body as valid UTF-8 text, at most
// maxStoredResponse bytes.
func responseText(b []byte) string {
	if len(b) > maxStoredResponse {
		b = b[:maxStoredResponse]
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
