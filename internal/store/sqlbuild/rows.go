package sqlbuild

import (
	"database/sql"
	"fmt"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Scanner is one row: *sql.Row, *sql.Rows, pgx.Row or pgx.Rows.
type Scanner interface{ Scan(dest ...any) error }

// PrefixScanner lets a joined row be scanned by the scan functions of its
// parts: Prefix's destinations come first, then the other's.
type PrefixScanner struct {
	Scanner
	Prefix []any
}

// Scan scans Prefix's columns, then dest's.
func (p PrefixScanner) Scan(dest ...any) error {
	return p.Scanner.Scan(append(p.Prefix, dest...)...)
}

// The column lists below are the same on both schemas, in the order the
// scanners read them.
const (
	AppColumns       = `id, uid, name, rate_limit, metadata, created_at, updated_at`
	EventTypeColumns = `name, description, archived, deprecated, feature_flag, schemas, created_at, updated_at`
	EndpointColumns  = `id, app_id, uid, url, description, version, disabled, rate_limit, filter_types,
	channels, metadata, headers, secret, old_secrets, created_at, updated_at, delivery_options`
	MessageColumns = `id, app_id, event_type, event_id, channels, payload, created_at, tags, headers`
	AttemptColumns = `id, msg_id, endpoint_id, app_id, url, status, response_status_code, response,
	response_duration_ms, trigger_type, created_at`
	DeliveryColumns = `d.msg_id, d.endpoint_id, d.app_id, d.status, d.attempts, d.next_attempt_at, d.created_at, d.updated_at`
)

// ScanApp scans AppColumns.
func ScanApp(sc Scanner) (webhook.App, error) {
	var (
		a          webhook.App
		uid, meta  sql.NullString
		rate       sql.NullInt64
		created, u int64
	)
	if err := sc.Scan(&a.ID, &uid, &a.Name, &rate, &meta, &created, &u); err != nil {
		return a, err
	}
	a.UID = uid.String
	a.RateLimit = FromNullInt(rate)
	a.CreatedAt, a.UpdatedAt = FromMillis(created), FromMillis(u)
	if err := FromJSON(meta, &a.Metadata); err != nil {
		return a, fmt.Errorf("app metadata: %w", err)
	}
	return a, nil
}

// ScanEventType scans EventTypeColumns. Schemas come back byte for byte.
func ScanEventType(sc Scanner) (webhook.EventType, error) {
	var (
		et         webhook.EventType
		flag       sql.NullString
		schemas    []byte
		created, u int64
	)
	if err := sc.Scan(&et.Name, &et.Description, &et.Archived, &et.Deprecated, &flag, &schemas, &created, &u); err != nil {
		return et, err
	}
	et.FeatureFlag = flag.String
	et.Schemas = schemas
	et.CreatedAt, et.UpdatedAt = FromMillis(created), FromMillis(u)
	return et, nil
}

// ScanEndpoint returns the scanner of EndpointColumns, which opens the
// sealed columns with x (see Secrets).
func (d Dialect) ScanEndpoint(x Secrets) func(Scanner) (webhook.Endpoint, error) {
	return func(sc Scanner) (webhook.Endpoint, error) {
		var (
			e          webhook.Endpoint
			uid        sql.NullString
			rate       sql.NullInt64
			meta, opts sql.NullString
			sec        EndpointSecrets
			created, u int64
		)
		if err := sc.Scan(&e.ID, &e.AppID, &uid, &e.URL, &e.Description, &e.Version, &e.Disabled, &rate,
			d.ListDest(&e.FilterTypes), d.ListDest(&e.Channels), &meta, &sec.Headers, &sec.Secret, &sec.OldSecrets, &created, &u, &opts); err != nil {
			return e, err
		}
		e.UID = uid.String
		e.RateLimit = FromNullInt(rate)
		e.CreatedAt, e.UpdatedAt = FromMillis(created), FromMillis(u)
		sec.ID = e.ID
		plain, err := x.Open(sec)
		if err == nil {
			e.Secret = plain.Secret
			if err = FromJSON(meta, &e.Metadata); err == nil {
				if err = FromJSON(plain.Headers, &e.Headers); err == nil {
					if e.OldSecrets, err = fromOldSecrets(plain.OldSecrets); err == nil {
						e.Delivery, err = fromDeliveryOptions(opts)
					}
				}
			}
		}
		if err != nil {
			return e, fmt.Errorf("endpoint %s: %w", e.ID, err)
		}
		return e, nil
	}
}

// EndpointText is the text columns of an endpoint as stored: the secret
// columns sealed when the store has a key, the rest JSON text.
type EndpointText struct {
	Secret                                 string
	Metadata, Headers, OldSecrets, Options sql.NullString
}

// EndpointText encodes the text columns of e, sealing those that hold
// credentials with x.
func (x Secrets) EndpointText(e webhook.Endpoint) (EndpointText, error) {
	var (
		t   EndpointText
		sec = EndpointSecrets{ID: e.ID, Secret: e.Secret}
		err error
	)
	if t.Metadata, err = MapJSON(e.Metadata); err != nil {
		return t, err
	}
	if sec.Headers, err = MapJSON(e.Headers); err != nil {
		return t, err
	}
	if sec.OldSecrets, err = OldSecrets(e.OldSecrets); err != nil {
		return t, err
	}
	if t.Options, err = DeliveryOptions(e.Delivery); err != nil {
		return t, err
	}
	sec, _ = x.Seal(sec)
	t.Secret, t.Headers, t.OldSecrets = sec.Secret, sec.Headers, sec.OldSecrets
	return t, nil
}

// ScanMessage scans MessageColumns (or a list that reads NULL for the
// payload). A NULL payload (expunged, or not read) is nil, and so are
// NULL headers.
func (d Dialect) ScanMessage(sc Scanner) (webhook.Message, error) {
	var (
		m       webhook.Message
		eventID sql.NullString
		headers sql.NullString
		created int64
	)
	if err := sc.Scan(&m.ID, &m.AppID, &m.EventType, &eventID, d.ListDest(&m.Channels), &m.Payload, &created, d.ListDest(&m.Tags), &headers); err != nil {
		return m, err
	}
	m.EventID = eventID.String
	m.CreatedAt = FromMillis(created)
	if err := FromJSON(headers, &m.Headers); err != nil {
		return m, fmt.Errorf("message %s headers: %w", m.ID, err)
	}
	return m, nil
}

// ScanAttempt scans AttemptColumns.
func ScanAttempt(sc Scanner) (webhook.Attempt, error) {
	var (
		a               webhook.Attempt
		status, trigger int
		response        []byte
		created         int64
	)
	err := sc.Scan(&a.ID, &a.MsgID, &a.EndpointID, &a.AppID, &a.URL, &status, &a.ResponseStatusCode, &response,
		&a.ResponseDurationMs, &trigger, &created)
	a.Status, a.TriggerType = webhook.MessageStatus(status), webhook.TriggerType(trigger)
	a.Response = string(response)
	a.CreatedAt = FromMillis(created)
	return a, err
}

// DeliveryRow scans DeliveryColumns.
type DeliveryRow struct {
	d                webhook.Delivery
	status           int
	next             sql.NullInt64
	created, updated int64
}

// Dest returns the scan destinations of DeliveryColumns.
func (r *DeliveryRow) Dest() []any {
	return []any{&r.d.MsgID, &r.d.EndpointID, &r.d.AppID, &r.status, &r.d.Attempts, &r.next, &r.created, &r.updated}
}

// Delivery returns the scanned delivery.
func (r *DeliveryRow) Delivery() webhook.Delivery {
	r.d.Status = webhook.MessageStatus(r.status)
	r.d.NextAttemptAt = FromNullMillis(r.next)
	r.d.CreatedAt, r.d.UpdatedAt = FromMillis(r.created), FromMillis(r.updated)
	return r.d
}

// Rows is a result set: *sql.Rows or pgx.Rows. Its owner closes it.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Collect scans every row of rows, flipping them when reverse (a page read
// walking back, see Builder.Page).
func Collect[T any](rows Rows, reverse bool, scan func(Scanner) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if reverse {
		Reverse(out)
	}
	return out, nil
}

// Chunked runs chunk from the start of a key order ("" comes first), each
// time from the last key the previous one changed, until a chunk changes
// fewer than store.WakeChunk rows; it returns how many changed in all. Each
// chunk is a transaction of its own, so a long walk never holds the writer.
func Chunked(chunk func(after string) (n int, last string, err error)) (int, error) {
	total, after := 0, ""
	for {
		n, last, err := chunk(after)
		if err != nil {
			return total, err
		}
		total, after = total+n, last
		if n < store.WakeChunk {
			return total, nil
		}
	}
}

// ScanKeys reads a result of one key per row (an UPDATE's RETURNING): how
// many rows, and the greatest key, or after when there is none.
func ScanKeys(rows Rows, after string) (n int, last string, err error) {
	last = after
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return 0, after, err
		}
		n++
		last = max(last, key)
	}
	return n, last, rows.Err()
}
