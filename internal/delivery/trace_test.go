package delivery

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/webhook"
)

// With tracing off (no Tracer) the spans of a commit and of an attempt
// cost no allocation: the hot path pays a nil check.
func TestTracingOffAllocatesNothing(t *testing.T) {
	e := &Engine{}
	ctx := context.Background()
	msg := webhook.Message{ID: "msg_1", AppID: "app_1", EventType: "a.b"}
	tg := &target{}
	j := &job{appID: "app_1", endpointID: "ep_1", msg: msg}
	allocs := testing.AllocsPerRun(100, func() {
		cctx, span := e.startCommitSpan(ctx, msg, 1)
		j.parent = e.endCommitSpan(cctx, span, msg.ID, nil)
		s := e.startAttemptSpan(ctx, tg, j, 1)
		if e.traceparent(s) != "" {
			t.Fatal("a traceparent without tracing")
		}
		s.end(send.Result{StatusCode: 200}, AttemptEvent{Status: webhook.StatusSuccess})
	})
	if allocs != 0 {
		t.Errorf("tracing off: %v allocations per message, want 0", allocs)
	}
}

// The memo forgets its oldest message first, and nothing when nil.
func TestTraceMemo(t *testing.T) {
	sc := func(b byte) trace.SpanContext {
		return trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{b}, SpanID: trace.SpanID{b}})
	}
	tm := newTraceMemo(2)
	tm.remember("a", sc(1))
	tm.remember("b", sc(2))
	tm.remember("c", sc(3))
	if _, ok := tm.recall("a"); ok {
		t.Error("the oldest message is still remembered past the bound")
	}
	for id, want := range map[string]trace.SpanContext{"b": sc(2), "c": sc(3)} {
		if got, ok := tm.recall(id); !ok || !got.Equal(want) {
			t.Errorf("recall(%s) = %v, %v; want %v", id, got, ok, want)
		}
	}
	var off *traceMemo
	off.remember("a", sc(1))
	if _, ok := off.recall("a"); ok {
		t.Error("a nil memo remembered")
	}
}
