package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

// DeliveryListByMessage pages a message's deliveries by endpoint ID, each
// with its endpoint.
func (s *Store) DeliveryListByMessage(ctx context.Context, p store.DeliveryListByMessageParams) ([]store.DeliveryWithEndpoint, error) {
	return queryList(ctx, s.r, "list deliveries by message", dialect.DeliveryListByMessage(p), dialect.ScanDeliveryWithEndpoint(s.secrets))
}

// DeliveryListByEndpoint pages an endpoint's deliveries by message ID, each
// with its message, newest first by default.
func (s *Store) DeliveryListByEndpoint(ctx context.Context, p store.DeliveryListByEndpointParams) ([]store.DeliveryWithMessage, error) {
	return queryList(ctx, s.r, "list deliveries by endpoint", dialect.DeliveryListByEndpoint(p), dialect.ScanDeliveryWithMessage)
}

// claimSQL leases up to %d due deliveries in one statement. The inner
// SELECT walks deliveries_due in due order; its conditions repeat the
// index's "status IN (1, 3)" word for word so SQLite uses the partial
// index. A disabled endpoint's deliveries wait where they are.
//
// The limit is a literal, not a parameter: SQLite re-prepares a statement
// whose subquery LIMIT is a bound parameter every time it is rebound
// (measured: 7% of a claim's CPU), so each limit gets its own statement.
const claimSQL = `UPDATE deliveries SET lease_owner = ?1, lease_expires_at = ?2, lease_token = lease_token + 1
	WHERE (msg_id, endpoint_id) IN (
		SELECT d.msg_id, d.endpoint_id FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
		WHERE d.status IN (1, 3) AND d.next_attempt_at <= ?3
			AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= ?3) AND e.disabled = 0
		ORDER BY d.next_attempt_at LIMIT %d)
	RETURNING msg_id, endpoint_id, app_id, status, attempts, next_attempt_at, created_at, updated_at, lease_token, trigger_type`

// maxClaimStmts bounds the prepared claim statements: pollers use one or
// two limits, and an odd limit can go unprepared.
const maxClaimStmts = 8

// claimStmt returns the prepared claim statement for limit, preparing it
// on first use. The caller closes it when cached is false.
func (s *Store) claimStmt(ctx context.Context, limit int) (st *sql.Stmt, cached bool, err error) {
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	if st, ok := s.claimStmts[limit]; ok {
		return st, true, nil
	}
	st, err = s.w.PrepareContext(ctx, fmt.Sprintf(claimSQL, limit))
	if err != nil {
		return nil, false, wrapErr("prepare claim", err)
	}
	if len(s.claimStmts) >= maxClaimStmts {
		return st, false, nil
	}
	if s.claimStmts == nil {
		s.claimStmts = make(map[int]*sql.Stmt)
	}
	s.claimStmts[limit] = st
	return st, true, nil
}

// claimMessagesSQL reads the claimed deliveries' messages in one query:
// the IDs come as a JSON array, so one prepared statement serves any count.
const claimMessagesSQL = `SELECT ` + sqlbuild.MessageColumns + ` FROM messages WHERE id IN (SELECT value FROM json_each(?))`

