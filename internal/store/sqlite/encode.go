package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/store"
)

// Times are stored as unix milliseconds. The domain truncates to
// milliseconds, so a stored time reads back Equal to what was written.
func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullMillis(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMillis(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMillis(v.Int64)
	return &t
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullInt(p *int) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*p), Valid: true}
}

func fromNullInt(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

// jsonText encodes v for a JSON TEXT column; a nil map or slice is stored
// as NULL so that nil and empty both read back as they were written.
func jsonText[T any](v T, isNil bool) (sql.NullString, error) {
	if isNil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

func mapText(m map[string]string) (sql.NullString, error) { return jsonText(m, m == nil) }

func sliceText(s []string) (sql.NullString, error) { return jsonText(s, s == nil) }

// fromJSONText decodes a JSON TEXT column into dst, leaving it zero (nil)
// for NULL.
func fromJSONText(v sql.NullString, dst any) error {
	if !v.Valid {
		return nil
	}
	return json.Unmarshal([]byte(v.String), dst)
}

// oldSecret is how a webhook.OldSecret is kept in endpoints.old_secrets.
type oldSecret struct {
	Key       string `json:"key"`
	ExpiresAt int64  `json:"expires_at"`
}

// builder assembles the WHERE clause of a list query with its arguments,
// so optional filters stay readable next to the SQL they add.
type builder struct {
	conds []string
	args  []any
}

func (b *builder) where(cond string, args ...any) {
	b.conds = append(b.conds, cond)
	b.args = append(b.args, args...)
}

// in adds "col IN (?, ?, ...)"; nothing for an empty list.
func (b *builder) in(col string, vals []string) {
	if len(vals) == 0 {
		return
	}
	b.where(col+" IN (?"+strings.Repeat(", ?", len(vals)-1)+")", anys(vals)...)
}

// timeRange adds col >= since and col < until, each only when set.
func (b *builder) timeRange(col string, since, until time.Time) {
	if !since.IsZero() {
		b.where(col+" >= ?", millis(since))
	}
	if !until.IsZero() {
		b.where(col+" < ?", millis(until))
	}
}

// page adds the keyset condition for p over col and returns the ORDER BY
// and LIMIT tail. Walking back (Before) reads the nearest rows in the
// opposite direction, so reverse says the caller must flip them into
// Order's direction: the rows nearest the key come last.
func (b *builder) page(col string, p store.Page) (tail string, reverse bool) {
	asc := p.Order == store.Ascending
	switch {
	case p.After != "":
		if asc {
			b.where(col+" > ?", p.After)
		} else {
			b.where(col+" < ?", p.After)
		}
		if p.Before != "" { // both: a window between the keys
			if asc {
				b.where(col+" < ?", p.Before)
			} else {
				b.where(col+" > ?", p.Before)
			}
		}
	case p.Before != "":
		if asc {
			b.where(col+" < ?", p.Before)
		} else {
			b.where(col+" > ?", p.Before)
		}
		asc, reverse = !asc, true
	}
	dir := " DESC"
	if asc {
		dir = " ASC"
	}
	limit := int64(p.Limit)
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	b.args = append(b.args, limit)
	return " ORDER BY " + col + dir + " LIMIT ?", reverse
}

func (b *builder) sql(head, tail string) string {
	var sb strings.Builder
	sb.WriteString(head)
	for i, c := range b.conds {
		if i == 0 {
			sb.WriteString(" WHERE ")
		} else {
			sb.WriteString(" AND ")
		}
		sb.WriteString(c)
	}
	sb.WriteString(tail)
	return sb.String()
}

func anys(vals []string) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return out
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryList runs a list query on the read pool and scans every row.
func queryList[T any](ctx context.Context, db *sql.DB, op, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrapErr(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
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
	_, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, rec.Key, rec.StatusCode, rec.Body, millis(rec.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("insert idempotency key: %w", store.ErrIdempotencyKeyUsed)
	}
	if err != nil {
		return wrapErr("insert idempotency key", err)
	}
	return nil
}

// qualified prefixes each column of a column list with a table alias,
// leaving literals (NULL) alone.
func qualified(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p != "NULL" {
			p = prefix + p
		}
		parts[i] = p
	}
	return strings.Join(parts, ", ")
}
