package postgres

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

var endpointHealthUpsertSQL = dialect.EndpointHealthUpsert()

// EndpointHealthRecord merges records into endpoint_health in one
// transaction and one round trip (store.Store). The rows are locked in
// endpoint ID order, so two nodes flushing the same endpoints at once
// wait for each other instead of deadlocking.
func (s *Store) EndpointHealthRecord(ctx context.Context, records []webhook.EndpointHealth) error {
	if len(records) == 0 {
		return nil
	}
	sorted := slices.SortedFunc(slices.Values(records), func(a, b webhook.EndpointHealth) int {
		return strings.Compare(a.EndpointID, b.EndpointID)
	})
	return s.write(ctx, "record endpoint health", func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, h := range sorted {
			b.Queue(endpointHealthUpsertSQL, sqlbuild.EndpointHealthArgs(h)...)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return wrapErr("record endpoint health", err)
		}
		return nil
	})
}

// EndpointHealthList reads the health rows of an app's endpoints
// (store.Store).
func (s *Store) EndpointHealthList(ctx context.Context, p store.EndpointHealthListParams) ([]webhook.EndpointHealth, error) {
	if len(p.EndpointIDs) == 0 {
		return nil, nil
	}
	return queryList(ctx, s, "list endpoint health", dialect.EndpointHealthList(p), sqlbuild.ScanEndpointHealth)
}

// EndpointHealthFailing lists the failing endpoints of every app
// (store.Store).
func (s *Store) EndpointHealthFailing(ctx context.Context, p store.EndpointHealthFailingParams) ([]webhook.EndpointHealth, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	return queryList(ctx, s, "list failing endpoints", dialect.EndpointHealthFailing(p), sqlbuild.ScanEndpointHealth)
}

// EndpointDisabledCount counts disabled endpoints up to p.Limit
// (store.Store).
func (s *Store) EndpointDisabledCount(ctx context.Context, p store.EndpointDisabledCountParams) (int, error) {
	if p.Limit <= 0 {
		return 0, nil
	}
	n, err := queryRow(ctx, s, `SELECT count(*) FROM (SELECT 1 FROM endpoints WHERE disabled LIMIT $1) disabled`,
		[]any{p.Limit}, func(sc sqlbuild.Scanner) (int, error) {
			var n int
			return n, sc.Scan(&n)
		})
	if err != nil {
		return 0, wrapErr("count disabled endpoints", err)
	}
	return n, nil
}
