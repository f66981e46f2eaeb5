package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/webhook"
)

// health aggregates attempt outcomes per endpoint in memory and flushes
// them to the store about once a second (Config.HealthFlushInterval), in
// one small transaction: recording health costs the delivery path a map
// update per attempt, never a write. The store merges each flush into the
// endpoint's row (webhook.EndpointHealth.Merge), so every node reports its
// own attempts and the API reads the same answer from any node, at most
// about one interval behind.
type health struct {
	BaseObserver
	mu sync.Mutex
	// window holds what each endpoint's attempts told since the last
	// flush. Values, not pointers, and cleared rather than replaced, so
	// that once the map has grown an attempt allocates nothing.
	window map[string]webhook.EndpointHealth
	buf    []webhook.EndpointHealth // the flush's records, reused
}

func newHealth() *health {
	return &health{window: make(map[string]webhook.EndpointHealth)}
}

// AttemptFinished folds one attempt into its endpoint's window: O(1), no
// I/O. It implements Observer.
func (h *health) AttemptFinished(a AttemptEvent) {
	ok := a.Status == webhook.StatusSuccess
	h.mu.Lock()
	rec := h.window[a.EndpointID]
	if rec.EndpointID == "" {
		rec.AppID, rec.EndpointID = a.AppID, a.EndpointID
	}
	rec.Observe(a.At, ok, a.StatusCode, a.Response)
	h.window[a.EndpointID] = rec
	h.mu.Unlock()
}

// take empties the window and returns what it held. The slice is reused
// by the next take, so it is only good until then; flushes run one at a
// time (the flush loop, then Stop's last one after the loop has ended).
func (h *health) take() []webhook.EndpointHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf = h.buf[:0]
	for _, rec := range h.window {
		h.buf = append(h.buf, rec)
	}
	clear(h.window)
	return h.buf
}

// putBack returns records whose flush failed to the window, under what
// arrived since (which is newer), so the next flush carries both.
func (h *health) putBack(recs []webhook.EndpointHealth) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, rec := range recs {
		if newer, ok := h.window[rec.EndpointID]; ok {
			rec.Merge(newer)
		}
		h.window[rec.EndpointID] = rec
	}
}

// flushHealth writes the window to the store. On failure the records go
// back for the next flush: health is not worth a retry loop of its own.
func (e *Engine) flushHealth(ctx context.Context) {
	recs := e.health.take()
	if len(recs) == 0 {
		return
	}
	if err := e.store.EndpointHealthRecord(ctx, recs); err != nil {
		e.logger.Warn("record endpoint health; kept for the next flush", "endpoints", len(recs), "err", err)
		e.health.putBack(recs)
	}
}

// runHealthFlush flushes every HealthFlushInterval until the hard stop;
// Stop flushes once more after the last outcomes are in.
func (e *Engine) runHealthFlush(loops *sync.WaitGroup) {
	loops.Add(1)
	go func() {
		defer loops.Done()
		defer close(e.healthDone)
		tick := time.NewTicker(e.cfg.HealthFlushInterval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				e.flushHealth(e.runCtx)
			case <-e.stopHealth:
				return
			case <-e.runCtx.Done():
				return
			}
		}
	}()
}
