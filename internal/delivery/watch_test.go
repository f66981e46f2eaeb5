package delivery_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/webhook"
)

// TestWatch: a watcher of an app hears of its message once committed and
// of the attempt once its outcome is; one of another app hears nothing;
// a reader that never reads does not hold the writer up; stop closes.
func TestWatch(t *testing.T) {
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(rcv.Close)
	st, app, ep := oneEndpoint(t, "watched", rcv.URL)
	eng, _ := startEngine(t, delivery.Config{Store: st})

	events, stop := eng.Watch(app.ID)
	other, stopOther := eng.Watch("app_other")
	defer stopOther()
	// A watcher that never reads: its buffer fills and the rest is
	// dropped for it, while the others go on.
	_, stopIdle := eng.Watch(app.ID)
	defer stopIdle()

	const n = 100 // more than a watcher's buffer
	var last string
	for i := range n {
		now := time.Now().UTC().Truncate(time.Millisecond)
		msg := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, now), AppID: app.ID, EventType: "a.b", Payload: []byte(`{}`), CreatedAt: now}
		if err := eng.Publish(context.Background(), delivery.PublishParams{Message: msg}); err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
		last = msg.ID
		// Read as they come, so this watcher misses none.
		want := map[string]bool{"message": true, "attempt": true}
		deadline := time.After(10 * time.Second)
		for len(want) > 0 {
			select {
			case c := <-events:
				if c.AppID != app.ID || c.MsgID != msg.ID {
					if c.MsgID == last {
						t.Fatalf("commit %+v for another message", c)
					}
					continue
				}
				if c.AttemptID == "" {
					delete(want, "message")
				} else if c.EndpointID == ep.ID {
					delete(want, "attempt")
				}
			case <-deadline:
				t.Fatalf("message %d: still waiting for %v", i, want)
			}
		}
	}
	select {
	case c := <-other:
		t.Errorf("a watcher of another app heard %+v", c)
	default:
	}
	stop()
	if _, ok := <-events; ok {
		// Drain what was buffered before stop; the channel must close.
		for range events {
		}
	}
	stop() // twice is harmless
}
