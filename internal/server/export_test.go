package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/trace"

	"github.com/hookline/hookline/internal/config"
)

// MountForTest adds a handler to the root handler of a server not yet
// started, behind the shared middleware, so the end-to-end tests can
// reach a handler that panics or logs through the real listener.
func (s *Server) MountForTest(pattern string, h http.Handler) { s.root.Handle(pattern, h) }

// LoggerForTest is the logger the server hands its parts, which adds a
// request's ID to the lines logged with its context.
func (s *Server) LoggerForTest() *slog.Logger { return s.logger }

// NewWithTracerProviderForTest is New with tp as the server's
// TracerProvider, whatever the environment says: a test gives one that
// records spans in memory. The server does not shut tp down.
func NewWithTracerProviderForTest(ctx context.Context, cfg config.Config, out io.Writer, logger *slog.Logger, tp trace.TracerProvider) (*Server, error) {
	return newServer(ctx, cfg, out, logger, tp)
}
