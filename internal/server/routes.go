package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/dashboard"
	"github.com/hookline/hookline/internal/httpmw"
	"github.com/hookline/hookline/internal/inbound/receive"
	"github.com/hookline/hookline/internal/inspector/catch"
)

// HTTP limits fit for public traffic: a client gets ReadHeaderTimeout to
// send its headers and readTimeout for the whole request (bodies are
// capped at --max-body-bytes, so a minute is generous); an idle keep-alive
// connection is closed after IdleTimeout. No write timeout: the
// dashboard's live updates are long responses.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// apiTimeout is the deadline of one API request, so a handler stuck on
// the store or a peer does not hold its goroutine and connection forever.
// A ping waits for the endpoint up to the request timeout; the bulk
// calls (recover, replay-missing, expunge-all-contents) are one statement
// each over possibly millions of rows: two minutes more leave them room.
func (s *Server) apiTimeout() time.Duration {
	return s.cfg.RequestTimeout + 2*time.Minute
}

// routes composes everything the server answers under one root handler,
// with the shared middleware around all of it. Each part owns its prefix:
//
//   - /api/ and /ingest/api/ (the Svix SDKs' path for ingest calls): the API;
//   - / and the few paths of internal/dashboard (sign-in, sign-out, its
//     assets): the operator's dashboard;
//   - /portal/ (the customer portal, internal/dashboard);
//   - /in/bin/ (the inspector's catch URLs, internal/inspector/catch);
//   - /in/ (the sources' inbound URLs, internal/inbound/receive);
//   - /metrics: Prometheus, for admin tokens (internal/telemetry; open on
//     --metrics-addr instead, metrics.go);
//   - any other path: a JSON 404.
func (s *Server) routes(apiHandler, dashHandler http.Handler) http.Handler {
	apiHandler = httpmw.Timeout(s.apiTimeout(), apiHandler)
	s.root.Handle("/api/", apiHandler)
	s.root.Handle("/ingest/api/", apiHandler)
	for _, p := range dashboard.Patterns {
		s.root.Handle(p, dashHandler)
	}
	s.root.Handle("GET "+metricsPath, adminOnly(s.authn, s.metrics.Handler()))
	s.root.HandleFunc("/", notFound)

	var h http.Handler = s.root
	h = exactPaths(receive.Prefix, s.receiver, h)
	h = exactPaths(catch.Prefix, s.catcher, h) // first: /in/bin/ is below /in/
	h = httpmw.Recover(s.logger, h)
	h = httpmw.Measure(s.metrics.Served, h)
	h = httpmw.Trace(s.tracer, h)
	h = httpmw.AccessLog(s.logger, h)
	return httpmw.WithRequestID(h)
}

// exactPaths serves the paths under prefix with handler before next (the
// mux) sees them: a catch URL takes any path below its token as sent,
// and the mux would answer a path holding "//" or ".." with a redirect
// to its cleaned form, which no webhook sender follows with its POST.
func exactPaths(prefix string, handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, prefix) {
			// The access log names the route, never the path: the
			// path holds the bin's token.
			r.Pattern = prefix + "{token}"
			httpmw.SetRoute(r)
			handler.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// notFound answers a path no part of the server serves.
func notFound(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"code":"not_found","detail":"Entity not found"}`))
}
