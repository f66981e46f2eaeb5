package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

// DeliveryListByMessage pages a message's deliveries by endpoint ID, each
// with its endpoint.
func (s *Store) DeliveryListByMessage(ctx context.Context, p store.DeliveryListByMessageParams) ([]store.DeliveryWithEndpoint, error) {
	return queryList(ctx, s, "list deliveries by message", dialect.DeliveryListByMessage(p), dialect.ScanDeliveryWithEndpoint(s.secrets))
}

// DeliveryListByEndpoint pages an endpoint's deliveries by message ID, each
// with its message, newest first by default.
func (s *Store) DeliveryListByEndpoint(ctx context.Context, p store.DeliveryListByEndpointParams) ([]store.DeliveryWithMessage, error) {
	return queryList(ctx, s, "list deliveries by endpoint", dialect.DeliveryListByEndpoint(p), dialect.ScanDeliveryWithMessage)
}

// claimSQL leases up to $4 due deliveries in one statement: the CTE picks
// them in due order, locking each with FOR UPDATE SKIP LOCKED so that
// concurrent pollers on any node take disjoint rows without waiting; the
// UPDATE gives each a fresh lease token; the outer SELECT joins their
// messages, payload included. A disabled endpoint's deliveries wait where
// they are. The conditions repeat deliveries_due's "status IN (1, 3)" so
// the partial index serves the scan.
const claimSQL = `WITH due AS (
		SELECT d.msg_id, d.endpoint_id FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
		WHERE d.status IN (1, 3) AND d.next_attempt_at <= $3
			AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= $3) AND NOT e.disabled
		ORDER BY d.next_attempt_at LIMIT $4
		FOR UPDATE OF d SKIP LOCKED
	), claimed AS (
		UPDATE deliveries d SET lease_owner = $1, lease_expires_at = $2, lease_token = d.lease_token + 1
		FROM due WHERE d.msg_id = due.msg_id AND d.endpoint_id = due.endpoint_id
		RETURNING ` + sqlbuild.DeliveryColumns + `, d.lease_token, d.trigger_type
	)
	SELECT d.msg_id, d.endpoint_id, d.app_id, d.status, d.attempts, d.next_attempt_at, d.created_at, d.updated_at,
		d.lease_token, d.trigger_type, ` + `m.id, m.app_id, m.event_type, m.event_id, m.channels, m.payload, m.created_at, m.tags, m.headers
	FROM claimed d JOIN messages m ON m.id = d.msg_id`

// scanClaim scans a delivery, its lease token, the trigger of its next
// attempt and its message.
func scanClaim(sc sqlbuild.Scanner, lease store.Lease) (store.Claim, error) {
	var r sqlbuild.DeliveryRow
	var token int64
	var trigger int32
	m, err := dialect.ScanMessage(sqlbuild.PrefixScanner{Scanner: sc, Prefix: append(r.Dest(), &token, &trigger)})
	if err != nil {
		return store.Claim{}, err
	}
	lease.Token = token
	lease.ExpiresAt = sqlbuild.FromMillis(sqlbuild.Millis(lease.ExpiresAt))
	return store.Claim{Delivery: r.Delivery(), Message: m, Lease: lease, Trigger: webhook.TriggerType(trigger)}, nil
}

// DeliveryClaim leases due deliveries to p.Lease.Owner, each with a fresh
// lease token, and returns them with their messages.
func (s *Store) DeliveryClaim(ctx context.Context, p store.DeliveryClaimParams) ([]store.Claim, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	lease := store.Lease{Owner: p.Lease.Owner, ExpiresAt: p.Lease.ExpiresAt}
	return queryList(ctx, s, "claim deliveries", sqlbuild.Query{SQL: claimSQL, Args: []any{p.Lease.Owner, sqlbuild.Millis(p.Lease.ExpiresAt), sqlbuild.Millis(p.Now), p.Limit}},
		func(sc sqlbuild.Scanner) (store.Claim, error) { return scanClaim(sc, lease) })
}

