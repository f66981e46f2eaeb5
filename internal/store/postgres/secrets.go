package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

// EndpointSecretsCheck opens one encrypted endpoint, if any, with the
// store's key.
func (s *Store) EndpointSecretsCheck(ctx context.Context) error {
	q := dialect.EndpointSecretsSealedSample()
	c, err := queryRow(ctx, s, q.SQL, q.Args, sqlbuild.ScanEndpointSecrets)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return wrapErr("check endpoint secrets", err)
	}
	return s.secrets.Check(c)
}

// EndpointSecretsSeal encrypts the endpoint secret columns stored in
// plain text. Nodes starting at once may both run it: each column is
// written only if it still holds the plain text read, so they never undo
// each other's (or a rotation's) write. The old row versions keep the
// plain text until VACUUM reclaims them (docs/security.md).
func (s *Store) EndpointSecretsSeal(ctx context.Context, p store.EndpointSecretsSealParams) (int, error) {
	if !s.secrets.HasKey() {
		return 0, nil
	}
	q := dialect.EndpointSecretsPlainCount()
	total, err := queryRow(ctx, s, q.SQL, nil, func(sc sqlbuild.Scanner) (int, error) {
		var n int
		return n, sc.Scan(&n)
	})
	if err != nil {
		return 0, wrapErr("count plain endpoint secrets", err)
	}
	if total == 0 {
		return 0, nil
	}
	return s.secrets.SealPass(
		func(after string) ([]sqlbuild.EndpointSecrets, error) {
			return queryList(ctx, s, "read plain endpoint secrets", dialect.EndpointSecretsPlain(after, store.SealChunk), sqlbuild.ScanEndpointSecrets)
		},
		func(old, sealed []sqlbuild.EndpointSecrets) error {
			return s.write(ctx, "seal endpoint secrets", func(tx pgx.Tx) error {
				for i := range old {
					if q, ok := dialect.EndpointSecretsUpdate(old[i], sealed[i]); ok {
						if _, err := tx.Exec(ctx, q.SQL, q.Args...); err != nil {
							return wrapErr("seal endpoint secrets", err)
						}
					}
				}
				return nil
			})
		},
		func(done int) {
			if p.Progress != nil {
				p.Progress(done, total)
			}
		})
}
