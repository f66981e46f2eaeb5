package delivery_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// TestCircuitRestsAFailingEndpoint runs the engine on a real SQLite file
// against a loopback receiver that fails until told otherwise: after
// CircuitThreshold failures the endpoint's scheduled deliveries rest
// instead of burning their retries, no attempt row is written for a
// postponed delivery, and once the receiver answers again everything
// arrives.
func TestCircuitRestsAFailingEndpoint(t *testing.T) {
	var up atomic.Bool
	var requests atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if up.Load() {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(rcv.Close)

	ctx := context.Background()
	st, app, _ := oneEndpoint(t, "circuit", rcv.URL)
	// Without the circuit, 12 retries 20 ms apart would be spent in a
	// quarter of a second.
	schedule := make([]time.Duration, 12)
	for i := range schedule {
		schedule[i] = 20 * time.Millisecond
	}
	eng, _ := startEngine(t, delivery.Config{
		Store: st, RetrySchedule: schedule,
		PollInterval: 50 * time.Millisecond, CircuitThreshold: 3, CircuitRest: 400 * time.Millisecond,
	})

	now := time.Now().UTC().Truncate(time.Millisecond)
	msg := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, now), AppID: app.ID, EventType: "user.created",
		Payload: []byte(`{"n":1}`), CreatedAt: now}
	if err := eng.Publish(ctx, delivery.PublishParams{Message: msg}); err != nil {
		t.Fatal(err)
	}

	// Open, then rest: 400 ms, 800 ms, 1.6 s... each probe failing. In 1.5 s
	// the endpoint sees the 3 failures that opened the circuit and a probe
	// or two, not the 13 attempts of the schedule.
	time.Sleep(1500 * time.Millisecond)
	n := requests.Load()
	if n < 3 || n > 5 {
		t.Fatalf("receiver got %d requests in 1.5s; want 3 (opening the circuit) plus at most 2 probes (after 400 and 800 ms rests)", n)
	}
	attempts, err := st.AttemptList(ctx, store.AttemptListParams{AppID: app.ID, MsgID: msg.ID, Page: store.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(attempts)) != n {
		t.Errorf("%d attempt rows for %d requests; postponing must not write attempts", len(attempts), n)
	}
	ds, err := st.DeliveryListByMessage(ctx, store.DeliveryListByMessageParams{AppID: app.ID, MsgID: msg.ID, Page: store.Page{Limit: 10}})
	if err != nil || len(ds) != 1 {
		t.Fatalf("DeliveryListByMessage = %d, %v", len(ds), err)
	}
	if d := ds[0].Delivery; d.Status == webhook.StatusFail || d.Attempts != int(n) {
		t.Errorf("delivery while resting: status %v, %d attempts; want still retrying, %d attempts", d.Status, d.Attempts, n)
	}

	// New messages meanwhile are held back too, not attempted.
	before := requests.Load()
	ids := []string{msg.ID}
	for i := range 20 {
		at := time.Now().UTC().Truncate(time.Millisecond)
		m := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, at), AppID: app.ID, EventType: "user.created",
			Payload: []byte(fmt.Sprintf(`{"n":%d}`, i+2)), CreatedAt: at}
		if err := eng.Publish(ctx, delivery.PublishParams{Message: m}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	time.Sleep(100 * time.Millisecond)
	if n := requests.Load() - before; n > 1 {
		t.Errorf("%d requests for 20 messages published while the circuit is open; want at most a probe", n)
	}

	// The receiver recovers: the next probe succeeds, at the latest after
	// the current rest (<= 3.2 s), and everything waiting goes out.
	up.Store(true)
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range ids {
		for {
			ds, err = st.DeliveryListByMessage(ctx, store.DeliveryListByMessageParams{AppID: app.ID, MsgID: id, Page: store.Page{Limit: 10}})
			if err == nil && len(ds) == 1 && ds[0].Delivery.Status == webhook.StatusSuccess {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("delivery of %s not successful 10s after the receiver recovered: %+v, %v", id, ds, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
