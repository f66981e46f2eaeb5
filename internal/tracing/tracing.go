// Package tracing builds the OpenTelemetry TracerProvider the standard
// environment asks for. Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT
// (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_TRACES_EXPORTER) is set:
// off, there is no provider at all, so the server's hot paths test one nil
// and pay nothing else.
package tracing

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// ScopeName names the tracer every span of Hookline comes from.
const ScopeName = "github.com/hookline/hookline"

// FromEnv returns the provider getenv's OTEL_* variables describe, or nil
// when they turn tracing off: OTEL_TRACES_EXPORTER "none", or neither an
// exporter nor an OTLP endpoint set. "otlp" (the default once an endpoint
// is set) exports over OTLP/HTTP, configured by the exporter's own
// OTEL_EXPORTER_OTLP_* variables; "console" writes spans to stdout, for a
// look without a collector. Spans are batched; Shutdown flushes them.
func FromEnv(ctx context.Context, getenv func(string) string, version string) (*sdktrace.TracerProvider, error) {
	exporter := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")))
	endpoint := getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	var exp sdktrace.SpanExporter
	var err error
	switch {
	case exporter == "none", exporter == "" && !endpoint:
		return nil, nil
	case exporter == "" || exporter == "otlp":
		if p := getenv("OTEL_EXPORTER_OTLP_PROTOCOL"); p != "" && p != "http/protobuf" {
			return nil, fmt.Errorf("tracing: OTEL_EXPORTER_OTLP_PROTOCOL %q: only http/protobuf is supported", p)
		}
		exp, err = otlptracehttp.New(ctx)
	case exporter == "console":
		exp, err = stdouttrace.New(stdouttrace.WithWriter(os.Stdout))
	default:
		return nil, fmt.Errorf("tracing: OTEL_TRACES_EXPORTER %q: want otlp, console or none", exporter)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: exporter: %w", err)
	}
	// service.name defaults to hookline; OTEL_SERVICE_NAME and
	// OTEL_RESOURCE_ATTRIBUTES, read after, win.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "hookline"), attribute.String("service.version", version)),
		resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}
