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
	"strings"
	"time"

	"github.com/hookline/hookline/internal/api"
	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/postgres"
	"github.com/hookline/hookline/internal/store/sqlite"
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

// Run serves until ctx is cancelled, then drains in-flight deliveries and
// returns. Lines meant for the person who started the server (the generated
// admin token, the dashboard URL) go to out.
func Run(ctx context.Context, cfg config.Config, out io.Writer, logger *slog.Logger) error {
	if cfg.Dev {
		cfg.AllowPrivateTargets = true
	}
	st, exclusive, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := secureEndpointSecrets(ctx, st, cfg, logger); err != nil {
		return err
	}

	token, err := bootstrapAdminToken(ctx, st, cfg, logger)
	if err != nil {
		return err
	}

	client, err := send.NewClient(send.Config{
		Timeout:             cfg.RequestTimeout,
		AllowPrivateTargets: cfg.AllowPrivateTargets,
		UserAgent:           "Hookline/" + Version,
	})
	if err != nil {
		return fmt.Errorf("http client: %w", err)
	}
	opsApp, err := operationalApp(ctx, st, cfg.OperationalApp, time.Now(), logger)
	if err != nil {
		return err
	}
	engine, err := delivery.New(delivery.Config{
		Store:                st,
		Client:               client,
		Logger:               logger.With("component", "delivery"),
		RetrySchedule:        cfg.RetrySchedule,
		RequestTimeout:       cfg.RequestTimeout,
		LeaseDuration:        cfg.LeaseDuration,
		ReleaseLeasesAtStart: exclusive,
		OperationalAppID:     opsApp,
		// SQLite has one writer; PostgreSQL commits several transactions
		// at once, each group-committing what queued meanwhile.
		Committers: map[bool]int{true: 1, false: 4}[exclusive],
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	baseURL := "http://" + ln.Addr().String()
	apiHandler, err := api.New(api.Config{
		Store:          st,
		Engine:         engine,
		Logger:         logger.With("component", "api"),
		MaxBodyBytes:   cfg.MaxBodyBytes,
		BaseURL:        baseURL,
		RetrySchedule:  cfg.RetrySchedule,
		RequestTimeout: cfg.RequestTimeout,
	})
	if err != nil {
		ln.Close()
		return err
	}
	if err := engine.Start(ctx); err != nil {
		ln.Close()
		return err
	}

	srv := &http.Server{
		Handler:           apiHandler.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	logger.Info("hookline listening", "addr", ln.Addr().String(), "version", Version, "private_targets", cfg.AllowPrivateTargets)
	printWelcome(out, cfg, baseURL, token)

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			_ = engine.Stop(context.Background())
			return fmt.Errorf("serve: %w", err)
		}
	}

	// Step one: stop taking requests and let in-flight sends finish.
	logger.Info("shutting down: draining in-flight deliveries", "timeout", cfg.ShutdownTimeout)
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(stopCtx); err != nil {
		logger.Warn("http shutdown", "err", err)
	}
	// Step two happens inside Stop: whatever is still running when the
	// timeout ends is cancelled, and resumed at the next start.
	if err := engine.Stop(stopCtx); err != nil {
		logger.Warn("delivery shutdown", "err", err)
	}
	logger.Info("stopped")
	return nil
}

// printWelcome tells the person who started the server where it listens
// and, with --dev, how to make a first call. The curl line must work when
// pasted: the token is either printed in it or read from the environment
// inside double quotes, which the shell expands.
func printWelcome(out io.Writer, cfg config.Config, baseURL, token string) {
	fmt.Fprintf(out, "Hookline listening on %s (version %s)\n", baseURL, Version)
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
