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

// insertAttemptSQL keeps an attempt unless its message is gone (the app
// was deleted while the request was in flight): that attempt has nothing
// left to belong to, and failing the batch for it would lose the others.
// A duplicate ID is a retried record of the same attempt.
const insertAttemptSQL = `INSERT INTO attempts (` + sqlbuild.AttemptColumns + `)
	SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?2)
	ON CONFLICT (id) DO NOTHING`

func execAttempt(ctx context.Context, stmt *sql.Stmt, a *webhook.Attempt) error {
	_, err := stmt.ExecContext(ctx, a.ID, a.MsgID, a.EndpointID, a.AppID, a.URL, int(a.Status), a.ResponseStatusCode,
		a.Response, a.ResponseDurationMs, int(a.TriggerType), sqlbuild.Millis(a.CreatedAt))
	if err != nil {
		return wrapErr("insert attempt", err)
	}
	return nil
}

// AttemptGet finds one attempt of an app's message.
func (s *Store) AttemptGet(ctx context.Context, appID, msgID, attemptID string) (webhook.Attempt, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+sqlbuild.AttemptColumns+` FROM attempts WHERE id = ? AND app_id = ? AND msg_id = ?`,
		attemptID, appID, msgID)
	a, err := sqlbuild.ScanAttempt(row)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("get attempt %q: %w", attemptID, store.ErrNotFound)
	}
	if err != nil {
		return a, wrapErr("get attempt", err)
	}
	return a, nil
}

// AttemptList pages an app's attempts by ID, newest first by default,
// filtered by message, endpoint, status, time, and the message's event
// type and channel.
func (s *Store) AttemptList(ctx context.Context, p store.AttemptListParams) ([]webhook.Attempt, error) {
	return queryList(ctx, s.r, "list attempts", dialect.AttemptList(p), sqlbuild.ScanAttempt)
}

// AttemptExpungeContent replaces an attempt's response body with
// webhook.ExpungedResponse.
func (s *Store) AttemptExpungeContent(ctx context.Context, appID, msgID, attemptID string) error {
	return s.write(ctx, "expunge attempt", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE attempts SET response = ? WHERE id = ? AND app_id = ? AND msg_id = ?`,
			webhook.ExpungedResponse, attemptID, appID, msgID)
		if err != nil {
			return wrapErr("expunge attempt", err)
		}
		return notFoundIfNone("expunge attempt", res)
	})
}
