package delivery_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// TestHealthIsFlushedNotWrittenPerAttempt runs the engine on a real
// SQLite file against a loopback receiver that fails, with a flush
// interval longer than the test: the attempts are all in the store while
// the endpoint's health row is not written yet, and Stop's last flush
// writes it, the failures aggregated into one record.
func TestHealthIsFlushedNotWrittenPerAttempt(t *testing.T) {
	var requests atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("upstream down"))
	}))
	t.Cleanup(rcv.Close)

	ctx := context.Background()
	st, app, ep := oneEndpoint(t, "health", rcv.URL)
	eng, stop := startEngine(t, delivery.Config{
		Store: st, RetrySchedule: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond},
		PollInterval: 20 * time.Millisecond, HealthFlushInterval: time.Hour,
	})
	now := time.Now().UTC().Truncate(time.Millisecond)
	const messages, attemptsEach = 2, 3
	for i := range messages {
		at := now.Add(time.Duration(i) * time.Millisecond)
		msg := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, at), AppID: app.ID, EventType: "user.created",
			Payload: []byte(`{}`), CreatedAt: at}
		if err := eng.Publish(ctx, delivery.PublishParams{Message: msg}); err != nil {
			t.Fatal(err)
		}
	}
	health := func() []webhook.EndpointHealth {
		t.Helper()
		h, err := st.EndpointHealthList(ctx, store.EndpointHealthListParams{AppID: app.ID, EndpointIDs: []string{ep.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		atts, err := st.AttemptList(ctx, store.AttemptListParams{AppID: app.ID, EndpointID: ep.ID, Page: store.Page{Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		if len(atts) == messages*attemptsEach {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d attempts recorded, want %d", len(atts), messages*attemptsEach)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if h := health(); len(h) != 0 {
		t.Fatalf("health written before any flush: %+v", h)
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	h := health()
	if len(h) != 1 {
		t.Fatalf("after Stop: %d health rows, want 1", len(h))
	}
	got := h[0]
	if got.Status(false) != webhook.HealthFailing || got.ConsecutiveFailures != messages*attemptsEach ||
		got.LastStatusCode != http.StatusBadGateway || got.LastError != "upstream down" || !got.LastSuccessAt.IsZero() ||
		got.LastFailureAt.IsZero() || !got.LastFailureAt.Equal(got.LastAttemptAt) {
		t.Errorf("health after Stop = %+v (status %s); want failing, %d consecutive failures, 502, \"upstream down\"",
			got, got.Status(false), messages*attemptsEach)
	}
	if n := requests.Load(); n != messages*attemptsEach {
		t.Errorf("receiver got %d requests, want %d", n, messages*attemptsEach)
	}
}
