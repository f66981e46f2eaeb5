package httpmw

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Trace makes each request a server span of tracer, named by its method
// and the route pattern that routed it ("POST /api/v1/app/{app_id}/msg"),
// never by its path: paths hold IDs and tokens. A caller's traceparent is
// continued, so a product's own trace runs on into Hookline. A nil tracer
// (tracing off) returns next itself: the request pays nothing. It must run
// inside WithRequestID, which carries the route the inner muxes record.
func Trace(tracer trace.Tracer, next http.Handler) http.Handler {
	if tracer == nil {
		return next
	}
	var prop propagation.TraceContext
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		m := method(r.Method)
		ctx, span := tracer.Start(ctx, m, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", m)))
		defer span.End()
		rec := &recorder{ResponseWriter: w}
		r = r.WithContext(ctx)
		defer func() {
			route := r.Pattern
			if in := infoFrom(ctx); in != nil && in.pattern != "" {
				route = in.pattern
			}
			if route = stripMethod(route); route != "" {
				span.SetName(m + " " + route)
				span.SetAttributes(attribute.String("http.route", route))
			}
			status := rec.status()
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
		}()
		next.ServeHTTP(rec, r)
	})
}
