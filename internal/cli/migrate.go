package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/server"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/storecopy"
)

func newMigrateCommand(stdout, stderr io.Writer, d deps) *cobra.Command {
	var (
		from  string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded database migrations, or copy a SQLite data directory into PostgreSQL",
		Long: `Apply the embedded database migrations and exit. serve applies them at
start too; migrate lets a deployment run them as a separate step, for
example before starting several nodes on one PostgreSQL database.

With --from sqlite://DIR and --database-url postgres://..., migrate copies
a Hookline SQLite data directory into PostgreSQL (migrated first): apps,
event types, endpoints with their secrets, tokens (hashed, as stored), and
the messages that still have pending or retrying deliveries, with those
deliveries, unleased, so the new server sends them. Finished deliveries
and their attempt logs are not copied; they stay readable in DIR. With an
encryption key (HOOKLINE_ENCRYPTION_KEY or --encryption-key-file), the
endpoint secrets encrypted in DIR are copied encrypted with the same key. Stop the
server using DIR first: the copy refuses to run beside it. It also refuses
a PostgreSQL database that already holds apps, unless --force, which skips
the rows that exist (so an interrupted copy can be run again).`,
		Example: `  hookline migrate --from sqlite://./hookline-data --database-url postgres://hookline@db/hookline`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags(), d.getenv)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			logger := newLogger(cfg, stderr)
			if from == "" {
				if force {
					return &exitError{code: ExitUsage, err: errors.New("--force applies only with --from")}
				}
				return runErr(ctx, "migrate", d.migrate(ctx, cfg, logger))
			}
			if cfg.DatabaseURL == "" {
				return &exitError{code: ExitUsage, err: errors.New("--from needs --database-url postgres://... to copy into")}
			}
			key, err := server.EncryptionKey(cfg)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			opts := storecopy.Options{Force: force, Progress: stdout, Secrets: key}
			return runErr(ctx, "migrate --from", copyFrom(ctx, stdout, d, from, cfg.DatabaseURL, opts, logger))
		},
	}
	def := config.Default()
	fs := cmd.Flags()
	addStorageFlags(fs, def)
	addKeyFlag(fs)
	fs.StringVar(&from, "from", "", "copy this SQLite data directory (sqlite://PATH) into --database-url")
	fs.BoolVar(&force, "force", false, "with --from: copy into a database that already holds apps, skipping rows that exist")
	addCommonFlags(fs, def)
	fs.SortFlags = false
	return cmd
}

// copyFrom runs the copy, printing its progress and a summary to out.
func copyFrom(ctx context.Context, out io.Writer, d deps, from, databaseURL string, opts storecopy.Options, logger *slog.Logger) error {
	sum, err := d.copyFrom(ctx, from, databaseURL, opts, logger)
	switch {
	case errors.Is(err, storecopy.ErrNotEmpty):
		return fmt.Errorf("%w; nothing was copied. Pass --force to copy into it anyway, skipping rows that exist", err)
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%w. Run again with --force to skip the rows that exist", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "done: %d apps, %d event types, %d endpoints, %d tokens, %d inbound sources, %d bins, %d messages with %d unfinished deliveries copied",
		sum.Apps.Copied, sum.EventTypes.Copied, sum.Endpoints.Copied, sum.Tokens.Copied, sum.Sources.Copied, sum.Bins.Copied, sum.Messages.Copied, sum.Deliveries.Copied)
	if skipped := sum.Apps.Skipped + sum.EventTypes.Skipped + sum.Endpoints.Skipped + sum.Tokens.Skipped + sum.Sources.Skipped + sum.Bins.Skipped + sum.Messages.Skipped; skipped > 0 {
		fmt.Fprintf(out, "; %d rows were there already", skipped)
	}
	fmt.Fprintf(out, "; %d finished deliveries left behind (history).\n"+
		"Start hookline serve with --database-url. Do not start a server on %s again: it would send the\n"+
		"copied pending deliveries a second time. Keep it aside to read old attempts.\n", sum.FinishedLeft, from)
	return nil
}
