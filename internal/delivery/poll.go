package delivery

import (
	"sync"
	"time"

	"github.com/hookline/hookline/internal/store"
)

// poller claims deliveries that are due and not leased: retries whose time
// came, deliveries resumed after a restart, and those whose lease lapsed
// on a node that died. It is not on the hot path: fresh messages reach the
// dispatcher straight from ingest. It sleeps until the earliest retry it
// knows of, or PollInterval, whichever is sooner.
type poller struct {
	e    *Engine
	wake chan struct{}
	quit chan struct{}
	once sync.Once
	done chan struct{}

	mu       sync.Mutex
	nextWake time.Time
}

func newPoller(e *Engine) *poller {
	return &poller{e: e, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

func (p *poller) start(loops *sync.WaitGroup) {
	loops.Add(1)
	go func() {
		defer loops.Done()
		defer close(p.done)
		p.run()
	}()
}

func (p *poller) stop() {
	p.once.Do(func() { close(p.quit) })
	<-p.done
}

// wakeAt asks for a claim at t (or now, if t has passed).
func (p *poller) wakeAt(t time.Time) {
	p.mu.Lock()
	sooner := p.nextWake.IsZero() || t.Before(p.nextWake)
	if sooner {
		p.nextWake = t
	}
	p.mu.Unlock()
	if sooner {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

func (p *poller) run() {
	timer := time.NewTimer(0)
	defer timer.Stop()
	backoff := p.e.cfg.PollInterval
	for {
		select {
		case <-p.quit:
			return
		case <-timer.C:
		case <-p.wake:
		}
		full, err := p.claim()
		if err != nil {
			p.e.logger.Warn("claim due deliveries", "err", err)
			backoff = min(2*backoff, 30*time.Second)
			resetTimer(timer, backoff)
			continue
		}
		backoff = p.e.cfg.PollInterval
		if full && p.e.dispatch.hasRoom() {
			resetTimer(timer, 0)
			continue
		}
		resetTimer(timer, p.sleep())
	}
}

// sleep is how long to wait before the next claim.
func (p *poller) sleep() time.Duration {
	now := p.e.cfg.Now()
	d := p.e.cfg.PollInterval
	p.mu.Lock()
	if !p.nextWake.IsZero() {
		if until := p.nextWake.Sub(now); until < d {
			d = max(until, 0)
		}
		if !p.nextWake.After(now) {
			p.nextWake = time.Time{}
		}
	}
	p.mu.Unlock()
	return d
}

// claim takes one batch of due deliveries and dispatches them. It reports
// whether the batch was full, i.e. whether more may be waiting.
func (p *poller) claim() (full bool, err error) {
	if !p.e.dispatch.hasRoom() {
		return false, nil
	}
	now := p.e.now()
	p.mu.Lock()
	if !p.nextWake.IsZero() && !p.nextWake.After(now) {
		p.nextWake = time.Time{}
	}
	p.mu.Unlock()
	start := time.Now()
	claims, err := p.e.store.DeliveryClaim(p.e.runCtx, store.DeliveryClaimParams{
		Now: now, Limit: p.e.cfg.ClaimBatch,
		Lease: store.Lease{Owner: p.e.cfg.NodeID, ExpiresAt: now.Add(p.e.cfg.LeaseDuration)},
	})
	p.e.obs.claimed(ClaimEvent{Claimed: len(claims), Duration: time.Since(start), Failed: err != nil})
	if err != nil {
		return false, err
	}
	for _, c := range claims {
		p.e.dispatch.enqueue(jobFromClaim(c))
	}
	return len(claims) == p.e.cfg.ClaimBatch, nil
}

func resetTimer(t *time.Timer, d time.Duration) {
	t.Stop()
	select {
	case <-t.C:
	default:
	}
	t.Reset(d)
}
