package auth

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// tokenCache keeps recent token lookups so that authentication does not
// read the database on every request. An entry lives TokenCacheTTL, which
// bounds how long a revoked token keeps working where it was not revoked:
// on another node, or after `hookline token revoke` from another process
// (this node's own revocations, portal logout, forget at once). Only found
// tokens are kept, so a new token works at once.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]tokenEntry
	logger  *slog.Logger
}

// TokenCacheTTL: a lookup is one indexed read per token per TTL, nothing
// beside a request's own work, so the bound can be short.
const TokenCacheTTL = 2 * time.Second

// tokenUseEvery is how often a token's last use is written at most: once
// a minute is exact enough to tell live tokens from forgotten ones, and
// keeps authentication from writing on every request.
const tokenUseEvery = time.Minute

// cacheMax bounds each cache's entries against a flood of distinct names.
const cacheMax = 10000

type tokenEntry struct {
	tok     webhook.Token
	fetched time.Time
}

func newTokenCache(logger *slog.Logger) *tokenCache {
	return &tokenCache{entries: make(map[string]tokenEntry), logger: logger}
}

func (c *tokenCache) get(ctx context.Context, s Store, hash []byte, now time.Time) (webhook.Token, error) {
	key := string(hash)
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Sub(e.fetched) < TokenCacheTTL {
		return e.tok, nil
	}
	tok, err := s.TokenGetByHash(ctx, hash)
	if err != nil {
		return webhook.Token{}, err
	}
	if !tok.Expired(now) && (tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= tokenUseEvery) {
		c.markUsed(ctx, s, tok.ID, now)
		tok.LastUsedAt = &now
	}
	c.mu.Lock()
	if len(c.entries) > cacheMax {
		clear(c.entries)
	}
	c.entries[key] = tokenEntry{tok: tok, fetched: now}
	c.mu.Unlock()
	return tok, nil
}

// markUsed records the token's use off the request's path: it is a write,
// and the request need not wait for it. Its failure costs only the
// precision of `hookline token list`.
func (c *tokenCache) markUsed(ctx context.Context, s Store, id string, now time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	go func() {
		defer cancel()
		if err := s.TokenMarkUsed(ctx, store.TokenMarkUsedParams{ID: id, At: now}); err != nil {
			c.logger.Debug("record a token's last use", "token_id", id, "err", err)
		}
	}()
}

func (c *tokenCache) forgetApp(appID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.tok.AppID == appID {
			delete(c.entries, k)
		}
	}
}

func (c *tokenCache) forget(hash []byte) {
	c.mu.Lock()
	delete(c.entries, string(hash))
	c.mu.Unlock()
}

// appCache keeps recent app lookups (by ID or UID, as the caller named
// them), so that the hot path, POST /msg, does not read the app on every
// request. An entry lives appCacheTTL; this node forgets all entries on
// any app change, other nodes within the TTL. A message published to an
// app deleted meanwhile fails at commit (the store checks the app).
type appCache struct {
	mu      sync.Mutex
	entries map[string]appEntry
}

const appCacheTTL = 5 * time.Second

type appEntry struct {
	app     webhook.App
	fetched time.Time
}

func newAppCache() *appCache { return &appCache{entries: make(map[string]appEntry)} }

func (c *appCache) get(ctx context.Context, s Store, idOrUID string, now time.Time) (webhook.App, error) {
	c.mu.Lock()
	e, ok := c.entries[idOrUID]
	c.mu.Unlock()
	if ok && now.Sub(e.fetched) < appCacheTTL {
		return e.app, nil
	}
	app, err := s.AppGet(ctx, idOrUID)
	if err != nil {
		return webhook.App{}, err
	}
	c.mu.Lock()
	if len(c.entries) > cacheMax {
		clear(c.entries)
	}
	c.entries[idOrUID] = appEntry{app: app, fetched: now}
	c.mu.Unlock()
	return app, nil
}

func (c *appCache) forget() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}
