package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/hookline/hookline/internal/auth"
)

// metricsPath is where Prometheus scrapes.
const metricsPath = "/metrics"

// adminOnly serves next to admin tokens only, sent as Bearer, as
// Prometheus's authorization setting sends them: /metrics on the main
// listener is as public as the API, and the figures (the traffic, the
// backlog, the failing endpoints) are the operator's. App-portal tokens
// are refused. The --metrics-addr listener, meant for a private network,
// serves the same without a token.
func adminOnly(authn *auth.Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plain, _ := auth.BearerToken(r.Header.Get("Authorization"))
		p, err := authn.Authenticate(r.Context(), plain)
		switch {
		case errors.Is(err, auth.ErrUnauthenticated):
			w.Header().Set("WWW-Authenticate", `Bearer realm="hookline"`)
			writeJSONError(w, http.StatusUnauthorized, "authentication_failed", "Invalid or missing admin token.")
			return
		case err != nil:
			writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "The token could not be checked right now; retry later.")
			return
		case !p.Admin():
			writeJSONError(w, http.StatusForbidden, "insufficient access", "Metrics need an admin token.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSONError(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"code":%q,"detail":%q}`, code, detail)
}

// listenMetrics binds --metrics-addr, when set: a listener that serves
// /metrics alone, without a token.
func (s *Server) listenMetrics() error {
	if s.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen on --metrics-addr %s: %w", s.cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+metricsPath, s.metrics.Handler())
	mux.HandleFunc("/", notFound)
	s.metricsLn = ln
	s.metricsHTTP = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	return nil
}

// MetricsAddr is the --metrics-addr listener's address, or "" without one.
func (s *Server) MetricsAddr() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.metricsLn.Addr().String()
}

// serveMetrics serves the metrics listener until stopMetrics.
func (s *Server) serveMetrics() {
	if s.metricsHTTP == nil {
		return
	}
	go func() {
		if err := s.metricsHTTP.Serve(s.metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("metrics listener", "addr", s.MetricsAddr(), "err", err)
		}
	}()
	s.logger.Info("metrics listening", "addr", s.MetricsAddr())
}

func (s *Server) stopMetrics(ctx context.Context) {
	if s.metricsHTTP != nil {
		_ = s.metricsHTTP.Shutdown(ctx)
	} else if s.metricsLn != nil {
		s.metricsLn.Close()
	}
}
