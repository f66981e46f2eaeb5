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

// AttemptGet finds one attempt of an app's message.
func (s *Store) AttemptGet(ctx context.Context, appID, msgID, attemptID string) (webhook.Attempt, error) {
	a, err := queryRow(ctx, s, `SELECT `+sqlbuild.AttemptColumns+` FROM attempts WHERE id = $1 AND app_id = $2 AND msg_id = $3`,
		[]any{attemptID, appID, msgID}, sqlbuild.ScanAttempt)
	if errors.Is(err, pgx.ErrNoRows) {
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
	return queryList(ctx, s, "list attempts", dialect.AttemptList(p), sqlbuild.ScanAttempt)
}

// AttemptExpungeContent replaces an attempt's response body with
// webhook.ExpungedResponse.
func (s *Store) AttemptExpungeContent(ctx context.Context, appID, msgID, attemptID string) error {
	tag, err := s.exec(ctx, `UPDATE attempts SET response = $4::bytea WHERE id = $1 AND app_id = $2 AND msg_id = $3`,
		attemptID, appID, msgID, []byte(webhook.ExpungedResponse))
	if err != nil {
		return wrapErr("expunge attempt", err)
	}
	return notFoundIfNone("expunge attempt", tag)
}
