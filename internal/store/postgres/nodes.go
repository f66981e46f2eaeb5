package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
)

var _ store.NodeRegistry = (*Store)(nil)

// nodeForgetAfter is how long a node that stopped heartbeating stays in
// the table; rows older than that are deleted by the others' heartbeats,
// so nodes that died (and never said NodeLeave) do not pile up.
const nodeForgetAfter = time.Hour

// NodeHeartbeat records p.NodeID as seen at p.Now and counts the nodes
// seen since p.LiveSince, in one round trip.
func (s *Store) NodeHeartbeat(ctx context.Context, p store.NodeHeartbeatParams) (int, error) {
	if p.NodeID == "" {
		return 0, errors.New("node heartbeat: empty node ID")
	}
	if p.LiveSince.After(p.Now) {
		return 0, fmt.Errorf("node heartbeat: live-since %v is after now %v", p.LiveSince, p.Now)
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO nodes (id, last_seen) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET last_seen = GREATEST(nodes.last_seen, excluded.last_seen)`,
		p.NodeID, p.Now.UnixMilli())
	b.Queue(`DELETE FROM nodes WHERE last_seen < $1`, p.Now.Add(-nodeForgetAfter).UnixMilli())
	// A pipelined batch runs as one implicit transaction, and under READ
	// COMMITTED each statement sees the ones before it: the count includes
	// this node.
	var live int
	b.Queue(`SELECT count(*) FROM nodes WHERE last_seen >= $1`, p.LiveSince.UnixMilli()).
		QueryRow(func(r pgx.Row) error { return r.Scan(&live) })
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return 0, wrapErr("node heartbeat", err)
	}
	return live, nil
}

// NodeLeave deletes a node's row; it is not an error if there is none.
func (s *Store) NodeLeave(ctx context.Context, nodeID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM nodes WHERE id = $1`, nodeID); err != nil {
		return wrapErr("node leave", err)
	}
	return nil
}
