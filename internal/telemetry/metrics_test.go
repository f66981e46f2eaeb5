package telemetry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/httpmw"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/telemetry"
	"github.com/hookline/hookline/internal/webhook"
)

// engine is the two figures the gauges read of the engine.
type engine struct{ queued int64 }

func (e engine) Queued() int64         { return e.queued }
func (e engine) CircuitThreshold() int { return 10 }

// TestStoreGaugesReadABoundedStore fills a real SQLite store with
// deliveries pending and due, a disabled endpoint and two failing ones (one
// resting), and reads the gauges as a scrape does.
func TestStoreGaugesReadABoundedStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC().Truncate(time.Millisecond)
	at := func(d time.Duration) time.Time { return now.Add(d) }
	app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, at(-time.Hour)), Name: "gauges", CreatedAt: at(-time.Hour), UpdatedAt: at(-time.Hour)}
	if err := st.AppCreate(ctx, store.AppCreateParams{App: app}); err != nil {
		t.Fatal(err)
	}
	var eps []webhook.Endpoint
	for i := range 3 {
		c := at(time.Duration(i-50) * time.Minute)
		ep := webhook.Endpoint{ID: webhook.NewID(webhook.PrefixEndpoint, c), AppID: app.ID, URL: "https://example.com/hook",
			Version: 1, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Disabled: i == 2, CreatedAt: c, UpdatedAt: c}
		if err := st.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: ep}); err != nil {
			t.Fatal(err)
		}
		eps = append(eps, ep)
	}
	// Three messages to the first endpoint: one created an hour ago under a
	// lease that has lapsed (due), two now under a live lease (pending,
	// not due).
	var items []store.MessageCreate
	for i, created := range []time.Time{at(-time.Hour), at(0), at(time.Millisecond)} {
		id := webhook.NewID(webhook.PrefixMessage, created)
		next := created
		items = append(items, store.MessageCreate{
			Message: webhook.Message{ID: id, AppID: app.ID, EventType: "a.b", Payload: []byte(`{}`), CreatedAt: created},
			Deliveries: []webhook.Delivery{{MsgID: id, EndpointID: eps[0].ID, AppID: app.ID, Status: webhook.StatusPending,
				NextAttemptAt: &next, CreatedAt: created, UpdatedAt: created}},
			Lease: store.Lease{Owner: "node", Token: 1, ExpiresAt: created.Add(time.Duration(i+1) * time.Minute)},
		})
	}
	if _, _, err := st.WriteBatch(ctx, items, nil); err != nil {
		t.Fatal(err)
	}
	var health []webhook.EndpointHealth
	for i, failures := range []int{3, 12} {
		h := webhook.EndpointHealth{AppID: app.ID, EndpointID: eps[i].ID}
		for range failures {
			h.Observe(now, false, 500, "down")
		}
		health = append(health, h)
	}
	if err := st.EndpointHealthRecord(ctx, health); err != nil {
		t.Fatal(err)
	}

	m, err := telemetry.New(telemetry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.AddGauges(st, engine{queued: 7}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP hookline_deliveries_due Deliveries due now and not leased, in the store of every node: what the next claims will take (a growing figure means the nodes fall behind); the count stops at 100000.
# TYPE hookline_deliveries_due gauge
hookline_deliveries_due 1
# HELP hookline_deliveries_pending Unfinished deliveries (pending or retrying, in flight or waiting), in the store of every node; the count stops at 100000.
# TYPE hookline_deliveries_pending gauge
hookline_deliveries_pending 3
# HELP hookline_deliveries_queued Deliveries due and claimed by this node, waiting in its per-endpoint queues to be sent.
# TYPE hookline_deliveries_queued gauge
hookline_deliveries_queued 7
# HELP hookline_endpoints_disabled Disabled endpoints of every app (by hand, or after a 410 Gone); the count stops at 100000.
# TYPE hookline_endpoints_disabled gauge
hookline_endpoints_disabled 1
`
	names := []string{"hookline_deliveries_due", "hookline_deliveries_pending", "hookline_deliveries_queued", "hookline_endpoints_disabled"}
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	for name, v := range map[string]float64{"hookline_endpoints_failing": 2, "hookline_endpoints_resting": 1, "hookline_store_gauges_stale": 0} {
		if got := gauge(t, m, name); got != v {
			t.Errorf("%s = %v, want %v", name, got, v)
		}
	}
}

func gauge(t *testing.T, m *telemetry.Metrics, name string) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s", name)
	return 0
}

// TestObserverCountsWithBoundedLabels feeds the observer and the HTTP
// middleware directly: attempts fall into their outcome and status class,
// an unknown method into OTHER, and a route keeps its pattern without its
// method.
func TestObserverCountsWithBoundedLabels(t *testing.T) {
	m, err := telemetry.New(telemetry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []delivery.AttemptEvent{
		{Status: webhook.StatusSuccess, DeliveryStatus: webhook.StatusSuccess, StatusCode: 204},
		{Status: webhook.StatusFail, DeliveryStatus: webhook.StatusSending, StatusCode: 503},
		{Status: webhook.StatusFail, DeliveryStatus: webhook.StatusFail, StatusCode: 0},
		{Status: webhook.StatusFail, DeliveryStatus: webhook.StatusFail, StatusCode: 999},
	} {
		m.AttemptStarted(delivery.AttemptStart{Attempt: 1, Trigger: webhook.TriggerScheduled, SinceMessage: time.Millisecond})
		m.AttemptFinished(ev)
	}
	m.Committed(delivery.CommitEvent{Messages: 3, Refused: 1, Outcomes: 4, Duration: time.Millisecond})
	m.Committed(delivery.CommitEvent{Failed: true})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/app/{app_id}/msg", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	h := httpmw.WithRequestID(httpmw.Measure(m.Served, mux))
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodPost, "/api/v1/app/app_2abcdefghijk/msg", nil),
		httptest.NewRequest("BREW", "/api/v1/app/app_2abcdefghijk/msg", nil),
	} {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}

	want := `
# HELP hookline_attempts_total Delivery attempts by outcome (success: a 2xx answer; failure: anything else) and status class of the answer (none: no answer).
# TYPE hookline_attempts_total counter
hookline_attempts_total{outcome="failure",status_class="1xx"} 0
hookline_attempts_total{outcome="failure",status_class="2xx"} 0
hookline_attempts_total{outcome="failure",status_class="3xx"} 0
hookline_attempts_total{outcome="failure",status_class="4xx"} 0
hookline_attempts_total{outcome="failure",status_class="5xx"} 1
hookline_attempts_total{outcome="failure",status_class="none"} 2
hookline_attempts_total{outcome="success",status_class="1xx"} 0
hookline_attempts_total{outcome="success",status_class="2xx"} 1
hookline_attempts_total{outcome="success",status_class="3xx"} 0
hookline_attempts_total{outcome="success",status_class="4xx"} 0
hookline_attempts_total{outcome="success",status_class="5xx"} 0
hookline_attempts_total{outcome="success",status_class="none"} 0
# HELP hookline_deliveries_exhausted_total Deliveries that failed for good: their retries used up, or the endpoint answered 410 Gone.
# TYPE hookline_deliveries_exhausted_total counter
hookline_deliveries_exhausted_total 2
# HELP hookline_messages_accepted_total Messages committed (answered 202 by the API, or forwarded from an inbound URL).
# TYPE hookline_messages_accepted_total counter
hookline_messages_accepted_total 3
# HELP hookline_messages_refused_total Messages the store refused one by one in a commit (an eventId or idempotency key already used).
# TYPE hookline_messages_refused_total counter
hookline_messages_refused_total 1
# HELP hookline_commit_failures_total Group commits that failed as a whole (the database refused the transaction).
# TYPE hookline_commit_failures_total counter
hookline_commit_failures_total 1
# HELP hookline_attempts_in_flight Delivery attempts being sent by this node.
# TYPE hookline_attempts_in_flight gauge
hookline_attempts_in_flight 0
# HELP hookline_http_requests_total HTTP requests answered, by route pattern (never the path), method and status code.
# TYPE hookline_http_requests_total counter
hookline_http_requests_total{code="202",method="POST",route="/api/v1/app/{app_id}/msg"} 1
hookline_http_requests_total{code="405",method="OTHER",route="unmatched"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"hookline_attempts_total", "hookline_deliveries_exhausted_total", "hookline_messages_accepted_total",
		"hookline_messages_refused_total", "hookline_commit_failures_total", "hookline_attempts_in_flight",
		"hookline_http_requests_total"); err != nil {
		t.Error(err)
	}
}

// BenchmarkObserveAttempt is what the metrics observer adds to one
// attempt (started and finished) and one commit: it must not allocate.
func BenchmarkObserveAttempt(b *testing.B) {
	m, err := telemetry.New(telemetry.Config{})
	if err != nil {
		b.Fatal(err)
	}
	start := delivery.AttemptStart{AppID: "app_1", EndpointID: "ep_1", MsgID: "msg_1", Attempt: 1, Trigger: webhook.TriggerScheduled, SinceMessage: 3 * time.Millisecond}
	fin := delivery.AttemptEvent{AppID: "app_1", EndpointID: "ep_1", MsgID: "msg_1", Attempt: 1, Status: webhook.StatusSuccess,
		DeliveryStatus: webhook.StatusSuccess, StatusCode: 200, Duration: 2 * time.Millisecond}
	commit := delivery.CommitEvent{Messages: 20, Outcomes: 20, Duration: time.Millisecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.AttemptStarted(start)
			m.AttemptFinished(fin)
			m.Committed(commit)
		}
	})
}

// BenchmarkServed is what the metrics add to one HTTP request.
func BenchmarkServed(b *testing.B) {
	m, err := telemetry.New(telemetry.Config{})
	if err != nil {
		b.Fatal(err)
	}
	s := httpmw.Served{Route: "/api/v1/app/{app_id}/msg", Method: http.MethodPost, Status: http.StatusAccepted, Duration: time.Millisecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Served(s)
		}
	})
}
