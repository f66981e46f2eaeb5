package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/hookline/hookline/internal/config"
)

func newMigrateCommand(stderr io.Writer, d deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded database migrations and exit",
		Long: `Apply the embedded database migrations and exit. serve applies them at
start too; migrate lets a deployment run them as a separate step, for
example before starting several nodes on one PostgreSQL database.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags(), d.getenv)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return runErr(ctx, "migrate", d.migrate(ctx, cfg, newLogger(cfg, stderr)))
		},
	}
	def := config.Default()
	fs := cmd.Flags()
	addStorageFlags(fs, def)
	addCommonFlags(fs, def)
	fs.SortFlags = false
	return cmd
}
