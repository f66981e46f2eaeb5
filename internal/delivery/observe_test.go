package delivery_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/webhook"
)

// recorder is an Observer that keeps what it is told.
type recorder struct {
	delivery.BaseObserver
	mu       sync.Mutex
	messages []delivery.MessageEvent
	commits  []delivery.CommitEvent
	started  []delivery.AttemptStart
	finished []delivery.AttemptEvent
	claims   int
	circuits []delivery.CircuitEvent
}

func (r *recorder) MessageCommitted(ev delivery.MessageEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.messages = append(r.messages, ev)
}

func (r *recorder) Committed(ev delivery.CommitEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.commits = append(r.commits, ev)
}

func (r *recorder) AttemptStarted(ev delivery.AttemptStart) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, ev)
}

func (r *recorder) AttemptFinished(ev delivery.AttemptEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finished = append(r.finished, ev)
}

func (r *recorder) Claimed(delivery.ClaimEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.claims++
}

func (r *recorder) CircuitChanged(ev delivery.CircuitEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.circuits = append(r.circuits, ev)
}

// TestObserverSeesCommitsAttemptsAndCircuits runs the engine on a real
// SQLite file against a loopback receiver that fails twice and then
// answers, with a circuit that opens after two failures: the observer is
// told of the commit, of every attempt with its number, status and the
// delivery's state after it, and of the circuit opening and closing.
func TestObserverSeesCommitsAttemptsAndCircuits(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rcv.Close)

	ctx := context.Background()
	st, app, ep := oneEndpoint(t, "observe", rcv.URL)
	rec := &recorder{}
	eng, stop := startEngine(t, delivery.Config{
		Store: st, RetrySchedule: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond},
		PollInterval: 20 * time.Millisecond, CircuitThreshold: 2, CircuitRest: 10 * time.Millisecond,
		Observers: []delivery.Observer{rec},
	})
	now := time.Now().UTC().Truncate(time.Millisecond)
	msg := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, now), AppID: app.ID, EventType: "user.created",
		Payload: []byte(`{}`), CreatedAt: now}
	if err := eng.Publish(ctx, delivery.PublishParams{Message: msg}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec.mu.Lock()
		n := len(rec.finished)
		rec.mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d attempts observed, want 3", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()

	if len(rec.messages) != 1 || rec.messages[0].MsgID != msg.ID || rec.messages[0].AppID != app.ID ||
		rec.messages[0].EventType != "user.created" || rec.messages[0].Deliveries != 1 {
		t.Errorf("messages committed = %+v, want the one message to one endpoint", rec.messages)
	}
	var committed, outcomes int
	for _, c := range rec.commits {
		if c.Failed {
			t.Errorf("a commit failed: %+v", c)
		}
		committed += c.Messages
		outcomes += c.Outcomes
	}
	if committed != 1 || outcomes < 3 {
		t.Errorf("commits told of %d messages and %d outcomes, want 1 and at least 3", committed, outcomes)
	}
	if len(rec.started) != 3 || rec.started[0].Attempt != 1 || rec.started[0].SinceMessage < 0 || rec.started[0].EndpointID != ep.ID {
		t.Errorf("attempts started = %+v, want 3, the first numbered 1 to %s", rec.started, ep.ID)
	}
	want := []struct {
		status, delivery webhook.MessageStatus
		code             int
	}{
		{webhook.StatusFail, webhook.StatusSending, 503},
		{webhook.StatusFail, webhook.StatusSending, 503},
		{webhook.StatusSuccess, webhook.StatusSuccess, 204},
	}
	for i, w := range want {
		f := rec.finished[i]
		if f.Attempt != i+1 || f.Status != w.status || f.DeliveryStatus != w.delivery || f.StatusCode != w.code ||
			f.MsgID != msg.ID || f.AttemptID == "" || f.Duration <= 0 {
			t.Errorf("attempt %d = %+v, want status %v, delivery %v, code %d", i+1, f, w.status, w.delivery, w.code)
		}
	}
	if len(rec.circuits) != 2 || !rec.circuits[0].Opened || rec.circuits[0].Rest <= 0 || rec.circuits[1].Opened {
		t.Errorf("circuit changes = %+v, want opened then closed", rec.circuits)
	}
	if rec.claims == 0 {
		t.Error("no claim observed, though the retries were claimed")
	}
}
