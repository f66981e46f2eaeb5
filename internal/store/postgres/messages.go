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

const insertMessageSQL = `INSERT INTO messages (` + sqlbuild.MessageColumns + `, payload_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// insertDeliveriesSQL writes one message's deliveries in one statement,
// Pending and each due at its time, leased to the ingesting node. It joins
// endpoints so that an endpoint deleted after routing and before this
// commit is skipped rather than failing the message: its deliveries would
// have been deleted with it anyway.
const insertDeliveriesSQL = `INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, attempts,
	next_attempt_at, lease_owner, lease_token, lease_expires_at, created_at, updated_at)
	SELECT $1::text, e.id, e.app_id, 1, 0, u.due, $2::text, $3::bigint, $4::bigint, $5::bigint, $5::bigint
	FROM unnest($6::text[], $7::bigint[]) AS u (endpoint_id, due)
	JOIN endpoints e ON e.id = u.endpoint_id AND e.app_id = $8`

// batch query kinds, to attribute a failure to its item and statement.
const (
	qSavepoint = iota
	qIdempotency
	qInbound
	qMessage
	qDeliveries
	qRelease
)

type queued struct{ item, kind int }

// MessageCreateBatch writes items in one transaction. Each item runs
// inside its own SAVEPOINT: a constraint failure (eventId reused,
// idempotency key used, app gone) rolls back that item alone, and the
// others commit. Any other error fails the whole batch.
//
// The items go to the server as one pipelined pgx.Batch. PostgreSQL skips
// the rest of a pipeline after an error, so when item k fails the batch is
// read up to it, item k is rolled back to its savepoint, and the items
// after it are sent again: one round trip, plus one per failed item.
func (s *Store) MessageCreateBatch(ctx context.Context, items []store.MessageCreate) ([]error, error) {
	errs, _, err := s.WriteBatch(ctx, items, nil)
	return errs, err
}

// WriteBatch writes new messages and attempt outcomes in one transaction,
// as MessageCreateBatch and DeliveryRecordBatch do: one commit for all
// that the engine's writer has queued.
func (s *Store) WriteBatch(ctx context.Context, items []store.MessageCreate, outcomes []store.Outcome) ([]error, []bool, error) {
	errs := make([]error, len(items))
	applied := make([]bool, len(outcomes))
	if len(items)+len(outcomes) == 0 {
		return errs, applied, nil
	}
	err := s.write(ctx, "write batch", func(tx pgx.Tx) error {
		// A second try (see write) starts from nothing.
		clear(errs)
		clear(applied)
		if err := insertMessages(ctx, tx, items, errs); err != nil {
			return err
		}
		return recordOutcomes(ctx, tx, outcomes, applied)
	})
	if err != nil {
		return nil, nil, err
	}
	return errs, applied, nil
}

// insertMessages writes items, setting errs[i] for each failed item.
func insertMessages(ctx context.Context, tx pgx.Tx, items []store.MessageCreate, errs []error) error {
	for start := 0; start < len(items); {
		b := &pgx.Batch{}
		var qs []queued
		for i := start; i < len(items); i++ {
			qs = queueItem(b, qs, i, &items[i])
		}
		failed, itemErr, err := runItems(ctx, tx, b, qs, items)
		if err != nil {
			return err
		}
		if failed < 0 {
			break
		}
		errs[failed] = itemErr
		// RELEASE after ROLLBACK TO too: ROLLBACK TO keeps the savepoint.
		// The simple protocol: an aborted transaction refuses the
		// extended protocol's prepare, and it runs both in one trip.
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT item; RELEASE SAVEPOINT item`,
			pgx.QueryExecModeSimpleProtocol); err != nil {
			return wrapErr("insert messages: rollback to savepoint", err)
		}
		start = failed + 1
	}
	return nil
}

// queueItem queues item i's statements, inside its savepoint.
func queueItem(b *pgx.Batch, qs []queued, i int, it *store.MessageCreate) []queued {
	q := func(kind int, sql string, args ...any) {
		b.Queue(sql, args...)
		qs = append(qs, queued{i, kind})
	}
	m := &it.Message
	q(qSavepoint, `SAVEPOINT item`)
	// The idempotency row goes first: a used key must leave nothing else.
	if rec := it.Idempotency; rec != nil {
		q(qIdempotency, insertIdempotencySQL, rec.Key, rec.StatusCode, rec.Body, sqlbuild.Millis(rec.CreatedAt))
	}
	// The inbound request next: a provider's retry must leave nothing.
	if req := it.Inbound; req != nil {
		q(qInbound, insertInboundRequestSQL, sqlbuild.InboundRequestArgs(req)...)
	}
	headers, _ := sqlbuild.MapJSON(m.Headers) // a map of strings always encodes
	created := sqlbuild.Millis(m.CreatedAt)
	q(qMessage, insertMessageSQL, m.ID, m.AppID, m.EventType, sqlbuild.NullString(m.EventID), m.Channels, m.Payload, created, m.Tags, headers, sqlbuild.NullMillis(it.PayloadExpiresAt))
	if len(it.Deliveries) > 0 {
		eps := make([]string, len(it.Deliveries))
		due := make([]int64, len(it.Deliveries))
		for j, d := range it.Deliveries {
			eps[j] = d.EndpointID
			// Due when the message was created unless the router said otherwise.
			due[j] = created
			if d.NextAttemptAt != nil {
				due[j] = sqlbuild.Millis(*d.NextAttemptAt)
			}
		}
		var owner *string
		var expires *int64
		if it.Lease.Owner != "" {
			owner = &it.Lease.Owner
			ms := sqlbuild.Millis(it.Lease.ExpiresAt)
			expires = &ms
		}
		q(qDeliveries, insertDeliveriesSQL, m.ID, owner, it.Lease.Token, expires, created, eps, due, m.AppID)
	}
	q(qRelease, `RELEASE SAVEPOINT item`)
	return qs
}

