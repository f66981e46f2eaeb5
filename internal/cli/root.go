// Package cli is the hookline command line: it parses flags with cobra, loads
// the configuration (flags > env > file > defaults, see internal/config) and
// hands it to internal/server. It holds no wiring of its own, so that main
// stays thin and the command tree can be tested without a server.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/server"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/store/storecopy"
)

// Exit codes returned by Run.
const (
	ExitOK    = 0
	ExitError = 1 // the command ran and failed
	ExitUsage = 2 // the command could not start: bad arguments, flags or configuration
)

// deps is what the commands reach outside the process. Run fills it with
// the real environment and server; tests pass fakes, so that no global
// needs swapping.
type deps struct {
	getenv  func(string) string
	serve   func(ctx context.Context, cfg config.Config, out io.Writer, logger *slog.Logger) error
	migrate func(ctx context.Context, cfg config.Config, logger *slog.Logger) error
	// copyFrom is storecopy.FromSQLite: migrate --from.
	copyFrom func(ctx context.Context, from, databaseURL string, opts storecopy.Options, logger *slog.Logger) (storecopy.Summary, error)
	// openStore is server.OpenShared: the token commands' store, beside a
	// running server.
	openStore func(ctx context.Context, cfg config.Config, logger *slog.Logger) (store.Store, error)
	// backup is server.Backup: hookline backup.
	backup func(ctx context.Context, cfg config.Config, dst string, force bool, progress func(written, total int64)) (sqlite.BackupInfo, error)
}

// Run executes the hookline command line args (without the program name)
// and returns the process exit code: ExitOK, ExitError when the command
// failed, or ExitUsage when it could not start because the arguments, flags
// or configuration are wrong. Every error is printed as one line to stderr.
// Cancelling ctx asks a running server to shut down gracefully.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// Written only when it differs: tests call Run beside servers that
	// read it, and a write of the same value would still be a data race.
	if server.Version != Version {
		server.Version = Version
	}
	return run(ctx, args, stdout, stderr, deps{
		getenv:    os.Getenv,
		serve:     server.Run,
		migrate:   server.Migrate,
		copyFrom:  storecopy.FromSQLite,
		openStore: server.OpenShared,
		backup:    server.Backup,
	})
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, d deps) int {
	root := &cobra.Command{
		Use:   "hookline",
		Short: "Hookline is a self-hosted webhook platform with a Svix-compatible API",
		Long: `Hookline sends webhooks (signed, retried, rate-limited and logged) to the
endpoints your customers subscribe, and receives and inspects webhooks from
other systems. Start with:

  hookline serve --dev`,
		Version: versionString(),
		// Errors are printed once, by run, as one line; cobra's own printing
		// would add a second copy and the full usage text.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newServeCommand(stdout, stderr, d),
		newMigrateCommand(stdout, stderr, d),
		newVersionCommand(stdout),
		newBenchCommand(stdout, stderr),
		newTokenCommand(stdout, stderr, d),
		newListenCommand(stdout, stderr, d),
		newBackupCommand(stdout, stderr, d),
	)

	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintf(stderr, "hookline: %v\n", ee.err)
		return ee.code
	}
	// Anything not wrapped by a command comes from cobra or pflag before the
	// command ran: an unknown command or flag, a malformed flag value.
	fmt.Fprintf(stderr, "hookline: %v (see '%s --help')\n", err, cmd.CommandPath())
	return ExitUsage
}

// exitError carries the exit code a command chose for its error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// Flag groups. Each flag is also a settings-file key and, upper-cased with
// the HOOKLINE_ prefix, an environment variable; the usage text names the
// variable so that --help documents both.

func addStorageFlags(fs *pflag.FlagSet, def config.Config) {
	fs.String("data-dir", def.DataDir, usage("data-dir", "directory of the embedded SQLite database"))
	fs.String("database-url", def.DatabaseURL, usage("database-url", "postgres:// URL; selects PostgreSQL instead of SQLite"))
}

// addKeyFlag adds --encryption-key-file. The key itself has no flag, on
// purpose: a command line is visible to every user of the machine (ps).
func addKeyFlag(fs *pflag.FlagSet) {
	fs.String("encryption-key-file", "", usage("encryption-key-file", "`file` holding the key that encrypts endpoint secrets and headers at rest (or set HOOKLINE_ENCRYPTION_KEY; see docs/security.md)"))
}

func addCommonFlags(fs *pflag.FlagSet, def config.Config) {
	fs.String(config.ConfigKey, "", usage(config.ConfigKey, "settings `file` of key = value lines; keys are these flag names"))
	fs.String("log-level", def.LogLevel, usage("log-level", "debug, info, warn or error"))
	fs.String("log-format", def.LogFormat, usage("log-format", "text or json, written to stderr"))
}

func usage(key, text string) string {
	return fmt.Sprintf("%s (env %s)", text, config.EnvName(key))
}

// loadConfig passes on only the flags the user actually set: a flag's
// default must not hide the environment or the settings file below it.
func loadConfig(fs *pflag.FlagSet, getenv func(string) string) (config.Config, error) {
	set := map[string]string{}
	fs.Visit(func(f *pflag.Flag) {
		// --help and other cobra flags are not settings.
		if f.Name == config.ConfigKey || slices.Contains(config.Keys(), f.Name) {
			set[f.Name] = f.Value.String()
		}
	})
	cfg, err := config.Load(set, getenv)
	if err != nil {
		return config.Config{}, &exitError{code: ExitUsage, err: err}
	}
	return cfg, nil
}

// newLogger builds the process logger. The level and format were checked by
// config.Validate, so the fallbacks here are unreachable in practice.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// runErr wraps a command's failure for exit code 1. A server that returns
// context.Canceled after the user asked it to stop has succeeded.
func runErr(ctx context.Context, what string, err error) error {
	if err == nil || (ctx.Err() != nil && errors.Is(err, context.Canceled)) {
		return nil
	}
	return &exitError{code: ExitError, err: fmt.Errorf("%s: %w", what, err)}
}
