// Package retention applies how long Hookline keeps what it delivered:
// the server's --retention, after which a message goes with its
// deliveries and attempts (and an inbound source's received request), and
// a message's own payloadRetentionPeriod,
// after which its payload goes. Nothing unfinished is touched: a message
// with a pending or retrying delivery keeps everything.
//
// The purger shares the store's writer with live traffic (on SQLite one
// connection, which the engine's group commits queue on), so it works in
// small transactions and rests between them, longer after a slower one:
// it takes at most about a tenth of the writer's time, and a commit of the
// ingest path waits behind one short step at most.
package retention

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/store"
)

// Store is what the purger needs of the store.
type Store interface {
	MessagePurge(ctx context.Context, p store.MessagePurgeParams) (deleted int, last string, err error)
	MessagePayloadExpire(ctx context.Context, p store.MessagePayloadExpireParams) (int, error)
	InboundRequestPurge(ctx context.Context, p store.InboundRequestPurgeParams) (int, error)
}

// Defaults of Config.
const (
	// DefaultChunk is the most messages one step looks at: with their
	// deliveries and attempts a few hundred rows, a millisecond or two of
	// the writer, which is what a live commit may wait behind.
	DefaultChunk = 50
	// DefaultPause is the least rest between two steps; a step that took
	// d rests at least DefaultRestFactor*d, so the purge takes at most a tenth of
	// the writer even when the disk or the CPUs are slow.
	DefaultPause      = 5 * time.Millisecond
	DefaultRestFactor = 9
	// maxInterval is the longest wait between two passes; a short
	// retention is checked a tenth of it apart.
	maxInterval = time.Minute
)

// Config is the purger's dependencies and settings.
type Config struct {
	Store Store
	// Retention is the server's --retention; 0 keeps messages forever
	// (their own payload retention still applies).
	Retention time.Duration
	Logger    *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Chunk, Pause, RestFactor and Interval override the defaults (tests,
	// benchmarks).
	Chunk      int
	Pause      time.Duration
	RestFactor int
	Interval   time.Duration
}

// Purger runs the retention in the background.
type Purger struct {
	cfg  Config
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// New checks cfg and fills in its defaults.
func New(cfg Config) *Purger {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Chunk <= 0 {
		cfg.Chunk = DefaultChunk
	}
	if cfg.Pause <= 0 {
		cfg.Pause = DefaultPause
	}
	if cfg.RestFactor <= 0 {
		cfg.RestFactor = DefaultRestFactor
	}
	if cfg.Interval <= 0 {
		cfg.Interval = maxInterval
		if r := cfg.Retention / 10; r > 0 && r < cfg.Interval {
			cfg.Interval = max(r, 100*time.Millisecond)
		}
	}
	return &Purger{cfg: cfg, done: make(chan struct{})}
}

// Start runs a pass at once and then every Interval, until Close.
func (p *Purger) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	p.wg.Go(func() {
		<-p.done
		cancel()
	})
	p.wg.Go(func() {
		t := time.NewTicker(p.cfg.Interval)
		defer t.Stop()
		for {
			p.Pass(ctx)
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	})
}

// Close stops the purge and waits for its step to end.
func (p *Purger) Close() {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
}

// Result counts what one pass removed.
type Result struct {
	Messages int // deleted with their deliveries and attempts
	Payloads int // payloads dropped at their message's own retention
	Requests int // inbound sources' received requests deleted
}

// Pass runs the retention once through: the payloads past their own
// retention, then the messages past the server's and the inbound
// sources' requests received before it, step by step with a
// rest between steps. It stops early, with what it did, when ctx ends or
// the store fails (logged; the next pass starts over).
func (p *Purger) Pass(ctx context.Context) Result {
	var res Result
	now := p.cfg.Now()
	for {
		var n int
		err := p.step(ctx, func() (err error) {
			n, err = p.cfg.Store.MessagePayloadExpire(ctx, store.MessagePayloadExpireParams{Now: now, Limit: p.cfg.Chunk})
			return err
		})
		res.Payloads += n
		if err != nil || n < p.cfg.Chunk {
			break
		}
	}
	if p.cfg.Retention <= 0 || ctx.Err() != nil {
		return p.logged(res)
	}
	before, after := now.Add(-p.cfg.Retention), ""
	for {
		var n int
		err := p.step(ctx, func() (err error) {
			n, after, err = p.cfg.Store.MessagePurge(ctx, store.MessagePurgeParams{Before: before, After: after, Limit: p.cfg.Chunk})
			return err
		})
		res.Messages += n
		if err != nil || after == "" {
			break
		}
	}
	for ctx.Err() == nil {
		var n int
		err := p.step(ctx, func() (err error) {
			n, err = p.cfg.Store.InboundRequestPurge(ctx, store.InboundRequestPurgeParams{Before: before, Limit: p.cfg.Chunk})
			return err
		})
		res.Requests += n
		if err != nil || n < p.cfg.Chunk {
			break
		}
	}
	return p.logged(res)
}

// step runs one transaction and rests after it, RestFactor times as long
// as it took (at least Pause), so live traffic gets the writer between
// steps. It returns the step's error, or ctx's when the rest is cut short.
func (p *Purger) step(ctx context.Context, run func() error) error {
	start := time.Now()
	if err := run(); err != nil {
		if ctx.Err() == nil {
			p.cfg.Logger.Warn("retention purge", "err", err)
		}
		return err
	}
	rest := max(p.cfg.Pause, time.Duration(p.cfg.RestFactor)*time.Since(start))
	t := time.NewTimer(rest)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Purger) logged(res Result) Result {
	if res.Messages > 0 || res.Payloads > 0 || res.Requests > 0 {
		p.cfg.Logger.Info("retention purge", "messages", res.Messages, "payloads", res.Payloads, "inbound_requests", res.Requests)
	}
	return res
}
