// Package config holds Hookline's settings as plain data, loaded from flags,
// then environment variables, then an optional file, then defaults, and
// validated once at load time so that nothing falls back silently later.
package config

import "time"

// Config is every setting of `hookline serve`. Each field documents its flag,
// environment variable and default.
type Config struct {
	// Addr is where the API, dashboard and inbound URLs listen.
	// --addr, HOOKLINE_ADDR, default "127.0.0.1:8071".
	Addr string
	// PublicURL is the base of every link Hookline hands out (the portal
	// links of app-portal-access, later inbound URLs): the URL clients
	// reach it at, behind a proxy or a load balancer. --public-url,
	// HOOKLINE_PUBLIC_URL, default empty: http:// and the listen address.
	// ParsePublicURL gives its form.
	PublicURL string
	// PortalFrameAncestors are the origins allowed to embed the customer
	// portal in an iframe (CSP frame-ancestors), such as the SaaS's own
	// settings page. --portal-frame-ancestors, HOOKLINE_PORTAL_FRAME_ANCESTORS,
	// origins separated by commas or spaces; default none: same origin only.
	// ParseFrameAncestors gives their form.
	PortalFrameAncestors []string
	// MetricsAddr, when set, is a second listener that serves only
	// /metrics, without a token: for a Prometheus on a private network.
	// /metrics on Addr asks for an admin token as Bearer.
	// --metrics-addr, HOOKLINE_METRICS_ADDR, default empty: no second listener.
	MetricsAddr string
	// DataDir holds the embedded SQLite database.
	// --data-dir, HOOKLINE_DATA_DIR, default "./hookline-data".
	DataDir string
	// DatabaseURL, when it starts with postgres:// or postgresql://, selects
	// PostgreSQL instead of SQLite. --database-url, HOOKLINE_DATABASE_URL.
	DatabaseURL string
	// AdminToken is the bootstrap admin Bearer token. Empty means: generate
	// one on first start, print it once, store it hashed.
	// --admin-token, HOOKLINE_ADMIN_TOKEN.
	AdminToken string
	// AllowPrivateTargets turns the SSRF guard off, allowing endpoints on
	// loopback and private networks. --allow-private-targets,
	// HOOKLINE_ALLOW_PRIVATE_TARGETS, default false.
	AllowPrivateTargets bool
	// TracePropagation sends a W3C traceparent header with each delivery
	// attempt, so a receiver's own trace continues Hookline's. Off, a
	// receiver never sees Hookline's trace IDs. It matters only when
	// tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER).
	// --trace-propagation, HOOKLINE_TRACE_PROPAGATION, default false.
	TracePropagation bool
	// RetrySchedule is the delays between attempts after the immediate
	// first one. --retry-schedule, HOOKLINE_RETRY_SCHEDULE,
	// default 5s,5m,30m,2h,5h,10h,10h.
	RetrySchedule []time.Duration
	// RequestTimeout bounds one delivery attempt. --request-timeout,
	// HOOKLINE_REQUEST_TIMEOUT, default 15s.
	RequestTimeout time.Duration
	// LeaseDuration is how long a node holds a delivery it is working on
	// before another node may take it over (after a crash, or a stall).
	// It must outlast an attempt and the writing of its outcome: more than
	// RequestTimeout + 5s. --lease-duration, HOOKLINE_LEASE_DURATION,
	// default 0, meaning 2*RequestTimeout + 30s.
	LeaseDuration time.Duration
	// OperationalApp names (by ID or UID) the app that receives Hookline's
	// own operational events (endpoint.created, message.attempt.failing,
	// ...) about every other app, as ordinary messages. It must exist when
	// the server starts. --operational-app, HOOKLINE_OPERATIONAL_APP,
	// default empty: no operational events.
	OperationalApp string
	// MaxBodyBytes is the largest request body the API accepts; larger ones
	// get 413. --max-body-bytes, HOOKLINE_MAX_BODY_BYTES, default 1 MiB.
	MaxBodyBytes int64
	// Retention is how long a message is kept, with its deliveries and
	// attempts, once none of its deliveries is unfinished; 0 keeps
	// everything. A message's own payloadRetentionPeriod may drop its
	// payload sooner. --retention, HOOKLINE_RETENTION, default 90 days.
	Retention time.Duration
	// ShutdownTimeout bounds how long SIGTERM waits for in-flight sends.
	// --shutdown-timeout, HOOKLINE_SHUTDOWN_TIMEOUT, default 30s.
	ShutdownTimeout time.Duration
	// EncryptionKey, when set, makes the store keep endpoint secrets and
	// custom header values encrypted (AES-256-GCM, see package seal). It
	// comes from HOOKLINE_ENCRYPTION_KEY or the settings file's
	// encryption-key (there is no flag: a command line is visible to
	// every user), or from the file EncryptionKeyFile names; ParseKey
	// gives its format. Default none: stored as given.
	EncryptionKey Key
	// EncryptionKeyFile names a file holding the encryption key.
	// --encryption-key-file, HOOKLINE_ENCRYPTION_KEY_FILE.
	EncryptionKeyFile string
	// Dev is the zero-setup mode: private targets allowed, a ready curl line
	// printed. --dev, HOOKLINE_DEV.
	Dev bool
	// LogLevel is debug, info, warn or error. --log-level,
	// HOOKLINE_LOG_LEVEL, default info.
	LogLevel string
	// LogFormat is text or json. --log-format, HOOKLINE_LOG_FORMAT,
	// default text.
	LogFormat string
}

// Default returns the settings used when nothing else is given.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:8071",
		DataDir:         "./hookline-data",
		RetrySchedule:   []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour},
		RequestTimeout:  15 * time.Second,
		MaxBodyBytes:    1 << 20,
		ShutdownTimeout: 30 * time.Second,
		Retention:       90 * Day,
		LogLevel:        "info",
		LogFormat:       "text",
	}
}
