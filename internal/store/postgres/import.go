package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

// importDeliverySQL writes one delivery as it was in the source store,
// unleased so that any node claims it when due. Selecting from endpoints
// makes an endpoint of another app (or none) insert nothing, which
// MessageImport reports as store.ErrNotFound.
const importDeliverySQL = `INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, attempts,
	next_attempt_at, created_at, updated_at)
	SELECT $1::text, e.id, e.app_id, $2, $3, $4, $5, $6 FROM endpoints e WHERE e.id = $7 AND e.app_id = $8`

// MessageImport writes items and their deliveries as given, in one
// transaction sent as one pipelined batch.
func (s *Store) MessageImport(ctx context.Context, items []store.MessageImport) error {
	if len(items) == 0 {
		return nil
	}
	// The batch is built inside the transaction's function: write runs
	// it once more on a fresh connection if the first one was lost.
	return s.write(ctx, "import messages", func(tx pgx.Tx) error {
		type stmt struct{ msgID, endpointID string } // endpointID "" for the message row
		b := &pgx.Batch{}
		var stmts []stmt
		for _, it := range items {
			m := &it.Message
			headers, err := sqlbuild.MapJSON(m.Headers)
			if err != nil {
				return fmt.Errorf("import message %s: %w", m.ID, err)
			}
			b.Queue(insertMessageSQL, m.ID, m.AppID, m.EventType, sqlbuild.NullString(m.EventID), m.Channels, m.Payload,
				sqlbuild.Millis(m.CreatedAt), m.Tags, headers, nil)
			stmts = append(stmts, stmt{m.ID, ""})
			for _, d := range it.Deliveries {
				b.Queue(importDeliverySQL, m.ID, int(d.Status), d.Attempts, sqlbuild.NullMillis(d.NextAttemptAt),
					sqlbuild.Millis(d.CreatedAt), sqlbuild.Millis(d.UpdatedAt), d.EndpointID, m.AppID)
				stmts = append(stmts, stmt{m.ID, d.EndpointID})
			}
		}
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		for _, st := range stmts {
			tag, err := br.Exec()
			op := "import message " + st.msgID
			if st.endpointID != "" {
				op = "import delivery " + st.msgID + "/" + st.endpointID
			}
			switch {
			case isUnique(err):
				return fmt.Errorf("%s: %w", op, store.ErrConflict)
			case isForeignKey(err):
				return fmt.Errorf("%s: app: %w", op, store.ErrNotFound)
			case err != nil:
				return wrapErr(op, err)
			case st.endpointID != "" && tag.RowsAffected() == 0:
				return fmt.Errorf("%s: endpoint of the message's app: %w", op, store.ErrNotFound)
			}
		}
		if err := br.Close(); err != nil {
			return wrapErr("import messages", err)
		}
		return nil
	})
}
