package delivery

import (
	"fmt"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// writer is the engine's one way to the disk. It group-commits published
// messages and attempt outcomes together: while one transaction is being
// written and fsynced, whatever arrives queues up, and the next
// transaction takes it all. Under load one fsync serves many requests and
// outcomes, however the mix runs; when idle, a lone request commits at
// once, without waiting.
type writer struct {
	e        *Engine
	messages chan *pendingMessage
	outcomes chan store.Outcome

	// gate keeps Publish from handing a message over once closeMessages
	// has begun, so that none is left in the channel unanswered.
	gate      sync.RWMutex
	closed    bool
	handedIn  sync.WaitGroup // messages handed over and not yet answered
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// pendingMessage is a message waiting for its commit.
type pendingMessage struct {
	item    store.MessageCreate
	targets []*target
	done    chan error
}

var pendingPool = sync.Pool{New: func() any { return &pendingMessage{done: make(chan error, 1)} }}

func newWriter(e *Engine) *writer {
	return &writer{
		e:        e,
		messages: make(chan *pendingMessage, 4*e.cfg.MaxBatch),
		outcomes: make(chan store.Outcome, 4*e.cfg.MaxBatch),
	}
}

// start runs cfg.Committers loops: one suits SQLite's single writer;
// PostgreSQL gains from a few transactions in flight.
func (w *writer) start(loops *sync.WaitGroup) {
	for range w.e.cfg.Committers {
		w.wg.Add(1)
		loops.Add(1)
		go func() {
			defer loops.Done()
			defer w.wg.Done()
			w.run()
		}()
	}
}

// errStopping answers a Publish that arrives during shutdown; the API
// maps it to a 503 and the client retries elsewhere or later.
var errStopping = fmt.Errorf("server is shutting down: %w", store.ErrUnavailable)

// submit hands a message to the writer and waits for its commit. Once
// handed over, it waits whatever the caller's ctx does: the message may be
// committed, and its deliveries must then be dispatched.
func (w *writer) submit(done <-chan struct{}, p *pendingMessage) error {
	w.gate.RLock()
	if w.closed {
		w.gate.RUnlock()
		return errStopping
	}
	select {
	case w.messages <- p:
		w.handedIn.Add(1)
		w.gate.RUnlock()
	case <-done:
		w.gate.RUnlock()
		return errCallerGone
	}
	err := <-p.done
	w.handedIn.Done()
	return err
}

var errCallerGone = fmt.Errorf("publish: request cancelled before the message was handed over")

// closeMessages refuses new messages and waits until those handed over
// are committed (or failed) and answered.
func (w *writer) closeMessages() {
	w.closeOnce.Do(func() {
		w.gate.Lock()
		w.closed = true
		w.gate.Unlock()
	})
	w.handedIn.Wait()
}

// addOutcome queues an attempt's outcome. It blocks while the writer is
// behind (or the database away), which holds the senders back: better
// than piling outcomes up in memory.
func (w *writer) addOutcome(o store.Outcome) { w.outcomes <- o }

// stop writes the outcomes already queued, then ends the loops. Messages
// must be closed and the dispatcher stopped first, so nothing comes after.
func (w *writer) stop() {
	w.closeMessages()
	close(w.outcomes)
	w.wg.Wait()
}

func (w *writer) run() {
	maxBatch, maxOutcomes := w.e.cfg.MaxBatch, w.e.cfg.OutcomeBatch
	batch := make([]*pendingMessage, 0, maxBatch)
	items := make([]store.MessageCreate, 0, maxBatch)
	outs := make([]store.Outcome, 0, maxOutcomes)     // outcomes carried over a failed write included
	outcomes := w.outcomes                            // nil once closed and drained
	current := make([]store.Outcome, 0, maxOutcomes)  // what this commit writes
	deferred := make([]store.Outcome, 0, maxOutcomes) // postponements left for the next
	var backoff time.Duration
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()

	// rows counts the deliveries the batch's messages create: a message to
	// ten endpoints weighs ten.
	rows := 0
	// postpones counts the postponements in outs: only when there are
	// more than a commit takes are they split off.
	postpones := 0
	// room gives the channels that still have room in this batch; a nil
	// channel is never ready in a select. New messages are bounded by the
	// delivery rows they create, so that under fan-out the outcomes of
	// work already taken are written as fast as new work comes in: the
	// accepted rate yields to the delivered rate, not the reverse, and
	// latency stays low.
	room := func() (chan *pendingMessage, chan store.Outcome) {
		var m chan *pendingMessage
		var o chan store.Outcome
		if len(batch) < maxBatch && rows < maxBatch {
			m = w.messages
		}
		if len(outs) < maxOutcomes {
			o = outcomes
		}
		return m, o
	}
	takeMessage := func(p *pendingMessage) {
		batch = append(batch, p)
		rows += max(1, len(p.item.Deliveries))
	}
	takeOutcome := func(o store.Outcome, ok bool) {
		if !ok {
			outcomes = nil // closed: the stop has begun
			return
		}
		outs = append(outs, o)
		if o.Postpone {
			postpones++
		}
	}
	for {
		// Wait for work. Outcomes carried over a failed write are tried
		// again after the backoff, or at once with the next message.
		if len(outs) == 0 || backoff > 0 {
			if outcomes == nil && len(outs) == 0 {
				return
			}
			if len(outs) > 0 {
				resetTimer(retry, backoff)
			}
			msgs, outCh := room()
			select {
			case p := <-msgs:
				takeMessage(p)
			case o, ok := <-outCh:
				takeOutcome(o, ok)
			case <-retry.C:
			case <-w.e.runCtx.Done():
				// Hard stop: outcomes not written are given up; their
				// deliveries keep their leases, which lapse, and are
				// attempted again (at least once).
				w.failQueued(errStopping)
				return
			}
		}
	drain:
		for {
			msgs, outCh := room()
			if msgs == nil && outCh == nil {
				break
			}
			select {
			case p := <-msgs:
				takeMessage(p)
			case o, ok := <-outCh:
				takeOutcome(o, ok)
			default:
				break drain
			}
		}
		if len(batch) == 0 && len(outs) == 0 {
			continue
		}
		thisCommit, nextCommit, split := outs, []store.Outcome(nil), postpones > maxPostponesPerCommit
		if split {
			thisCommit, nextCommit = splitPostponements(outs, current[:0], deferred[:0])
		}
		if err := w.write(batch, items[:0], thisCommit); err != nil {
			backoff = min(max(2*backoff, 50*time.Millisecond), 5*time.Second)
			w.e.logger.Warn("write messages and outcomes; outcomes will be retried",
				"messages", len(batch), "outcomes", len(outs), "err", err)
		} else {
			backoff = 0
			postpones -= min(postpones, maxPostponesPerCommit)
			n := copy(outs, nextCommit)
			clear(outs[n:])
			outs = outs[:n]
		}
		if split {
			clear(thisCommit)
			clear(nextCommit)
		}
		clear(batch)
		batch, rows = batch[:0], 0
	}
}

// maxPostponesPerCommit bounds a dead endpoint's postponements in one
// commit. Each updates a row somewhere in a large table (a random page),
// and a commit of hundreds of them made the requests waiting for the next
// commit wait tens of milliseconds; the rest go into the commits after,
// with the new messages that arrive meanwhile.
const maxPostponesPerCommit = 32

// splitPostponements appends to now the outcomes of outs to write in this
// commit, all but the postponements past maxPostponesPerCommit, which go
// to later, in order.
func splitPostponements(outs, now, later []store.Outcome) ([]store.Outcome, []store.Outcome) {
	n := 0
	for _, o := range outs {
		if o.Postpone {
			if n == maxPostponesPerCommit {
				later = append(later, o)
				continue
			}
			n++
		}
		now = append(now, o)
	}
	return now, later
}

// write commits one batch and answers its messages. On error the
// messages are answered with it, and the outcomes stay for the next try.
func (w *writer) write(batch []*pendingMessage, items []store.MessageCreate, outs []store.Outcome) error {
	for _, p := range batch {
		items = append(items, p.item)
	}
	// The commit must not be cut short by one client going away: the
	// others in the batch are waiting on it.
	start := time.Now()
	errs, applied, err := w.e.store.WriteBatch(w.e.runCtx, items, outs)
	w.observe(items, errs, len(outs), time.Since(start), err != nil)
	if err == nil {
		w.tellWatchers(items, errs, outs) // before items are cleared and the messages answered
	}
	clear(items)
	for i, p := range batch {
		switch {
		case err != nil:
			p.done <- fmt.Errorf("commit messages: %w", err)
		default:
			p.done <- errs[i]
		}
	}
	if err != nil {
		return err
	}
	w.afterOutcomes(outs, applied)
	return nil
}

// observe tells the engine's observers about one commit and the messages
// it made durable, before they are answered.
func (w *writer) observe(items []store.MessageCreate, errs []error, outcomes int, took time.Duration, failed bool) {
	ev := CommitEvent{Outcomes: outcomes, Duration: took, Failed: failed}
	if !failed {
		for i := range items {
			if errs[i] != nil {
				ev.Refused++
				continue
			}
			m := &items[i].Message
			ev.Messages++
			ev.Deliveries += len(items[i].Deliveries)
			w.e.obs.messageCommitted(MessageEvent{
				AppID: m.AppID, MsgID: m.ID, EventType: m.EventType, CreatedAt: m.CreatedAt, Deliveries: len(items[i].Deliveries),
			})
		}
	}
	w.e.obs.committed(ev)
}

// tellWatchers reports the committed messages and attempts to the
// engine's listeners (watch.go); nothing when none listens.
func (w *writer) tellWatchers(items []store.MessageCreate, errs []error, outs []store.Outcome) {
	if !w.e.watch.active() {
		return
	}
	for i := range items {
		if errs[i] == nil {
			w.e.watch.tell(Committed{AppID: items[i].Message.AppID, MsgID: items[i].Message.ID})
		}
	}
	for i := range outs {
		// A postponement writes no attempt; a fenced outcome's attempt
		// row is kept, so it is news too.
		if a := &outs[i].Attempt; !outs[i].Postpone {
			w.e.watch.tell(Committed{AppID: a.AppID, MsgID: a.MsgID, EndpointID: a.EndpointID, AttemptID: a.ID})
		}
	}
}

// failQueued answers every message still in the channel with err.
func (w *writer) failQueued(err error) {
	for {
		select {
		case p := <-w.messages:
			p.done <- err
		default:
			return
		}
	}
}

// afterOutcomes acts on written outcomes: the routing index forgets an
// endpoint a 410 disabled, and the poller wakes for the earliest retry.
func (w *writer) afterOutcomes(outs []store.Outcome, applied []bool) {
	e := w.e
	var earliest time.Time
	for i, o := range outs {
		if !applied[i] {
			e.logger.Debug("outcome fenced by a newer lease", "msg", o.Attempt.MsgID, "endpoint", o.Attempt.EndpointID)
			continue
		}
		if o.DisableEndpoint {
			e.EndpointsChanged(o.Attempt.AppID)
			e.logger.Info("endpoint disabled: receiver answered 410 Gone", "app", o.Attempt.AppID, "endpoint", o.Attempt.EndpointID)
			e.ops.emit(opEvent{EndpointEvent: EndpointEvent{
				Type: EventEndpointDisabled, AppID: o.Attempt.AppID, EndpointID: o.Attempt.EndpointID,
				Trigger: "automatic", Reason: "the receiver answered 410 Gone",
			}})
		}
		if (o.Status == webhook.StatusSending || o.Postpone) && o.NextAttemptAt != nil {
			if earliest.IsZero() || o.NextAttemptAt.Before(earliest) {
				earliest = *o.NextAttemptAt
			}
		}
	}
	if !earliest.IsZero() {
		e.poll.wakeAt(earliest)
		e.cluster.broadcast(store.Event{Kind: store.EventDeliveriesDue, At: earliest})
	}
}
