package sqlbuild

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/store"
)

// BinColumns are the bins table's columns, in ScanBin's and BinArgs'
// order.
const BinColumns = `id, name, token_hash, response_status, response_headers, response_body, response_delay_ms, keep, retention_ms, created_at, updated_at`

// BinArgs returns b's values in BinColumns' order.
func BinArgs(b inspector.Bin) ([]any, error) {
	headers, err := MapJSON(b.Response.Header)
	if err != nil {
		return nil, fmt.Errorf("bin response headers: %w", err)
	}
	return []any{b.ID, b.Name, b.TokenHash, b.Response.Status, headers, b.Response.Body,
		b.Response.Delay.Milliseconds(), b.Keep, b.Retention.Milliseconds(), Millis(b.CreatedAt), Millis(b.UpdatedAt)}, nil
}

// ScanBin scans BinColumns.
func ScanBin(sc Scanner) (inspector.Bin, error) {
	var (
		b                         inspector.Bin
		headers                   sql.NullString
		delay, retention, created int64
		updated                   int64
	)
	if err := sc.Scan(&b.ID, &b.Name, &b.TokenHash, &b.Response.Status, &headers, &b.Response.Body,
		&delay, &b.Keep, &retention, &created, &updated); err != nil {
		return b, err
	}
	if err := FromJSON(headers, &b.Response.Header); err != nil {
		return b, fmt.Errorf("bin response headers: %w", err)
	}
	b.Response.Delay = time.Duration(delay) * time.Millisecond
	b.Retention = time.Duration(retention) * time.Millisecond
	b.CreatedAt, b.UpdatedAt = FromMillis(created), FromMillis(updated)
	return b, nil
}

// BinList lists bins by ID; scan with ScanBin.
func (d Dialect) BinList(p store.BinListParams) Query {
	return New(d).query(`SELECT `+BinColumns+` FROM bins`, "id", p.Page)
}

// BinUpdateSQL is BinUpdate's statement, its arguments BinUpdateArgs.
func (d Dialect) BinUpdateSQL() string {
	b := New(d)
	set := []string{"name", "token_hash", "response_status", "response_headers", "response_body",
		"response_delay_ms", "keep", "retention_ms", "updated_at"}
	for i, col := range set {
		set[i] = col + " = " + b.Arg(nil)
	}
	return `UPDATE bins SET ` + strings.Join(set, ", ") + ` WHERE id = ` + b.Arg(nil)
}

// BinUpdateArgs are the arguments of BinUpdateSQL for b.
func BinUpdateArgs(b inspector.Bin) ([]any, error) {
	args, err := BinArgs(b)
	if err != nil {
		return nil, err
	}
	// BinColumns without id and created_at, then id for the WHERE.
	return append(append(args[1:9:9], args[10]), b.ID), nil
}

// captureColumns are the captures table's columns, in scanCapture's
// order; body is NULL in lists without bodies.
func (d Dialect) captureColumns(withBody bool) string {
	body := "body"
	if !withBody {
		body = d.NullBytes
	}
	return `id, bin_id, method, path, query, headers, ` + body + `, body_size, remote_addr, received_at`
}

// CaptureInsertSQL is CaptureCreate's INSERT, its arguments CaptureArgs.
func (d Dialect) CaptureInsertSQL() string {
	b := New(d)
	ph := make([]string, 10)
	for i := range ph {
		ph[i] = b.Arg(nil)
	}
	return `INSERT INTO captures (` + d.captureColumns(true) + `) VALUES (` + strings.Join(ph, ", ") + `)`
}

// CaptureArgs returns c's values in the columns' order. A nil body is
// stored empty: the column holds bytes, never NULL.
func CaptureArgs(c inspector.Capture) ([]any, error) {
	headers, err := inspector.MarshalHeader(c.Header)
	if err != nil {
		return nil, fmt.Errorf("capture headers: %w", err)
	}
	body := c.Body
	if body == nil {
		body = []byte{}
	}
	return []any{c.ID, c.BinID, c.Method, c.Path, c.Query, string(headers), body, len(body),
		c.RemoteAddr, Millis(c.ReceivedAt)}, nil
}

// ScanCapture scans the captures' columns.
func ScanCapture(sc Scanner) (inspector.Capture, error) {
	var (
		c        inspector.Capture
		headers  string
		received int64
	)
	if err := sc.Scan(&c.ID, &c.BinID, &c.Method, &c.Path, &c.Query, &headers, &c.Body, &c.BodySize,
		&c.RemoteAddr, &received); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(headers), &c.Header); err != nil {
		return c, fmt.Errorf("capture headers: %w", err)
	}
	c.ReceivedAt = FromMillis(received)
	return c, nil
}

// CaptureGet reads one capture of a bin with its body.
func (d Dialect) CaptureGet(binID, id string) Query {
	b := New(d)
	b.Where("bin_id = ?", binID)
	b.Where("id = ?", id)
	return Query{SQL: b.SQL(`SELECT `+d.captureColumns(true)+` FROM captures`, ``), Args: b.args}
}

// CaptureList lists a bin's captures as p says; scan with ScanCapture.
func (d Dialect) CaptureList(p store.CaptureListParams) Query {
	b := New(d)
	b.Where("bin_id = ?", p.BinID)
	if p.Method != "" {
		b.Where("method = ?", p.Method)
	}
	if p.Path != "" {
		b.Where(d.Contains("path"), p.Path)
	}
	switch {
	case p.Text == "":
	case !utf8.ValidString(p.Text) || strings.IndexByte(p.Text, 0) >= 0:
		// No header holds such text (the JSON text of headers is UTF-8
		// without NUL, which PostgreSQL's text refuses as an argument):
		// only a body can.
		b.Where(d.Contains("body"), []byte(p.Text))
	default:
		// Header names are canonical (Content-Type) and values any case:
		// the text is looked for in lower case; a body is bytes, exact.
		b.Where("("+d.Contains("lower(headers)")+" OR "+d.Contains("body")+")",
			strings.ToLower(p.Text), []byte(p.Text))
	}
	b.TimeRange("received_at", p.Since, p.Until)
	return b.query(`SELECT `+d.captureColumns(p.WithBody)+` FROM captures`, "id", p.Page)
}

// CaptureTrimFrom returns the query of the newest capture of binID that
// is past its keep newest: it and every older one go. No row: nothing to
// trim.
func (d Dialect) CaptureTrimFrom(binID string, keep int) Query {
	b := New(d)
	b.Where("bin_id = ?", binID)
	return Query{SQL: b.SQL(`SELECT id FROM captures`, fmt.Sprintf(` ORDER BY id DESC LIMIT 1 OFFSET %d`, keep)), Args: b.args}
}

// CapturePurge deletes, of binID, at most limit captures, oldest first,
// whose ID is at or before fromID (when set) or received before before
// (when set). One of the two must be set.
func (d Dialect) CapturePurge(binID, fromID string, before time.Time, limit int) Query {
	b := New(d)
	b.Where("bin_id = ?", binID)
	switch {
	case fromID != "" && !before.IsZero():
		b.Where("(id <= ? OR received_at < ?)", fromID, Millis(before))
	case fromID != "":
		b.Where("id <= ?", fromID)
	default:
		b.Where("received_at < ?", Millis(before))
	}
	sub := b.SQL(`SELECT id FROM captures`, fmt.Sprintf(` ORDER BY id LIMIT %d`, limit))
	return Query{SQL: `DELETE FROM captures WHERE id IN (` + sub + `)`, Args: b.args}
}
