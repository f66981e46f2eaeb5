package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file is a minimal database/sql driver over *pgx.Conn. database/sql
// gives the store its connection pool (the store borrows a connection and
// works on the *pgx.Conn beneath it with Conn.Raw) and gives goose the
// *sql.DB its Provider API takes.
//
// It exists because pgx's own adapters (pgxpool, and stdlib, which imports
// pgxpool) need github.com/jackc/puddle/v2, which the module's go.sum does
// not list yet. Once it does, Open can move to pgxpool and goose to
// stdlib.OpenDB without touching the queries: they are all written against
// *pgx.Conn and pgx.Tx.

type connector struct{ cfg *pgx.ConnConfig }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, c.cfg.Copy())
	if err != nil {
		return nil, err
	}
	return &sqlConn{conn: conn}, nil
}

func (connector) Driver() driver.Driver { return sqlDriver{} }

type sqlDriver struct{}

func (sqlDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("postgres: connections are opened through the store's connector")
}

// sqlConn is one pooled connection.
type sqlConn struct{ conn *pgx.Conn }

var (
	_ driver.Conn                           = (*sqlConn)(nil)
	_ driver.ConnBeginTx                    = (*sqlConn)(nil)
	_ driver.ExecerContext                  = (*sqlConn)(nil)
	_ driver.QueryerContext                 = (*sqlConn)(nil)
	_ driver.Pinger                         = (*sqlConn)(nil)
	_ driver.SessionResetter                = (*sqlConn)(nil)
	_ driver.Validator                      = (*sqlConn)(nil)
	_ driver.NamedValueChecker              = (*sqlConn)(nil)
	_ driver.StmtExecContext                = (*sqlStmt)(nil)
	_ driver.StmtQueryContext               = (*sqlStmt)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*sqlRows)(nil)
)

func (c *sqlConn) Prepare(query string) (driver.Stmt, error) {
	return &sqlStmt{c: c, query: query}, nil
}

func (c *sqlConn) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.conn.Close(ctx)
}

func (c *sqlConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *sqlConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.conn.IsClosed() {
		return nil, driver.ErrBadConn
	}
	var o pgx.TxOptions
	if opts.ReadOnly {
		o.AccessMode = pgx.ReadOnly
	}
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
	case sql.LevelReadCommitted:
		o.IsoLevel = pgx.ReadCommitted
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		o.IsoLevel = pgx.RepeatableRead
	case sql.LevelSerializable:
		o.IsoLevel = pgx.Serializable
	default:
		return nil, fmt.Errorf("postgres: unsupported isolation level %d", opts.Isolation)
	}
	tx, err := c.conn.BeginTx(ctx, o)
	if err != nil {
		return nil, err
	}
	return sqlTx{tx}, nil
}

type sqlTx struct{ tx pgx.Tx }

func (t sqlTx) Commit() error   { return t.tx.Commit(context.Background()) }
func (t sqlTx) Rollback() error { return t.tx.Rollback(context.Background()) }

func values(args []driver.NamedValue) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

func (c *sqlConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.conn.IsClosed() {
		return nil, driver.ErrBadConn
	}
	var vals []any
	if len(args) == 0 {
		// The simple protocol runs a script of several statements too.
		vals = []any{pgx.QueryExecModeSimpleProtocol}
	} else {
		vals = values(args)
	}
	tag, err := c.conn.Exec(ctx, query, vals...)
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

func (c *sqlConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.conn.IsClosed() {
		return nil, driver.ErrBadConn
	}
	rows, err := c.conn.Query(ctx, query, values(args)...)
	if err != nil {
		return nil, err
	}
	return &sqlRows{rows: rows}, nil
}

func (c *sqlConn) Ping(ctx context.Context) error {
	if c.conn.IsClosed() {
		return driver.ErrBadConn
	}
	return c.conn.Ping(ctx)
}

// ResetSession drops a connection that is closed or was left inside a
// transaction, before database/sql hands it out again.
func (c *sqlConn) ResetSession(context.Context) error {
	if c.conn.IsClosed() || c.conn.PgConn().TxStatus() != 'I' {
		return driver.ErrBadConn
	}
	return nil
}

func (c *sqlConn) IsValid() bool { return !c.conn.IsClosed() }

// CheckNamedValue passes every argument to pgx unchanged: pgx encodes Go
// values ([]string, nil slices, ...) itself.
func (c *sqlConn) CheckNamedValue(*driver.NamedValue) error { return nil }

type sqlStmt struct {
	c     *sqlConn
	query string
}

func (s *sqlStmt) Close() error  { return nil }
func (s *sqlStmt) NumInput() int { return -1 }

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

func (s *sqlStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.c.ExecContext(context.Background(), s.query, named(args))
}

func (s *sqlStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.c.QueryContext(context.Background(), s.query, named(args))
}

func (s *sqlStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, args)
}

func (s *sqlStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, args)
}

type sqlRows struct{ rows pgx.Rows }

func (r *sqlRows) Columns() []string {
	fds := r.rows.FieldDescriptions()
	names := make([]string, len(fds))
	for i, fd := range fds {
		names[i] = fd.Name
	}
	return names
}

func (r *sqlRows) ColumnTypeDatabaseTypeName(i int) string {
	return fmt.Sprint(r.rows.FieldDescriptions()[i].DataTypeOID)
}

func (r *sqlRows) Close() error {
	r.rows.Close()
	return r.rows.Err()
}

func (r *sqlRows) Next(dest []driver.Value) error {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	vals, err := r.rows.Values()
	if err != nil {
		return err
	}
	for i, v := range vals {
		switch v := v.(type) {
		case nil, int64, float64, bool, []byte, string, time.Time:
			dest[i] = v
		default:
			dv, err := driver.DefaultParameterConverter.ConvertValue(v)
			if err != nil {
				dv = fmt.Sprint(v)
			}
			dest[i] = dv
		}
	}
	return nil
}
