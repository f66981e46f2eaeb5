package server_test

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/server"
)

// startTracedServer is startServer with a TracerProvider that keeps every
// span in the returned exporter as it ends.
func startTracedServer(t *testing.T, opts ...serverOption) (*testServer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.AdminToken = testAdminToken
	cfg.AllowPrivateTargets = true
	cfg.RetrySchedule = []time.Duration{50 * time.Millisecond}
	cfg.RequestTimeout = 2 * time.Second
	cfg.ShutdownTimeout = 5 * time.Second
	for _, o := range opts {
		o(&cfg)
	}
	out, logs := &lockedBuffer{}, &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.NewWithTracerProviderForTest(context.Background(), cfg, out, logger, tp)
	if err != nil {
		t.Fatalf("server.New: %v\nlogs:\n%s", err, logs.String())
	}
	return runServer(t, srv, cfg, out, logs), exp
}

// A message's path is one trace: the POST's server span, its commit, the
// first attempt a child of the POST, the retry (claimed from the store
// later) linked to it; the endpoint URL's credentials appear in no span;
// a receiver sees a traceparent only with --trace-propagation.
func TestTracingFollowsAMessageFromItsPOSTToItsAttempts(t *testing.T) {
	t.Parallel()
	for _, propagate := range []bool{false, true} {
		name := map[bool]string{false: "propagation off", true: "propagation on"}[propagate]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, exp := startTracedServer(t, func(c *config.Config) { c.TracePropagation = propagate })
			rcv := newReceiver(t, 500)
			u, _ := url.Parse(rcv.URL)
			u.User = url.UserPassword("hook", "hunter2-secret")
			u.Path, u.RawQuery = "/hook", "token=tok-secret-42"
			app, _ := setup(t, s, &svix.EndpointIn{Url: u.String()})
			msg, err := s.Client.Message.Create(context.Background(), app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"x": 1}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := rcv.waitFor(t, 2, 10*time.Second)

			var spans tracetest.SpanStubs
			var attempts []tracetest.SpanStub
			eventually(t, 5*time.Second, "two attempt spans", func() bool {
				spans, attempts = exp.GetSpans(), nil
				for _, sp := range spans {
					if sp.SpanKind == trace.SpanKindClient && attr(sp, "hookline.msg_id") == msg.Id {
						attempts = append(attempts, sp)
					}
				}
				return len(attempts) == 2
			})
			post := findSpan(t, spans, func(sp tracetest.SpanStub) bool {
				return sp.SpanKind == trace.SpanKindServer && sp.Name == "POST /api/v1/app/{app_id}/msg"
			})
			if c := attr(post, "http.response.status_code"); c != "202" {
				t.Errorf("POST span status code = %s, want 202", c)
			}
			commit := findSpan(t, spans, func(sp tracetest.SpanStub) bool {
				return sp.Name == "hookline.commit" && attr(sp, "hookline.msg_id") == msg.Id
			})
			if commit.Parent.SpanID() != post.SpanContext.SpanID() || commit.SpanContext.TraceID() != post.SpanContext.TraceID() {
				t.Errorf("commit span's parent = %v, want the POST's span %v", commit.Parent, post.SpanContext)
			}
			for _, sp := range spans {
				if sp.SpanKind == trace.SpanKindServer && strings.Contains(sp.Name, app.Id) {
					t.Errorf("server span %q is named by its path, not its route", sp.Name)
				}
			}

			first, retry := attempts[0], attempts[1]
			if attr(first, "hookline.attempt") != "1" {
				first, retry = retry, first
			}
			if first.Parent.SpanID() != post.SpanContext.SpanID() || first.SpanContext.TraceID() != post.SpanContext.TraceID() {
				t.Errorf("first attempt's parent = %v, want the POST's span %v", first.Parent, post.SpanContext)
			}
			linked := retry.SpanContext.TraceID() == post.SpanContext.TraceID()
			for _, l := range retry.Links {
				linked = linked || l.SpanContext.Equal(post.SpanContext)
			}
			if !linked {
				t.Errorf("retry span (trace %s, links %v) is neither in nor linked to the POST's trace %s",
					retry.SpanContext.TraceID(), retry.Links, post.SpanContext.TraceID())
			}
			for i, want := range map[*tracetest.SpanStub]string{&first: "500", &retry: "200"} {
				if c := attr(*i, "http.response.status_code"); c != want {
					t.Errorf("attempt %s: status code %s, want %s", attr(*i, "hookline.attempt"), c, want)
				}
				if m := attr(*i, "http.request.method"); m != "POST" {
					t.Errorf("attempt method = %q, want POST", m)
				}
				if u := attr(*i, "url.full"); !strings.Contains(u, "REDACTED") || !strings.HasSuffix(strings.SplitN(u, "?", 2)[0], "/hook") {
					t.Errorf("attempt url.full = %q, want the endpoint's URL with its credentials redacted", u)
				}
			}
			if s := attr(first, "hookline.attempt.status"); s != "fail" {
				t.Errorf("first attempt's outcome = %q, want fail", s)
			}
			if s := attr(retry, "hookline.delivery.status"); s != "success" {
				t.Errorf("retry's delivery outcome = %q, want success", s)
			}

			for _, sp := range spans {
				for _, kv := range sp.Attributes {
					if v := kv.Value.Emit(); strings.Contains(v, "hunter2") || strings.Contains(v, "tok-secret") {
						t.Errorf("span %q attribute %s = %q holds a URL credential", sp.Name, kv.Key, v)
					}
				}
				if strings.Contains(sp.Status.Description, "hunter2") {
					t.Errorf("span %q status holds a URL credential", sp.Name)
				}
			}

			for i, r := range got[:2] {
				tp := r.Header.Get("Traceparent")
				if !propagate {
					if tp != "" {
						t.Errorf("attempt %d: receiver saw traceparent %q with propagation off", i+1, tp)
					}
					continue
				}
				want := map[int]tracetest.SpanStub{0: first, 1: retry}[i].SpanContext
				if wantTP := "00-" + want.TraceID().String() + "-" + want.SpanID().String() + "-01"; tp != wantTP {
					t.Errorf("attempt %d: receiver saw traceparent %q, want %q (the attempt's span)", i+1, tp, wantTP)
				}
			}
		})
	}
}

func attr(sp tracetest.SpanStub, key string) string {
	for _, kv := range sp.Attributes {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

func findSpan(t *testing.T, spans tracetest.SpanStubs, match func(tracetest.SpanStub) bool) tracetest.SpanStub {
	t.Helper()
	for _, sp := range spans {
		if match(sp) {
			return sp
		}
	}
	names := make([]string, len(spans))
	for i, sp := range spans {
		names[i] = sp.Name
	}
	t.Fatalf("no such span among %q", names)
	return tracetest.SpanStub{}
}
