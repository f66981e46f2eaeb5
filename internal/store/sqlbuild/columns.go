package sqlbuild

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hookline/hookline/internal/webhook"
)

// Both backends take and return database/sql's Null types: database/sql
// and pgx both bind and scan them, so one encoder serves either.

// Millis is how times are stored: unix milliseconds. The domain truncates
// to milliseconds, so a stored time reads back Equal to what was written.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis reads a stored time, in UTC.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// NullMillis stores an optional time; nil is NULL.
func NullMillis(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// FromNullMillis reads an optional time; NULL is nil.
func FromNullMillis(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := FromMillis(v.Int64)
	return &t
}

// NullString stores "" as NULL (unset UIDs, eventIds, feature flags).
func NullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// NullInt stores an optional int; nil is NULL.
func NullInt(p *int) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*p), Valid: true}
}

// FromNullInt reads an optional int; NULL is nil.
func FromNullInt(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

// jsonText encodes v for a JSON text column; a nil map or slice is stored
// as NULL so that nil and empty both read back as they were written.
func jsonText(v any, isNil bool) (sql.NullString, error) {
	if isNil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// MapJSON encodes a map for a JSON text column; nil is NULL.
func MapJSON(m map[string]string) (sql.NullString, error) { return jsonText(m, m == nil) }

// ListJSON encodes a list for a JSON text column; nil is NULL.
func ListJSON(l []string) (sql.NullString, error) { return jsonText(l, l == nil) }

// FromJSON decodes a JSON text column into dst, leaving it zero (nil) for
// NULL.
func FromJSON(v sql.NullString, dst any) error {
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

// OldSecrets encodes endpoints.old_secrets.
func OldSecrets(olds []webhook.OldSecret) (sql.NullString, error) {
	if olds == nil {
		return sql.NullString{}, nil
	}
	out := make([]oldSecret, len(olds))
	for i, o := range olds {
		out[i] = oldSecret{Key: o.Key, ExpiresAt: Millis(o.ExpiresAt)}
	}
	return jsonText(out, false)
}

// fromOldSecrets decodes endpoints.old_secrets.
func fromOldSecrets(v sql.NullString) ([]webhook.OldSecret, error) {
	var old []oldSecret
	if err := FromJSON(v, &old); err != nil || old == nil {
		return nil, err
	}
	out := make([]webhook.OldSecret, len(old))
	for i, o := range old {
		out[i] = webhook.OldSecret{Key: o.Key, ExpiresAt: FromMillis(o.ExpiresAt)}
	}
	return out, nil
}

// deliveryOptions is how webhook.DeliveryOptions are kept in
// endpoints.delivery_options; absent fields are the defaults.
type deliveryOptions struct {
	Format      string `json:"format,omitempty"`
	Template    string `json:"template,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Method      string `json:"method,omitempty"`
	Retries     *int   `json:"retries,omitempty"`
	TimeoutMs   int64  `json:"timeout_ms,omitempty"`
	// PassHeaders: the message headers deliveries carry.
	PassHeaders []string `json:"pass_headers,omitempty"`
}

// DeliveryOptions encodes endpoints.delivery_options; the defaults are
// NULL.
func DeliveryOptions(o webhook.DeliveryOptions) (sql.NullString, error) {
	return jsonText(deliveryOptions{
		Format: o.Format, Template: o.Template, ContentType: o.ContentType, Method: o.Method,
		Retries: o.Retries, TimeoutMs: o.Timeout.Milliseconds(), PassHeaders: o.PassHeaders,
	}, o.IsZero())
}

// fromDeliveryOptions decodes endpoints.delivery_options.
func fromDeliveryOptions(v sql.NullString) (webhook.DeliveryOptions, error) {
	var o deliveryOptions
	if err := FromJSON(v, &o); err != nil {
		return webhook.DeliveryOptions{}, fmt.Errorf("delivery options: %w", err)
	}
	return webhook.DeliveryOptions{
		Format: o.Format, Template: o.Template, ContentType: o.ContentType, Method: o.Method,
		Retries: o.Retries, Timeout: time.Duration(o.TimeoutMs) * time.Millisecond, PassHeaders: o.PassHeaders,
	}, nil
}
