package api

import (
	"net/http"
	"strings"
)

// probeMethods are the methods tried to tell a path that exists under
// another method (405) from one that does not (404).
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// serve finishes mux, which holds the routes, into the API's handler:
// anything else under /api/ answers a JSON 404, or a JSON 405 with Allow
// when the path exists under other methods; and one trailing slash is
// trimmed before routing, as Svix's server does, so `/api/v1/app/` is
// `/api/v1/app` (Svix's docs, its older SDKs and many hand-written
// clients use the first).
//
// A call of the Svix SDKs that Hookline does not serve gets a 404 naming
// it (unsupported.go), under /api/ and under Svix's /ingest/api/ alike.
func (a *API) serve(mux *http.ServeMux) http.Handler {
	rest := a.handle(func(w http.ResponseWriter, r *http.Request) error {
		if err := a.notSupported(r); err != nil {
			return err
		}
		return unrouted(mux, w, r)
	})
	mux.HandleFunc("/api/", rest)
	mux.HandleFunc("/ingest/api/", rest)
	return trimTrailingSlash(mux)
}

// unrouted is the answer to a request under /api/ that no route took.
// ServeMux answers a wrong method itself (405, plain text) only when no
// pattern at all matches, and the /api/ catch-all always does, so the
// methods the path allows are found by asking the mux for each.
func unrouted(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) error {
	var allowed []string
	for _, m := range probeMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) == 0 {
		return errNotFound()
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	return &Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
		Detail: r.Method + " is not allowed here; allowed: " + strings.Join(allowed, ", ")}
}

// trimTrailingSlash drops one trailing slash from the path (not from "/")
// before next routes it.
func trimTrailingSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if len(p) < 2 || p[len(p)-1] != '/' {
			next.ServeHTTP(w, r)
			return
		}
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = p[:len(p)-1]
		// RawPath is kept only while it still spells Path: a trailing
		// "%2F" is not the slash being trimmed.
		if raw, ok := strings.CutSuffix(u.RawPath, "/"); ok {
			u.RawPath = raw
		} else {
			u.RawPath = ""
		}
		r2.URL = &u
		next.ServeHTTP(w, r2)
	})
}
