// Package sqlbuild is what the SQL backends (store/sqlite, store/postgres)
// share: a builder for the WHERE, ORDER BY and LIMIT of list queries,
// parameterised by the dialect's placeholder and IN-list styles; the
// encoders between domain values and columns (times as unix milliseconds,
// "" and nil as NULL, small maps as JSON text); and the row scanners of the
// tables both schemas lay out alike. The statements themselves, and every
// place where the dialects differ, stay in the backends.
package sqlbuild

import (
	"strconv"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/store"
)

// Dialect is what the shared code must know of a backend's SQL. Each
// backend declares its own.
type Dialect struct {
	// Numbered placeholders are $1, $2, ... (PostgreSQL); otherwise ?
	// (SQLite).
	Numbered bool
	// ArrayIn writes a list condition as "col = ANY($n)" with the list as
	// one array argument (PostgreSQL: the statement text does not depend
	// on the list's length); otherwise as "col IN (?, ?, ...)".
	ArrayIn bool
	// ListDest returns the scan destination of a string-list column
	// (filter_types, channels) that fills dst: PostgreSQL keeps text[],
	// SQLite JSON text.
	ListDest func(dst *[]string) any
	// HasChannel returns the condition that the string-list column col
	// holds the one ? argument.
	HasChannel func(col string) string
	// NullBytes is a NULL of the payload's type, read in its place when
	// a list leaves payloads out.
	NullBytes string
	// NullList is a NULL of a string-list column's type (channels, tags),
	// read in its place when a list reads keys only.
	NullList string
	// Contains returns the condition that the text or bytes column (or
	// expression) col holds the one ? argument, of the same type, as a
	// substring: byte for byte, NUL bytes included.
	Contains func(col string) string
}

// Builder assembles the WHERE clause of a query with its arguments, so
// optional filters stay readable next to the SQL they add. Conditions are
// written with ? placeholders; Numbered dialects number them as added.
type Builder struct {
	d     Dialect
	conds []string
	args  []any
}

// New returns an empty builder for d.
func New(d Dialect) *Builder { return &Builder{d: d} }

// Args returns the arguments, in placeholder order.
func (b *Builder) Args() []any { return b.args }

// Arg adds an argument and returns its placeholder, for the parts of a
// statement ahead of the WHERE clause (an UPDATE's SET).
func (b *Builder) Arg(v any) string {
	b.args = append(b.args, v)
	if !b.d.Numbered {
		return "?"
	}
	return "$" + strconv.Itoa(len(b.args))
}

// Where adds a condition; each ? in cond takes the next of args.
func (b *Builder) Where(cond string, args ...any) {
	if !b.d.Numbered || len(args) == 0 {
		b.conds = append(b.conds, cond)
		b.args = append(b.args, args...)
		return
	}
	var sb strings.Builder
	i := 0
	for _, r := range cond {
		if r == '?' && i < len(args) {
			sb.WriteString(b.Arg(args[i]))
			i++
			continue
		}
		sb.WriteRune(r)
	}
	b.conds = append(b.conds, sb.String())
}

// In adds "col is one of vals"; nothing for an empty list.
func (b *Builder) In(col string, vals []string) {
	switch {
	case len(vals) == 0:
	case b.d.ArrayIn:
		b.Where(col+" = ANY(?)", vals)
	default:
		args := make([]any, len(vals))
		for i, v := range vals {
			args[i] = v
		}
		b.Where(col+" IN (?"+strings.Repeat(", ?", len(vals)-1)+")", args...)
	}
}

// NullOrIn adds the condition that col is NULL or one of vals.
func (b *Builder) NullOrIn(col string, vals []string) {
	switch {
	case len(vals) == 0:
		b.Where(col + " IS NULL")
	case b.d.ArrayIn:
		b.Where("("+col+" IS NULL OR "+col+" = ANY(?))", vals)
	default:
		args := make([]any, len(vals))
		for i, v := range vals {
			args[i] = v
		}
		b.Where("("+col+" IS NULL OR "+col+" IN (?"+strings.Repeat(", ?", len(vals)-1)+"))", args...)
	}
}

// TimeRange adds col >= since and col < until, each only when set.
func (b *Builder) TimeRange(col string, since, until time.Time) {
	if !since.IsZero() {
		b.Where(col+" >= ?", Millis(since))
	}
	if !until.IsZero() {
		b.Where(col+" < ?", Millis(until))
	}
}

// Page adds the keyset condition for p over col and returns the ORDER BY
// and LIMIT tail (no LIMIT for a zero p.Limit). Walking back (Before)
// reads the nearest rows in the opposite direction, so reverse says the
// caller must flip them into Order's direction (Reverse): the rows nearest
// the key come last.
//
// The limit is a literal, not an argument: it is an int, and SQLite plans
// a bound LIMIT again at every rebinding.
func (b *Builder) Page(col string, p store.Page) (tail string, reverse bool) {
	asc := p.Order == store.Ascending
	after, before := " < ?", " > ?"
	if asc {
		after, before = before, after
	}
	switch {
	case p.After != "":
		b.Where(col+after, p.After)
		if p.Before != "" { // both: a window between the keys
			b.Where(col+before, p.Before)
		}
	case p.Before != "":
		b.Where(col+before, p.Before)
		asc, reverse = !asc, true
	}
	tail = " ORDER BY " + col + " DESC"
	if asc {
		tail = " ORDER BY " + col + " ASC"
	}
	if p.Limit > 0 {
		tail += " LIMIT " + strconv.Itoa(p.Limit)
	}
	return tail, reverse
}

// SQL returns head, the WHERE clause, then tail.
func (b *Builder) SQL(head, tail string) string {
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

// Reverse flips s in place: a page read walking back, into Order's
// direction.
func Reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// Qualified prefixes each column of a column list with a table alias,
// leaving literals (NULL, NULL::bytea) alone.
func Qualified(prefix, cols string) string {
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
