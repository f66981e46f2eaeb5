package store

import (
	"context"
	"time"
)

// The interfaces in this file are optional: a backend shared by several
// processes (PostgreSQL) provides them, and the delivery engine uses them
// when its store does. A backend owned by one process (SQLite) needs
// neither: there is nobody to tell and nobody to share a rate with.

// EventKind says what changed on another node.
type EventKind string

const (
	// EventEndpointsChanged: an app's endpoints changed (created, updated,
	// disabled, deleted); routing indexes must reload the app.
	EventEndpointsChanged EventKind = "endpoints"
	// EventDeliveriesDue: deliveries become due at Event.At (retries
	// recorded, postponements, recover, a recovered endpoint woken); idle
	// pollers should claim then rather than at their next interval.
	EventDeliveriesDue EventKind = "due"
	// EventResync is produced by Listen itself, never sent: the listener
	// (re)connected, and events sent while it was away were lost, so
	// whatever is cached from other nodes' changes must be dropped.
	EventResync EventKind = "resync"
)

// Event is one notification between nodes.
type Event struct {
	Kind   EventKind
	AppID  string    // EventEndpointsChanged
	At     time.Time // EventDeliveriesDue
	Origin string    // the sending node's ID, so it can skip its own events
}

// Notifier carries events between the nodes sharing a database. Delivery
// is best effort: an event may be lost (a node was disconnected), which
// Listen reports with EventResync when it connects again; the caches an
// event keeps fresh must bound their staleness on their own as well.
type Notifier interface {
	// Notify sends e to every listening node, this one included.
	Notify(ctx context.Context, e Event) error
	// Listen calls fn for each event, one at a time, until ctx is done,
	// reconnecting with backoff when the connection is lost. It calls fn
	// with EventResync after every (re)connection, the first included.
	// It returns ctx's error.
	Listen(ctx context.Context, fn func(Event)) error
}

// NodeHeartbeatParams records that a node is alive.
type NodeHeartbeatParams struct {
	NodeID string
	Now    time.Time
	// LiveSince: nodes last seen at or after it count as live.
	LiveSince time.Time
}

// NodeRegistry keeps which nodes are alive, so that they can share
// per-endpoint rate limits.
type NodeRegistry interface {
	// NodeHeartbeat records p.NodeID as seen at p.Now and returns how many
	// nodes (this one included) were seen since p.LiveSince.
	NodeHeartbeat(ctx context.Context, p NodeHeartbeatParams) (live int, err error)
	// NodeLeave removes a node that stops cleanly, so the others take its
	// share of the rates at their next heartbeat.
	NodeLeave(ctx context.Context, nodeID string) error
}
