package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// access says which principals a route admits.
type access int

const (
	// adminOnly routes manage the whole server: apps, event types, tokens.
	adminOnly access = iota
	// appScoped routes act inside the app named by {app_id}; an app-portal
	// token may use them for its own app only.
	appScoped
	// anyToken routes are readable by any valid token (listing event types,
	// which an app portal shows).
	anyToken
)

// principal is who a request acts for.
type principal struct {
	tokenID string
	appID   string   // empty for an admin
	flags   []string // the feature flags an app-portal token may see
}

func (p principal) admin() bool { return p.appID == "" }

// sees reports whether the principal may see an event type with feature
// flag (webhook.Token.Sees).
func (p principal) sees(flag string) bool {
	return webhook.Token{AppID: p.appID, FeatureFlags: p.flags}.Sees(flag)
}

// flagsSeen is what an event type list shows the principal: every event
// type for an admin (nil), only those it sees for an app-portal token.
func (p principal) flagsSeen() *[]string {
	if p.admin() {
		return nil
	}
	flags := slices.Clone(p.flags)
	if flags == nil {
		flags = []string{}
	}
	return &flags
}

type principalKey struct{}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// auth checks the Bearer token and the route's access rule before fn runs.
func (a *API) auth(level access, fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := a.authenticate(r)
		if err != nil {
			return err
		}
		if level == adminOnly && !p.admin() {
			return errForbidden()
		}
		return fn(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func (a *API) authenticate(r *http.Request) (principal, error) {
	plain, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		return principal{}, errUnauthorized()
	}
	hash := webhook.HashToken(plain)
	tok, err := a.tokens.get(r.Context(), a.store, hash, a.clock())
	if errors.Is(err, store.ErrNotFound) {
		return principal{}, errUnauthorized()
	}
	if err != nil {
		return principal{}, err
	}
	// The lookup is by hash, so equality is already established; compare
	// again in constant time so that no code path depends on a timing.
	if subtle.ConstantTimeCompare(tok.Hash, hash) != 1 || tok.Expired(a.clock()) {
		return principal{}, errUnauthorized()
	}
	return principal{tokenID: tok.ID, appID: tok.AppID, flags: tok.FeatureFlags}, nil
}

// bearerToken reads the token of an Authorization header of the Bearer
// scheme, whose name is case-insensitive ("bearer", "BEARER") and may be
// followed by more than one space (RFC 9110 section 11.4, RFC 6750).
func bearerToken(h string) (string, bool) {
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token := strings.TrimSpace(rest)
	return token, token != ""
}

// app resolves {app_id} (an ID or a UID) and checks that the principal may
// act in it.
func (a *API) app(r *http.Request) (webhook.App, error) {
	app, err := a.apps.get(r.Context(), a.store, r.PathValue("app_id"), a.clock())
	if err != nil {
		return webhook.App{}, err
	}
	// Another app is not found, as in Svix: a tenant learns nothing of
	// which other apps exist.
	if p := principalFrom(r.Context()); !p.admin() && p.appID != app.ID {
		return webhook.App{}, errNotFound()
	}
	return app, nil
}

// tokenCache keeps recent token lookups so that authentication does not
// read the database on every request. An entry lives tokenCacheTTL, which
// bounds how long a revoked token keeps working where it was not revoked:
// on another node, or after `hookline token revoke` from another process
// (this node's own revocations, portal logout, forget at once). Only found
// tokens are kept, so a new token works at once.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]tokenEntry
	logger  *slog.Logger
}

// tokenCacheTTL: a lookup is one indexed read per token per TTL, nothing
// beside a request's own work, so the bound can be short.
const tokenCacheTTL = 2 * time.Second

// tokenUseEvery is how often a token's last use is written at most: once
// a minute is exact enough to tell live tokens from forgotten ones, and
// keeps authentication from writing on every request.
const tokenUseEvery = time.Minute

type tokenEntry struct {
	tok     webhook.Token
	fetched time.Time
}

func newTokenCache(logger *slog.Logger) *tokenCache {
	return &tokenCache{entries: make(map[string]tokenEntry), logger: logger}
}

func (c *tokenCache) get(ctx context.Context, s store.Store, hash []byte, now time.Time) (webhook.Token, error) {
	key := string(hash)
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Sub(e.fetched) < tokenCacheTTL {
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
	if len(c.entries) > 10000 {
		clear(c.entries) // bound memory against a flood of distinct valid tokens
	}
	c.entries[key] = tokenEntry{tok: tok, fetched: now}
	c.mu.Unlock()
	return tok, nil
}

// markUsed records the token's use off the request's path: it is a write,
// and the request need not wait for it. Its failure costs only the
// precision of `hookline token list`.
func (c *tokenCache) markUsed(ctx context.Context, s store.Store, id string, now time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	go func() {
		defer cancel()
		if err := s.TokenMarkUsed(ctx, store.TokenMarkUsedParams{ID: id, At: now}); err != nil {
			c.logger.Debug("record a token's last use", "token_id", id, "err", err)
		}
	}()
}

// forgetApp drops the cached tokens of an app, whose expiry just changed.
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

// appCache keeps recent app lookups (by ID or UID, as the path named
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

func (c *appCache) get(ctx context.Context, s store.Store, idOrUID string, now time.Time) (webhook.App, error) {
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
	if len(c.entries) > 10000 {
		clear(c.entries)
	}
	c.entries[idOrUID] = appEntry{app: app, fetched: now}
	c.mu.Unlock()
	return app, nil
}

// forget drops every entry: app changes are rare, and a UID may have
// moved from one app to another.
func (c *appCache) forget() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}
