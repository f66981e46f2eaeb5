package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/store"
)

// Several nodes on one database (store/postgres) keep each other informed
// through the store's optional interfaces, store.Notifier and
// store.NodeRegistry; a store owned by one process (SQLite) provides
// neither and the engine runs alone.
//
// Notifications only make things faster, never correct: a lost one (the
// listener was disconnected) leaves another node's routing index stale for
// at most indexTTL and its due deliveries waiting for at most
// PollInterval; every reconnection drops the whole index and claims at
// once, as events may have been missed meanwhile.

// cluster is the engine's side of the nodes sharing its database.
type cluster struct {
	e        *Engine
	notifier store.Notifier     // nil: no other nodes to tell
	registry store.NodeRegistry // nil: this node has every rate to itself
	outbox   chan store.Event

	mu   sync.Mutex
	live int // nodes seen in the last NodeLiveWindow, this one included; at least 1
}

// outboxSize bounds the events waiting to be sent. When it is full an
// event is dropped: the others' index TTL and poll interval bound what
// that costs, and a full outbox means the database is away anyway.
const outboxSize = 256

func newCluster(e *Engine) *cluster {
	c := &cluster{e: e, live: 1, outbox: make(chan store.Event, outboxSize)}
	c.notifier, _ = e.store.(store.Notifier)
	c.registry, _ = e.store.(store.NodeRegistry)
	return c
}

// start runs the listener, the sender and the heartbeat, each until the
// engine's hard stop.
func (c *cluster) start(loops *sync.WaitGroup) {
	ctx := c.e.runCtx
	if c.notifier != nil {
		loops.Add(2)
		go func() {
			defer loops.Done()
			_ = c.notifier.Listen(ctx, c.received)
		}()
		go func() {
			defer loops.Done()
			c.send(ctx)
		}()
	}
	if c.registry != nil {
		loops.Add(1)
		go func() {
			defer loops.Done()
			c.heartbeat(ctx)
		}()
	}
}

// leave takes this node out of the rate split at a clean stop, so the
// others take its share at their next heartbeat rather than after the
// live window.
func (c *cluster) leave() {
	if c.registry == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.registry.NodeLeave(ctx, c.e.cfg.NodeID); err != nil {
		c.e.logger.Warn("leave the node registry; the others notice after the live window", "err", err)
	}
}

// broadcast queues e for the other nodes, without waiting.
func (c *cluster) broadcast(e store.Event) {
	if c.notifier == nil {
		return
	}
	select {
	case c.outbox <- e:
	default:
		c.e.logger.Debug("notification dropped: outbox full", "kind", e.Kind, "app", e.AppID)
	}
}

// send notifies what the outbox holds. Under load events come faster than
// round trips, so each pass coalesces what has queued: one event per
// changed app, and one "due" event at the earliest time.
func (c *cluster) send(ctx context.Context) {
	apps := map[string]bool{}
	for {
		var due time.Time
		select {
		case <-ctx.Done():
			return
		case ev := <-c.outbox:
			c.coalesce(ev, apps, &due)
		}
	drain:
		for {
			select {
			case ev := <-c.outbox:
				c.coalesce(ev, apps, &due)
			default:
				break drain
			}
		}
		for app := range apps {
			c.notify(ctx, store.Event{Kind: store.EventEndpointsChanged, AppID: app})
		}
		clear(apps)
		if !due.IsZero() {
			c.notify(ctx, store.Event{Kind: store.EventDeliveriesDue, At: due})
		}
	}
}

func (c *cluster) coalesce(ev store.Event, apps map[string]bool, due *time.Time) {
	switch ev.Kind {
	case store.EventEndpointsChanged:
		apps[ev.AppID] = true
	case store.EventDeliveriesDue:
		if due.IsZero() || ev.At.Before(*due) {
			*due = ev.At
		}
	}
}

func (c *cluster) notify(ctx context.Context, ev store.Event) {
	ev.Origin = c.e.cfg.NodeID
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.notifier.Notify(ctx, ev); err != nil && ctx.Err() == nil {
		c.e.logger.Warn("notify the other nodes; they catch up within the index TTL and poll interval",
			"kind", ev.Kind, "app", ev.AppID, "err", err)
	}
}

// received acts on another node's event.
func (c *cluster) received(ev store.Event) {
	e := c.e
	if ev.Origin == e.cfg.NodeID {
		return // ours: already acted on locally
	}
	switch ev.Kind {
	case store.EventResync:
		e.index.InvalidateAll()
		e.poll.wakeAt(e.now())
	case store.EventEndpointsChanged:
		e.index.Invalidate(ev.AppID)
	case store.EventDeliveriesDue:
		at := ev.At
		if at.IsZero() {
			at = e.now()
		}
		e.poll.wakeAt(at)
	default:
		e.logger.Debug("ignore an unknown notification", "kind", ev.Kind)
	}
}

// heartbeat records this node as alive every HeartbeatInterval and keeps
// the count of live nodes for the rate split. When the store cannot be
// reached the last count stays: the database being away stops deliveries'
// outcomes anyway, and guessing 1 could multiply the rate by the nodes.
func (c *cluster) heartbeat(ctx context.Context) {
	t := time.NewTicker(c.e.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		now := c.e.now()
		live, err := c.registry.NodeHeartbeat(ctx, store.NodeHeartbeatParams{
			NodeID: c.e.cfg.NodeID, Now: now, LiveSince: now.Add(-c.e.cfg.NodeLiveWindow),
		})
		switch {
		case err != nil && ctx.Err() == nil:
			c.e.logger.Warn("node heartbeat; keeping the last count of live nodes", "err", err)
		case err == nil:
			c.setLive(live)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (c *cluster) setLive(n int) {
	n = max(n, 1)
	c.mu.Lock()
	old := c.live
	c.live = n
	c.mu.Unlock()
	if old != n {
		c.e.logger.Info("live nodes changed: endpoint rate limits are split among them", "nodes", n, "was", old)
	}
}

// liveNodes is how many nodes share each endpoint's rate limit.
func (c *cluster) liveNodes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}
