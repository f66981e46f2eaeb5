package sqlite

import (
	"context"
	"database/sql"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

var endpointHealthUpsertSQL = dialect.EndpointHealthUpsert()

// EndpointHealthRecord merges records into endpoint_health in one
// transaction (store.Store).
func (s *Store) EndpointHealthRecord(ctx context.Context, records []webhook.EndpointHealth) error {
	if len(records) == 0 {
		return nil
	}
	return s.write(ctx, "record endpoint health", func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, endpointHealthUpsertSQL)
		if err != nil {
			return wrapErr("record endpoint health", err)
		}
		defer stmt.Close()
		for _, h := range records {
			if _, err := stmt.ExecContext(ctx, sqlbuild.EndpointHealthArgs(h)...); err != nil {
				return wrapErr("record endpoint health", err)
			}
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
	return queryList(ctx, s.r, "list endpoint health", dialect.EndpointHealthList(p), sqlbuild.ScanEndpointHealth)
}

// EndpointHealthFailing lists the failing endpoints of every app
// (store.Store).
func (s *Store) EndpointHealthFailing(ctx context.Context, p store.EndpointHealthFailingParams) ([]webhook.EndpointHealth, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	return queryList(ctx, s.r, "list failing endpoints", dialect.EndpointHealthFailing(p), sqlbuild.ScanEndpointHealth)
}

// EndpointDisabledCount counts disabled endpoints up to p.Limit
// (store.Store).
func (s *Store) EndpointDisabledCount(ctx context.Context, p store.EndpointDisabledCountParams) (int, error) {
	if p.Limit <= 0 {
		return 0, nil
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM endpoints WHERE disabled <> 0 LIMIT ?1)`, p.Limit).Scan(&n)
	if err != nil {
		return 0, wrapErr("count disabled endpoints", err)
	}
	return n, nil
}
