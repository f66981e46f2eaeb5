package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
	return s.write(ctx, "insert source", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, dialect.SourceInsert(), args...)
		switch {
		case isUnique(err):
			return fmt.Errorf("insert source %s: %w", src.ID, store.ErrConflict)
		case err != nil:
			return wrapErr("insert source", err)
		}
		return nil
	})
}

// SourceGet returns a source by ID.
func (s *Store) SourceGet(ctx context.Context, id string) (inbound.Source, error) {
	return s.sourceWhere(ctx, "get source", `id = ?`, id)
}

// SourceGetByTokenHash finds a source by its token's hash.
func (s *Store) SourceGetByTokenHash(ctx context.Context, hash []byte) (inbound.Source, error) {
	return s.sourceWhere(ctx, "get source by token", `token_hash = ?`, hash)
}

func (s *Store) sourceWhere(ctx context.Context, op, cond string, arg any) (inbound.Source, error) {
	src, err := s.secrets.ScanSource(s.r.QueryRowContext(ctx, `SELECT `+sqlbuild.SourceColumns+` FROM sources WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return src, fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	if err != nil {
		return src, wrapErr(op, err)
	}
	return src, nil
}

// SourceList pages the sources by ID.
func (s *Store) SourceList(ctx context.Context, p store.SourceListParams) ([]inbound.Source, error) {
	return queryList(ctx, s.r, "list sources", dialect.SourceList(p), s.secrets.ScanSource)
}

// SourceUpdate writes a source's settings.
func (s *Store) SourceUpdate(ctx context.Context, src inbound.Source) error {
	args, err := s.secrets.SourceArgs(src)
	if err != nil {
		return err
	}
	q := dialect.SourceUpdate(args)
	return s.sourceExec(ctx, "update source", q.SQL, q.Args...)
}

// SourceTokenSet replaces a source's token hash.
func (s *Store) SourceTokenSet(ctx context.Context, p store.SourceTokenSetParams) error {
	err := s.sourceExec(ctx, "set source token", `UPDATE sources SET token_hash = ?, updated_at = ? WHERE id = ?`,
		p.Hash, sqlbuild.Millis(p.UpdatedAt), p.ID)
	if isUnique(err) {
		return fmt.Errorf("set source token: %w", store.ErrConflict)
	}
	return err
}

// SourceDelete deletes a source; its requests go with it (ON DELETE
// CASCADE).
func (s *Store) SourceDelete(ctx context.Context, id string) error {
	return s.sourceExec(ctx, "delete source", `DELETE FROM sources WHERE id = ?`, id)
}

// sourceExec runs one statement that must change a row in its own transaction.
func (s *Store) sourceExec(ctx context.Context, op, query string, args ...any) error {
	return s.write(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			if isUnique(err) {
				return err // the caller names the conflict
			}
			return wrapErr(op, err)
		}
		return notFoundIfNone(op, res)
	})
}

// InboundRequestCreate stores one received request alone.
func (s *Store) InboundRequestCreate(ctx context.Context, req inbound.Request) error {
	return s.write(ctx, "insert inbound request", func(tx *sql.Tx) error {
		itemErr, err := insertInboundRequest(ctx, tx.StmtContext(ctx, s.stmts.insertInbound), &req)
		if err != nil {
			return err
		}
		return itemErr
	})
}

// insertInboundRequest writes req with stmt (insertInboundRequestSQL).
// itemErr is req's own failure (a duplicate, its source gone), err any
// other, as batchStmts.insert splits them.
func insertInboundRequest(ctx context.Context, stmt *sql.Stmt, req *inbound.Request) (itemErr, err error) {
	_, err = stmt.ExecContext(ctx, sqlbuild.InboundRequestArgs(req)...)
	switch {
	case isUnique(err):
		return sqlbuild.InboundRequestConflict(req), nil
	case isForeignKey(err):
		return sqlbuild.InboundRequestSourceGone(req), nil
	case err != nil:
		return classify("insert inbound request "+req.ID, err)
	}
	return nil, nil
}

// InboundRequestGet returns one request of a source.
func (s *Store) InboundRequestGet(ctx context.Context, sourceID, id string) (inbound.Request, error) {
	q := dialect.InboundRequestGet(sourceID, id)
	req, err := sqlbuild.ScanInboundRequest(s.r.QueryRowContext(ctx, q.SQL, q.Args...))
	if errors.Is(err, sql.ErrNoRows) {
		return req, fmt.Errorf("get inbound request %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return req, wrapErr("get inbound request", err)
	}
	return req, nil
}

// InboundRequestList pages a source's requests by ID.
func (s *Store) InboundRequestList(ctx context.Context, p store.InboundRequestListParams) ([]inbound.Request, error) {
	return queryList(ctx, s.r, "list inbound requests", dialect.InboundRequestList(p), sqlbuild.ScanInboundRequest)
}

// SourceSecretsCheck opens one sealed source secret, if any.
func (s *Store) SourceSecretsCheck(ctx context.Context) error {
	c, err := sqlbuild.ScanSourceSecret(s.r.QueryRowContext(ctx, sqlbuild.SourceSecretsSampleSQL))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return wrapErr("check source secrets", err)
	}
	return s.secrets.CheckSourceSecret(c)
}

// SourceSecretsSeal seals the source secrets stored in plain text, with
// the plain text overwritten in the file as EndpointSecretsSeal does.
func (s *Store) SourceSecretsSeal(ctx context.Context) (int, error) {
	if !s.secrets.HasKey() {
		return 0, nil
	}
	plain, err := queryList(ctx, s.r, "read plain source secrets", sqlbuild.Query{SQL: sqlbuild.SourceSecretsPlainSQL}, sqlbuild.ScanSourceSecret)
	if err != nil || len(plain) == 0 {
		return 0, err
	}
	// The writer is one connection, so the pragma holds for the pass.
	if _, err := s.w.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return 0, wrapErr("seal source secrets", err)
	}
	defer s.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = OFF`)
	n := 0
	err = s.write(ctx, "seal source secrets", func(tx *sql.Tx) error {
		n = 0
		for _, c := range plain {
			q := dialect.SourceSecretUpdate(c, s.secrets.SealSourceSecret(c))
			res, err := tx.ExecContext(ctx, q.SQL, q.Args...)
			if err != nil {
				return wrapErr("seal source secrets", err)
			}
			if k, _ := res.RowsAffected(); k > 0 {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return n, wrapErr("checkpoint after sealing source secrets", err)
	}
	return n, nil
}

// InboundRequestPurge deletes the oldest requests received before
// p.Before, at most p.Limit.
func (s *Store) InboundRequestPurge(ctx context.Context, p store.InboundRequestPurgeParams) (int, error) {
	q := dialect.InboundRequestPurge(p)
	var n int64
	err := s.write(ctx, "purge inbound requests", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q.SQL, q.Args...)
		if err != nil {
			return wrapErr("purge inbound requests", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
