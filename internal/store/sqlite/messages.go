package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ncruces/go-sqlite3"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

const insertMessageSQL = `INSERT INTO messages (` + sqlbuild.MessageColumns + `, payload_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertDeliverySQL writes one delivery, Pending and due at ?2, leased to
// the ingesting node. It selects from endpoints so that an endpoint deleted
// after routing and before this commit is skipped rather than failing the
// message: its deliveries would have been deleted with it anyway.
const insertDeliverySQL = `INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, attempts,
	next_attempt_at, lease_owner, lease_token, lease_expires_at, created_at, updated_at)
	SELECT ?1, id, app_id, 1, 0, ?2, ?3, ?4, ?5, ?6, ?6 FROM endpoints WHERE id = ?7 AND app_id = ?8`

// MessageCreateBatch writes items in one transaction, one fsync for all.
// Each item runs inside its own SAVEPOINT: a constraint failure (eventId
// reused, idempotency key used) rolls back that item alone, and the others
// commit. Any other error fails the whole batch.
func (s *Store) MessageCreateBatch(ctx context.Context, items []store.MessageCreate) ([]error, error) {
	errs, _, err := s.WriteBatch(ctx, items, nil)
	return errs, err
}

// WriteBatch writes new messages and attempt outcomes in one transaction,
// as MessageCreateBatch and DeliveryRecordBatch do: one commit, one fsync,
// for all that the engine's writer has queued.
//
// Almost every batch has no failing item, so it is first written without a
// savepoint per item (half the statements). Should an item fail, that
// transaction is rolled back and the batch written again with savepoints,
// so each failing item leaves nothing behind.
func (s *Store) WriteBatch(ctx context.Context, items []store.MessageCreate, outcomes []store.Outcome) ([]error, []bool, error) {
	errs := make([]error, len(items))
	applied := make([]bool, len(outcomes))
	if len(items)+len(outcomes) == 0 {
		return errs, applied, nil
	}
	write := func(savepoints bool) error {
		return s.write(ctx, "write batch", func(tx *sql.Tx) error {
			if err := s.insertMessages(ctx, tx, items, errs, savepoints); err != nil {
				return err
			}
			return s.recordOutcomes(ctx, tx, outcomes, applied)
		})
	}
	err := write(false)
	if errors.Is(err, errItemFailed) {
		err = write(true)
	}
	if err != nil {
		return nil, nil, err
	}
	return errs, applied, nil
}

// insertMessages writes items in tx. With savepoints, each item runs in
// its own and a failed item sets errs[i] and leaves nothing behind;
// without, the first failed item fails the transaction with errItemFailed.
func (s *Store) insertMessages(ctx context.Context, tx *sql.Tx, items []store.MessageCreate, errs []error, savepoints bool) error {
	if len(items) == 0 {
		return nil
	}
	st := s.batchStmts(ctx, tx)
	for i := range items {
		if savepoints {
			if _, err := st.savepoint.ExecContext(ctx); err != nil {
				return wrapErr("insert messages: savepoint", err)
			}
		}
		itemErr, err := st.insert(ctx, &items[i])
		if err != nil {
			return err // not this item's fault: the batch fails
		}
		if !savepoints {
			if itemErr != nil {
				return errItemFailed
			}
			continue
		}
		if itemErr != nil {
			if _, err := st.rollbackTo.ExecContext(ctx); err != nil {
				return wrapErr("insert messages: rollback to savepoint", err)
			}
			errs[i] = itemErr
		}
		// RELEASE after ROLLBACK TO too: ROLLBACK TO keeps the savepoint open.
		if _, err := st.release.ExecContext(ctx); err != nil {
			return wrapErr("insert messages: release savepoint", err)
		}
	}
	return nil
}

// errItemFailed ends the savepoint-free attempt at a batch.
var errItemFailed = errors.New("an item of the batch failed")

func (s *Store) batchStmts(ctx context.Context, tx *sql.Tx) batchStmts {
	return batchStmts{
		savepoint:   tx.StmtContext(ctx, s.stmts.savepoint),
		release:     tx.StmtContext(ctx, s.stmts.release),
		rollbackTo:  tx.StmtContext(ctx, s.stmts.rollbackTo),
		idempotency: tx.StmtContext(ctx, s.stmts.insertIdempotency),
		message:     tx.StmtContext(ctx, s.stmts.insertMessage),
		delivery:    tx.StmtContext(ctx, s.stmts.insertDelivery),
		inbound:     tx.StmtContext(ctx, s.stmts.insertInbound),
	}
}

// batchStmts are the prepared statements bound to one batch's transaction.
type batchStmts struct {
	savepoint, release, rollbackTo *sql.Stmt
	idempotency, message, delivery *sql.Stmt
	inbound                        *sql.Stmt
}

// insert writes one item. itemErr is the item's own failure, a constraint
// (store.ErrConflict, store.ErrIdempotencyKeyUsed, store.ErrNotFound for a
// deleted app, or another constraint wrapped as is): the caller rolls back
// to the item's savepoint. err is anything else, and fails the batch.
func (st batchStmts) insert(ctx context.Context, it *store.MessageCreate) (itemErr, err error) {
	m := &it.Message
	// The idempotency row goes first: a used key must leave nothing else.
	if rec := it.Idempotency; rec != nil {
		_, err := st.idempotency.ExecContext(ctx, rec.Key, rec.StatusCode, rec.Body, sqlbuild.Millis(rec.CreatedAt))
		if isUnique(err) {
			return fmt.Errorf("insert message %s: %w", m.ID, store.ErrIdempotencyKeyUsed), nil
		}
		if err != nil {
			return classify("insert message "+m.ID+": idempotency key", err)
		}
	}
	// The inbound request next: a provider's retry must leave nothing.
	if req := it.Inbound; req != nil {
		if itemErr, err := insertInboundRequest(ctx, st.inbound, req); itemErr != nil || err != nil {
			return itemErr, err
		}
	}
	chans, err := sqlbuild.ListJSON(m.Channels)
	if err != nil {
		return fmt.Errorf("insert message %s: %w", m.ID, err), nil
	}
	tags, err := sqlbuild.ListJSON(m.Tags)
	if err != nil {
		return fmt.Errorf("insert message %s: %w", m.ID, err), nil
	}
	headers, err := sqlbuild.MapJSON(m.Headers)
	if err != nil {
		return fmt.Errorf("insert message %s: %w", m.ID, err), nil
	}
	created := sqlbuild.Millis(m.CreatedAt)
	_, err = st.message.ExecContext(ctx, m.ID, m.AppID, m.EventType, sqlbuild.NullString(m.EventID), chans, m.Payload, created, tags, headers, sqlbuild.NullMillis(it.PayloadExpiresAt))
	switch {
	case isUnique(err):
		return fmt.Errorf("insert message %s: %w", m.ID, store.ErrConflict), nil
	case isForeignKey(err):
		return fmt.Errorf("insert message %s: app %q: %w", m.ID, m.AppID, store.ErrNotFound), nil
	case err != nil:
		return classify("insert message "+m.ID, err)
	}
	lease := it.Lease
	var owner sql.NullString
	var expires sql.NullInt64
	if lease.Owner != "" {
		owner = sql.NullString{String: lease.Owner, Valid: true}
		expires = sql.NullInt64{Int64: sqlbuild.Millis(lease.ExpiresAt), Valid: true}
	}
	for i := range it.Deliveries {
		d := &it.Deliveries[i]
		// Due when the message was created unless the router said otherwise.
		due := created
		if d.NextAttemptAt != nil {
			due = sqlbuild.Millis(*d.NextAttemptAt)
		}
		_, err := st.delivery.ExecContext(ctx, m.ID, due, owner, lease.Token, expires, created, d.EndpointID, m.AppID)
		if err != nil {
			return classify("insert delivery "+m.ID+"/"+d.EndpointID, err)
		}
	}
	return nil, nil
}

// classify splits a statement's error into the item's own (a constraint
// violation) and one that must fail the batch.
func classify(op string, err error) (itemErr, batchErr error) {
	if errors.Is(err, sqlite3.CONSTRAINT) {
		return fmt.Errorf("%s: %w", op, err), nil
	}
	return nil, wrapErr(op, err)
}

// MessageGet finds an app's message by ID or, failing that, by eventId.
func (s *Store) MessageGet(ctx context.Context, appID, idOrEventID string) (webhook.Message, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+sqlbuild.MessageColumns+` FROM messages
		WHERE app_id = ?1 AND (id = ?2 OR event_id = ?2) ORDER BY id = ?2 DESC LIMIT 1`, appID, idOrEventID)
	m, err := dialect.ScanMessage(row)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("get message %q: %w", idOrEventID, store.ErrNotFound)
	}
	if err != nil {
		return m, wrapErr("get message", err)
	}
	return m, nil
}

// MessageList pages an app's messages by ID, newest first by default.
func (s *Store) MessageList(ctx context.Context, p store.MessageListParams) ([]webhook.Message, error) {
	return queryList(ctx, s.r, "list messages", dialect.MessageList(p), dialect.ScanMessage)
}

// MessageExpungeContent drops a message's payload; the message, its
// deliveries and attempts stay.
func (s *Store) MessageExpungeContent(ctx context.Context, appID, msgID string) error {
	return s.write(ctx, "expunge message", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET payload = NULL, headers = NULL WHERE app_id = ? AND id = ?`, appID, msgID)
		if err != nil {
			return wrapErr("expunge message", err)
		}
		return notFoundIfNone("expunge message", res)
	})
}

// expungeAllSQL drops the payloads of the next chunk of an app's messages
// that still have one, after id ?2 in key order.
var expungeAllSQL = fmt.Sprintf(`UPDATE messages SET payload = NULL, headers = NULL
	WHERE id IN (SELECT id FROM messages WHERE app_id = ?1 AND id > ?2 AND payload IS NOT NULL ORDER BY id LIMIT %d)
	RETURNING id`, store.WakeChunk)

// MessageExpungeAll drops the payload of every message of an app,
// store.WakeChunk messages per transaction.
func (s *Store) MessageExpungeAll(ctx context.Context, p store.MessageExpungeAllParams) (int, error) {
	return sqlbuild.Chunked(func(after string) (n int, last string, err error) {
		err = s.write(ctx, "expunge all messages", func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, expungeAllSQL, p.AppID, after)
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
