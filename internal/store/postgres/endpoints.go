package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

const endpointColumns = `id, app_id, uid, url, description, version, disabled, rate_limit, filter_types,
	channels, metadata, headers, secret, old_secrets, created_at, updated_at`

func scanEndpoint(sc scanner) (webhook.Endpoint, error) {
	var (
		e                webhook.Endpoint
		uid              *string
		meta, hdrs, olds *string
		created, u       int64
	)
	if err := sc.Scan(&e.ID, &e.AppID, &uid, &e.URL, &e.Description, &e.Version, &e.Disabled, &e.RateLimit, &e.FilterTypes,
		&e.Channels, &meta, &hdrs, &e.Secret, &olds, &created, &u); err != nil {
		return e, err
	}
	e.UID = deref(uid)
	e.CreatedAt, e.UpdatedAt = fromMillis(created), fromMillis(u)
	var old []oldSecret
	for _, f := range []struct {
		v   *string
		dst any
	}{{meta, &e.Metadata}, {hdrs, &e.Headers}, {olds, &old}} {
		if err := fromJSONText(f.v, f.dst); err != nil {
			return e, fmt.Errorf("endpoint %s: %w", e.ID, err)
		}
	}
	if old != nil {
		e.OldSecrets = make([]webhook.OldSecret, len(old))
		for i, o := range old {
			e.OldSecrets[i] = webhook.OldSecret{Key: o.Key, ExpiresAt: fromMillis(o.ExpiresAt)}
		}
	}
	return e, nil
}

// endpointJSON encodes the JSON text columns of e.
func endpointJSON(e webhook.Endpoint) (meta, hdrs, olds *string, err error) {
	if meta, err = mapText(e.Metadata); err != nil {
		return
	}
	if hdrs, err = mapText(e.Headers); err != nil {
		return
	}
	var old []oldSecret
	if e.OldSecrets != nil {
		old = make([]oldSecret, len(e.OldSecrets))
		for i, o := range e.OldSecrets {
			old[i] = oldSecret{Key: o.Key, ExpiresAt: millis(o.ExpiresAt)}
		}
	}
	olds, err = jsonText(old, old == nil)
	return
}

