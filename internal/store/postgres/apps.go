package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

const appColumns = `id, uid, name, rate_limit, metadata, created_at, updated_at`

func scanApp(sc scanner) (webhook.App, error) {
	var (
		a          webhook.App
		uid, meta  *string
		created, u int64
	)
	if err := sc.Scan(&a.ID, &uid, &a.Name, &a.RateLimit, &meta, &created, &u); err != nil {
		return a, err
	}
	a.UID = deref(uid)
	a.CreatedAt, a.UpdatedAt = fromMillis(created), fromMillis(u)
	if err := fromJSONText(meta, &a.Metadata); err != nil {
		return a, fmt.Errorf("app metadata: %w", err)
	}
	return a, nil
}

// AppCreate inserts an app; store.ErrConflict if its ID or UID is taken.
func (s *Store) AppCreate(ctx context.Context, p store.AppCreateParams) error {
	a := p.App
	meta, err := mapText(a.Metadata)
	if err != nil {
		return fmt.Errorf("insert app: %w", err)
	}
	return s.write(ctx, "insert app", func(tx pgx.Tx) error {
		if err := insertIdempotency(ctx, tx, p.Idempotency); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO apps (`+appColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			a.ID, nullString(a.UID), a.Name, a.RateLimit, meta, millis(a.CreatedAt), millis(a.UpdatedAt))
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
	a, err := queryRow(ctx, s, "get app", `SELECT `+appColumns+` FROM apps WHERE id = $1 OR uid = $1
		ORDER BY id = $1 DESC LIMIT 1`, []any{idOrUID}, scanApp)
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
	var b builder
	tail, rev := b.page("id", p.Page)
	apps, err := queryList(ctx, s, "list apps", b.sql(`SELECT `+appColumns+` FROM apps`, tail), b.args, scanApp)
	if rev {
		reverse(apps)
	}
	return apps, err
}

// AppUpdate replaces an app's mutable fields; store.ErrConflict if the new
// UID is taken.
func (s *Store) AppUpdate(ctx context.Context, a webhook.App) error {
	meta, err := mapText(a.Metadata)
	if err != nil {
		return fmt.Errorf("update app: %w", err)
	}
	tag, err := s.exec(ctx, "update app", `UPDATE apps SET uid = $1, name = $2, rate_limit = $3, metadata = $4, updated_at = $5
		WHERE id = $6`, nullString(a.UID), a.Name, a.RateLimit, meta, millis(a.UpdatedAt), a.ID)
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
	tag, err := s.exec(ctx, "delete app", `DELETE FROM apps WHERE id = $1`, id)
	if err != nil {
		return wrapErr("delete app", err)
	}
	return notFoundIfNone("delete app", tag)
}

const eventTypeColumns = `name, description, archived, deprecated, feature_flag, schemas, created_at, updated_at`

func scanEventType(sc scanner) (webhook.EventType, error) {
	var (
		et         webhook.EventType
		flag       *string
		schemas    []byte
		created, u int64
	)
	if err := sc.Scan(&et.Name, &et.Description, &et.Archived, &et.Deprecated, &flag, &schemas, &created, &u); err != nil {
		return et, err
	}
	et.FeatureFlag = deref(flag)
	if schemas != nil {
		et.Schemas = schemas
	}
	et.CreatedAt, et.UpdatedAt = fromMillis(created), fromMillis(u)
	return et, nil
}

// schemasBytes keeps an event type's schemas byte for byte; nil is NULL.
func schemasBytes(raw []byte) []byte {
	if raw == nil {
		return nil
	}
	return raw
}

// EventTypeCreate inserts an event type; store.ErrConflict if the name
// exists, archived or not.
func (s *Store) EventTypeCreate(ctx context.Context, p store.EventTypeCreateParams) error {
	et := p.EventType
	return s.write(ctx, "insert event type", func(tx pgx.Tx) error {
		if err := insertIdempotency(ctx, tx, p.Idempotency); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO event_types (`+eventTypeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			et.Name, et.Description, et.Archived, et.Deprecated, nullString(et.FeatureFlag), schemasBytes(et.Schemas),
			millis(et.CreatedAt), millis(et.UpdatedAt))
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
	et, err := queryRow(ctx, s, "get event type", `SELECT `+eventTypeColumns+` FROM event_types WHERE name = $1`,
		[]any{name}, scanEventType)
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
	var b builder
	if !p.IncludeArchived {
		b.where("NOT archived")
	}
	tail, rev := b.page("name", p.Page)
	ets, err := queryList(ctx, s, "list event types", b.sql(`SELECT `+eventTypeColumns+` FROM event_types`, tail), b.args, scanEventType)
	if rev {
		reverse(ets)
	}
	return ets, err
}

// EventTypeUpdate replaces an event type's fields.
func (s *Store) EventTypeUpdate(ctx context.Context, et webhook.EventType) error {
	tag, err := s.exec(ctx, "update event type", `UPDATE event_types SET description = $1, archived = $2, deprecated = $3,
		feature_flag = $4, schemas = $5, updated_at = $6 WHERE name = $7`,
		et.Description, et.Archived, et.Deprecated, nullString(et.FeatureFlag), schemasBytes(et.Schemas),
		millis(et.UpdatedAt), et.Name)
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
	tag, err := s.exec(ctx, "delete event type", query, p.Name)
	if err != nil {
		return wrapErr("delete event type", err)
	}
	return notFoundIfNone("delete event type", tag)
}
