package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// nopEngine accepts every message and does nothing, so that a benchmark
// measures the API's own work on the hot path, not the store's.
type nopEngine struct{}

func (nopEngine) Publish(context.Context, delivery.PublishParams) error { return nil }
func (nopEngine) Resend(context.Context, string, string, string) error {
	return nil
}

func (nopEngine) Recover(context.Context, store.DeliveryRecoverParams) (int, error) {
	return 0, nil
}
func (nopEngine) ReplayMissing(context.Context, store.DeliveryReplayParams) (int, error) {
	return 0, nil
}
func (nopEngine) EndpointsChanged(string) {}
func (nopEngine) Ping(context.Context, string, string) (delivery.PingResult, error) {
	return delivery.PingResult{}, nil
}
func (nopEngine) EndpointEvent(delivery.EndpointEvent) {}
func (nopEngine) PreviewRequest(context.Context, webhook.Endpoint, webhook.Message, time.Time) (send.Request, error) {
	return send.Request{}, nil
}

// discardWriter is a ResponseWriter that keeps only the status, reusing
// its header map, so that the benchmark counts the handler's allocations.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

// BenchmarkMessageCreate runs POST /api/v1/app/{app_id}/msg through the
// routes, auth and the handler, against a real store for the (cached)
// token and app lookups and an engine that commits nothing. Run with
// -benchmem: B/op shows how often the payload is copied.
func BenchmarkMessageCreate(b *testing.B) {
	ctx := b.Context()
	st, err := sqlite.Open(ctx, b.TempDir(), nil)
	if err != nil {
		b.Fatalf("sqlite.Open: %v", err)
	}
	b.Cleanup(func() { _ = st.Close() })
	// A fixed clock keeps the token and app caches warm.
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, err := New(Config{Store: st, Engine: nopEngine{}, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	plain, hash, err := webhook.NewTokenSecret()
	if err != nil {
		b.Fatal(err)
	}
	if err := st.TokenCreate(ctx, webhook.Token{ID: webhook.NewID(webhook.PrefixToken, now), Hash: hash, CreatedAt: now}); err != nil {
		b.Fatalf("TokenCreate: %v", err)
	}
	app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), UID: "acme", Name: "acme", CreatedAt: now, UpdatedAt: now}
	if err := st.AppCreate(ctx, store.AppCreateParams{App: app}); err != nil {
		b.Fatalf("AppCreate: %v", err)
	}
	h := a.Handler()

	for _, size := range []int{1 << 10, 16 << 10} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			body := []byte(`{"eventType":"user.created","eventId":"evt-1","channels":["c1"],"payload":{"data":"` +
				strings.Repeat("x", size) + `"}}`)
			rd := bytes.NewReader(body)
			req := httptest.NewRequestWithContext(ctx, "POST", "/api/v1/app/"+app.ID+"/msg", nil)
			req.Header.Set("Authorization", "Bearer "+plain)
			req.Header.Set("Content-Type", "application/json")
			req.ContentLength = int64(len(body))
			req.Body = io.NopCloser(rd)
			w := &discardWriter{h: http.Header{}}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(body)
				clear(w.h)
				h.ServeHTTP(w, req)
				if w.status != http.StatusAccepted {
					b.Fatalf("POST msg = %d, want 202", w.status)
				}
			}
		})
	}
}
