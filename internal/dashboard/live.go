package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/webhook"
)

// The live updates of the message log and a message's page: a
// Server-Sent Events stream (static/live.js) that says "look again" when
// the engine commits a message or an attempt of the app, and the page
// fetches itself and swaps the parts that changed. The stream carries no
// data of its own, so it shows nothing the page would not, and the page
// has one way of rendering. The engine reports only what this node
// commits (delivery.Engine.Watch): with several nodes behind a load
// balancer, attempts made on another node appear at the next reload.
const (
	// liveHeartbeat keeps proxies from closing a quiet stream.
	liveHeartbeat = 15 * time.Second
	// liveLifetime ends every stream after a while: the browser opens a
	// new one at once, and the session is checked again.
	liveLifetime = 10 * time.Minute
	// liveCoalesce is the least time between two events of one stream: a
	// busy app's commits are told as one "look again" per interval.
	liveCoalesce = time.Second
	// liveRetry is how soon the browser reconnects, in milliseconds.
	liveRetry = 3000
)

// liveStreams ends the open streams when the server stops.
type liveStreams struct {
	once, stop sync.Once
	done       chan struct{}
}

func (l *liveStreams) closed() <-chan struct{} {
	l.once.Do(func() { l.done = make(chan struct{}) })
	return l.done
}

// Close ends the live streams, so that an HTTP server's Shutdown, which
// waits for responses to end, is not held up by them; the server
// registers it with RegisterOnShutdown. Later streams end at once.
func (d *Dashboard) Close() {
	d.live.closed()
	d.live.stop.Do(func() { close(d.live.done) })
}

// messagesLive streams a "change" event when a message (for the log's
// first page) or an attempt (of the message ?msg=, else of any) of the
// app is committed, at most one per liveCoalesce, with heartbeats, until
// the client goes, the stream's lifetime ends or the server stops.
func (d *Dashboard) messagesLive(w http.ResponseWriter, r *http.Request, a appRequest) error {
	msg := r.URL.Query().Get("msg")
	if msg != "" && !webhook.ValidID(webhook.PrefixMessage, msg) {
		d.errorPage(w, http.StatusBadRequest, "Bad link", "This live stream's message is not valid.")
		return nil
	}
	events, stop := d.engine.Watch(a.App.ID)
	defer stop()
	return d.serveLive(w, func(send func(string) error) error {
		return d.stream(r.Context(), events, msg, send)
	})
}

// serveLive answers an event stream: its headers and first lines, then
// run's events until run returns (the client, the stream's lifetime or
// the server ended it).
func (d *Dashboard) serveLive(w http.ResponseWriter, run func(send func(string) error) error) error {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	send := func(s string) error {
		if _, err := fmt.Fprint(w, s); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send(fmt.Sprintf("retry: %d\n: open\n\n", liveRetry)); err != nil {
		return nil // the client is gone
	}
	if err := run(send); errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("live: %w", err)
	}
	return nil
}

// stream tells send of the commits among events that concern msg (any
// message and attempt when msg is empty, else msg's attempts): at most
// one "change" per liveCoalesce, the ones in between folded into the
// next, with a heartbeat when quiet. It returns when ctx ends, the
// stream's lifetime is up, the dashboard closes, or send fails.
func (d *Dashboard) stream(ctx context.Context, events <-chan delivery.Committed, msg string, send func(string) error) error {
	return liveLoop(ctx, d.live.closed(), events, func(c delivery.Committed) bool {
		return msg == "" || c.MsgID == msg && c.AttemptID != ""
	}, send)
}

// liveLoop tells send of the events that keep accepts: at most one
// "change" per liveCoalesce, the ones in between folded into the next,
// with a heartbeat when quiet. It returns when ctx ends, the stream's
// lifetime is up, closed is closed, events closes, or send fails.
func liveLoop[T any](ctx context.Context, closed <-chan struct{}, events <-chan T, keep func(T) bool, send func(string) error) error {
	heartbeat := time.NewTicker(liveHeartbeat)
	defer heartbeat.Stop()
	lifetime := time.NewTimer(liveLifetime)
	defer lifetime.Stop()
	var quiet <-chan time.Time // set while a sent event holds the next back
	pending := false
	change := func() error {
		pending = false
		quiet = time.After(liveCoalesce)
		return send("event: change\ndata: {}\n\n")
	}
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case <-closed:
			return nil
		case <-lifetime.C:
			return nil
		case <-heartbeat.C:
			err = send(": heartbeat\n\n")
		case c, ok := <-events:
			if !ok {
				return nil
			}
			if !keep(c) {
				continue
			}
			if quiet != nil {
				pending = true
				continue
			}
			err = change()
		case <-quiet:
			quiet = nil
			if pending {
				err = change()
			}
		}
		if err != nil {
			return err
		}
	}
}
