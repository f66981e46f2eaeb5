package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

// purgeScanSQL reads the next messages older than the cutoff after $1, in
// key order, locking them: the ID range (webhook.BoundaryID of the cutoff)
// keeps the scan on the primary key, and created_at guards an ID that does
// not tell its time (an imported one). unfinished marks those a pending or
// retrying delivery keeps.
const purgeScanSQL = `SELECT m.id, EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND d.status IN (1, 3))
	FROM messages m WHERE m.id > $1 AND m.id < $2 AND m.created_at < $3 ORDER BY m.id LIMIT $4
	FOR UPDATE OF m SKIP LOCKED`

// purgeBodiesSQL expunges the old attempt bodies of the messages a purge
// keeps for their unfinished deliveries.
const purgeBodiesSQL = `UPDATE attempts SET response = $1
	WHERE msg_id = ANY($2::text[]) AND created_at < $3 AND response <> $1`

// purgeDeleteSQL deletes the messages named, checking again that none of
// their deliveries became unfinished since the scan (a resend, on another
// node); their deliveries and attempts go with them (ON DELETE CASCADE).
const purgeDeleteSQL = `DELETE FROM messages m WHERE m.id = ANY($1::text[])
	AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND d.status IN (1, 3))`

// MessagePurge deletes one step's messages past the retention; see
// store.Store.
func (s *Store) MessagePurge(ctx context.Context, p store.MessagePurgeParams) (deleted int, last string, err error) {
	err = s.write(ctx, "purge messages", func(tx pgx.Tx) error {
		deleted, last = 0, ""
		rows, err := tx.Query(ctx, purgeScanSQL, p.After,
			webhook.BoundaryID(webhook.PrefixMessage, p.Before), sqlbuild.Millis(p.Before), p.Limit)
		if err != nil {
			return wrapErr("purge messages", err)
		}
		var ids, kept []string
		scanned := 0
		for rows.Next() {
			var id string
			var unfinished bool
			if err := rows.Scan(&id, &unfinished); err != nil {
				rows.Close()
				return wrapErr("purge messages", err)
			}
			scanned++
			last = id
			if unfinished {
				kept = append(kept, id)
			} else {
				ids = append(ids, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrapErr("purge messages", err)
		}
		if len(kept) > 0 {
			if _, err := tx.Exec(ctx, purgeBodiesSQL, webhook.ExpungedResponse, kept, sqlbuild.Millis(p.Before)); err != nil {
				return wrapErr("purge messages: attempt bodies", err)
			}
		}
		if scanned < p.Limit {
			last = ""
		}
		if len(ids) == 0 {
			return nil
		}
		tag, err := tx.Exec(ctx, purgeDeleteSQL, ids)
		if err != nil {
			return wrapErr("purge messages", err)
		}
		deleted = int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return 0, "", err
	}
	return deleted, last, nil
}

// payloadExpireSQL drops the payloads whose retention ended, as
// MessageExpungeContent does, through the partial index of those that
// have one; a message still being delivered keeps its payload.
const payloadExpireSQL = `UPDATE messages m SET payload = NULL, headers = NULL, payload_expires_at = NULL
	FROM (SELECT x.id FROM messages x WHERE x.payload_expires_at IS NOT NULL AND x.payload_expires_at <= $1
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = x.id AND d.status IN (1, 3))
		ORDER BY x.payload_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED) e
	WHERE m.id = e.id`

// MessagePayloadExpire drops the payloads past their message's own
// retention; see store.Store.
func (s *Store) MessagePayloadExpire(ctx context.Context, p store.MessagePayloadExpireParams) (int, error) {
	tag, err := s.exec(ctx, payloadExpireSQL, sqlbuild.Millis(p.Now), p.Limit)
	if err != nil {
		return 0, wrapErr("expire payloads", err)
	}
	return int(tag.RowsAffected()), nil
}
