// Package server is the composition root: it opens the store named by the
// configuration, wires the API, the delivery engine and the dashboard, runs
// them and shuts them down in two steps.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookline/hookline/internal/api"
	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/dashboard"
	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/httpmw"
	"github.com/hookline/hookline/internal/inbound/receive"
	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/inspector/catch"
	"github.com/hookline/hookline/internal/retention"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/postgres"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/telemetry"
	"github.com/hookline/hookline/internal/tracing"
)

// Version is the build's version, set by the CLI.
var Version = "dev"

// The engine is the API's Engine; delivery cannot say so itself, as it
// never imports the API.
var _ api.Engine = (*delivery.Engine)(nil)

// openStore opens the database the configuration names: PostgreSQL for a
// postgres:// URL, the embedded SQLite in DataDir otherwise. It reports
// whether this process owns the database alone (SQLite), which lets the
// engine drop every lease at start.
func openStore(ctx context.Context, cfg config.Config, logger *slog.Logger) (s store.Store, exclusive bool, err error) {
	key, err := EncryptionKey(cfg)
	if err != nil {
		return nil, false, err
	}
	if cfg.DatabaseURL != "" {
		if !isPostgresURL(cfg.DatabaseURL) {
			return nil, false, fmt.Errorf("open store: --database-url: %q is not a postgres:// URL", schemeOf(cfg.DatabaseURL)+"://")
		}
		st, err := postgres.OpenWith(ctx, cfg.DatabaseURL, postgres.Options{Logger: logger, Secrets: key})
		if err != nil {
			return nil, false, fmt.Errorf("open store: %w", err)
		}
		return st, false, nil
	}
	st, err := sqlite.OpenWith(ctx, cfg.DataDir, sqlite.Options{Logger: logger, Secrets: key})
	if err != nil {
		return nil, false, fmt.Errorf("open store: %w", err)
	}
	return st, true, nil
}

func schemeOf(url string) string {
	scheme, _, _ := strings.Cut(url, "://")
	return scheme
}

func isPostgresURL(url string) bool {
	s := schemeOf(url)
	return s == "postgres" || s == "postgresql"
}

// Server is one running Hookline: its store, delivery engine and HTTP
// listener. New opens and wires them, Start serves, Stop shuts down in two
// steps. Run does all three for the CLI.
type Server struct {
	cfg    config.Config
	out    io.Writer
	logger *slog.Logger
	store  store.Store
	engine *delivery.Engine
	ln     net.Listener
	http   *http.Server
	root   *http.ServeMux
	// catcher serves the inspector's catch URLs (/in/bin/).
	catcher *catch.Catcher
	// purger applies the retention (--retention, payloadRetentionPeriod).
	purger *retention.Purger
	// receiver serves the sources' inbound URLs (/in/{token}).
	receiver *receive.Handler
	// metrics is served at /metrics, and on metricsLn (--metrics-addr)
	// when set.
	metrics     *telemetry.Metrics
	authn       *auth.Authenticator
	metricsLn   net.Listener
	metricsHTTP *http.Server
	token       string // the admin token to print once, or ""
	baseURL     string // http:// and the listen address, for the banner
	// publicURL is the base of the links handed out: --public-url, or
	// the listen address.
	publicURL string

	// tracer makes the spans of requests and deliveries; nil when tracing
	// is off. tracing is the provider the server made from the
	// environment and flushes at Stop; nil when off, or given by a test.
	tracer  trace.Tracer
	tracing *sdktrace.TracerProvider

	serveErr chan error
	started  bool
	stopOnce sync.Once
	stopErr  error
}

// New opens the store, makes sure an admin token exists, builds the engine
// and the handlers and binds the listener, so Addr is known before Start.
// Nothing is served and nothing is delivered until Start. On error,
// everything opened so far is closed again.
func New(ctx context.Context, cfg config.Config, out io.Writer, logger *slog.Logger) (*Server, error) {
	return newServer(ctx, cfg, out, logger, nil)
}

