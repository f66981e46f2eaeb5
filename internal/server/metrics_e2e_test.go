package server_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/config"
)

// scrape fetches url (a /metrics) with token as Bearer, or none, and
// parses it with Prometheus's own text parser.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the text format", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value sums the samples of family name whose labels include labels
// (name=value pairs): counters' and gauges' values, histograms' counts; 0
// when there is no such sample.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f, ok := fams[name]
	if !ok {
		return 0
	}
	sum := 0.0
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

// TestMetricsAfterAKnownWorkload sends N messages to an endpoint that
// answers 200 and M to one that answers 500 (one retry each), posts to an
// inbound URL, and reads /metrics with the Prometheus text parser: the
// exact counts accepted, delivered and failed, the API's requests by route
// pattern, and the inbound requests by result; on both backends.
func TestMetricsAfterAKnownWorkload(t *testing.T) {
	eachBackend(t, func(t *testing.T, db serverOption) {
		const n, m = 5, 3
		s := startServer(t, db, withRetrySchedule(10*time.Millisecond))
		ctx := context.Background()
		ok := newReceiver(t)
		failing := make([]int, 2*m)
		for i := range failing {
			failing[i] = http.StatusInternalServerError
		}
		bad := newReceiver(t, failing...)
		send := func(name, url string, count int) {
			app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: name}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: url}, nil); err != nil {
				t.Fatal(err)
			}
			for i := range count {
				if _, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"i": i}}, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		send("succeeds", ok.URL, n)
		send("fails", bad.URL, m)

		src := createSource(t, s, map[string]any{"name": "unverified", "verify": map[string]any{"scheme": "none"}})
		signed := createSource(t, s, map[string]any{
			"name": "signed", "verify": map[string]any{"scheme": "standard-webhooks", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		})
		body := []byte(`{"type":"invoice.paid"}`)
		for range 2 {
			if code, resp, _ := postInbound(t, http.MethodPost, src.IngestURL, body, nil); code/100 != 2 {
				t.Fatalf("inbound: %d %s", code, resp)
			}
		}
		header := signStandardWebhooks(t, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", time.Now(), body)
		for range 2 { // the second is the provider's retry: a duplicate
			if code, resp, _ := postInbound(t, http.MethodPost, signed.IngestURL, body, header); code/100 != 2 {
				t.Fatalf("signed inbound: %d %s", code, resp)
			}
		}
		if code, _, _ := postInbound(t, http.MethodPost, signed.IngestURL, body, nil); code != http.StatusUnauthorized {
			t.Fatalf("unsigned request to a signed source: %d, want 401", code)
		}
		if code, _, _ := postInbound(t, http.MethodPost, s.URL+"/in/hkin_nosuchtoken", body, nil); code != http.StatusNotFound {
			t.Fatalf("unknown inbound URL: %d, want 404", code)
		}

		var fams map[string]*dto.MetricFamily
		eventually(t, 10*time.Second, "every attempt counted", func() bool {
			fams = scrape(t, s.URL+"/metrics", s.Token)
			return value(fams, "hookline_attempts_total", "outcome", "success") == n &&
				value(fams, "hookline_attempts_total", "outcome", "failure") == 2*m
		})
		checks := []struct {
			what    string
			got     float64
			want    float64
			atLeast bool
		}{
			{"messages accepted", value(fams, "hookline_messages_accepted_total"), n + m, false},
			{"attempts delivered (2xx)", value(fams, "hookline_attempts_total", "outcome", "success", "status_class", "2xx"), n, false},
			{"attempts failed (5xx)", value(fams, "hookline_attempts_total", "outcome", "failure", "status_class", "5xx"), 2 * m, false},
			{"attempts without an answer", value(fams, "hookline_attempts_total", "status_class", "none"), 0, false},
			{"deliveries exhausted", value(fams, "hookline_deliveries_exhausted_total"), m, false},
			{"attempt durations observed", value(fams, "hookline_attempt_duration_seconds"), n + 2*m, false},
			{"first attempts observed", value(fams, "hookline_send_to_first_attempt_seconds"), n + m, false},
			{"attempts in flight", value(fams, "hookline_attempts_in_flight"), 0, false},
			{"message POSTs by route pattern", value(fams, "hookline_http_requests_total", "route", "/api/v1/app/{app_id}/msg", "method", "POST", "code", "202"), n + m, false},
			{"message POST durations", value(fams, "hookline_http_request_duration_seconds", "route", "/api/v1/app/{app_id}/msg", "method", "POST"), n + m, false},
			{"inbound verified", value(fams, "hookline_inbound_requests_total", "result", "verified"), 3, false},
			{"inbound duplicate", value(fams, "hookline_inbound_requests_total", "result", "duplicate"), 1, false},
			{"inbound refused", value(fams, "hookline_inbound_requests_total", "result", "refused"), 1, false},
			{"inbound not found", value(fams, "hookline_inbound_requests_total", "result", "not_found"), 1, false},
			{"commits", value(fams, "hookline_commit_duration_seconds"), 1, true},
			{"commit batch sizes", value(fams, "hookline_commit_batch_size"), 1, true},
			{"goroutines (Go collector)", value(fams, "go_goroutines"), 1, true},
			{"resident memory (process collector)", value(fams, "process_resident_memory_bytes"), 1, true},
		}
		for _, c := range checks {
			if c.atLeast && c.got < c.want || !c.atLeast && c.got != c.want {
				t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
			}
		}
		for _, name := range []string{"hookline_deliveries_pending", "hookline_deliveries_due", "hookline_deliveries_queued",
			"hookline_endpoints_failing", "hookline_endpoints_resting", "hookline_endpoints_disabled"} {
			if _, ok := fams[name]; !ok {
				t.Errorf("no %s", name)
			}
		}
		// No label may hold an ID or a path: every value is one of a small set.
		for name, f := range fams {
			for _, mt := range f.GetMetric() {
				for _, l := range mt.GetLabel() {
					if v := l.GetValue(); anID.MatchString(v) {
						t.Errorf("%s has the label %s=%q, an unbounded value", name, l.GetName(), v)
					}
				}
			}
		}
	})
}