// runItems sends b and reads its results. failed is the index of the item
// whose statement failed with a constraint violation (itemErr says how),
// or -1 when every item went in; err fails the whole batch.
func runItems(ctx context.Context, tx pgx.Tx, b *pgx.Batch, qs []queued, items []store.MessageCreate) (failed int, itemErr, err error) {
	br := tx.SendBatch(ctx, b)
	failed = -1
	for _, q := range qs {
		_, err := br.Exec()
		if err == nil {
			continue
		}
		m := &items[q.item].Message
		switch {
		case q.kind == qInbound && (isUnique(err) || isForeignKey(err)):
			itemErr = inboundRequestErr(items[q.item].Inbound, err)
		case q.kind == qIdempotency && isUnique(err):
			itemErr = fmt.Errorf("insert message %s: %w", m.ID, store.ErrIdempotencyKeyUsed)
		case q.kind == qMessage && isUnique(err):
			itemErr = fmt.Errorf("insert message %s: %w", m.ID, store.ErrConflict)
		case q.kind == qMessage && isForeignKey(err):
			itemErr = fmt.Errorf("insert message %s: app %q: %w", m.ID, m.AppID, store.ErrNotFound)
		case (q.kind == qIdempotency || q.kind == qInbound || q.kind == qMessage || q.kind == qDeliveries) && isConstraint(err):
			itemErr = fmt.Errorf("insert message %s: %w", m.ID, err)
		default:
			br.Close()
			return -1, nil, wrapErr("insert message "+m.ID, err)
		}
		failed = q.item
		break
	}
	if cerr := br.Close(); cerr != nil && failed < 0 {
		return -1, nil, wrapErr("insert messages", cerr)
	}
	return failed, itemErr, nil
}

// MessageGet finds an app's message by ID or, failing that, by eventId.
func (s *Store) MessageGet(ctx context.Context, appID, idOrEventID string) (webhook.Message, error) {
	m, err := queryRow(ctx, s, `SELECT `+sqlbuild.MessageColumns+` FROM messages
		WHERE app_id = $1 AND (id = $2 OR event_id = $2) ORDER BY id = $2 DESC LIMIT 1`, []any{appID, idOrEventID}, dialect.ScanMessage)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, fmt.Errorf("get message %q: %w", idOrEventID, store.ErrNotFound)
	}
	if err != nil {
		return m, wrapErr("get message", err)
	}
	return m, nil
}

// MessageList pages an app's messages by ID, newest first by default.
func (s *Store) MessageList(ctx context.Context, p store.MessageListParams) ([]webhook.Message, error) {
	return queryList(ctx, s, "list messages", dialect.MessageList(p), dialect.ScanMessage)
}

// MessageExpungeContent drops a message's payload; the message, its
// deliveries and attempts stay.
func (s *Store) MessageExpungeContent(ctx context.Context, appID, msgID string) error {
	tag, err := s.exec(ctx, `UPDATE messages SET payload = NULL, headers = NULL WHERE app_id = $1 AND id = $2`, appID, msgID)
	if err != nil {
		return wrapErr("expunge message", err)
	}
	return notFoundIfNone("expunge message", tag)
}

// expungeAllSQL drops the payloads of the next chunk of an app's messages
// that still have one, after id $2 in key order.
var expungeAllSQL = fmt.Sprintf(`UPDATE messages m SET payload = NULL, headers = NULL
	FROM (SELECT id FROM messages WHERE app_id = $1 AND id > $2 AND payload IS NOT NULL ORDER BY id LIMIT %d) x
	WHERE m.id = x.id
	RETURNING m.id`, store.WakeChunk)

// MessageExpungeAll drops the payload of every message of an app,
// store.WakeChunk messages per transaction.
func (s *Store) MessageExpungeAll(ctx context.Context, p store.MessageExpungeAllParams) (int, error) {
	return sqlbuild.Chunked(func(after string) (n int, last string, err error) {
		err = s.write(ctx, "expunge all messages", func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, expungeAllSQL, p.AppID, after)
			if err != nil {
				return wrapErr("expunge all messages", err)
			}
			defer rows.Close()
			if n, last, err = sqlbuild.ScanKeys(rows, after); err != nil {
				return wrapErr("expunge all messages", err)
			}
			return nil
		})
		return n, last, err
	})
}
