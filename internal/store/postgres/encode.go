package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

// dialect is PostgreSQL's: $n placeholders, lists as one array argument,
// and string lists kept as text[], which pgx scans into a []string itself.
var dialect = sqlbuild.Dialect{
	Numbered:   true,
	ArrayIn:    true,
	ListDest:   func(dst *[]string) any { return dst },
	HasChannel: func(col string) string { return "? = ANY(" + col + ")" },
	NullBytes:  "NULL::bytea",
	NullList:   "NULL::text[]",
	Contains:   func(col string) string { return "position(? in " + col + ") > 0" },
}

// queryList runs a list query and scans every row, in the page's order.
func queryList[T any](ctx context.Context, s *Store, op string, q sqlbuild.Query, scan func(sqlbuild.Scanner) (T, error)) ([]T, error) {
	rows, err := s.pool.Query(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	defer rows.Close()
	out, err := sqlbuild.Collect(rows, q.Reverse, scan)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return out, nil
}

// queryRow runs a one-row query and scans it; pgx.ErrNoRows comes back as
// is for the caller to turn into store.ErrNotFound.
func queryRow[T any](ctx context.Context, s *Store, query string, args []any, scan func(sqlbuild.Scanner) (T, error)) (T, error) {
	return scan(s.pool.QueryRow(ctx, query, args...))
}

const insertIdempotencySQL = `INSERT INTO idempotency (key, status_code, body, created_at) VALUES ($1, $2, $3, $4)`

// insertIdempotency stores rec in tx; store.ErrIdempotencyKeyUsed if the
// key exists. Callers run it first, so a used key writes nothing else.
func insertIdempotency(ctx context.Context, tx pgx.Tx, rec *store.Idempotency) error {
	if rec == nil {
		return nil
	}
	_, err := tx.Exec(ctx, insertIdempotencySQL, rec.Key, rec.StatusCode, rec.Body, sqlbuild.Millis(rec.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("insert idempotency key: %w", store.ErrIdempotencyKeyUsed)
	}
	if err != nil {
		return wrapErr("insert idempotency key", err)
	}
	return nil
}