// DeliveryClaim leases due deliveries to p.Lease.Owner, each with a fresh
// lease token, and returns them with their messages.
func (s *Store) DeliveryClaim(ctx context.Context, p store.DeliveryClaimParams) ([]store.Claim, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	stmt, cached, err := s.claimStmt(ctx, p.Limit)
	if err != nil {
		return nil, err
	}
	if !cached {
		defer stmt.Close()
	}
	var claims []store.Claim
	err = s.write(ctx, "claim deliveries", func(tx *sql.Tx) error {
		claims = claims[:0]
		rows, err := tx.StmtContext(ctx, stmt).QueryContext(ctx,
			p.Lease.Owner, sqlbuild.Millis(p.Lease.ExpiresAt), sqlbuild.Millis(p.Now))
		if err != nil {
			return wrapErr("claim deliveries", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r sqlbuild.DeliveryRow
			var token, trigger int64
			if err := rows.Scan(append(r.Dest(), &token, &trigger)...); err != nil {
				return wrapErr("claim deliveries", err)
			}
			claims = append(claims, store.Claim{
				Delivery: r.Delivery(),
				Lease:    store.Lease{Owner: p.Lease.Owner, Token: token, ExpiresAt: sqlbuild.FromMillis(sqlbuild.Millis(p.Lease.ExpiresAt))},
				Trigger:  webhook.TriggerType(trigger),
			})
		}
		if err := rows.Err(); err != nil {
			return wrapErr("claim deliveries", err)
		}
		return nil
	})
	if err != nil || len(claims) == 0 {
		return nil, err
	}
	// The messages are read after the commit, on a reader: the claim holds
	// the one writer for its UPDATE only, not for the payload reads, and a
	// message never changes but to lose its content or be deleted.
	if err := s.attachMessages(ctx, s.stmts.claimMessagesRead, claims); err != nil {
		return nil, err
	}
	// A message deleted (with its app) since the claim took its deliveries
	// along: nothing is left to send.
	return slices.DeleteFunc(claims, func(c store.Claim) bool { return c.Message.ID == "" }), nil
}

// attachMessages fills in each claim's message, payload included, with
// query, a claimMessagesSQL statement.
func (s *Store) attachMessages(ctx context.Context, query *sql.Stmt, claims []store.Claim) error {
	ids := make([]string, 0, len(claims))
	for _, c := range claims {
		ids = append(ids, c.Delivery.MsgID)
	}
	arr, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("claim messages: %w", err)
	}
	rows, err := query.QueryContext(ctx, string(arr))
	if err != nil {
		return wrapErr("claim messages", err)
	}
	defer rows.Close()
	msgs := make(map[string]webhook.Message, len(claims))
	for rows.Next() {
		m, err := dialect.ScanMessage(rows)
		if err != nil {
			return wrapErr("claim messages", err)
		}
		msgs[m.ID] = m
	}
	if err := rows.Err(); err != nil {
		return wrapErr("claim messages", err)
	}
	for i := range claims {
		claims[i].Message = msgs[claims[i].Delivery.MsgID]
	}
	return nil
}

// recordDeliverySQL applies an outcome only under the current lease token:
// a sender whose lease was taken over (expired, resent) is fenced off. The
// attempt made, the next one (a retry) is a scheduled one.
const recordDeliverySQL = `UPDATE deliveries SET status = ?1, attempts = attempts + 1, next_attempt_at = ?2,
	lease_owner = NULL, lease_expires_at = NULL, updated_at = ?3, trigger_type = 0
	WHERE msg_id = ?4 AND endpoint_id = ?5 AND lease_token = ?6`

// postponeDeliverySQL moves a leased delivery's next attempt without an
// attempt, under the same fencing as recordDeliverySQL.
const postponeDeliverySQL = `UPDATE deliveries SET next_attempt_at = ?1,
	lease_owner = NULL, lease_expires_at = NULL, updated_at = ?2
	WHERE msg_id = ?3 AND endpoint_id = ?4 AND lease_token = ?5`

const disableEndpointSQL = `UPDATE endpoints SET disabled = 1, updated_at = ?1 WHERE id = ?2 AND disabled = 0`

// DeliveryRecordBatch writes outcomes in one transaction: every attempt
// row, and each delivery's new state where the outcome's token is still
// current.
func (s *Store) DeliveryRecordBatch(ctx context.Context, outcomes []store.Outcome) ([]bool, error) {
	_, applied, err := s.WriteBatch(ctx, nil, outcomes)
	return applied, err
}

