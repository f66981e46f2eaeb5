package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

// EndpointCreate inserts an endpoint; store.ErrConflict if its ID, or its
// UID within the app, is taken; store.ErrNotFound if the app is gone.
func (s *Store) EndpointCreate(ctx context.Context, p store.EndpointCreateParams) error {
	e := p.Endpoint
	t, err := s.secrets.EndpointText(e)
	if err != nil {
		return fmt.Errorf("insert endpoint: %w", err)
	}
	return s.write(ctx, "insert endpoint", func(tx pgx.Tx) error {
		if err := insertIdempotency(ctx, tx, p.Idempotency); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO endpoints (`+sqlbuild.EndpointColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			e.ID, e.AppID, sqlbuild.NullString(e.UID), e.URL, e.Description, e.Version, e.Disabled, e.RateLimit,
			e.FilterTypes, e.Channels, t.Metadata, t.Headers, t.Secret, t.OldSecrets, sqlbuild.Millis(e.CreatedAt), sqlbuild.Millis(e.UpdatedAt), t.Options)
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
	e, err := queryRow(ctx, s, `SELECT `+sqlbuild.EndpointColumns+` FROM endpoints
		WHERE app_id = $1 AND (id = $2 OR uid = $2) ORDER BY id = $2 DESC LIMIT 1`, []any{appID, idOrUID}, dialect.ScanEndpoint(s.secrets))
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
	return queryList(ctx, s, "list endpoints", dialect.EndpointList(p), dialect.ScanEndpoint(s.secrets))
}

// EndpointUpdate replaces an endpoint's fields (secret and old secrets
// included: rotation is an update) but its delivery options;
// store.ErrConflict if the new UID is taken within the app.
func (s *Store) EndpointUpdate(ctx context.Context, e webhook.Endpoint) error {
	t, err := s.secrets.EndpointText(e)
	if err != nil {
		return fmt.Errorf("update endpoint: %w", err)
	}
	tag, err := s.exec(ctx, `UPDATE endpoints SET uid = $1, url = $2, description = $3, version = $4,
		disabled = $5, rate_limit = $6, filter_types = $7, channels = $8, metadata = $9, headers = $10, secret = $11,
		old_secrets = $12, updated_at = $13 WHERE app_id = $14 AND id = $15`,
		sqlbuild.NullString(e.UID), e.URL, e.Description, e.Version, e.Disabled, e.RateLimit, e.FilterTypes, e.Channels,
		t.Metadata, t.Headers, t.Secret, t.OldSecrets, sqlbuild.Millis(e.UpdatedAt), e.AppID, e.ID)
	if isUnique(err) {
		return fmt.Errorf("update endpoint: %w", store.ErrConflict)
	}
	if err != nil {
		return wrapErr("update endpoint", err)
	}
	return notFoundIfNone("update endpoint", tag)
}

// EndpointDeliveryOptionsSet replaces an endpoint's delivery options and
// nothing else; store.ErrNotFound if the app has no such endpoint.
func (s *Store) EndpointDeliveryOptionsSet(ctx context.Context, p store.EndpointDeliveryOptionsSetParams) error {
	opts, err := sqlbuild.DeliveryOptions(p.Options)
	if err != nil {
		return fmt.Errorf("set delivery options: %w", err)
	}
	tag, err := s.exec(ctx, `UPDATE endpoints SET delivery_options = $1, updated_at = $2 WHERE app_id = $3 AND id = $4`,
		opts, sqlbuild.Millis(p.UpdatedAt), p.AppID, p.EndpointID)
	if err != nil {
		return wrapErr("set delivery options", err)
	}
	return notFoundIfNone("set delivery options", tag)
}

// EndpointDelete deletes an endpoint; its deliveries go with it (foreign
// key cascade), its attempts stay in the message's log.
func (s *Store) EndpointDelete(ctx context.Context, appID, id string) error {
	tag, err := s.exec(ctx, `DELETE FROM endpoints WHERE app_id = $1 AND id = $2`, appID, id)
	if err != nil {
		return wrapErr("delete endpoint", err)
	}
	return notFoundIfNone("delete endpoint", tag)
}

// EndpointStats counts an endpoint's deliveries by status, created in
// [Since, Until); store.ErrNotFound if the app has no such endpoint.
func (s *Store) EndpointStats(ctx context.Context, p store.EndpointStatsParams) (webhook.EndpointStats, error) {
	var st webhook.EndpointStats
	var exists bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM endpoints WHERE app_id = $1 AND id = $2)`,
		p.AppID, p.EndpointID).Scan(&exists)
	if err != nil {
		return st, wrapErr("endpoint stats", err)
	}
	if !exists {
		return st, fmt.Errorf("endpoint stats %q: %w", p.EndpointID, store.ErrNotFound)
	}
	counts, err := queryList(ctx, s, "endpoint stats", dialect.EndpointStats(p), sqlbuild.ScanStatusCount)
	return sqlbuild.Stats(counts), err
}