// EndpointCreate inserts an endpoint; store.ErrConflict if its ID, or its
// UID within the app, is taken; store.ErrNotFound if the app is gone.
func (s *Store) EndpointCreate(ctx context.Context, p store.EndpointCreateParams) error {
	e := p.Endpoint
	meta, hdrs, olds, err := endpointJSON(e)
	if err != nil {
		return fmt.Errorf("insert endpoint: %w", err)
	}
	return s.write(ctx, "insert endpoint", func(tx pgx.Tx) error {
		if err := insertIdempotency(ctx, tx, p.Idempotency); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO endpoints (`+endpointColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			e.ID, e.AppID, nullString(e.UID), e.URL, e.Description, e.Version, e.Disabled, e.RateLimit,
			e.FilterTypes, e.Channels, meta, hdrs, e.Secret, olds, millis(e.CreatedAt), millis(e.UpdatedAt))
		switch {
		case isUnique(err):
			return fmt.Errorf("insert endpoint: %w", store.ErrConflict)
		case isForeignKey(err):
			return fmt.Errorf("insert endpoint: app %q: %w", e.AppID, store.ErrNotFound)
		case err != nil:
			return wrapErr("insert endpoint", err)
		}
		return nil
	})
}

// EndpointGet finds an app's endpoint by ID or, failing that, by UID.
func (s *Store) EndpointGet(ctx context.Context, appID, idOrUID string) (webhook.Endpoint, error) {
	e, err := queryRow(ctx, s, "get endpoint", `SELECT `+endpointColumns+` FROM endpoints
		WHERE app_id = $1 AND (id = $2 OR uid = $2) ORDER BY id = $2 DESC LIMIT 1`, []any{appID, idOrUID}, scanEndpoint)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("get endpoint %q: %w", idOrUID, store.ErrNotFound)
	}
	if err != nil {
		return e, wrapErr("get endpoint", err)
	}
	return e, nil
}

// EndpointList pages an app's endpoints by ID; a zero limit lists all.
func (s *Store) EndpointList(ctx context.Context, p store.EndpointListParams) ([]webhook.Endpoint, error) {
	var b builder
	b.where("app_id = ?", p.AppID)
	tail, rev := b.page("id", p.Page)
	eps, err := queryList(ctx, s, "list endpoints", b.sql(`SELECT `+endpointColumns+` FROM endpoints`, tail), b.args, scanEndpoint)
	if rev {
		reverse(eps)
	}
	return eps, err
}

// EndpointUpdate replaces an endpoint's fields (secret and old secrets
// included: rotation is an update); store.ErrConflict if the new UID is
// taken within the app.
func (s *Store) EndpointUpdate(ctx context.Context, e webhook.Endpoint) error {
	meta, hdrs, olds, err := endpointJSON(e)
	if err != nil {
		return fmt.Errorf("update endpoint: %w", err)
	}
	tag, err := s.exec(ctx, "update endpoint", `UPDATE endpoints SET uid = $1, url = $2, description = $3, version = $4,
		disabled = $5, rate_limit = $6, filter_types = $7, channels = $8, metadata = $9, headers = $10, secret = $11,
		old_secrets = $12, updated_at = $13 WHERE app_id = $14 AND id = $15`,
		nullString(e.UID), e.URL, e.Description, e.Version, e.Disabled, e.RateLimit, e.FilterTypes, e.Channels,
		meta, hdrs, e.Secret, olds, millis(e.UpdatedAt), e.AppID, e.ID)
	if isUnique(err) {
		return fmt.Errorf("update endpoint: %w", store.ErrConflict)
	}
	if err != nil {
		return wrapErr("update endpoint", err)
	}
	return notFoundIfNone("update endpoint", tag)
}

// EndpointDelete deletes an endpoint; its deliveries go with it (foreign
// key cascade), its attempts stay in the message's log.
func (s *Store) EndpointDelete(ctx context.Context, appID, id string) error {
	tag, err := s.exec(ctx, "delete endpoint", `DELETE FROM endpoints WHERE app_id = $1 AND id = $2`, appID, id)
	if err != nil {
		return wrapErr("delete endpoint", err)
	}
	return notFoundIfNone("delete endpoint", tag)
}

// EndpointStats counts an endpoint's deliveries by status, created in
// [Since, Until); store.ErrNotFound if the app has no such endpoint.
func (s *Store) EndpointStats(ctx context.Context, p store.EndpointStatsParams) (webhook.EndpointStats, error) {
	var st webhook.EndpointStats
	var b builder
	b.where("endpoint_id = ?", p.EndpointID)
	b.timeRange("created_at", p.Since, p.Until)
	err := s.conn(ctx, "endpoint stats", func(c *pgx.Conn) error {
		var exists bool
		err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM endpoints WHERE app_id = $1 AND id = $2)`,
			p.AppID, p.EndpointID).Scan(&exists)
		if err != nil {
			return wrapErr("endpoint stats", err)
		}
		if !exists {
			return fmt.Errorf("endpoint stats %q: %w", p.EndpointID, store.ErrNotFound)
		}
		rows, err := c.Query(ctx, b.sql(`SELECT status, count(*) FROM deliveries`, ` GROUP BY status`), b.args...)
		if err != nil {
			return wrapErr("endpoint stats", err)
		}
		defer rows.Close()
		for rows.Next() {
			var status int
			var n int64
			if err := rows.Scan(&status, &n); err != nil {
				return wrapErr("endpoint stats", err)
			}
			switch webhook.MessageStatus(status) {
			case webhook.StatusSuccess:
				st.Success = n
			case webhook.StatusPending:
				st.Pending = n
			case webhook.StatusSending:
				st.Sending = n
			case webhook.StatusFail:
				st.Fail = n
			}
		}
		if err := rows.Err(); err != nil {
			return wrapErr("endpoint stats", err)
		}
		return nil
	})
	return st, err
}
