// Package dashboard serves the operator's pages in the browser: the
// sign-in with the admin token and, signed in, the applications. Pages are
// rendered on the server with html/template (everything a user typed is
// escaped) from templates and assets embedded in the binary, so there is
// no front-end build step and the forms work without JavaScript.
//
// Every form POST carries a CSRF token (internal/auth), every page a CSP
// without inline script. Data is read through the store's methods only;
// the dashboard writes no SQL.
package dashboard

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Patterns are the paths the dashboard answers, for the server's root
// mux; every other path stays with the server (the API's JSON 404).
var Patterns = []string{"/{$}", "/sign-in", "/sign-out", "/static/"}

// appsPerPage is how many apps one page of the list shows.
const appsPerPage = 50

// Store is what the dashboard reads.
type Store interface {
	AppList(ctx context.Context, p store.AppListParams) ([]webhook.App, error)
}

// Config is the dashboard's dependencies.
type Config struct {
	Store    Store
	Sessions *auth.Sessions
	Logger   *slog.Logger // default: discard
	// Version is shown in the footer.
	Version string
}

// Dashboard is the operator's pages. Create it with New.
type Dashboard struct {
	store    Store
	sessions *auth.Sessions
	logger   *slog.Logger
	version  string
	pages    map[string]*template.Template
	static   http.Handler
}

// New checks cfg and parses the templates.
func New(cfg Config) (*Dashboard, error) {
	if cfg.Store == nil || cfg.Sessions == nil {
		return nil, errors.New("dashboard: Store and Sessions are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"sign-in", "apps", "error"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard: template %s: %w", name, err)
		}
		pages[name] = t
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("dashboard: static: %w", err)
	}
	return &Dashboard{
		store: cfg.Store, sessions: cfg.Sessions, logger: cfg.Logger, version: cfg.Version,
		pages: pages, static: http.StripPrefix("/static/", http.FileServerFS(sub)),
	}, nil
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") },
}

// Handler returns the dashboard's routes, with its security headers.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.handle(d.home))
	mux.HandleFunc("POST /sign-in", d.handle(d.signIn))
	mux.HandleFunc("POST /sign-out", d.handle(d.signOut))
	mux.Handle("GET /static/", d.static)
	return securityHeaders(mux)
}

// securityHeaders sets what every dashboard response carries: no inline
// script or foreign resource, no framing by another site, no MIME
// sniffing, no full URL in the Referer of a link followed elsewhere.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// handlerFunc is a page handler; an error it returns is logged and
// answered with a plain 500 page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (d *Dashboard) handle(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := fn(w, r); err != nil {
			d.logger.ErrorContext(r.Context(), "dashboard", "path", r.URL.Path, "err", err)
			d.errorPage(w, http.StatusInternalServerError, "Something went wrong", "The server could not show this page. Try again in a moment.")
		}
	}
}

// page is what the layout shows around a page's content.
type page struct {
	Title    string
	SignedIn bool
	CSRF     string
	Version  string
	Data     any
}

func (d *Dashboard) render(w http.ResponseWriter, status int, name string, p page) error {
	p.Version = d.version
	var b strings.Builder
	if err := d.pages[name].Execute(&b, p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write([]byte(b.String()))
	return err
}

// errorPage answers a plain page saying what went wrong.
func (d *Dashboard) errorPage(w http.ResponseWriter, status int, title, detail string) {
	err := d.render(w, status, "error", page{Title: title, Data: detail})
	if err != nil {
		d.logger.Error("dashboard: error page", "err", err)
	}
}
