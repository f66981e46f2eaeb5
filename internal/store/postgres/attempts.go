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
	b := sqlbuild.New(dialect)
	b.Where("a.app_id = ?", p.AppID)
	if p.MsgID != "" {
		b.Where("a.msg_id = ?", p.MsgID)
	}
	if p.EndpointID != "" {
		b.Where("a.endpoint_id = ?", p.EndpointID)
	}
	if p.Status != nil {
		b.Where("a.status = ?", int(*p.Status))
	}
	if c := p.StatusCodeClass; c != nil {
		// Class 0 is "no response" (codes 0-99); class N00 is N00-N99.
		b.Where("a.response_status_code BETWEEN ? AND ?", *c, *c+99)
	}
	b.TimeRange("a.created_at", p.Since, p.Until)
	from := ` FROM attempts a`
	// The message is joined only when a filter needs it.
	if len(p.EventTypes) > 0 || p.Channel != "" {
		from += ` JOIN messages m ON m.id = a.msg_id`
		b.In("m.event_type", p.EventTypes)
		if p.Channel != "" {
			b.Where("? = ANY(m.channels)", p.Channel)
		}
	}
	tail, rev := b.Page("a.id", p.Page)
	out, err := queryList(ctx, s, "list attempts", b.SQL(`SELECT `+sqlbuild.Qualified("a.", sqlbuild.AttemptColumns)+from, tail), b.Args(), sqlbuild.ScanAttempt)
	if rev {
		sqlbuild.Reverse(out)
	}
	return out, err
}

// AttemptExpungeContent blanks an attempt's response body.
func (s *Store) AttemptExpungeContent(ctx context.Context, appID, msgID, attemptID string) error {
	tag, err := s.exec(ctx, `UPDATE attempts SET response = ''::bytea WHERE id = $1 AND app_id = $2 AND msg_id = $3`,
		attemptID, appID, msgID)
	if err != nil {
		return wrapErr("expunge attempt", err)
	}
	return notFoundIfNone("expunge attempt", tag)
}