// insertAttemptSQL keeps an attempt unless its message is gone (the app
// was deleted while the request was in flight): that attempt has nothing
// left to belong to, and failing the batch for it would lose the others.
// A duplicate ID is a retried record of the same attempt.
const insertAttemptSQL = `INSERT INTO attempts (` + sqlbuild.AttemptColumns + `)
	SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::integer, $7::integer, $8::bytea, $9::bigint,
		$10::integer, $11::bigint
	WHERE EXISTS (SELECT 1 FROM messages WHERE id = $2::text)
	ON CONFLICT (id) DO NOTHING`

// recordDeliverySQL applies an outcome only under the current lease token:
// a sender whose lease was taken over (expired, resent) is fenced off. The
// attempt made, the next one (a retry) is a scheduled one.
const recordDeliverySQL = `UPDATE deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2,
	lease_owner = NULL, lease_expires_at = NULL, updated_at = $3, trigger_type = 0
	WHERE msg_id = $4 AND endpoint_id = $5 AND lease_token = $6`

// postponeDeliverySQL moves a leased delivery's next attempt without an
// attempt, under the same fencing as recordDeliverySQL.
const postponeDeliverySQL = `UPDATE deliveries SET next_attempt_at = $1,
	lease_owner = NULL, lease_expires_at = NULL, updated_at = $2
	WHERE msg_id = $3 AND endpoint_id = $4 AND lease_token = $5`

// disableEndpointSQL disables the endpoint only if the outcome was
// applied: recording leaves the token alone, so the delivery still holding
// the outcome's token (in this transaction, which has the row locked)
// means its update went in. A fenced outcome changes nothing but the
// attempt log, the endpoint's state included.
const disableEndpointSQL = `UPDATE endpoints SET disabled = true, updated_at = $1 WHERE id = $2 AND NOT disabled
	AND EXISTS (SELECT 1 FROM deliveries WHERE msg_id = $3 AND endpoint_id = $2 AND lease_token = $4)`

// DeliveryRecordBatch writes outcomes in one transaction and one round
// trip (a pipelined pgx.Batch): every attempt row, and each delivery's new
// state where the outcome's token is still current.
func (s *Store) DeliveryRecordBatch(ctx context.Context, outcomes []store.Outcome) ([]bool, error) {
	_, applied, err := s.WriteBatch(ctx, nil, outcomes)
	return applied, err
}

