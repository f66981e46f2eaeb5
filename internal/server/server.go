// Package server is the composition root: it opens the store named by the
// configuration, wires the API, the delivery engine and the dashboard, runs
// them and shuts them down in two steps.
package server

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/hookline/hookline/internal/config"
)

// Run serves until ctx is cancelled, then drains in-flight deliveries and
// returns. Lines meant for the person who started the server (the generated
// admin token, the dashboard URL) go to out.
func Run(ctx context.Context, cfg config.Config, out io.Writer, logger *slog.Logger) error {
	return errors.New("server: not built yet")
}

// Migrate applies the embedded migrations to the configured database.
func Migrate(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	return errors.New("server: not built yet")
}
