package delivery

import (
	"sync"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// breakerMaxRest caps an open circuit's rest. The circuit of an endpoint
// opens after Config.CircuitThreshold consecutive failed attempts and
// stays open for a rest that starts at Config.CircuitRest and doubles, up
// to breakerMaxRest, each time the first attempts after a rest fail too.
// One success closes it.
const breakerMaxRest = 5 * time.Minute

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
}

// verdict is what one attempt tells about its endpoint.
type verdict int

const (
	verdictNone verdict = iota // no news: cancelled, or a 4xx that is the payload's fault
	verdictUp                  // answered 2xx
	verdictDown                // no answer, a timeout, 5xx or 429
)

// open reports whether the circuit is open at now, and if so until when
// and for how long a rest.
func (b *breaker) open(now time.Time) (until time.Time, rest time.Duration, isOpen bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.openUntil, b.rest, now.Before(b.openUntil)
}

// record takes an attempt's verdict. It reports whether the circuit opened
// because of it, and for how long.
func (b *breaker) record(v verdict, now time.Time) (opened bool, rest time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch v {
	case verdictUp:
		b.failures, b.rest, b.openUntil = 0, 0, time.Time{}
	case verdictDown:
		b.failures++
		if b.failures < b.threshold || now.Before(b.openUntil) {
			return false, 0
		}
		b.rest = min(max(2*b.rest, b.minRest), max(breakerMaxRest, b.minRest))
		b.openUntil = now.Add(b.rest)
		return true, b.rest
	}
	return false, 0
}

// postpone hands the store a job the open circuit holds back: due again
// at a moment spread over the rest after the circuit's reopening, so the
// backlog comes back a little at a time, not all at once.
func (e *Engine) postpone(j job, until time.Time, rest time.Duration) {
	next := until.Add(time.Duration(e.cfg.Rand() * float64(rest))).UTC().Truncate(time.Millisecond)
	e.writer.addOutcome(store.Outcome{
		Token:         j.token,
		Postpone:      true,
		NextAttemptAt: &next,
		Attempt: webhook.Attempt{
			MsgID: j.msg.ID, EndpointID: j.endpointID, AppID: j.appID, CreatedAt: e.now(),
		},
	})
}
