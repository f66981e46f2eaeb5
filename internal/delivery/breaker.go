package delivery

import (
	"sync"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The circuit of an endpoint opens after Config.CircuitThreshold
// consecutive failed attempts and stays open for a rest that starts at
// Config.CircuitRest and doubles, up to breakerMaxRest, each time the
// first attempts after a rest (the probes) fail too. One success closes
// it, and the endpoint's waiting deliveries are made due at once.
//
// A held-back delivery is postponed to a moment spread after the rest, so
// that the backlog does not come back all at once: over the rest, or over
// postponed/postponeRate seconds when the backlog is larger, up to
// breakerMaxSpread. The n-th delivery held back is due again within n/r
// seconds, so t seconds after the circuit opened about r*ln(N/(r*t)) of a
// backlog of N come due a second (each a claim and a postponement), and
// N/breakerMaxSpread once every spread is the longest. Waking the backlog
// when the circuit closes keeps the long spread from delaying delivery to
// a receiver that came back, so the spread costs nothing but the wait for
// deliveries still failing. With a million deliveries to a dead endpoint,
// rate 50 and an hour made about 235 and then 280 come due a second;
// rate 10 and six hours make about 60 and then 46.
const (
	breakerMaxRest   = 5 * time.Minute
	breakerMaxSpread = 6 * time.Hour
	postponeRate     = 10 // per second
)

// breaker keeps a dead or failing endpoint from costing what a healthy one
// needs. While it is open, scheduled deliveries to the endpoint are not
// attempted but postponed in the store to a moment spread over the rest,
// without counting as attempts: a million deliveries to a dead receiver
// then cost a cheap update each per rest, not an HTTP attempt and an
// attempt row each per retry, and they stay in the store, not in memory.
type breaker struct {
	threshold int
	minRest   time.Duration

	mu        sync.Mutex
	failures  int // consecutive failed attempts
	openUntil time.Time
	rest      time.Duration
	postponed int  // deliveries held back since the circuit opened
	probing   bool // after a rest: one attempt, the probe, is out
}

// verdict is what one attempt tells about its endpoint.
type verdict int

const (
	verdictNone verdict = iota // no news: cancelled, or a 4xx that is the payload's fault
	verdictUp                  // answered 2xx
	verdictDown                // no answer, a timeout, 5xx or 429
)

// holdBack reports whether the circuit is open at now and, if so, when
// the delivery it holds back should be due again.
func (b *breaker) holdBack(now time.Time, rand func() float64) (next time.Time, held bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	resting := now.Before(b.openUntil)
	if !resting && (b.rest == 0 || !b.probing) {
		// Closed, or the rest is over: this attempt is the probe.
		b.probing = b.rest > 0
		return time.Time{}, false
	}
	b.postponed++
	spread := max(b.rest, time.Duration(b.postponed)*time.Second/postponeRate)
	spread = min(spread, max(breakerMaxSpread, b.rest))
	return later(b.openUntil, now).Add(time.Duration(rand() * float64(spread))), true
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// record takes an attempt's verdict. It reports whether the circuit opened
// because of it, and for how long, or whether it closed.
func (b *breaker) record(v verdict, now time.Time) (opened bool, rest time.Duration, closed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	switch v {
	case verdictUp:
		closed = b.rest > 0
		b.failures, b.rest, b.openUntil, b.postponed = 0, 0, time.Time{}, 0
		return false, 0, closed
	case verdictDown:
		b.failures++
		if b.failures < b.threshold || now.Before(b.openUntil) {
			return false, 0, false
		}
		b.rest = min(max(2*b.rest, b.minRest), max(breakerMaxRest, b.minRest))
		b.openUntil = now.Add(b.rest)
		return true, b.rest, false
	}
	return false, 0, false
}

// postpone hands the store a job the open circuit holds back, due again
// at next.
func (e *Engine) postpone(j job, next time.Time) {
	next = next.UTC().Truncate(time.Millisecond)
	e.writer.addOutcome(store.Outcome{
		Token:         j.token,
		Postpone:      true,
		NextAttemptAt: &next,
		Attempt: webhook.Attempt{
			MsgID: j.msg.ID, EndpointID: j.endpointID, AppID: j.appID, CreatedAt: e.now(),
		},
	})
}

// wake makes a recovered endpoint's waiting deliveries due now and wakes
// the poller for them.
func (e *Engine) wake(appID, endpointID string) {
	now := e.now()
	n, err := e.store.DeliveryWakeEndpoint(e.runCtx, endpointID, now)
	if err != nil {
		e.logger.Warn("wake a recovered endpoint's deliveries; they keep their times", "endpoint", endpointID, "err", err)
		return
	}
	e.logger.Info("endpoint answers again: its waiting deliveries are due now", "app", appID, "endpoint", endpointID, "deliveries", n)
	if n > 0 {
		e.poll.wakeAt(now)
		e.cluster.broadcast(store.Event{Kind: store.EventDeliveriesDue, At: now})
	}
}
