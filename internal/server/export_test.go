package server

import (
	"log/slog"
	"net/http"
)

// MountForTest adds a handler to the root handler of a server not yet
// started, behind the shared middleware, so the end-to-end tests can
// reach a handler that panics or logs through the real listener.
func (s *Server) MountForTest(pattern string, h http.Handler) { s.root.Handle(pattern, h) }

// LoggerForTest is the logger the server hands its parts, which adds a
// request's ID to the lines logged with its context.
func (s *Server) LoggerForTest() *slog.Logger { return s.logger }
