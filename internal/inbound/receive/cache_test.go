package receive

import (
	"context"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/store"
)

func TestSourceCacheRereadsAfterTTL(t *testing.T) {
	var reads int
	name := "first"
	var fail error
	read := func(context.Context, []byte) (inbound.Source, error) {
		reads++
		return inbound.Source{ID: "src_1", Name: name}, fail
	}
	var c sourceCache
	ctx := context.Background()
	at := time.Unix(1_700_000_000, 0)
	get := func(now time.Time) (inbound.Source, error) { return c.get(ctx, []byte("h"), now, read) }

	if src, _ := get(at); src.Name != "first" || reads != 1 {
		t.Fatalf("first get: %q after %d reads", src.Name, reads)
	}
	name = "edited"
	if src, _ := get(at.Add(sourceTTL - time.Millisecond)); src.Name != "first" || reads != 1 {
		t.Errorf("within the TTL: %q after %d reads, want the cached one and no read", src.Name, reads)
	}
	if src, _ := get(at.Add(sourceTTL)); src.Name != "edited" || reads != 2 {
		t.Errorf("at the TTL: %q after %d reads, want the edit read again", src.Name, reads)
	}
	fail = store.ErrNotFound
	later := at.Add(3 * sourceTTL)
	if _, err := get(later); err != store.ErrNotFound {
		t.Errorf("a deleted source: err %v, want ErrNotFound", err)
	}
	if _, err := get(later); err != store.ErrNotFound || reads != 4 {
		t.Errorf("not found is not cached: %d reads, want 4", reads)
	}
}
