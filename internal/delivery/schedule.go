package delivery

import (
	"math/rand/v2"
	"time"
)

// jitterFraction spreads retries by up to ±20% so that deliveries that
// failed together (a receiver outage) do not all come back at once.
const jitterFraction = 0.2

// maxRetryAfter caps how far a receiver's Retry-After can push a retry.
const maxRetryAfter = 24 * time.Hour

// NextAttempt decides what follows a failed attempt. attempts is how many
// attempts the delivery has had, including the one that just failed;
// schedule[i] is the delay before attempt i+2. It returns the delay before
// the next attempt, or ok=false when the schedule is exhausted. A
// Retry-After longer than the scheduled delay wins, capped at 24h. rnd
// returns a float in [0, 1); pass rand.Float64 outside tests.
func NextAttempt(schedule []time.Duration, attempts int, retryAfter time.Duration, rnd func() float64) (delay time.Duration, ok bool) {
	return NextAttemptWithin(schedule, len(schedule), attempts, retryAfter, rnd)
}

// NextAttemptWithin is NextAttempt for an endpoint that allows retries
// attempts after the first: the schedule's delays in order, its last one
// repeated when retries outnumber them. An empty schedule has no delay to
// repeat, so it allows no retry whatever retries says.
func NextAttemptWithin(schedule []time.Duration, retries, attempts int, retryAfter time.Duration, rnd func() float64) (delay time.Duration, ok bool) {
	if attempts < 1 || attempts > retries || len(schedule) == 0 {
		return 0, false
	}
	base := schedule[min(attempts, len(schedule))-1]
	jitter := (rnd()*2 - 1) * jitterFraction * float64(base)
	delay = base + time.Duration(jitter)
	if retryAfter > delay {
		delay = min(retryAfter, maxRetryAfter)
	}
	return max(delay, 0), true
}

// defaultRand is the jitter source outside tests.
func defaultRand() float64 { return rand.Float64() }