// anID matches Hookline's IDs and tokens (app_2N..., hkin_...).
var anID = regexp.MustCompile(`[a-z]+_[0-9A-Za-z]{8,}`)

// TestMetricsNeedAnAdminToken: /metrics on the main listener answers 401
// without a token, 403 to an app's token, and is open on --metrics-addr.
func TestMetricsNeedAnAdminToken(t *testing.T) {
	s := startServer(t, func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" })
	if code, _ := s.do(t, http.MethodGet, "/metrics", "", nil); code != http.StatusUnauthorized {
		t.Errorf("/metrics without a token: %d, want 401", code)
	}
	if code, _ := s.do(t, http.MethodGet, "/metrics", "hk_not-a-token", nil); code != http.StatusUnauthorized {
		t.Errorf("/metrics with an unknown token: %d, want 401", code)
	}
	ctx := context.Background()
	app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "tenant"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	portal, err := s.Client.Authentication.AppPortalAccess(ctx, app.Id, svix.AppPortalAccessIn{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := s.do(t, http.MethodGet, "/metrics", portal.Token, nil); code != http.StatusForbidden {
		t.Errorf("/metrics with an app's token: %d, want 403", code)
	}
	addr := s.srv.MetricsAddr()
	if addr == "" {
		t.Fatal("no metrics listener")
	}
	fams := scrape(t, fmt.Sprintf("http://%s/metrics", addr), "")
	if _, ok := fams["hookline_messages_accepted_total"]; !ok {
		t.Error("the metrics listener serves no hookline_messages_accepted_total")
	}
	resp, err := http.Get(fmt.Sprintf("http://%s/api/v1/app", addr))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("the metrics listener answers the API: %d, want 404", resp.StatusCode)
	}
}
