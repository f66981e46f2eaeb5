package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

var insertInboundRequestSQL = dialect.InboundRequestInsert()

// SourceCreate stores a source, its secret sealed.
func (s *Store) SourceCreate(ctx context.Context, src inbound.Source) error {
	args, err := s.secrets.SourceArgs(src)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, dialect.SourceInsert(), args...)
	switch {
	case isUnique(err):
		return fmt.Errorf("insert source %s: %w", src.ID, store.ErrConflict)
	case err != nil:
		return wrapErr("insert source", err)
	}
	return nil
}

// SourceGet returns a source by ID.
func (s *Store) SourceGet(ctx context.Context, id string) (inbound.Source, error) {
	return s.sourceWhere(ctx, "get source", `id = $1`, id)
}

// SourceGetByTokenHash finds a source by its token's hash.
func (s *Store) SourceGetByTokenHash(ctx context.Context, hash []byte) (inbound.Source, error) {
	return s.sourceWhere(ctx, "get source by token", `token_hash = $1`, hash)
}

func (s *Store) sourceWhere(ctx context.Context, op, cond string, arg any) (inbound.Source, error) {
	src, err := queryRow(ctx, s, `SELECT `+sqlbuild.SourceColumns+` FROM sources WHERE `+cond, []any{arg}, s.secrets.ScanSource)
	if errors.Is(err, pgx.ErrNoRows) {
		return src, fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	if err != nil {
		return src, wrapErr(op, err)
	}
	return src, nil
}

// SourceList pages the sources by ID.
func (s *Store) SourceList(ctx context.Context, p store.SourceListParams) ([]inbound.Source, error) {
	return queryList(ctx, s, "list sources", dialect.SourceList(p), s.secrets.ScanSource)
}

// SourceUpdate writes a source's settings.
func (s *Store) SourceUpdate(ctx context.Context, src inbound.Source) error {
	args, err := s.secrets.SourceArgs(src)
	if err != nil {
		return err
	}
	q := dialect.SourceUpdate(args)
	tag, err := s.exec(ctx, q.SQL, q.Args...)
	if err != nil {
		return wrapErr("update source", err)
	}
	return notFoundIfNone("update source", tag)
}

// SourceTokenSet replaces a source's token hash.
func (s *Store) SourceTokenSet(ctx context.Context, p store.SourceTokenSetParams) error {
	tag, err := s.exec(ctx, `UPDATE sources SET token_hash = $1, updated_at = $2 WHERE id = $3`,
		p.Hash, sqlbuild.Millis(p.UpdatedAt), p.ID)
	switch {
	case isUnique(err):
		return fmt.Errorf("set source token: %w", store.ErrConflict)
	case err != nil:
		return wrapErr("set source token", err)
	}
	return notFoundIfNone("set source token", tag)
}

// SourceDelete deletes a source; its requests go with it (ON DELETE
// CASCADE).
func (s *Store) SourceDelete(ctx context.Context, id string) error {
	tag, err := s.exec(ctx, `DELETE FROM sources WHERE id = $1`, id)
	if err != nil {
		return wrapErr("delete source", err)
	}
	return notFoundIfNone("delete source", tag)
}

// InboundRequestCreate stores one received request alone.
func (s *Store) InboundRequestCreate(ctx context.Context, req inbound.Request) error {
	_, err := s.exec(ctx, insertInboundRequestSQL, sqlbuild.InboundRequestArgs(&req)...)
	return inboundRequestErr(&req, err)
}

// inboundRequestErr classifies the error of req's insert.
func inboundRequestErr(req *inbound.Request, err error) error {
	switch {
	case err == nil:
		return nil
	case isUnique(err):
		return sqlbuild.InboundRequestConflict(req)
	case isForeignKey(err):
		return sqlbuild.InboundRequestSourceGone(req)
	}
	return wrapErr("insert inbound request "+req.ID, err)
}

// InboundRequestGet returns one request of a source.
func (s *Store) InboundRequestGet(ctx context.Context, sourceID, id string) (inbound.Request, error) {
	q := dialect.InboundRequestGet(sourceID, id)
	req, err := queryRow(ctx, s, q.SQL, q.Args, sqlbuild.ScanInboundRequest)
	if errors.Is(err, pgx.ErrNoRows) {
		return req, fmt.Errorf("get inbound request %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return req, wrapErr("get inbound request", err)
	}
	return req, nil
}

// InboundRequestList pages a source's requests by ID.
func (s *Store) InboundRequestList(ctx context.Context, p store.InboundRequestListParams) ([]inbound.Request, error) {
	return queryList(ctx, s, "list inbound requests", dialect.InboundRequestList(p), sqlbuild.ScanInboundRequest)
}

// SourceSecretsCheck opens one sealed source secret, if any.
func (s *Store) SourceSecretsCheck(ctx context.Context) error {
	c, err := queryRow(ctx, s, sqlbuild.SourceSecretsSampleSQL, nil, sqlbuild.ScanSourceSecret)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return wrapErr("check source secrets", err)
	}
	return s.secrets.CheckSourceSecret(c)
}

// SourceSecretsSeal seals the source secrets stored in plain text.
func (s *Store) SourceSecretsSeal(ctx context.Context) (int, error) {
	if !s.secrets.HasKey() {
		return 0, nil
	}
	plain, err := queryList(ctx, s, "read plain source secrets", sqlbuild.Query{SQL: sqlbuild.SourceSecretsPlainSQL}, sqlbuild.ScanSourceSecret)
	if err != nil || len(plain) == 0 {
		return 0, err
	}
	n := 0
	err = s.write(ctx, "seal source secrets", func(tx pgx.Tx) error {
		n = 0
		for _, c := range plain {
			q := dialect.SourceSecretUpdate(c, s.secrets.SealSourceSecret(c))
			tag, err := tx.Exec(ctx, q.SQL, q.Args...)
			if err != nil {
				return wrapErr("seal source secrets", err)
			}
			n += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// InboundRequestPurge deletes the oldest requests received before
// p.Before, at most p.Limit.
func (s *Store) InboundRequestPurge(ctx context.Context, p store.InboundRequestPurgeParams) (int, error) {
	q := dialect.InboundRequestPurge(p)
	tag, err := s.exec(ctx, q.SQL, q.Args...)
	if err != nil {
		return 0, wrapErr("purge inbound requests", err)
	}
	return int(tag.RowsAffected()), nil
}
