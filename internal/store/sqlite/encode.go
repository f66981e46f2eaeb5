package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

// queryList runs a list query and scans every row, in the page's order.
func queryList[T any](ctx context.Context, db *sql.DB, op string, q sqlbuild.Query, scan func(sqlbuild.Scanner) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, q.SQL, q.Args...)
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

// insertIdempotency stores rec in tx; store.ErrIdempotencyKeyUsed if the
// key exists. Callers run it first, so a used key writes nothing else.
func insertIdempotency(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, rec *store.Idempotency) error {
	if rec == nil {
		return nil
	}
	_, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, rec.Key, rec.StatusCode, rec.Body, sqlbuild.Millis(rec.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("insert idempotency key: %w", store.ErrIdempotencyKeyUsed)
	}
	if err != nil {
		return wrapErr("insert idempotency key", err)
	}
	return nil
}

// dialect is SQLite's: ? placeholders, IN lists, and string lists kept as
// JSON text (SQLite has no arrays; json_each reads them in queries).
var dialect = sqlbuild.Dialect{
	ListDest:   func(dst *[]string) any { return jsonList{dst} },
	HasChannel: func(col string) string { return "EXISTS (SELECT 1 FROM json_each(" + col + ") WHERE value = ?)" },
	NullBytes:  "NULL",
	NullList:   "NULL",
	Contains:   func(col string) string { return "instr(" + col + ", ?) > 0" },
}

// jsonList scans a JSON text column into a string list; NULL is nil.
type jsonList struct{ dst *[]string }

func (l jsonList) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*l.dst = nil
		return nil
	case string:
		return json.Unmarshal([]byte(v), l.dst)
	case []byte:
		return json.Unmarshal(v, l.dst)
	}
	return fmt.Errorf("string list: cannot scan %T", src)
}

// endpointText encodes the text columns of e, its string lists
// included, sealing the secret ones with the store's key.
func (s *Store) endpointText(e webhook.Endpoint) (filter, chans sql.NullString, t sqlbuild.EndpointText, err error) {
	if filter, err = sqlbuild.ListJSON(e.FilterTypes); err != nil {
		return
	}
	if chans, err = sqlbuild.ListJSON(e.Channels); err != nil {
		return
	}
	t, err = s.secrets.EndpointText(e)
	return
}
