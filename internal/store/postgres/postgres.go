// Package postgres is Hookline's multi-node store: several hookline
// processes share one PostgreSQL database. The schema lives in numbered
// migrations embedded in the binary and applied by Open under a
// session-level advisory lock, so nodes starting at once take turns.
// Deliveries are claimed with FOR UPDATE SKIP LOCKED and fenced by lease
// tokens, so any node can finish any delivery and a stalled node's late
// outcome changes nothing.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the PostgreSQL implementation of store.Store.
//
// It runs on pgxpool rather than on database/sql (through pgx's stdlib
// adapter): the hot paths need what only pgx's own API gives, pipelined
// batches (pgx.Batch: a group commit or a batch of outcomes in one round
// trip) and native arrays (text[] for channels, unnest for deliveries),
// and pgxpool is pgx's supported pool. database/sql appears only where a
// library asks for it: goose's migrations, through stdlib.OpenDBFromPool
// over the same pool. The shared store/sqlbuild code builds SQL strings
// and argument lists and scans through an interface both APIs satisfy, so
// it needs no database/sql here.
type Store struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
	// channel is where this database and schema's nodes notify each
	// other (notify.go); set by migrate, which learns the schema.
	channel string
	secrets sqlbuild.Secrets
}

// Options are the settings of OpenWith beyond the URL.
type Options struct {
	// Logger receives the store's own lines; nil discards them.
	Logger *slog.Logger
	// Secrets, when set, encrypts the endpoint columns holding
	// customers' credentials as they are written and decrypts them as
	// they are read (see sqlbuild.Secrets). Nil writes them in plain text
	// and fails to read an encrypted one with store.ErrEncryptionKey.
	Secrets *seal.Key
}

var _ store.Store = (*Store)(nil)

// defaultConnectTimeout bounds a connection attempt when the URL sets no
// connect_timeout.
const defaultConnectTimeout = 5 * time.Second

// Open connects to databaseURL (a postgres:// URL or a key=value DSN),
// applies pending migrations and returns the store. Leases are left as
// they are: other nodes may hold live ones (DeliveryReleaseLeases drops a
// dead node's).
//
// Besides libpq's parameters the URL may carry pgxpool's (pool_max_conns,
// default the larger of 4 and the CPU count; pool_max_conn_lifetime,
// pool_max_conn_idle_time, ...) and runtime parameters such as
// search_path, which every connection sets. connect_timeout defaults to
// 5 s.
func Open(ctx context.Context, databaseURL string, logger *slog.Logger) (*Store, error) {
	return OpenWith(ctx, databaseURL, Options{Logger: logger})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// Without a limit, a connection to a server whose packets are
		// dropped (not refused) waits for the kernel's TCP timeout,
		// minutes, and so does the request behind it; with one, it
		// fails as unavailable and the client gets its 503.
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrapErr("connect", err)
	}
	s := &Store{pool: pool, logger: logger, secrets: sqlbuild.NewSecrets(opts.Secrets)}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, wrapErr("connect", err)
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Migrate applies the embedded migrations to the database at databaseURL.
// Open does the same, so a server never needs it; it is for `hookline
// migrate`.
func Migrate(ctx context.Context, databaseURL string, logger *slog.Logger) error {
	s, err := Open(ctx, databaseURL, logger)
	if err != nil {
		return err
	}
	return s.Close()
}

func (s *Store) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	// goose takes a *sql.DB: pgx's stdlib adapter over the store's pool.
	// Closing it leaves the pool open.
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	// One advisory lock per database and schema: nodes sharing a schema
	// take turns; unrelated schemas (tests, tenants) do not wait for each
	// other.
	var dbName, schema sql.NullString
	if err := s.pool.QueryRow(ctx, `SELECT current_database(), current_schema()`).Scan(&dbName, &schema); err != nil {
		return wrapErr("migrations", err)
	}
	s.channel = channelName(dbName.String, schema.String)
	h := fnv.New64a()
	fmt.Fprintf(h, "hookline migrations\x00%s\x00%s", dbName.String, schema.String)
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(int64(h.Sum64()>>1)),
		lock.WithLockTimeout(1, 300), // probe every second for 5 minutes
		lock.WithUnlockTimeout(1, 60),
	)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return wrapErr("apply migrations", err)
	}
	for _, r := range results {
		s.logger.Info("applied migration", "version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration", r.Duration)
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be returned.
// It is safe to call more than once.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// write runs fn in one transaction on a pooled connection. fn's errors are
// returned as they are (fn wraps its own); the transaction's own are
// wrapped with op.
//
// A connection the server closed while it sat in the pool (a restart,
// pg_terminate_backend, an idle timeout) fails only at its next use, and
// its siblings in the pool most likely died with it. So when a
// transaction fails as unavailable before its COMMIT was sent, so that
// nothing was written, the pool drops its connections and fn runs once
// more on a fresh one: a database that is back answers, one that is still
// away fails again at once. Without this, each dead pooled connection
// costs a client a 503 after the database is back. fn may therefore run
// twice and must set, not accumulate, what it reports.
func (s *Store) write(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	committing, err := s.writeOnce(ctx, op, fn)
	if err == nil || committing || !errors.Is(err, store.ErrUnavailable) || ctx.Err() != nil {
		return err
	}
	s.logger.Warn("database connection lost before commit; retrying once on a new connection", "op", op, "err", err)
	s.pool.Reset()
	_, err = s.writeOnce(ctx, op, fn)
	return err
}

// writeOnce is one try of write. committing reports whether COMMIT was
// sent: after that, a lost connection leaves unknown whether it took
// effect, and the transaction must not be run again.
func (s *Store) writeOnce(ctx context.Context, op string, fn func(tx pgx.Tx) error) (committing bool, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, wrapErr(op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return true, wrapErr(op, err)
	}
	return true, nil
}

// wrapErr names the operation and classifies PostgreSQL's errors: those
// that mean the database cannot be used right now (unreachable, shutting
// down, out of connections) become store.ErrUnavailable, which the API
// answers with 503.
func wrapErr(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // admin/crash shutdown, cannot connect now
			return true
		case pgErr.Code == "53300", pgErr.Code == "53100", pgErr.Code == "53200": // too many connections, disk full, out of memory
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return pgconn.SafeToRetry(err) || errors.As(err, &connErr) || errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, sql.ErrConnDone)
}

// pgCode returns err's SQLSTATE, or "".
func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool { return pgCode(err) == "23505" }

// isForeignKey reports whether err is a foreign key violation: the parent
// row (an app) is gone.
func isForeignKey(err error) bool { return pgCode(err) == "23503" }

// isConstraint reports whether err is any integrity constraint violation.
func isConstraint(err error) bool { return strings.HasPrefix(pgCode(err), "23") }

// notFoundIfNone turns "no row changed" into store.ErrNotFound.
func notFoundIfNone(op string, tag pgconn.CommandTag) error {
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	return nil
}

// exec runs one statement in its own transaction (autocommit).
func (s *Store) exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	return s.pool.Exec(ctx, query, args...)
}