// newServer is New with tp as the TracerProvider; nil: the one the
// OTEL_* environment describes (internal/tracing), or none.
func newServer(ctx context.Context, cfg config.Config, out io.Writer, logger *slog.Logger, tp trace.TracerProvider) (_ *Server, err error) {
	if cfg.Dev {
		cfg.AllowPrivateTargets = true
	}
	// Every line logged with a request's context carries its request ID.
	logger = slog.New(httpmw.LogHandler(logger.Handler()))
	s := &Server{cfg: cfg, out: out, logger: logger, serveErr: make(chan error, 1)}
	var exclusive bool
	s.store, exclusive, err = openStore(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if tp == nil {
		if s.tracing, err = tracing.FromEnv(ctx, os.Getenv, Version); err != nil {
			return nil, err
		}
		if s.tracing != nil {
			tp = s.tracing
		}
	}
	if tp != nil {
		s.tracer = tp.Tracer(tracing.ScopeName, trace.WithInstrumentationVersion(Version))
	}
	if err := secureEndpointSecrets(ctx, s.store, cfg, logger); err != nil {
		return nil, err
	}
	if err := secureSourceSecrets(ctx, s.store, cfg, logger); err != nil {
		return nil, err
	}
	if s.token, err = bootstrapAdminToken(ctx, s.store, cfg, logger); err != nil {
		return nil, err
	}
	client, err := send.NewClient(send.Config{
		Timeout:             cfg.RequestTimeout,
		AllowPrivateTargets: cfg.AllowPrivateTargets,
		UserAgent:           "Hookline/" + Version,
	})
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	opsApp, err := operationalApp(ctx, s.store, cfg.OperationalApp, time.Now(), logger)
	if err != nil {
		return nil, err
	}
	if s.metrics, err = telemetry.New(telemetry.Config{}); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	s.engine, err = delivery.New(delivery.Config{
		Store:                s.store,
		Client:               client,
		Logger:               logger.With("component", "delivery"),
		RetrySchedule:        cfg.RetrySchedule,
		RequestTimeout:       cfg.RequestTimeout,
		LeaseDuration:        cfg.LeaseDuration,
		ReleaseLeasesAtStart: exclusive,
		OperationalAppID:     opsApp,
		Observers:            []delivery.Observer{s.metrics},
		Tracer:               s.tracer,
		PropagateTrace:       cfg.TracePropagation,
		// SQLite has one writer; PostgreSQL commits several transactions
		// at once, each group-committing what queued meanwhile.
		Committers: map[bool]int{true: 1, false: 4}[exclusive],
	})
	if err != nil {
		return nil, err
	}

	if err := s.metrics.AddGauges(s.store, s.engine); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}

	if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if err := s.listenMetrics(); err != nil {
		return nil, err
	}
	s.baseURL = "http://" + s.ln.Addr().String()
	if s.publicURL, err = publicURL(cfg.PublicURL, s.ln.Addr()); err != nil {
		return nil, err
	}
	// One Authenticator for the API and the dashboard: a token revoked
	// through the API is forgotten by the dashboard's sessions at once.
	authn, err := auth.New(auth.Config{Store: s.store, Logger: logger.With("component", "auth")})
	if err != nil {
		return nil, err
	}
	s.authn = authn
	sessions, err := auth.NewSessions(ctx, auth.SessionConfig{Keys: s.store, Auth: authn, PublicURL: s.publicURL})
	if err != nil {
		return nil, err
	}
	// The catch URLs tell the API's follow streams and the dashboard's
	// live view of each capture.
	captures := inspector.NewHub()
	dash, err := dashboard.New(dashboard.Config{
		Captures: captures, PublicURL: s.publicURL,
		Store: s.store, Engine: s.engine, Sessions: sessions, Version: Version,
		Backend:        map[bool]string{true: "SQLite", false: "PostgreSQL"}[exclusive],
		FrameAncestors: cfg.PortalFrameAncestors,
		RequestTimeout: cfg.RequestTimeout,
		Retries:        len(cfg.RetrySchedule),
		Logger:         logger.With("component", "dashboard"),
	})
	if err != nil {
		return nil, err
	}
	s.catcher, err = catch.New(catch.Config{
		Store: s.store, Hub: captures, BodyLimit: cfg.MaxBodyBytes,
		Logger: logger.With("component", "inspector"),
	})
	if err != nil {
		return nil, err
	}
	s.purger = retention.New(retention.Config{
		Store: s.store, Retention: cfg.Retention, Logger: logger.With("component", "retention"),
	})
	apiHandler, err := api.New(api.Config{
		Captures:       captures,
		Replay:         client,
		Auth:           authn,
		Store:          s.store,
		Engine:         s.engine,
		Logger:         logger.With("component", "api"),
		MaxBodyBytes:   cfg.MaxBodyBytes,
		BaseURL:        s.publicURL,
		RetrySchedule:  cfg.RetrySchedule,
		RequestTimeout: cfg.RequestTimeout,
	})
	if err != nil {
		return nil, err
	}
	s.receiver, err = receive.New(receive.Config{
		Store: s.store, Engine: s.engine, Logger: logger.With("component", "inbound"),
		Counted: s.metrics.Inbound,
	})
	if err != nil {
		return nil, err
	}
	s.root = http.NewServeMux()
	s.http = &http.Server{
		Handler:           s.routes(apiHandler.Handler(), dash.Handler()),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Shutdown waits for responses to end: the dashboard's live streams
	// end when it begins.
	s.http.RegisterOnShutdown(dash.Close)
	// The same for the API's follow streams and the catch URLs' delayed
	// answers.
	s.http.RegisterOnShutdown(apiHandler.Close)
	s.http.RegisterOnShutdown(s.catcher.Close)
	return s, nil
}

// PublicURL is the base of every link the server hands out, without a
// trailing slash: --public-url, or http:// and the listen address.
func (s *Server) PublicURL() string { return s.publicURL }

// publicURL is configured, the base of the links handed out, checked
// again for a Config built without Load; or, by default, the listen
// address, with "localhost" for an address that listens on every
// interface (http://[::]:8071 is no link anyone can follow).
func publicURL(configured string, addr net.Addr) (string, error) {
	if configured != "" {
		u, err := config.ParsePublicURL(configured)
		if err != nil {
			return "", fmt.Errorf("public-url: %w", err)
		}
		return u, nil
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "", fmt.Errorf("listen address %s: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// Addr is the address the server listens on, with the real port when the
// configuration asked for port 0.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Start starts the delivery engine and serves on the listener New bound,
// then prints the welcome banner to out.
func (s *Server) Start(ctx context.Context) error {
	if err := s.engine.Start(ctx); err != nil {
		return err
	}
	s.started = true
	s.catcher.Start()
	s.purger.Start()
	go func() { s.serveErr <- s.http.Serve(s.ln) }()
	s.serveMetrics()
	s.logger.Info("hookline listening", "addr", s.Addr(), "version", Version, "private_targets", s.cfg.AllowPrivateTargets,
		"tracing", s.tracer != nil, "trace_propagation", s.tracer != nil && s.cfg.TracePropagation)
	printWelcome(s.out, s.cfg, s.baseURL, s.token)
	return nil
}

// Stop shuts down in two steps: it stops taking requests and lets
// in-flight requests and deliveries finish until ctx is done; then it
// cancels whatever is left (resumed at the next start) and closes the
// store. It may be called more than once, and without Start.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		if !s.started {
			s.close()
			return
		}
		if err := s.http.Shutdown(ctx); err != nil {
			s.logger.Warn("http shutdown", "err", err)
		}
		s.stopMetrics(ctx)
		// Step two happens inside engine.Stop: whatever is still running
		// when ctx ends is cancelled.
		if err := s.engine.Stop(ctx); err != nil {
			s.logger.Warn("delivery shutdown", "err", err)
		}
		s.catcher.Close() // its purge uses the store
		s.purger.Close()  // so does this one
		s.stopErr = s.store.Close()
		s.stopTracing(ctx)
		s.logger.Info("stopped")
	})
	return s.stopErr
}

