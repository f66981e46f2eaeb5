package delivery

import (
	"context"
	"net/http"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/webhook"
)

// Tracing, when Config.Tracer is set. A message's POST is a server span
// (httpmw.Trace); its commit is a child span, "hookline.commit"; its
// first attempts, handed to the dispatcher with the POST's span context
// in the job, are client spans children of the POST. Retries come back
// later through the poller, from the store, which keeps no span context:
// the engine remembers the last traceMemoSize messages' POST spans in
// memory and links each retry's span to its message's. A retry after a
// restart, on another node, or of a message forgotten since starts a
// trace of its own, with the message ID as an attribute to find it by.
// Off (a nil Tracer), every step below is one nil check.

// traceMemoSize bounds the messages whose POST span is remembered for
// their retries' links: about 100 bytes each.
const traceMemoSize = 1 << 16

// startCommitSpan starts the span of msg's commit, a child of ctx's span
// (the POST's), or returns a nil span when tracing is off.
func (e *Engine) startCommitSpan(ctx context.Context, msg webhook.Message, deliveries int) (context.Context, trace.Span) {
	if e.cfg.Tracer == nil {
		return ctx, nil
	}
	return e.cfg.Tracer.Start(ctx, "hookline.commit", trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(
			attribute.String("hookline.app_id", msg.AppID),
			attribute.String("hookline.msg_id", msg.ID),
			attribute.String("hookline.event_type", msg.EventType),
			attribute.Int("hookline.deliveries", deliveries),
		))
}

// endCommitSpan ends span (nil when tracing is off) with the commit's
// error, and returns the span context the message's attempts follow: the
// POST's when there is one, else the commit's own.
func (e *Engine) endCommitSpan(ctx context.Context, span trace.Span, msgID string, err error) trace.SpanContext {
	if span == nil {
		return trace.SpanContext{}
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "commit failed")
	}
	span.End()
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		sc = span.SpanContext()
	}
	if err == nil {
		e.traces.remember(msgID, sc)
	}
	return sc
}

// attemptSpan is one attempt's client span; nil when tracing is off.
type attemptSpan struct{ span trace.Span }

// startAttemptSpan starts j's attempt's span: a child of j's parent (the
// POST of a first attempt, the request of a manual resend), linked to the
// message's POST when that is remembered and is not the parent already.
func (e *Engine) startAttemptSpan(ctx context.Context, t *target, j *job, attempt int) attemptSpan {
	if e.cfg.Tracer == nil {
		return attemptSpan{}
	}
	if j.parent.IsValid() {
		ctx = trace.ContextWithSpanContext(ctx, j.parent)
	}
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
	if sc, ok := e.traces.recall(j.msg.ID); ok && !sc.Equal(j.parent) {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
	}
	method := t.Delivery.Method
	if method == "" {
		method = http.MethodPost
	}
	opts = append(opts, trace.WithAttributes(
		attribute.String("http.request.method", method),
		// Redacted: the URL may carry a password or a token.
		attribute.String("url.full", webhook.RedactURL(t.URL)),
		attribute.String("hookline.app_id", j.appID),
		attribute.String("hookline.endpoint_id", t.ID),
		attribute.String("hookline.msg_id", j.msg.ID),
		attribute.Int("hookline.attempt", attempt),
		attribute.String("hookline.trigger", triggerName(j.trigger)),
	))
	_, span := e.cfg.Tracer.Start(ctx, method, opts...)
	return attemptSpan{span: span}
}

// traceparent is the header value of the attempt's span, when the server
// propagates traces to receivers; "" otherwise.
func (e *Engine) traceparent(s attemptSpan) string {
	if s.span == nil || !e.cfg.PropagateTrace {
		return ""
	}
	var c traceparentCarrier
	propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(context.Background(), s.span.SpanContext()), &c)
	return c.value
}

// end records the attempt's outcome on its span and ends it.
func (s attemptSpan) end(res send.Result, ev AttemptEvent) {
	if s.span == nil {
		return
	}
	attrs := []attribute.KeyValue{
		attribute.String("hookline.attempt_id", ev.AttemptID),
		attribute.String("hookline.attempt.status", statusName(ev.Status)),
		attribute.String("hookline.delivery.status", statusName(ev.DeliveryStatus)),
		attribute.Int64("hookline.attempt.duration_ms", res.Duration.Milliseconds()),
	}
	if ev.StatusCode != 0 {
		attrs = append(attrs, attribute.Int("http.response.status_code", ev.StatusCode))
	}
	s.span.SetAttributes(attrs...)
	if ev.Status != webhook.StatusSuccess {
		// ev.Response is the error text with the URL's credentials
		// scrubbed, or the response body: the body is the receiver's,
		// and stays out of the trace.
		desc := http.StatusText(ev.StatusCode)
		if res.Err != nil {
			desc = ev.Response
		}
		s.span.SetStatus(codes.Error, desc)
	}
	s.span.End()
}

// cancel ends the span of an attempt cut short by shutdown.
func (s attemptSpan) cancel() {
	if s.span == nil {
		return
	}
	s.span.SetStatus(codes.Error, "cancelled by shutdown")
	s.span.End()
}

// traceparentCarrier keeps the one header Inject writes that we send.
type traceparentCarrier struct{ value string }

func (c *traceparentCarrier) Get(string) string { return "" }
func (c *traceparentCarrier) Set(key, value string) {
	if key == "traceparent" {
		c.value = value
	}
}
func (c *traceparentCarrier) Keys() []string { return nil }

// traceMemo remembers the span contexts of the last messages committed,
// oldest forgotten first. A nil memo remembers nothing.
type traceMemo struct {
	mu   sync.Mutex
	m    map[string]trace.SpanContext
	ring []string
	next int
}

func newTraceMemo(n int) *traceMemo {
	return &traceMemo{m: make(map[string]trace.SpanContext, n), ring: make([]string, n)}
}

func (tm *traceMemo) remember(msgID string, sc trace.SpanContext) {
	if tm == nil || !sc.IsValid() {
		return
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if _, ok := tm.m[msgID]; ok {
		return
	}
	if old := tm.ring[tm.next]; old != "" {
		delete(tm.m, old)
	}
	tm.ring[tm.next] = msgID
	tm.next = (tm.next + 1) % len(tm.ring)
	tm.m[msgID] = sc
}

func (tm *traceMemo) recall(msgID string) (trace.SpanContext, bool) {
	if tm == nil {
		return trace.SpanContext{}, false
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	sc, ok := tm.m[msgID]
	return sc, ok
}

// statusName is how a span names an attempt's or a delivery's status.
func statusName(s webhook.MessageStatus) string {
	if t := s.Text(); t != "" {
		return t
	}
	return "unknown"
}

func triggerName(t webhook.TriggerType) string {
	if t == webhook.TriggerManual {
		return "manual"
	}
	return "scheduled"
}
