package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	_, err = s.exec(ctx, `INSERT INTO tokens (`+sqlbuild.TokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
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
}

// TokenGetByHash finds a token by the SHA-256 hash of its secret. Expiry is
// the caller's check (webhook.Token.Expired), with its own clock.
func (s *Store) TokenGetByHash(ctx context.Context, hash []byte) (webhook.Token, error) {
	tok, err := queryRow(ctx, s, `SELECT `+sqlbuild.TokenColumns+` FROM tokens WHERE hash = $1`,
		[]any{hash}, sqlbuild.ScanToken)
	if errors.Is(err, pgx.ErrNoRows) {
		return webhook.Token{}, fmt.Errorf("get token: %w", store.ErrNotFound)
	}
	if err != nil {
		return webhook.Token{}, wrapErr("get token", err)
	}
	return tok, nil
}

// TokenList returns the tokens by ID.
func (s *Store) TokenList(ctx context.Context, p store.TokenListParams) ([]webhook.Token, error) {
	return queryList(ctx, s, "list tokens", dialect.TokenList(p), sqlbuild.ScanToken)
}

// TokenRevoke deletes the token named by ID, or the admin tokens of Kinds
// but KeepID.
func (s *Store) TokenRevoke(ctx context.Context, p store.TokenRevokeParams) (int, error) {
	q, err := dialect.TokenRevoke(p)
	if err != nil {
		return 0, err
	}
	tag, err := s.exec(ctx, q.SQL, q.Args...)
	if err != nil {
		return 0, wrapErr("revoke tokens", err)
	}
	if tag.RowsAffected() == 0 && p.ID != "" {
		return 0, fmt.Errorf("revoke token %q: %w", p.ID, store.ErrNotFound)
	}
	return int(tag.RowsAffected()), nil
}

// TokenMarkUsed records when a token was last used; a token revoked
// meanwhile is no error.
func (s *Store) TokenMarkUsed(ctx context.Context, p store.TokenMarkUsedParams) error {
	_, err := s.exec(ctx, `UPDATE tokens SET last_used_at = $1 WHERE id = $2`, sqlbuild.Millis(p.At), p.ID)
	if err != nil {
		return wrapErr("mark token used", err)
	}
	return nil
}

// TokenAdminExists reports whether any admin token (one without an app) is
// stored, expired or not: an expired admin token still means an operator
// set one up, and the server must not mint a new bootstrap token over it.
func (s *Store) TokenAdminExists(ctx context.Context) (bool, error) {
	ok, err := queryRow(ctx, s, `SELECT EXISTS (SELECT 1 FROM tokens WHERE app_id IS NULL)`, nil,
		func(sc sqlbuild.Scanner) (bool, error) {
			var ok bool
			return ok, sc.Scan(&ok)
		})
	if err != nil {
		return false, wrapErr("find admin token", err)
	}
	return ok, nil
}

// IdempotencyGet returns the response stored under key.
func (s *Store) IdempotencyGet(ctx context.Context, key string) (store.Idempotency, error) {
	rec, err := queryRow(ctx, s, `SELECT status_code, body, created_at FROM idempotency WHERE key = $1`,
		[]any{key}, func(sc sqlbuild.Scanner) (store.Idempotency, error) {
			rec := store.Idempotency{Key: key}
			var created int64
			err := sc.Scan(&rec.StatusCode, &rec.Body, &created)
			rec.CreatedAt = sqlbuild.FromMillis(created)
			return rec, err
		})
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Idempotency{Key: key}, fmt.Errorf("get idempotency key: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Idempotency{Key: key}, wrapErr("get idempotency key", err)
	}
	return rec, nil
}

// IdempotencyPut stores a key for a request that created nothing else;
// store.ErrIdempotencyKeyUsed if it exists.
func (s *Store) IdempotencyPut(ctx context.Context, rec store.Idempotency) error {
	_, err := s.exec(ctx, insertIdempotencySQL, rec.Key, rec.StatusCode, rec.Body, sqlbuild.Millis(rec.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("insert idempotency key: %w", store.ErrIdempotencyKeyUsed)
	}
	if err != nil {
		return wrapErr("insert idempotency key", err)
	}
	return nil
}

// TokenExpire makes an app's portal tokens expire at p.At, or keep an
// earlier expiry.
func (s *Store) TokenExpire(ctx context.Context, p store.TokenExpireParams) (int, error) {
	tag, err := s.exec(ctx, `UPDATE tokens SET expires_at = $1
		WHERE app_id = $2 AND kind = $3 AND (expires_at IS NULL OR expires_at > $1)`,
		sqlbuild.Millis(p.At), p.AppID, string(webhook.TokenAppPortal))
	if err != nil {
		return 0, wrapErr("expire tokens", err)
	}
	return int(tag.RowsAffected()), nil
}
