package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The follow stream of a bin: GET .../request/stream answers Server-Sent
// Events, one "request" event a new capture (the whole capture, body in
// base64, event ID its capture ID), a comment line as heartbeat.
//
// What it sends comes from the store, never from memory: the catch URL's
// Hub only says "look again" after a commit, and the stream reads what is
// new since the last capture it sent. So a capture is sent after it
// commits, none is lost while the stream is busy, and a client that
// reconnects with Last-Event-ID (or ?after=cap_...) gets what it missed.
// The Hub is in-process: on a node sharing PostgreSQL with others,
// captures received elsewhere come at the next heartbeat's read.

const (
	// streamHeartbeat is how often a quiet stream says it is alive, and
	// reads the store for captures other nodes received.
	streamHeartbeat = 15 * time.Second
	// streamLookback is how far back each read looks, by capture time,
	// for captures that committed after a later one (IDs are made before
	// the commit, which may take its time): those are sent late rather
	// than never.
	streamLookback = 5 * time.Second
	// streamPage is how many captures one read returns.
	streamPage = 20
)

func (a *API) captureStream(w http.ResponseWriter, r *http.Request) error {
	b, err := a.bin(r)
	if err != nil {
		return err
	}
	after := r.Header.Get("Last-Event-ID")
	if q := r.URL.Query().Get("after"); q != "" {
		after = q
	}
	if after != "" && !webhook.ValidID(webhook.PrefixCapture, after) {
		return errBadRequest("bad_request", "Last-Event-ID and after must be a capture ID (cap_...)")
	}
	// Follow before the first read: a capture committed between the two
	// still wakes the loop.
	wake, stop := a.captures.Follow(b.ID)
	defer stop()
	// A fresh stream starts now, before its headers go: a client that
	// sends a request once it has them gets that request.
	f := newFollower(b.ID, after, a.now(), reveal(r))

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // proxies that buffer (nginx) would hold events
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return nil
	}
	heartbeat := time.NewTicker(streamHeartbeat)
	defer heartbeat.Stop()
	ctx := r.Context()
	for {
		if err := f.send(ctx, a.store, w); err != nil {
			// The client went, or the store failed: the client resumes
			// from the last event it got.
			if ctx.Err() == nil {
				a.logger.WarnContext(ctx, "inspector stream", "bin", b.ID, "err", err)
			}
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-wake:
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return nil
			}
		case <-ctx.Done(): // client gone, or the API's request deadline
			return nil
		case <-a.done: // server stopping
			return nil
		}
	}
}

// follower is one stream's place in its bin's captures.
type follower struct {
	binID  string
	reveal bool
	// after: only captures with a greater ID are sent (the resumed
	// Last-Event-ID, or the boundary of the stream's start).
	after string
	// newest is the time of the newest capture sent, from which each read
	// looks back streamLookback; sent the IDs sent within that window.
	newest time.Time
	sent   map[string]time.Time
}

func newFollower(binID, after string, now time.Time, reveal bool) *follower {
	f := &follower{binID: binID, reveal: reveal, after: after, sent: make(map[string]time.Time)}
	if after == "" {
		f.after = webhook.BoundaryID(webhook.PrefixCapture, now)
	}
	f.newest, _ = webhook.IDTime(f.after)
	return f
}

// captureLister is what a follower reads.
type captureLister interface {
	CaptureList(ctx context.Context, p store.CaptureListParams) ([]inspector.Capture, error)
}

// send writes an event for each capture not sent yet, oldest first.
func (f *follower) send(ctx context.Context, s captureLister, w http.ResponseWriter) error {
	from := webhook.BoundaryID(webhook.PrefixCapture, f.newest.Add(-streamLookback))
	if from < f.after {
		from = f.after
	}
	for {
		page, err := s.CaptureList(ctx, store.CaptureListParams{
			BinID: f.binID, WithBody: true,
			Page: store.Page{Limit: streamPage, After: from, Order: store.Ascending},
		})
		if err != nil {
			return err
		}
		for _, c := range page {
			from = c.ID
			if _, done := f.sent[c.ID]; done || c.ID <= f.after {
				continue
			}
			data, err := json.Marshal(renderCapture(c, f.reveal, true))
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(w, "id: %s\nevent: request\ndata: %s\n\n", c.ID, data); err != nil {
				return err
			}
			t, _ := webhook.IDTime(c.ID)
			f.sent[c.ID] = t
			if t.After(f.newest) {
				f.newest = t
			}
		}
		if len(page) < streamPage {
			break
		}
	}
	for id, t := range f.sent {
		if t.Before(f.newest.Add(-streamLookback)) {
			delete(f.sent, id)
		}
	}
	return nil
}
