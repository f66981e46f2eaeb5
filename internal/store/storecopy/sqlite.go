package storecopy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/hookline/hookline/internal/store/postgres"
	"github.com/hookline/hookline/internal/store/sqlite"
)

// sqliteScheme prefixes the data directory in --from.
const sqliteScheme = "sqlite://"

// DataDir returns the data directory named by from, a sqlite://PATH URL
// (sqlite://./hookline-data, sqlite:///var/lib/hookline), and checks that
// it holds a Hookline database: sqlite.Open would create an empty one, and
// a mistyped path would then copy nothing.
func DataDir(from string) (string, error) {
	dir, ok := strings.CutPrefix(from, sqliteScheme)
	if !ok {
		return "", fmt.Errorf("--from %q: want sqlite://PATH_TO_DATA_DIR", from)
	}
	if dir == "" {
		return "", fmt.Errorf("--from %q: the data directory path is empty", from)
	}
	db := filepath.Join(dir, sqlite.DBFile)
	if _, err := os.Stat(db); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("--from %q: no Hookline database in %s (%s not found)", from, dir, sqlite.DBFile)
		}
		return "", fmt.Errorf("--from %q: %w", from, err)
	}
	return dir, nil
}

// FromSQLite copies the Hookline SQLite data directory named by from (see
// DataDir) into the PostgreSQL database at databaseURL, which it first
// migrates (postgres.Open, under its advisory lock). Both are opened with
// opts.Secrets, which must open the source's encrypted endpoint secrets. It holds the data
// directory's lock throughout, so it refuses to run beside a server using
// the directory, and no server can start on it while it copies.
func FromSQLite(ctx context.Context, from, databaseURL string, opts Options, logger *slog.Logger) (Summary, error) {
	dir, err := DataDir(from)
	if err != nil {
		return Summary{}, err
	}
	if s, _, _ := strings.Cut(databaseURL, "://"); s != "postgres" && s != "postgresql" {
		return Summary{}, fmt.Errorf("--database-url: want a postgres:// URL to copy into, got %q", s+"://")
	}
	src, err := sqlite.OpenWith(ctx, dir, sqlite.Options{Logger: logger, Secrets: opts.Secrets})
	if errors.Is(err, sqlite.ErrLocked) {
		return Summary{}, fmt.Errorf("%s is in use by a running hookline server: stop it first, so that nothing changes while it is copied (%w)", dir, err)
	}
	if err != nil {
		return Summary{}, fmt.Errorf("open %s: %w", dir, err)
	}
	defer src.Close()
	if err := src.EndpointSecretsCheck(ctx); err != nil {
		return Summary{}, fmt.Errorf("%s: %w; give the encryption key its endpoint secrets were encrypted with", dir, err)
	}
	dst, err := postgres.OpenWith(ctx, databaseURL, postgres.Options{Logger: logger, Secrets: opts.Secrets})
	if err != nil {
		return Summary{}, fmt.Errorf("open PostgreSQL: %w", err)
	}
	defer dst.Close()
	if err := dst.EndpointSecretsCheck(ctx); err != nil {
		return Summary{}, fmt.Errorf("PostgreSQL: %w; the destination's endpoint secrets are encrypted with another key", err)
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	fmt.Fprintf(opts.Progress, "copying %s into PostgreSQL (migrated)\n", dir)
	return Copy(ctx, dst, src, opts)
}
