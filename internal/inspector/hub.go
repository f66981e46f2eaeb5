package inspector

import "sync"

// Hub wakes the followers of a bin after a capture of it commits. It
// carries no data, only "look again": a follower reads what is new from
// the store, so a wake-up it misses while busy costs nothing (the next
// read finds both captures) and a slow follower never holds up the catch
// URL. It is in-process: followers on other nodes of a shared PostgreSQL
// learn of a capture only when they read again on their own (the stream
// does at every heartbeat).
type Hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: make(map[string]map[chan struct{}]struct{})}
}

// Follow returns a channel that receives a value after captures of binID
// commit (several commits may make one wake-up), and the function that
// stops it; call it when done.
func (h *Hub) Follow(binID string) (wake <-chan struct{}, stop func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	set := h.subs[binID]
	if set == nil {
		set = make(map[chan struct{}]struct{})
		h.subs[binID] = set
	}
	set[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[binID], ch)
		if len(h.subs[binID]) == 0 {
			delete(h.subs, binID)
		}
	}
}

// Notify wakes binID's followers. It never blocks: a follower already
// woken and not yet reading keeps its one pending wake-up.
func (h *Hub) Notify(binID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[binID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