// close releases what New opened, for a server that never started.
func (s *Server) close() {
	if s.ln != nil {
		s.ln.Close()
	}
	if s.metricsLn != nil {
		s.metricsLn.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
	s.stopTracing(context.Background())
}

// stopTracing flushes the spans not yet exported, after the last attempt
// ended, and stops the exporter.
func (s *Server) stopTracing(ctx context.Context) {
	if s.tracing == nil {
		return
	}
	if err := s.tracing.Shutdown(ctx); err != nil {
		s.logger.Warn("tracing shutdown: spans may be lost", "err", err)
	}
}

// Run serves until ctx is cancelled, then stops within the configured
// shutdown timeout and returns. Lines meant for the person who started the
// server (the generated admin token, the dashboard URL) go to out.
func Run(ctx context.Context, cfg config.Config, out io.Writer, logger *slog.Logger) error {
	s, err := New(ctx, cfg, out, logger)
	if err != nil {
		return err
	}
	if err := s.Start(ctx); err != nil {
		s.Stop(ctx)
		return err
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case err := <-s.serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			serveErr = fmt.Errorf("serve: %w", err)
		}
	}
	s.logger.Info("shutting down: draining in-flight deliveries", "timeout", cfg.ShutdownTimeout)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := s.Stop(stopCtx); err != nil {
		s.logger.Warn("close store", "err", err)
	}
	return serveErr
}

// printWelcome tells the person who started the server where it listens
// and, with --dev, how to make a first call. The curl line must work when
// pasted: the token is either printed in it or read from the environment
// inside double quotes, which the shell expands.
func printWelcome(out io.Writer, cfg config.Config, baseURL, token string) {
	fmt.Fprintf(out, "Hookline listening on %s (version %s)\n", baseURL, Version)
	fmt.Fprintf(out, "Dashboard: %s/ (sign in with the admin token)\n", baseURL)
	if token != "" {
		fmt.Fprintf(out, "\nAdmin token (shown only now; stored hashed):\n  %s\n", token)
	}
	if !cfg.Dev {
		return
	}
	auth, heading := token, "Try it:"
	if token == "" {
		auth, heading = "$HOOKLINE_ADMIN_TOKEN", "Try it, with the admin token you gave in HOOKLINE_ADMIN_TOKEN:"
	}
	fmt.Fprintf(out, "\n%s\n  curl -s -X POST %s/api/v1/app -H \"Authorization: Bearer %s\" -H 'Content-Type: application/json' -d '{\"name\":\"My first app\"}'\n", heading, baseURL, auth)
	fmt.Fprintf(out, "API reference: %s/api/v1/openapi.json\n", baseURL)
}

// Migrate applies the embedded migrations to the configured database.
func Migrate(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	if cfg.DatabaseURL != "" {
		if !isPostgresURL(cfg.DatabaseURL) {
			return fmt.Errorf("migrate: --database-url: %q is not a postgres:// URL", schemeOf(cfg.DatabaseURL)+"://")
		}
		if err := postgres.Migrate(ctx, cfg.DatabaseURL, logger); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		logger.Info("migrations applied", "database", "postgres")
		return nil
	}
	if err := sqlite.Migrate(ctx, cfg.DataDir, logger); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	logger.Info("migrations applied", "data_dir", cfg.DataDir)
	return nil
}
