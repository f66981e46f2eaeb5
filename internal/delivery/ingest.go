package delivery

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hookline/hookline/internal/api"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// committer group-commits published messages: while one transaction is
// being written and fsynced, the requests that arrive queue up, and the
// next transaction takes them all. Under load, one fsync serves many
// requests; when idle, a lone request commits at once, without waiting.
type committer struct {
	e    *Engine
	in   chan *pendingMessage
	quit chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

type pendingMessage struct {
	item    store.MessageCreate
	targets []*target
	done    chan error
}

var pendingPool = sync.Pool{New: func() any { return &pendingMessage{done: make(chan error, 1)} }}

func newCommitter(e *Engine) *committer {
	return &committer{e: e, in: make(chan *pendingMessage, 4*e.cfg.MaxBatch), quit: make(chan struct{})}
}

func (c *committer) start(loops *sync.WaitGroup) {
	for range c.e.cfg.Committers {
		c.wg.Add(1)
		loops.Add(1)
		go func() {
			defer loops.Done()
			defer c.wg.Done()
			c.run()
		}()
	}
}

// stop lets queued messages commit, then ends the loops. Publish refuses
// new messages after it.
func (c *committer) stop() {
	c.once.Do(func() { close(c.quit) })
	c.wg.Wait()
}

// errStopping answers a Publish that arrives during shutdown; the API
// maps it to a 503 and the client retries elsewhere or later.
var errStopping = fmt.Errorf("server is shutting down: %w", store.ErrUnavailable)

func (c *committer) run() {
	batch := make([]*pendingMessage, 0, c.e.cfg.MaxBatch)
	items := make([]store.MessageCreate, 0, c.e.cfg.MaxBatch)
	for {
		var first *pendingMessage
		select {
		case first = <-c.in:
		case <-c.quit:
			// Commit what was already handed over, then stop.
			for {
				select {
				case p := <-c.in:
					c.commit([]*pendingMessage{p}, items[:0])
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	drain:
		for len(batch) < c.e.cfg.MaxBatch {
			select {
			case p := <-c.in:
				batch = append(batch, p)
			default:
				break drain
			}
		}
		c.commit(batch, items[:0])
	}
}

func (c *committer) commit(batch []*pendingMessage, items []store.MessageCreate) {
	for _, p := range batch {
		items = append(items, p.item)
	}
	// The commit must not be cut short by one client going away: the
	// others in the batch are waiting on it.
	errs, err := c.e.store.MessageCreateBatch(c.e.runCtx, items)
	for i, p := range batch {
		switch {
		case err != nil:
			p.done <- fmt.Errorf("commit messages: %w", err)
		default:
			p.done <- errs[i]
		}
	}
	clear(items)
}

// Publish routes a message, commits it with its deliveries and, once the
// commit is durable, hands the deliveries to the dispatcher. It implements
// api.Engine.
func (e *Engine) Publish(ctx context.Context, p api.PublishParams) error {
	msg := p.Message
	targets, err := e.index.Route(ctx, msg.AppID, msg.EventType, msg.Channels, p.OnlyEndpoint)
	if err != nil {
		return err
	}
	if p.OnlyEndpoint != "" && len(targets) == 0 {
		return fmt.Errorf("endpoint %s: %w", p.OnlyEndpoint, store.ErrNotFound)
	}
	now := e.now()
	lease := store.Lease{Owner: e.cfg.NodeID, Token: 1, ExpiresAt: now.Add(e.cfg.LeaseDuration)}
	deliveries := make([]webhook.Delivery, len(targets))
	for i, t := range targets {
		deliveries[i] = webhook.Delivery{
			MsgID: msg.ID, EndpointID: t.ID, AppID: msg.AppID,
			Status: webhook.StatusPending, NextAttemptAt: &msg.CreatedAt,
			CreatedAt: msg.CreatedAt, UpdatedAt: msg.CreatedAt,
		}
	}
	pm := pendingPool.Get().(*pendingMessage)
	pm.item = store.MessageCreate{Message: msg, Deliveries: deliveries, Lease: lease, Idempotency: p.Idempotency}
	pm.targets = targets

	select {
	case <-e.ingest.quit:
		return errStopping
	default:
	}
	select {
	case e.ingest.in <- pm:
	case <-e.ingest.quit:
		return errStopping
	case <-ctx.Done():
		return fmt.Errorf("publish: %w", ctx.Err())
	}
	// Once handed over, wait for the outcome whatever the client does: the
	// message may be committed, and its deliveries must then be dispatched.
	err = <-pm.done
	pm.item = store.MessageCreate{}
	pm.targets = nil
	pendingPool.Put(pm)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("eventId %q already used: %w", msg.EventID, err)
		}
		return err
	}
	for _, t := range targets {
		e.dispatch.enqueue(job{
			appID: msg.AppID, endpointID: t.ID, msg: msg,
			token: lease.Token, leaseExpires: lease.ExpiresAt, trigger: webhook.TriggerScheduled,
		})
	}
	return nil
}

// Resend attempts a message again to one endpoint, now, as a manual
// trigger. It implements api.Engine.
func (e *Engine) Resend(ctx context.Context, appID, msgID, endpointID string) error {
	now := e.now()
	claim, err := e.store.DeliveryResend(ctx, store.DeliveryResendParams{
		AppID: appID, MsgID: msgID, EndpointID: endpointID, Now: now,
		Lease: store.Lease{Owner: e.cfg.NodeID, ExpiresAt: now.Add(e.cfg.LeaseDuration)},
	})
	if err != nil {
		return fmt.Errorf("resend: %w", err)
	}
	e.dispatch.enqueue(jobFromClaim(claim))
	return nil
}

// Recover re-queues an endpoint's failed deliveries and wakes the poller.
// It implements api.Engine.
func (e *Engine) Recover(ctx context.Context, p store.DeliveryRecoverParams) (int, error) {
	if p.Now.IsZero() {
		p.Now = e.now()
	}
	n, err := e.store.DeliveryRecover(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("recover: %w", err)
	}
	e.poll.wakeAt(p.Now)
	return n, nil
}

// EndpointsChanged drops the app's endpoints from the routing index. It
// implements api.Engine.
func (e *Engine) EndpointsChanged(appID string) { e.index.Invalidate(appID) }

var _ api.Engine = (*Engine)(nil)
