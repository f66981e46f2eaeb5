package httpmw

import (
	"net/http"
	"strings"
	"time"
)

// Served is one request as Measure reports it. Route is the pattern that
// routed it, without its method ("" when no pattern matched), never the
// path: paths hold IDs and tokens, and a metric labelled with them would
// grow without bound.
type Served struct {
	Route    string
	Method   string // one of the standard methods, or "OTHER"
	Status   int
	Duration time.Duration
}

// Measure tells observe of every request once it is answered. It must run
// inside WithRequestID, which carries the route the inner muxes record.
func Measure(observe func(Served), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		defer func() {
			route := r.Pattern
			if in := infoFrom(r.Context()); in != nil && in.pattern != "" {
				route = in.pattern
			}
			observe(Served{Route: stripMethod(route), Method: method(r.Method), Status: rec.status(), Duration: time.Since(start)})
		}()
		next.ServeHTTP(rec, r)
	})
}

// stripMethod drops the "GET " of a pattern such as "GET /api/v1/app/":
// the method is a label of its own.
func stripMethod(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return strings.TrimLeft(pattern[i:], " ")
	}
	return pattern
}

// method keeps the standard methods and folds any other into "OTHER": a
// client may send any token as a method.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}
