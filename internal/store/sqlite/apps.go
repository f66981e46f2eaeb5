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

// AppCreate inserts an app; store.ErrConflict if its ID or UID is taken.
func (s *Store) AppCreate(ctx context.Context, p store.AppCreateParams) error {
	a := p.App
	meta, err := sqlbuild.MapJSON(a.Metadata)
	if err != nil {
		return fmt.Errorf("insert app: %w", err)
	}
	return s.write(ctx, "insert app", func(tx *sql.Tx) error {
		if err := insertIdempotency(ctx, tx, s.stmts.insertIdempotency, p.Idempotency); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO apps (`+sqlbuild.AppColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			a.ID, sqlbuild.NullString(a.UID), a.Name, sqlbuild.NullInt(a.RateLimit), meta, sqlbuild.Millis(a.CreatedAt), sqlbuild.Millis(a.UpdatedAt))
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
	row := s.r.QueryRowContext(ctx, `SELECT `+sqlbuild.AppColumns+` FROM apps WHERE id = ?1 OR uid = ?1
		ORDER BY id = ?1 DESC LIMIT 1`, idOrUID)
	a, err := sqlbuild.ScanApp(row)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("get app %q: %w", idOrUID, store.ErrNotFound)
	}
	if err != nil {
		return a, wrapErr("get app", err)
	}
	return a, nil
}

// AppList pages apps by ID.
func (s *Store) AppList(ctx context.Context, p store.AppListParams) ([]webhook.App, error) {
	return queryList(ctx, s.r, "list apps", dialect.AppList(p), sqlbuild.ScanApp)
}

// AppUpdate replaces an app's mutable fields; store.ErrConflict if the new
// UID is taken.
func (s *Store) AppUpdate(ctx context.Context, a webhook.App) error {
	meta, err := sqlbuild.MapJSON(a.Metadata)
	if err != nil {
		return fmt.Errorf("update app: %w", err)
	}
	return s.write(ctx, "update app", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE apps SET uid = ?, name = ?, rate_limit = ?, metadata = ?, updated_at = ?
			WHERE id = ?`, sqlbuild.NullString(a.UID), a.Name, sqlbuild.NullInt(a.RateLimit), meta, sqlbuild.Millis(a.UpdatedAt), a.ID)
		if isUnique(err) {
			return fmt.Errorf("update app: %w", store.ErrConflict)
		}
		if err != nil {
			return wrapErr("update app", err)
		}
		return notFoundIfNone("update app", res)
	})
}

// AppDelete deletes an app. Foreign keys cascade to its endpoints,
// messages, their deliveries and attempts, and its portal tokens.
func (s *Store) AppDelete(ctx context.Context, id string) error {
	return s.write(ctx, "delete app", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM apps WHERE id = ?`, id)
		if err != nil {
			return wrapErr("delete app", err)
		}
		return notFoundIfNone("delete app", res)
	})
}

// schemasText keeps an event type's schemas as given; nil is NULL.
func schemasText(raw []byte) sql.NullString {
	return sql.NullString{String: string(raw), Valid: raw != nil}
}

// EventTypeCreate inserts an event type; store.ErrConflict if the name
// exists, archived or not.
func (s *Store) EventTypeCreate(ctx context.Context, p store.EventTypeCreateParams) error {
	et := p.EventType
	return s.write(ctx, "insert event type", func(tx *sql.Tx) error {
		if err := insertIdempotency(ctx, tx, s.stmts.insertIdempotency, p.Idempotency); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO event_types (`+sqlbuild.EventTypeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			et.Name, et.Description, et.Archived, et.Deprecated, sqlbuild.NullString(et.FeatureFlag), schemasText(et.Schemas),
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
	row := s.r.QueryRowContext(ctx, `SELECT `+sqlbuild.EventTypeColumns+` FROM event_types WHERE name = ?`, name)
	et, err := sqlbuild.ScanEventType(row)
	if errors.Is(err, sql.ErrNoRows) {
		return et, fmt.Errorf("get event type %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return et, wrapErr("get event type", err)
	}
	return et, nil
}

// EventTypeList pages event types by name.
func (s *Store) EventTypeList(ctx context.Context, p store.EventTypeListParams) ([]webhook.EventType, error) {
	return queryList(ctx, s.r, "list event types", dialect.EventTypeList(p), sqlbuild.ScanEventType)
}

// EventTypeUpdate replaces an event type's fields.
func (s *Store) EventTypeUpdate(ctx context.Context, et webhook.EventType) error {
	return s.write(ctx, "update event type", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE event_types SET description = ?, archived = ?, deprecated = ?,
			feature_flag = ?, schemas = ?, updated_at = ? WHERE name = ?`,
			et.Description, et.Archived, et.Deprecated, sqlbuild.NullString(et.FeatureFlag), schemasText(et.Schemas),
			sqlbuild.Millis(et.UpdatedAt), et.Name)
		if err != nil {
			return wrapErr("update event type", err)
		}
		return notFoundIfNone("update event type", res)
	})
}

// EventTypeDelete archives an event type, or with Expunge deletes it.
// Messages keep their event type name either way.
func (s *Store) EventTypeDelete(ctx context.Context, p store.EventTypeDeleteParams) error {
	query := `UPDATE event_types SET archived = 1 WHERE name = ?`
	if p.Expunge {
		query = `DELETE FROM event_types WHERE name = ?`
	}
	return s.write(ctx, "delete event type", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, p.Name)
		if err != nil {
			return wrapErr("delete event type", err)
		}
		return notFoundIfNone("delete event type", res)
	})
}
