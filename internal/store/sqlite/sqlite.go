// Package sqlite is Hookline's embedded default store: one SQLite file in
// the data directory, in WAL mode, owned by exactly one server process (an
// flock on a lock file beside it enforces that), written through exactly
// one connection, and read through a small pool. Short administrative
// commands (`hookline token`) may open it beside its owner (see
// Options.Shared). The schema lives in numbered migrations embedded in the
// binary and applied by Open.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"
	"github.com/pressly/goose/v3"

	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

// File names inside the data directory. DBFile is exported so that tools
// can tell a data directory from an empty or mistyped path.
const (
	DBFile   = "hookline.db"
	lockFile = "hookline.lock"
)

// readConns sizes the read pool. Readers never block the writer in WAL
// mode; a few suffice for API list and get calls on a small machine.
const readConns = 4

// ErrLocked is returned by Open when another process holds the data
// directory: two writers on one SQLite file would corrupt each other's
// view of leases, so a second server must not start.
var ErrLocked = errors.New("data directory is in use by another hookline process")

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite implementation of store.Store.
type Store struct {
	w       *sql.DB // the one writer: MaxOpenConns(1), BEGIN IMMEDIATE
	r       *sql.DB // the read pool, query_only
	cp      *checkpointer
	lock    *os.File // nil for a shared open
	logger  *slog.Logger
	stmts   stmts
	shared  bool // see Options.Shared
	secrets sqlbuild.Secrets

	claimMu    sync.Mutex
	claimStmts map[int]*sql.Stmt // by limit; see claimSQL

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Options are the settings of OpenWith beyond the data directory.
type Options struct {
	// Logger receives the store's own lines (migrations applied, leases
	// released); nil discards them.
	Logger *slog.Logger
	// Shared opens the database beside the server that may be running on
	// it, for a short administrative command (`hookline token`): it takes
	// no directory lock, applies no migration (the schema must be this
	// build's: ErrSchema otherwise), releases no lease and runs no
	// checkpointer, all of which are the server's. SQLite's own locking
	// (WAL, busy timeout) keeps the two processes' transactions apart.
	// The database must exist: ErrNoDatabase otherwise.
	Shared bool
	// Secrets, when set, encrypts the endpoint columns holding
	// customers' credentials as they are written and decrypts them as
	// they are read (see sqlbuild.Secrets). Nil writes them in plain text
	// and fails to read an encrypted one with store.ErrEncryptionKey.
	Secrets *seal.Key
}

// ErrNoDatabase is returned by a Shared OpenWith when the data directory
// holds no Hookline database: a mistyped path must not get a new one.
var ErrNoDatabase = errors.New("no Hookline database in the data directory")

// ErrSchema is returned by a Shared OpenWith when the database's schema is
// not this build's: the server using it runs another version.
var ErrSchema = errors.New("the database schema is not this hookline version's")

// Open opens (creating if needed) the database in dataDir, takes the
// directory's lock, applies pending migrations and releases every delivery
// lease left by an earlier process (one process owns the file, so any
// lease found is a dead one's).
func Open(ctx context.Context, dataDir string, logger *slog.Logger) (*Store, error) {
	return OpenWith(ctx, dataDir, Options{Logger: logger})
}

// OpenWith is Open with options; see Options.Shared for the other way to
// open a data directory.
func OpenWith(ctx context.Context, dataDir string, opts Options) (*Store, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{logger: logger, shared: opts.Shared, secrets: sqlbuild.NewSecrets(opts.Secrets)}
	if opts.Shared {
		if _, err := os.Stat(filepath.Join(dataDir, DBFile)); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("open %s: %w", dataDir, ErrNoDatabase)
			}
			return nil, fmt.Errorf("open %s: %w", dataDir, err)
		}
	} else {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		lock, err := lockDir(dataDir)
		if err != nil {
			return nil, err
		}
		s.lock = lock
	}
	if err := s.open(ctx, dataDir); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Migrate applies the embedded migrations to the database in dataDir and
// closes it again. Open does the same, so a server never needs it; it is
// for `hookline migrate`.
func Migrate(ctx context.Context, dataDir string, logger *slog.Logger) error {
	s, err := Open(ctx, dataDir, logger)
	if err != nil {
		return err
	}
	return s.Close()
}

