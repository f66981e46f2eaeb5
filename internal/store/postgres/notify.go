package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
)

// Nodes tell each other of changes with LISTEN/NOTIFY rather than a table
// they would poll: PostgreSQL is already the one thing every node talks
// to, a notification reaches every listener within milliseconds of the
// sender's commit, and an idle cluster costs nothing. NOTIFY is not
// durable (a listener that is disconnected misses what is sent meanwhile),
// so Listen reports every reconnection with store.EventResync and the
// engine drops what it caches; the caches also expire on their own.

var _ store.Notifier = (*Store)(nil)

// channelName is the notification channel of one database and schema.
// Channels are per database, not per schema, so nodes of unrelated schemas
// (tests, tenants) must not hear each other; a hash keeps the name within
// PostgreSQL's 63-byte identifiers.
func channelName(database, schema string) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s", database, schema)
	return fmt.Sprintf("hookline_%016x", h.Sum64())
}

// eventWire is an event as sent in a notification's payload (at most
// 8000 bytes; ours are about 100).
type eventWire struct {
	Kind   store.EventKind `json:"k"`
	AppID  string          `json:"a,omitempty"`
	At     int64           `json:"t,omitempty"` // unix milliseconds
	Origin string          `json:"o,omitempty"`
}

// Notify sends e to every node listening on this database and schema.
func (s *Store) Notify(ctx context.Context, e store.Event) error {
	w := eventWire{Kind: e.Kind, AppID: e.AppID, Origin: e.Origin}
	if !e.At.IsZero() {
		w.At = e.At.UnixMilli()
	}
	payload, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("notify %s: %w", e.Kind, err)
	}
	if _, err := s.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, s.channel, string(payload)); err != nil {
		return wrapErr("notify "+string(e.Kind), err)
	}
	return nil
}

// Listen holds one connection of its own, outside the pool (a LISTEN
// belongs to a session, and a pooled connection goes back to others),
// and calls fn for each event until ctx is done. When the connection is
// lost it reconnects with jittered exponential backoff, from 100ms up to
// 5s, and calls fn with store.EventResync once listening again.
func (s *Store) Listen(ctx context.Context, fn func(store.Event)) error {
	const minBackoff, maxBackoff = 100 * time.Millisecond, 5 * time.Second
	backoff := minBackoff
	for {
		err := s.listenOnce(ctx, fn, func() { backoff = minBackoff })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := time.Duration(float64(backoff) * (0.8 + 0.4*rand.Float64()))
		s.logger.Warn("listen for other nodes' changes; reconnecting", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listenOnce connects, listens and dispatches until the connection fails
// or ctx is done. connected is called once LISTEN has succeeded.
func (s *Store) listenOnce(ctx context.Context, fn func(store.Event), connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return wrapErr("listen: connect", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return wrapErr("listen", err)
	}
	connected()
	fn(store.Event{Kind: store.EventResync})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return wrapErr("listen: wait", err)
		}
		var w eventWire
		if err := json.Unmarshal([]byte(n.Payload), &w); err != nil {
			s.logger.Warn("ignore a malformed notification", "payload", n.Payload, "err", err)
			continue
		}
		e := store.Event{Kind: w.Kind, AppID: w.AppID, Origin: w.Origin}
		if w.At != 0 {
			e.At = time.UnixMilli(w.At).UTC()
		}
		fn(e)
	}
}
