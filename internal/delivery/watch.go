package delivery

import (
	"sync"
	"sync/atomic"
)

// Committed is something the engine's writer has just committed in an
// app: a new message (AttemptID empty) or an attempt's outcome.
type Committed struct {
	AppID      string
	MsgID      string
	EndpointID string // the attempt's; empty for a message
	AttemptID  string
}

// watchBuffer is how many commits a watcher may fall behind before
// further ones are dropped for it.
const watchBuffer = 64

// watchers fans the writer's commits out to in-process listeners (the
// dashboard's live pages). It never blocks the writer: a listener that
// falls behind loses commits, and must treat any one it gets as "look
// again" rather than as the whole story. Commits made on other nodes are
// not seen.
type watchers struct {
	n  atomic.Int32 // listeners, read without the lock on the hot path
	mu sync.Mutex
	by map[string]map[chan Committed]struct{} // by app ID
}

// Watch returns the commits of appID's messages and attempts made from
// now on by this node, and the function that stops them (and closes the
// channel). Commits a slow reader has no room for are dropped.
func (e *Engine) Watch(appID string) (<-chan Committed, func()) {
	w := &e.watch
	ch := make(chan Committed, watchBuffer)
	w.mu.Lock()
	if w.by == nil {
		w.by = map[string]map[chan Committed]struct{}{}
	}
	if w.by[appID] == nil {
		w.by[appID] = map[chan Committed]struct{}{}
	}
	w.by[appID][ch] = struct{}{}
	w.n.Add(1)
	w.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			w.mu.Lock()
			delete(w.by[appID], ch)
			if len(w.by[appID]) == 0 {
				delete(w.by, appID)
			}
			w.n.Add(-1)
			w.mu.Unlock()
			close(ch)
		})
	}
}

// active reports whether anyone listens: the writer skips building
// commits when no one does.
func (w *watchers) active() bool { return w.n.Load() > 0 }

// tell hands c to appID's listeners without waiting for any.
func (w *watchers) tell(c Committed) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.by[c.AppID] {
		select {
		case ch <- c:
		default:
		}
	}
}
