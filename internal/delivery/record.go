package delivery

import (
	"sync"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// recorder writes attempt outcomes back in batches: one transaction for
// every outcome that arrived while the previous one was being written.
type recorder struct {
	e    *Engine
	in   chan store.Outcome
	done chan struct{}
	once sync.Once
}

func newRecorder(e *Engine) *recorder {
	return &recorder{e: e, in: make(chan store.Outcome, 4*e.cfg.MaxBatch), done: make(chan struct{})}
}

func (r *recorder) start(loops *sync.WaitGroup) {
	loops.Add(1)
	go func() {
		defer loops.Done()
		defer close(r.done)
		r.run()
	}()
}

// add queues an outcome. It blocks when the writer is behind, which holds
// back the senders: better than piling up outcomes in memory.
func (r *recorder) add(o store.Outcome) { r.in <- o }

// stop writes the outcomes already queued, then ends the loop. The
// dispatcher must have stopped first, so nothing is added after.
func (r *recorder) stop() {
	r.once.Do(func() { close(r.in) })
	<-r.done
}

func (r *recorder) run() {
	batch := make([]store.Outcome, 0, r.e.cfg.MaxBatch)
	for {
		first, ok := <-r.in
		if !ok {
			return
		}
		batch = append(batch[:0], first)
	drain:
		for len(batch) < r.e.cfg.MaxBatch {
			select {
			case o, ok := <-r.in:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		r.write(batch)
		clear(batch)
	}
}

// write stores a batch, retrying while the database is unavailable. If the
// engine is hard-stopped first, the batch is given up: its deliveries keep
// their leases, which lapse, and are attempted again (at least once).
func (r *recorder) write(batch []store.Outcome) {
	backoff := 50 * time.Millisecond
	for {
		applied, err := r.e.store.DeliveryRecordBatch(r.e.runCtx, batch)
		if err == nil {
			r.afterWrite(batch, applied)
			return
		}
		r.e.logger.Warn("record attempt outcomes; will retry", "outcomes", len(batch), "err", err)
		select {
		case <-time.After(backoff):
		case <-r.e.runCtx.Done():
			return
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (r *recorder) afterWrite(batch []store.Outcome, applied []bool) {
	var earliest time.Time
	for i, o := range batch {
		if !applied[i] {
			r.e.logger.Debug("outcome fenced by a newer lease", "msg", o.Attempt.MsgID, "endpoint", o.Attempt.EndpointID)
			continue
		}
		if o.DisableEndpoint {
			r.e.index.Invalidate(o.Attempt.AppID)
			r.e.logger.Info("endpoint disabled: receiver answered 410 Gone", "app", o.Attempt.AppID, "endpoint", o.Attempt.EndpointID)
		}
		if o.Status == webhook.StatusSending && o.NextAttemptAt != nil {
			if earliest.IsZero() || o.NextAttemptAt.Before(earliest) {
				earliest = *o.NextAttemptAt
			}
		}
	}
	if !earliest.IsZero() {
		r.e.poll.wakeAt(earliest)
	}
}