func (s *Store) open(ctx context.Context, dataDir string) error {
	path, err := filepath.Abs(filepath.Join(dataDir, DBFile))
	if err != nil {
		return fmt.Errorf("database path: %w", err)
	}
	if err := makePrivate(path, s.logger); err != nil {
		return err
	}
	// synchronous=FULL: a commit is on disk before the API answers 202, so
	// an accepted message survives power loss, not only a process crash.
	// busy_timeout comes first, as the driver asks, so the others wait too.
	// temp_store=memory keeps the savepoint journal of MessageCreateBatch
	// in memory: spilled to a temp file, it cost a write syscall per page
	// per item. A 32 MiB page cache keeps the hot b-tree pages resident.
	// journal_size_limit truncates the WAL back to 64 MiB after a
	// checkpoint, so one burst does not hold its disk space for good.
	// wal_autocheckpoint=walRestartFrames lets the writer finish what the
	// checkpointer (checkpoint.go) leaves, so the WAL restarts.
	writer := dsn(path, "immediate",
		"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(on)",
		"temp_store(memory)", "cache_size(-32768)", "journal_size_limit(67108864)", "wal_autocheckpoint("+strconv.Itoa(walRestartFrames)+")")
	s.w, err = sql.Open("sqlite3", writer)
	if err != nil {
		return fmt.Errorf("open writer: %w", err)
	}
	// One connection: SQLite has one writer anyway, and queueing in
	// database/sql is cheaper than SQLITE_BUSY retries. It also keeps the
	// prepared statements on the one connection that runs them.
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.w.PingContext(ctx); err != nil {
		return wrapErr("open writer", err)
	}
	if s.shared {
		err = s.checkSchema(ctx)
	} else {
		err = s.migrate(ctx)
	}
	if err != nil {
		return err
	}

	reader := dsn(path, "",
		"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(on)", "query_only(on)")
	s.r, err = sql.Open("sqlite3", reader)
	if err != nil {
		return fmt.Errorf("open reader: %w", err)
	}
	s.r.SetMaxOpenConns(readConns)
	s.r.SetMaxIdleConns(readConns)
	s.r.SetConnMaxIdleTime(0)

	if err := s.prepare(ctx); err != nil {
		return err
	}
	if s.shared {
		return nil
	}
	if err := s.startCheckpointer(path); err != nil {
		return err
	}
	n, err := s.releaseLeases(ctx, "")
	if err != nil {
		return err
	}
	if n > 0 {
		s.logger.Info("released delivery leases of an earlier process", "deliveries", n)
	}
	return nil
}

// dsn builds a file: URI for the driver, with pragmas run on every new
// connection. modeof gives every file the driver creates for the database
// the database file's mode (see makePrivate).
func dsn(path, txlock string, pragmas ...string) string {
	q := url.Values{}
	q.Set("modeof", path)
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if txlock != "" {
		q.Set("_txlock", txlock)
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// migrations returns the goose provider of the embedded migrations over
// the writer.
func (s *Store) migrations() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	// The flock already serialises processes, so goose needs no locker; the
	// global registry is off so no stray Go migration is picked up.
	p, err := goose.NewProvider(goose.DialectSQLite3, s.w, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

func (s *Store) migrate(ctx context.Context) error {
	p, err := s.migrations()
	if err != nil {
		return err
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

// checkSchema is a shared open's migrate: the schema must be this build's
// exactly, since a command working beside a server of another version
// could write rows that server does not expect.
func (s *Store) checkSchema(ctx context.Context) error {
	p, err := s.migrations()
	if err != nil {
		return err
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return wrapErr("read schema version", err)
	}
	switch {
	case current < target:
		return fmt.Errorf("schema version %d, this hookline's is %d: upgrade the server using it, or run hookline migrate while it is stopped: %w", current, target, ErrSchema)
	case current > target:
		return fmt.Errorf("schema version %d is newer than this hookline's (%d): use the hookline binary of the server: %w", current, target, ErrSchema)
	}
	return nil
}

// lockDir takes an exclusive, non-blocking flock on the directory's lock
// file. The kernel drops it if the process dies, so a crash never leaves
// the directory locked.
func lockDir(dataDir string) (*os.File, error) {
	path := filepath.Join(dataDir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The pid is for a person looking at the directory; the lock is the flock.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// Close closes the database and releases the directory lock. It is safe to
// call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		s.stmts.close()
		s.claimMu.Lock()
		for _, st := range s.claimStmts {
			st.Close()
		}
		s.claimMu.Unlock()
		if s.cp != nil {
			errs = append(errs, s.cp.close())
		}
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		// The writer closes last: the last connection to close checkpoints
		// the WAL into the database file.
		if s.w != nil {
			errs = append(errs, s.w.Close())
		}
		if s.lock != nil {
			errs = append(errs, syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN), s.lock.Close())
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("close sqlite store: %w", err)
		}
	})
	return s.closeErr
}

// write runs fn in one write transaction on the writer connection.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr(op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// wrapErr names the operation and classifies SQLite's errors: those that
// mean the database cannot be used right now (busy past the timeout, I/O,
// disk full) become store.ErrUnavailable, which the API answers with 503.
func wrapErr(op string, err error) error {
	switch {
	case errors.Is(err, sqlite3.BUSY), errors.Is(err, sqlite3.LOCKED),
		errors.Is(err, sqlite3.IOERR), errors.Is(err, sqlite3.FULL),
		errors.Is(err, sqlite3.CANTOPEN), errors.Is(err, sqlite3.NOMEM):
		return fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	return errors.Is(err, sqlite3.CONSTRAINT_UNIQUE) || errors.Is(err, sqlite3.CONSTRAINT_PRIMARYKEY)
}

// isForeignKey reports whether err is a foreign key violation: the parent
// row (an app) is gone.
func isForeignKey(err error) bool {
	return errors.Is(err, sqlite3.CONSTRAINT_FOREIGNKEY)
}

// notFoundIfNone turns "no row changed" into store.ErrNotFound.
func notFoundIfNone(op string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return wrapErr(op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	return nil
}
