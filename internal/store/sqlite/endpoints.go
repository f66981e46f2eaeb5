package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

const endpointColumns = `id, app_id, uid, url, description, version, disabled, rate_limit, filter_types,
	channels, metadata, headers, secret, old_secrets, created_at, updated_at`

func scanEndpoint(sc scanner) (webhook.Endpoint, error) {
	var (
		e                               webhook.Endpoint
		uid                             sql.NullString
		rate                            sql.NullInt64
		filter, chans, meta, hdrs, olds sql.NullString
		created, u                      int64
	)
	if err := sc.Scan(&e.ID, &e.AppID, &uid, &e.URL, &e.Description, &e.Version, &e.Disabled, &rate, &filter,
		&chans, &meta, &hdrs, &e.Secret, &olds, &created, &u); err != nil {
		return e, err
	}
	e.UID = uid.String
	e.RateLimit = fromNullInt(rate)
	e.CreatedAt, e.UpdatedAt = fromMillis(created), fromMillis(u)
	var old []oldSecret
	for _, f := range []struct {
		v   sql.NullString
		dst any
	}{{filter, &e.FilterTypes}, {chans, &e.Channels}, {meta, &e.Metadata}, {hdrs, &e.Headers}, {olds, &old}} {
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

// endpointJSON encodes the JSON columns of e.
func endpointJSON(e webhook.Endpoint) (filter, chans, meta, hdrs, olds sql.NullString, err error) {
	if filter, err = sliceText(e.FilterTypes); err != nil {
		return
	}
	if chans, err = sliceText(e.Channels); err != nil {
		return
	}
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
	filter, chans, meta, hdrs, olds, err := endpointJSON(e)
	if err != nil {
		return fmt.Errorf("insert endpoint: %w", err)
	}
	return s.write(ctx, "insert endpoint", func(tx *sql.Tx) error {
		if err := insertIdempotency(ctx, tx, s.stmts.insertIdempotency, p.Idempotency); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO endpoints (`+endpointColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.AppID, nullString(e.UID), e.URL, e.Description, e.Version, e.Disabled, nullInt(e.RateLimit),
			filter, chans, meta, hdrs, e.Secret, olds, millis(e.CreatedAt), millis(e.UpdatedAt))
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
	row := s.r.QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM endpoints
		WHERE app_id = ?1 AND (id = ?2 OR uid = ?2) ORDER BY id = ?2 DESC LIMIT 1`, appID, idOrUID)
	e, err := scanEndpoint(row)
	if errors.Is(err, sql.ErrNoRows) {
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
	eps, err := queryList(ctx, s.r, "list endpoints", b.sql(`SELECT `+endpointColumns+` FROM endpoints`, tail), b.args, scanEndpoint)
	if rev {
		reverse(eps)
	}
	return eps, err
}

// EndpointUpdate replaces an endpoint's fields (secret and old secrets
// included: rotation is an update); store.ErrConflict if the new UID is
// taken within the app.
func (s *Store) EndpointUpdate(ctx context.Context, e webhook.Endpoint) error {
	filter, chans, meta, hdrs, olds, err := endpointJSON(e)
	if err != nil {
		return fmt.Errorf("update endpoint: %w", err)
	}
	return s.write(ctx, "update endpoint", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE endpoints SET uid = ?, url = ?, description = ?, version = ?,
			disabled = ?, rate_limit = ?, filter_types = ?, channels = ?, metadata = ?, headers = ?, secret = ?,
			old_secrets = ?, updated_at = ? WHERE app_id = ? AND id = ?`,
			nullString(e.UID), e.URL, e.Description, e.Version, e.Disabled, nullInt(e.RateLimit), filter, chans,
			meta, hdrs, e.Secret, olds, millis(e.UpdatedAt), e.AppID, e.ID)
		if isUnique(err) {
			return fmt.Errorf("update endpoint: %w", store.ErrConflict)
		}
		if err != nil {
			return wrapErr("update endpoint", err)
		}
		return notFoundIfNone("update endpoint", res)
	})
}

// EndpointDelete deletes an endpoint; its deliveries go with it (foreign
// key cascade), its attempts stay in the message's log.
func (s *Store) EndpointDelete(ctx context.Context, appID, id string) error {
	return s.write(ctx, "delete endpoint", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM endpoints WHERE app_id = ? AND id = ?`, appID, id)
		if err != nil {
			return wrapErr("delete endpoint", err)
		}
		return notFoundIfNone("delete endpoint", res)
	})
}

// EndpointStats counts an endpoint's deliveries by status, created in
// [Since, Until); store.ErrNotFound if the app has no such endpoint.
func (s *Store) EndpointStats(ctx context.Context, p store.EndpointStatsParams) (webhook.EndpointStats, error) {
	var st webhook.EndpointStats
	var exists bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM endpoints WHERE app_id = ? AND id = ?)`,
		p.AppID, p.EndpointID).Scan(&exists)
	if err != nil {
		return st, wrapErr("endpoint stats", err)
	}
	if !exists {
		return st, fmt.Errorf("endpoint stats %q: %w", p.EndpointID, store.ErrNotFound)
	}
	var b builder
	b.where("endpoint_id = ?", p.EndpointID)
	b.timeRange("created_at", p.Since, p.Until)
	rows, err := s.r.QueryContext(ctx, b.sql(`SELECT status, count(*) FROM deliveries`, ` GROUP BY status`), b.args...)
	if err != nil {
		return st, wrapErr("endpoint stats", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status webhook.MessageStatus
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return st, wrapErr("endpoint stats", err)
		}
		switch status {
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
		return st, wrapErr("endpoint stats", err)
	}
	return st, nil
}
