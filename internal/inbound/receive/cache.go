package receive

import (
	"context"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/inbound"
)

// sourceTTL is how long a source read by its token is used before it is
// read again: a rotated token, an edit or a deletion takes effect within
// it, on every node. Without the cache, reading and unsealing the source
// costs a sixth of an inbound request's CPU.
const sourceTTL = time.Second

// maxCachedSources bounds the cache; past it, expired entries go.
const maxCachedSources = 10_000

// sourceCache keeps the sources recently found by their token hash.
type sourceCache struct {
	mu      sync.Mutex
	entries map[string]cachedSource
}

type cachedSource struct {
	src     inbound.Source
	expires time.Time
}

// get returns the source of hash, reading it with read when it is not
// cached or expired. Errors (not found included) are not cached.
func (c *sourceCache) get(ctx context.Context, hash []byte, now time.Time, read func(context.Context, []byte) (inbound.Source, error)) (inbound.Source, error) {
	key := string(hash)
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.src, nil
	}
	src, err := read(ctx, hash)
	if err != nil {
		return inbound.Source{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cachedSource{}
	}
	if len(c.entries) >= maxCachedSources {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
	}
	c.entries[key] = cachedSource{src: src, expires: now.Add(sourceTTL)}
	return src, nil
}
