// Package dashboard serves the pages people click: the operator's
// dashboard (signed in with the admin token: every app, event types, the
// server's status) and the customer portal (one app, opened from a portal
// link that app-portal-access minted). An operator opening an app sees the
// same pages as its portal. Pages are rendered on the server with
// html/template (everything a user typed is escaped) from templates and
// assets embedded in the binary, so there is no front-end build step and
// the forms work without JavaScript; small scripts only add copy buttons,
// the portal's key exchange and live updates.
//
// Every form POST carries a CSRF token (internal/auth), checked before
// any handler runs; every page a CSP without inline script. Data is read
// through the store's methods and endpoints are written through the one
// write path (internal/endpoint); the dashboard writes no SQL.
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
	"path"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the dashboard reads and writes (endpoints only through
// the Writer). Each group of pages declares what it needs beside its
// handlers.
type Store interface {
	appStore
	endpointStore
	messageStore
	eventTypeStore
	statusStore
	sourceStore
	inspectorStore
	endpoint.Store
}

// Engine is what the dashboard asks of the delivery engine: the Writer's
// notifications and the actions of the pages (send a test event, ping,
// resend, recover).
type Engine interface {
	endpoint.Engine
	endpointEngine
	messageEngine
	statusEngine
}

// appStore is what the sign-in, the app scope and the app pages read.
type appStore interface {
	AppGet(ctx context.Context, idOrUID string) (webhook.App, error)
	AppList(ctx context.Context, p store.AppListParams) ([]webhook.App, error)
	AppCreate(ctx context.Context, p store.AppCreateParams) error
}

// Config is the dashboard's dependencies.
type Config struct {
	Store    Store
	Engine   Engine
	Sessions *auth.Sessions
	Logger   *slog.Logger // default: discard
	// Version is shown in the footer and on the status page.
	Version string
	// Backend names the store on the status page ("sqlite", "postgres").
	Backend string
	// FrameAncestors are the origins allowed to embed the portal in an
	// iframe (--portal-frame-ancestors); none: same origin only.
	FrameAncestors []string
	// RequestTimeout is the server's timeout of one attempt, which an
	// endpoint's own timeout may shorten but not exceed; default 15s.
	RequestTimeout time.Duration
	// Retries is how many retries the server's schedule makes, what an
	// endpoint without its own retries gets.
	Retries int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// PublicURL is the base of the URLs handed out (a bin's catch URL).
	PublicURL string
	// Captures wakes the inspector's live view when a catch URL stores a
	// capture; default a hub of its own, which nothing wakes (the view
	// then shows new captures at a reload).
	Captures *inspector.Hub
}

// Dashboard is the pages. Create it with New.
type Dashboard struct {
	store          Store
	engine         Engine
	endpoints      *endpoint.Writer
	sessions       *auth.Sessions
	logger         *slog.Logger
	version        string
	backend        string
	frameAncestors []string
	requestTimeout time.Duration
	retries        int
	now            func() time.Time
	pages          map[string]*template.Template
	static         http.Handler
	live           liveStreams // the open live streams (live.go)
	publicURL      string
	captures       *inspector.Hub
}

// New checks cfg and parses the templates.
func New(cfg Config) (*Dashboard, error) {
	if cfg.Store == nil || cfg.Engine == nil || cfg.Sessions == nil {
		return nil, errors.New("dashboard: Store, Engine and Sessions are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Captures == nil {
		cfg.Captures = inspector.NewHub()
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 15 * time.Second
	}
	writer, err := endpoint.New(cfg.Store, cfg.Engine)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("dashboard: static: %w", err)
	}
	return &Dashboard{
		store: cfg.Store, engine: cfg.Engine, endpoints: writer, sessions: cfg.Sessions,
		logger: cfg.Logger, version: cfg.Version, backend: cfg.Backend,
		frameAncestors: cfg.FrameAncestors, requestTimeout: cfg.RequestTimeout, retries: cfg.Retries, now: cfg.Now,
		publicURL: strings.TrimSuffix(cfg.PublicURL, "/"), captures: cfg.Captures,
		pages: pages, static: http.StripPrefix("/static/", http.FileServerFS(sub)),
	}, nil
}

// parsePages parses every page template (templates/NAME.html) with the
// layout and the shared partials (templates/_NAME.html), keyed by NAME.
func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: templates: %w", err)
	}
	shared := []string{"templates/layout.html"}
	var names []string
	for _, f := range files {
		base := path.Base(f)
		switch {
		case base == "layout.html":
		case strings.HasPrefix(base, "_"):
			shared = append(shared, f)
		default:
			names = append(names, strings.TrimSuffix(base, ".html"))
		}
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, append(shared, "templates/"+name+".html")...)
		if err != nil {
			return nil, fmt.Errorf("dashboard: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// handlerFunc is a page handler; an error it returns is logged and
// answered with a plain 500 page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (d *Dashboard) handle(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := fn(w, r); err != nil {
			d.fail(w, r, err)
		}
	}
}

// fail logs err and answers the page a user sees when the server could
// not do what was asked.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	d.logger.ErrorContext(r.Context(), "dashboard", "path", r.URL.Path, "err", err)
	d.errorPage(w, http.StatusInternalServerError, "Something went wrong", "The server could not show this page. Try again in a moment.")
}

// page is what the layout shows around a page's content.
type page struct {
	Title    string
	SignedIn bool
	CSRF     string
	Version  string
	// App is set on the pages of one app (its portal, or the operator
	// inside it): the layout shows the app's tabs instead of the
	// operator's.
	App *appNav
	// Nav names the current tab ("apps", "endpoints", "messages",
	// "event-types", "status"), which the layout marks.
	Nav  string
	Data any
}

// appNav is the app the page belongs to, for the layout.
type appNav struct {
	ID   string
	Name string
	// Operator is true for an admin inside the app: the layout links back
	// to all apps and to the operator's pages.
	Operator bool
}

func (d *Dashboard) render(w http.ResponseWriter, status int, name string, p page) error {
	t, ok := d.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	p.Version = d.version
	var b strings.Builder
	if err := t.Execute(&b, p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	// A write fails only when the client went away (a live update's
	// fetch cut short by leaving the page): there is no one to answer.
	_, _ = w.Write([]byte(b.String()))
	return nil
}

// errorPage answers a plain page saying what went wrong.
func (d *Dashboard) errorPage(w http.ResponseWriter, status int, title, detail string) {
	err := d.render(w, status, "error", page{Title: title, Data: detail})
	if err != nil {
		d.logger.Error("dashboard: error page", "err", err)
	}
}

// notFound is the page of an object that does not exist or belongs to
// another app: the two are not told apart.
func (d *Dashboard) notFound(w http.ResponseWriter) {
	d.errorPage(w, http.StatusNotFound, "Not found", "There is nothing here, or it is not yours to see. Check the link, or go back.")
}
