package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

// EndpointSecretsCheck opens one encrypted endpoint, if any, with the
// store's key.
func (s *Store) EndpointSecretsCheck(ctx context.Context) error {
	q := dialect.EndpointSecretsSealedSample()
	c, err := sqlbuild.ScanEndpointSecrets(s.r.QueryRowContext(ctx, q.SQL, q.Args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return wrapErr("check endpoint secrets", err)
	}
	return s.secrets.Check(c)
}

// EndpointSecretsSeal encrypts the endpoint secret columns stored in
// plain text.
//
// The plain text must not stay in the file: secure_delete makes SQLite
// overwrite the cells the updates free with zeros, and the checkpoint at
// the end truncates the WAL, which held earlier pages with the plain
// values. Pages freed before encryption was turned on (a rotated-out
// secret, a deleted endpoint) are only rewritten by VACUUM, which
// docs/security.md tells the operator to run once.
func (s *Store) EndpointSecretsSeal(ctx context.Context, p store.EndpointSecretsSealParams) (int, error) {
	if !s.secrets.HasKey() {
		return 0, nil
	}
	var total int
	q := dialect.EndpointSecretsPlainCount()
	if err := s.r.QueryRowContext(ctx, q.SQL).Scan(&total); err != nil {
		return 0, wrapErr("count plain endpoint secrets", err)
	}
	if total == 0 {
		return 0, nil
	}
	// The writer is one connection, so the pragma holds for the pass.
	if _, err := s.w.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return 0, wrapErr("seal endpoint secrets", err)
	}
	defer s.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = OFF`)
	n, err := s.secrets.SealPass(
		func(after string) ([]sqlbuild.EndpointSecrets, error) {
			return queryList(ctx, s.r, "read plain endpoint secrets", dialect.EndpointSecretsPlain(after, store.SealChunk), sqlbuild.ScanEndpointSecrets)
		},
		func(old, sealed []sqlbuild.EndpointSecrets) error {
			return s.write(ctx, "seal endpoint secrets", func(tx *sql.Tx) error {
				for i := range old {
					if q, ok := dialect.EndpointSecretsUpdate(old[i], sealed[i]); ok {
						if _, err := tx.ExecContext(ctx, q.SQL, q.Args...); err != nil {
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
	if err != nil {
		return n, err
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return n, wrapErr("checkpoint after sealing endpoint secrets", err)
	}
	return n, nil
}
