package dashboard

import (
	"net/http"
	"strings"
)

// Patterns are the paths the dashboard answers, for the server's root
// mux; every other path stays with the server (the API's JSON 404).
var Patterns = []string{
	"/{$}", "/sign-in", "/sign-out", "/static/",
	"/apps", "/apps/", "/event-types", "/event-types/", "/status",
	"/portal/",
	"/sources", "/sources/", "/inspector", "/inspector/",
}

// Handler returns the dashboard's routes, with its security headers.
// Each group of pages lists its own routes beside its handlers: the
// operator's (signed in with the admin token) check the admin session,
// an app's (its portal, or the operator inside it) go through inApp,
// which checks the session's scope; both check the CSRF token of every
// POST before the handler runs.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.handle(d.home))
	mux.HandleFunc("POST /sign-in", d.handle(d.signIn))
	mux.HandleFunc("POST /sign-out", d.handle(d.signOut))
	mux.Handle("GET /static/", d.static)

	// The portal: a portal link's page exchanges its key for a session,
	// then the pages of one app.
	mux.HandleFunc("GET /portal/{app}", d.handle(d.portalOpen))
	mux.HandleFunc("POST /portal/{app}/session", d.handle(d.portalSession))
	mux.HandleFunc("POST /portal/{app}/sign-out", d.inApp(d.portalSignOut))
	mux.HandleFunc("GET /portal/{app}/{$}", d.inApp(d.appHome))

	d.endpointRoutes(mux)
	d.endpointActionRoutes(mux)
	d.messageRoutes(mux)
	d.eventTypeRoutes(mux)
	d.operatorRoutes(mux)
	d.sourceRoutes(mux)
	d.inspectorRoutes(mux)

	mux.HandleFunc("/", d.handle(func(w http.ResponseWriter, _ *http.Request) error {
		d.notFound(w)
		return nil
	}))
	return d.securityHeaders(mux)
}

// securityHeaders sets what every dashboard response carries: no inline
// script or foreign resource, no framing by another site (but the
// portal's by the origins of --portal-frame-ancestors), no MIME sniffing,
// no full URL in the Referer of a link followed elsewhere.
func (d *Dashboard) securityHeaders(next http.Handler) http.Handler {
	framers := "'self'"
	if len(d.frameAncestors) > 0 {
		framers += " " + strings.Join(d.frameAncestors, " ")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ancestors := "'self'"
		if strings.HasPrefix(r.URL.Path, "/portal/") {
			ancestors = framers
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors "+ancestors)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
