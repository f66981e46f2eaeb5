package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

// BinCreate stores a bin; store.ErrConflict if its ID or token hash exists.
func (s *Store) BinCreate(ctx context.Context, b inspector.Bin) error {
	args, err := sqlbuild.BinArgs(b)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO bins (`+sqlbuild.BinColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, args...)
	switch {
	case isUnique(err):
		return fmt.Errorf("insert bin: %w", store.ErrConflict)
	case err != nil:
		return wrapErr("insert bin", err)
	}
	return nil
}

// BinGet returns a bin by ID.
func (s *Store) BinGet(ctx context.Context, id string) (inspector.Bin, error) {
	return s.binWhere(ctx, "id = $1", id)
}

// BinGetByTokenHash finds a bin by its token's hash.
func (s *Store) BinGetByTokenHash(ctx context.Context, hash []byte) (inspector.Bin, error) {
	return s.binWhere(ctx, "token_hash = $1", hash)
}

func (s *Store) binWhere(ctx context.Context, cond string, arg any) (inspector.Bin, error) {
	b, err := queryRow(ctx, s, `SELECT `+sqlbuild.BinColumns+` FROM bins WHERE `+cond, []any{arg}, sqlbuild.ScanBin)
	if errors.Is(err, pgx.ErrNoRows) {
		return inspector.Bin{}, fmt.Errorf("get bin: %w", store.ErrNotFound)
	}
	if err != nil {
		return inspector.Bin{}, wrapErr("get bin", err)
	}
	return b, nil
}

// BinList lists bins by ID.
func (s *Store) BinList(ctx context.Context, p store.BinListParams) ([]inspector.Bin, error) {
	return queryList(ctx, s, "list bins", dialect.BinList(p), sqlbuild.ScanBin)
}

// BinUpdate writes a bin's fields but its CreatedAt.
func (s *Store) BinUpdate(ctx context.Context, b inspector.Bin) error {
	args, err := sqlbuild.BinUpdateArgs(b)
	if err != nil {
		return err
	}
	tag, err := s.exec(ctx, dialect.BinUpdateSQL(), args...)
	switch {
	case isUnique(err):
		return fmt.Errorf("update bin: %w", store.ErrConflict)
	case err != nil:
		return wrapErr("update bin", err)
	}
	return notFoundIfNone("update bin", tag)
}

// BinDelete deletes a bin; its captures go with it (ON DELETE CASCADE).
func (s *Store) BinDelete(ctx context.Context, id string) error {
	tag, err := s.exec(ctx, `DELETE FROM bins WHERE id = $1`, id)
	if err != nil {
		return wrapErr("delete bin", err)
	}
	return notFoundIfNone("delete bin", tag)
}

// CaptureCreate stores a capture, trimming its bin when p.TrimTo is set.
func (s *Store) CaptureCreate(ctx context.Context, p store.CaptureCreateParams) error {
	args, err := sqlbuild.CaptureArgs(p.Capture)
	if err != nil {
		return err
	}
	return s.write(ctx, "insert capture", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, dialect.CaptureInsertSQL(), args...)
		switch {
		case isForeignKey(err):
			return fmt.Errorf("insert capture: bin %q: %w", p.Capture.BinID, store.ErrNotFound)
		case err != nil:
			return wrapErr("insert capture", err)
		}
		if p.TrimTo <= 0 {
			return nil
		}
		_, err = purgeCaptures(ctx, tx, store.CapturePurgeParams{BinID: p.Capture.BinID, Keep: p.TrimTo, Limit: store.TrimChunk})
		return err
	})
}

// CaptureGet returns one capture of a bin.
func (s *Store) CaptureGet(ctx context.Context, binID, id string) (inspector.Capture, error) {
	q := dialect.CaptureGet(binID, id)
	c, err := queryRow(ctx, s, q.SQL, q.Args, sqlbuild.ScanCapture)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("get capture: %w", store.ErrNotFound)
	}
	if err != nil {
		return c, wrapErr("get capture", err)
	}
	return c, nil
}

// CaptureList lists a bin's captures.
func (s *Store) CaptureList(ctx context.Context, p store.CaptureListParams) ([]inspector.Capture, error) {
	return queryList(ctx, s, "list captures", dialect.CaptureList(p), sqlbuild.ScanCapture)
}

// CapturePurge deletes a bin's expired captures and those past its Keep.
func (s *Store) CapturePurge(ctx context.Context, p store.CapturePurgeParams) (int, error) {
	var n int
	err := s.write(ctx, "purge captures", func(tx pgx.Tx) error {
		var err error
		n, err = purgeCaptures(ctx, tx, p)
		return err
	})
	return n, err
}

// purgeCaptures is CapturePurge inside tx.
func purgeCaptures(ctx context.Context, tx pgx.Tx, p store.CapturePurgeParams) (int, error) {
	if p.Limit <= 0 {
		return 0, errors.New("purge captures: a limit is required")
	}
	var fromID string
	if p.Keep > 0 {
		q := dialect.CaptureTrimFrom(p.BinID, p.Keep)
		err := tx.QueryRow(ctx, q.SQL, q.Args...).Scan(&fromID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return 0, wrapErr("purge captures: find the oldest kept", err)
		}
	}
	if fromID == "" && p.Before.IsZero() {
		return 0, nil
	}
	q := dialect.CapturePurge(p.BinID, fromID, p.Before, p.Limit)
	tag, err := tx.Exec(ctx, q.SQL, q.Args...)
	if err != nil {
		return 0, wrapErr("purge captures", err)
	}
	return int(tag.RowsAffected()), nil
}
