package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/postgres"
	"github.com/hookline/hookline/internal/store/postgres/pgtest"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// eachStore runs fn against a fresh SQLite store and, when
// HOOKLINE_TEST_DATABASE_URL is set, a fresh PostgreSQL schema.
func eachStore(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, openSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		u := pgtest.NewSchema(t, pgtest.RequireURL(t))
		s, err := postgres.Open(t.Context(), u, nil)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		fn(t, s)
	})
}

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// clock is a test's time, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fixture is a store with an app, an Authenticator and a clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	s     store.Store
	clock *clock
	auth  *auth.Authenticator
	app   webhook.App
}

func newFixture(t *testing.T, s store.Store) *fixture {
	c := newClock()
	a, err := auth.New(auth.Config{Store: s, Now: c.Now})
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	f := &fixture{t: t, ctx: t.Context(), s: s, clock: c, auth: a}
	f.app = f.newApp("acme")
	return f
}

func (f *fixture) newApp(uid string) webhook.App {
	now := f.clock.Now()
	app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), UID: uid, Name: uid, CreatedAt: now, UpdatedAt: now}
	if err := f.s.AppCreate(f.ctx, store.AppCreateParams{App: app}); err != nil {
		f.t.Fatalf("AppCreate(%s): %v", uid, err)
	}
	return app
}

// token stores a token of appID ("" for admin) expiring after ttl (0:
// never) and returns it with its plain secret.
func (f *fixture) token(appID string, ttl time.Duration, flags ...string) (string, webhook.Token) {
	f.t.Helper()
	plain, hash, err := webhook.NewTokenSecret()
	if err != nil {
		f.t.Fatal(err)
	}
	now := f.clock.Now()
	tok := webhook.Token{ID: webhook.NewID(webhook.PrefixToken, now), Hash: hash, AppID: appID, Kind: webhook.TokenCreated, CreatedAt: now, FeatureFlags: flags}
	if appID != "" {
		tok.Kind = webhook.TokenAppPortal
	}
	if ttl > 0 {
		exp := now.Add(ttl)
		tok.ExpiresAt = &exp
	}
	if err := f.s.TokenCreate(f.ctx, tok); err != nil {
		f.t.Fatalf("TokenCreate: %v", err)
	}
	return plain, tok
}