// recordOutcomes writes outcomes in tx, setting applied[i] for each one
// whose lease token was still current.
func (s *Store) recordOutcomes(ctx context.Context, tx *sql.Tx, outcomes []store.Outcome, applied []bool) error {
	if len(outcomes) == 0 {
		return nil
	}
	insert := tx.StmtContext(ctx, s.stmts.insertAttempt)
	update := tx.StmtContext(ctx, s.stmts.recordDelivery)
	var disable, postpone *sql.Stmt
	for i := range outcomes {
		o := &outcomes[i]
		a := &o.Attempt
		now := sqlbuild.Millis(a.CreatedAt)
		if o.Postpone {
			if postpone == nil {
				postpone = tx.StmtContext(ctx, s.stmts.postpone)
			}
			next := now
			if o.NextAttemptAt != nil {
				next = sqlbuild.Millis(*o.NextAttemptAt)
			}
			res, err := postpone.ExecContext(ctx, next, now, a.MsgID, a.EndpointID, o.Token)
			if err != nil {
				return wrapErr("postpone delivery", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return wrapErr("postpone delivery", err)
			}
			applied[i] = n > 0
			continue
		}
		if err := execAttempt(ctx, insert, a); err != nil {
			return err
		}
		var next sql.NullInt64
		if o.Status == webhook.StatusSending || o.Status == webhook.StatusPending {
			// An unfinished delivery must stay due somewhere: without a
			// time it would never be claimed again.
			next = sql.NullInt64{Int64: now, Valid: true}
			if o.NextAttemptAt != nil {
				next.Int64 = sqlbuild.Millis(*o.NextAttemptAt)
			}
		}
		res, err := update.ExecContext(ctx, int(o.Status), next, now, a.MsgID, a.EndpointID, o.Token)
		if err != nil {
			return wrapErr("record outcome", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return wrapErr("record outcome", err)
		}
		applied[i] = n > 0
		// A fenced outcome changes nothing but the attempt log, the
		// endpoint's state included.
		if applied[i] && o.DisableEndpoint {
			if disable == nil {
				disable = tx.StmtContext(ctx, s.stmts.disableEP)
			}
			if _, err := disable.ExecContext(ctx, now, a.EndpointID); err != nil {
				return wrapErr("disable endpoint", err)
			}
		}
	}
	return nil
}

// resendSQL makes the delivery of message ?5 to endpoint ?6 due now under a
// fresh lease for the caller, as a manual attempt. Only a delivery that
// exists is resent: a message never routed to the endpoint (filtered out,
// or sent before the endpoint existed) has nothing to send again. A
// successful delivery keeps its status until the resend's outcome is
// recorded; a failed one is Pending again.
const resendSQL = `UPDATE deliveries SET
		status = CASE WHEN status = 0 THEN 0 ELSE 1 END,
		next_attempt_at = ?1, lease_owner = ?2, lease_token = lease_token + 1, lease_expires_at = ?3,
		updated_at = ?1, trigger_type = 1
	WHERE app_id = ?4 AND msg_id = ?5 AND endpoint_id = ?6
	RETURNING msg_id, endpoint_id, app_id, status, attempts, next_attempt_at, created_at, updated_at, lease_token`

// DeliveryResend leases the delivery of a message to an endpoint to the
// caller, due now, as a manual trigger; store.ErrNotFound if the app has
// no such delivery (no such message or endpoint, or the message was never
// routed to the endpoint).
func (s *Store) DeliveryResend(ctx context.Context, p store.DeliveryResendParams) (store.Claim, error) {
	var c store.Claim
	err := s.write(ctx, "resend delivery", func(tx *sql.Tx) error {
		var r sqlbuild.DeliveryRow
		var token int64
		err := tx.QueryRowContext(ctx, resendSQL, sqlbuild.Millis(p.Now), p.Lease.Owner, sqlbuild.Millis(p.Lease.ExpiresAt),
			p.AppID, p.MsgID, p.EndpointID).Scan(append(r.Dest(), &token)...)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("resend %s to %s: %w", p.MsgID, p.EndpointID, store.ErrNotFound)
		}
		if err != nil {
			return wrapErr("resend delivery", err)
		}
		c = store.Claim{
			Delivery: r.Delivery(),
			Lease:    store.Lease{Owner: p.Lease.Owner, Token: token, ExpiresAt: sqlbuild.FromMillis(sqlbuild.Millis(p.Lease.ExpiresAt))},
			Trigger:  webhook.TriggerManual,
		}
		claims := []store.Claim{c}
		// In the transaction: deliveries cascade with their message, so it
		// is there.
		if err := s.attachMessages(ctx, tx.StmtContext(ctx, s.stmts.claimMessages), claims); err != nil {
			return err
		}
		c = claims[0]
		return nil
	})
	return c, err
}

// DeliveryRecover makes an endpoint's failed deliveries created in
// [Since, Until) Pending and due now, their next attempt a manual one.
// Their attempt counts stay: they are history, and the engine decides what
// a recovered delivery's schedule is.
func (s *Store) DeliveryRecover(ctx context.Context, p store.DeliveryRecoverParams) (int, error) {
	until := p.Until
	if until.IsZero() {
		until = p.Now
	}
	var n int64
	err := s.write(ctx, "recover deliveries", func(tx *sql.Tx) error {
		var exists bool
		err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM endpoints WHERE app_id = ? AND id = ?)`,
			p.AppID, p.EndpointID).Scan(&exists)
		if err != nil {
			return wrapErr("recover deliveries", err)
		}
		if !exists {
			return fmt.Errorf("recover deliveries of %q: %w", p.EndpointID, store.ErrNotFound)
		}
		b := sqlbuild.New(dialect)
		b.Where("endpoint_id = ?", p.EndpointID)
		b.Where("status = 2")
		b.TimeRange("created_at", p.Since, until)
		now := sqlbuild.Millis(p.Now)
		res, err := tx.ExecContext(ctx, b.SQL(`UPDATE deliveries SET status = 1, next_attempt_at = ?, updated_at = ?, trigger_type = 1`, ""),
			append([]any{now, now}, b.Args()...)...)
		if err != nil {
			return wrapErr("recover deliveries", err)
		}
		n, err = res.RowsAffected()
		if err != nil {
			return wrapErr("recover deliveries", err)
		}
		return nil
	})
	return int(n), err
}

// DeliveryReleaseLeases drops the leases held by owner, or every lease for
// an empty owner, so those deliveries are due again at their next attempt
// time. Only unfinished deliveries are touched: a finished one is never
// claimed, so its lease (a resend's, say) holds nothing back.
func (s *Store) DeliveryReleaseLeases(ctx context.Context, owner string) error {
	_, err := s.releaseLeases(ctx, owner)
	return err
}

func (s *Store) releaseLeases(ctx context.Context, owner string) (int64, error) {
	b := sqlbuild.New(dialect)
	// Written to match deliveries_due, so only unfinished rows are read.
	b.Where("status IN (1, 3)")
	b.Where("lease_expires_at IS NOT NULL")
	if owner != "" {
		b.Where("lease_owner = ?", owner)
	}
	var n int64
	err := s.write(ctx, "release leases", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, b.SQL(`UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL`, ""), b.Args()...)
		if err != nil {
			return wrapErr("release leases", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// DeliveryNextDue returns the earliest next attempt time among unleased,
// unfinished deliveries of enabled endpoints. Disabled endpoints are left
// out to match DeliveryClaim: a poller woken for a delivery it cannot claim
// would spin.
func (s *Store) DeliveryNextDue(ctx context.Context) (time.Time, bool, error) {
	var ms int64
	err := s.r.QueryRowContext(ctx, `SELECT d.next_attempt_at FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
		WHERE d.status IN (1, 3) AND d.next_attempt_at IS NOT NULL AND d.lease_expires_at IS NULL AND e.disabled = 0
		ORDER BY d.next_attempt_at LIMIT 1`).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, wrapErr("next due delivery", err)
	}
	return sqlbuild.FromMillis(ms), true, nil
}

// DeliveryPendingCount counts unfinished deliveries up to p.Limit
// (store.Store). The inner LIMIT stops the scan of the partial index
// deliveries_due (status IN (1, 3)) there.
func (s *Store) DeliveryPendingCount(ctx context.Context, p store.DeliveryPendingCountParams) (int, error) {
	if p.Limit <= 0 {
		return 0, nil
	}
	var n int
	var err error
	if p.DueBy.IsZero() {
		err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE status IN (1, 3) LIMIT ?1)`, p.Limit).Scan(&n)
	} else {
		err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE status IN (1, 3)
			AND next_attempt_at <= ?2 AND (lease_expires_at IS NULL OR lease_expires_at <= ?2) LIMIT ?1)`,
			p.Limit, sqlbuild.Millis(p.DueBy)).Scan(&n)
	}
	if err != nil {
		return 0, wrapErr("count pending deliveries", err)
	}
	return n, nil
}

// wakeSQL makes the next chunk of an endpoint's waiting deliveries, after
// msg_id ?3 in key order, due at ?1.
var wakeSQL = fmt.Sprintf(`UPDATE deliveries SET next_attempt_at = ?1, updated_at = ?1
	WHERE endpoint_id = ?2 AND msg_id IN (
		SELECT msg_id FROM deliveries WHERE endpoint_id = ?2 AND msg_id > ?3
			AND status IN (1, 3) AND lease_owner IS NULL AND next_attempt_at > ?1
		ORDER BY msg_id LIMIT %d)
	RETURNING msg_id`, store.WakeChunk)

// DeliveryWakeEndpoint makes the endpoint's waiting deliveries due now,
// store.WakeChunk at a time, walking its deliveries in key order.
func (s *Store) DeliveryWakeEndpoint(ctx context.Context, endpointID string, now time.Time) (int, error) {
	return sqlbuild.Chunked(func(after string) (n int, last string, err error) {
		err = s.write(ctx, "wake deliveries", func(tx *sql.Tx) error {
			// Set, not added to: write may run this twice.
			rows, err := tx.QueryContext(ctx, wakeSQL, sqlbuild.Millis(now), endpointID, after)
			if err != nil {
				return wrapErr("wake deliveries", err)
			}
			defer rows.Close()
			if n, last, err = sqlbuild.ScanKeys(rows, after); err != nil {
				return wrapErr("wake deliveries", err)
			}
			return nil
		})
		return n, last, err
	})
}

// replayInsertSQL gives an endpoint a delivery of one message, due now as
// a manual trigger, unless it has one already; selecting from endpoints
// makes a deleted endpoint insert nothing.
const replayInsertSQL = `INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, attempts,
	next_attempt_at, created_at, updated_at, trigger_type)
	SELECT ?1, id, app_id, 1, 0, ?2, ?3, ?2, 1 FROM endpoints WHERE id = ?4 AND app_id = ?5
	ON CONFLICT (msg_id, endpoint_id) DO NOTHING`

// DeliveryReplay gives the endpoint the deliveries it lacks of its app's
// messages in a window, a chunk of messages per transaction.
func (s *Store) DeliveryReplay(ctx context.Context, p store.DeliveryReplayParams) (int, error) {
	until := p.Until
	if until.IsZero() {
		until = p.Now
	}
	ep := p.Endpoint
	var exists bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM endpoints WHERE app_id = ? AND id = ?)`, ep.AppID, ep.ID).Scan(&exists)
	if err != nil {
		return 0, wrapErr("replay deliveries", err)
	}
	if !exists {
		return 0, fmt.Errorf("replay deliveries to %q: %w", ep.ID, store.ErrNotFound)
	}
	total, after := 0, ""
	for {
		var read, made int
		var last string
		err := s.write(ctx, "replay deliveries", func(tx *sql.Tx) error {
			q := dialect.ReplayCandidates(ep, p.Since, until, after)
			rows, err := tx.QueryContext(ctx, q.SQL, q.Args...)
			if err != nil {
				return wrapErr("replay deliveries", err)
			}
			cands, err := sqlbuild.Collect(rows, false, dialect.ScanReplayCandidate)
			rows.Close()
			if err != nil {
				return wrapErr("replay deliveries", err)
			}
			read, made = len(cands), 0
			now := sqlbuild.Millis(p.Now)
			for _, c := range cands {
				last = c.ID
				if !ep.Receives(c.EventType, c.Channels) {
					continue
				}
				res, err := tx.ExecContext(ctx, replayInsertSQL, c.ID, now, c.CreatedAt, ep.ID, ep.AppID)
				if err != nil {
					return wrapErr("replay delivery "+c.ID, err)
				}
				if n, _ := res.RowsAffected(); n > 0 {
					made++
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total, after = total+made, last
		if read < sqlbuild.ReplayChunk {
			return total, nil
		}
	}
}
