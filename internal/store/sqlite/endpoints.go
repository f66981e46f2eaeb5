package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

// EndpointCreate inserts an endpoint; store.ErrConflict if its ID, or its
// UID within the app, is taken; store.ErrNotFound if the app is gone.
func (s *Store) EndpointCreate(ctx context.Context, p store.EndpointCreateParams) error {
	e := p.Endpoint
	filter, chans, t, err := s.endpointText(e)
	if err != nil {
		return fmt.Errorf("insert endpoint: %w", err)
	}
	return s.write(ctx, "insert endpoint", func(tx *sql.Tx) error {
		if err := insertIdempotency(ctx, tx, s.stmts.insertIdempotency, p.Idempotency); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO endpoints (`+sqlbuild.EndpointColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.AppID, sqlbuild.NullString(e.UID), e.URL, e.Description, e.Version, e.Disabled, sqlbuild.NullInt(e.RateLimit),
			filter, chans, t.Metadata, t.Headers, t.Secret, t.OldSecrets, sqlbuild.Millis(e.CreatedAt), sqlbuild.Millis(e.UpdatedAt), t.Options)
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
	row := s.r.QueryRowContext(ctx, `SELECT `+sqlbuild.EndpointColumns+` FROM endpoints
		WHERE app_id = ?1 AND (id = ?2 OR uid = ?2) ORDER BY id = ?2 DESC LIMIT 1`, appID, idOrUID)
	e, err := dialect.ScanEndpoint(s.secrets)(row)
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
	return queryList(ctx, s.r, "list endpoints", dialect.EndpointList(p), dialect.ScanEndpoint(s.secrets))
}

// EndpointUpdate replaces an endpoint's fields (secret and old secrets
// included: rotation is an update) but its delivery options;
// store.ErrConflict if the new UID is taken within the app.
func (s *Store) EndpointUpdate(ctx context.Context, e webhook.Endpoint) error {
	filter, chans, t, err := s.endpointText(e)
	if err != nil {
		return fmt.Errorf("update endpoint: %w", err)
	}
	return s.write(ctx, "update endpoint", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE endpoints SET uid = ?, url = ?, description = ?, version = ?,
			disabled = ?, rate_limit = ?, filter_types = ?, channels = ?, metadata = ?, headers = ?, secret = ?,
			old_secrets = ?, updated_at = ? WHERE app_id = ? AND id = ?`,
			sqlbuild.NullString(e.UID), e.URL, e.Description, e.Version, e.Disabled, sqlbuild.NullInt(e.RateLimit), filter, chans,
			t.Metadata, t.Headers, t.Secret, t.OldSecrets, sqlbuild.Millis(e.UpdatedAt), e.AppID, e.ID)
		if isUnique(err) {
			return fmt.Errorf("update endpoint: %w", store.ErrConflict)
		}
		if err != nil {
			return wrapErr("update endpoint", err)
		}
		return notFoundIfNone("update endpoint", res)
	})
}

// EndpointDeliveryOptionsSet replaces an endpoint's delivery options and
// nothing else; store.ErrNotFound if the app has no such endpoint.
func (s *Store) EndpointDeliveryOptionsSet(ctx context.Context, p store.EndpointDeliveryOptionsSetParams) error {
	opts, err := sqlbuild.DeliveryOptions(p.Options)
	if err != nil {
		return fmt.Errorf("set delivery options: %w", err)
	}
	return s.write(ctx, "set delivery options", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE endpoints SET delivery_options = ?, updated_at = ? WHERE app_id = ? AND id = ?`,
			opts, sqlbuild.Millis(p.UpdatedAt), p.AppID, p.EndpointID)
		if err != nil {
			return wrapErr("set delivery options", err)
		}
		return notFoundIfNone("set delivery options", res)
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
	counts, err := queryList(ctx, s.r, "endpoint stats", dialect.EndpointStats(p), sqlbuild.ScanStatusCount)
	return sqlbuild.Stats(counts), err
}
