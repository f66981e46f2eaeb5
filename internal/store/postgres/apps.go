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

// AppCreate inserts an app; store.ErrConflict if its ID or UID is taken.
func (s *Store) AppCreate(ctx context.Context, p store.AppCreateParams) error {
	a := p.App
	meta, err := sqlbuild.MapJSON(a.Metadata)
	if err != nil {
		return fmt.Errorf("insert app: %w", err)
	}
	return s.write(ctx, "insert app", func(tx pgx.Tx) error {
		if err := insertIdempotency(ctx, tx, p.Idempotency); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO apps (`+sqlbuild.AppColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			a.ID, sqlbuild.NullString(a.UID), a.Name, a.RateLimit, meta, sqlbuild.Millis(a.CreatedAt), sqlbuild.Millis(a.UpdatedAt))
		if isUnique(err) {
			return fmt.Errorf("insert app: %w", store.ErrConflict)
		}
		if err != nil {
			return wrapErr("insert app", err)
		}
		return nil
	})
}

// AppGet finds an app by ID or, failing that, by UID.
func (s *Store) AppGet(ctx context.Context, idOrUID string) (webhook.App, error) {
	// An ID match wins over a UID that happens to equal another app's ID.
	a, err := queryRow(ctx, s, `SELECT `+sqlbuild.AppColumns+` FROM apps WHERE id = $1 OR uid = $1
		ORDER BY id = $1 DESC LIMIT 1`, []any{idOrUID}, sqlbuild.ScanApp)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("get app %q: %w", idOrUID, store.ErrNotFound)
	}
	if err != nil {
		return a, wrapErr("get app", err)
	}
	return a, nil
}

// AppList pages apps by ID.
func (s *Store) AppList(ctx context.Context, p store.AppListParams) ([]webhook.App, error) {
	return queryList(ctx, s, "list apps", dialect.AppList(p), sqlbuild.ScanApp)
}

// AppUpdate replaces an app's mutable fields; store.ErrConflict if the new
// UID is taken.
func (s *Store) AppUpdate(ctx context.Context, a webhook.App) error {
	meta, err := sqlbuild.MapJSON(a.Metadata)
	if err != nil {
		return fmt.Errorf("update app: %w", err)
	}
	tag, err := s.exec(ctx, `UPDATE apps SET uid = $1, name = $2, rate_limit = $3, metadata = $4, updated_at = $5
		WHERE id = $6`, sqlbuild.NullString(a.UID), a.Name, a.RateLimit, meta, sqlbuild.Millis(a.UpdatedAt), a.ID)
	if isUnique(err) {
		return fmt.Errorf("update app: %w", store.ErrConflict)
	}
	if err != nil {
		return wrapErr("update app", err)
	}
	return notFoundIfNone("update app", tag)
}

// AppDelete deletes an app. Foreign keys cascade to its endpoints,
// messages, their deliveries and attempts, and its portal tokens.
func (s *Store) AppDelete(ctx context.Context, id string) error {
	tag, err := s.exec(ctx, `DELETE FROM apps WHERE id = $1`, id)
	if err != nil {
		return wrapErr("delete app", err)
	}
	return notFoundIfNone("delete app", tag)
}

// EventTypeCreate inserts an event type; store.ErrConflict if the name
// exists, archived or not.
func (s *Store) EventTypeCreate(ctx context.Context, p store.EventTypeCreateParams) error {
	et := p.EventType
	return s.write(ctx, "insert event type", func(tx pgx.Tx) error {
		if err := insertIdempotency(ctx, tx, p.Idempotency); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO event_types (`+sqlbuild.EventTypeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			et.Name, et.Description, et.Archived, et.Deprecated, sqlbuild.NullString(et.FeatureFlag), []byte(et.Schemas),
			sqlbuild.Millis(et.CreatedAt), sqlbuild.Millis(et.UpdatedAt))
		if isUnique(err) {
			return fmt.Errorf("insert event type: %w", store.ErrConflict)
		}
		if err != nil {
			return wrapErr("insert event type", err)
		}
		return nil
	})
}

// EventTypeGet finds an event type by name, archived or not.
func (s *Store) EventTypeGet(ctx context.Context, name string) (webhook.EventType, error) {
	et, err := queryRow(ctx, s, `SELECT `+sqlbuild.EventTypeColumns+` FROM event_types WHERE name = $1`,
		[]any{name}, sqlbuild.ScanEventType)
	if errors.Is(err, pgx.ErrNoRows) {
		return et, fmt.Errorf("get event type %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return et, wrapErr("get event type", err)
	}
	return et, nil
}

// EventTypeList pages event types by name.
func (s *Store) EventTypeList(ctx context.Context, p store.EventTypeListParams) ([]webhook.EventType, error) {
	return queryList(ctx, s, "list event types", dialect.EventTypeList(p), sqlbuild.ScanEventType)
}

// EventTypeUpdate replaces an event type's fields.
func (s *Store) EventTypeUpdate(ctx context.Context, et webhook.EventType) error {
	tag, err := s.exec(ctx, `UPDATE event_types SET description = $1, archived = $2, deprecated = $3,
		feature_flag = $4, schemas = $5, updated_at = $6 WHERE name = $7`,
		et.Description, et.Archived, et.Deprecated, sqlbuild.NullString(et.FeatureFlag), []byte(et.Schemas),
		sqlbuild.Millis(et.UpdatedAt), et.Name)
	if err != nil {
		return wrapErr("update event type", err)
	}
	return notFoundIfNone("update event type", tag)
}

// EventTypeDelete archives an event type, or with Expunge deletes it.
// Messages keep their event type name either way.
func (s *Store) EventTypeDelete(ctx context.Context, p store.EventTypeDeleteParams) error {
	query := `UPDATE event_types SET archived = true WHERE name = $1`
	if p.Expunge {
		query = `DELETE FROM event_types WHERE name = $1`
	}
	tag, err := s.exec(ctx, query, p.Name)
	if err != nil {
		return wrapErr("delete event type", err)
	}
	return notFoundIfNone("delete event type", tag)
}
