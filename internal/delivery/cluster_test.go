package delivery

import (
	"log/slog"
	"testing"

	"golang.org/x/time/rate"
)

// TestRateLimiterSplitsAmongNodes checks that each node's token bucket
// runs at the endpoint's rateLimit divided by the live nodes, and follows
// changes of either.
func TestRateLimiterSplitsAmongNodes(t *testing.T) {
	limit := func(n int) *int { return &n }
	var q endpointQueue
	tests := []struct {
		limit *int
		nodes int
		want  rate.Limit // 0: no limiter
	}{
		{limit(10), 1, 10},
		{limit(10), 2, 5},
		{limit(10), 3, 10.0 / 3},
		{limit(1), 4, 0.25}, // below one a second: one every 4s per node
		{limit(10), 0, 10},  // no count yet: a node alone
		{limit(20), 2, 10},
		{nil, 2, 0},
		{limit(0), 2, 0},
	}
	for _, tt := range tests {
		lim := q.rateLimiter(tt.limit, tt.nodes)
		switch {
		case tt.want == 0 && lim != nil:
			t.Errorf("rateLimiter(%v, %d) = %v a second, want no limiter", deref(tt.limit), tt.nodes, lim.Limit())
		case tt.want != 0 && (lim == nil || lim.Limit() != tt.want):
			t.Errorf("rateLimiter(%v, %d) = %v, want %v a second", deref(tt.limit), tt.nodes, lim, tt.want)
		}
	}
	// Unchanged limit and nodes keep the bucket (and the tokens it holds).
	first := q.rateLimiter(limit(7), 2)
	if again := q.rateLimiter(limit(7), 2); again != first {
		t.Errorf("rateLimiter with the same limit and nodes made a new bucket")
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestSetLiveKeepsAtLeastOne(t *testing.T) {
	c := newCluster(&Engine{cfg: Config{}, logger: slog.New(slog.DiscardHandler)})
	for _, tt := range []struct{ set, want int }{{3, 3}, {0, 1}, {-2, 1}, {2, 2}} {
		c.setLive(tt.set)
		if got := c.liveNodes(); got != tt.want {
			t.Errorf("setLive(%d): liveNodes() = %d, want %d", tt.set, got, tt.want)
		}
	}
}
