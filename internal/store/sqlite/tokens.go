package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

// TokenCreate stores a token by its hash; store.ErrConflict if the ID or
// hash exists, store.ErrNotFound if its app does not.
func (s *Store) TokenCreate(ctx context.Context, tok webhook.Token) error {
	args, err := sqlbuild.TokenArgs(tok)
	if err != nil {
		return err
	}
	return s.write(ctx, "insert token", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (`+sqlbuild.TokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			args...)
		switch {
		case isUnique(err):
			return fmt.Errorf("insert token: %w", store.ErrConflict)
		case isForeignKey(err):
			return fmt.Errorf("insert token: app %q: %w", tok.AppID, store.ErrNotFound)
		case err != nil:
			return wrapErr("insert token", err)
		}
		return nil
	})
}

// TokenGetByHash finds a token by the SHA-256 hash of its secret. Expiry is
// the caller's check (webhook.Token.Expired), with its own clock.
func (s *Store) TokenGetByHash(ctx context.Context, hash []byte) (webhook.Token, error) {
	tok, err := sqlbuild.ScanToken(s.r.QueryRowContext(ctx, `SELECT `+sqlbuild.TokenColumns+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return webhook.Token{}, fmt.Errorf("get token: %w", store.ErrNotFound)
	}
	if err != nil {
		return webhook.Token{}, wrapErr("get token", err)
	}
	return tok, nil
}

// TokenList returns the tokens by ID.
func (s *Store) TokenList(ctx context.Context, p store.TokenListParams) ([]webhook.Token, error) {
	return queryList(ctx, s.r, "list tokens", dialect.TokenList(p), sqlbuild.ScanToken)
}

// TokenRevoke deletes the token named by ID, or the admin tokens of Kinds
// but KeepID.
func (s *Store) TokenRevoke(ctx context.Context, p store.TokenRevokeParams) (int, error) {
	q, err := dialect.TokenRevoke(p)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.write(ctx, "revoke tokens", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q.SQL, q.Args...)
		if err != nil {
			return wrapErr("revoke tokens", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return wrapErr("revoke tokens", err)
		}
		return nil
	})
	if err == nil && n == 0 && p.ID != "" {
		err = fmt.Errorf("revoke token %q: %w", p.ID, store.ErrNotFound)
	}
	return int(n), err
}

// TokenMarkUsed records when a token was last used; a token revoked
// meanwhile is no error.
func (s *Store) TokenMarkUsed(ctx context.Context, p store.TokenMarkUsedParams) error {
	return s.write(ctx, "mark token used", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, sqlbuild.Millis(p.At), p.ID); err != nil {
			return wrapErr("mark token used", err)
		}
		return nil
	})
}

// TokenAdminExists reports whether any admin token (one without an app) is
// stored, expired or not: an expired admin token still means an operator
// set one up, and the server must not mint a new bootstrap token over it.
func (s *Store) TokenAdminExists(ctx context.Context) (bool, error) {
	var ok bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tokens WHERE app_id IS NULL)`).Scan(&ok)
	if err != nil {
		return false, wrapErr("find admin token", err)
	}
	return ok, nil
}

// IdempotencyGet returns the response stored under key.
func (s *Store) IdempotencyGet(ctx context.Context, key string) (store.Idempotency, error) {
	rec := store.Idempotency{Key: key}
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT status_code, body, created_at FROM idempotency WHERE key = ?`, key).
		Scan(&rec.StatusCode, &rec.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("get idempotency key: %w", store.ErrNotFound)
	}
	if err != nil {
		return rec, wrapErr("get idempotency key", err)
	}
	rec.CreatedAt = sqlbuild.FromMillis(created)
	return rec, nil
}

// IdempotencyPut stores a key for a request that created nothing else;
// store.ErrIdempotencyKeyUsed if it exists.
func (s *Store) IdempotencyPut(ctx context.Context, rec store.Idempotency) error {
	return s.write(ctx, "insert idempotency key", func(tx *sql.Tx) error {
		return insertIdempotency(ctx, tx, s.stmts.insertIdempotency, &rec)
	})
}

// TokenExpire makes an app's portal tokens expire at p.At, or keep an
// earlier expiry.
func (s *Store) TokenExpire(ctx context.Context, p store.TokenExpireParams) (int, error) {
	var n int64
	err := s.write(ctx, "expire tokens", func(tx *sql.Tx) error {
		at := sqlbuild.Millis(p.At)
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET expires_at = ?1
			WHERE app_id = ?2 AND kind = ?3 AND (expires_at IS NULL OR expires_at > ?1)`, at, p.AppID, string(webhook.TokenAppPortal))
		if err != nil {
			return wrapErr("expire tokens", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return wrapErr("expire tokens", err)
		}
		return nil
	})
	return int(n), err
}
