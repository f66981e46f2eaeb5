package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
)

// Times are stored as unix milliseconds, as on SQLite. The domain
// truncates to milliseconds, so a stored time reads back Equal to what was
// written, in UTC.
func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullMillis(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

func fromNullMillis(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMillis(*v)
	return &t
}

// nullString stores "" as NULL (unset UIDs, eventIds, feature flags).
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jsonText encodes v for a JSON text column; a nil map or slice is stored
// as NULL so that nil and empty both read back as they were written.
func jsonText[T any](v T, isNil bool) (*string, error) {
	if isNil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

func mapText(m map[string]string) (*string, error) { return jsonText(m, m == nil) }

// fromJSONText decodes a JSON text column into dst, leaving it zero (nil)
// for NULL.
func fromJSONText(v *string, dst any) error {
	if v == nil {
		return nil
	}
	return json.Unmarshal([]byte(*v), dst)
}

// oldSecret is how a webhook.OldSecret is kept in endpoints.old_secrets.
type oldSecret struct {
	Key       string `json:"key"`
	ExpiresAt int64  `json:"expires_at"`
}

// builder assembles the WHERE clause of a list query with its arguments.
// Conditions are written with ? placeholders, numbered $n as they are
// added.
type builder struct {
	conds []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *builder) where(cond string, args ...any) {
	var sb strings.Builder
	i := 0
	for _, r := range cond {
		if r == '?' && i < len(args) {
			sb.WriteString(b.arg(args[i]))
			i++
			continue
		}
		sb.WriteRune(r)
	}
	b.conds = append(b.conds, sb.String())
}

// in adds "col = ANY(?)"; nothing for an empty list.
func (b *builder) in(col string, vals []string) {
	if len(vals) == 0 {
		return
	}
	b.where(col+" = ANY(?)", vals)
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
// Order's direction.
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
	tail = " ORDER BY " + col + dir
	if p.Limit > 0 {
		tail += " LIMIT " + strconv.Itoa(p.Limit)
	}
	return tail, reverse
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

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryList runs a list query and scans every row.
func queryList[T any](ctx context.Context, s *Store, op, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	var out []T
	err := s.conn(ctx, op, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return wrapErr(op, err)
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return wrapErr(op, err)
			}
			out = append(out, v)
		}
		if err := rows.Err(); err != nil {
			return wrapErr(op, err)
		}
		return nil
	})
	return out, err
}

// queryRow runs a one-row query and scans it; pgx.ErrNoRows comes back as
// is for the caller to turn into store.ErrNotFound.
func queryRow[T any](ctx context.Context, s *Store, op, query string, args []any, scan func(scanner) (T, error)) (T, error) {
	var v T
	err := s.conn(ctx, op, func(c *pgx.Conn) error {
		var err error
		v, err = scan(c.QueryRow(ctx, query, args...))
		return err
	})
	return v, err
}

const insertIdempotencySQL = `INSERT INTO idempotency (key, status_code, body, created_at) VALUES ($1, $2, $3, $4)`

// insertIdempotency stores rec in tx; store.ErrIdempotencyKeyUsed if the
// key exists. Callers run it first, so a used key writes nothing else.
func insertIdempotency(ctx context.Context, tx pgx.Tx, rec *store.Idempotency) error {
	if rec == nil {
		return nil
	}
	_, err := tx.Exec(ctx, insertIdempotencySQL, rec.Key, rec.StatusCode, rec.Body, millis(rec.CreatedAt))
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
		if !strings.HasPrefix(p, "NULL") {
			p = prefix + p
		}
		parts[i] = p
	}
	return strings.Join(parts, ", ")
}
