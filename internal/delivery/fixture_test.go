package delivery_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// oneEndpoint opens a SQLite store in t's temporary directory holding one
// app, named name, with one endpoint at url.
func oneEndpoint(t *testing.T, name, url string) (*sqlite.Store, webhook.App, webhook.Endpoint) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC().Truncate(time.Millisecond)
	app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: name, CreatedAt: now, UpdatedAt: now}
	if err := st.AppCreate(ctx, store.AppCreateParams{App: app}); err != nil {
		t.Fatal(err)
	}
	ep := webhook.Endpoint{ID: webhook.NewID(webhook.PrefixEndpoint, now), AppID: app.ID, URL: url, Version: 1,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
	if err := st.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: ep}); err != nil {
		t.Fatal(err)
	}
	return st, app, ep
}

// startEngine starts an engine on cfg, with a client that may reach
// loopback and a 5 s request timeout unless cfg sets them, and leases
// released at start. stop stops it once; it also runs at cleanup.
func startEngine(t *testing.T, cfg delivery.Config) (eng *delivery.Engine, stop func() error) {
	t.Helper()
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 5 * time.Second
	}
	if cfg.Client == nil {
		client, err := send.NewClient(send.Config{Timeout: cfg.RequestTimeout, AllowPrivateTargets: true})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Client = client
	}
	cfg.ReleaseLeasesAtStart = true
	eng, err := delivery.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			stopErr = eng.Stop(ctx)
		})
		return stopErr
	}
	t.Cleanup(func() { stop() })
	return eng, stop
}