// recordOutcomes writes outcomes in tx, setting applied[i] for each one
// whose lease token was still current.
func recordOutcomes(ctx context.Context, tx pgx.Tx, outcomes []store.Outcome, applied []bool) error {
	if len(outcomes) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for i := range outcomes {
		o := &outcomes[i]
		a := &o.Attempt
		now := sqlbuild.Millis(a.CreatedAt)
		if o.Postpone {
			next := now
			if o.NextAttemptAt != nil {
				next = sqlbuild.Millis(*o.NextAttemptAt)
			}
			b.Queue(postponeDeliverySQL, next, now, a.MsgID, a.EndpointID, o.Token)
			continue
		}
		b.Queue(insertAttemptSQL, a.ID, a.MsgID, a.EndpointID, a.AppID, a.URL, int(a.Status), a.ResponseStatusCode,
			[]byte(a.Response), a.ResponseDurationMs, int(a.TriggerType), now)
		var next *int64
		if o.Status == webhook.StatusSending || o.Status == webhook.StatusPending {
			// An unfinished delivery must stay due somewhere: without a
			// time it would never be claimed again.
			n := now
			if o.NextAttemptAt != nil {
				n = sqlbuild.Millis(*o.NextAttemptAt)
			}
			next = &n
		}
		b.Queue(recordDeliverySQL, int(o.Status), next, now, a.MsgID, a.EndpointID, o.Token)
		if o.DisableEndpoint {
			b.Queue(disableEndpointSQL, now, a.EndpointID, a.MsgID, o.Token)
		}
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for i := range outcomes {
		if outcomes[i].Postpone {
			tag, err := br.Exec()
			if err != nil {
				return wrapErr("postpone delivery", err)
			}
			applied[i] = tag.RowsAffected() > 0
			continue
		}
		if _, err := br.Exec(); err != nil {
			return wrapErr("insert attempt", err)
		}
		tag, err := br.Exec()
		if err != nil {
			return wrapErr("record outcome", err)
		}
		applied[i] = tag.RowsAffected() > 0
		if outcomes[i].DisableEndpoint {
			if _, err := br.Exec(); err != nil {
				return wrapErr("disable endpoint", err)
			}
		}
	}
	if err := br.Close(); err != nil {
		return wrapErr("record outcomes", err)
	}
	return nil
}

// resendSQL makes the delivery of message $5 to endpoint $6 due now under a
// fresh lease for the caller, as a manual attempt, and returns it with its
// message. Only a delivery that exists is resent: a message never routed
// to the endpoint (filtered out, or sent before the endpoint existed) has
// nothing to send again. A successful delivery keeps its status until the
// resend's outcome is recorded; a failed one is Pending again.
const resendSQL = `WITH r AS (
		UPDATE deliveries d SET
			status = CASE WHEN d.status = 0 THEN 0 ELSE 1 END,
			next_attempt_at = $1, lease_owner = $2, lease_token = d.lease_token + 1, lease_expires_at = $3,
			updated_at = $1, trigger_type = 1
		WHERE d.app_id = $4 AND d.msg_id = $5 AND d.endpoint_id = $6
		RETURNING ` + sqlbuild.DeliveryColumns + `, d.lease_token, d.trigger_type
	)
	SELECT d.msg_id, d.endpoint_id, d.app_id, d.status, d.attempts, d.next_attempt_at, d.created_at, d.updated_at,
		d.lease_token, d.trigger_type, m.id, m.app_id, m.event_type, m.event_id, m.channels, m.payload, m.created_at, m.tags, m.headers
	FROM r d JOIN messages m ON m.id = d.msg_id`

// DeliveryResend leases the delivery of a message to an endpoint to the
// caller, due now, as a manual trigger; store.ErrNotFound if the app has
// no such delivery (no such message or endpoint, or the message was never
// routed to the endpoint).
func (s *Store) DeliveryResend(ctx context.Context, p store.DeliveryResendParams) (store.Claim, error) {
	lease := store.Lease{Owner: p.Lease.Owner, ExpiresAt: p.Lease.ExpiresAt}
	c, err := queryRow(ctx, s, resendSQL,
		[]any{sqlbuild.Millis(p.Now), p.Lease.Owner, sqlbuild.Millis(p.Lease.ExpiresAt), p.AppID, p.MsgID, p.EndpointID},
		func(sc sqlbuild.Scanner) (store.Claim, error) { return scanClaim(sc, lease) })
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("resend %s to %s: %w", p.MsgID, p.EndpointID, store.ErrNotFound)
	}
	if err != nil {
		return c, wrapErr("resend delivery", err)
	}
	return c, nil
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
	err := s.write(ctx, "recover deliveries", func(tx pgx.Tx) error {
		var exists bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM endpoints WHERE app_id = $1 AND id = $2)`,
			p.AppID, p.EndpointID).Scan(&exists)
		if err != nil {
			return wrapErr("recover deliveries", err)
		}
		if !exists {
			return fmt.Errorf("recover deliveries of %q: %w", p.EndpointID, store.ErrNotFound)
		}
		b := sqlbuild.New(dialect)
		now := b.Arg(sqlbuild.Millis(p.Now))
		b.Where("endpoint_id = ?", p.EndpointID)
		b.Where("status = 2")
		b.TimeRange("created_at", p.Since, until)
		tag, err := tx.Exec(ctx, b.SQL(`UPDATE deliveries SET status = 1, next_attempt_at = `+now+`, updated_at = `+now+`, trigger_type = 1`, ""), b.Args()...)
		if err != nil {
			return wrapErr("recover deliveries", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}

// DeliveryReleaseLeases drops the leases held by owner, or every lease for
// an empty owner, so those deliveries are due again at their next attempt
// time. Only unfinished deliveries are touched: a finished one is never
// claimed, so its lease (a resend's, say) holds nothing back. Open never
// calls it: other nodes' leases are live.
func (s *Store) DeliveryReleaseLeases(ctx context.Context, owner string) error {
	b := sqlbuild.New(dialect)
	// Written to match deliveries_due, so only unfinished rows are read.
	b.Where("status IN (1, 3)")
	b.Where("lease_expires_at IS NOT NULL")
	if owner != "" {
		b.Where("lease_owner = ?", owner)
	}
	_, err := s.exec(ctx, b.SQL(`UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL`, ""), b.Args()...)
	if err != nil {
		return wrapErr("release leases", err)
	}
	return nil
}

// DeliveryNextDue returns the earliest next attempt time among unleased,
// unfinished deliveries of enabled endpoints. Disabled endpoints are left
// out to match DeliveryClaim: a poller woken for a delivery it cannot claim
// would spin.
func (s *Store) DeliveryNextDue(ctx context.Context) (time.Time, bool, error) {
	ms, err := queryRow(ctx, s, `SELECT d.next_attempt_at FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
		WHERE d.status IN (1, 3) AND d.next_attempt_at IS NOT NULL AND d.lease_expires_at IS NULL AND NOT e.disabled
		ORDER BY d.next_attempt_at LIMIT 1`, nil, func(sc sqlbuild.Scanner) (int64, error) {
		var ms int64
		return ms, sc.Scan(&ms)
	})
	if errors.Is(err, pgx.ErrNoRows) {
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
	q, args := `SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE status IN (1, 3) LIMIT $1) pending`, []any{p.Limit}
	if !p.DueBy.IsZero() {
		q = `SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE status IN (1, 3)
			AND next_attempt_at <= $2 AND (lease_expires_at IS NULL OR lease_expires_at <= $2) LIMIT $1) due`
		args = append(args, sqlbuild.Millis(p.DueBy))
	}
	n, err := queryRow(ctx, s, q, args, func(sc sqlbuild.Scanner) (int, error) {
		var n int
		return n, sc.Scan(&n)
	})
	if err != nil {
		return 0, wrapErr("count pending deliveries", err)
	}
	return n, nil
}

// wakeSQL makes the next chunk of an endpoint's waiting deliveries, after
// msg_id $3 in key order, due at $1.
var wakeSQL = fmt.Sprintf(`UPDATE deliveries d SET next_attempt_at = $1, updated_at = $1
	FROM (SELECT msg_id FROM deliveries WHERE endpoint_id = $2 AND msg_id > $3
			AND status IN (1, 3) AND lease_owner IS NULL AND next_attempt_at > $1
		ORDER BY msg_id LIMIT %d FOR UPDATE SKIP LOCKED) w
	WHERE d.endpoint_id = $2 AND d.msg_id = w.msg_id
	RETURNING d.msg_id`, store.WakeChunk)

// DeliveryWakeEndpoint makes the endpoint's waiting deliveries due now,
// store.WakeChunk at a time, walking its deliveries in key order. Rows
// another transaction holds are skipped: a node claiming them is about to
// attempt them anyway.
func (s *Store) DeliveryWakeEndpoint(ctx context.Context, endpointID string, now time.Time) (int, error) {
	return sqlbuild.Chunked(func(after string) (n int, last string, err error) {
		err = s.write(ctx, "wake deliveries", func(tx pgx.Tx) error {
			// Set, not added to: write may run this twice.
			rows, err := tx.Query(ctx, wakeSQL, sqlbuild.Millis(now), endpointID, after)
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
	SELECT $1::text, id, app_id, 1, 0, $2::bigint, $3::bigint, $2::bigint, 1 FROM endpoints WHERE id = $4 AND app_id = $5
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
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM endpoints WHERE app_id = $1 AND id = $2)`, ep.AppID, ep.ID).Scan(&exists)
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
		err := s.write(ctx, "replay deliveries", func(tx pgx.Tx) error {
			q := dialect.ReplayCandidates(ep, p.Since, until, after)
			rows, err := tx.Query(ctx, q.SQL, q.Args...)
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
				tag, err := tx.Exec(ctx, replayInsertSQL, c.ID, now, c.CreatedAt, ep.ID, ep.AppID)
				if err != nil {
					return wrapErr("replay delivery "+c.ID, err)
				}
				made += int(tag.RowsAffected())
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
