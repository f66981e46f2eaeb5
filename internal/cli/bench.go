package cli

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookline/hookline/internal/bench"
	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/server"
	"github.com/hookline/hookline/internal/store/sqlite"
)

func newBenchCommand(stdout, stderr io.Writer) *cobra.Command {
	var (
		cfg                  bench.Config
		dataDir, databaseURL string
		jsonOut, encrypt     bool
		cpuProfile           string
		expired              int
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure what this machine delivers: throughput, latency, exactly-once arrival",
		Long: `Start a server in this process (or target one with --url and --token), create
an application, an event type and --endpoints endpoints pointing at a built-in
receiver on 127.0.0.1, send --messages messages from --senders concurrent
senders through the public API, wait for every delivery and print accepted
msg/s, deliveries/s, send-to-arrival latency, duplicates and missing (both must
be 0), and the server's CPU time and peak RSS.

The in-process server uses a temporary SQLite directory (removed afterwards)
unless --data-dir or --database-url is given. A server named by --url must run
on this machine and allow private targets, since the receiver listens on
loopback only; the benchmark application is deleted afterwards.

--baseline first measures the bare pair, a plain net/http client POSTing
bodies of the same size to a plain net/http server on 127.0.0.1 with the same
senders (--messages requests, at most 5s), then runs as above and prints
Hookline's msg/s and deliveries/s as a fraction of the ceiling it implies:
each message costs 1+K requests (ingest and one delivery per endpoint).

--inbound sends each message as a provider would instead: its payload POSTed,
signed with Standard Webhooks, to the ingest URL of a source that verifies it
and forwards it to the benchmark application, so accepted msg/s are inbound
requests stored and forwarded per second.

Exit code 1 when a send failed or a delivery is missing or duplicated.

  hookline bench                     20000 messages, 32 senders, 1 endpoint
  hookline bench -n 5000 -k 10       5000 messages to 10 endpoints each
  hookline bench --rate 1000 --json  offer 1000 msg/s, print JSON
  hookline bench --baseline          compare with bare net/http on this machine
  hookline bench --inbound           receive 20000 signed webhooks and forward them
  hookline bench --backlog 1000000 --rate 1000 -n 20000 --timeout 1h
                                     the same with a million deliveries
                                     pending at a dead endpoint
  hookline bench --expired 1000000 --rate 1000 -n 20000
                                     the same while the retention purges a
                                     million finished messages of the past

--expired N (in-process SQLite server only) first writes N finished messages
(each with its delivered attempt) dated past the default 90-day --retention,
so that the server's purger deletes them while the run is measured, and
reports how many it deleted during the run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if (cfg.URL == "") != (cfg.Token == "") {
				return &exitError{code: ExitUsage, err: errors.New("bench: --url and --token go together")}
			}
			if cfg.URL != "" && (dataDir != "" || databaseURL != "") {
				return &exitError{code: ExitUsage, err: errors.New("bench: --data-dir and --database-url are for the in-process server, not with --url")}
			}
			var progress io.Writer = stderr
			if jsonOut {
				progress = nil
			}
			if expired > 0 && (cfg.URL != "" || databaseURL != "") {
				return &exitError{code: ExitUsage, err: errors.New("bench: --expired seeds the in-process SQLite server; not with --url or --database-url")}
			}
			var expiredDir string
			if cfg.URL == "" {
				if expired > 0 {
					if dataDir == "" {
						tmp, err := os.MkdirTemp("", "hookline-bench-*")
						if err != nil {
							return &exitError{code: ExitError, err: fmt.Errorf("bench: %w", err)}
						}
						defer os.RemoveAll(tmp)
						dataDir = tmp
					}
					expiredDir = dataDir
					if err := seedExpired(ctx, dataDir, expired, cfg.PayloadBytes, progress); err != nil {
						return &exitError{code: ExitError, err: fmt.Errorf("bench: %w", err)}
					}
				}
				stop, err := startBenchServer(ctx, &cfg, dataDir, databaseURL, encrypt)
				if err != nil {
					return &exitError{code: ExitError, err: fmt.Errorf("bench: %w", err)}
				}
				defer stop()
				cfg.InProcess = true
				cfg.TempData = dataDir == "" && databaseURL == ""
			}
			if cpuProfile != "" {
				stopProfile, err := startCPUProfile(cpuProfile)
				if err != nil {
					return &exitError{code: ExitError, err: fmt.Errorf("bench: %w", err)}
				}
				defer stopProfile()
			}
			res, err := bench.Run(ctx, cfg, progress)
			if err != nil {
				return runErr(ctx, "bench", err)
			}
			if expiredDir != "" {
				left, err := countExpired(ctx, expiredDir)
				if err != nil {
					return &exitError{code: ExitError, err: fmt.Errorf("bench: %w", err)}
				}
				fmt.Fprintf(stderr, "expired history: %d of %d messages purged by the end of the run, %d left\n", expired-left, expired, left)
			}
			if jsonOut {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return &exitError{code: ExitError, err: err}
				}
			} else if err := res.Format(stdout); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			if !res.OK() {
				err := fmt.Errorf("bench: %d failed sends, %d missing, %d duplicate deliveries", res.Failed, res.Missing, res.Duplicates)
				if !cfg.InProcess && res.Accepted > 0 && res.Delivered == 0 {
					// The likeliest cause: the SSRF guard refuses 127.0.0.1.
					err = fmt.Errorf("%w; nothing arrived: does the server at --url run on this machine with --allow-private-targets?", err)
				}
				return &exitError{code: ExitError, err: err}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.IntVarP(&cfg.Messages, "messages", "n", 20000, "messages to send")
	fs.IntVarP(&cfg.Senders, "senders", "c", 32, "concurrent senders")
	fs.IntVarP(&cfg.Endpoints, "endpoints", "k", 1, "endpoints, each receiving every message")
	fs.IntVar(&cfg.PayloadBytes, "payload-bytes", 256, "size of each message's JSON payload")
	fs.Float64Var(&cfg.Rate, "rate", 0, "offered load in messages per second; 0 sends as fast as accepted")
	fs.IntVar(&cfg.Backlog, "backlog", 0, "first leave this many messages pending at a dead endpoint (refused connections), then measure")
	fs.DurationVar(&cfg.Timeout, "timeout", 5*time.Minute, "limit of the whole run; deliveries still missing then are reported")
	fs.StringVar(&cfg.URL, "url", "", "base URL of a running server on this machine, e.g. http://127.0.0.1:8071 (default: start one in this process)")
	fs.StringVar(&cfg.Token, "token", "", "admin token of the server named by --url")
	fs.StringVar(&dataDir, "data-dir", "", "SQLite directory of the in-process server (default: a temporary one, removed afterwards)")
	fs.StringVar(&databaseURL, "database-url", "", "postgres:// URL for the in-process server instead of SQLite")
	fs.BoolVar(&cfg.Inbound, "inbound", false, "send each message as a signed webhook to a source's ingest URL (/in/...) that forwards to the benchmark app, instead of through the API")
	fs.BoolVar(&cfg.Baseline, "baseline", false, "first measure a bare net/http client and server on 127.0.0.1 and report Hookline as a fraction of the ceiling it implies")
	fs.BoolVar(&jsonOut, "json", false, "print the result as JSON and no progress")
	fs.BoolVar(&encrypt, "encrypt", false, "in-process server: keep endpoint secrets and headers encrypted at rest, with a random key, to measure what it costs")
	fs.IntVar(&expired, "expired", 0, "first write this many finished messages past the default retention, which the server purges during the run (in-process SQLite only)")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (server and load) to this file, for go tool pprof")
	fs.SortFlags = false
	return cmd
}

// startBenchServer runs a server on a free loopback port with a fresh admin
// token (and, with encrypt, a random encryption key), sets cfg.URL and
// cfg.Token to reach it, and returns a stop that shuts it down and removes
// the temporary data directory.
func startBenchServer(ctx context.Context, cfg *bench.Config, dataDir, databaseURL string, encrypt bool) (stop func(), err error) {
	sc := config.Default()
	sc.Addr = "127.0.0.1:0"
	sc.DatabaseURL = databaseURL
	sc.AllowPrivateTargets = true
	sc.ShutdownTimeout = 10 * time.Second
	var secret [24]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return nil, err
	}
	sc.AdminToken = "hk_" + hex.EncodeToString(secret[:])
	if encrypt {
		sc.EncryptionKey = make(config.Key, config.KeySize)
		if _, err := rand.Read(sc.EncryptionKey); err != nil {
			return nil, err
		}
	}
	sc.DataDir = dataDir
	removeDir := func() {}
	if dataDir == "" && databaseURL == "" {
		tmp, err := os.MkdirTemp("", "hookline-bench-*")
		if err != nil {
			return nil, err
		}
		sc.DataDir = tmp
		removeDir = func() { _ = os.RemoveAll(tmp) }
	}

	srv, err := server.New(ctx, sc, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		removeDir()
		return nil, fmt.Errorf("start server: %w", err)
	}
	if err := srv.Start(ctx); err != nil {
		_ = srv.Stop(ctx)
		removeDir()
		return nil, fmt.Errorf("start server: %w", err)
	}
	cfg.URL, cfg.Token = "http://"+srv.Addr(), sc.AdminToken
	return func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sc.ShutdownTimeout)
		defer cancel()
		_ = srv.Stop(stopCtx)
		removeDir()
	}, nil
}

// startCPUProfile profiles this process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// expiredAge is how old --expired's messages are: past the default
// retention by a day.
const expiredAge = 91 * config.Day

// seedExpired writes --expired's history into the SQLite database of
// dataDir before the server opens it.
func seedExpired(ctx context.Context, dataDir string, n, payloadBytes int, progress io.Writer) error {
	st, err := sqlite.Open(ctx, dataDir, nil)
	if err != nil {
		return err
	}
	err = bench.SeedExpired(ctx, st, n, payloadBytes, time.Now().Add(-expiredAge), progress)
	return errors.Join(err, st.Close())
}

// countExpired counts the messages of --expired's age left in dataDir's
// database, on a read-only connection of its own beside the server.
func countExpired(ctx context.Context, dataDir string) (int, error) {
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dataDir, sqlite.DBFile)+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	cutoff := time.Now().Add(-expiredAge + config.Day/2).UnixMilli()
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE created_at < ?`, cutoff).Scan(&n)
	return n, err
}
