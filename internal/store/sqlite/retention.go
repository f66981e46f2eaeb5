package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

// purgeScanSQL reads the next messages older than the cutoff after ?1, in
// key order: the ID range (webhook.BoundaryID of the cutoff) keeps the
// scan on the primary key, and created_at guards an ID that does not tell
// its time (an imported one). unfinished marks those a pending or retrying
// delivery keeps.
const purgeScanSQL = `SELECT m.id, EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND d.status IN (1, 3))
	FROM messages m WHERE m.id > ?1 AND m.id < ?2 AND m.created_at < ?3 ORDER BY m.id LIMIT ?4`

// purgeBodiesSQL expunges the old attempt bodies of the messages a purge
// keeps for their unfinished deliveries.
const purgeBodiesSQL = `UPDATE attempts SET response = ?1
	WHERE msg_id IN (SELECT value FROM json_each(?2)) AND created_at < ?3 AND response != ?1`

// purgeDeleteSQL deletes the messages named by a JSON array; their
// deliveries and attempts go with them (ON DELETE CASCADE).
const purgeDeleteSQL = `DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?))`

// MessagePurge deletes one step's messages past the retention; see
// store.Store. The scan and the delete are one write transaction: no
// delivery can become unfinished between them, SQLite having one writer.
func (s *Store) MessagePurge(ctx context.Context, p store.MessagePurgeParams) (deleted int, last string, err error) {
	err = s.write(ctx, "purge messages", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, purgeScanSQL, p.After,
			webhook.BoundaryID(webhook.PrefixMessage, p.Before), sqlbuild.Millis(p.Before), p.Limit)
		if err != nil {
			return wrapErr("purge messages", err)
		}
		defer rows.Close()
		var ids, kept []string
		scanned := 0
		for rows.Next() {
			var id string
			var unfinished bool
			if err := rows.Scan(&id, &unfinished); err != nil {
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
		if err := rows.Err(); err != nil {
			return wrapErr("purge messages", err)
		}
		rows.Close()
		if len(kept) > 0 {
			list, err := json.Marshal(kept)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, purgeBodiesSQL, webhook.ExpungedResponse, string(list), sqlbuild.Millis(p.Before)); err != nil {
				return wrapErr("purge messages: attempt bodies", err)
			}
		}
		if scanned < p.Limit {
			last = ""
		}
		if len(ids) == 0 {
			return nil
		}
		list, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, purgeDeleteSQL, string(list))
		if err != nil {
			return wrapErr("purge messages", err)
		}
		n, _ := res.RowsAffected() // SQLite's changes() never fails
		deleted = int(n)
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
const payloadExpireSQL = `UPDATE messages SET payload = NULL, headers = NULL, payload_expires_at = NULL
	WHERE id IN (SELECT m.id FROM messages m WHERE m.payload_expires_at IS NOT NULL AND m.payload_expires_at <= ?1
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND d.status IN (1, 3))
		ORDER BY m.payload_expires_at LIMIT ?2)`

// MessagePayloadExpire drops the payloads past their message's own
// retention; see store.Store.
func (s *Store) MessagePayloadExpire(ctx context.Context, p store.MessagePayloadExpireParams) (int, error) {
	var n int64
	err := s.write(ctx, "expire payloads", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, payloadExpireSQL, sqlbuild.Millis(p.Now), p.Limit)
		if err != nil {
			return wrapErr("expire payloads", err)
		}
		n, _ = res.RowsAffected() // SQLite's changes() never fails
		return nil
	})
	return int(n), err
}
