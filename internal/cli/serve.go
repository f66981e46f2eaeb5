package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/hookline/hookline/internal/config"
)

func newServeCommand(stdout, stderr io.Writer, d deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API, dashboard, inbound URLs and delivery engine",
		Long: `Run the API, dashboard, inbound URLs and delivery engine until SIGINT or
SIGTERM, then finish in-flight deliveries (up to --shutdown-timeout).

Each setting comes from, in order: its flag, its HOOKLINE_* environment
variable, the --config file, the default.

  hookline serve --dev    SQLite in ./hookline-data, private targets allowed`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags(), d.getenv)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return runErr(ctx, "serve", d.serve(ctx, cfg, stdout, newLogger(cfg, stderr)))
		},
	}
	def := config.Default()
	fs := cmd.Flags()
	fs.String("addr", def.Addr, usage("addr", "host:port for the API, dashboard and inbound URLs"))
	fs.String("public-url", def.PublicURL, usage("public-url", "base URL of the links Hookline hands out (portal links), as clients reach it behind a proxy; default: http:// and the listen address"))
	fs.String("portal-frame-ancestors", "", usage("portal-frame-ancestors", "origins allowed to embed the customer portal in an iframe, separated by commas (https://app.example.com); default: same origin only"))
	fs.String("metrics-addr", def.MetricsAddr, usage("metrics-addr", "host:port of a second listener serving only /metrics, without a token (for a Prometheus on a private network); default: none, /metrics on --addr with an admin token"))
	addStorageFlags(fs, def)
	fs.String("admin-token", "", usage("admin-token", "bootstrap admin Bearer token (default: generated on first start, printed once)"))
	fs.Bool("allow-private-targets", def.AllowPrivateTargets, usage("allow-private-targets", "allow endpoints on loopback and private networks (turns the SSRF guard off)"))
	fs.Bool("trace-propagation", def.TracePropagation, usage("trace-propagation", "send a W3C traceparent header with each delivery attempt when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT); off, receivers never see Hookline's trace IDs"))
	fs.String("retry-schedule", config.FormatRetrySchedule(def.RetrySchedule), usage("retry-schedule", `delays between attempts after the immediate first one, or "none"`))
	fs.Duration("request-timeout", def.RequestTimeout, usage("request-timeout", "limit of one delivery attempt"))
	fs.Duration("lease-duration", def.LeaseDuration, usage("lease-duration", "how long a node holds a delivery before another may take it over; 0: 2*request-timeout + 30s"))
	fs.String("operational-app", def.OperationalApp, usage("operational-app", "app ID or UID that receives Hookline's operational events (endpoint.created, message.attempt.failing, ...); empty: none"))
	fs.String("max-body-bytes", config.FormatBytes(def.MaxBodyBytes), usage("max-body-bytes", "largest accepted request body, e.g. 1048576 or 1MiB"))
	fs.String("retention", config.FormatRetention(def.Retention), usage("retention", `how long a finished message is kept, with its deliveries and attempts, and a received inbound request: days ("90d") or a duration ("36h"); 0 keeps everything`))
	fs.Duration("shutdown-timeout", def.ShutdownTimeout, usage("shutdown-timeout", "how long shutdown waits for in-flight deliveries"))
	fs.Bool("dev", def.Dev, usage("dev", "zero-setup mode: implies --allow-private-targets, prints a ready curl line"))
	addKeyFlag(fs)
	addCommonFlags(fs, def)
	fs.SortFlags = false
	return cmd
}
