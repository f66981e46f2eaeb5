package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/server"
	"github.com/hookline/hookline/internal/store/sqlite"
)

func newBackupCommand(stdout, stderr io.Writer, d deps) *cobra.Command {
	var (
		to    string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "backup --to FILE",
		Short: "Copy the SQLite database of a running (or stopped) server to a file",
		Long: `Write a consistent copy of the SQLite database in --data-dir to FILE,
while the server keeps running: the copy is one snapshot (SQLite's VACUUM
INTO, on a connection of its own), holds up no write, and holds every
message accepted before it started. The copy is compacted, checked and
only then given FILE's name; an existing FILE is refused unless --force.

To restore: stop the server, replace <data-dir>/hookline.db with the copy
(and remove hookline.db-wal and hookline.db-shm beside it), start the
server. PostgreSQL databases are backed up with pg_dump or pg_basebackup
instead (docs/operations.md#backups).`,
		Example: `  hookline backup --data-dir /var/lib/hookline --to /backups/hookline-$(date +%F).db`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags(), d.getenv)
			if err != nil {
				return err
			}
			if to == "" {
				return &exitError{code: ExitUsage, err: errors.New("backup needs --to FILE")}
			}
			if cfg.DatabaseURL != "" {
				return &exitError{code: ExitUsage, err: server.ErrBackupPostgres}
			}
			ctx := cmd.Context()
			start := time.Now()
			info, err := d.backup(ctx, cfg, to, force, func(written, total int64) {
				fmt.Fprintf(stderr, "backup: %s of about %s\n", mib(written), mib(total))
			})
			if errors.Is(err, sqlite.ErrBackupExists) {
				return &exitError{code: ExitError, err: err}
			}
			if err != nil {
				return runErr(ctx, "backup", err)
			}
			fmt.Fprintf(stdout, "backup: wrote %s (%s, %d messages) in %s\n", to, mib(info.Bytes), info.Messages, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	def := config.Default()
	fs := cmd.Flags()
	addStorageFlags(fs, def)
	fs.StringVar(&to, "to", "", "the file to write the copy to")
	fs.BoolVar(&force, "force", false, "replace --to if it exists")
	addCommonFlags(fs, def)
	fs.SortFlags = false
	return cmd
}

// mib formats a byte count for progress lines.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
