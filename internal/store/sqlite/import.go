package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

// importDeliverySQL writes one delivery as it was in the source store,
// unleased. Selecting from endpoints makes an endpoint of another app (or
// none) insert nothing, which MessageImport reports as store.ErrNotFound.
const importDeliverySQL = `INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, attempts,
	next_attempt_at, created_at, updated_at)
	SELECT ?1, id, app_id, ?2, ?3, ?4, ?5, ?6 FROM endpoints WHERE id = ?7 AND app_id = ?8`

// MessageImport writes items and their deliveries as given, in one
// transaction.
func (s *Store) MessageImport(ctx context.Context, items []store.MessageImport) error {
	if len(items) == 0 {
		return nil
	}
	return s.write(ctx, "import messages", func(tx *sql.Tx) error {
		msgStmt := tx.StmtContext(ctx, s.stmts.insertMessage)
		for _, it := range items {
			m := &it.Message
			chans, err := sqlbuild.ListJSON(m.Channels)
			if err != nil {
				return fmt.Errorf("import message %s: %w", m.ID, err)
			}
			tags, err := sqlbuild.ListJSON(m.Tags)
			if err != nil {
				return fmt.Errorf("import message %s: %w", m.ID, err)
			}
			headers, err := sqlbuild.MapJSON(m.Headers)
			if err != nil {
				return fmt.Errorf("import message %s: %w", m.ID, err)
			}
			_, err = msgStmt.ExecContext(ctx, m.ID, m.AppID, m.EventType, sqlbuild.NullString(m.EventID), chans, m.Payload,
				sqlbuild.Millis(m.CreatedAt), tags, headers, nil)
			switch {
			case isUnique(err):
				return fmt.Errorf("import message %s: %w", m.ID, store.ErrConflict)
			case isForeignKey(err):
				return fmt.Errorf("import message %s: app %q: %w", m.ID, m.AppID, store.ErrNotFound)
			case err != nil:
				return wrapErr("import message "+m.ID, err)
			}
			for _, d := range it.Deliveries {
				op := "import delivery " + m.ID + "/" + d.EndpointID
				res, err := tx.ExecContext(ctx, importDeliverySQL, m.ID, int(d.Status), d.Attempts,
					sqlbuild.NullMillis(d.NextAttemptAt), sqlbuild.Millis(d.CreatedAt), sqlbuild.Millis(d.UpdatedAt),
					d.EndpointID, m.AppID)
				if isUnique(err) {
					return fmt.Errorf("%s: %w", op, store.ErrConflict)
				}
				if err != nil {
					return wrapErr(op, err)
				}
				if err := notFoundIfNone(op+": endpoint of the message's app", res); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
